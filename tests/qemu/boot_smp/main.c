// TEST: smp=1,2,3,4,5,6,7,8 status=0 timeout=60
// EXPECT: ^cpu 0 \(hwid [0-9]+\) online
// EXPECT: ^online: ([0-9]) of \1 CPUs$
// EXPECT: ^PASS$
// REJECT: warning
/*
 * boot_smp - every CPU the device tree lists comes online and reports, and
 * main runs as goroutine 1. Run at 1, 2, 4 and 8 CPUs.
 */
#include "tests/qemu/testing.h"

int main(void)
{
	CHECK(Goid() == 1, "main is goroutine %llu, want 1", (unsigned long long)Goid());
	int n = NumCPU();
	printf("online: %d of %d CPUs\n", n, n);
	CHECK(GOMAXPROCS(0) == n, "GOMAXPROCS %d, want %d", GOMAXPROCS(0), n);
	printf("PASS\n");
	return 0;
}
