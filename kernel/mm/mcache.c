/*
 * mcache.c - per-P allocation caches and the allocation paths (Go's mcache
 * and mallocgc).
 *
 * Objects: one mcache per P (p->mcache = &mcaches[p->id]), holding one
 * span per allocation class. Only the goroutine running on that P touches
 * it, with preemption deferred (acquirem) so it cannot move to another P
 * half-way: no locks.
 * Code running without a P (g0 of an idle CPU) uses mcache0 under a lock.
 *
 * Allocation, by size:
 *   tiny   (noscan, < 16 B): carved from a 16-byte block the mcache keeps,
 *          aligned to the object's natural alignment (Go's tiny allocator);
 *   small  (<= 32 KiB): the size class's span in the mcache; its allocCache
 *          gives the next free object in a few instructions; an exhausted
 *          span goes back to mcentral for another;
 *   large  (> 32 KiB): whole pages straight from mheap, one object per span.
 * Every object is returned zeroed.
 *
 * free: an object in the allocCache word of a span this P caches goes
 * straight back into allocCache (mallocfast.h). Otherwise (free_impl)
 * the alloc bit is cleared atomically (a bit already clear is a
 * double free), the span's count drops, and only when the span becomes
 * empty or stops being full does mcentral's lock get involved (large
 * objects: always, to leave their class's list and go back to mheap).
 * free() of a GC object first makes sure its span is swept for this cycle
 * (kernel/gc/mgcsweep.c), and the whole free runs with preemption
 * deferred, so no GC cycle can start half-way.
 *
 * Out of memory: before dying, an allocation at a safe point runs a full
 * GC cycle and tries once more (the RAM of a board is all there is).
 */
#include <string.h>
#include "kernel/mm/malloc.h"
#include "kernel/sched/runtime2.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/gc/gc.h"
#include "kernel/mm/mallocfast.h"
#include "kernel/lib/asan.h"

struct mspan emptymspan;                 /* nelems 0: never has a free object */
#define EMPTY_CACHE { .lastspan = &emptymspan, .bits = ARCH_BIT_TABLE_INIT, .alloc = { [0 ... NUM_ALLOC_CLASSES - 1] = &emptymspan }, \
	.bysize = { [0 ... SIZE_KINDS - 1] = { [0 ... FAST_SIZE_MAX / SMALL_SIZE_DIV - 1] = &emptymspan } } }
static struct mcache mcaches[MAXCPU] = { [0 ... MAXCPU - 1] = EMPTY_CACHE };  /* allp[i].mcache */
static struct mcache mcache0 = EMPTY_CACHE;  /* for allocation without a P */
/* m->mcache without a P (runtime2.h, m_setp): never holds a span, and its
 * free key -1 matches no span's cachedby, so both fast paths leave for
 * the complete ones at their first test. */
struct mcache mcache_none = EMPTY_CACHE;
static spinlock_t mcache0_lock = SPINLOCK_INIT(LOCKRANK_MCACHE0);

/* Pin to a P and return its mcache (mcache_put undoes it); without a P,
 * mcache0 under its lock. */
static inline struct mcache *mcache_get(void)
{
	mcache_pin();
	struct p *pp = getm()->p;
	if (__builtin_expect(pp != NULL, 1))
		return pp->mcache;
	spin_lock(&mcache0_lock);
	return &mcache0;
}

static inline void mcache_put(struct mcache *c)
{
	if (__builtin_expect(c == &mcache0, 0))
		spin_unlock(&mcache0_lock);
	if (mcache_unpin(getg()))
		releasem();     /* a preemption request while pinned: yield */
}

/* The entries of mcache.bysize that name an allocation class's span: row
 * aclass_kind[ac], from aclass_first[ac], aclass_n[ac] of them (a class
 * covers consecutive sizes of one kind). Built by mcache_init. */
static uint8_t aclass_kind[NUM_ALLOC_CLASSES];
static uint8_t aclass_first[NUM_ALLOC_CLASSES];
static uint8_t aclass_n[NUM_ALLOC_CLASSES];
/* The GC classes (0 .. NUM_SPAN_CLASSES - 1, malloc.h), a bit per class:
 * the ones whose free objects a concurrent mark's start marks and its end
 * unmarks (mcache_mark_begin, mcache_mark_end). Built by mcache_init. */
#define CACHED_WORDS ((NUM_ALLOC_CLASSES + 63) / 64)
static uint64_t gc_aclass[CACHED_WORDS];

/* Per mcache (mcaches[i]; mcache0 last), bit ac: alloc[ac] holds a span,
 * not emptymspan. Kept by mcache_setspan (so written by the owner, or
 * with the world stopped; mcache0's under its lock), read by the same:
 * mark termination's flush and the mark's start visit only the classes
 * that hold a span, not all 134 of every mcache (9 mcaches: about 10,000
 * instructions of riscv64's -smp 4 termination pause, docs/gc.md "Where
 * the pauses go"). In .bss.noscan: it holds no pointer, and the pauses
 * write it (a tracked page is write-protected there). */
static uint64_t cached[MAXCPU + 1][CACHED_WORDS] __attribute__((section(".bss.noscan.mm")));

static inline uint64_t *cached_of(const struct mcache *c)
{
	return c->cached;       /* cached[c == &mcache0 ? MAXCPU : c - mcaches] */
}

void mcache_init(void)
{
	for (int i = 0; i < MAXCPU; i++) {
		allp[i].mcache = &mcaches[i];
		mcaches[i].freekey = i + 1;
		mcaches[i].cached = cached[i];
		mcaches[i].pid = i;
	}
	mcache0.cached = cached[MAXCPU];
	mcache0.pid = MAXCPU;
	mcache0.freekey = MAXCPU + 1;   /* never read: free's fast path needs a P */
	mcache_none.freekey = -1;       /* before the first free(): no heap yet */
	for (int kind = 0; kind < SIZE_KINDS; kind++) {
		bool collect = kind != 0, noscan = kind == 2;
		/* entry i: sizes 8i+1 .. 8i+8 */
		for (int i = 0; i < FAST_SIZE_MAX / SMALL_SIZE_DIV; i++) {
			int ac = aclass_of(collect, size_to_class8[i + 1], noscan);
			if (aclass_n[ac]++ == 0) {
				aclass_kind[ac] = (uint8_t)kind;
				aclass_first[ac] = (uint8_t)i;
			}
			ASSERT(aclass_kind[ac] == kind && aclass_first[ac] + aclass_n[ac] == i + 1);
		}
	}
	/* every GC class, not only those with bysize entries: a class over
	 * FAST_SIZE_MAX is allocated black by alloc_small, and its marks
	 * ahead must be taken back too (mcache_mark_end) */
	for (int ac = 0; ac < NUM_SPAN_CLASSES; ac++)
		gc_aclass[ac / 64] |= 1ULL << (ac % 64);
}

/* Allocate black. While a concurrent mark runs, every GC object allocated
 * must be marked (black: the mark will not scan it, and a snapshot mark
 * would never find it - docs/gc.md, "Allocate black"). Go marks each
 * object as it allocates it (gcmarknewobject), which costs its fast path
 * a test of the GC phase on every allocation. Here the mark bits are set
 * ahead, a word at a time: all the free objects of the allocCache word an
 * mcache allocates from are marked before any of them is handed out, so
 * the fast path (mallocfast.h) allocates black without a test, a store
 * or a branch of its own:
 *   the mark's start (mcache_mark_begin, world stopped) marks the free
 *     objects of the word each running P's GC classes hold;
 *   a word loaded during the mark is marked as it is loaded: the fast
 *     path's rare end that loads words (mallocgc_fast_nextword, once in
 *     64 allocations at most, the one place that tests gc_marking), a
 *     new span (mallocgc_fast_nextspan) and the complete path
 *     (alloc_small, which serves mcache0 too);
 *   what is still free when the mark ends is unmarked again
 *     (mcache_mark_end, world stopped, before the bytes allocated black
 *     are totalled), as is a span's word an mcache gives back during the
 *     mark (uncache), so that the sweep, which makes the mark bits the
 *     new alloc bits, frees nothing twice and keeps nothing free.
 * Both kinds of GC class are allocated black, scan and noscan, as Go
 * does; malloc's objects are never marked (they are roots). */
static inline __attribute__((always_inline)) bool marking(void)
{
	/* relaxed: gc_marking changes only with the world stopped, which
	 * waits for every pinned allocation. (A flag of this file's own
	 * would cost the same: an atomic load on aarch64 takes its address
	 * in a register, one instruction either way.) */
	return __atomic_load_n(&gc_marking, __ATOMIC_RELAXED) != 0;
}

/* Mark the free objects of s's allocCache word, and the object just taken
 * from it (taken: its bit, or 0). */
static void mcache_blacken(struct mspan *s, uint64_t taken)
{
	uint64_t free = s->allocCache | taken;
	if (s->collect && free != 0)
		gc_markfree(s, s->cacheword, free);
}

/* c's span for class ac becomes s: alloc[] and its bysize entries. */
static void mcache_setspan(struct mcache *c, unsigned ac, struct mspan *s)
{
	/* relaxed store of alloc[]: the statistics read it (mcache_sum_stats) */
	__atomic_store_n(&c->alloc[ac], s, __ATOMIC_RELAXED);
	uint64_t *w = &cached_of(c)[ac / 64], bit = 1ULL << (ac % 64);
	*w = s != &emptymspan ? *w | bit : *w & ~bit;
	struct mspan **e = &c->bysize[aclass_kind[ac]][aclass_first[ac]];
	for (int i = 0; i < aclass_n[ac]; i++)
		e[i] = s;
}

/* The cached GC spans of c, each passed to fn. */
static void for_cached_gc(struct mcache *c, void (*fn)(struct mspan *))
{
	for (int w = 0; w < CACHED_WORDS; w++)
		for (uint64_t b = cached_of(c)[w] & gc_aclass[w]; b != 0; b &= b - 1)
			fn(c->alloc[w * 64 + __builtin_ctzll(b)]);
}

static void blacken_cached(struct mspan *s)
{
	mcache_blacken(s, 0);
}

static void unblacken_cached(struct mspan *s)
{
	if (s->allocCache != 0)
		gc_unmarkfree(s, s->cacheword, s->allocCache);
}

/* Only the Ps in use, and only their GC classes. A P at or past
 * gomaxprocs runs nothing until the mark ends: startTheWorld retires it,
 * and GOMAXPROCS, which could bring it back, waits for worldsema, which
 * the cycle holds to its end. Its mcache is left alone - every one of its
 * stores would be a write fault inside the start pause (the mcaches are
 * tracked .data, write-protected since the arm, and the idle Ps' pages
 * are not written meanwhile; docs/gc.md, "Where the pauses go"). The
 * running Ps' mcaches get one store each (freekey); the marks go to the
 * spans' mark bits, which are not tracked. */
void mcache_mark_begin(void)
{
	/* relaxed: the world is stopped; only GOMAXPROCS stores it */
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	for (int i = 0; i < np; i++) {
		struct mcache *c = &mcaches[i];
		c->freekey = -1;                /* free()s take free_impl */
		for_cached_gc(c, blacken_cached);
	}
}

/* The Ps that ran during the mark, and mcache0 (alloc_small marked its
 * words as it allocated). */
void mcache_mark_end(void)
{
	/* relaxed: as in mcache_mark_begin */
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	for (int i = 0; i < np; i++)
		for_cached_gc(&mcaches[i], unblacken_cached);
	for_cached_gc(&mcache0, unblacken_cached);
}

static inline void zero_small(void *p, size_t n)
{
	if (n <= 64)
		zero_upto64(p, n);      /* sizes are multiples of 8 */
	else
		memset(p, 0, n);
}

static int mcache_pid(struct mcache *c)
{
	return c->pid;          /* c == &mcache0 ? MAXCPU : c - mcaches */
}

/* The mcache's side of giving s back: no longer lastspan, the marks
 * ahead taken back, the batch it served in c's statistics (mspan.h).
 * Returns the objects it allocated from s (span_cache_taken), for
 * mcentral to count. */
static uint32_t uncache_mine(struct mcache *c, struct mspan *s)
{
	if (c->lastspan == s)
		c->lastspan = &emptymspan;      /* no longer ours (malloc.h) */
	/* Given back during a mark (FlushMCache; a refill's span has no
	 * free object left): the objects marked ahead are free again. */
	if (__builtin_expect(marking(), 0) && s->collect)
		unblacken_cached(s);
	int sizeclass = spanclass_sizeclass(s->spanclass);
	uint32_t taken = span_cache_taken(s);
	stat_add(&c->st.nmalloc[sizeclass], taken);
	stat_add(&c->st.nfree[sizeclass], s->nfreecache);
	return taken;
}

/* Give s back to mcentral, counting the batch it served. */
static void uncache(struct mcache *c, struct mspan *s)
{
	mcentral_uncacheSpan(s, uncache_mine(c, s));
}

/* The class's span ran dry: trade it for one with free objects. */
static __attribute__((noinline)) struct mspan *refill(struct mcache *c, int ac, size_t size)
{
	struct mspan *old = c->alloc[ac], *s;
	uint32_t taken = 0;
	if (old != &emptymspan) {
		taken = uncache_mine(c, old);
		/* No longer ours, for the statistics, which read alloc[] of
		 * every P (relaxed: as mcache_setspan's store). The rest of
		 * the mcache - bysize, the cached bit - is read only by its
		 * owner, here, and with the world stopped, which cannot happen
		 * while we are pinned: it changes once, to the new span. */
		__atomic_store_n(&c->alloc[ac], &emptymspan, __ATOMIC_RELAXED);
	} else {
		old = NULL;
	}
	s = mcentral_exchange(old, taken, ac, mcache_pid(c));
	mcache_setspan(c, ac, s ? s : &emptymspan);
	return s;                       /* NULL: the caller collects or dies */
}

/* mallocfast.h's rare ends: p stays live in these frames. */
__attribute__((noinline)) void *mallocgc_fast_large(void *p, uintptr_t n, struct g *gp, int32_t np)
{
	memset(p, 0, n);
	if (mcache_unpin_to(gp, np))
		return mallocgc_fast_release(p);
	return p;
}

/* mallocgc_fast_nextword's rare end: s (not emptymspan) is full. Trade
 * it for another here, still pinned, rather than unpin and start over in
 * mallocgc_impl (its size check, pin, P, class lookup and a second
 * span_next_free: about 70 instructions a refill). */
static __attribute__((noinline)) void *
mallocgc_fast_nextspan(size_t size, struct mspan *s, struct g *gp,
                       int32_t np, bool noscan, bool collect)
{
	s = refill(getm()->p->mcache, span_aclass(s), size);
	if (s == NULL)          /* out of memory: the complete path collects */
		return mallocgc_fast_miss(gp, np, size, noscan, collect);
	int idx = span_next_free(s);
	ASSERT(idx >= 0);
	/* A new span's word, during a mark: allocate black ahead (above) */
	if (__builtin_expect(marking(), 0))
		mcache_blacken(s, 1ULL << (idx % 64));
	uintptr_t n = s->elemsize;
	void *p = (void *)(s->startAddr + (uintptr_t)idx * n);
	asan_unpoison(p, n);            /* live again (kernel/lib/asan.h) */
	zero_small(p, n);
	if (mcache_unpin_to(gp, np))
		return mallocgc_fast_release(p);
	/* The new span moved the pacer's heapLive (mcentral_exchange), and
	 * mallocgc_impl looks at the hint after every allocation it makes.
	 * relaxed: a hint; p is live in this frame, so a cycle started here
	 * keeps it. */
	if (__builtin_expect(__atomic_load_n(&gc_want, __ATOMIC_RELAXED), 0))
		gc_maybe_start();
	return p;
}

/* The bit table of the word refill, which has no mcache pointer at hand
 * (mcache.bits is the fast path's copy, malloc.h). */
static const struct arch_bit_table word_bits = ARCH_BIT_TABLE_INIT;

/* mallocgc_fast_nextword's end during a mark: cache, just loaded, is
 * marked first. */
static __attribute__((noinline)) void *
mallocgc_fast_blackword(struct mspan *s, uint64_t cache, struct g *gp, int32_t np)
{
	mcache_blacken(s, 0);           /* allocCache is cache */
	/* counted ahead (mspan.h); relaxed: the statistics read it */
	__atomic_store_n(&s->ncache, s->ncache + popcount64(cache), __ATOMIC_RELAXED);
	return mallocgc_from_cache(s, cache, gp, np, &word_bits);
}

FASTPATH_ENTRY void *mallocgc_fast_nextword(size_t size, struct mspan *s, struct g *gp,
                             int32_t np, bool noscan, bool collect)
{
	/* Pinned, and s is this P's span for the size (or emptymspan, whose
	 * nelems is 0: no word to load). It is the class's alloc[] span: the
	 * table shows nothing else. The common case - the next word has a
	 * free object, no mark runs - calls nothing, so this frame saves no
	 * register, and allocates as the fast path does. */
	uint32_t nw = span_bitwords(s->nelems), w = s->cacheword;
	uint64_t cache;
	do {
		if (__builtin_expect(++w >= nw, 0)) {
			if (s == &emptymspan)
				return mallocgc_fast_miss(gp, np, size, noscan, collect);
			return mallocgc_fast_nextspan(size, s, gp, np, noscan, collect);
		}
		span_load_cache(s, w);
		cache = s->allocCache;
	} while (cache == 0);
	/* A word loaded during a mark: marked before any of its objects is
	 * handed out (allocate black, above). */
	if (__builtin_expect(marking(), 0))
		return mallocgc_fast_blackword(s, cache, gp, np);
	/* counted ahead (mspan.h); relaxed: the statistics read it */
	__atomic_store_n(&s->ncache, s->ncache + popcount64(cache), __ATOMIC_RELAXED);
	return mallocgc_from_cache(s, cache, gp, np, &word_bits);
}

void free_fast_release(void)
{
	releasem();                     /* a preemption request while pinned: yield */
}

_Noreturn void free_double(const char *who, void *p)
{
	throw("%s: double free of %p", who, p);
}

void *mallocgc_fast_release(void *p)
{
	releasem();                     /* may yield: p is held here */
	if (__atomic_load_n(&gc_want, __ATOMIC_RELAXED))
		gc_maybe_start();
	return p;
}

_Noreturn void mallocgc_oom(size_t size)
{
	struct heapstats hs;
	mheap_stats(&hs);
	printk("runtime: out of memory: cannot allocate %zu-byte block "
	       "(HeapSys %llu, HeapInuse %llu, HeapIdle %llu, StackInuse %llu in %llu free runs)\n",
	       size, (unsigned long long)(hs.sys_pages * PAGE_SIZE),
	       (unsigned long long)(hs.inuse_pages * PAGE_SIZE),
	       (unsigned long long)(hs.free_pages * PAGE_SIZE),
	       (unsigned long long)(hs.stack_pages * MMU_PAGE_SIZE),
	       (unsigned long long)hs.nruns);
	throw("runtime: out of memory");
}

static inline void *alloc_small(struct mcache *c, int ac, size_t size)
{
	struct mspan *s = c->alloc[ac];
	int idx = span_next_free(s);
	if (__builtin_expect(idx < 0, 0)) {
		s = refill(c, ac, size);
		if (s == NULL)
			return NULL;
		idx = span_next_free(s);
		ASSERT(idx >= 0);
	}
	/* During a mark, the object and the rest of its word: allocate
	 * black ahead (above; idempotent, and mcache0's words are marked
	 * only here) */
	if (__builtin_expect(marking(), 0))
		mcache_blacken(s, 1ULL << (idx % 64));
	void *p = (void *)(s->startAddr + (uintptr_t)idx * s->elemsize);
	asan_unpoison(p, s->elemsize);  /* live again (kernel/lib/asan.h) */
	zero_small(p, s->elemsize);
	return p;
}

/* An allocation failed for lack of memory (attempt 0, 1, ...): the first
 * time, if this is a safe point, run a full cycle and let the caller try
 * again; otherwise it is fatal. */
static void out_of_memory(size_t size, int attempt)
{
	if (attempt == 0 && gc_collect_for_oom())
		return;
	mallocgc_oom(size);
}

static __attribute__((noinline)) void *alloc_large(size_t size, bool noscan, bool collect)
{
	size_t npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	if (size > SIZE_MAX - PAGE_SIZE)
		mallocgc_oom(size);
	struct mcache *c;
	struct mspan *s;
	for (int attempt = 0;; attempt++) {
		/* Preemption deferred throughout: a stop-the-world must not
		 * find the span half made (the GC walks every in-use span). */
		c = mcache_get();
		if (collect)
			deduct_sweep_credit(npages);
		s = mheap_alloc_span(npages, mSpanInUse);
		uint64_t *bits = s ? mheap_alloc_bits(1) : NULL;
		if (bits != NULL) {
			s->allocBits = bits;    /* span_init_large takes it */
			break;
		}
		if (s)
			mheap_free_span(s);
		mcache_put(c);
		out_of_memory(size, attempt);
	}
	uint64_t *bits = s->allocBits;
	s->collect = collect;
	span_init_large(s, make_spanclass(0, noscan), bits);
	memset((void *)s->startAddr, 0, npages * PAGE_SIZE);
	bits[0] = 1;
	s->allocCount = 1;
	/* relaxed: published with the span just below */
	if (collect && __atomic_load_n(&gc_marking, __ATOMIC_RELAXED))
		gc_marknewobject(s, 0);         /* allocate black */
	span_publish(s);
	mcentral_addLarge(s);
	stat_add(&c->st.nmalloc[0], 1);
	stat_add(&c->st.large_alloc_bytes, npages * PAGE_SIZE);
	/* Hold the object's own address from here on: mcache_put may yield
	 * (a preemption was pending), a GC may run, and a pointer to the span
	 * struct does not keep the object alive. */
	void *p = (void *)s->startAddr;
	mcache_put(c);
	if (collect)
		gc_heaplive_add((int64_t)(npages * PAGE_SIZE));
	return p;
}

static inline __attribute__((always_inline)) void *mallocgc_small1(struct mcache *c, size_t size, bool noscan, bool collect)
{
	void *p;
	if (noscan && collect && size < TINY_SIZE) {
		/* Align to the object's natural alignment, at most 8. */
		uintptr_t off = c->tinyoffset;
		if ((size & 7) == 0)
			off = (off + 7) & ~7UL;
		else if ((size & 3) == 0)
			off = (off + 3) & ~3UL;
		else if ((size & 1) == 0)
			off = (off + 1) & ~1UL;
		if (c->tiny != 0 && off + size <= TINY_SIZE) {
			p = (void *)(c->tiny + off);
			c->tinyoffset = off + size;
			stat_add(&c->st.tinyallocs, 1);
			mcache_put(c);
			return p;               /* the block was zeroed when taken */
		}
		p = alloc_small(c, make_spanclass(2, true), size);
		if (p == NULL)
			return NULL;
		/* Keep whichever block has more room left. */
		if (c->tiny == 0 || size < c->tinyoffset) {
			c->tiny = (uintptr_t)p;
			c->tinyoffset = size;
		}
		mcache_put(c);
		return p;
	}
	int sizeclass = size_to_class(size);
	p = alloc_small(c, aclass_of(collect, sizeclass, noscan), size);
	if (p == NULL)
		return NULL;
	mcache_put(c);
	return p;
}

static void *mallocgc_small(size_t size, bool noscan, bool collect)
{
	for (int attempt = 0;; attempt++) {
		struct mcache *c = mcache_get();
		void *p = mallocgc_small1(c, size, noscan, collect);
		if (__builtin_expect(p != NULL, 1))
			return p;       /* mallocgc_small1 released c */
		mcache_put(c);
		out_of_memory(size, attempt);
	}
}

void *mallocgc_impl(size_t size, bool noscan, bool collect)
{
	if (size == 0)
		size = 1;                       /* distinct pointers, as malloc(0) */
	void *p = size > MAX_SMALL_SIZE ? alloc_large(size, noscan, collect)
	                                : mallocgc_small(size, noscan, collect);
	/* relaxed: a hint set by the pacer; p is live in this frame, so a
	 * cycle started here keeps it. */
	if (__builtin_expect(__atomic_load_n(&gc_want, __ATOMIC_RELAXED), 0))
		gc_maybe_start();
	return p;
}

/* ---- free ------------------------------------------------------------------ */

/* The checks of object_span on a span already looked up. */
static inline void object_check(struct mspan *s, void *ptr, const char *who)
{
	uintptr_t p = (uintptr_t)ptr;
	if (s == NULL)
		throw("%s: invalid pointer %p (not from the heap)", who, ptr);
	if (s->state != mSpanInUse || p < s->startAddr ||
	    p >= s->startAddr + s->npages * PAGE_SIZE) {
		if (s->state == mSpanManual)
			throw("%s: invalid pointer %p (not from malloc: page/stack memory)", who, ptr);
		throw("%s: double free or invalid pointer %p (no object there)", who, ptr);
	}
	uint32_t idx = 0;
	if (spanclass_sizeclass(s->spanclass) != 0) {
		idx = span_objindex(s, p);
		if (idx >= s->nelems || s->startAddr + idx * s->elemsize != p)
			throw("%s: invalid pointer %p (not the start of an object)", who, ptr);
	} else if (p != s->startAddr) {
		throw("%s: invalid pointer %p (not the start of an object)", who, ptr);
	}
	if (!span_is_alloc(s, idx))
		throw("%s: double free of %p", who, ptr);
}

/* ptr's span, its alloc bits this cycle's (a GC span is swept first),
 * and ptr checked to be a live object. The caller is pinned: a GC cycle
 * between the sweep and the check would let the next sweep swap the bits
 * object_check reads (and clear the array it may still hold). */
static struct mspan *object_span_pinned(void *ptr, const char *who)
{
	struct mspan *s = spanOf((uintptr_t)ptr);
	if (s != NULL && s->collect && s->state == mSpanInUse &&
	    __atomic_load_n(&s->sweepgen, __ATOMIC_ACQUIRE) !=
	    __atomic_load_n(&mheap_sweepgen, __ATOMIC_RELAXED))
		span_ensure_swept(s);   /* the bits must be this cycle's */
	object_check(s, ptr, who);
	return s;
}

struct mspan *object_span(void *ptr, const char *who)
{
	struct g *gp = mcache_pin();
	struct mspan *s = object_span_pinned(ptr, who);
	if (mcache_unpin(gp))
		releasem();     /* a preemption request while pinned: yield */
	return s;
}

void poison_fill(void *p, size_t n)
{
	uint64_t *w = p;
	for (size_t i = 0; i < n / 8; i++)
		w[i] = 0xdeadbeefdeadbeefULL;
}

void free_impl(void *ptr, const char *who)
{
	uintptr_t p = (uintptr_t)ptr;
	/* Pinned (preemption deferred) throughout: the whole free happens
	 * between two GC cycles - a stop-the-world in the middle would sweep
	 * the span under us. */
	struct mcache *c = mcache_get();
	struct mspan *s = object_span_pinned(ptr, who);
	int sizeclass = spanclass_sizeclass(s->spanclass);
	uint32_t idx = sizeclass == 0 ? 0 : span_objindex(s, p);
	size_t bytes = s->elemsize;
	if (s->collect) {
		if (__atomic_load_n(&fin_nregistered, __ATOMIC_RELAXED) != 0)
			fin_forget(p);
		gc_heaplive_add(-(int64_t)bytes);
	}
	if (__builtin_expect(__atomic_load_n(&gc_marking, __ATOMIC_RELAXED), 0))
		gc_satb_free(p, bytes);         /* its contents are in the snapshot */
	if (__builtin_expect(rtflags.gcpoison, 0))
		poison_fill(ptr, bytes);
	/* Dead to ASan before the bit is clear: from then on another CPU
	 * may allocate it and unpoison it (x86's TSO orders the shadow's
	 * stores before the clear; ASan builds are hosted x86-64 only). */
	asan_poison(ptr, bytes);
	if (!span_clear_alloc(s, idx))
		free_double(who, ptr);
	int32_t nelems = s->nelems;
	int ac = span_aclass(s);        /* s is ours until the decrement */
	/* acq_rel: pairs with uncacheSpan's add and freeSlow's load. */
	int32_t n = __atomic_sub_fetch(&s->allocCount, 1, __ATOMIC_ACQ_REL);
	if (n == 0 || n == nelems - 1)
		mcentral_freeSlow(s, ac);       /* s may be gone after this */
	stat_add(&c->st.nfree[sizeclass], 1);
	if (sizeclass == 0)
		stat_add(&c->st.large_free_bytes, bytes);
	mcache_put(c);
}

/* Objects the sweeper freed, from any CPU, with or without a P. */
static struct {
	uint64_t nfree[NUM_SIZE_CLASSES];
	uint64_t large_free_bytes;
} swept;

void mcache_count_swept(int sizeclass, uint64_t nobj, uint64_t bytes)
{
	/* relaxed: statistics */
	__atomic_fetch_add(&swept.nfree[sizeclass], nobj, __ATOMIC_RELAXED);
	if (sizeclass == 0)
		__atomic_fetch_add(&swept.large_free_bytes, bytes, __ATOMIC_RELAXED);
}

/* The batches of c's cached spans, not counted yet (mspan.h). Exact for
 * the caller's own mcache; for another P's, which may be giving a span
 * back meanwhile, approximate (as every snapshot under concurrent
 * allocation is). */
static void add_cached_batches(struct mcache *c, struct mcache_stats *out)
{
	for (int ac = 0; ac < NUM_ALLOC_CLASSES; ac++) {
		/* relaxed: the owner's stores (refill) */
		struct mspan *s = __atomic_load_n(&c->alloc[ac], __ATOMIC_RELAXED);
		if (s == &emptymspan)
			continue;
		int sizeclass = spanclass_sizeclass(s->spanclass);
		out->nmalloc[sizeclass] += span_cache_taken(s);
		out->nfree[sizeclass] += __atomic_load_n(&s->nfreecache, __ATOMIC_RELAXED);
	}
}

void mcache_sum_stats(struct mcache_stats *out)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i <= MAXCPU; i++) {
		struct mcache *c = i < MAXCPU ? &mcaches[i] : &mcache0;
		const uint64_t *src = (const uint64_t *)&c->st;
		uint64_t *dst = (uint64_t *)out;
		for (size_t k = 0; k < sizeof *out / sizeof(uint64_t); k++)
			dst[k] += __atomic_load_n(&src[k], __ATOMIC_RELAXED);
	}
	for (int k = 0; k < NUM_SIZE_CLASSES; k++)
		out->nfree[k] += __atomic_load_n(&swept.nfree[k], __ATOMIC_RELAXED);
	for (int i = 0; i <= MAXCPU; i++)
		add_cached_batches(i < MAXCPU ? &mcaches[i] : &mcache0, out);
	out->large_free_bytes += __atomic_load_n(&swept.large_free_bytes, __ATOMIC_RELAXED);
}

static void mcache_flush(struct mcache *c)
{
	/* the classes that hold a span (a copy of each word: setspan
	 * clears its bits as we go) */
	for (int w = 0; w < CACHED_WORDS; w++)
		for (uint64_t b = cached_of(c)[w]; b != 0; b &= b - 1) {
			int ac = w * 64 + __builtin_ctzll(b);
			uncache(c, c->alloc[ac]);
			mcache_setspan(c, ac, &emptymspan);
		}
	/* Stores only if there is something to drop: an idle P's mcache is
	 * on pages the snapshot write-protects, and mark termination flushes
	 * every mcache (a store there is a write fault in the pause). */
	if (c->tiny != 0 || c->tinyoffset != 0) {
		c->tiny = 0;
		c->tinyoffset = 0;
	}
}

void mcache_verify_all(void)
{
	for (int i = 0; i <= MAXCPU; i++) {
		struct mcache *c = i < MAXCPU ? &mcaches[i] : &mcache0;
		for (int ac = 0; ac < NUM_ALLOC_CLASSES; ac++) {
			struct mspan *s = c->alloc[ac];
			if ((cached_of(c)[ac / 64] >> (ac % 64) & 1) != (s != &emptymspan))
				throw("mcache %d class %d: the cached bit says %d, alloc[] %p",
				      i, ac, (int)(cached_of(c)[ac / 64] >> (ac % 64) & 1), (void *)s);
			for (int k = 0; k < aclass_n[ac]; k++)
				if (c->bysize[aclass_kind[ac]][aclass_first[ac] + k] != s)
					throw("mcache %d class %d: bysize[%d][%d] is %p, alloc[] %p",
					      i, ac, aclass_kind[ac], aclass_first[ac] + k,
					      (void *)c->bysize[aclass_kind[ac]][aclass_first[ac] + k], (void *)s);
			if (s == &emptymspan)
				continue;
			if (s->state != mSpanInUse || s->cachedby != (i < MAXCPU ? i : MAXCPU) + 1 ||
			    spanOf(s->startAddr) != s || span_aclass(s) != ac || s->list != NULL)
				throw("mcache %d class %d: span %p start %#lx state %d cachedby %d aclass %d list %p",
				      i, ac, (void *)s, (unsigned long)s->startAddr, s->state, s->cachedby,
				      span_aclass(s), (void *)s->list);
		}
	}
}

void mcache_flush_all(void)
{
	for (int i = 0; i < MAXCPU; i++) {
		mcache_flush(&mcaches[i]);
		/* the mark is over (mcache_mark_begin); no store to an idle
		 * P's mcache, which mcache_mark_begin did not change */
		if (mcaches[i].freekey != i + 1)
			mcaches[i].freekey = i + 1;
	}
	mcache_flush(&mcache0);
}

void FlushMCache(void)
{
	struct mcache *c = mcache_get();
	mcache_flush(c);
	mcache_put(c);
}
