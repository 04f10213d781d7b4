// TEST: smp=2,4 status=0 timeout=300
// TEST: arch=hosted smp=4 bootargs="test=1" status=0 timeout=300
// EXPECT: ^select_close_race: [0-9]+ rounds, [0-9]+ values, [0-9]+ closes$
// EXPECT: ^PASS$
/*
 * select_close_race - a select's receive racing a receive-then-close.
 * Each round makes a buffered channel holding one value (42); a drainer
 * goroutine takes that value and closes the channel while a selector
 * selects over the channel and a never-ready one. The selector must see
 * either the value (42, ok=true) or the close (zero value, ok=false),
 * never ok=true with a zero value. The window: the select's lock-free
 * look sees the value, and by the time it holds the channel's lock the
 * value is gone and the channel closed (once reported ok=true there,
 * from a flag no path had set).
 *
 * test=1 runs TSAN_ROUNDS, for the ThreadSanitizer pass (tests/hosted.sh):
 * there the start line's spinning is slow, and 10,000 rounds at smp 4
 * passed the 300 s timeout once on a loaded host (65 s alone).
 */
#include "tests/qemu/testing.h"

#define ROUNDS 10000
#define TSAN_ROUNDS 2000      /* test=1 */

static chan_t *never;
static int64_t values, closes;

struct round {
	chan_t *c;
	WaitGroup wg;
	int64_t arrived;        /* both goroutines spin here, then race */
	int delay;              /* the drainer's head start, swept per round */
};

/* Both goroutines start their race at about the same moment: each spins
 * a while for the other (on another CPU, once one of them was stolen),
 * then yields (the other may be queued behind it on this CPU). */
static void start_line(struct round *r)
{
	atomic_add64(&r->arrived, 1);
	for (int spins = 0; atomic_load64(&r->arrived) < 2; spins++)
		if (spins >= 100000)
			Gosched();
}

static void drainer(void *arg)
{
	struct round *r = arg;
	int64_t v;
	bool ok;
	start_line(r);
	for (volatile int i = 0; i < r->delay; i++)
		;
	if (chan_tryrecv(r->c, &v, &ok))
		CHECK(ok && v == 42, "drainer received %lld", (long long)v);
	chan_close(r->c);
	WaitGroup_Done(&r->wg);
}

static void selector(void *arg)
{
	struct round *r = arg;
	int64_t v = -1;
	bool ok = true;
	struct SelectCase cs[2] = {
		{ .dir = SelectRecv, .c = never },
		{ .dir = SelectRecv, .c = r->c, .val = &v, .ok = &ok },
	};
	start_line(r);
	int i = Select(cs, 2, false);
	CHECK(i == 1, "select chose %d", i);
	if (ok) {
		CHECK(v == 42, "select: ok=true with value %lld", (long long)v);
		atomic_add64(&values, 1);
	} else {
		CHECK(v == 0, "select: ok=false with value %lld", (long long)v);
		atomic_add64(&closes, 1);
	}
	WaitGroup_Done(&r->wg);
}

int main(void)
{
	int rounds = BootFlagTest() == 1 ? TSAN_ROUNDS : ROUNDS;
	never = make_chan(sizeof(int64_t), 0);
	for (int n = 0; n < rounds; n++) {
		struct round r = { make_chan(sizeof(int64_t), 1), {0}, 0, n % 64 };
		int64_t v = 42;
		chan_send(r.c, &v);
		WaitGroup_Add(&r.wg, 2);
		go(selector, &r);
		go(drainer, &r);
		WaitGroup_Wait(&r.wg);
	}
	CHECK(values + closes == rounds, "%lld values + %lld closes", (long long)values, (long long)closes);
	printf("select_close_race: %d rounds, %lld values, %lld closes\n", rounds,
	       (long long)values, (long long)closes);
	printf("PASS\n");
	return 0;
}
