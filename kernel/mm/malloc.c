/*
 * malloc.c - the public allocation API: mallocgc (Go's new/make) and the C
 * library's malloc family, all on the size-classed heap (mcache.c).
 *
 * C semantics on top of Go's allocator: objects are zeroed (Go's always
 * are), malloc's alignment is 16 bytes for every size above 8 (every size
 * class above 8 is a multiple of 16), aligned_alloc up to one runtime page
 * uses the power-of-two size classes (objects of a class whose size is a
 * multiple of the alignment are aligned, spans being page-aligned), large
 * objects are page-aligned. Out of memory is fatal (see gort.h).
 *
 * The two kinds (gort.h): mallocgc objects are collected by the GC;
 * malloc's are not, and the GC scans them as roots. They live in separate
 * spans (mspan.collect), so the kind of any pointer is one span lookup.
 */
#include <string.h>
#include <errno.h>
#include <stdint.h>
#include "gort.h"
#include "kernel/mm/malloc.h"
#include "kernel/mm/mallocfast.h"
#include "kernel/lib/print.h"

/* Each entry inlines the fast path (mallocfast.h). */
FASTPATH_ENTRY void *mallocgc(size_t size)
{
	return mallocgc_inline(size, false, true);
}

FASTPATH_ENTRY void *mallocgc_noscan(size_t size)
{
	return mallocgc_inline(size, true, true);
}

FASTPATH_ENTRY void *malloc(size_t n)
{
	return mallocgc_inline(n, false, false);
}

FASTPATH_ENTRY void free(void *p)
{
	if (p != NULL)
		free_inline(p);
}

void *calloc(size_t n, size_t m)
{
	if (m && n > SIZE_MAX / m) {
		errno = ENOMEM;
		return NULL;
	}
	return mallocgc_impl(n * m, false, false);     /* always zeroed */
}

static size_t usable(struct mspan *s)
{
	return s->elemsize;     /* large: the whole span */
}

size_t malloc_usable_size(void *p)
{
	return p ? usable(object_span(p, "malloc_usable_size")) : 0;
}

void *realloc(void *p, size_t n)
{
	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	struct mspan *s = object_span(p, "realloc");
	size_t have = usable(s);
	/* Keep the object if it fits and is not mostly wasted. */
	if (n <= have && (have <= MAX_SMALL_SIZE ? size_to_class(n) == size_to_class(have)
	                                         : n > have / 2))
		return p;
	/* The new block is of the same kind: a GC object stays one (and
	 * never becomes a tiny one, which could not be freed). */
	bool noscan = spanclass_noscan(s->spanclass);
	void *q = mallocgc_impl(noscan && n < TINY_SIZE ? TINY_SIZE : n, noscan, s->collect);
	memcpy(q, p, n < have ? n : have);
	free_impl(p, "realloc");
	return q;
}

void *aligned_alloc(size_t align, size_t size)
{
	if (align == 0 || (align & (align - 1)) != 0 || align > PAGE_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	if (align <= 16 || size > MAX_SMALL_SIZE)
		return malloc(size);
	/* The smallest power of two >= max(size, align): a class whose
	 * objects all sit at multiples of align. */
	size_t n = align;
	while (n < size)
		n <<= 1;
	return malloc(n);
}

void *memalign(size_t align, size_t size)
{
	return aligned_alloc(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *))
		align = sizeof(void *);
	void *p = aligned_alloc(align, size);
	if (p == NULL)
		return EINVAL;
	*out = p;
	return 0;
}

void *reallocarray(void *p, size_t n, size_t m)
{
	if (m && n > SIZE_MAX / m) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * m);
}
