// TEST: smp=4 bootargs="schedtrace=20 scheddetail=1" status=0 timeout=60
// EXPECT: ^SCHED [0-9]+ms: gomaxprocs=4 idleprocs=[0-4] threads=4 spinningthreads=[0-4] idlethreads=[0-4] runqueue=[0-9]+ gcwaiting=false stopwait=0$
// EXPECT: ^  P3: status=[0-9]+\([a-z]+\) schedtick=[0-9]+ m=-?[0-9]+ runqsize=[0-9]+ runnext=-?[0-9]+ gfreecnt=[0-9]+ timerslen=[0-9]+$
// EXPECT: ^  M3: p=-?[0-9]+ curg=-?[0-9]+ spinning=(true|false) blocked=(true|false)$
// EXPECT: ^  M[0-3]: p=-1 curg=-1 spinning=false blocked=true$
// EXPECT: ^  M[0-3]: p=[0-3] curg=1 spinning=false blocked=false$
// EXPECT: ^  G1: status=2\(\) m=[0-3]$
// EXPECT: ^  G1: status=4\(sleep\) m=-1$
// EXPECT: ^  G[0-9]+: status=4\(chan receive\) m=-1$
// EXPECT: ^  G[0-9]+: status=4\(GC sweep wait\) m=-1 \(runtime\)$
// EXPECT: ^PASS$
// REJECT: ^SCHED .*\]$
// TEST: smp=2 bootargs="schedtrace=20" status=0 timeout=60
// EXPECT: ^SCHED [0-9]+ms: gomaxprocs=2 .* runqueue=[0-9]+ \[[0-9]+ [0-9]+\]$
// REJECT: ^  [PMG][0-9]+:
/*
 * scheddetail - schedtrace=MS with scheddetail=1 prints Go's detailed
 * SCHED report: a header, then a line per P (status, schedtick, run queue,
 * runnext, free Gs, timers), per M (its P, current G, spinning, idle) and
 * per live G (status and wait reason). Main prints one itself with
 * SchedTrace() while it runs; the timer's reports see it asleep, a
 * goroutine blocked on a channel, the runtime's sweeper, idle CPUs.
 * Without scheddetail the one-line format stays.
 *
 * Two phases. First a goroutine calls Gosched in a loop: a CPU is busy,
 * and the others keep waking to take that goroutine from the global run
 * queue (Gosched puts it there and wakes an idle P, as Go does), so a
 * report may find no CPU asleep - on a loaded host, often none for the
 * whole phase (docs/hosted.md, "Tests"). Then it stops, and for 200 ms
 * nothing runs but the reports: there the "an M is idle" line must
 * appear. Some of the ten or so reports must catch a CPU asleep; only
 * CPUs that cannot get back to sleep for 200 ms with nothing to do - a
 * lost wake-up's opposite, or a report that misreads midle - miss them
 * all.
 */
#include "tests/qemu/testing.h"

static volatile int stop;
static void spin(void *arg)
{
	while (!stop)
		Gosched();
	chan_close((chan_t *)arg);
}

static void blocked(void *arg)
{
	chan_recv((chan_t *)arg, NULL);
}

int main(void)
{
	chan_t *c = make_chan(0, 0), *spun = make_chan(0, 0);
	go(blocked, c);
	go(spin, spun);
	/* main is G1, running - unless a preemption takes it off its CPU
	 * while its own report prints the M lines (printing is slow under
	 * QEMU: seen once in make test): three reports, one must show it */
	for (int i = 0; i < 3; i++) {
		Sleep(5 * Millisecond);
		SchedTrace();
	}
	Sleep(50 * Millisecond);
	stop = 1;
	chan_recv(spun, NULL);           /* the spinner has stopped */
	Sleep(200 * Millisecond);        /* idle CPUs */
	chan_close(c);
	Sleep(Millisecond);
	printf("PASS\n");
	return 0;
}
