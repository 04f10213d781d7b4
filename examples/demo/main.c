// TEST: smp=1,2 status=0 timeout=120
// EXPECT: ^1\. 1000 goroutines ran in [0-9]+ ms; per CPU:( cpu[0-9]=[0-9]+)+$
// EXPECT: ^   tick 5 at +[0-9]+ ms \(hogs still spinning\)$
// EXPECT: ^SCHED [0-9]+ms: gomaxprocs=[12] 
// EXPECT: ^demo: done
// TEST: smp=4 board=sifive_u status=0 timeout=120
// EXPECT: ^cpu 3 \(hwid [1-4]\) online$
// EXPECT: ^demo: 4 CPUs, GOMAXPROCS=4
// EXPECT: ^   tick 5 at +[0-9]+ ms \(hogs still spinning\)$
// EXPECT: ^demo: done
// REJECT: hwid 0\)|warning
/*
 * demo - what the runtime does, in a few seconds:
 *   1. 1,000 goroutines spawned from main spread over every CPU (a count
 *      per CPU), by wake-ups and work stealing;
 *   2. a CPU hog that never makes a call is preempted: while hogs spin on
 *      every CPU, a ticker goroutine still wakes on time;
 *   3. a schedtrace line, in Go's format.
 * Try: make run SMP=4, make run ARCH=aarch64, make run BOOTARGS="gomaxprocs=1".
 */
#include <stdio.h>
#include "gort.h"

#define NWORKERS 1000

static int64_t per_cpu[8], done;
static volatile int stop_hogs;

volatile uint64_t sink;   /* keeps the busy loop from being optimised away */

static void worker(void *arg)
{
	uint64_t x = 0;
	for (int i = 0; i < 20000; i++)
		x += (uint64_t)i * (uint64_t)i;
	sink = x;
	Gosched();
	__atomic_fetch_add(&per_cpu[CPU()], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
}

static void hog(void *arg)
{
	while (!stop_hogs)
		;                       /* no calls: only preemption stops it */
}

static void spread(void)
{
	int64_t t0 = nanotime();
	for (int i = 0; i < NWORKERS; i++)
		go(worker, NULL);
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < NWORKERS)
		Sleep(Millisecond);
	printf("1. %d goroutines ran in %lld ms; per CPU:", NWORKERS,
	       (long long)((nanotime() - t0) / Millisecond));
	for (int i = 0; i < NumCPU(); i++)
		printf(" cpu%d=%lld", i, (long long)per_cpu[i]);
	printf("\n");
}

static void preemption(void)
{
	int procs = GOMAXPROCS(0);
	printf("2. starting %d call-free CPU hogs (one per P); ticking every 20 ms:\n", procs);
	for (int i = 0; i < procs; i++)
		go(hog, NULL);
	int64_t t0 = nanotime();
	for (int i = 1; i <= 5; i++) {
		Sleep(20 * Millisecond);
		printf("   tick %d at %3lld ms (hogs still spinning)\n", i,
		       (long long)((nanotime() - t0) / Millisecond));
	}
	stop_hogs = 1;
	struct SchedStats st;
	ReadSchedStats(&st);
	printf("   async preemptions per CPU:");
	for (int i = 0; i < NumCPU(); i++)
		printf(" %llu", (unsigned long long)st.preemptions[i]);
	printf("\n");
}

int main(void)
{
	printf("demo: %d CPUs, GOMAXPROCS=%d, main is goroutine %llu\n",
	       NumCPU(), GOMAXPROCS(0), (unsigned long long)Goid());
	spread();
	preemption();
	printf("3. the scheduler right now (schedtrace=MS prints this every MS ms):\n");
	SchedTrace();
	printf("demo: done, %d goroutines left\n", NumGoroutine());
	return 0;
}
