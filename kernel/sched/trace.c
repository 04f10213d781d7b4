/*
 * trace.c - what the scheduler tells people: the goroutine list printed by
 * fatal errors (Go's tracebackothers) and the schedtrace line (bootargs
 * schedtrace=MS), in Go's formats.
 */
#include "kernel/sched/sched.h"
#include <stdio.h>
#include "kernel/lib/print.h"

const char *const waitReasonStrings[waitReasonCount] = {
	[waitReasonZero] = "",
	[waitReasonChanSend] = "chan send",
	[waitReasonChanReceive] = "chan receive",
	[waitReasonChanReceiveNilChan] = "chan receive (nil chan)",
	[waitReasonChanSendNilChan] = "chan send (nil chan)",
	[waitReasonSelect] = "select",
	[waitReasonSelectNoCases] = "select (no cases)",
	[waitReasonSleep] = "sleep",
	[waitReasonSemacquire] = "semacquire",
	[waitReasonSyncMutexLock] = "sync.Mutex.Lock",
	[waitReasonSyncRWMutexLock] = "sync.RWMutex.Lock",
	[waitReasonSyncRWMutexRLock] = "sync.RWMutex.RLock",
	[waitReasonSyncCondWait] = "sync.Cond.Wait",
	[waitReasonSyncWaitGroupWait] = "sync.WaitGroup.Wait",
	[waitReasonFinalizerWait] = "finalizer wait",
	[waitReasonGCSweepWait] = "GC sweep wait",
	[waitReasonForceGCIdle] = "force gc (idle)",
	[waitReasonTest] = "test",
	[waitReasonIOWait] = "IO wait",
};

static const char *status_string(struct g *gp)
{
	switch (gstatus(gp)) {
	case Grunnable: return "runnable";
	case Grunning:  return "running";
	case Gwaiting:
		return gp->waitreason < waitReasonCount && gp->waitreason != waitReasonZero
		       ? waitReasonStrings[gp->waitreason] : "waiting";
	default: return "?";
	}
}

/* Every live goroutine except skip, with a traceback from its saved
 * context (Gs that are running on another CPU show no frames). Called on
 * the fatal path, with other CPUs stopped, so allglock is only tried. */
void sched_dump_goroutines(struct g *skip)
{
	bool locked = spin_trylock(&sched.allglock);
	int shown = 0;
	for (struct g *gp = sched.allgs; gp && shown < 64; gp = gp->alllink) {
		uint32_t st = gstatus(gp);
		if (gp->system)
			continue;       /* runtime goroutines are not shown (Go's) */
		if (gp == skip || st == Gdead || st == Gidle)
			continue;
		shown++;
		printk("\ngoroutine %llu [%s", (unsigned long long)gp->goid, status_string(gp));
		int64_t mins = st == Gwaiting && gp->waitsince ? (nanotime() - gp->waitsince) / (60 * Second) : 0;
		if (mins >= 1)                  /* as Go: only from one minute on */
			printk(", %lld minutes", (long long)mins);
		printk("]:\n");
		if (st != Grunning)
			traceback(arch_context_pc(&gp->ctx), arch_context_fp(&gp->ctx),
			          gp->stack_lo, gp->stack_hi);
	}
	if (locked)
		spin_unlock(&sched.allglock);
}

static struct timer trace_timer;

static void schedtrace_tick(void *arg, int64_t now)
{
	char line[200];
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);   /* racy: a report */
	int n = snprintf(line, sizeof line,
	    "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d idlethreads=%d runqueue=%d [",
	    (long long)(now / Millisecond), np,
	    __atomic_load_n(&sched.npidle, __ATOMIC_RELAXED), ncpu,
	    __atomic_load_n(&sched.nmspinning, __ATOMIC_RELAXED),
	    __atomic_load_n(&sched.nmidle, __ATOMIC_RELAXED),
	    __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED));
	for (int i = 0; i < np && n < (int)sizeof line - 16; i++)
		n += snprintf(line + n, sizeof line - (size_t)n, "%s%u", i ? " " : "",
		              runq_len(&allp[i].runq));
	printk("%s]\n", line);
}

void SchedTrace(void)
{
	schedtrace_tick(NULL, nanotime());
}

void schedtrace_start(int64_t period_ms)
{
	trace_timer.period = period_ms * Millisecond;
	trace_timer.when = nanotime() + trace_timer.period;
	trace_timer.f = schedtrace_tick;
	trace_timer.system = true;
	trace_timer.idx = -1;
	timer_add(&trace_timer);
}
