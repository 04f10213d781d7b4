// TEST: smp=1,2 status=2 timeout=30
// EXPECT: ^panic: runtime error: invalid memory address or nil pointer dereference$
// EXPECT: ^\[signal SIGSEGV: segmentation violation addr=0x7f00000010 pc=0x[0-9a-f]+\]$
// EXPECT: ^    level3[.a-z0-9]*\+0x
// EXPECT: ^    level2[.a-z0-9]*\+0x
// EXPECT: ^    level1[.a-z0-9]*\+0x
// EXPECT: ^    main[.a-z0-9]*\+0x
// EXPECT: ^goroutine 1 \[running
// REJECT: ^PASS
/*
 * fault_unmapped - a load from an unmapped address in a goroutine is Go's
 * run-time panic (kernel/panic/sigpanic.c); unrecovered, the report names
 * the address and gives a symbolized traceback from the faulting load
 * through the three calls that led to it, then power-off with status 2.
 */
#include "tests/qemu/testing.h"

__attribute__((noinline)) static int level3(volatile int *p) { return *p + 1; }
__attribute__((noinline)) static int level2(volatile int *p) { return level3(p) * 2; }
__attribute__((noinline)) static int level1(volatile int *p) { return level2(p) + 3; }

int main(void)
{
	volatile int *bad = (volatile int *)0x7f00000010UL;  /* never mapped */
	int v = level1(bad);
	printf("PASS %d\n", v);
	return 0;
}
