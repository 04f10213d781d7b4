// TEST: smp=1,2,4 status=0 timeout=90
// EXPECT: ^ran on every CPU
// EXPECT: ^PASS$
/*
 * distribution - 1,000 goroutines spawned by main on one P end up running
 * on every P: idle CPUs are woken and steal work. The count per CPU is
 * printed; every CPU must have run some.
 */
#include "tests/qemu/testing.h"

#define N 1000
static int64_t per_cpu[8], done;

volatile uint64_t sink;   /* keeps the busy loop from being optimised away */

static void worker(void *arg)
{
	/* some work, with a yield, so that the queue stays long for a while */
	uint64_t x = 0;
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < 100000; i++)     /* ~0.5 ms under QEMU */
			x = x * 6364136223846793005ULL + (uint64_t)(i ^ r);
		sink = x;
		Gosched();
	}
	atomic_add64(&per_cpu[CPU()], 1);
	atomic_add64(&done, 1);
}

int main(void)
{
	for (int i = 0; i < N; i++)
		go(worker, NULL);
	wait_for(&done, N, 60000, "the workers");
	int n = NumCPU(), used = 0;
	int64_t total = 0;
	printf("per CPU:");
	for (int i = 0; i < n; i++) {
		printf(" %lld", (long long)per_cpu[i]);
		used += per_cpu[i] > 0;
		total += per_cpu[i];
	}
	printf("\n");
	CHECK(total == N, "counted %lld, want %d", (long long)total, N);
	CHECK(used == n, "only %d of %d CPUs ran goroutines", used, n);
	printf("ran on every CPU (%d)\n", n);
	printf("PASS\n");
	return 0;
}
