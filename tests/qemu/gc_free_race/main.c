// TEST: smp=2,4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=300 mem=256M
// TEST: arch=hosted smp=4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 test=1" status=0 timeout=300 mem=256M
// EXPECT: ^gc_free_race: [0-9]+ cycles, [0-9]+ large and [0-9]+ small blocks freed$
// EXPECT: ^PASS$
// REJECT: fatal error
// REJECT: panic
/*
 * gc_free_race - free() emptying malloc spans while a concurrent mark walks
 * the span map. The mark scans every malloc block as a root (kernel/gc/
 * mgcmark.c, scan_malloc_span) by walking the span structs without a lock,
 * so no span may go back to mheap (its bitmaps freed, its struct reused)
 * until the mark ends (kernel/mm/mcentral.c, file_unlock). Once, a free()
 * that emptied a span released it at once: the walk then read a large
 * span's allocBits as NULL and faulted.
 *
 * Workers, one per CPU, fill malloc spans - large blocks (each its own
 * span) and a run of small ones (whole spans) - check their contents and
 * free them all, while a collector goroutine runs GC() back to back over
 * a heap of live malloc blocks that makes each walk long.
 *
 * test=1 runs TSAN_CYCLES cycles, for the ThreadSanitizer pass (tests/
 * hosted.sh): there the full run took 167 s at smp 4 on a quiet host and
 * passed its 300 s timeout under CI's load.
 */
#include <stdlib.h>
#include <string.h>
#include "tests/qemu/testing.h"

#define CYCLES   150            /* GC cycles to run the workers through */
#define TSAN_CYCLES 30          /* test=1 */
#define LARGE    8              /* large blocks per round */
#define SMALL    512            /* 64-byte blocks per round: several spans */
#define BALLAST  4096           /* live malloc blocks the walk goes over */

static int64_t done, large_emptied, small_emptied, workers_out;

static void fill(unsigned char *p, size_t n, unsigned char v)
{
	memset(p, v, n);
}

static void check(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i += 61)
		CHECK(p[i] == v, "block %p byte %zu: %#x, want %#x", (void *)p, i, p[i], v);
}

static void worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	void *large[LARGE], *small[SMALL];
	for (unsigned round = 0; !atomic_load64(&done); round++) {
		unsigned char v = (unsigned char)(id * 31 + round);
		for (int i = 0; i < LARGE; i++) {
			size_t n = 33 * 1024 + (size_t)i * 4096;
			large[i] = malloc(n);
			CHECK(large[i] != NULL, "malloc(%zu)", n);
			fill(large[i], n, v);
		}
		for (int i = 0; i < SMALL; i++) {
			small[i] = malloc(64);
			CHECK(small[i] != NULL, "malloc(64)");
			fill(small[i], 64, v);
		}
		for (int i = 0; i < LARGE; i++) {
			check(large[i], 33 * 1024 + (size_t)i * 4096, v);
			free(large[i]);
		}
		for (int i = 0; i < SMALL; i++) {
			check(small[i], 64, v);
			free(small[i]);
		}
		atomic_add64(&large_emptied, LARGE);
		atomic_add64(&small_emptied, SMALL);
	}
	atomic_add64(&workers_out, 1);
}

int main(void)
{
	void **ballast = malloc(BALLAST * sizeof *ballast);
	for (int i = 0; i < BALLAST; i++) {
		ballast[i] = malloc(48 + (i % 8) * 16);
		memset(ballast[i], i & 0xff, 48);
	}
	int nw = NumCPU();
	for (int i = 0; i < nw; i++)
		go(worker, (void *)(uintptr_t)i);
	struct MemStats ms;
	ReadMemStats(&ms);
	uint32_t first = ms.NumGC;
	int cycles = BootFlagTest() == 1 ? TSAN_CYCLES : CYCLES;
	for (int i = 0; i < cycles; i++) {
		GC();
		Gosched();
	}
	ReadMemStats(&ms);
	atomic_add64(&done, 1);
	wait_for(&workers_out, nw, 60000, "the workers");
	for (int i = 0; i < BALLAST; i++) {
		check(ballast[i], 48, (unsigned char)(i & 0xff));
		free(ballast[i]);
	}
	free(ballast);
	CHECK(ms.NumGC - first >= (uint32_t)cycles, "%u cycles", ms.NumGC - first);
	printf("gc_free_race: %u cycles, %lld large and %lld small blocks freed\n",
	       ms.NumGC - first, (long long)large_emptied, (long long)small_emptied);
	printf("PASS\n");
	return 0;
}
