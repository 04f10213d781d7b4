// SOURCES: kernel/mm/mheap.c kernel/mm/mspan.c kernel/mm/sizeclasses.c tests/host/stubs_mm.c
/*
 * test_pageheap.c - the page heap on a 200 MiB block of host memory that
 * spans four 64 MiB arenas and two separate ranges:
 *   - accounting: sys = free + metadata after init;
 *   - three adjacent spans freed in the order outer, outer, middle coalesce
 *     back into the run they came from (free runs and free pages return to
 *     their values, the map's boundary pages point at the merged span);
 *   - 20,000 random allocations and frees of 1..300 pages: no two live
 *     spans overlap (each is stamped at both ends and checked), spanOf of
 *     every live page is its span, and when everything is freed every page
 *     is free again except the metadata pages taken meanwhile;
 *   - allocation beyond the free pages fails cleanly (NULL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/mm/mheap.h"
#include "kernel/mm/mspan.h"

static int checks, failures;
#define CHECK(c, ...) do { checks++; if (!(c)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static uint64_t rnd = 88172645463325252ULL;
static uint64_t next(void) { rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17; return rnd; }

#define NLIVE 512
static struct mspan *live[NLIVE];

static void stamp(struct mspan *s)
{
	*(uint64_t *)s->startAddr = s->startAddr;
	*(uint64_t *)(s->startAddr + s->npages * PAGE_SIZE - 8) = ~s->startAddr;
}

static void check_stamp(struct mspan *s)
{
	CHECK(*(uint64_t *)s->startAddr == s->startAddr &&
	      *(uint64_t *)(s->startAddr + s->npages * PAGE_SIZE - 8) == ~s->startAddr,
	      "span %#lx (%lu pages) overwritten", (unsigned long)s->startAddr, (unsigned long)s->npages);
	for (uintptr_t i = 0; i < s->npages; i++)
		if (spanOf(s->startAddr + i * PAGE_SIZE) != s) {
			CHECK(0, "spanOf page %lu of span %#lx", (unsigned long)i, (unsigned long)s->startAddr);
			break;
		}
}

int main(void)
{
	size_t total = 256UL << 20;
	uint8_t *mem = aligned_alloc(ARENA_SIZE, total);
	if (mem == NULL) {
		printf("no memory\n");
		return 1;
	}
	uintptr_t base = (uintptr_t)mem;
	mheap_set_base(base);
	/* Two ranges with a hole, crossing arena boundaries. */
	mheap_add_range(base + 5 * PAGE_SIZE, base + 100UL * 1024 * 1024);
	mheap_add_range(base + 120UL * 1024 * 1024, base + 220UL * 1024 * 1024 + 100);
	struct heapstats st0, st;
	mheap_stats(&st0);
	CHECK(st0.sys_pages == st0.free_pages + st0.meta_pages, "sys %llu != free %llu + meta %llu",
	      (unsigned long long)st0.sys_pages, (unsigned long long)st0.free_pages,
	      (unsigned long long)st0.meta_pages);
	CHECK(st0.sys_pages == (100UL * 1024 * 1024 - 5 * PAGE_SIZE + 100UL * 1024 * 1024) / PAGE_SIZE,
	      "sys pages %llu", (unsigned long long)st0.sys_pages);
	CHECK(spanOf(base + 110UL * 1024 * 1024) == NULL || spanOf(base + 110UL * 1024 * 1024)->state != mSpanFree,
	      "the hole is a free span");

	/* Warm the span-struct pool so metadata does not move pages below. */
	for (int i = 0; i < 100; i++)
		live[i] = mheap_alloc_span(1, mSpanInUse);
	for (int i = 0; i < 100; i++)
		mheap_free_span(live[i]);

	mheap_stats(&st0);
	struct mspan *x = mheap_alloc_span(5, mSpanInUse);
	struct mspan *y = mheap_alloc_span(5, mSpanManual);
	struct mspan *z = mheap_alloc_span(5, mSpanInUse);
	CHECK(x && y && z, "small allocations failed");
	/* an in-use span is mSpanInit until its creator publishes it */
	CHECK(x->state == mSpanInit && y->state == mSpanManual, "states %d %d after alloc", x->state, y->state);
	span_publish(x);
	span_publish(z);
	CHECK(x->state == mSpanInUse, "state %d after span_publish", x->state);
	CHECK(x->startAddr + 5 * PAGE_SIZE == y->startAddr && y->startAddr + 5 * PAGE_SIZE == z->startAddr,
	      "three allocations are not adjacent");
	uintptr_t xs = x->startAddr;
	mheap_free_span(x);
	mheap_free_span(z);
	mheap_stats(&st);
	CHECK(st.free_pages == st0.free_pages - 5, "free pages %llu with y live",
	      (unsigned long long)st.free_pages);
	CHECK(spanOf(xs)->state == mSpanFree && spanOf(xs + 4 * PAGE_SIZE) == spanOf(xs),
	      "freed x not recorded at both ends");
	mheap_free_span(y);
	mheap_stats(&st);
	CHECK(st.free_pages == st0.free_pages && st.nruns == st0.nruns,
	      "after freeing x, z, y: %llu free pages in %llu runs, want %llu in %llu",
	      (unsigned long long)st.free_pages, (unsigned long long)st.nruns,
	      (unsigned long long)st0.free_pages, (unsigned long long)st0.nruns);
	struct mspan *m = spanOf(xs);
	CHECK(m && m->state == mSpanFree && m->startAddr <= xs &&
	      m->startAddr + m->npages * PAGE_SIZE >= xs + 15 * PAGE_SIZE,
	      "x, y, z not coalesced into one free span");

	/* Random stress. */
	int nlive = 0;
	for (int k = 0; k < 20000; k++) {
		if (nlive < NLIVE && (nlive == 0 || next() % 3 != 0)) {
			size_t n = 1 + next() % ((next() & 7) ? 16 : 300);
			struct mspan *s = mheap_alloc_span(n, (next() & 1) ? mSpanInUse : mSpanManual);
			if (s == NULL)
				continue;
			CHECK(s->npages == n, "asked %zu pages, got %lu", n, (unsigned long)s->npages);
			stamp(s);
			live[nlive++] = s;
		} else {
			int i = (int)(next() % (uint64_t)nlive);
			check_stamp(live[i]);
			mheap_free_span(live[i]);
			live[i] = live[--nlive];
		}
	}
	for (int i = 0; i < nlive; i++)
		check_stamp(live[i]);
	while (nlive > 0)
		mheap_free_span(live[--nlive]);
	mheap_stats(&st);
	CHECK(st.free_pages + (st.meta_pages - st0.meta_pages) == st0.free_pages,
	      "after the stress: %llu free + %llu new metadata, want %llu",
	      (unsigned long long)st.free_pages, (unsigned long long)(st.meta_pages - st0.meta_pages),
	      (unsigned long long)st0.free_pages);
	CHECK(st.inuse_pages == 0 && st.manual_pages == 0, "pages still in use");
	CHECK(st.nruns <= st0.nruns + (st.meta_pages - st0.meta_pages),
	      "%llu free runs: coalescing incomplete", (unsigned long long)st.nruns);

	CHECK(mheap_alloc_span(st.free_pages + 1, mSpanInUse) == NULL, "over-allocation succeeded");
	struct mspan *all = mheap_alloc_span(1, mSpanInUse);
	CHECK(all != NULL, "allocation after a failed one");
	uint64_t *b = mheap_alloc_bits(16);
	CHECK(b != NULL, "bitmap allocation");
	mheap_free_bits(b, 16);
	CHECK(mheap_alloc_bits(16) == b, "bitmap not recycled");
	printf("%d checks, %d failures\n", checks, failures);
	free(mem);
	return failures != 0;
}
