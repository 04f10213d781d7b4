/*
 * mgcmark.h - what the mark (mgcmark.c: roots, scanning, the parallel
 * drain, checkmark) and the concurrent mark (mgcconc.c: its phases, drain
 * phases idle CPUs join, the coordinator) share. Private to kernel/gc.
 */
#ifndef KERNEL_GC_MGCMARK_H
#define KERNEL_GC_MGCMARK_H

#include "kernel/gc/mgc.h"

extern char __data_start[], __data_end[];
extern char __bss_start[], __noscan_start[], __noscan_end[], __bss_end[];

#define HELPER_IDLE_SPINS 4096          /* idle polls before a helper leaves */

/* Root jobs (markroot): the fixed ones, then goroutines (GS_PER_JOB per
 * job, from gbase), g0 stacks (one per CPU, from mbase), malloc blocks
 * (one per arena, from abase). Laid out by roots_prepare. */
enum { ROOT_DATA, ROOT_BSS, ROOT_RUNTIME, ROOT_FINALIZERS, ROOT_FIXED };
struct rootjobs {
	uint32_t njobs;
	uint32_t next;                  /* atomic: next job to claim */
	uint32_t gbase, mbase, abase;   /* first job of each kind */
	struct g **allg;                /* snapshot of allgs (manual pages) */
	uint32_t nallg, allgpages;
	size_t narenas;
	bool walkallgs;                 /* no snapshot (out of memory): walk allgs */
};
extern struct rootjobs markroots;

/* What an idle M is wanted for (gc_markhelp_wanted): nothing, the
 * stop-the-world mark, or a drain phase of the concurrent mark. */
enum { HELP_NONE, HELP_STW, HELP_CONC };
extern uint32_t nhelping;               /* Ms inside gc_markhelp; atomic */
extern struct workpool markpool;        /* the mark's grey-object pool */
extern struct gcwork gcws[MAXCPU];      /* per M */
extern uintptr_t heap_lo, heap_span;    /* the heap's bounds, this cycle */
extern uint32_t drop_every;             /* debug: lose every Nth grey object */
extern uint32_t barrier_ignore;         /* debug: GC_PAGES_* the barrier skips */

/* Does the barrier ignore this kind of page (gc_debug_barrier_ignore)? */
static inline bool ignored(uint32_t kind)
{
	/* relaxed: a test hook, set once */
	return __builtin_expect(__atomic_load_n(&barrier_ignore, __ATOMIC_RELAXED) & kind, 0);
}

/* One marking context: a parallel worker, the concurrent mark's worker,
 * or the checkmark pass. */
struct marker {
	struct gcwork *w;               /* parallel or concurrent mark */
	bool check;                     /* checkmark pass */
	bool conc;                      /* the world may be running (gcconc=1) */
	bool stackcopy;                 /* scan_g copies stack words (satb_stack_copy) */
	uint32_t job;                   /* root job being scanned (checkmark) */
	uintptr_t pathroot;             /* checkmark: root word of the path, 0 = scanning a root */
	uint32_t dropctr;
	uint64_t quota;                 /* ASSIST: leave after scanning this many words */
};

/* How a scan loop is compiled (a constant at each call site, so that the
 * normal loop pays for neither): DROP - the test hook
 * gc_debug_drop_marks; CONC - the world may be running; FLAT - the span
 * map is flat (flatmap; chosen inside scanblock and drain). In a
 * concurrent drain phase, drain's look every 64 objects also asks:
 * HELPER - an idle CPU leaves once the scheduler wants it (sched_wants_me);
 * BUDGET - the coordinator checks its 25 % budget (budget_check; it may
 * Gosched: its gcwork is the goroutine's, and the cursor is written back
 * first); ASSIST - an allocating goroutine leaves once it scanned
 * mk->quota words. The background modes (HELPER, BUDGET) publish their
 * scan work as assist credit at the same look. */
enum { DROP = 1, CONC = 2, FLAT = 4, HELPER = 8, BUDGET = 16, ASSIST = 32 };

/* Scan words the background worker and idle helpers did and no assist
 * took yet (mgcassist.c); atomic. They publish every 64 objects. */
extern int64_t gc_bgScanCredit;

/* mgcmark.c */
void scanblock(struct marker *mk, uintptr_t lo, uintptr_t hi);
void scan_g(struct marker *mk, struct g *gp);
void markroot(struct marker *mk, uint32_t j);
void roots_prepare(void);
void pool_wait(void);
/* Drain grey objects until the pool says the mark is over (spins: a
 * helper's idle polls before it leaves; 0 = wait for the end). how: 0,
 * CONC | HELPER or CONC | BUDGET; DROP is added while gc_debug_drop_marks
 * is on. */
void mark_drain(struct marker *mk, uint32_t spins, int how);

/* After a mark's pool is done and its workers gone: if a grey object was
 * dropped for want of a buffer (mgcwork.c), scan every marked object
 * again, with w (not joined), until nothing overflows. w's totals grow. */
void mark_overflow_recover(struct gcwork *w);

/* A mark assist (mgcassist.c): join the open drain phase, if any, as an
 * idle CPU does, with m's gcwork (the caller is pinned to m), scan about
 * quota words, leave. Returns the words scanned (0: no phase open, or no
 * grey object). */
uint64_t mark_assist(struct m *m, uint64_t quota);

/* mgcconc.c */
void conc_help(struct m *m);
bool sched_wants_me(void);
void budget_check(void);
/* The coordinator's look every 64 objects of its drains: its budget,
 * and the snapshot's rings (satb_pull_full). mk's buffers are put back
 * (it may push). */
void coordinator_check(struct marker *mk);

#endif
