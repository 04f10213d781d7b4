// TEST: smp=1,2 status=0 timeout=120 icount=1
// EXPECT: ^mode: normal -> starvation at +[0-9]+ us: a waiter waited over 1 ms$
// EXPECT: ^mode: starvation -> normal at +[0-9]+ us: the new owner waited under 1 ms or was the last waiter$
// EXPECT: ^waiter got the lock 5 times; handed over in starvation mode: yes$
/*
 * mutex_modes - sync.Mutex's normal and starvation modes (docs/sync.md,
 * "Mutex").
 *
 * What to look for (GOMAXPROCS(1), icount in the test, so it is exact):
 * a hog goroutine holds the lock 100 us, unlocks and locks again at once;
 * a waiter wants it 5 times. The hog watches the mutex state word (bit 0
 * locked, bit 1 woken, bit 2 starving, waiters from bit 3) and prints each
 * change of mode:
 *   - normal mode: Unlock wakes the waiter, but the hog is still running
 *     and locks again first (a running goroutine beats a woken one);
 *   - once the waiter has waited over 1 ms (starvationThresholdNs) its
 *     next CAS sets mutexStarving: "normal -> starvation";
 *   - in starvation mode Unlock hands the lock straight to the head
 *     waiter (semrelease1 with handoff), and the hog, coming back for
 *     the lock, may not grab it: it queues at the tail. A goroutine that
 *     is handed the lock leaves starvation mode if it waited under 1 ms
 *     or nobody else waits (Go's rule): "starvation -> normal" - here
 *     usually when the lock comes back to the hog.
 * The pattern repeats for each of the 5 rounds.
 */
#include <stdio.h>
#include "gort.h"

enum { mutexLocked = 1, mutexWoken = 2, mutexStarving = 4 };

static Mutex mu;
static volatile int stop, got;
static int64_t t0;
static int starving_seen;

static void note_mode(int32_t *last, int32_t now)
{
	bool was = *last & mutexStarving, is = now & mutexStarving;
	if (was != is) {
		long long us = (long long)((nanotime() - t0) / Microsecond);
		if (is) {
			starving_seen = 1;
			printf("mode: normal -> starvation at %6lld us: a waiter waited over 1 ms\n", us);
		} else {
			printf("mode: starvation -> normal at %6lld us: the new owner waited under 1 ms or was the last waiter\n", us);
		}
	}
	*last = now;
}

static void hog(void *arg)
{
	int32_t last = 0;
	while (!stop) {
		Mutex_Lock(&mu);
		note_mode(&last, __atomic_load_n(&mu.state, __ATOMIC_RELAXED));
		int64_t t = nanotime();
		while (nanotime() - t < 100 * Microsecond)
			note_mode(&last, __atomic_load_n(&mu.state, __ATOMIC_RELAXED));
		Mutex_Unlock(&mu);
	}
}

static void waiter(void *arg)
{
	for (int i = 0; i < 5; i++) {
		Sleep(100 * Microsecond);
		Mutex_Lock(&mu);
		got++;
		Mutex_Unlock(&mu);
	}
}

int main(void)
{
	GOMAXPROCS(1);
	t0 = nanotime();
	go(hog, NULL);
	go(waiter, NULL);
	while (got < 5 && nanotime() - t0 < 500 * Millisecond)   /* 5 rounds take ~10 ms */
		Sleep(Millisecond);
	stop = 1;
	Sleep(Millisecond);
	printf("waiter got the lock %d times; handed over in starvation mode: %s\n",
	       got, starving_seen ? "yes" : "no");
	return 0;
}
