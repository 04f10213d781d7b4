/*
 * mcentral.c - per-span-class lists of spans (Go's mcentral).
 *
 * Objects: one mcentral per span class (134), each with its own lock and
 * two lists: partial (some free objects) and full (none, as far as the
 * counts say). A span is on one of them, or cached by exactly one mcache
 * (cachedby != 0, on no list), or back in mheap.
 *
 * Flow: an mcache whose span ran dry gives it back (uncacheSpan: its batch
 * of allocations is added to allocCount, then the span is filed as full,
 * partial, or - if everything was freed meanwhile - returned to mheap) and
 * takes a partial one (cacheSpan), or a fresh one grown from mheap.
 * free() only touches the lock when its decrement made a span empty or
 * un-full (freeSlow), so it can move the span or release it.
 *
 * Lock order: mcentral.lock -> mheap.lock. Difference from Go: Go sweeps
 * spans to find free objects and has no free(); here free() clears the bit
 * at once and the counts drive the lists.
 */
#include "kernel/mm/malloc.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"

struct mcentral {
	spinlock_t lock;
	struct mspanlist partial;   /* lock */
	struct mspanlist full;      /* lock */
};

static struct mcentral central[NUM_SPAN_CLASSES];
static uint64_t cached_pages;   /* atomic: pages of spans held by mcaches */

static void release(struct mspan *s)
{
	mheap_free_bits(s->allocBits, span_bitwords(s->nelems));
	mheap_free_span(s);
}

static struct mspan *grow(spanclass_t sc)
{
	int c = spanclass_sizeclass(sc);
	struct mspan *s = mheap_alloc_span(class_to_allocnpages[c], mSpanInUse);
	if (s == NULL)
		return NULL;
	uint64_t *bits = mheap_alloc_bits(span_bitwords(class_to_nelems[c]));
	if (bits == NULL) {
		mheap_free_span(s);
		return NULL;
	}
	span_init_small(s, sc, bits);
	return s;
}

struct mspan *mcentral_cacheSpan(spanclass_t sc, int pid)
{
	struct mcentral *mc = &central[sc];
	spin_lock(&mc->lock);
	struct mspan *s = mc->partial.first;
	if (s != NULL) {
		spanlist_remove(&mc->partial, s);
	} else {
		spin_unlock(&mc->lock);
		s = grow(sc);
		if (s == NULL)
			return NULL;
		spin_lock(&mc->lock);
	}
	s->cachedby = pid + 1;
	s->ncache = 0;
	span_refill_cache(s, 0);
	spin_unlock(&mc->lock);
	__atomic_fetch_add(&cached_pages, s->npages, __ATOMIC_RELAXED);  /* statistic */
	return s;
}

void mcentral_uncacheSpan(struct mspan *s)
{
	struct mcentral *mc = &central[s->spanclass];
	__atomic_fetch_sub(&cached_pages, s->npages, __ATOMIC_RELAXED);  /* statistic */
	spin_lock(&mc->lock);
	/* acq_rel: pairs with the decrements in free(). */
	int32_t n = __atomic_add_fetch(&s->allocCount, (int32_t)s->ncache, __ATOMIC_ACQ_REL);
	s->ncache = 0;
	s->cachedby = 0;
	if (n == 0) {
		spin_unlock(&mc->lock);
		release(s);
		return;
	}
	/* n can exceed nelems: a free() on another CPU that has cleared its
	 * object's bit but not yet decremented allocCount leaves that object
	 * counted while this mcache may already have re-taken the slot (a
	 * slot freed in flight is counted twice until the decrement lands).
	 * allocCount never undercounts, so n == 0 above is really empty; a
	 * span with n >= nelems is filed as full and the pending decrements
	 * bring it back through nelems - 1 (freeSlow) as usual. */
	ASSERT(n > 0);
	if (n >= s->nelems)
		spanlist_insert(&mc->full, s);
	else
		spanlist_insert(&mc->partial, s);
	spin_unlock(&mc->lock);
}

void mcentral_freeSlow(struct mspan *s, spanclass_t sc)
{
	struct mcentral *mc = &central[sc];
	spin_lock(&mc->lock);
	/* The span may have been cached, moved or released since the
	 * decrement; only an uncached in-use span of this class on one of our
	 * lists is ours to act on. */
	if (s->state != mSpanInUse || s->spanclass != sc || s->cachedby != 0 ||
	    (s->list != &mc->partial && s->list != &mc->full)) {
		spin_unlock(&mc->lock);
		return;
	}
	int32_t n = __atomic_load_n(&s->allocCount, __ATOMIC_ACQUIRE);
	if (n == 0) {
		spanlist_remove(s->list, s);
		spin_unlock(&mc->lock);
		release(s);
		return;
	}
	if (s->list == &mc->full && n < s->nelems) {
		spanlist_remove(&mc->full, s);
		spanlist_insert(&mc->partial, s);
	}
	spin_unlock(&mc->lock);
}

uint64_t mcentral_cached_bytes(void)
{
	return __atomic_load_n(&cached_pages, __ATOMIC_RELAXED) * PAGE_SIZE;
}
