// EXPECT: ^all 600 goroutines ran: ([0-9]+ on cpu[0-9] ?)+$
// TEST: smp=1 status=0 timeout=120 icount=1
// EXPECT: ^after spawn 256: +SCHED .*runqueue=0 \[256\]$
// EXPECT: ^after spawn 257: +SCHED .*runqueue=0 \[257\]$
// EXPECT: ^after spawn 258: +SCHED .*runqueue=129 \[129\]$
// EXPECT: ^3\. one CPU: nobody to steal$
// TEST: smp=2 status=0 timeout=120 icount=1
// EXPECT: ^after spawn 256: +SCHED .*runqueue=0 \[256\]$
// EXPECT: ^after spawn 257: +SCHED .*runqueue=0 \[257\]$
// EXPECT: ^after spawn 258: +SCHED .*runqueue=129 \[129\]$
// EXPECT: ^3\. 200 goroutines queued on P0, then GOMAXPROCS\(2\): the other CPU ran [0-9]+ of them, [0-9]+ preemptions: at least [1-9][0-9]* stolen$
// TEST: smp=2 status=0 timeout=120
// EXPECT: ^3\. 200 goroutines queued on P0, then GOMAXPROCS\(2\): the other CPU ran [0-9]+ of them
/*
 * sched_steal - a P's local run queue overflows into the global queue, and
 * idle Ps take work from both (docs/scheduler.md, "Run queues").
 *
 * What to look for:
 *  1. With GOMAXPROCS(1) nobody else can run what main spawns. Each go()
 *     puts the new G in runnext and kicks the previous runnext to the tail
 *     of the 256-slot ring (runq_put). The SCHED lines print the global
 *     queue (runqueue=) and the local one in brackets (ring + runnext):
 *       spawn 256: [256]           255 in the ring, 1 in runnext
 *       spawn 257: [257]           the ring is full
 *       spawn 258: runqueue=129 [129]
 *     The 258th go() kicks the 257th G onto a full ring: runqput moves
 *     the first half of the ring (128 Gs) plus that G to the global queue
 *     in one batch (runqput -> globrunqput), leaving 128 + runnext.
 *  2. GOMAXPROCS(NumCPU()) starts the other Ps (wakep). An M with an empty
 *     P takes a fair share of the global queue (globrunqget) and, once it
 *     is empty, steals half of a busy P's ring (steal_work -> runq_steal).
 *     The last line counts where the 600 goroutines ran: with more than one
 *     CPU, every CPU gets some, although all were spawned on one P.
 *  3. Stealing: 200 goroutines of ~1 ms each, spawned with GOMAXPROCS(1),
 *     fit in P0's ring (no overflow to the global queue). Then
 *     GOMAXPROCS(2): the second CPU's M finds the global queue empty and
 *     steals half of P0's ring (runq_steal), so it runs about 100 of them.
 *     Without stealing, a goroutine could reach it only through the global
 *     queue, where an async preemption puts the goroutine it interrupts:
 *     so whatever the other CPU ran beyond the number of preemptions, it
 *     stole.
 * The test checks steps 1 and 3 under icount (exact virtual time, so main
 * is not preempted in the middle of step 1, and step 3 does not depend on
 * the host scheduling the second vCPU); without icount it prints a warning
 * if a preemption moved main during step 1.
 * Try: make run APP=examples/sched_steal SMP=4
 */
#include <stdio.h>
#include "gort.h"

#define N 600

static int64_t ran_on[8], done;
volatile uint64_t sink;

static void worker(void *arg)
{
	uint64_t x = 0;
	for (int i = 0; i < 20000; i++)         /* ~100 us of work */
		x += (uint64_t)i * 7;
	__atomic_store_n(&sink, x, __ATOMIC_RELAXED);   /* many workers store it */
	__atomic_fetch_add(&ran_on[CPU()], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
}

static void nothing(void *arg) { }

static int64_t ran3[8];
static WaitGroup wg3;
static void slow_worker(void *arg)      /* ~1 ms of work */
{
	int64_t t = nanotime();
	while (nanotime() - t < Millisecond)
		;
	__atomic_fetch_add(&ran3[CPU()], 1, __ATOMIC_RELAXED);
	WaitGroup_Done(&wg3);
}

/* The SCHED line (printed by the runtime) after a label. */
static void SchedTraceLine(int i)
{
	printf("after spawn %d: ", i);
	fflush(stdout);
	SchedTrace();
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
	int ncpu = NumCPU();
	GOMAXPROCS(1);
	/* Warm the free-G cache, so that the spawns below are quick (a new
	 * G needs a stack; a recycled one is ready), and let the runtime's
	 * own goroutines settle. */
	for (int i = 0; i < N; i++)
		go(nothing, NULL);
	while (NumGoroutine() > 1)
		Sleep(Millisecond);

	printf("1. spawning %d goroutines on one P (GOMAXPROCS=1)\n", N);
	uint64_t pre = preemptions();
	for (int i = 1; i <= N; i++) {
		go(worker, NULL);
		if (i == 256 || i == 257 || i == 258 || i == N) {
			SchedTraceLine(i);
		}
	}
	if (preemptions() != pre)
		printf("   (main was preempted during the spawns: the counts above are off)\n");

	printf("2. GOMAXPROCS(%d): idle Ps take from the global queue, then steal\n", ncpu);
	GOMAXPROCS(ncpu);
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < N)
		Sleep(Millisecond);
	printf("all %d goroutines ran:", N);
	for (int i = 0; i < ncpu && i < 8; i++)
		printf(" %lld on cpu%d", (long long)ran_on[i], i);
	printf("\n");

	if (ncpu < 2) {
		printf("3. one CPU: nobody to steal\n");
		return 0;
	}
	GOMAXPROCS(1);
	Sleep(Millisecond);             /* the other Ps retire */
	WaitGroup_Add(&wg3, 200);
	for (int i = 0; i < 200; i++)
		go(slow_worker, NULL);
	int me = CPU();                 /* the CPU whose M holds P0 */
	uint64_t pre3 = preemptions();
	GOMAXPROCS(2);
	WaitGroup_Wait(&wg3);           /* no timer: nothing preempts a worker
	                                 * early to fire one */
	long long other = 200 - ran3[me], npre = (long long)(preemptions() - pre3);
	printf("3. 200 goroutines queued on P0, then GOMAXPROCS(2): the other CPU ran %lld of them, %lld preemptions: at least %lld stolen\n",
	       other, npre, other > npre ? other - npre : 0);
	return 0;
}
