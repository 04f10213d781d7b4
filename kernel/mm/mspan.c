/*
 * mspan.c - span lists and the allocation bitmap of a span (Go's mspan,
 * allocBits/allocCache; see mspan.h for the states and who owns what).
 *
 * The fast path (span_next_free, inline in mspan.h) costs one
 * count-trailing-zeros on a cached 64-bit window and one atomic OR; only
 * when the window is empty does span_refill_cache load the next word.
 */
#include <string.h>
#include "kernel/mm/mspan.h"
#include "kernel/mm/mheap.h"
#include "kernel/lib/print.h"

uint32_t mheap_sweepgen = 2;       /* +2 per GC cycle, at mark termination */

/* l->first is stored with relaxed atomic stores: mcentral_popUnswept
 * peeks at it without the holder's lock (a hint, rechecked under it).
 * Everything else in a list is plain, under the holder's lock. */
static void set_first(struct mspanlist *l, struct mspan *s)
{
	__atomic_store_n(&l->first, s, __ATOMIC_RELAXED);
}

void spanlist_insert(struct mspanlist *l, struct mspan *s)
{
	/* a span is on one list at most, and a dead struct on none */
	ASSERT(s->list == NULL && s->state != mSpanDead);
	s->prev = NULL;
	s->next = l->first;
	if (l->first)
		l->first->prev = s;
	else
		l->last = s;
	set_first(l, s);
	s->list = l;
}

void spanlist_remove(struct mspanlist *l, struct mspan *s)
{
	ASSERT(s->list == l);
	if (s->prev)
		s->prev->next = s->next;
	else
		set_first(l, s->next);
	if (s->next)
		s->next->prev = s->prev;
	else
		l->last = s->prev;
	s->next = s->prev = NULL;
	s->list = NULL;
}

void span_refill_cache(struct mspan *s, uint32_t word)
{
	span_load_cache(s, word);
}

/* Zero n words (a span's bitmaps: 2 to 32): a store a word. The empty asm
 * keeps the compiler from turning the loop back into a memset call, which
 * costs about 40 instructions for the few words of a small span. */
static void zero_words(uint64_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		p[i] = 0;
		__asm__ volatile("");
	}
}

static void init_common(struct mspan *s, spanclass_t sc, uintptr_t elemsize,
                        uint32_t nelems, uint64_t *bits)
{
	s->spanclass = sc;
	s->elemsize = elemsize;
	s->nelems = (uint16_t)nelems;
	s->allocCount = 0;
	s->ncache = 0;
	s->nfreecache = 0;
	__atomic_store_n(&s->cachedby, 0, __ATOMIC_RELAXED);  /* free() reads it */
	uint32_t w = span_bitwords(nelems);
	zero_words(bits, 2 * w);
	s->allocBits = bits;
	s->gcmarkBits = bits + w;
	s->checkmarkBits = NULL;
	/* a new span is swept for the current cycle; relaxed: it is
	 * published to other CPUs through mcentral's or mheap's lock */
	__atomic_store_n(&s->sweepgen, __atomic_load_n(&mheap_sweepgen, __ATOMIC_RELAXED),
	                 __ATOMIC_RELAXED);
	span_refill_cache(s, 0);
}

void span_init_small(struct mspan *s, spanclass_t sc, uint64_t *bits)
{
	int c = spanclass_sizeclass(sc);
	init_common(s, sc, class_to_size[c], class_to_nelems[c], bits);
	s->divmul = class_to_divmul[c];
	/* ceil(2^64 / size); size <= 32 KiB keeps the test exact (mspan.h) */
	s->divmagic = UINT64_MAX / class_to_size[c] + 1;
}

void span_init_large(struct mspan *s, spanclass_t sc, uint64_t *bits)
{
	init_common(s, sc, s->npages * PAGE_SIZE, 1, bits);
	s->divmul = 0;                  /* the only object is at index 0 */
	s->divmagic = 1;                /* index 0; a start only at offset 0 */
}

uint32_t span_sweep_bits(struct mspan *s, void (*dead)(struct mspan *, uint32_t, void *), void *arg)
{
	/* LAB sweep sweep_bits { */
	uint32_t nw = span_bitwords(s->nelems), nfreed = 0, nalloc = 0;
	for (uint32_t i = 0; i < nw; i++) {
		uint64_t a = __atomic_load_n(&s->allocBits[i], __ATOMIC_RELAXED);
		uint64_t m = __atomic_load_n(&s->gcmarkBits[i], __ATOMIC_RELAXED);
		uint64_t d = a & ~m;
		nfreed += popcount64(d);
		nalloc += popcount64(m);
		while (dead && d) {
			uint32_t b = ctz64(d);
			d &= d - 1;
			dead(s, i * 64 + b, arg);
		}
	}
	uint64_t *old = s->allocBits;
	s->allocBits = s->gcmarkBits;
	s->gcmarkBits = old;
	memset(old, 0, nw * sizeof(uint64_t));
	__atomic_store_n(&s->allocCount, (int32_t)nalloc, __ATOMIC_RELAXED);
	span_refill_cache(s, 0);
	return nfreed;
	/* } LAB sweep sweep_bits */
}

_Noreturn void span_double_alloc(struct mspan *s, uint32_t idx)
{
	throw("runtime: span %#lx (class %d): object %u allocated twice (allocCache %#llx word %u)",
	      (unsigned long)s->startAddr, s->spanclass, idx, (unsigned long long)s->allocCache,
	      s->cacheword);
}
