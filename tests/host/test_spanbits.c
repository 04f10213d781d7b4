// SOURCES: kernel/mm/mspan.c kernel/mm/sizeclasses.c tests/host/stubs_mm.c
/*
 * test_spanbits.c - a span's allocation bitmap and its fast path:
 *   - ctz64 against a bit loop for every single bit and random words;
 *   - for several classes, span_next_free hands out every object exactly
 *     once, in address order, then reports the span exhausted;
 *   - freed objects (alloc bit cleared) are found again after the cache
 *     moves past their word and is reloaded, never handed out twice;
 *   - a double free is seen (span_clear_alloc returns false);
 *   - the tail bits past nelems are never handed out (class 4: 170 objects).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/mm/mspan.h"
#include "kernel/mm/mheap.h"

static int checks, failures;
#define CHECK(c, ...) do { checks++; if (!(c)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static uint64_t rnd = 88172645463325252ULL;
static uint64_t next(void) { rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17; return rnd; }

static void test_ctz(void)
{
	for (unsigned i = 0; i < 64; i++)
		CHECK(ctz64(1ULL << i) == i, "ctz64(1<<%u) = %u", i, ctz64(1ULL << i));
	for (int k = 0; k < 100000; k++) {
		uint64_t x = next();
		if (x == 0)
			continue;
		unsigned want = 0;
		while (!((x >> want) & 1))
			want++;
		if (ctz64(x) != want) {
			CHECK(0, "ctz64(%#llx)", (unsigned long long)x);
			break;
		}
	}
}

static void test_class(int c)
{
	static uint64_t bits[32];
	static char seen[1024];
	struct mspan s;
	memset(&s, 0, sizeof s);
	s.startAddr = 0x100000;
	s.npages = class_to_allocnpages[c];
	span_init_small(&s, make_spanclass(c, false), bits);
	uint32_t n = s.nelems;
	memset(seen, 0, sizeof seen);
	int last = -1;
	for (uint32_t i = 0; i < n; i++) {
		int idx = span_next_free(&s);
		CHECK(idx == last + 1, "class %d: object %d after %d", c, idx, last);
		if (idx < 0)
			return;
		seen[idx]++;
		last = idx;
		CHECK(span_is_alloc(&s, (uint32_t)idx), "class %d: bit %d not set", c, idx);
		uintptr_t p = s.startAddr + (uintptr_t)idx * s.elemsize;
		CHECK(span_objindex(&s, p) == (uint32_t)idx, "class %d: objindex", c);
	}
	CHECK(span_next_free(&s) == -1, "class %d: span not exhausted after %u", c, n);
	/* Free a random half, then rescan from word 0 as a re-cached span does. */
	uint32_t nfreed = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (next() & 1) {
			CHECK(span_clear_alloc(&s, i), "class %d: free %u failed", c, i);
			CHECK(!span_clear_alloc(&s, i), "class %d: double free %u not seen", c, i);
			seen[i] = 0;
			nfreed++;
		}
	}
	span_refill_cache(&s, 0);
	for (uint32_t k = 0; k < nfreed; k++) {
		int idx = span_next_free(&s);
		CHECK(idx >= 0 && idx < (int)n && seen[idx] == 0, "class %d: reuse gave %d", c, idx);
		if (idx < 0)
			return;
		seen[idx] = 1;
	}
	CHECK(span_next_free(&s) == -1, "class %d: more free objects than freed", c);
	for (uint32_t i = 0; i < n; i++)
		CHECK(seen[i] == 1, "class %d: object %u seen %d times", c, i, seen[i]);
}

int main(void)
{
	sizeclasses_init();
	test_ctz();
	for (int c = 1; c < NUM_SIZE_CLASSES; c++)
		test_class(c);
	printf("%d checks, %d failures\n", checks, failures);
	return failures != 0;
}
