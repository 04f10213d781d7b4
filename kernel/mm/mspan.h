/*
 * mspan.h - a span: a run of runtime pages with one use (Go's mspan).
 *
 * States (mheap.lock for every transition):
 *   mSpanDead   - the struct is on mheap's free-struct list, describes nothing;
 *   mSpanFree   - free pages in mheap's free lists;
 *   mSpanInUse  - heap objects: small objects of one span class, or one
 *                 large object (span class 0/1);
 *   mSpanManual - pages handed out raw: stack pages (stackpool), page-table
 *                 pages, mheap_alloc_pages callers;
 *   mSpanInit   - becoming mSpanInUse: mheap_alloc_span handed it out and
 *                 its creator is still setting its fields. The creator
 *                 publishes it (span_publish: a release store of
 *                 mSpanInUse, the one transition made without mheap.lock),
 *                 so that a concurrent mark, which finds spans through the
 *                 span map without a lock and loads the state with acquire,
 *                 never sees a half-made span (Go's publicationBarrier).
 *
 * Small-object allocation state (owner: the mcache that holds the span, else
 * its mcentral's lock):
 *   allocBits  - one bit per object, 1 = allocated. Set by the allocating
 *                mcache and cleared by free() on any CPU, both with atomic
 *                bit operations, so free() never takes a lock on the common
 *                path and a double free is seen as a bit already clear.
 *   allocCache - the owner's private copy of the complement of the word
 *                allocBits[cacheword] (1 = free), minus what it has taken
 *                since: count-trailing-zeros of it is the next free object.
 *                Go keeps the same window; it scans with freeindex, we with
 *                cacheword (objects freed behind it wait for the next visit).
 *   cachebits, cachebase, cachelen - &allocBits[cacheword], the address
 *                of its first object and the bytes of the span its
 *                objects cover (less than 64 objects' worth in a span's
 *                last word, or in a span of fewer than 64), set with
 *                allocCache (the fast paths' shortcuts).
 *   ncache, nfreecache - the owner's batch, counted per span as Go counts
 *                per refill rather than per object: ncache adds up the free
 *                objects of every allocCache it loaded, nfreecache the
 *                objects free() put back into allocCache (mallocfast.h).
 *                What the owner allocated is ncache + nfreecache -
 *                popcount(allocCache); the span's counts and the
 *                statistics take the batch when it gives the span back.
 *   allocCount - objects allocated, counting the owner's batch only when
 *                it gives the span back; atomic (free decrements).
 *                free() clears the bit before decrementing, so the count
 *                never undercounts but overcounts by the frees in flight:
 *                a slot freed and re-taken before the decrement lands is
 *                counted twice, so allocCount may exceed nelems.
 *   gcmarkBits - same shape as allocBits: 1 = found reachable by the
 *                current mark (atomic OR, any marking CPU). Sweeping makes
 *                it the new allocBits and clears the old array to become
 *                the next gcmarkBits (Go's gcmarkBits/allocBits swap).
 *
 * GC state (kernel/gc):
 *   collect    - objects are GC objects (mallocgc): marked, swept, freed
 *                when unreachable. false: malloc's objects, never swept,
 *                scanned as roots. Fixed while the span is in use.
 *   sweepgen   - relative to mheap_sweepgen (sg, +2 per cycle):
 *                  sg-2  needs sweeping for this cycle,
 *                  sg-1  being swept (by whoever moved it from sg-2),
 *                  sg    swept, usable.
 *                Atomic: claimed by compare-and-swap, published by a
 *                release store (kernel/gc/mgcsweep.c).
 */
#ifndef KERNEL_MM_MSPAN_H
#define KERNEL_MM_MSPAN_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "arch/arch.h"
#include "kernel/mm/sizeclasses.h"

enum mspanstate { mSpanDead = 0, mSpanFree, mSpanInUse, mSpanManual, mSpanInit };

struct mspanlist;

struct mspan {
	/* First, at offset 0: GCC 12 makes a relaxed atomic store an
	 * address-register-only instruction (riscv64's amoswap, aarch64's
	 * str [xN] form), so any other offset costs the allocation and the
	 * free fast paths an add each (mallocfast.h). */
	uint64_t allocCache;         /* owner writes; statistics read (relaxed) */
	struct mspan *next, *prev;   /* links of the list holding it */
	struct mspanlist *list;      /* that list, or NULL */
	uintptr_t startAddr;         /* first byte */
	uintptr_t npages;            /* runtime pages */
	union {
		struct {
			uint8_t state;  /* enum mspanstate; mheap.lock, atomic
			                   stores (span_setstate, span_publish) */
			bool collect;   /* GC objects (true) or malloc's (false) */
		};
		uint16_t state_collect; /* both, for the mark's one-load test
		                           (mgcmark.c; little-endian) */
	};
	spanclass_t spanclass;       /* size class * 2 + noscan */
	uint16_t nelems;             /* objects in the span */
	uintptr_t elemsize;          /* object size (large: the whole span) */
	uint32_t divmul;             /* class_to_divmul of the class */
	uint32_t cacheword;          /* word of allocBits allocCache mirrors */
	uint32_t ncache;             /* owner: free objects of the allocCaches loaded */
	uint32_t nfreecache;         /* owner: objects free() put back into allocCache */
	int32_t allocCount;          /* atomic: allocated objects (see above) */
	int32_t cachedby;            /* P id + 1 of the mcache holding it; mcentral lock */
	uint64_t *cachebits;         /* &allocBits[cacheword] */
	uintptr_t cachebase;         /* address of object cacheword * 64 */
	uintptr_t cachelen;          /* bytes of the span from cachebase that
	                                allocCache covers: min(64, objects
	                                left) * elemsize (free's range test) */
	uint64_t divmagic;           /* free's index and object-start test
	                                (mallocfast.h): small spans
	                                ceil(2^64 / elemsize). For off < 64
	                                objects (cachelen), off * divmagic =
	                                q * 2^64 + low with q = off / elemsize,
	                                and low < divmagic exactly when elemsize
	                                divides off: low = q * (elemsize *
	                                divmagic - 2^64) < 64 * elemsize then,
	                                else >= divmagic - which needs
	                                divmagic > 64 * elemsize, true up to
	                                2^29 bytes (small objects: 32 KiB).
	                                Large spans: 1 (index 0, low = off). */
	uint64_t *allocBits;         /* atomic bit operations */
	uint64_t *gcmarkBits;        /* marks of the current cycle; atomic OR */
	uint64_t *checkmarkBits;     /* gccheckmark=1 only, during verification */
	uint32_t sweepgen;           /* see above; atomic */
	uint32_t nfreeAtCache;       /* free objects when an mcache took it (heapLive) */
	void *manualFreeList;        /* mSpanManual stack pages: free 4 KiB halves */
	uint32_t satbEpoch;          /* gc_satb_epoch when published: a span
	                                published during a snapshot mark held
	                                nothing reachable at its T0 */
};

/* A doubly linked list of spans; the holder's lock protects it (first
 * may also be peeked at without it: mspan.c). */
struct mspanlist {
	struct mspan *first, *last;
};

void spanlist_insert(struct mspanlist *l, struct mspan *s);    /* at the front */
void spanlist_remove(struct mspanlist *l, struct mspan *s);
static inline bool spanlist_empty(const struct mspanlist *l) { return l->first == NULL; }

/* Words of allocBits for n objects. */
static inline uint32_t span_bitwords(uint32_t nelems) { return (nelems + 63) / 64; }

/* Set a span up for objects of span class sc: sizes, cleared bits (which
 * the caller allocated: 2 * span_bitwords words, alloc then mark), and an
 * allocCache for word 0. */
void span_init_small(struct mspan *s, spanclass_t sc, uint64_t *bits);
/* The same for one large object filling the span. */
void span_init_large(struct mspan *s, spanclass_t sc, uint64_t *bits);

/* Load allocCache from allocBits[word]; bits past nelems read as taken.
 * Inline for the allocation's word refill (mcache.c), which then calls
 * nothing; span_refill_cache is the same out of line. */
static inline __attribute__((always_inline)) void span_load_cache(struct mspan *s, uint32_t word)
{
	/* acquire: pairs with span_clear_alloc's release in another CPU's
	 * free, so that its last use of an object it freed (realloc's copy
	 * out of it) happens before this CPU hands the object out and zeroes
	 * it. Frees racing with this load are merely not seen yet. Once per
	 * 64 objects: off the allocation fast path. */
	uint64_t free = ~__atomic_load_n(&s->allocBits[word], __ATOMIC_ACQUIRE);
	uint32_t first = word * 64, n = 64;
	if (first + 64 > s->nelems) {              /* the tail is not objects */
		n = s->nelems - first;
		free &= (1ULL << n) - 1;
	}
	s->cacheword = word;
	s->cachebits = &s->allocBits[word];
	s->cachebase = s->startAddr + (uintptr_t)first * s->elemsize;
	s->cachelen = (uintptr_t)n * s->elemsize;
	/* relaxed: the statistics read it (span_cache_taken) */
	__atomic_store_n(&s->allocCache, free, __ATOMIC_RELAXED);
}
void span_refill_cache(struct mspan *s, uint32_t word);

/* The index of a one-bit word: the arch's fastest (arch.h; rv64gc has no
 * ctz instruction: riscv64 uses a de Bruijn table). */
static inline __attribute__((always_inline)) uintptr_t bit_index(uint64_t bit)
{
	return arch_bit_index(bit);
}

/* Trailing zeros of a non-zero word. */
static inline unsigned ctz64(uint64_t x)
{
	return bit_index(x & -x);
}

/* Bits set in a 64-bit word (SWAR: rv64gc has no popcount instruction). */
static inline unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

_Noreturn void span_double_alloc(struct mspan *s, uint32_t idx);

/* The owner's batch so far: objects it allocated from its allocCaches
 * (see above). Relaxed loads: the statistics read other Ps' spans. */
static inline uint32_t span_cache_taken(const struct mspan *s)
{
	return __atomic_load_n(&s->ncache, __ATOMIC_RELAXED) +
	       __atomic_load_n(&s->nfreecache, __ATOMIC_RELAXED) -
	       popcount64(__atomic_load_n(&s->allocCache, __ATOMIC_RELAXED));
}

/* The allocation path of mcache.c (mallocfast.h has its own): the index of
 * a free object, marked allocated, or -1 if the span has no free object
 * left from the owner's view. Owner only. */
static inline int span_next_free(struct mspan *s)
{
	uint64_t c = s->allocCache;
	while (c == 0) {
		if (s->cacheword + 1 >= span_bitwords(s->nelems))
			return -1;
		span_refill_cache(s, s->cacheword + 1);
		c = s->allocCache;
		s->ncache += popcount64(c);     /* counted ahead (above) */
	}
	uint64_t bit = c & -c;
	s->allocCache = c & (c - 1);
	/* relaxed: the bit only arbitrates with free() of the same object,
	 * which cannot happen before this allocation returns it; publication
	 * of the object's contents is the caller's business. */
	uint64_t was = __atomic_fetch_or(s->cachebits, bit, __ATOMIC_RELAXED);
	if (was & bit)
		span_double_alloc(s, s->cacheword * 64 + ctz64(bit));
	return (int)(s->cacheword * 64 + ctz64(bit));
}

/* Every other change of a span's state (heap lock held). relaxed: the
 * concurrent mark reads the state of any struct the span map names, even
 * a stale one, and acts only on mSpanInUse (span_publish's release), so
 * the other states need no ordering, only no torn or racing store. */
static inline void span_setstate(struct mspan *s, int state)
{
	__atomic_store_n(&s->state, (uint8_t)state, __ATOMIC_RELAXED);
}

/* An mSpanInit span's fields are all set: make it mSpanInUse. Release;
 * pairs with the acquire load of the state in the concurrent mark
 * (mgcmark.c, greyobject) and in mheap_arena_spans. */
static inline void span_publish(struct mspan *s)
{
	extern uint32_t gc_satb_epoch;  /* kernel/gc/mgcsatb.c */
	/* relaxed: changed only with the world stopped; published with the
	 * span by the release store below */
	s->satbEpoch = __atomic_load_n(&gc_satb_epoch, __ATOMIC_RELAXED);
	__atomic_store_n(&s->state, (uint8_t)mSpanInUse, __ATOMIC_RELEASE);
}

/* Object index of address p inside small span s. */
static inline uint32_t span_objindex(const struct mspan *s, uintptr_t p)
{
	return (uint32_t)(((uint64_t)(p - s->startAddr) * s->divmul) >> 32);
}

/* Clear object idx's alloc bit. Returns false if it was already clear
 * (double free). Any CPU. */
static inline bool span_clear_alloc(struct mspan *s, uint32_t idx)
{
	uint64_t m = 1ULL << (idx % 64);
	/* acq_rel: orders the caller's last use of the object before the bit
	 * clear, and pairs with the owner's fetch_or when it reuses it. */
	uint64_t old = __atomic_fetch_and(&s->allocBits[idx / 64], ~m, __ATOMIC_ACQ_REL);
	return (old & m) != 0;
}

/* Mark object idx. True if this call marked it (it was white). Any CPU;
 * the plain load first keeps already-black objects off the atomic path. */
static inline bool span_mark(struct mspan *s, uint32_t idx)
{
	uint64_t m = 1ULL << (idx % 64);
	uint64_t *w = &s->gcmarkBits[idx / 64];
	if (__atomic_load_n(w, __ATOMIC_RELAXED) & m)
		return false;
	/* relaxed: mark bits are read by the sweeper only after the mark is
	 * over, which the workers' termination handshake orders (release /
	 * acquire of workpool.done). */
	return (__atomic_fetch_or(w, m, __ATOMIC_RELAXED) & m) == 0;
}

static inline bool span_is_marked(const struct mspan *s, uint32_t idx)
{
	return (__atomic_load_n(&s->gcmarkBits[idx / 64], __ATOMIC_RELAXED) >> (idx % 64)) & 1;
}

/* The one bitmap allocation holding both arrays (they swap at each sweep):
 * what mheap_free_bits takes back. */
static inline uint64_t *span_bits_base(const struct mspan *s)
{
	return s->allocBits < s->gcmarkBits ? s->allocBits : s->gcmarkBits;
}

/* The bit work of sweeping span s (Go's mspan.sweep, minus the lists):
 * every object allocated but not marked is dead; dead(s, idx, arg) is
 * called for each (poisoning) if not NULL. Then the mark bits become the
 * alloc bits, the old alloc bits are cleared to be the next mark bits,
 * allocCount is recounted and the allocCache reset. Returns the number of
 * objects freed. The caller owns the span (sweepgen sg-1, or STW). */
uint32_t span_sweep_bits(struct mspan *s, void (*dead)(struct mspan *, uint32_t, void *), void *arg);

static inline bool span_is_alloc(const struct mspan *s, uint32_t idx)
{
	return (__atomic_load_n(&s->allocBits[idx / 64], __ATOMIC_RELAXED) >> (idx % 64)) & 1;
}

#endif
