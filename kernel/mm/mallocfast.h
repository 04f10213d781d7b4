/*
 * mallocfast.h - the allocation fast path, inlined into each public entry
 * (mallocgc, mallocgc_noscan, malloc), so that the kind of object is a
 * constant and the common case makes no call.
 *
 * The common case: a small object (not tiny) whose class's span in this
 * P's mcache still has a free object in its allocCache. Everything else -
 * size 0, tiny and large objects, no P, a span to refill, a word of
 * allocBits to load, a GC object while a concurrent mark runs (allocated
 * black) - goes to mallocgc_impl (mcache.c), the complete
 * path, as a tail call. Go's mallocgc has the same split
 * (nextFreeFast, then c.nextFree).
 *
 * What it does, in order: pin (nopreempt, as acquirem), find the class and
 * the span, take the lowest set bit of allocCache, set it in allocBits (an
 * atomic OR: free() on other CPUs clears bits of the same word), zero the
 * object, count it, unpin, and look at the GC's start hint.
 */
#ifndef KERNEL_MM_MALLOCFAST_H
#define KERNEL_MM_MALLOCFAST_H

#include "kernel/mm/malloc.h"
#include "kernel/sched/runtime2.h"
#include "kernel/gc/gc.h"
#include "kernel/lib/asan.h"

extern struct mcache mcaches[MAXCPU];

/* The rare ends of the fast path, out of line so that the fast path keeps
 * nothing live across a call: a preemption requested while pinned
 * (releasem yields now), and the GC's start hint. Each returns p. */
void *mallocgc_fast_release(void *p);   /* p != NULL */
void *mallocgc_fast_gc(void *p);

/* Pin the running G to its P: acquirem inlined. Only the running G writes
 * its nopreempt, and the timer handler on its CPU reads it (a compiler
 * barrier, as in acquirem). Returns the G, for mcache_unpin. */
static inline __attribute__((always_inline)) struct g *mcache_pin(void)
{
	struct g *gp = getg();
	gp->nopreempt++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return gp;
}

/* Undo the pin; true if releasem must run (a preemption was requested). */
static inline __attribute__((always_inline)) bool mcache_unpin(struct g *gp)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (__builtin_expect(gp->nopreempt == 1 &&
	                     __atomic_load_n(&gp->preempt, __ATOMIC_RELAXED), 0))
		return true;
	gp->nopreempt--;
	return false;
}

/* The fast path cannot serve: unpin and hand the whole allocation to
 * mallocgc_impl, as a tail call. A preemption requested meanwhile stays
 * flagged; mallocgc_impl's own unpin honours it a few instructions later. */
static inline __attribute__((always_inline)) void *
mallocgc_fast_miss(struct g *gp, size_t size, bool noscan, bool collect)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	gp->nopreempt--;
	return mallocgc_impl(size, noscan, collect);
}

/* The end of a fast allocation of p: unpin, then the GC's start hint. */
static inline __attribute__((always_inline)) void *mallocgc_fast_done(struct g *gp, void *p)
{
	if (mcache_unpin(gp))
		return mallocgc_fast_release(p);
	/* relaxed: a hint set by the pacer; p is live in our caller's frame. */
	if (__builtin_expect(__atomic_load_n(&gc_want, __ATOMIC_RELAXED), 0))
		return mallocgc_fast_gc(p);
	return p;
}

/* An object over 64 bytes: zero it with memset and finish the allocation
 * (count, unpin), out of line. */
void *mallocgc_fast_large(void *p, uintptr_t n, uint64_t *count, struct g *gp);

/* Zero an object of at most 64 bytes (sizes are multiples of 8). */
static inline __attribute__((always_inline)) void zero_upto64(void *p, uintptr_t n)
{
	uint64_t *w = p;
	switch (n / 8) {
	case 8: w[7] = 0; /* fall through */
	case 7: w[6] = 0; /* fall through */
	case 6: w[5] = 0; /* fall through */
	case 5: w[4] = 0; /* fall through */
	case 4: w[3] = 0; /* fall through */
	case 3: w[2] = 0; /* fall through */
	case 2: w[1] = 0; /* fall through */
	default: w[0] = 0;
	}
}

/* The whole allocation: the fast path, else mallocgc_impl (tail calls). */
static inline __attribute__((always_inline)) void *
mallocgc_inline(size_t size, bool noscan, bool collect)
{
	/* size - 1 wraps for 0: one compare keeps 1 .. SMALL_SIZE_MAX-8. */
	if (size - 1 >= SMALL_SIZE_MAX - 8 || (noscan && collect && size < TINY_SIZE))
		return mallocgc_impl(size, noscan, collect);
	struct g *gp = mcache_pin();
	struct p *pp = getm()->p;
	if (__builtin_expect(pp == NULL, 0))
		return mallocgc_fast_miss(gp, size, noscan, collect);
	struct mcache *c = &mcaches[pp->id];
	int sizeclass = size_to_class8[(size + SMALL_SIZE_DIV - 1) / SMALL_SIZE_DIV];
	struct mspan *s = c->alloc[aclass_of(collect, sizeclass, noscan)];
	uint64_t cache = s->allocCache;
	/* During a concurrent mark a GC object is allocated black, which the
	 * complete path does: a call here, in the middle, would cost every
	 * allocation a stack frame and six saved registers (measured: 24
	 * instructions on riscv64). relaxed: gc_marking changes only with the
	 * world stopped. */
	if (__builtin_expect(cache == 0 ||
	                     (collect && __atomic_load_n(&gc_marking, __ATOMIC_RELAXED)), 0))
		return mallocgc_fast_miss(gp, size, noscan, collect);
	uint64_t bit = cache & -cache;
	s->allocCache = cache ^ bit;
	uint32_t word = s->cacheword;
	/* relaxed: arbitrates only with free() of this object, which cannot
	 * come before we return it (mspan.h). */
	if (__builtin_expect(__atomic_fetch_or(&s->allocBits[word], bit, __ATOMIC_RELAXED) & bit, 0))
		span_double_alloc(s, word * 64 + ctz64(bit));
	s->ncache++;
	uintptr_t size8 = s->elemsize;
	void *p = (void *)(s->startAddr + (word * 64 + ctz64(bit)) * size8);
	asan_unpoison(p, size8);        /* live again (kernel/lib/asan.h) */
	if (size8 > 64)
		return mallocgc_fast_large(p, size8, &c->st.nmalloc[sizeclass], gp);
	zero_upto64(p, size8);
	stat_add(&c->st.nmalloc[sizeclass], 1);
	return mallocgc_fast_done(gp, p);
}

#endif
