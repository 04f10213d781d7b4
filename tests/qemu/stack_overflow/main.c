// TEST: smp=1,2 status=2 timeout=30
// EXPECT: ^runtime: goroutine stack exceeds [0-9]+-byte limit
// EXPECT: ^fatal error: stack overflow
// EXPECT: ^    recurse\+0x
// EXPECT: ^goroutine [0-9]+ \[running
// REJECT: ^PASS
/*
 * stack_overflow - unbounded recursion in a goroutine runs into the guard
 * below its stack: Go's stack overflow report naming the goroutine, with a
 * traceback, never silent corruption.
 */
#include "tests/qemu/testing.h"

static volatile int limit = 1 << 30;   /* never reached; hides the recursion from -Winfinite-recursion */

__attribute__((noinline)) static int recurse(int n)
{
	volatile char pad[256];
	pad[0] = (char)n;
	if (n >= limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

static int64_t done;

static void deep(void *arg)
{
	printf("depth %d\n", recurse(0));
	atomic_add64(&done, 1);
}

int main(void)
{
	go(deep, NULL);
	wait_for(&done, 1, 5000, "the recursion");
	printf("PASS\n");
	return 0;
}
