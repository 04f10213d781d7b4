/*
 * mcentral.c - per-class lists of spans (Go's mcentral).
 *
 * Objects: one mcentral per allocation class (malloc.h): 134 for GC spans,
 * 67 for malloc's. Each has its own lock and lists of spans with free
 * objects (partial) and without (full). A span is on one list, or cached by
 * exactly one mcache (cachedby != 0, on no list), or held by one sweeper
 * between popping and filing it (on no list), or back in mheap.
 *
 * GC classes keep two of each list, swept and unswept, indexed by the
 * parity of mheap_sweepgen as Go's partial/full spanSets are: at mark
 * termination sweepgen += 2 turns every swept list into an unswept one in
 * one step. A span comes off an unswept list only to be swept (by the
 * background sweeper, proportional sweeping, or mcentral_exchange's lazy
 * sweep) and is then filed on a swept list. malloc classes are never
 * swept and use list 0 only.
 *
 * Flow: an mcache whose span ran dry trades it (mcentral_exchange, one
 * lock round for both halves): its batch of allocations is added to
 * allocCount, the span is filed as full, partial, or - if everything was
 * freed meanwhile - returned to mheap, and a partial one is taken: a
 * swept one, else one it sweeps itself from the unswept lists (Go's lazy
 * sweep; at most 100 tries), else a fresh one from mheap.
 * mcentral_uncacheSpan gives a span back without taking one (a flush).
 * free() only takes the lock when its decrement made a span empty or
 * un-full (freeSlow), to move the span or release it.
 *
 * Locks: mcentral ranks below mheap (kernel/lib/lockrank.h), and one
 * mcentral lock is held at a time (one rank, no two at once). Sweeping a
 * span happens with no mcentral lock held: it files the span under its
 * class's lock, or releases it to mheap.
 */
#include "kernel/mm/malloc.h"
#include "kernel/gc/gc.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"
#include "kernel/sched/runtime2.h"     /* release builds: spin_lock inlined */

struct mcentral {
	spinlock_t lock;
	struct mspanlist partial[2]; /* lock; [sweepgen/2 % 2] = swept */
	struct mspanlist full[2];    /* lock */
	struct mspanlist deferred;   /* lock: large spans emptied while a
	                                concurrent mark ran, released at its
	                                end (mcentral_release_deferred) */
};

static struct mcentral central[NUM_ALLOC_CLASSES];
static uint64_t cached_pages;   /* atomic: pages of spans held by mcaches */
/* Spans on the deferred lists (added under their mcentral's lock, taken
 * with the world stopped); atomic. So that the end of a mark in which no
 * large span was emptied - the common case - takes no lock at all:
 * locking every class's mcentral was 7,000-9,000 instructions of the
 * termination pause. */
static uint32_t ndeferred __attribute__((section(".bss.noscan.mm")));

#define LAZY_SWEEP_BUDGET 100   /* unswept spans lazy_sweep tries (Go's) */

void mcentral_init(void)
{
	for (int i = 0; i < NUM_ALLOC_CLASSES; i++)
		spin_lock_init(&central[i].lock, LOCKRANK_MCENTRAL);
}

/* Index of the swept lists of s's class (unswept: 1 - it). */
static inline int swept_set(bool collect)
{
	return collect ? (int)((__atomic_load_n(&mheap_sweepgen, __ATOMIC_RELAXED) >> 1) & 1) : 0;
}

static void release(struct mspan *s)
{
	ASSERT(s->cachedby == 0 && s->list == NULL && s->state == mSpanInUse);
	mheap_free_bits(span_bits_base(s), span_bitwords(s->nelems));
	mheap_free_span(s);
}

/* The size class of allocation class ac (malloc.h). */
static inline int sizeclass_of(int ac)
{
	return ac < NUM_SPAN_CLASSES ? spanclass_sizeclass((spanclass_t)ac) : ac - NUM_SPAN_CLASSES;
}

static struct mspan *grow(int ac)
{
	bool collect = ac < NUM_SPAN_CLASSES;
	int c = sizeclass_of(ac);
	struct mspan *s = mheap_alloc_span_bits(class_to_allocnpages[c],
	                                        span_bitwords(class_to_nelems[c]));
	if (s == NULL)
		return NULL;
	s->collect = collect;
	span_init_small(s, collect ? (spanclass_t)ac : make_spanclass(c, false), s->allocBits);
	span_publish(s);
	return s;
}

/* File s (swept, on no list) by its count, the lock held. True if s is
 * empty and must go back to mheap instead, which the caller does after
 * the unlock (lock order). */
static inline __attribute__((always_inline)) bool file_locked(struct mcentral *mc, struct mspan *s)
{
	assert_lock_held(&mc->lock);
	int sw = swept_set(s->collect);
	int32_t n = __atomic_load_n(&s->allocCount, __ATOMIC_ACQUIRE);
	/* While a concurrent mark runs, no span goes back to mheap: the mark
	 * reads span structs through the span map without a lock, so one must
	 * not be recycled under it. An empty small span waits on the partial
	 * list (allocations reuse it; a later sweep releases it); a large one
	 * on the deferred list, released when the mark ends. relaxed:
	 * gc_marking changes only with the world stopped, which orders it
	 * with this CPU. */
	bool keep = n == 0 && __atomic_load_n(&gc_marking, __ATOMIC_RELAXED);
	if (keep && s->nelems == 1) {
		spanlist_insert(&mc->deferred, s);
		/* relaxed: read with the world stopped (the stop orders it) */
		__atomic_fetch_add(&ndeferred, 1, __ATOMIC_RELAXED);
	}
	else if (n >= s->nelems)
		spanlist_insert(&mc->full[sw], s);
	else if (n > 0 || keep)
		spanlist_insert(&mc->partial[sw], s);
	return n == 0 && !keep;
}

/* File s and drop the lock. */
static void file_unlock(struct mcentral *mc, struct mspan *s)
{
	bool empty = file_locked(mc, s);
	spin_unlock(&mc->lock);
	if (empty)
		release(s);
}

/* Pop a span to sweep from the unswept lists: partial ones first. */
static struct mspan *pop_unswept_locked(struct mcentral *mc, bool collect)
{
	assert_lock_held(&mc->lock);
	if (!collect)
		return NULL;
	int us = 1 - swept_set(true);
	struct mspan *s = mc->partial[us].first;
	if (s == NULL)
		s = mc->full[us].first;
	if (s != NULL)
		spanlist_remove(s->list, s);
	return s;
}

/* s becomes pid's: its allocCache from word 0 (loaded already: a new
 * span's by span_init_small) and its batch counts from zero. */
static void account_cached(struct mspan *s, int pid, bool loaded)
{
	/* relaxed: free()'s fast path reads it without the lock; only this
	 * P's own cacheSpan and uncacheSpan make it this P's id. */
	__atomic_store_n(&s->cachedby, pid + 1, __ATOMIC_RELAXED);
	int32_t n = __atomic_load_n(&s->allocCount, __ATOMIC_RELAXED);
	s->nfreeAtCache = n < s->nelems ? (uint32_t)(s->nelems - n) : 0;
	if (!loaded)
		span_refill_cache(s, 0);
	/* relaxed stores: the statistics read them (span_cache_taken) */
	__atomic_store_n(&s->ncache, popcount64(s->allocCache), __ATOMIC_RELAXED);
	__atomic_store_n(&s->nfreecache, 0, __ATOMIC_RELAXED);
}

/* mcentral_exchange without a swept partial span: sweep unswept ones
 * until one has room (Go's lazy sweep). Called with the lock held;
 * returns the span, cached for pid, or NULL, without the lock either way.
 * Out of line: the loop's registers would cost every exchange their
 * saves. */
static __attribute__((noinline)) struct mspan *lazy_sweep(struct mcentral *mc, int pid)
{
	for (int budget = LAZY_SWEEP_BUDGET; budget > 0; budget--) {
		struct mspan *s = pop_unswept_locked(mc, true);
		if (s == NULL)
			break;
		spin_unlock(&mc->lock);
		span_ensure_swept(s);   /* or wait for whoever sweeps it in place */
		spin_lock(&mc->lock);
		int32_t n = __atomic_load_n(&s->allocCount, __ATOMIC_ACQUIRE);
		if (n < s->nelems) {    /* free objects, maybe all: use it */
			account_cached(s, pid, false);
			spin_unlock(&mc->lock);
			return s;
		}
		spanlist_insert(&mc->full[swept_set(true)], s);
	}
	spin_unlock(&mc->lock);
	return NULL;
}

/* The mcache's side of giving s back, before the lock: what the owner's
 * batch did not allocate stops counting as live (heapLive had all of
 * nfreeAtCache when it took s). Returns the batch (mspan.h): taken minus
 * the frees put back. */
static inline __attribute__((always_inline)) int32_t uncache_batch(struct mspan *s, uint32_t taken)
{
	int32_t net = (int32_t)taken - (int32_t)s->nfreecache;
	if (s->collect)
		gc_heaplive_add(-((int64_t)s->nfreeAtCache - net) * (int64_t)s->elemsize);
	return net;
}

/* Under the lock: s's batch joins allocCount, it is no one's, and it is
 * filed; true if it must go back to mheap after the unlock. */
static inline __attribute__((always_inline)) bool uncache_locked(struct mcentral *mc, struct mspan *s, int32_t net)
{
	/* acq_rel: pairs with the decrements in free(). */
	int32_t n = __atomic_add_fetch(&s->allocCount, net, __ATOMIC_ACQ_REL);
	__atomic_store_n(&s->ncache, 0, __ATOMIC_RELAXED);      /* statistics read them */
	__atomic_store_n(&s->nfreecache, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->cachedby, 0, __ATOMIC_RELAXED);  /* see account_cached */
	/* n can exceed nelems: a free() on another CPU that has cleared its
	 * object's bit but not yet decremented allocCount leaves that object
	 * counted while this mcache may already have re-taken the slot (a
	 * slot freed in flight is counted twice until the decrement lands).
	 * allocCount never undercounts, so n == 0 means really empty; a span
	 * with n >= nelems is filed as full and the pending decrements bring
	 * it back through nelems - 1 (freeSlow) as usual. */
	ASSERT(n >= 0);
	return file_locked(mc, s);
}

struct mspan *mcentral_exchange(struct mspan *old, uint32_t taken, int ac, int pid)
{
	struct mcentral *mc = &central[ac];
	bool collect = ac < NUM_SPAN_CLASSES;
	uintptr_t npages = class_to_allocnpages[sizeclass_of(ac)];
	if (collect)
		deduct_sweep_credit(npages);
	int32_t net = old ? uncache_batch(old, taken) : 0;
	spin_lock(&mc->lock);
	/* old first: with free objects (frees in flight) it is taken back */
	bool empty = old && uncache_locked(mc, old, net);
	struct mspan *s = mc->partial[swept_set(collect)].first;
	if (s != NULL) {
		spanlist_remove(&mc->partial[swept_set(collect)], s);
		account_cached(s, pid, false);
		spin_unlock(&mc->lock);
	} else {
		int us = 1 - swept_set(collect);        /* GC classes only */
		if (collect && (mc->partial[us].first != NULL || mc->full[us].first != NULL))
			s = lazy_sweep(mc, pid);        /* drops the lock */
		else
			spin_unlock(&mc->lock);
		/* No lock: a new span is on no list and holds no object
		 * yet, so no free() can reach freeSlow for it, and nobody
		 * else writes it. */
		if (s == NULL && (s = grow(ac)) != NULL)
			account_cached(s, pid, true);
	}
	if (empty)
		release(old);
	/* statistic: every span of the class has npages, so an exchange
	 * that gets a span for one leaves it as it is */
	if ((old != NULL) != (s != NULL))
		__atomic_fetch_add(&cached_pages, s ? npages : -npages, __ATOMIC_RELAXED);
	if (s == NULL)
		return NULL;
	if (collect)
		gc_heaplive_add((int64_t)s->nfreeAtCache * (int64_t)s->elemsize);
	return s;
}

void mcentral_uncacheSpan(struct mspan *s, uint32_t taken)
{
	struct mcentral *mc = &central[span_aclass(s)];
	__atomic_fetch_sub(&cached_pages, s->npages, __ATOMIC_RELAXED);  /* statistic */
	int32_t net = uncache_batch(s, taken);
	spin_lock(&mc->lock);
	bool empty = uncache_locked(mc, s, net);
	spin_unlock(&mc->lock);
	if (empty)
		release(s);
}

void mcentral_freeSlow(struct mspan *s, int ac)
{
	/* ac, not span_aclass(s): other frees may have emptied and released
	 * s since our decrement, and its struct may be dead (debug builds
	 * fill it with 0xdb: a class out of range named a lock that was none)
	 * or another span's; the checks below, under ac's lock, see that. */
	struct mcentral *mc = &central[ac];
	int sw = swept_set(ac < NUM_SPAN_CLASSES);     /* GC class (malloc.h) */
	spin_lock(&mc->lock);
	/* The span may have been cached, moved, popped by a sweeper or
	 * released since the decrement; only an uncached in-use span on one
	 * of our swept lists is ours to act on (whoever holds it otherwise
	 * files it by its count later). */
	/* state: relaxed, span_publish stores it outside this lock (the
	 * lock orders the rest) */
	if (__atomic_load_n(&s->state, __ATOMIC_RELAXED) != mSpanInUse || s->cachedby != 0 ||
	    (s->list != &mc->partial[sw] && s->list != &mc->full[sw])) {
		spin_unlock(&mc->lock);
		return;
	}
	/* File it again by its count: file_unlock keeps an emptied span out
	 * of mheap while a concurrent mark walks the span map (releasing it
	 * here freed its bitmaps under the walk: scan_malloc_span read a
	 * large malloc span's allocBits as NULL). */
	spanlist_remove(s->list, s);
	file_unlock(mc, s);
}

void mcentral_addLarge(struct mspan *s)
{
	struct mcentral *mc = &central[span_aclass(s)];
	spin_lock(&mc->lock);
	spanlist_insert(&mc->full[swept_set(s->collect)], s);
	spin_unlock(&mc->lock);
}

struct mspan *mcentral_popUnswept(int ac)
{
	struct mcentral *mc = &central[ac];
	int us = 1 - swept_set(true);
	/* racy peek first: most classes are empty (relaxed: a hint) */
	if (__atomic_load_n(&mc->partial[us].first, __ATOMIC_RELAXED) == NULL &&
	    __atomic_load_n(&mc->full[us].first, __ATOMIC_RELAXED) == NULL)
		return NULL;
	spin_lock(&mc->lock);
	struct mspan *s = pop_unswept_locked(mc, true);
	spin_unlock(&mc->lock);
	return s;
}

void mcentral_fileSwept(struct mspan *s)
{
	struct mcentral *mc = &central[span_aclass(s)];
	spin_lock(&mc->lock);
	file_unlock(mc, s);
}

uint64_t mcentral_cached_bytes(void)
{
	return __atomic_load_n(&cached_pages, __ATOMIC_RELAXED) * PAGE_SIZE;
}

void mcentral_release_deferred(void)
{
	/* relaxed: the world is stopped; every add was ordered before by
	 * the stop */
	if (__atomic_load_n(&ndeferred, __ATOMIC_RELAXED) == 0)
		return;
	__atomic_store_n(&ndeferred, 0, __ATOMIC_RELAXED);
	for (int i = 0; i < NUM_ALLOC_CLASSES; i++) {
		struct mcentral *mc = &central[i];
		spin_lock(&mc->lock);
		struct mspan *s;
		while ((s = mc->deferred.first) != NULL) {
			spanlist_remove(&mc->deferred, s);
			spin_unlock(&mc->lock);
			release(s);     /* mheap after the unlock (lock order) */
			spin_lock(&mc->lock);
		}
		spin_unlock(&mc->lock);
	}
}
