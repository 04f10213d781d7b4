/*
 * mheap.c - the page heap (Go's mheap, first cut).
 *
 * Objects: free runs of runtime pages (8 KiB, independent of the 4 KiB MMU
 * page), each described by a header stored in its own first bytes. The run
 * list is sorted by address, so freeing a run coalesces it with both
 * neighbours in one pass.
 *
 * Invariants: runs never overlap or touch (touching runs are merged);
 * free_pages equals the sum of run sizes. Everything is under heap.lock.
 *
 * Where it comes from: every /memory range of the device tree, minus the
 * image, the device tree blob, and every reserved range (firmware such as
 * OpenSBI lives there), each trimmed to whole runtime pages.
 *
 * Bare-metal difference: Go asks the OS for address space and maps arenas
 * lazily; here physical memory is identity-mapped from boot, so the heap
 * hands out physical pages directly. First fit over a sorted list is O(runs);
 * the memory issue replaces it with per-arena bitmaps and a radix summary.
 */
#include <string.h>
#include "kernel/mm/mheap.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"
#include "boot/boot.h"

struct run {
	struct run *next;
	uint64_t npages;
};

static struct {
	spinlock_t lock;
	struct run *free;       /* sorted by address; heap.lock */
	uint64_t sys_pages, free_pages, stack_mmu_pages;
	uint8_t *pt_cache;      /* second half of a page split for page tables */
} heap;

static void insert_run(uintptr_t base, uint64_t npages)
{
	struct run **pp = &heap.free;
	while (*pp && (uintptr_t)*pp < base)
		pp = &(*pp)->next;
	struct run *r = (struct run *)base;
	r->npages = npages;
	r->next = *pp;
	*pp = r;
	heap.free_pages += npages;
	/* merge with the following run */
	if (r->next && base + npages * PAGE_SIZE == (uintptr_t)r->next) {
		r->npages += r->next->npages;
		r->next = r->next->next;
	}
	/* merge with the preceding run */
	if (pp != &heap.free) {
		struct run *prev = (struct run *)((uintptr_t)pp - offsetof(struct run, next));
		if ((uintptr_t)prev + prev->npages * PAGE_SIZE == base) {
			prev->npages += r->npages;
			prev->next = r->next;
		}
	}
}

/* Add [lo, hi) minus every excluded range, recursively splitting. */
static void add_range(uint64_t lo, uint64_t hi, const struct mem_range *ex, int nex)
{
	for (int i = 0; i < nex; i++) {
		uint64_t elo = ex[i].base, ehi = ex[i].base + ex[i].size;
		if (ehi <= lo || elo >= hi)
			continue;
		if (elo > lo)
			add_range(lo, elo, ex + i + 1, nex - i - 1);
		if (ehi < hi)
			add_range(ehi, hi, ex + i + 1, nex - i - 1);
		return;
	}
	lo = (lo + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	hi &= ~(PAGE_SIZE - 1);
	if (hi > lo) {
		heap.sys_pages += (hi - lo) / PAGE_SIZE;
		insert_run(lo, (hi - lo) / PAGE_SIZE);
	}
}

void mheap_init(const struct bootinfo *bi)
{
	struct mem_range ex[BI_MAX_RESERVED + 2];
	int nex = 0;
	ex[nex++] = (struct mem_range){ (uintptr_t)_start_image,
	                                (uintptr_t)_end - (uintptr_t)_start_image };
	ex[nex++] = (struct mem_range){ (uintptr_t)bi->dtb, bi->dtb_size };
	for (int i = 0; i < bi->nreserved; i++)
		ex[nex++] = bi->reserved[i];
	for (int i = 0; i < bi->nmem; i++)
		add_range(bi->mem[i].base, bi->mem[i].base + bi->mem[i].size, ex, nex);
	if (heap.free_pages == 0)
		throw("runtime: no usable memory in the device tree");
}

static void *alloc_locked(size_t npages)
{
	struct run **pp = &heap.free;
	while (*pp && (*pp)->npages < npages)
		pp = &(*pp)->next;
	struct run *r = *pp;
	if (r == NULL)
		return NULL;
	heap.free_pages -= npages;
	if (r->npages == npages) {
		*pp = r->next;
		return r;
	}
	r->npages -= npages;            /* take the top end: the header stays */
	return (uint8_t *)r + r->npages * PAGE_SIZE;
}

void *mheap_alloc_pages(size_t npages)
{
	spin_lock(&heap.lock);
	void *p = alloc_locked(npages);
	spin_unlock(&heap.lock);
	return p;
}

void mheap_free_pages(void *p, size_t npages)
{
	spin_lock(&heap.lock);
	insert_run((uintptr_t)p, npages);
	spin_unlock(&heap.lock);
}

void *pt_alloc_page(void)
{
	spin_lock(&heap.lock);
	uint8_t *p = heap.pt_cache;
	if (p != NULL) {
		heap.pt_cache = NULL;
	} else if ((p = alloc_locked(1)) != NULL) {
		heap.pt_cache = p + MMU_PAGE_SIZE;   /* keep the other half */
	}
	spin_unlock(&heap.lock);
	if (p == NULL)
		throw("runtime: out of memory allocating a page table");
	memset(p, 0, MMU_PAGE_SIZE);
	return p;
}

void mheap_account_stack(int64_t delta)
{
	__atomic_fetch_add(&heap.stack_mmu_pages, (uint64_t)delta, __ATOMIC_RELAXED);
}

void mheap_stats(struct heapstats *st)
{
	spin_lock(&heap.lock);
	st->sys_pages = heap.sys_pages;
	st->free_pages = heap.free_pages;
	st->nruns = 0;
	for (struct run *r = heap.free; r; r = r->next)
		st->nruns++;
	spin_unlock(&heap.lock);
	st->stack_pages = __atomic_load_n(&heap.stack_mmu_pages, __ATOMIC_RELAXED);
}
