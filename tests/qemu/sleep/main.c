// TEST: smp=1,2,4 status=0 timeout=60 icount=1
// EXPECT: ^sleep: [0-9]+ sleeps, none early, worst late [0-9]+ us$
// EXPECT: ^PASS$
/*
 * Latencies are asserted in virtual time (icount=1), see preempt_fair.
 *
 * sleep - Sleep never wakes early, and wakes no later than one time slice
 * plus the timer's resolution, even while call-free hogs keep every other
 * P busy (the timer interrupt preempts a hog when a timer is due).
 */
#include "tests/qemu/testing.h"

static volatile int stop;
static int64_t early, worst_late, done;

static void hog(void *arg)
{
	while (!stop)
		;
}

static void sleeper(void *arg)
{
	static const int64_t d[] = { 50 * Microsecond, 200 * Microsecond, Millisecond,
	                             3 * Millisecond, 10 * Millisecond };
	for (int r = 0; r < 4; r++) {
		for (unsigned i = 0; i < sizeof d / sizeof d[0]; i++) {
			int64_t t0 = nanotime();
			Sleep(d[i]);
			int64_t late = nanotime() - t0 - d[i];
			if (late < 0)
				atomic_add64(&early, 1);
			int64_t w = __atomic_load_n(&worst_late, __ATOMIC_RELAXED);
			while (late > w && !__atomic_compare_exchange_n(&worst_late, &w, late, false,
			                                                __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				;
		}
	}
	atomic_add64(&done, 1);
}

int main(void)
{
	int procs = GOMAXPROCS(0);
	for (int i = 1; i < procs; i++)
		go(hog, NULL);
	for (int i = 0; i < 4; i++)
		go(sleeper, NULL);
	wait_for(&done, 4, 20000, "sleepers");
	stop = 1;
	printf("sleep: %d sleeps, none early, worst late %lld us\n", 4 * 4 * 5,
	       (long long)(worst_late / 1000));
	CHECK(early == 0, "%lld sleeps woke early", (long long)early);
	/* One 10 ms slice plus the timer's resolution. With more than two
	 * vCPUs QEMU emulates them round-robin (icount) or time-slices their
	 * threads on this 2-core host, so a vCPU can be off for several of
	 * its slices while its timer interrupt is pending; allow 3 slices. */
	int64_t bound = NumCPU() <= 2 ? 11 * Millisecond : 31 * Millisecond;
	CHECK(worst_late <= bound, "a sleep was %lld us late (bound %lld us)",
	      (long long)(worst_late / 1000), (long long)(bound / 1000));
	printf("PASS\n");
	return 0;
}
