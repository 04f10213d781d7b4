// TEST: smp=1 status=0 timeout=120
// EXPECT: ^bench: [a-z0-9]+ mallocgc_8_scan [-0-9.]+ instructions
// EXPECT: ^bench: [a-z0-9]+ malloc_free_64 [-0-9.]+ instructions baseline=picolibc_malloc_free_64
/*
 * bench/malloc - guest instructions per allocation (issue: memory):
 *   mallocgc_<size>_<scan|noscan>   one allocation on the mcache fast path:
 *                  each batch starts from a freshly cached span (FlushMCache
 *                  plus one allocation outside the count), then counts 32
 *                  allocations; zeroing is in the figure, and so are the
 *                  refills of the batches that fill their span (the span
 *                  cached is mcentral's partial one, which the previous
 *                  batches used: for 64 B, 128 objects a span, one batch
 *                  in four takes a fresh span, about 8 per allocation);
 *   mallocgc_<size>_<kind>_amortized  100,000 allocations in a row, refills
 *                  from mcentral and mheap included;
 *   malloc_free_<size>  a malloc/free pair, against the same pair of
 *                  picolibc's own allocator (nano-malloc, linked under other
 *                  names, see picolibc_malloc.sh) over a static 8 MiB arena.
 * The `TEST:` line lets `make test` smoke-run it (figures not asserted).
 */
#include <stdlib.h>
#include "bench/bench.h"
#include "gort.h"

void *picolibc_malloc(size_t n);
void picolibc_free(void *p);

/* picolibc's malloc grows its heap with sbrk: give it a static arena. */
static char arena[8 << 20] __attribute__((aligned(16)));
static size_t arena_used;
void *picolibc_sbrk(ptrdiff_t incr)
{
	if (incr < 0 || arena_used + (size_t)incr > sizeof arena)
		return (void *)-1;
	void *p = arena + arena_used;
	arena_used += (size_t)incr;
	return p;
}

#define BATCH 32
#define ROUNDS 50
static void *volatile sink;

static double fast_path(size_t size, bool noscan)
{
	uint64_t total = 0;
	for (int r = 0; r < ROUNDS; r++) {
		FlushMCache();
		sink = noscan ? mallocgc_noscan(size) : mallocgc(size);
		uint64_t t0 = bench_instret();
		if (noscan)
			for (int i = 0; i < BATCH; i++)
				sink = mallocgc_noscan(size);
		else
			for (int i = 0; i < BATCH; i++)
				sink = mallocgc(size);
		total += bench_instret() - t0;
	}
	return ((double)total - (double)ROUNDS * (double)bench_empty_loop(BATCH)) / (ROUNDS * BATCH);
}

static double amortized(size_t size, bool noscan)
{
	const long n = 100000;
	uint64_t t0 = bench_instret();
	for (long i = 0; i < n; i++)
		sink = noscan ? mallocgc_noscan(size) : mallocgc(size);
	uint64_t t = bench_instret() - t0 - bench_empty_loop(n);
	return (double)t / n;
}

static double pair(size_t size, bool pico)
{
	const long n = 20000;
	for (int i = 0; i < 100; i++) {               /* warm both */
		void *p = pico ? picolibc_malloc(size) : malloc(size);
		pico ? picolibc_free(p) : free(p);
	}
	uint64_t t0 = bench_instret();
	if (pico)
		for (long i = 0; i < n; i++) {
			void *p = picolibc_malloc(size);
			sink = p;
			picolibc_free(p);
		}
	else
		for (long i = 0; i < n; i++) {
			void *p = malloc(size);
			sink = p;
			free(p);
		}
	uint64_t t = bench_instret() - t0 - bench_empty_loop(n);
	return (double)t / n;
}

int main(void)
{
	static const size_t sizes[] = { 8, 16, 64 };
	char name[64];
	for (int k = 0; k < 3; k++) {
		for (int ns = 0; ns < 2; ns++) {
			snprintf(name, sizeof name, "mallocgc_%zu_%s", sizes[k], ns ? "noscan" : "scan");
			bench_report(name, fast_path(sizes[k], ns), "instructions", NULL, 0);
		}
	}
	for (int k = 0; k < 3; k++) {
		for (int ns = 0; ns < 2; ns++) {
			snprintf(name, sizeof name, "mallocgc_%zu_%s_amortized", sizes[k], ns ? "noscan" : "scan");
			bench_report(name, amortized(sizes[k], ns), "instructions", NULL, 0);
		}
	}
	for (int k = 0; k < 3; k++) {
		char base[64];
		snprintf(name, sizeof name, "malloc_free_%zu", sizes[k]);
		snprintf(base, sizeof base, "picolibc_malloc_free_%zu", sizes[k]);
		double pico = pair(sizes[k], true);
		bench_report(name, pair(sizes[k], false), "instructions", base, pico);
	}
	return 0;
}
