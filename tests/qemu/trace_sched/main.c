// TEST: smp=4 bootargs="trace=1 gogc=off" status=0 timeout=120
// EXPECT: ^schedstats: steals=[1-9][0-9]* stolen=[1-9][0-9]* overflows=[0-9]+ spinning=[1-9][0-9]*$
// CHECK: scripts/trace/gort_trace.py check --cpus 4 --flows
// TEST: smp=1 bootargs="trace=1 gogc=off" status=0 timeout=120
// EXPECT: ^schedstats: steals=0 stolen=0 overflows=[1-9][0-9]* spinning=[0-9]+$
// CHECK: scripts/trace/gort_trace.py check --cpus 1 --flows
// TEST: smp=2 bootargs="test=1 gogc=off" status=0 timeout=120
// EXPECT: ^after the trace$
// CHECK: scripts/trace/gort_trace.py check --cpus 2 --flows
// TEST: smp=2 bootargs="trace=1 test=2 gogc=off" status=0 timeout=120
// CHECK: scripts/trace/gort_trace.py check --cpus 2 --flows
// EXPECT: ^PASS$
/*
 * trace_sched - the execution tracer (docs/trace.md) and SchedStats' steal,
 * overflow and spinning counters.
 *
 * The program spawns 600 goroutines from main without yielding (at smp=1
 * the 257th overflows the local run queue, or a later batch of 600 does
 * if a preemption let the first drain; with more CPUs thieves usually
 * drain it first, and steal), runs call-free
 * loops long enough to be preempted, bounces a token between two goroutines
 * (wake-ups from goroutine to goroutine: flow arrows), runs a GC and sleeps.
 * First, 2 x NumCPU call-free roamers run until every CPU has run one
 * (so the trace has a track per CPU even on a loaded host). Then, with
 * nothing else left to run, it stops the trace. The host checker
 * (tests/run.sh CHECK lines) parses the dump, verifies its CRC, that every
 * goroutine's run slices pair and never overlap, that the counts of creates,
 * preemptions, steals and overflows equal SchedStats over the same span,
 * and counts the CPU tracks. test=1: StartTrace/StopTrace on demand, with
 * normal output after the dump. test=2: main returns while another
 * goroutine is writing the trace out; Exit must let it finish (the checker
 * rejects a dump without its end line).
 */
#include "tests/qemu/testing.h"

static WaitGroup wg;
static volatile uint64_t sink;

static void worker(void *arg)
{
	uint64_t x = (uint64_t)(uintptr_t)arg;
	for (int i = 0; i < 2000; i++)
		x = x * 6364136223846793005ULL + 1;
	sink = x;
	WaitGroup_Done(&wg);
}

static void hog(void *arg)
{
	/* call-free for ~3 slices: only async preemption stops it */
	int64_t end = nanotime() + 30 * Millisecond;
	uint64_t x = 1;
	while (nanotime() < end)
		x = x * 3 + 1;
	sink = x;
	WaitGroup_Done(&wg);
}

static chan_t *ping, *pong;
static void pinger(void *arg)
{
	for (int i = 0; i < 50; i++) {
		chan_send(ping, &i);
		chan_recv(pong, NULL);
	}
	WaitGroup_Done(&wg);
}
static void ponger(void *arg)
{
	int v;
	for (int i = 0; i < 50; i++) {
		chan_recv(ping, &v);
		chan_send(pong, &v);
	}
	WaitGroup_Done(&wg);
}

/* Runs call-free (preemption moves it) until every CPU has run one of
 * the roamers, so each CPU shows a track whatever the host's load. */
static uint32_t cpus_seen;              /* atomic bitmask */
static int64_t roam_deadline;
static void roamer(void *arg)
{
	uint32_t all = (1u << NumCPU()) - 1;
	while (__atomic_load_n(&cpus_seen, __ATOMIC_RELAXED) != all && nanotime() < roam_deadline)
		__atomic_fetch_or(&cpus_seen, 1u << CPU(), __ATOMIC_RELAXED);
	WaitGroup_Done(&wg);
}

static int stopping;
static void stopper(void *arg)
{
	__atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
	StopTrace();
}

static void sleeper(void *arg)
{
	Sleep(2 * Millisecond);
	WaitGroup_Done(&wg);
}

int main(void)
{
	if (BootFlagTest() == 1)
		StartTrace();
	roam_deadline = nanotime() + 20 * Second;
	WaitGroup_Add(&wg, 2 * NumCPU());
	for (int i = 0; i < 2 * NumCPU(); i++)
		go(roamer, NULL);
	WaitGroup_Wait(&wg);
	CHECK(cpus_seen == (1u << NumCPU()) - 1, "only CPUs %#x ran goroutines in 20 s", cpus_seen);

	/* At smp=1 a preemption in the middle (a slow host: the hosted
	 * build under a sanitizer) lets the workers drain the queue before
	 * it fills: spawn again, up to 8 times, until one overflowed. */
	for (int round = 0; round < 8; round++) {
		WaitGroup_Add(&wg, 600);
		for (int i = 0; i < 600; i++)
			go(worker, (void *)(uintptr_t)i);
		WaitGroup_Wait(&wg);
		struct SchedStats st;
		ReadSchedStats(&st);
		if (NumCPU() > 1 || st.runq_overflows[0] > 0)
			break;
	}

	ping = make_chan(sizeof(int), 0);
	pong = make_chan(sizeof(int), 0);
	WaitGroup_Add(&wg, 2 + 2 + 4);
	go(hog, NULL);
	go(hog, NULL);
	go(pinger, NULL);
	go(ponger, NULL);
	for (int i = 0; i < 4; i++)
		go(sleeper, NULL);
	GC();
	WaitGroup_Wait(&wg);

	if (BootFlagTest() == 2) {
		/* PASS first, so that Exit follows the stopper's first step
		 * closely: it often lands while StopTrace is still stopping
		 * the world, and must neither wait for that (the world cannot
		 * stop while Exit holds this CPU) nor cut the write-out. */
		printf("PASS\n");
		go(stopper, NULL);
		/* Yield until the stopper has started; past 1,000 yields
		 * (another CPU took it, and the host does not run that
		 * thread: hosted on a loaded host), nap instead, or the
		 * yields' events fill this CPU's trace buffer (68,070 dropped
		 * once) and the checker rejects the dump. */
		for (int spins = 0; !__atomic_load_n(&stopping, __ATOMIC_ACQUIRE); spins++) {
			if (spins < 1000)
				Gosched();
			else
				Sleep(100 * Microsecond);
		}
		return 0;               /* Exit, while the stopper stops or writes out */
	}
	StopTrace();
	struct SchedStats st;
	ReadSchedStats(&st);
	uint64_t steals = 0, stolen = 0, overflows = 0, spinning = 0;
	for (int i = 0; i < 8; i++) {
		steals += st.steals[i];
		stolen += st.stolen[i];
		overflows += st.runq_overflows[i];
		spinning += st.spinning[i];
	}
	CHECK(stolen >= steals, "stolen %llu < steals %llu", (unsigned long long)stolen,
	      (unsigned long long)steals);
	if (BootFlagTest() != 1)
		printf("schedstats: steals=%llu stolen=%llu overflows=%llu spinning=%llu\n",
		       (unsigned long long)steals, (unsigned long long)stolen,
		       (unsigned long long)overflows, (unsigned long long)spinning);
	else
		printf("after the trace\n");
	printf("PASS\n");
	return 0;
}
