/*
 * mgc.h - declarations shared by the collector's own files (kernel/gc).
 * Other subsystems use gc.h.
 */
#ifndef KERNEL_GC_MGC_H
#define KERNEL_GC_MGC_H

#include "kernel/gc/gc.h"
#include "kernel/gc/pacerrule.h"
#include "kernel/gc/mgcwork.h"
#include "kernel/mm/malloc.h"
#include "kernel/sched/sched.h"

/* The collector's own zero-initialised state lives in .bss.noscan (linker
 * scripts): it holds timestamps and counters that can look like heap
 * addresses and that change between the mark and its checkmark
 * verification, and no GC object is reachable only from it. */
#define GC_NOSCAN __attribute__((section(".bss.noscan.gc")))

/* The snapshot mark's passes that protect again, before the start pause,
 * the pages written since the arm (mgc.c, presnapshot): at most this many,
 * and no more once one finds this few pages. */
#define GC_PRE_PASSES 4
#define GC_PRE_ENOUGH 32


enum gc_trigger_kind {
	gcTriggerHeap,      /* the heap reached its trigger */
	gcTriggerTime,      /* sysmon: no cycle for forcegc ms (2 minutes) */
	gcTriggerCycle,     /* GC(): until cycle n is done */
};

/* The collector's global state. Written with the world stopped or under
 * worldsema, unless noted. */
struct gcstate {
	uint32_t cycles;            /* cycles whose mark is over; atomic. GC()
	                               and the triggers count with it. */
	uint32_t numgc;             /* cycles completed and recorded (MemStats
	                               NumGC): published after the pause
	                               figures; atomic */
	uint32_t statsSeq;          /* odd while cycle_end writes the figures
	                               gc_read_stats copies (nforced, lastGC,
	                               pauseTotal, pauses, numgc); atomic */
	uint32_t nforced;           /* atomic (statsSeq) */
	int32_t percent;            /* GOGC, -1 = off; atomic */
	enum gc_trigger_kind kind;  /* of the cycle being run */
	uint64_t heapMarked;        /* live GC bytes after the last mark;
	                               stored atomic, for gc_read_stats */
	uint64_t heapGoal;          /* the same */
	uint64_t heapStart;         /* heapLive when the cycle began (gctrace) */
	int64_t lastGC;             /* nanotime at the end of the last cycle; atomic */
	uint64_t pauseTotal;        /* atomic (statsSeq) */
	uint64_t pauses[256];       /* atomic (statsSeq) */
	uint64_t cpuTotal;          /* GC CPU ns (STW pause x Ps), for gctrace's % */
	/* phase times of the current cycle (gctrace) */
	int64_t tStart, tMark, tMarkDone, tEnd;
	uint64_t markCpuNs;         /* summed over mark workers; atomic */
	int nworkers;               /* mark participants */
	uint64_t scanWords;         /* words scanned by the last mark */
	/* The page-dirty barrier, collected (and so re-armed) in each pause:
	 * not yet used by the mark, but measured (kernel/gc/barrier.c). */
	uint64_t dirtyPages;        /* pages written between the last two pauses */
	uint64_t barrierFaults;     /* write faults taken meanwhile */
	uint64_t faultsSeen;        /* gc_barrier_faults() at the last pause */
	/* The concurrent mark (gcconc=1), this cycle's */
	uint32_t started;           /* cycles begun (GC() waits for one begun
	                               after its call); atomic */
	int64_t tTerm;              /* nanotime when mark termination began */
	uint64_t stwStart, stwTerm; /* ns of its two pauses */
	uint32_t rounds;            /* concurrent rescan rounds */
	uint64_t rescanPages;       /* dirty pages rescanned, all rounds */
	uint64_t termPages;         /* of them, in mark termination */
	uint64_t rescanGs;          /* goroutines rescanned in termination */
	bool satbArmed;             /* the arm write-protected every page */
	bool satb;                  /* this cycle's mark is a snapshot (mgcsatb.c) */
	bool satbOverflow;          /* ... whose snapshot broke: written pages rescanned */
	uint64_t satbWords;         /* words the fault path greyed (rings pulled) */
	uint64_t snapPages;         /* pages the start pause protected again */
	uint32_t prePasses;         /* passes protecting again before the stop */
	uint32_t prePages[GC_PRE_PASSES];  /* pages each protected again */
	uint64_t blackBytes;        /* allocated black during the mark */
	uint64_t assists;           /* mark assists this cycle (mgcassist.c); atomic */
	uint64_t assistWords;       /* words they scanned; atomic */
	uint64_t assistCredit;      /* words of background credit they took; atomic */
	uint32_t markOverflows;     /* rescans of the marked heap this cycle,
	                               after a work buffer overflow (mgcwork.c) */
	int dedicated;              /* the coordinator was a dedicated worker */
	uint32_t fracPpm;           /* else its fractional share (millionths) */
	uint64_t budgetYields;      /* times it yielded, over budget */
	struct notifyList markDone; /* goroutines waiting for the concurrent
	                               mark to end (gc_wait_mark) */
};
extern struct gcstate gc;

/* mgcmark.c */
void gc_mark(void);                 /* the parallel mark, world stopped */
void gc_checkmark(void);            /* gccheckmark=1: verify it */
void gc_mark_conc_start(void);      /* gcconc=1: world stopped: stacks, allocate black */
void gc_mark_concurrent(void);      /* the worker goroutine: roots, drain, rescan rounds */
void gc_mark_conc_done(void);       /* world stopped: dirty pages and stacks, drain */
void gc_mark_init(void);            /* boot: work buffers in reserve */
bool gc_find_object(uintptr_t p, struct mspan **sp, uint32_t *idxp, uintptr_t *basep);
extern uint64_t gc_bytesMarked;     /* this mark's total */

/* mgcassist.c */
void gc_assist_start(uint64_t start, uint64_t limit);  /* start pause: the ratio */
void gc_assist_stop(void);          /* termination, world stopped: none owed */

/* mgcsweep.c */
void gc_sweep_start(void);          /* mark termination: open the new sweep */
void gc_sweep_finish(void);         /* sweep whatever is left */
void gc_sweep_wake(void);           /* after the world restarts */
void gc_sweep_init(void);

/* mgcpacer.c */
void gc_pacer_update(uint64_t marked);  /* set goal and trigger */
uint64_t gc_pacer_goal(void);

/* mfinal.c */
void fin_mark_roots(void (*scan)(uintptr_t lo, uintptr_t hi, void *arg), void *arg);
void fin_queue_unreachable(void);   /* mark termination: resurrect + queue */
void fin_init(void);                /* boot (gc_init): the lock's rank */
void fin_wake(void);                /* after the world restarts */
uint64_t fin_nrun(void);

#endif
