/*
 * vs_spawn - spawn and join N goroutines (1,000,000 by default), in rounds
 * of at most 10,000 started together and joined with a WaitGroup; each
 * adds its number to a shared sum. The goroutine's whole life: creation
 * with a fresh stack, first run, exit, the stack reused. Rounds keep the
 * live goroutines (and their stacks) bounded, as a real program's are; the
 * hosted build could not hold a million stack mappings at once
 * (docs/hosted.md, "Mappings are limited"). Twin: main.go.
 */
#include "bench/vs-go/vsgo.h"

#define ROUND 10000

static WaitGroup wg;
static int64_t sum;             /* atomic: the goroutines' adds */

static void child(void *arg)
{
	/* Relaxed: main reads sum after WaitGroup_Wait, which orders every
	 * child's add before it (the Done below releases, Wait acquires). */
	__atomic_fetch_add(&sum, (int64_t)(intptr_t)arg, __ATOMIC_RELAXED);
	WaitGroup_Done(&wg);
}

int main(void)
{
	int64_t n = vsgo_size(1000000);
	for (int64_t base = 0; base < n; base += ROUND) {
		int64_t end = base + ROUND < n ? base + ROUND : n;
		WaitGroup_Add(&wg, (int)(end - base));
		for (int64_t i = base; i < end; i++)
			go(child, (void *)(intptr_t)(i + 1));
		WaitGroup_Wait(&wg);
	}
	printf("result: spawn %" PRId64 " %" PRId64 "\n", n, __atomic_load_n(&sum, __ATOMIC_RELAXED));
	return 0;
}
