// TEST: smp=1,2,4 status=0 timeout=60 icount=1
// EXPECT: ^sleep alone: [0-9]+ sleeps, none early, worst late [0-9]+ us$
// EXPECT: ^sleep together: [0-9]+ sleeps, none early, worst late [0-9]+ us$
// EXPECT: ^PASS$
/*
 * sleep - Sleep never wakes early, and wakes promptly even while call-free
 * hogs keep every P busy: the timer interrupt preempts the hog on the
 * sleeper's P when the timer is due.
 *
 * Phase "alone": one sleeper among hogs (one hog per P, so its own P has
 * one too). Bound: one 10 ms slice plus 1 ms of timer resolution.
 * Phase "together": four sleepers with equal durations wake at the same
 * instant. Only one can take runnext; the others queue behind it and
 * behind the hog, as in Go, so the bound is four slices.
 *
 * Latencies are virtual time (icount=1): exact at 1 CPU, where "alone"
 * measures ~1 us. With several vCPUs QEMU's icount mode runs them
 * round-robin on one host thread, each until the next timer deadline of
 * any vCPU (or its 100 ms kick), so a vCPU whose timer expired waits while
 * the others take their turns. How long depends on how dense the deadlines
 * are: when every goroutine switch wrote the timer, each write ended a
 * turn; the lazy slice timer (preempt.c) writes it about once per slice,
 * so turns last up to a slice and a wake-up that needs the timer interrupt
 * on one turn and the scheduler on another waits several. Measured (the
 * same binary always gives the same figure): "alone" 39-40 ms at 2 CPUs,
 * 17-30 ms at 4; "together" 20-30 ms at 2, 39-124 ms at 4. That is the
 * emulator, not the runtime (on hardware the CPUs run at once), so beyond
 * 1 CPU the bounds only say that the wake-up comes within a few slices per
 * other CPU: four ("alone") and five ("together"), and "together" also one
 * of QEMU's 100 ms kicks per other CPU: a change that only moved code
 * (the hosted console's, 7d6e548) made riscv64 gcc's "together" at 4 CPUs
 * 308 ms late where it had been 31 (a vCPU starved across kicks; not
 * understood further).
 */
#include "tests/qemu/testing.h"
#include "arch/atomic.h"

static volatile int stop;
static int64_t early, worst_late, done, nsleeps;

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
			atomic_add64(&nsleeps, 1);
			int64_t w = __atomic_load_n(&worst_late, __ATOMIC_RELAXED);
			while (late > w && !arch_cas(&worst_late, &w, late,
			                             __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				;
		}
	}
	atomic_add64(&done, 1);
}

static void phase(const char *name, int nsleepers, int64_t bound)
{
	early = worst_late = done = nsleeps = 0;
	for (int i = 0; i < nsleepers; i++)
		go(sleeper, NULL);
	wait_for(&done, nsleepers, 20000, "sleepers");
	printf("sleep %s: %lld sleeps, none early, worst late %lld us\n", name,
	       (long long)nsleeps, (long long)(worst_late / 1000));
	CHECK(early == 0, "%lld sleeps woke early", (long long)early);
	CHECK(worst_late <= bound, "%s: a sleep was %lld us late (bound %lld us)", name,
	      (long long)(worst_late / 1000), (long long)(bound / 1000));
}

int main(void)
{
	int procs = GOMAXPROCS(0);
	int64_t slice = 10 * Millisecond, others = NumCPU() - 1;
	for (int i = 0; i < procs; i++)
		go(hog, NULL);
	phase("alone", 1, 11 * Millisecond + 4 * slice * others);
	int64_t qemu_kick = 100 * Millisecond;
	phase("together", 4, 41 * Millisecond + (5 * slice + qemu_kick) * others);
	stop = 1;
	printf("PASS\n");
	return 0;
}
