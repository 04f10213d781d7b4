// SOURCES: kernel/mm/mheap.c kernel/mm/mspan.c kernel/mm/sizeclasses.c tests/host/stubs_mm.c
/*
 * test_arenablock.c - mheap_set_top: the page maps of every arena in one
 * block, so that the span map is one flat array (what the collector's
 * inner loop indexes, kernel/gc/mgcmark.c). A 256 MiB block of host memory
 * is four 64 MiB arenas; RAM is a small range in arena 0 and a large one
 * over arenas 2 and 3, added largest first as meminit does; arena 1 is a
 * hole. Checked:
 *   - the four maps lie one after the other, at the bottom of the large
 *     range, and the hole arena has an (empty) map too;
 *   - accounting: sys = free + metadata, metadata = the four maps and the
 *     first span structs' page;
 *   - spans allocated in both ranges: the flat array's entry for each of
 *     their pages is the span (the same answer as spanOf), and a hole
 *     page's entry is NULL.
 */
#include <stdio.h>
#include <stdlib.h>
#include "kernel/mm/mheap.h"
#include "kernel/mm/mspan.h"

static int checks, failures;
#define CHECK(c, ...) do { checks++; if (!(c)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

#define MIB (1024UL * 1024)
#define MAP_PAGES (sizeof(struct heapArena) / PAGE_SIZE)

int main(void)
{
	uint8_t *mem = aligned_alloc(ARENA_SIZE, 4 * ARENA_SIZE);
	if (mem == NULL) {
		printf("no memory\n");
		return 1;
	}
	uintptr_t base = (uintptr_t)mem;
	uintptr_t small_lo = base + 5 * PAGE_SIZE, small_hi = base + 30 * MIB;
	uintptr_t big_lo = base + 140 * MIB, big_hi = base + 250 * MIB;
	mheap_set_base(base);
	mheap_set_top(big_hi);
	mheap_add_range(big_lo, big_hi);        /* the largest first */
	mheap_add_range(small_lo, small_hi);

	uintptr_t abase;
	struct heapArena *const *arenas;
	mheap_spanmap(&abase, &arenas);
	CHECK(abase == base, "arena base %#lx, want %#lx", (unsigned long)abase, (unsigned long)base);
	CHECK(mheap_narenas() == 4, "%zu arenas, want 4", mheap_narenas());
	CHECK((uintptr_t)arenas[0] == big_lo, "the maps start at %p, not at the large range's bottom",
	      (void *)arenas[0]);
	for (int i = 1; i < 4; i++)
		CHECK(arenas[i] == arenas[0] + i, "arena %d's map at %p, not after arena %d's",
		      i, (void *)arenas[i], i - 1);

	struct heapstats st;
	mheap_stats(&st);
	CHECK(st.sys_pages == st.free_pages + st.meta_pages, "sys %llu != free %llu + meta %llu",
	      (unsigned long long)st.sys_pages, (unsigned long long)st.free_pages,
	      (unsigned long long)st.meta_pages);
	CHECK(st.meta_pages == 4 * MAP_PAGES + 1, "metadata %llu pages, want %lu (4 maps, 1 page of structs)",
	      (unsigned long long)st.meta_pages, (unsigned long)(4 * MAP_PAGES + 1));
	CHECK(st.sys_pages == (small_hi - small_lo + big_hi - big_lo) / PAGE_SIZE,
	      "sys pages %llu", (unsigned long long)st.sys_pages);

	/* Allocate until both ranges are in use; check each span's pages. */
	struct mspan *const *flat = arenas[0]->spans;
	bool in_small = false, in_big = false;
	int nspans = 0;
	for (struct mspan *s; (s = mheap_alloc_span(1 + nspans % 97, mSpanManual)) != NULL; nspans++) {
		in_small |= s->startAddr < small_hi;
		in_big |= s->startAddr >= big_lo;
		for (uintptr_t i = 0; i < s->npages; i++) {
			uintptr_t p = s->startAddr + i * PAGE_SIZE;
			if (flat[(p - base) >> PAGE_SHIFT] != s || spanOf(p) != s) {
				CHECK(0, "page %lu of span %#lx: flat map %p, spanOf %p", (unsigned long)i,
				      (unsigned long)s->startAddr, (void *)flat[(p - base) >> PAGE_SHIFT],
				      (void *)spanOf(p));
				break;
			}
		}
	}
	CHECK(nspans > 100 && in_small && in_big, "%d spans; in the small range %d, the large %d",
	      nspans, in_small, in_big);
	uintptr_t hole = base + ARENA_SIZE + 7 * PAGE_SIZE;
	CHECK(flat[(hole - base) >> PAGE_SHIFT] == NULL && spanOf(hole) == NULL,
	      "a page of the hole arena maps to a span");

	printf("%d checks, %d failures\n", checks, failures);
	return failures != 0;
}
