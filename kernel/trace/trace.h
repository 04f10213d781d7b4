/*
 * trace.h - the execution tracer's hooks (kernel/trace/trace.c has the
 * design). Scheduler, channel and GC code call the inline functions below,
 * one line each. With tracing off every hook costs one relaxed load of
 * trace_enabled and a branch the compiler lays out as not taken; the
 * statistics a hook keeps for SchedStats (steals, overflows, spinning) are
 * counted either way, on paths that are slow already.
 */
#ifndef KERNEL_TRACE_TRACE_H
#define KERNEL_TRACE_TRACE_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/sched/runtime2.h"

/* Event types. The dump writes each as one letter (trace.c, docs/trace.md). */
enum trace_ev_type {
	EvGoCreate = 1,  /* g = new goroutine, arg = its function, aux = P */
	EvGoStart,       /* g starts running on this CPU, small = P */
	EvGoStop,        /* g stops: small = enum trace_stop, aux = wait reason */
	EvGoUnblock,     /* g made runnable, arg = the waker's goid (0: runtime) */
	EvProcStart,     /* this CPU's M got P small */
	EvProcStop,      /* this CPU's M gave its P up and idles */
	EvPreempt,       /* async preemption of g injected (SchedStats.preemptions) */
	EvSteal,         /* took aux Gs from P small; g = the one it runs */
	EvOverflow,      /* local run queue full: aux Gs moved to the global queue */
	EvGCPhase,       /* small = enum trace_gc_phase, arg = live heap bytes */
	EvHeap,          /* arg = live heap bytes */
};

enum trace_stop {
	StopBlock = 0,   /* parked (gopark): aux is the wait reason */
	StopPreempt,     /* preempted (async, or at a preemption check) */
	StopYield,       /* Gosched */
	StopExit,        /* Goexit / returned */
	StopGC,          /* gave its CPU to a GC cycle it started */
	StopWorld,       /* stopped the world for something else (stw_run) */
};

enum trace_gc_phase {
	GCSweepTerm = 1, /* stop-the-world requested: sweep termination */
	GCMark,          /* world stopped, parallel mark */
	GCMarkTerm,      /* mark termination */
	GCSweep,         /* the world restarts: concurrent sweep */
};

/* Non-zero while recording; written by StartTrace/StopTrace. Read relaxed
 * by the hooks: an event recorded a moment after StopTrace lands beyond
 * the snapshot the dump takes and is ignored (trace.c). */
extern uint32_t trace_enabled;

static inline bool tracing(void)
{
	return __builtin_expect(__atomic_load_n(&trace_enabled, __ATOMIC_RELAXED) != 0, 0);
}

/* Record one event in this CPU's buffer (any context: g0, a G, a trap). */
void trace_event(uint32_t type, uint32_t small, uint32_t aux, uint64_t goid, uint64_t arg);

/* bootargs trace=1 (boot/main.c), Exit's write-out (api.c), and the
 * write-out on a fatal error (kernel/lib/print.c). */
void trace_boot(void);
void trace_exit_yield(void);     /* Exit, interrupts still on */
void trace_exit(void);
void trace_fatal(void);

/* ---- hooks ------------------------------------------------------------ */

static inline void traceGoCreate(struct g *gp, struct p *pp)
{
	if (tracing())
		trace_event(EvGoCreate, 0, (uint32_t)pp->id, gp->goid, (uint64_t)(uintptr_t)gp->fn);
}

static inline void traceGoStart(struct g *gp, struct p *pp)
{
	if (tracing())
		trace_event(EvGoStart, (uint32_t)pp->id, 0, gp->goid, 0);
}

static inline void traceGoStop(struct g *gp, enum trace_stop why)
{
	if (tracing())
		trace_event(EvGoStop, why, why == StopBlock ? gp->waitreason : 0, gp->goid, 0);
}

/* The running goroutine (0 for the scheduler, a timer, an interrupt)
 * readies gp. */
static inline void traceGoUnblock(struct g *gp)
{
	if (tracing()) {
		struct g *me = arch_getg();
		trace_event(EvGoUnblock, 0, 0, gp->goid, me->is_g0 ? 0 : me->goid);
	}
}

static inline void traceProcStart(struct p *pp)
{
	if (tracing())
		trace_event(EvProcStart, (uint32_t)pp->id, 0, 0, 0);
}

static inline void traceProcStop(void)
{
	if (tracing())
		trace_event(EvProcStop, 0, 0, 0, 0);
}

/* Own M, interrupts masked (the timer or IPI trap). */
static inline void tracePreempt(struct m *m, struct g *gp)
{
	stat_add(&m->npreempt, 1);
	if (tracing())
		trace_event(EvPreempt, 0, 0, gp->goid, 0);
}

/* The M stole n Gs from victim and runs gp; own M (g0). */
static inline void traceSteal(struct m *m, struct p *victim, uint32_t n, struct g *gp)
{
	stat_add(&m->nsteal, 1);
	stat_add(&m->nstolen, n);
	if (tracing())
		trace_event(EvSteal, (uint32_t)victim->id, n, gp->goid, 0);
}

/* n Gs went from a full local queue to the global one; own M. */
static inline void traceOverflow(struct m *m, uint32_t n)
{
	stat_add(&m->noverflow, 1);
	if (tracing())
		trace_event(EvOverflow, 0, n, 0, 0);
}

/* One spinning episode ended (dropspinning); own M. */
static inline void traceSpinDone(struct m *m)
{
	stat_add(&m->nspinning, 1);
}

static inline void traceGCPhase(enum trace_gc_phase ph, uint64_t heap)
{
	if (tracing())
		trace_event(EvGCPhase, ph, 0, 0, heap);
}

#endif
