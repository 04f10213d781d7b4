/*
 * trace.c - what the scheduler tells people: the goroutine list printed by
 * fatal errors (Go's tracebackothers) and the schedtrace line (bootargs
 * schedtrace=MS; with scheddetail=1 also every P, M and G), in Go's
 * formats (runtime/proc.go's schedtrace). The execution tracer is
 * kernel/trace.
 *
 * Every value is read without locks except allgs (allglock), as Go's
 * schedtrace does: a report of a moving system, each field true at some
 * moment. Ps and Gs are never freed, so following m->p or runnext is safe.
 * Bare-metal differences in the detail: no syscalls (Go's syscalltick is
 * left out), threads are the CPUs, an idle M is "blocked" in wfi.
 */
#include "kernel/sched/sched.h"
#include "kernel/sched/gfree.h"
#include <stdio.h>
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"

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
	[waitReasonGCWorkerIdle] = "GC worker (idle)",
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
		int64_t mins = st == Gwaiting && gp->waitsince ? (nanotime() - ticks_to_nanotime(gp->waitsince)) / (60 * Second) : 0;
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

#define DETAIL_MAXG 100          /* G lines per report; the rest are counted */

static const char *const pstatus_names[] = {
	[Pidle] = "idle", [Prunning] = "running", [2] = "?", [Pgcstop] = "gcstop", [Pdead] = "dead",
};

static void detail_p(struct p *pp)
{
	uint32_t st = p_status(pp);
	struct m *m = __atomic_load_n(&pp->m, __ATOMIC_RELAXED);
	struct g *next = __atomic_load_n(&pp->runq.runnext, __ATOMIC_RELAXED);
	printk("  P%d: status=%u(%s) schedtick=%u m=%d runqsize=%u runnext=%lld gfreecnt=%d timerslen=%d\n",
	       pp->id, st, st <= Pdead ? pstatus_names[st] : "?",
	       __atomic_load_n(&pp->schedtick, __ATOMIC_RELAXED), m ? m->id : -1,
	       runq_len(&pp->runq) - (next != NULL),
	       next ? (long long)next->goid : -1LL,
	       __atomic_load_n(&pp->ngfree, __ATOMIC_RELAXED) +
	       (__atomic_load_n(&pp->gfull, __ATOMIC_RELAXED) ? GFREE_BATCH : 0),
	       __atomic_load_n(&pp->timers.len, __ATOMIC_RELAXED));
}

static void detail_m(struct m *m)
{
	struct p *pp = __atomic_load_n(&m->p, __ATOMIC_RELAXED);
	struct g *cur = __atomic_load_n(&m->curg, __ATOMIC_RELAXED);
	bool idle = (__atomic_load_n(&sched.midle, __ATOMIC_RELAXED) >> m->id) & 1;
	printk("  M%d: p=%d curg=%lld spinning=%s blocked=%s\n", m->id, pp ? pp->id : -1,
	       cur && !cur->is_g0 ? (long long)cur->goid : -1LL,
	       __atomic_load_n(&m->spinning, __ATOMIC_RELAXED) ? "true" : "false",
	       idle ? "true" : "false");
}

/* Every G that is not dead (Go lists them all, the runtime's own too). */
static void detail_gs(void)
{
	int shown = 0, more = 0;
	spin_lock(&sched.allglock);
	for (struct g *gp = sched.allgs; gp; gp = gp->alllink) {
		uint32_t st = gstatus(gp);
		if (st == Gdead || st == Gidle)
			continue;
		if (shown++ >= DETAIL_MAXG) {
			more++;
			continue;
		}
		struct m *m = __atomic_load_n(&gp->m, __ATOMIC_RELAXED);
		printk("  G%llu: status=%u(%s) m=%d%s\n", (unsigned long long)gp->goid, st,
		       st == Gwaiting ? status_string(gp) : "", m ? m->id : -1,
		       gp->system ? " (runtime)" : "");
	}
	spin_unlock(&sched.allglock);
	if (more)
		printk("  ... %d more goroutines\n", more);
}

static void schedtrace_tick(void *arg, int64_t now)
{
	char line[200];
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);   /* racy: a report */
	bool detail = rtflags.scheddetail;
	int n = snprintf(line, sizeof line,
	    "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d idlethreads=%d runqueue=%d",
	    (long long)(now / Millisecond), np,
	    __atomic_load_n(&sched.npidle, __ATOMIC_RELAXED), ncpu,
	    __atomic_load_n(&sched.nmspinning, __ATOMIC_RELAXED),
	    __atomic_load_n(&sched.nmidle, __ATOMIC_RELAXED),
	    __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED));
	if (detail) {                   /* Go: the per-P lengths move to the P lines */
		printk("%s gcwaiting=%s stopwait=%d\n", line, gcwaiting() ? "true" : "false",
		       __atomic_load_n(&sched.stopwait, __ATOMIC_RELAXED));
		for (int i = 0; i < np; i++)
			detail_p(&allp[i]);
		for (int i = 0; i < ncpu; i++)
			detail_m(&allm[i]);
		detail_gs();
		return;
	}
	n += snprintf(line + n, sizeof line - (size_t)n, " [");
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
