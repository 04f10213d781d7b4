// TEST: smp=1,2,4 status=0 timeout=300 mem=1G
// EXPECT: ^goroutines_100k: 100000 goroutines blocked, [0-9]+ bytes per goroutine \(stack [0-9]+, page tables and metadata [0-9]+\)$
// EXPECT: ^goroutines_100k: all woken and exited$
// EXPECT: ^PASS$
/*
 * goroutines_100k - 100,000 goroutines that each block (parked with
 * gopark), on a 1 GiB machine. Reports what one idle goroutine costs: its
 * stack page (which also holds its G), plus its share of the page tables
 * that map the stack window and of the heap's metadata - all pages taken
 * from the heap while they were made, divided by 100,000. The goal is at
 * most 8 KiB. Then they are all woken and must all exit.
 */
#include "tests/qemu/testing.h"
#include "kernel/sched/sched.h"
#include "gort.h"

#define N 100000

static struct g **parked;          /* slot i written once, before nparked counts it */
static int64_t nslots, nparked, nexited;

static bool park_record(struct g *gp, void *arg)
{
	/* On g0, gp's registers saved: now it may be found and readied. No
	 * shared lock: 100,000 goroutines queueing on one spinlock would only
	 * measure lock convoys under QEMU. */
	int64_t i = __atomic_fetch_add(&nslots, 1, __ATOMIC_RELAXED);
	parked[i] = gp;
	/* release; pairs with the acquire load in wait_for (testing.h). */
	__atomic_add_fetch(&nparked, 1, __ATOMIC_RELEASE);
	return true;
}

static void blocker(void *arg)
{
	gopark(park_record, NULL, waitReasonTest);
	atomic_add64(&nexited, 1);
}

int main(void)
{
	parked = mallocgc(N * sizeof *parked);
	struct MemStats m0, m1;
	ReadMemStats(&m0);
	for (int i = 0; i < N; i++)
		go(blocker, NULL);
	wait_for(&nparked, N, 250000, "100000 goroutines to block");
	ReadMemStats(&m1);
	uint64_t used0 = m0.HeapSys - m0.HeapIdle, used1 = m1.HeapSys - m1.HeapIdle;
	uint64_t per = (used1 - used0) / N;
	uint64_t stack = (m1.StackInuse - m0.StackInuse) / N;
	printf("goroutines_100k: %d goroutines blocked, %llu bytes per goroutine "
	       "(stack %llu, page tables and metadata %llu)\n", N, (unsigned long long)per,
	       (unsigned long long)stack, (unsigned long long)(per - stack));
	CHECK(per <= 8192, "%llu bytes per goroutine, goal 8192", (unsigned long long)per);
	for (int i = 0; i < N; i++) {
		goready(parked[i]);
		if ((i & 1023) == 0)
			Gosched();
	}
	wait_for(&nexited, N, 250000, "100000 goroutines to exit");
	printf("goroutines_100k: all woken and exited\n");
	printf("PASS\n");
	return 0;
}
