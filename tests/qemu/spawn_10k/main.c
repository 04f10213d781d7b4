// TEST: smp=1,2,4 status=0 timeout=120 mem=512M
// EXPECT: ^spawned 10000, joined 10000, sum ok$
// EXPECT: ^PASS$
/*
 * spawn_10k - spawn 10,000 goroutines and join them all; every one runs
 * exactly once with its own argument.
 */
#include "tests/qemu/testing.h"

#define N 10000
static int64_t done, sum;
static int64_t ran[N];

static void worker(void *arg)
{
	intptr_t i = (intptr_t)arg;
	atomic_add64(&ran[i], 1);
	atomic_add64(&sum, i);
	atomic_add64(&done, 1);
}

int main(void)
{
	for (intptr_t i = 0; i < N; i++)
		go(worker, (void *)i);
	wait_for(&done, N, 60000, "10000 goroutines");
	for (int i = 0; i < N; i++)
		CHECK(ran[i] == 1, "goroutine %d ran %lld times", i, (long long)ran[i]);
	CHECK(sum == (int64_t)N * (N - 1) / 2, "sum %lld", (long long)sum);
	printf("spawned %d, joined %lld, sum ok\n", N, (long long)done);
	printf("PASS\n");
	return 0;
}
