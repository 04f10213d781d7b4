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

void spanlist_insert(struct mspanlist *l, struct mspan *s)
{
	s->prev = NULL;
	s->next = l->first;
	if (l->first)
		l->first->prev = s;
	else
		l->last = s;
	l->first = s;
	s->list = l;
}

void spanlist_insert_back(struct mspanlist *l, struct mspan *s)
{
	s->next = NULL;
	s->prev = l->last;
	if (l->last)
		l->last->next = s;
	else
		l->first = s;
	l->last = s;
	s->list = l;
}

void spanlist_remove(struct mspanlist *l, struct mspan *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		l->first = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		l->last = s->prev;
	s->next = s->prev = NULL;
	s->list = NULL;
}

void span_refill_cache(struct mspan *s, uint32_t word)
{
	/* relaxed: frees racing with this load are merely not seen yet. */
	uint64_t free = ~__atomic_load_n(&s->allocBits[word], __ATOMIC_RELAXED);
	uint32_t first = word * 64;
	if (first + 64 > s->nelems)                /* the tail is not objects */
		free &= (1ULL << (s->nelems - first)) - 1;
	s->cacheword = word;
	s->allocCache = free;
}

static void init_common(struct mspan *s, spanclass_t sc, uintptr_t elemsize,
                        uint32_t nelems, uint64_t *bits)
{
	s->spanclass = sc;
	s->elemsize = elemsize;
	s->nelems = (uint16_t)nelems;
	s->allocCount = 0;
	s->ncache = 0;
	s->cachedby = 0;
	uint32_t w = span_bitwords(nelems);
	memset(bits, 0, 2 * w * sizeof(uint64_t));
	s->allocBits = bits;
	s->gcmarkBits = bits + w;
	span_refill_cache(s, 0);
}

void span_init_small(struct mspan *s, spanclass_t sc, uint64_t *bits)
{
	int c = spanclass_sizeclass(sc);
	init_common(s, sc, class_to_size[c], class_to_nelems[c], bits);
	s->divmul = class_to_divmul[c];
}

void span_init_large(struct mspan *s, spanclass_t sc, uint64_t *bits)
{
	init_common(s, sc, s->npages * PAGE_SIZE, 1, bits);
	s->divmul = 0;                  /* the only object is at index 0 */
}
