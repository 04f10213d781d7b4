// TEST: smp=1 status=0 timeout=120
// EXPECT: ^bench: [a-z0-9]+ goroutine_footprint [0-9.]+ bytes
/*
 * bench/footprint - memory per idle, blocked goroutine: 10,000 goroutines
 * park (gopark), and everything the heap gave out meanwhile (stack pages,
 * which also hold each G, page tables of the stack window, heap metadata)
 * is divided by their number. tests/qemu/goroutines_100k checks the same at
 * 100,000 against the 8 KiB goal.
 */
#include "bench/bench.h"
#include "kernel/sched/sched.h"

#define N 10000
static struct g *parked[N];
static int64_t nslots, nparked, nexited;

static bool park_record(struct g *gp, void *arg)
{
	int64_t i = __atomic_fetch_add(&nslots, 1, __ATOMIC_RELAXED);
	parked[i] = gp;
	/* release; pairs with the acquire load in main's wait loop. */
	__atomic_add_fetch(&nparked, 1, __ATOMIC_RELEASE);
	return true;
}

static void blocker(void *arg)
{
	gopark(park_record, NULL, waitReasonTest);
	__atomic_add_fetch(&nexited, 1, __ATOMIC_RELAXED);
}

int main(void)
{
	struct MemStats m0, m1;
	ReadMemStats(&m0);
	for (int i = 0; i < N; i++)
		go(blocker, NULL);
	while (__atomic_load_n(&nparked, __ATOMIC_ACQUIRE) < N)
		Sleep(Millisecond);
	ReadMemStats(&m1);
	uint64_t used = (m1.HeapSys - m1.HeapIdle) - (m0.HeapSys - m0.HeapIdle);
	bench_report("goroutine_footprint", (double)used / N, "bytes", NULL, 0);
	for (int i = 0; i < N; i++)
		goready(parked[i]);
	while (__atomic_load_n(&nexited, __ATOMIC_RELAXED) < N)
		Sleep(Millisecond);
	return 0;
}
