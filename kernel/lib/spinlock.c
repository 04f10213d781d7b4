/*
 * spinlock.c - spinlocks, and preemption deferral (acquirem/releasem).
 *
 * Go's runtime.lock also disables preemption of the holder (it bumps m.locks);
 * here the counter lives in the G (g->nopreempt), because a G can move to
 * another M between two instructions, while its G pointer never changes.
 */
#include "kernel/lib/spinlock.h"
#include "kernel/sched/runtime2.h"
#include "kernel/sched/sched.h"
#include "arch/atomic.h"

void acquirem(void)
{
	/* Only this G writes its own nopreempt; the trap handler on the same
	 * CPU reads it. A compiler barrier orders it against the critical
	 * section; no other CPU looks at it. */
	struct g *gp = getg();
	gp->nopreempt++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void releasem(void)
{
	struct g *gp = getg();
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* A preemption request arrived while deferred: yield now - unless
	 * interrupts are masked, which includes running in a trap handler on
	 * the trap stack, where switching goroutines would be fatal. The flag
	 * stays set for the next releasem or timer tick. */
	if (--gp->nopreempt == 0 && !gp->is_g0 &&
	    __atomic_load_n(&gp->preempt, __ATOMIC_RELAXED) && arch_irq_enabled())
		gopreempt();
}

static inline bool try_acquire(spinlock_t *l)
{
	uint32_t free = 0;
	/* acquire on success; pairs with the release store in spin_release. */
	return arch_cas(&l->locked, &free, 1,
	                __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void spin_lock(spinlock_t *l)
{
	acquirem();
	while (!try_acquire(l)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			arch_cpu_relax();
	}
}

bool spin_trylock(spinlock_t *l)
{
	acquirem();
	if (try_acquire(l))
		return true;
	releasem();
	return false;
}

static void spin_release(spinlock_t *l)
{
	/* release; pairs with the acquire CAS in try_acquire. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

void spin_unlock(spinlock_t *l)
{
	spin_release(l);
	releasem();
}

/* Release a lock taken by gp, from g0 after gp parked (gopark's unlockf):
 * the preemption deferral belongs to gp, not to g0. */
void spin_unlock_parked(spinlock_t *l)
{
	spin_release(l);
}

bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();
	spin_lock(l);
	return flags;
}

/* Interrupts come back on before releasem, which may yield the CPU. */
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_release(l);
	arch_irq_restore(flags);
	releasem();
}
