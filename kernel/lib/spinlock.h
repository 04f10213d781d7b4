/*
 * spinlock.h - the runtime's internal lock (Go's runtime.mutex on bare metal).
 *
 * A test-and-test-and-set lock: wait until it looks free (plain loads, no
 * cache-line ping-pong), then try one compare-and-swap. It is not FIFO. A
 * ticket lock would be fair, but on virtual CPUs (QEMU with more vCPUs than
 * host cores, or any hypervisor) it hands the lock to the next waiter in
 * line even when that vCPU is not running, and every other waiter spins for
 * a whole host time slice: contended channels ran a thousand times slower
 * at -smp 4 on a 2-core host. Runtime critical sections are short, so
 * fairness is not worth that. Holding a spinlock defers async preemption of the
 * holding goroutine (g->nopreempt), because a goroutine preempted while
 * holding a runtime lock would make every other CPU spin until it ran again.
 * Spinlocks are never taken in trap handlers except by the stack-fault path
 * (kernel/mm/stack.c says why that is safe) and the fatal path, so they do
 * not mask interrupts; spin_lock_irqsave does, for the few locks a trap
 * handler may take.
 *
 * Every lock has a rank, and locks are taken in rank order; debug builds
 * check that, and who holds what (lockrank.h, docs/locks.md).
 */
#ifndef KERNEL_LIB_SPINLOCK_H
#define KERNEL_LIB_SPINLOCK_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/lib/lockrank.h"

/* The same layout in every build, so that structures holding a lock (and
 * the public notifyList) do not change size with GORT_DEBUG. */
typedef struct spinlock {
	uint32_t locked; /* atomic: 0 free, 1 held */
	uint16_t owner;  /* debug builds: holder's CPU + 1, 0 if free; atomic */
	uint16_t rank;   /* enum lockrank; set once, before the lock is used */
} spinlock_t;

#define SPINLOCK_INIT(r) { .locked = 0, .owner = 0, .rank = (r) }

/* Give l its rank (lockrank.h) before its first use. */
static inline void spin_lock_init(spinlock_t *l, enum lockrank r)
{
	l->locked = 0;
	l->owner = 0;
	__atomic_store_n(&l->rank, (uint16_t)r, __ATOMIC_RELAXED);
}

void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
/* spin_lock in two halves, for a fast path that must make no call (a call
 * makes its caller's frame save whatever lives across it): spin_lock_fast(l)
 * takes l if it is free and returns true; if l is held it returns false
 * and the caller finishes with spin_lock_slow(l), which waits for it.
 * Preemption is deferred from spin_lock_fast on, in both cases. Release
 * builds inline spin_lock_fast (spinlock_inline.h); in debug builds it is
 * the whole spin_lock, rank checks included, and never fails. */
void spin_lock_slow(spinlock_t *l);
#if GORT_DEBUG || defined(SPINLOCK_IMPL)
static inline bool spin_lock_fast(spinlock_t *l)
{
	spin_lock(l);
	return true;
}
#endif
bool spin_trylock(spinlock_t *l);
bool spin_is_locked(spinlock_t *l);
unsigned long spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);

/* assert_lock_held(&l): the caller's CPU holds l. A fatal error otherwise
 * in debug builds; nothing in release builds. It states a function's
 * precondition where a comment "l held" used to. */
#if GORT_DEBUG
void spin_assert_held(const spinlock_t *l, const char *fn);
#define assert_lock_held(l) spin_assert_held((l), __func__)
#else
#define assert_lock_held(l) ((void)sizeof(l))
#endif

/* gopark hand-offs (gopark's unlockf, on g0): gp parked holding runtime
 * locks, which g0 now releases for it. These two are the only way to do
 * that, because the order is the whole point: first gp->nopreempt drops by
 * the number of locks (while gp cannot run, nobody else touches the
 * count), then the locks are released. In the other order, releasing a
 * lock lets a waker make gp run on another CPU, whose own nopreempt++
 * would race with this CPU's decrement: a lost update left a goroutine
 * preemptible while it held channel locks, and every CPU spun on them for
 * ever.
 * park_release_locks takes an iterator: next(&it) returns the next lock
 * and advances it, or NULL at the end; it is run twice (count, release)
 * and must read what it needs of a lock's successors before returning the
 * lock, since once that lock is released gp may be woken. */
struct g;
void park_release_lock(struct g *gp, spinlock_t *l);
void park_release_locks(struct g *gp, spinlock_t *(*next)(void **it), void *it);

/* Defer / re-allow async preemption of the running goroutine (Go's
 * acquirem/releasem). releasem yields if a preemption arrived meanwhile. */
void acquirem(void);
void releasem(void);

#endif
