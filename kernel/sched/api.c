/*
 * api.c - the public goroutine API (include/gort.h) over the scheduler.
 */
#include "kernel/sched/sched.h"
#include "kernel/mm/malloc.h"
#include "gort.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "arch/atomic.h"
#include "kernel/trace/trace.h"

/* go and go_stack are in proc.c, where newproc1 inlines into them. */

uint64_t Goid(void)
{
	return getg()->goid;
}

int NumGoroutine(void)
{
	return __atomic_load_n(&sched.ngoroutines, __ATOMIC_RELAXED);
}

int NumCPU(void)
{
	return ncpu;
}

int CPU(void)
{
	acquirem();
	int id = getm()->id;
	releasem();
	return id;
}

static uint32_t exiting;   /* atomic: set by the first Exit */

bool exit_started(void)
{
	/* relaxed: a hint for a waiter that would otherwise give up */
	return __atomic_load_n(&exiting, __ATOMIC_RELAXED) != 0;
}

_Noreturn void Exit(int status)
{
	/* A StopTrace in flight needs this CPU to finish: let it, while this
	 * goroutine can still yield. */
	trace_exit_yield();
	/* Interrupts off next: another CPU's Exit or fatal error may be
	 * stopping every CPU with IPIs, and a CPU stopped halfway through its
	 * own Exit would leave nobody to power off. */
	arch_irq_disable();
	uint32_t zero = 0;
	/* acq_rel: the winner alone goes on; pairs with the other callers' CAS. */
	if (!arch_cas(&exiting, &zero, 1,
	              __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		for (;;)
			arch_wfi();     /* another goroutine is powering off */
	acquirem();
	struct g *gp = getg();
	if (gp->linelen)
		printk("%.*s\n", (int)gp->linelen, gp->linebuf);
	if (rtflags.memstats)
		PrintMemStats();
	if (rtflags.leakcheck)
		leakcheck();
	trace_exit();
	sched_stop_others();
	arch_poweroff(status);
}

int64_t BootFlagTest(void)
{
	return rtflags.test;
}

bool BootFlagTestShort(void)
{
	return rtflags.testshort != 0;
}

void ReadSchedStats(struct SchedStats *st)
{
	/* relaxed: other CPUs count on (stat_add, runtime2.h) */
#define STAT(c) __atomic_load_n(&(c), __ATOMIC_RELAXED)
	for (int i = 0; i < 8; i++) {
		st->preemptions[i] = i < ncpu ? STAT(allm[i].npreempt) : 0;
		st->ipis[i] = i < ncpu ? STAT(allm[i].nipi) : 0;
		st->timer_writes[i] = i < ncpu ? STAT(allm[i].ntimerwrites) : 0;
		st->started[i] = STAT(allp[i].goroutines_run);
		st->steals[i] = i < ncpu ? STAT(allm[i].nsteal) : 0;
		st->stolen[i] = i < ncpu ? STAT(allm[i].nstolen) : 0;
		st->runq_overflows[i] = i < ncpu ? STAT(allm[i].noverflow) : 0;
		st->spinning[i] = i < ncpu ? STAT(allm[i].nspinning) : 0;
	}
#undef STAT
}

void ReadMemStats(struct MemStats *ms)
{
	mem_read_stats(ms);              /* kernel/mm/mstats.c */
}
