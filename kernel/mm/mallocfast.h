/*
 * mallocfast.h - the fast paths of allocation and free, inlined into each
 * public entry (mallocgc, mallocgc_noscan, malloc; free), so that the kind
 * of object is a constant and the common case makes no call.
 *
 * Allocation's common case: a small object (not tiny) whose class's span
 * in this P's mcache still has a free object in its allocCache.
 * A word of allocBits to load is a rare end of its own that calls
 * nothing (mallocgc_fast_nextword, mcache.c: once in 64 allocations at
 * most), and so is a full span traded for another
 * (mallocgc_fast_nextspan).
 * Everything else - size 0, tiny and large objects, no P, a span to
 * refill - goes to mallocgc_impl (mcache.c), the complete path, as a
 * tail call. A concurrent mark changes nothing here: the objects of the
 * word allocCache mirrors are marked before any is handed out
 * (allocate black ahead, mcache.c), and the rare end that loads a word
 * marks it then. Go's mallocgc has the same split
 * (nextFreeFast, then c.nextFree).
 *
 * What allocation does, in order: pin (nopreempt, as acquirem), find the
 * span (one load: the mcache keeps its spans by kind and size too), take the
 * lowest set bit of allocCache, set it in allocBits (an atomic OR: free()
 * on other CPUs clears bits of the same word), zero the object, unpin.
 * Nothing is counted per object: the span's batch is counted when the
 * mcache gives it back (mspan.h: ncache), as Go counts per refill; so is
 * the pacer's heapLive (mcentral.c), which is why the GC's start hint is
 * looked at on the complete path only - it can only change there.
 *
 * free's common case: the object lies in the allocCache word of a span
 * this P's mcache holds - looked for first in the span malloc() last
 * allocated from (mcache.lastspan), which needs no span-map lookup, then
 * in the span the span map gives. Then it goes back into allocCache, to be handed
 * out again by the next allocation of its class, without a lock and
 * without touching the span's count (a free put back is counted with the
 * batch: mspan.h, nfreecache). Everything else goes to free_impl.
 *
 * Per-path budgets and measurements: docs/memory.md, "The fast paths".
 */
#ifndef KERNEL_MM_MALLOCFAST_H
#define KERNEL_MM_MALLOCFAST_H

#include "kernel/mm/malloc.h"
#include "kernel/sched/runtime2.h"
#include "kernel/gc/gc.h"
#include "kernel/lib/asan.h"
#include "kernel/lib/bootargs.h"

/* For the public entries that inline a fast path: no frame. Their common
 * case calls nothing and their rare ends are tail calls, so a frame would
 * only cost every call 3-4 instructions (GCC builds one for a function
 * whose only calls are tail calls when frame pointers are on; clang does
 * not). Tracebacks lose nothing: the callee of a tail call shows the
 * caller's caller, as it would anyway. No cross-jumping either: GCC would
 * merge the duplicated tails of mallocgc_from_cache back into one, with
 * a jump (on aarch64 taking the last store of the 64-byte zeroing with
 * it, out of its pair). */
#if defined(__GNUC__) && !defined(__clang__)
#define FASTPATH_ENTRY __attribute__((optimize("omit-frame-pointer", "no-crossjumping")))
#else
#define FASTPATH_ENTRY
#endif

/* The running M's m->mcache: its P's mcache, or mcache_none without a P
 * (runtime2.h, m_setp). Pinned: the M cannot change under us. */
static inline __attribute__((always_inline)) struct mcache *this_mcache(void)
{
	return (struct mcache *)arch_this_m_word(offsetof(struct m, mcache));
}

/* The span c holds for size (1 .. FAST_SIZE_MAX) of a kind:
 * c->bysize[kind][(size - 1) / 8]. A pointer is 8 bytes, as the table's
 * step is, so the entry's offset in c is size - 1 (which the size check
 * computed) rounded down to 8 plus the row's offset, a multiple of 8 that
 * can be added before the rounding: one add and one and, then a load
 * with no offset of its own (aarch64's register-indexed load has none;
 * riscv64's add holds up to 2047, which the layout of struct mcache
 * keeps the third row within). */
static inline __attribute__((always_inline)) struct mspan *
mcache_span_for(struct mcache *c, int kind, size_t size)
{
	_Static_assert(sizeof(struct mspan *) == SMALL_SIZE_DIV, "bysize step");
	uintptr_t row = offsetof(struct mcache, bysize) + kind * sizeof c->bysize[0];
	uintptr_t off = (size - 1 + row) & ~(uintptr_t)(SMALL_SIZE_DIV - 1);
	return *(struct mspan **)((uintptr_t)c + off);
}

/* The rare ends of the fast paths, out of line so that the fast path keeps
 * nothing live across a call: a preemption requested while pinned
 * (releasem yields now; returns p), and zeroing an object over 64 bytes
 * (finishes the allocation). */
void *mallocgc_fast_release(void *p);   /* p != NULL */
void *mallocgc_fast_large(void *p, uintptr_t n, struct g *gp, int32_t np);
/* allocCache is empty: load the span's next word of allocBits with a free
 * object and allocate from it, or (the span is full, or it is emptymspan)
 * unpin and hand the allocation to mallocgc_impl. */
void *mallocgc_fast_nextword(size_t size, struct mspan *s, struct g *gp,
                             int32_t np, bool noscan, bool collect);
void free_fast_release(void);

/* Pin the running G to its P: acquirem inlined. Only the running G writes
 * its nopreempt, and the timer handler on its CPU reads it (a compiler
 * barrier, as in acquirem). Returns nopreempt as it was, for
 * mcache_unpin_to. */
static inline __attribute__((always_inline)) int32_t mcache_pin_g(struct g *gp)
{
	int32_t np = gp->nopreempt;
	gp->nopreempt = np + 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return np;
}

static inline __attribute__((always_inline)) struct g *mcache_pin(void)
{
	struct g *gp = getg();
	mcache_pin_g(gp);
	return gp;
}

/* Undo the pin (nopreempt back to np); true if releasem must run instead
 * (the outermost pin, and a preemption was requested: releasem does the
 * decrement and yields). */
static inline __attribute__((always_inline)) bool mcache_unpin_to(struct g *gp, int32_t np)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* relaxed: the timer handler's flag; a request that lands after
	 * this load is honoured at the next safe point. */
	/* np == 0 && preempt, in one compare: np >= 0, and the bool's byte
	 * is 0 or 1 (read as a byte, which the compiler need not turn into
	 * 0 or 1 first). */
	uint8_t preempt = __atomic_load_n((uint8_t *)&gp->preempt, __ATOMIC_RELAXED);
	if (__builtin_expect(preempt > np, 0))
		return true;
	gp->nopreempt = np;
	return false;
}

static inline __attribute__((always_inline)) bool mcache_unpin(struct g *gp)
{
	return mcache_unpin_to(gp, gp->nopreempt - 1);
}

/* The fast path cannot serve: unpin and hand the whole allocation to
 * mallocgc_impl, as a tail call. A preemption requested meanwhile stays
 * flagged; mallocgc_impl's own unpin honours it a few instructions later. */
static inline __attribute__((always_inline)) void *
mallocgc_fast_miss(struct g *gp, int32_t np, size_t size, bool noscan, bool collect)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	gp->nopreempt = np;
	return mallocgc_impl(size, noscan, collect);
}

/* Zero an object of 8 or 16 bytes: its first and its last word, the same
 * word for 8 (two stores, no branch). */
static inline __attribute__((always_inline)) void zero_upto16(void *p, uintptr_t n)
{
	uint64_t *w = p, *end = (uint64_t *)((uintptr_t)p + n);
	w[0] = 0;
	end[-1] = 0;
}

/* Zero an object of 32, 48 or 64 bytes (the classes between 16 and 64:
 * there is no 24-byte class, sizeclasses.c): the
 * first four words and the last four, which cover it whole - the same
 * words twice for 32, an overlap for 48 - in eight stores with no
 * branch (a test for 32 cost 64 two more instructions than the stores it
 * saved 32; aarch64 pairs them: four stp). */
static inline __attribute__((always_inline)) void zero_32to64(void *p, uintptr_t n)
{
	uint64_t *w = p, *end = (uint64_t *)((uintptr_t)p + n);
	w[0] = 0;
	w[1] = 0;
	w[2] = 0;
	w[3] = 0;
	end[-4] = 0;
	end[-3] = 0;
	end[-2] = 0;
	end[-1] = 0;
}

/* Zero an object of 8, 16, 32, 48 or 64 bytes (the classes up to 64). */
static inline __attribute__((always_inline)) void zero_upto64(void *p, uintptr_t n)
{
	if (n <= 16)
		zero_upto16(p, n);
	else
		zero_32to64(p, n);
}

/* Allocate from s's allocCache, cache (not 0), pinned at np: the
 * common case of mallocgc_inline, and the end of a word refill
 * (mallocgc_fast_nextword). bits: the arch's bit table (mcache.bits on
 * the fast path: riscv64 reaches it from the mcache pointer, three
 * instructions fewer than from a global). */
static inline __attribute__((always_inline)) void *
mallocgc_from_cache(struct mspan *s, uint64_t cache, struct g *gp, int32_t np,
                    const struct arch_bit_table *bits)
{
	uint64_t bit = cache & -cache;
	/* relaxed: the statistics read it (span_cache_taken) */
	__atomic_store_n(&s->allocCache, cache ^ bit, __ATOMIC_RELAXED);
	/* relaxed: arbitrates only with free() of this object, which cannot
	 * come before we return it (mspan.h). */
	uint64_t was = __atomic_fetch_or(s->cachebits, bit, __ATOMIC_RELAXED);
	/* The bit was set already: allocCache disagrees with allocBits (a
	 * span swept or refilled under its owner). A check of the runtime
	 * itself, not of its user: debug builds only. */
	if (GORT_DEBUG && __builtin_expect(was & bit, 0))
		span_double_alloc(s, s->cacheword * 64 + ctz64(bit));
	uintptr_t size8 = s->elemsize;
	void *p = (void *)(s->cachebase + arch_bit_index_in(bits, bit) * size8);
	asan_unpoison(p, size8);        /* live again (kernel/lib/asan.h) */
	/* The smallest first, and expected: 8 and 16 bytes take one compare. */
	if (__builtin_expect(size8 <= 16, 1)) {
		zero_upto16(p, size8);
	} else if (size8 <= 64) {
		/* its own unpin and return: the 32-64 block is laid out after
		 * the function's end, and a jump back to the common tail cost
		 * it one more instruction (FASTPATH_ENTRY keeps GCC from
		 * merging the two tails again) */
		zero_32to64(p, size8);
		if (mcache_unpin_to(gp, np))
			return mallocgc_fast_release(p);
		return p;
	} else {
		return mallocgc_fast_large(p, size8, gp, np);
	}
	if (mcache_unpin_to(gp, np))
		return mallocgc_fast_release(p);
	return p;
}

/* The whole allocation: the fast path, else mallocgc_impl (tail calls). */
static inline __attribute__((always_inline)) void *
mallocgc_inline(size_t size, bool noscan, bool collect)
{
	/* size - 1 wraps for 0: one compare keeps 1 .. FAST_SIZE_MAX. */
	if (size - 1 >= FAST_SIZE_MAX || (noscan && collect && size < TINY_SIZE))
		return mallocgc_impl(size, noscan, collect);
	struct g *gp = getg();
	int32_t np = mcache_pin_g(gp);
	/* this P's mcache; without a P, mcache_none's spans are all
	 * emptymspan, so the word refill sends it to mallocgc_impl */
	struct mcache *c = this_mcache();
	struct mspan *s = mcache_span_for(c, size_kind(collect, noscan), size);
	uint64_t cache = s->allocCache;
	/* Empty (or emptymspan, whose allocCache is 0): the next word, or
	 * another span. */
	if (__builtin_expect(cache == 0, 0))
		return mallocgc_fast_nextword(size, s, gp, np, noscan, collect);
	if (!collect)           /* malloc: free()'s first guess (malloc.h) */
		c->lastspan = s;
	return mallocgc_from_cache(s, cache, gp, np, &c->bits);
}

/* free(p), p != NULL: the fast path, else free_impl. */
static inline __attribute__((always_inline)) void free_inline(void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	struct g *gp = getg();
	int32_t np = mcache_pin_g(gp);
	/* this P's mcache; without a P, mcache_none: emptymspan as lastspan
	 * and a free key no span has, so the tests below send it slow */
	struct mcache *c = this_mcache();
	/* First guess: the span malloc last allocated from, which this P
	 * caches (malloc.h: lastspan; emptymspan's cachelen is 0, so
	 * nothing is in it). cachelen, not 64 objects: the word may cover
	 * fewer (a span's last word, or a span of fewer than 64 objects),
	 * and the address past them is another span's. Only malloc sets
	 * lastspan, so its objects are never GC objects (no finalizer test). */
	struct mspan *s = c->lastspan;
	uintptr_t off = p - s->cachebase;
	if (__builtin_expect(off < s->cachelen, 1)) {
		/* freekey is -1 while a concurrent mark runs: free_impl then
		 * greys the object's contents for the snapshot (malloc.h). */
		if (__builtin_expect(c->freekey < 0, 0))
			goto unpin_slow;
	} else {
		s = spanOf(p);
		/* relaxed: set to this P's id + 1 only by this P
		 * (mcentral.c), which is pinned here; any other value sends
		 * the free to the slow path. The span is then in use and swept
		 * for this cycle (mcaches hold no span across a cycle's end),
		 * so its bits are this cycle's. freekey is that value, or -1
		 * during a concurrent mark (above). */
		if (__builtin_expect(s == NULL ||
		                     __atomic_load_n(&s->cachedby, __ATOMIC_RELAXED) != c->freekey, 0))
			goto unpin_slow;
		off = p - s->cachebase;
		/* A GC object without finalizers (relaxed: fin_forget looks
		 * again under its lock). Only here: lastspan is malloc's. */
		if (__builtin_expect(off >= s->cachelen ||
		                     (s->collect && __atomic_load_n(&fin_nregistered, __ATOMIC_RELAXED) != 0), 0))
			goto unpin_slow;
	}
	/* The object's index in the word, and whether off is an object's
	 * start, from one product (mspan.h: divmagic): its high word is
	 * off / elemsize, its low word below divmagic exactly when the
	 * division leaves no remainder. */
	unsigned __int128 prod = (unsigned __int128)off * s->divmagic;
	uintptr_t i = (uintptr_t)(prod >> 64);  /* < 64 once the test below passes */
	/* In the allocCache word (above), at an object's start. */
	if (__builtin_expect((uint64_t)prod >= s->divmagic, 0))
		goto unpin_slow;
	uint64_t bit = 1ULL << i;
	if (GORT_DEBUG && __builtin_expect(rtflags.gcpoison, 0))
		poison_fill(ptr, s->elemsize);
	asan_poison(ptr, s->elemsize);  /* dead to ASan before it can be reused */
	/* relaxed: atomic only against other CPUs' frees of objects in the
	 * same word. The slot's next owner is this P's next allocation (no
	 * other P allocates from a span we cache, and no sweep runs on it),
	 * ordered after our last use of the object by program order, or by
	 * the hand-off if the P moves to another M. An XOR clears the bit
	 * as an AND with ~bit would, one instruction cheaper (no ~); on a
	 * double free it sets it instead, but that free never returns. */
	uint64_t was = __atomic_fetch_xor(s->cachebits, bit, __ATOMIC_RELAXED);
	if (__builtin_expect(!(was & bit), 0))
		free_double("free", ptr);
	/* relaxed stores: the statistics read them (span_cache_taken) */
	__atomic_store_n(&s->allocCache, s->allocCache | bit, __ATOMIC_RELAXED);
	__atomic_store_n(&s->nfreecache, s->nfreecache + 1, __ATOMIC_RELAXED);
	if (mcache_unpin_to(gp, np))
		free_fast_release();
	return;
unpin_slow:
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	gp->nopreempt = np;
	free_impl(ptr, "free");
}

#endif
