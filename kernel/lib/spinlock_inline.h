/*
 * spinlock_inline.h - spin_lock and spin_unlock inlined into their callers
 * in release builds (included at the end of kernel/sched/runtime2.h, where
 * struct g is complete).
 *
 * An uncontended lock and unlock are a dozen instructions each; as calls
 * they cost a third more again (call, return, the frame pointer's prologue
 * and epilogue), and every channel operation and goroutine switch takes two
 * or three of them (bench/chan, bench/sched). The fast path here is the same
 * algorithm as spinlock.c's: the preemption count, one acquire CAS, and
 * spinlock.c's spin_lock_slow when the lock is held. Debug builds keep the
 * out-of-line functions, which also check lock ranks (lockrank.h).
 */
#ifndef KERNEL_LIB_SPINLOCK_INLINE_H
#define KERNEL_LIB_SPINLOCK_INLINE_H
#if !GORT_DEBUG && !defined(SPINLOCK_IMPL)
#include "arch/atomic.h"

void spin_lock_slow(spinlock_t *l);
void gopreempt(void);

static inline __attribute__((always_inline)) void spin_lock_inline(spinlock_t *l)
{
	struct g *gp = getg();
	gp->nopreempt++;                /* as nopreempt_inc in spinlock.c */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	uint32_t free = 0;
	/* acquire on success; pairs with the release store in
	 * spin_unlock_inline and spinlock.c's spin_release. */
	if (__builtin_expect(!arch_cas(&l->locked, &free, 1,
	                               __ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 0))
		spin_lock_slow(l);
}

static inline __attribute__((always_inline)) void spin_unlock_inline(spinlock_t *l)
{
	/* release; pairs with the acquire CAS that took the lock. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	struct g *gp = getg();
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* as nopreempt_dec in spinlock.c: a deferred preemption request is
	 * honoured now, unless interrupts are masked or this is g0 */
	if (--gp->nopreempt == 0 && !gp->is_g0 &&
	    __builtin_expect(__atomic_load_n(&gp->preempt, __ATOMIC_RELAXED), 0) &&
	    arch_irq_enabled())
		gopreempt();
}

#define spin_lock(l) spin_lock_inline(l)
#define spin_unlock(l) spin_unlock_inline(l)
#endif
#endif
