// SOURCES: kernel/lib/spinlock.c tests/host/stubs_sched.c -Iarch
/*
 * tsan_spinlock.c - the real runtime spinlock (kernel/lib/spinlock.c) under
 * ThreadSanitizer: 6 threads contend for two locks on the host.
 *
 * Each thread, 20,000 rounds: take lock A (spin_lock, or a spin_trylock
 * loop every 4th round), and inside it
 *   - increment two plain counters (count by 1, count2 by 2) and write its
 *     own id into a plain `holder`, re-reading it before the unlock: mutual
 *     exclusion means no other thread's write lands in between;
 *   - check spin_is_locked(A) and that its G's nopreempt is 1;
 *   - every 16th round, also take lock B inside A (nopreempt 2) and
 *     increment a third plain counter under B alone elsewhere (every 8th
 *     round, B without A), so B is contended too;
 *   - every 32nd round, pose a preemption request (g->preempt, as a timer
 *     tick would) while holding: the request must be deferred until the
 *     outermost unlock, and then served exactly once (releasem calls
 *     gopreempt, which the stub counts in g->preempt_count).
 * Asserted: the counters are exact, nopreempt is back to 0, every deferred
 * request was served at the outermost unlock and never inside, and TSan
 * reports no data race: spin_lock's acquire pairs with spin_unlock's
 * release, so each holder sees the previous holder's plain writes.
 *
 * Can fail: with a relaxed CAS in try_acquire TSan reports the plain
 * counters as racing; with a lock that admits two holders the counts or
 * `holder` come out wrong.
 */
#include <pthread.h>
#include <stdio.h>
#include "check.h"
#include "kernel/lib/spinlock.h"
#include "kernel/sched/sched.h"
#include "stubs_sched.h"

#define T     6
#define ROUNDS 20000

static spinlock_t A, B;                 /* zero value: free */
static uint64_t count, count2, countB;  /* A; A; B */
static long holder;                     /* A */

struct result { uint64_t requests, served, early, bad_nopreempt, bad_holder, not_locked; };
static struct result res[T];

static void *worker(void *arg)
{
	long id = (long)arg;
	struct result *r = &res[id];
	host_thread_enter();
	struct g *gp = getg();
	for (int i = 0; i < ROUNDS; i++) {
		if (i % 8 == 7) {               /* B alone */
			spin_lock(&B);
			countB++;
			spin_unlock(&B);
		}
		if (i % 4 == 3) {
			while (!spin_trylock(&A))
				sched_yield();
		} else {
			spin_lock(&A);
		}
		holder = id;
		count++;
		count2 += 2;
		if (!spin_is_locked(&A))
			r->not_locked++;
		if (gp->nopreempt != 1)
			r->bad_nopreempt++;
		bool ask = i % 32 == 31;
		uint64_t served = gp->preempt_count;
		if (ask) {
			r->requests++;
			__atomic_store_n(&gp->preempt, true, __ATOMIC_RELAXED);
		}
		if (i % 16 == 15) {
			spin_lock(&B);
			if (gp->nopreempt != 2)
				r->bad_nopreempt++;
			countB++;
			spin_unlock(&B);        /* not the outermost: still deferred */
			if (gp->preempt_count != served)
				r->early++;
		}
		sched_yield();                  /* let others pile up on A */
		if (holder != id)
			r->bad_holder++;
		spin_unlock(&A);
		if (gp->nopreempt != 0)
			r->bad_nopreempt++;
		r->served += gp->preempt_count - served;
	}
	host_thread_exit();
	return NULL;
}

int main(void)
{
	pthread_t th[T];
	host_watchdog(120, "tsan_spinlock did not finish within 120 s");
	for (long i = 0; i < T; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < T; i++)
		pthread_join(th[i], NULL);

	uint64_t want = (uint64_t)T * ROUNDS;
	CHECK(count == want, "count %lu, want %lu", (unsigned long)count, (unsigned long)want);
	CHECK(count2 == 2 * want, "count2 %lu, want %lu", (unsigned long)count2, (unsigned long)(2 * want));
	CHECK(countB == (uint64_t)T * (ROUNDS / 8 + ROUNDS / 16),
	      "countB %lu", (unsigned long)countB);
	for (int i = 0; i < T; i++) {
		struct result *r = &res[i];
		CHECK(r->bad_holder == 0, "thread %d: another holder wrote inside A %lu times", i, (unsigned long)r->bad_holder);
		CHECK(r->not_locked == 0, "thread %d: spin_is_locked false while held", i);
		CHECK(r->bad_nopreempt == 0, "thread %d: wrong nopreempt %lu times", i, (unsigned long)r->bad_nopreempt);
		CHECK(r->early == 0, "thread %d: preempted inside a lock %lu times", i, (unsigned long)r->early);
		CHECK(r->served == r->requests, "thread %d: %lu requests, %lu served at unlock", i,
		      (unsigned long)r->requests, (unsigned long)r->served);
	}
	CHECK(!spin_is_locked(&A) && !spin_is_locked(&B), "a lock left held");
	return check_summary();
}
