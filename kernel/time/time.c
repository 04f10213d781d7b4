/*
 * time.c - nanotime and Sleep.
 *
 * The clock is the architecture's free-running counter (arch_ticks), whose
 * frequency comes from the device tree's timebase (riscv) or CNTFRQ_EL0
 * (aarch64). Conversions use 32.32 fixed-point multipliers computed once,
 * so nanotime is one multiply, never a division. Tick deadlines round up,
 * and every comparison that decides whether a timer fired is made in
 * nanoseconds against nanotime, so no timer ever fires early.
 *
 * Sleep parks the goroutine and arms its own embedded timer from gopark's
 * unlock hook, after the goroutine is fully parked - on g0, or on the next
 * G of a direct hand-off (docs/scheduler.md) - (as Go's
 * resetForSleep does): the timer cannot fire and ready a goroutine that is
 * still running.
 */
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

uint64_t ns_per_tick_32;     /* ns = ticks * this >> 32 */
uint64_t ticks_per_ns_32;         /* ticks = ns * this >> 32 (rounded up) */

void time_init(void)
{
	uint64_t f = arch_timer_freq();
	if (f == 0)
		throw("runtime: timer frequency is 0 (no timebase-frequency in the device tree?)");
	ns_per_tick_32 = (uint64_t)(((unsigned __int128)1000000000 << 32) / f);
	ticks_per_ns_32 = (uint64_t)((((unsigned __int128)f << 32) + 999999999) / 1000000000);
	sched.start_ticks = arch_ticks();
}

int64_t nanotime(void)
{
	return ticks_to_nanotime(arch_ticks());
}



static void sleep_wake(void *arg, int64_t now)
{
	goready(arg);
}

static bool sleep_arm(struct g *gp, void *unused)
{
	timer_add(&gp->sleeptimer);
	return true;
}

void Sleep(int64_t ns)
{
	if (ns <= 0) {
		Gosched();
		return;
	}
	struct g *gp = getg();
	struct timer *t = &gp->sleeptimer;
	t->when = nanotime() + ns;
	t->period = 0;
	t->f = sleep_wake;
	t->arg = gp;
	t->system = false;
	gopark(sleep_arm, NULL, waitReasonSleep);
}
