/*
 * lockrank.c - the rank table's names and the reports of a broken lock
 * discipline (debug builds; spinlock.c runs the checks inline).
 *
 * A report names both locks, by rank name, rank and address, in the words
 * of Go's own lock-ranking failure ("lock ordering problem"), then throws.
 * On the fatal path the checks are off for the reporting CPU (lockrank_off,
 * from fatal_enter): the report must be able to print and to list the
 * goroutines whatever this CPU held when it died.
 */
#include "kernel/lib/lockrank.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"
#include "kernel/sched/runtime2.h"

static const struct {
	const char *name;
	bool multi;     /* several may be held, taken in address order */
} ranks[LOCKRANK_COUNT] = {
	[LOCKRANK_NONE]       = { "unranked", false },
	[LOCKRANK_TEST]       = { "test", false },
	[LOCKRANK_CONTEXT]    = { "context", false },
	[LOCKRANK_FORCEGC]    = { "forcegc", false },
	[LOCKRANK_BGMARK]     = { "bgmark", false },
	[LOCKRANK_SWEEP]      = { "sweep", false },
	[LOCKRANK_SEMAROOT]   = { "semaRoot", false },
	[LOCKRANK_NOTIFYLIST] = { "notifyList", false },
	[LOCKRANK_HCHAN]      = { "hchan", true },
	[LOCKRANK_SUDOG]      = { "sudog", false },
	[LOCKRANK_DEFERPOOL]  = { "deferpool", false },
	[LOCKRANK_SCHED]      = { "sched", false },
	[LOCKRANK_GFREE]      = { "gFree", false },
	[LOCKRANK_ALLG]       = { "allg", false },
	[LOCKRANK_TIMERS]     = { "timers", true },
	[LOCKRANK_ALLPOOLS]   = { "allPools", false },
	[LOCKRANK_MCACHE0]    = { "mcache0", false },
	[LOCKRANK_FIN]        = { "fin", false },
	[LOCKRANK_GCWORK]     = { "gcWork", false },
	[LOCKRANK_MCENTRAL]   = { "mcentral", false },
	[LOCKRANK_STACKSLOTS] = { "stackSlots", false },
	[LOCKRANK_STACKPOOL]  = { "stackpool", false },
	[LOCKRANK_PAGETABLE]  = { "pageTable", false },
	[LOCKRANK_MHEAP]      = { "mheap", false },
	[LOCKRANK_DEVICE]     = { "device", false },
	[LOCKRANK_CONSOLE]    = { "console", false },
};
_Static_assert(LOCKRANK_COUNT <= 64, "held ranks are one 64-bit mask");

const char *lockrank_name(unsigned r)
{
	return r < LOCKRANK_COUNT ? ranks[r].name : "bad rank";
}

/* The highest rank held: the lock taken last, as ranks only go up. */
static unsigned top_rank(const struct lockrank_held *h)
{
	return 63u - (unsigned)__builtin_clzll(h->mask);
}

void lockrank_bad_acquire(struct lockrank_held *h, const struct spinlock *l, unsigned r)
{
	if (h->off)
		return;
	if (r == LOCKRANK_NONE || r >= LOCKRANK_COUNT)
		throw("lock ordering problem: acquiring lock %p with no rank (spin_lock_init)",
		      (const void *)l);
	unsigned top = top_rank(h);
	const struct spinlock *held = h->last[top];
	if (top == r && ranks[r].multi && (uintptr_t)l > (uintptr_t)held)
		return;         /* same rank, increasing address: allowed */
	h->off = true;  /* the report below takes locks of its own */
	if (top == r)
		throw("lock ordering problem: acquiring %s (rank %u, %p) while holding %s (rank %u, %p)%s",
		      ranks[r].name, r, (const void *)l, ranks[top].name, top, (const void *)held,
		      ranks[r].multi ? ": same rank, not in address order" : ": same rank");
	throw("lock ordering problem: acquiring %s (rank %u, %p) while holding %s (rank %u, %p)",
	      ranks[r].name, r, (const void *)l, ranks[top].name, top, (const void *)held);
}

void lockrank_bad_release(struct lockrank_held *h, const struct spinlock *l, int me)
{
	if (h->off)
		return;
	unsigned r = __atomic_load_n(&l->rank, __ATOMIC_RELAXED);
	unsigned owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	h->off = true;
	if (owner == 0)
		throw("unlock of unlocked lock: %s (%p) on cpu %d", lockrank_name(r), (const void *)l, me);
	if (owner != (unsigned)me + 1)
		throw("unlock of a lock held by another CPU: %s (%p) held by cpu %u, released on cpu %d",
		      lockrank_name(r), (const void *)l, owner - 1, me);
	throw("unlock: lock bookkeeping corrupted: %s (%p) on cpu %d", lockrank_name(r),
	      (const void *)l, me);
}

void lockrank_off(void)
{
	getm()->held.off = true;
}

#if GORT_DEBUG
void lockrank_assert_none(const char *where)
{
	/* Masked: a goroutine preempted between getm() and the load would
	 * read another M's record while that M changes it (and could see
	 * its locks as ours). */
	unsigned long f = arch_irq_save();
	struct lockrank_held *h = &getm()->held;
	bool none = h->mask == 0 || h->off;
	arch_irq_restore(f);
	if (none)
		return;
	unsigned top = top_rank(h);
	h->off = true;
	throw("%s: holding runtime lock %s (rank %u, %p)", where, ranks[top].name, top,
	      (const void *)h->last[top]);
}
#endif
