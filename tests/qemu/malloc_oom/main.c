// TEST: smp=1,2 status=2 timeout=60 mem=128M
// EXPECT: ^runtime: out of memory: cannot allocate 1048576-byte block \(HeapSys [0-9]+
// EXPECT: ^fatal error: runtime: out of memory$
// EXPECT: ^goroutine 1 \[running
// REJECT: ^PASS
// TEST: smp=2 status=2 timeout=60 mem=128M bootargs="test=1"
// EXPECT: ^runtime: out of memory: cannot allocate 1000-byte block \(HeapSys [0-9]+
// EXPECT: ^fatal error: runtime: out of memory$
// REJECT: ^PASS
/*
 * malloc_oom - running out of memory is Go's fatal error, with the request
 * and the heap totals: 1 MiB large objects (test=0) or 1000-byte small ones
 * (test=1) until the 128 MiB machine is full. Never a NULL, never a hang.
 */
#include <stdlib.h>
#include "tests/qemu/testing.h"

int main(void)
{
	size_t n = BootFlagTest() == 1 ? 1000 : 1 << 20;
	for (long i = 0; i < (1L << 30) / 1000; i++) {
		volatile char *p = malloc(n);
		if (p == NULL)
			FAILF("malloc returned NULL after %ld blocks", i);
		p[0] = 1;
	}
	printf("PASS\n");
	return 0;
}
