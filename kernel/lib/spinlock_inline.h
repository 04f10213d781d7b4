/*
 * spinlock_inline.h - spin_lock, spin_unlock, acquirem and releasem inlined
 * into their callers in release builds (included at the end of
 * kernel/sched/runtime2.h, where struct g is complete).
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

void gopreempt(void);

/* acquirem and releasem, inlined as well: a channel operation takes two
 * or three pairs (sudogs, goready), about 45 instructions a pair as calls
 * (bench/README.md, "Direct hand-off"). As nopreempt_inc and nopreempt_dec
 * in spinlock.c. */
static inline __attribute__((always_inline)) void acquirem_inline(void)
{
	struct g *gp = getg();
	gp->nopreempt++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline __attribute__((always_inline)) void releasem_inline(void)
{
	struct g *gp = getg();
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* a deferred preemption request is honoured now, unless interrupts
	 * are masked or this is g0 */
	if (--gp->nopreempt == 0 && !gp->is_g0 &&
	    __builtin_expect(__atomic_load_n(&gp->preempt, __ATOMIC_RELAXED), 0) &&
	    arch_irq_enabled())
		gopreempt();
}

/* spin_lock_fast (spinlock.h): the preemption count and one try. */
static inline __attribute__((always_inline)) bool spin_lock_fast_inline(spinlock_t *l)
{
	acquirem_inline();
	uint32_t free = 0;
	/* acquire on success; pairs with the release store in
	 * spin_unlock_inline and spinlock.c's spin_release. */
	return __builtin_expect(arch_cas(&l->locked, &free, 1,
	                                 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 1);
}

static inline __attribute__((always_inline)) void spin_lock_inline(spinlock_t *l)
{
	if (!spin_lock_fast_inline(l))
		spin_lock_slow(l);
}

static inline __attribute__((always_inline)) void spin_unlock_inline(spinlock_t *l)
{
	/* release; pairs with the acquire CAS that took the lock. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	releasem_inline();
}

#define spin_lock(l) spin_lock_inline(l)
#define spin_lock_fast(l) spin_lock_fast_inline(l)
#define spin_unlock(l) spin_unlock_inline(l)
#define acquirem() acquirem_inline()
#define releasem() releasem_inline()
#endif
#endif
