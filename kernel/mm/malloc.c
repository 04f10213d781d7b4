/*
 * malloc.c - INTERIM allocator: power-of-two free lists over the page heap.
 *
 * This is a placeholder so that channels and sync code have malloc/free
 * while the real allocator (size classes, mcentral, per-P mcache: the memory
 * issue) is being built; it will replace this file. Blocks of 16 B .. 4 KiB
 * come from per-size free lists under one spinlock; larger blocks are whole
 * runtime pages with a header recording their count. Memory is zeroed on
 * allocation (as Go's is).
 */
#include <string.h>
#include <stdint.h>
#include <errno.h>
#include "kernel/mm/mheap.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"

#define MIN_SHIFT 4
#define MAX_SHIFT 12
#define NLISTS (MAX_SHIFT - MIN_SHIFT + 1)
#define HDR 16                      /* header before every block */

struct hdr {
	uint32_t magic;
	uint32_t shift;             /* size class, or 0 for page blocks */
	uint64_t npages;            /* page blocks only */
};
#define MAGIC_LIVE 0x6f727467u
#define MAGIC_FREE 0x65657266u

static spinlock_t lock = SPINLOCK_INIT;
static void *freelist[NLISTS];

static int class_of(size_t n)
{
	int s = MIN_SHIFT;
	while (((size_t)1 << s) < n + HDR)
		s++;
	return s;
}

static void refill(int s)
{
	uint8_t *pg = mheap_alloc_pages(1);
	if (pg == NULL)
		throw("runtime: out of memory");
	size_t sz = (size_t)1 << s;
	for (size_t off = 0; off + sz <= PAGE_SIZE; off += sz) {
		*(void **)(pg + off) = freelist[s - MIN_SHIFT];
		freelist[s - MIN_SHIFT] = pg + off;
	}
}

void *malloc(size_t n)
{
	if (n > ((size_t)1 << MAX_SHIFT) - HDR) {
		size_t np = (n + HDR + PAGE_SIZE - 1) / PAGE_SIZE;
		struct hdr *h = mheap_alloc_pages(np);
		if (h == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		memset(h, 0, np * PAGE_SIZE);
		*h = (struct hdr){ MAGIC_LIVE, 0, np };
		return (uint8_t *)h + HDR;
	}
	int s = class_of(n);
	spin_lock(&lock);
	if (freelist[s - MIN_SHIFT] == NULL)
		refill(s);
	struct hdr *h = freelist[s - MIN_SHIFT];
	freelist[s - MIN_SHIFT] = *(void **)h;
	spin_unlock(&lock);
	memset(h, 0, (size_t)1 << s);
	*h = (struct hdr){ MAGIC_LIVE, (uint32_t)s, 0 };
	return (uint8_t *)h + HDR;
}

void free(void *p)
{
	if (p == NULL)
		return;
	struct hdr *h = (struct hdr *)((uint8_t *)p - HDR);
	if (h->magic != MAGIC_LIVE)
		throw(h->magic == MAGIC_FREE ? "free: double free of %p" : "free: %p was not allocated by malloc", p);
	if (h->shift == 0) {
		h->magic = MAGIC_FREE;
		mheap_free_pages(h, h->npages);
		return;
	}
	h->magic = MAGIC_FREE;
	int s = (int)h->shift;
	spin_lock(&lock);
	*(void **)h = freelist[s - MIN_SHIFT];
	freelist[s - MIN_SHIFT] = h;
	spin_unlock(&lock);
}

void *calloc(size_t n, size_t m)
{
	if (m && n > SIZE_MAX / m) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(n * m);            /* already zeroed */
}

void *realloc(void *p, size_t n)
{
	if (p == NULL)
		return malloc(n);
	struct hdr *h = (struct hdr *)((uint8_t *)p - HDR);
	if (h->magic != MAGIC_LIVE)
		throw("realloc: %p was not allocated by malloc", p);
	size_t have = h->shift ? ((size_t)1 << h->shift) - HDR : h->npages * PAGE_SIZE - HDR;
	if (n <= have)
		return p;
	void *q = malloc(n);
	if (q) {
		memcpy(q, p, have);
		free(p);
	}
	return q;
}
