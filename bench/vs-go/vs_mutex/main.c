/*
 * vs_mutex - 8 goroutines each take one Mutex N times to increment a
 * shared counter (and a second, private one that says the lock excluded):
 * Mutex contention, the fast path when the lock is free and the slow path
 * (spinning, parking, hand-off) when it is not. Twin: main.go.
 */
#include "bench/vs-go/vsgo.h"

#define NWORKERS 8

static Mutex mu;
static int64_t counter;         /* protected by mu */
static int64_t iters;           /* set before the workers start */
static WaitGroup wg;

static void worker(void *arg)
{
	for (int64_t i = 0; i < iters; i++) {
		Mutex_Lock(&mu);
		counter++;
		Mutex_Unlock(&mu);
	}
	WaitGroup_Done(&wg);
}

int main(void)
{
	iters = vsgo_size(4000000);
	WaitGroup_Add(&wg, NWORKERS);
	for (int i = 0; i < NWORKERS; i++)
		go(worker, NULL);
	WaitGroup_Wait(&wg);
	printf("result: mutex %" PRId64 " %" PRId64 "\n", iters, counter);
	return 0;
}
