/*
 * lockrank.h - the rank of every runtime lock, and the per-M record of the
 * locks an M holds (the idea of Go's lockrank.go; the table is ours).
 *
 * Every spinlock gets a rank when it is initialised (SPINLOCK_INIT(rank) or
 * spin_lock_init). A CPU may only acquire locks in increasing rank order:
 * holding a lock of rank r, it may take locks of rank > r, never <= r. Two
 * locks of one rank may be held together only if the rank allows it (hchan:
 * select locks many channels; timers: moving one P's timers to another) and
 * they are acquired in increasing address order, as select's lockorder
 * does. If every CPU obeys the order, no cycle of waiters - no deadlock -
 * can form among spinlocks.
 *
 * Debug builds (GORT_DEBUG=1, the default) check it on every acquisition,
 * record each lock's owner (the M, i.e. the CPU), and make releasing a lock
 * this M does not hold, or assert_lock_held on one it does not hold, a
 * fatal error. Release builds keep none of it. docs/locks.md has the table
 * with the reason for each edge.
 */
#ifndef KERNEL_LIB_LOCKRANK_H
#define KERNEL_LIB_LOCKRANK_H

#include <stdint.h>
#include <stdbool.h>

/* Lowest first: the order in which a CPU may take them. */
enum lockrank {
	LOCKRANK_NONE = 0,      /* never initialised: a fatal error to take */
	LOCKRANK_TEST,          /* test programs' own locks (tests/qemu/pingpong) */
	LOCKRANK_CONTEXT,       /* Context.lock: cancel closes done, stops the timer */
	LOCKRANK_FORCEGC,       /* the forced-GC helper's parking lock */
	LOCKRANK_BGMARK,        /* the background mark worker's parking lock */
	LOCKRANK_SWEEP,         /* the background sweeper's parking lock */
	LOCKRANK_SEMAROOT,      /* sema's treap roots */
	LOCKRANK_NOTIFYLIST,    /* Cond's ticket list */
	LOCKRANK_HCHAN,         /* channels; several, in address order (select) */
	LOCKRANK_SUDOG,         /* the central sudog cache */
	LOCKRANK_DEFERPOOL,     /* the central cache of deferred-call records */
	LOCKRANK_SCHED,         /* sched.lock: idle Ps and Ms, global run queue */
	LOCKRANK_GFREE,         /* sched.gflock: the global free-G list */
	LOCKRANK_ALLG,          /* sched.allglock: every G ever made */
	LOCKRANK_TIMERS,        /* per-P timer heaps; two, in address order */
	LOCKRANK_ALLPOOLS,      /* sync.Pool's list of pools */
	LOCKRANK_MCACHE0,       /* the mcache of allocations without a P */
	LOCKRANK_FIN,           /* finalizer table and queue */
	LOCKRANK_GCWORK,        /* the mark's work-buffer pool */
	LOCKRANK_MCENTRAL,      /* one per allocation class */
	LOCKRANK_STACKSLOTS,    /* free stack slots (address space) */
	LOCKRANK_STACKPOOL,     /* stack pages: taken by the stack-fault handler */
	LOCKRANK_PAGETABLE,     /* the stack window's page tables (arch) */
	LOCKRANK_MHEAP,         /* the page heap */
	LOCKRANK_DEVICE,        /* a device driver's state, taken from interrupts too */
	LOCKRANK_CONSOLE,       /* console lines: printing is allowed anywhere */
	LOCKRANK_COUNT
};

struct spinlock;

/* What one M holds, by rank (debug builds). Ranks are acquired in
 * increasing order, so the held locks, read by rank, are the held-lock
 * stack in acquisition order; one word and two small arrays make the check
 * O(1) however many channels a select holds. */
struct lockrank_held {
	uint64_t mask;                                  /* ranks held */
	uint32_t n[LOCKRANK_COUNT];                     /* locks held, per rank */
	const struct spinlock *last[LOCKRANK_COUNT];    /* latest taken, per rank */
	bool off;                                       /* fatal path: no checks */
};

const char *lockrank_name(unsigned r);

/* Slow paths of spinlock.c's checks: each throws, unless the checks are
 * off on this M (the fatal path), when it returns. */
void lockrank_bad_acquire(struct lockrank_held *h, const struct spinlock *l, unsigned r);
void lockrank_bad_release(struct lockrank_held *h, const struct spinlock *l, int me);

/* The fatal path of this CPU: stop checking, so that the report itself
 * (console, goroutine list) can take whatever lock it needs. */
void lockrank_off(void);

/* Debug builds: throw if this M holds any runtime lock (where: a place at
 * which none may be held, e.g. a goroutine switch). */
#if GORT_DEBUG
void lockrank_assert_none(const char *where);
#else
static inline void lockrank_assert_none(const char *where) { (void)where; }
#endif

/* Debug hook for tests (tests/qemu/lock_rank): break the discipline on
 * purpose with real runtime locks, so that a test can see each check fire.
 * what: 0 legal orders only (returns true); 1 sched.lock while holding this
 * P's timers lock; 2 globrunqput without sched.lock; 3 unlock of sched.lock
 * not held; 4 two channel locks against address order; 5 Gosched holding
 * sched.gflock. Cases 1-5 end in a fatal error.
 * Release builds check nothing: it returns false at once. */
bool lockrank_debug_test(int what);

#endif
