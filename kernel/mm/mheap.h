/*
 * mheap.h - the page heap: RAM, seen through the heap window, in 8 KiB
 * runtime pages, grouped in 64 MiB arenas, handed out as spans (Go's mheap
 * and heapArena).
 */
#ifndef KERNEL_MM_MHEAP_H
#define KERNEL_MM_MHEAP_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define PAGE_SHIFT 13                 /* runtime page: 8 KiB, as in Go */
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define MMU_PAGE_SIZE 4096UL          /* hardware page (both arches, 4 KiB granule) */

#define ARENA_SHIFT 26                /* 64 MiB arenas, as Go's on 64-bit */
#define ARENA_SIZE  (1UL << ARENA_SHIFT)
#define PAGES_PER_ARENA (ARENA_SIZE / PAGE_SIZE)
#define MAX_ARENAS  1024              /* 64 GiB: the heap window (arch.h) */

struct bootinfo;

/* The sweep generation (kernel/mm/mspan.h, kernel/gc/mgcsweep.c): +2 at each
 * GC's mark termination, with the world stopped; read anywhere (relaxed:
 * it changes only while no goroutine runs). */
extern uint32_t mheap_sweepgen;
struct mspan;

struct heapstats {
	uint64_t sys_pages;     /* pages the heap manages in all */
	uint64_t free_pages;    /* pages currently free */
	uint64_t nruns;         /* free spans (fragmentation) */
	uint64_t stack_pages;   /* MMU pages mapped as goroutine stacks */
	uint64_t inuse_pages;   /* pages in mSpanInUse spans (heap objects) */
	uint64_t manual_pages;  /* pages in mSpanManual spans (stacks, raw) */
	uint64_t meta_pages;    /* pages of heap metadata (arenas, spans, bits, page tables) */
};

/* Boot: build the heap from the device tree's memory (meminit.c). */
void mheap_init(const struct bootinfo *bi);
/* Set the base all arena indices count from (the heap address of the
 * lowest RAM address); then add each usable range, in heap addresses.
 * Exposed for the host tests. */
void mheap_set_base(uintptr_t base);
void mheap_add_range(uintptr_t lo, uintptr_t hi);
/* Optional, before any range: the end of the highest RAM range. The first
 * range added then carves the page maps of all arenas up to there in one
 * block if it has room (a flat span map; meminit adds the largest range
 * first). Without it, each arena's map comes from the range that first
 * reaches into it. */
void mheap_set_top(uintptr_t top);

/* Spans. mheap_alloc_span returns a span of npages in state mSpanInUse or
 * mSpanManual, every page mapped to it in its arena, or NULL when no run
 * is large enough. Not zeroed. mheap_free_span gives it back and coalesces
 * it with free neighbours. */
struct mspan *mheap_alloc_span(size_t npages, int state);
void mheap_free_span(struct mspan *s);
/* mheap_alloc_span(npages, mSpanInUse) and mheap_alloc_bits(words) as
 * s->allocBits, under one lock (a new small-object span); NULL if either
 * fails. */
struct mspan *mheap_alloc_span_bits(size_t npages, uint32_t words);
/* One arena's page -> span map. */
struct heapArena {
	struct mspan *spans[PAGES_PER_ARENA];
};

/* The span map: heap address -> arena -> page -> span. Inline, because
 * free() looks a span up on its fast path (mallocfast.h). */
struct spanmap {
	uintptr_t base;                        /* arena 0's address; set once
	                                          before any range is added */
	struct heapArena *arenas[MAX_ARENAS];  /* written under mheap's lock,
	                                          read racily: only ever
	                                          NULL -> pointer */
};
extern struct spanmap mheap_map;

/* The slot of p's page in the span map, or NULL if p is not heap memory. */
static inline struct mspan **spanmap_slot(uintptr_t p)
{
	uintptr_t off = p - mheap_map.base;    /* wraps below the heap */
	uintptr_t ai = off >> ARENA_SHIFT;
	if (ai >= MAX_ARENAS)
		return NULL;
	/* acquire; pairs with the release store that publishes an arena. */
	struct heapArena *a = __atomic_load_n(&mheap_map.arenas[ai], __ATOMIC_ACQUIRE);
	if (a == NULL)
		return NULL;
	return &a->spans[(off >> PAGE_SHIFT) & (PAGES_PER_ARENA - 1)];
}

/* The span covering address p, or NULL if p is not heap memory: two loads.
 * The answer is exact for pages of in-use and manual spans; callers check
 * the state and bounds (a free span only keeps its first and last page). */
static inline struct mspan *spanOf(uintptr_t p)
{
	struct mspan **slot = spanmap_slot(p);
	/* relaxed: callers validate the span they get (state and bounds). */
	return slot ? __atomic_load_n(slot, __ATOMIC_RELAXED) : NULL;
}
/* The span map itself, for the collector's inner loop (spanOf without a
 * call): the arena table (MAX_ARENAS entries, each NULL or a heapArena,
 * only ever NULL -> pointer) and the address of arena 0. */
void mheap_spanmap(uintptr_t *base, struct heapArena *const **arenas);
/* For the GC's root scan (world stopped): the arena slots that may hold
 * spans, and the in-use spans starting in arena ai, in address order. */
size_t mheap_narenas(void);
void mheap_arena_spans(size_t ai, void (*fn)(struct mspan *s, void *arg), void *arg);
/* The address range every heap page lies in: [lo, hi). */
void mheap_bounds(uintptr_t *lo, uintptr_t *hi);
/* Zeroed bitmap words for a span's alloc + mark bits (2*words), and back. */
uint64_t *mheap_alloc_bits(uint32_t words);
void mheap_free_bits(uint64_t *bits, uint32_t words);

/* Raw pages (a manual span). Not zeroed. NULL if none. */
void *mheap_alloc_pages(size_t npages);
void mheap_free_pages(void *p, size_t npages);
void mheap_stats(struct heapstats *st);
/* Zeroed 4 KiB page for page tables (arch.h contract), by its physical
 * address. Never freed. */
void *pt_alloc_page(void);
/* Mapped bytes of goroutine stacks changed by delta MMU pages (accounting only). */
void mheap_account_stack(int64_t delta_mmu_pages);

/* Every goroutine that takes mheap.lock, the stack pool's lock or the
 * page-table lock - the locks the stack-fault handler takes - brackets the
 * critical section with stack_nofault_enter/exit. The outermost enter
 * touches the stack STACK_PROBE bytes below its frame, taking any growth
 * fault there, before any of those locks is held; nested sections (the heap
 * lock inside the pool lock, page-table pages inside the page-table lock)
 * then run within the probed depth and never fault. Otherwise the handler
 * would spin for ever on a lock its own goroutine holds (kernel/mm/stack.c,
 * docs/memory.md "Faults and locks"). Defined in stack.c (host: stubs). */
#define STACK_PROBE 3072
void stack_nofault_enter(void);
void stack_nofault_exit(void);

#endif
