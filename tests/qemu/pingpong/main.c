// TEST: smp=1,2,4 status=0 timeout=60
// EXPECT: ^pingpong: 20000 hand-offs in order$
// EXPECT: ^PASS$
/*
 * pingpong - the scheduler's building blocks, gopark and goready, used
 * directly: two goroutines hand a baton back and forth 10,000 times each.
 * Each side parks until the other readies it; the order must never break.
 */
#include "tests/qemu/testing.h"
#include "kernel/sched/sched.h"

#define ROUNDS 10000

struct side {
	spinlock_t lock;
	struct g *parked;   /* the G waiting for the baton; lock */
	bool baton;         /* lock */
};

static struct side sides[2] = {         /* runtime locks need a rank */
	{ .lock = SPINLOCK_INIT(LOCKRANK_TEST) }, { .lock = SPINLOCK_INIT(LOCKRANK_TEST) },
};
static int64_t log_next, bad, finished;

static void give(struct side *s)
{
	spin_lock(&s->lock);
	s->baton = true;
	struct g *gp = s->parked;
	s->parked = NULL;
	spin_unlock(&s->lock);
	if (gp)
		goready(gp);
}

static void take(struct side *s)
{
	spin_lock(&s->lock);
	while (!s->baton) {
		s->parked = getg();
		goparkunlock(&s->lock, waitReasonTest);
		spin_lock(&s->lock);
	}
	s->baton = false;
	spin_unlock(&s->lock);
}

static void player(void *arg)
{
	intptr_t me = (intptr_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		take(&sides[me]);
		/* strictly alternating: hand-off number k belongs to k % 2 */
		if (log_next % 2 != me)
			atomic_add64(&bad, 1);
		log_next++;
		give(&sides[1 - me]);
	}
	atomic_add64(&finished, 1);
}

int main(void)
{
	go(player, (void *)0);
	go(player, (void *)1);
	give(&sides[0]);
	wait_for(&finished, 2, 50000, "both players");
	CHECK(bad == 0, "%lld out-of-order hand-offs", (long long)bad);
	printf("pingpong: %lld hand-offs in order\n", (long long)log_next);
	printf("PASS\n");
	return 0;
}
