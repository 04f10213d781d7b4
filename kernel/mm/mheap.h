/*
 * mheap.h - the page heap: physical memory in 8 KiB runtime pages.
 */
#ifndef KERNEL_MM_MHEAP_H
#define KERNEL_MM_MHEAP_H

#include <stdint.h>
#include <stddef.h>

#define PAGE_SHIFT 13                 /* runtime page: 8 KiB, as in Go */
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define MMU_PAGE_SIZE 4096UL          /* hardware page (both arches, 4 KiB granule) */

struct bootinfo;

struct heapstats {
	uint64_t sys_pages;     /* pages the heap manages in all */
	uint64_t free_pages;    /* pages currently free */
	uint64_t nruns;         /* free runs (fragmentation) */
	uint64_t stack_pages;   /* pages mapped as goroutine stacks */
};

void mheap_init(const struct bootinfo *bi);
/* Allocate npages contiguous runtime pages; NULL if none. Not zeroed. */
void *mheap_alloc_pages(size_t npages);
void mheap_free_pages(void *p, size_t npages);
void mheap_stats(struct heapstats *st);
/* Zeroed 4 KiB page for page tables (arch.h contract). Never freed. */
void *pt_alloc_page(void);
/* Mapped bytes of goroutine stacks changed by delta pages (accounting only). */
void mheap_account_stack(int64_t delta_mmu_pages);

#endif
