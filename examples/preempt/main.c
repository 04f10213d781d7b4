// TEST: smp=1,2 status=0 timeout=120 icount=1
// EXPECT: ^main woke 5 times on time while 3 call-free loops spun on its only P$
// EXPECT: ^every loop ran: yes$
// EXPECT: ^async preemptions: [1-9][0-9]*$
// TEST: smp=2 status=0 timeout=120
// EXPECT: ^every loop ran: yes$
/*
 * preempt - asynchronous preemption: loops that never call anything still
 * share the CPU (docs/scheduler.md, "Preemption").
 *
 * What to look for: with GOMAXPROCS(1) there is one P. Three goroutines
 * spin in `while (!stop) n++;` - no call, no yield, no scheduling point.
 * Without preemption the first one would own the P forever and main, which
 * sleeps 20 ms at a time, would never wake. Here every time slice (10 ms,
 * bootargs slice=) the CPU's timer interrupt finds a goroutine past its
 * slice (trap_timer), saves its registers, and makes it call
 * gopreempt_m as if it had called Gosched itself (asyncPreempt2): it goes
 * to the global queue and the next G runs. So:
 *   - main's Sleep returns on time: when its timer is due, the timer
 *     interrupt preempts the loop at once and the scheduler fires it;
 *   - every loop's counter grows (round robin through the queue);
 *   - SchedStats counts the async preemptions taken.
 * Go did this with a signal (SIGURG) since 1.14; before that a loop
 * without calls could hang a program (the seed notes' "cooperative vs
 * signal-based preemption").
 * Try: make run APP=examples/preempt BOOTARGS="slice=50" (fewer, longer turns)
 */
#include <stdio.h>
#include "gort.h"

#define NLOOPS 3

static volatile int stop;
static volatile uint64_t count[NLOOPS];
static int64_t exited;

static void spin(void *arg)
{
	volatile uint64_t *n = arg;
	while (!stop)
		(*n)++;                 /* no calls: only preemption stops it */
	__atomic_fetch_add(&exited, 1, __ATOMIC_RELEASE);
}

static uint64_t preemptions(void)
{
	struct SchedStats st;
	ReadSchedStats(&st);
	uint64_t n = 0;
	for (int i = 0; i < 8; i++)
		n += st.preemptions[i];
	return n;
}

int main(void)
{
	GOMAXPROCS(1);
	uint64_t pre0 = preemptions();
	for (int i = 0; i < NLOOPS; i++)
		go(spin, (void *)&count[i]);
	int64_t t0 = nanotime(), late = 0;
	for (int i = 1; i <= 5; i++) {
		int64_t want = t0 + i * 20 * Millisecond;
		Sleep(want - nanotime());
		int64_t l = nanotime() - want;
		if (l > late)
			late = l;
		printf("tick %d at %3lld ms, loops at %llu %llu %llu\n", i,
		       (long long)((nanotime() - t0) / Millisecond), (unsigned long long)count[0],
		       (unsigned long long)count[1], (unsigned long long)count[2]);
	}
	stop = 1;
	while (__atomic_load_n(&exited, __ATOMIC_ACQUIRE) < NLOOPS)
		Sleep(Millisecond);
	/* "On time": within two time slices (the loops ahead of main in the
	 * queue each run at most a slice). */
	if (late < 2 * 10 * Millisecond + 5 * Millisecond)
		printf("main woke 5 times on time while %d call-free loops spun on its only P\n", NLOOPS);
	else
		printf("main woke up to %lld ms late\n", (long long)(late / Millisecond));
	printf("every loop ran: %s\n", count[0] && count[1] && count[2] ? "yes" : "no");
	printf("async preemptions: %llu\n", (unsigned long long)(preemptions() - pre0));
	return 0;
}
