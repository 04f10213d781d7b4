/*
 * spinlock.c - spinlocks, and preemption deferral (acquirem/releasem).
 *
 * Go's runtime.lock also disables preemption of the holder (it bumps m.locks);
 * here the counter lives in the G (g->nopreempt), because a G can move to
 * another M between two instructions, while its G pointer never changes.
 *
 * Debug builds also keep the lock discipline (lockrank.h): each acquisition
 * is checked against the ranks this M holds and recorded, with the owner,
 * and each release is checked and unrecorded. The owner is the M (CPU): a
 * G holding a spinlock cannot move (nopreempt), and a gopark hand-off
 * releases its locks on g0 of the same M. The fast path is a few loads,
 * a shift and a compare; everything that reports is out of line.
 */
#define SPINLOCK_IMPL   /* the out-of-line functions, not spinlock_inline.h's macros */
#include "kernel/lib/spinlock.h"
#include "kernel/sched/runtime2.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"
#include "arch/atomic.h"

/* Inline in the spinlock paths below; acquirem/releasem for everyone else. */
static inline __attribute__((always_inline)) void nopreempt_inc(void)
{
	/* Only this G writes its own nopreempt; the trap handler on the same
	 * CPU reads it. A compiler barrier orders it against the critical
	 * section; no other CPU looks at it. */
	struct g *gp = getg();
	gp->nopreempt++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline __attribute__((always_inline)) void nopreempt_dec(void)
{
	struct g *gp = getg();
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* A preemption request arrived while deferred: yield now - unless
	 * interrupts are masked, which includes running in a trap handler on
	 * the trap stack, where switching goroutines would be fatal. The flag
	 * stays set for the next releasem or timer tick. */
	if (--gp->nopreempt == 0 && !gp->is_g0 &&
	    __builtin_expect(__atomic_load_n(&gp->preempt, __ATOMIC_RELAXED), 0) &&
	    arch_irq_enabled())
		gopreempt();
}

void acquirem(void)
{
	nopreempt_inc();
}

void releasem(void)
{
	nopreempt_dec();
}

static inline bool try_acquire(spinlock_t *l)
{
	uint32_t free = 0;
	/* acquire on success; pairs with the release store in spin_release. */
	return arch_cas(&l->locked, &free, 1,
	                __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

#if GORT_DEBUG
/* Before the acquisition (after acquirem: the M is stable): rank order. */
static inline void held_check(spinlock_t *l)
{
	struct lockrank_held *h = &getm()->held;
	unsigned r = __atomic_load_n(&l->rank, __ATOMIC_RELAXED);
	/* any rank >= r held, or no rank at all: out of line */
	if (__builtin_expect(r == LOCKRANK_NONE || (h->mask >> r) != 0, 0))
		lockrank_bad_acquire(h, l, r);
}

/* After the acquisition: record it and the owner. */
static inline void held_push(spinlock_t *l)
{
	struct m *m = getm();
	struct lockrank_held *h = &m->held;
	unsigned r = __atomic_load_n(&l->rank, __ATOMIC_RELAXED);
	h->mask |= 1ULL << r;
	h->n[r]++;
	h->last[r] = l;
	/* relaxed: only this M writes it while it holds l; assert_lock_held
	 * on another CPU may read it racily and only compares. */
	__atomic_store_n(&l->owner, (uint16_t)(m->id + 1), __ATOMIC_RELAXED);
}

/* Before the release: this M must hold l. */
static inline void held_pop(spinlock_t *l)
{
	struct m *m = getm();
	struct lockrank_held *h = &m->held;
	unsigned r = __atomic_load_n(&l->rank, __ATOMIC_RELAXED);
	if (__builtin_expect(__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != m->id + 1 ||
	                     r >= LOCKRANK_COUNT || h->n[r] == 0, 0)) {
		lockrank_bad_release(h, l, m->id);
		return;                 /* checks off: the fatal path */
	}
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
	if (--h->n[r] == 0) {
		h->mask &= ~(1ULL << r);
		h->last[r] = NULL;
	}
}

void spin_assert_held(const spinlock_t *l, const char *fn)
{
	struct m *m = getm();
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != m->id + 1 && !m->held.off)
		throw("lock not held: %s requires %s (%p)", fn,
		      lockrank_name(__atomic_load_n(&l->rank, __ATOMIC_RELAXED)), (const void *)l);
}
#else
static inline void held_check(spinlock_t *l) { (void)l; }
static inline void held_push(spinlock_t *l) { (void)l; }
static inline void held_pop(spinlock_t *l) { (void)l; }
#endif

/* The wait for a held lock; the caller has counted it in nopreempt.
 * Release builds inline the first try (spinlock_inline.h). */
void spin_lock_slow(spinlock_t *l)
{
	while (!try_acquire(l)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			arch_cpu_relax();
	}
}

void spin_lock(spinlock_t *l)
{
	nopreempt_inc();
	held_check(l);
	spin_lock_slow(l);
	held_push(l);
}

/* A failed try cannot deadlock, but a successful one holds the lock like
 * any other, so it obeys the same order. */
bool spin_trylock(spinlock_t *l)
{
	nopreempt_inc();
	held_check(l);
	if (try_acquire(l)) {
		held_push(l);
		return true;
	}
	nopreempt_dec();
	return false;
}

static inline __attribute__((always_inline)) void spin_release(spinlock_t *l)
{
	held_pop(l);
	/* release; pairs with the acquire CAS in try_acquire. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

void spin_unlock(spinlock_t *l)
{
	spin_release(l);
	nopreempt_dec();
}

/* The gopark hand-off, on g0 or on the G a parking G switched to
 * (spinlock.h says why in this order): gp's preemption deferral for the
 * locks goes first, then the locks. */
void park_release_locks(struct g *gp, spinlock_t *(*next)(void **it), void *it)
{
	ASSERT(getg() != gp && gstatus(gp) == Gwaiting);
	int n = 0;
	for (void *i = it; next(&i) != NULL;)
		n++;
	ASSERT(gp->nopreempt >= n);
	gp->nopreempt -= n;
	for (spinlock_t *l; (l = next(&it)) != NULL;)
		spin_release(l);
}

static spinlock_t *next_once(void **it)
{
	spinlock_t *l = *it;
	*it = NULL;
	return l;
}

void park_release_lock(struct g *gp, spinlock_t *l)
{
	park_release_locks(gp, next_once, l);
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
	nopreempt_dec();
}
