// TEST: smp=1,2,4 status=0 timeout=120
// EXPECT: ^stack_growth: recursed 512 KiB deep, [0-9]+ pages mapped on demand$
// EXPECT: ^stack_growth: a 300 KiB local array, touched top and bottom$
// EXPECT: ^stack_growth: stacks back to [0-9]+ bytes after exit \(started at [0-9]+\)$
// EXPECT: ^PASS$
/*
 * stack_growth - goroutine stacks start at one 4 KiB page and grow on
 * demand, without moving:
 *   - a goroutine recursing 512 KiB deep (1 KiB frames) succeeds, its
 *     frames keep their addresses (a pointer to a local in the first frame
 *     is read back at the deepest level);
 *   - a frame with a 300 KiB local array, touched at its bottom first, maps
 *     every page in between;
 *   - several such goroutines at once on every P;
 *   - when they have exited, StackInuse returns to what it was plus at most
 *     STACK_KEEP (16 KiB) per cached dead goroutine.
 */
#include <string.h>
#include <stdint.h>
#include "tests/qemu/testing.h"

#define DEPTH (512 * 1024)          /* bytes of stack to recurse through */
static int64_t done;
static volatile int sink;
static struct MemStats at_depth;
static int64_t measured;

/* Recurse until the frames span DEPTH bytes below the first one (measured
 * on the addresses, so it holds whatever frame size the compiler picks). */
__attribute__((noinline)) static int recurse(int n, volatile int *first)
{
	volatile char pad[1000];
	pad[0] = (char)n;
	pad[999] = (char)n;
	if ((uintptr_t)first - (uintptr_t)pad >= DEPTH) {
		if (__atomic_exchange_n(&measured, 1, __ATOMIC_ACQ_REL) == 0)
			ReadMemStats(&at_depth);
		return *first + pad[0] - pad[999];
	}
	return recurse(n + 1, first) + pad[0] - pad[999];
}

__attribute__((noinline)) static void big_frame(void)
{
	volatile char big[300 * 1024];
	big[0] = 1;                       /* the bottom first: a far fault */
	big[sizeof big - 1] = 2;
	for (size_t i = 0; i < sizeof big; i += 4096)
		big[i] = (char)i;
	/* relaxed atomic: every deep goroutine stores it */
	__atomic_store_n(&sink, big[0] + big[sizeof big - 1], __ATOMIC_RELAXED);
}

static void deep(void *arg)
{
	volatile int first = 42;
	int r = recurse(1, &first);
	CHECK(r == 42, "deep recursion read %d through a pointer to its first frame", r);
	big_frame();
	atomic_add64(&done, 1);
}

int main(void)
{
	struct MemStats m0, m1, m2;
	/* Let the runtime's own goroutines (the sweeper, forced GC) run their
	 * paths once first: their stacks may grow by a page when they do, and
	 * that is not what this test measures. */
	GC();
	Sleep(10 * Millisecond);
	ReadMemStats(&m0);
	go(deep, NULL);
	wait_for(&done, 1, 60000, "the deep goroutine");
	ReadMemStats(&m1);
	uint64_t pages = (at_depth.StackInuse - m0.StackInuse) / 4096;
	printf("stack_growth: recursed 512 KiB deep, %llu pages mapped on demand\n",
	       (unsigned long long)pages);
	CHECK(pages >= 128, "only %llu stack pages mapped at 512 KiB deep", (unsigned long long)pages);
	(void)m1;
	printf("stack_growth: a 300 KiB local array, touched top and bottom\n");
	int n = 2 * NumCPU();
	for (int i = 0; i < n; i++)
		go(deep, NULL);
	wait_for(&done, 1 + n, 60000, "the deep goroutines");
	/* The last ones may still be exiting (unmapping their grown pages). */
	int64_t deadline = nanotime() + 10 * Second;
	do {
		Sleep(10 * Millisecond);
		ReadMemStats(&m2);
	} while (m2.StackInuse > m0.StackInuse + (uint64_t)(n + 1) * 16384 && nanotime() < deadline);
	printf("stack_growth: stacks back to %llu bytes after exit (started at %llu)\n",
	       (unsigned long long)m2.StackInuse, (unsigned long long)m0.StackInuse);
	CHECK(m2.StackInuse <= m0.StackInuse + (uint64_t)(n + 1) * 16384,
	      "StackInuse %llu, was %llu", (unsigned long long)m2.StackInuse,
	      (unsigned long long)m0.StackInuse);
	printf("PASS\n");
	return 0;
}
