// TEST: smp=1,2,3,4,5,6,7,8 status=0 timeout=60
// TEST: smp=4 arch=aarch64 machine=gic-version=3 status=0 timeout=60
// TEST: smp=4 arch=aarch64 machine=virtualization=on status=0 timeout=60
// TEST: smp=2 arch=aarch64 cpu=cortex-a53 status=0 timeout=60
// TEST: smp=2 arch=aarch64 cpu=cortex-a76 status=0 timeout=60
// TEST: smp=2 arch=aarch64 cpu=max status=0 timeout=60
// TEST: smp=2 arch=riscv64 cpu=rv64,sstc=off status=0 timeout=60
// EXPECT: ^cpu 0 \(hwid [0-9]+\) online
// EXPECT: ^online: ([0-9]) of \1 CPUs$
// EXPECT: ^PASS$
// REJECT: warning
// TEST: smp=4 board=raspi3b status=0 timeout=60
// EXPECT: ^gort: device tree: built-in raspi3b$
// EXPECT: ^cpu 3 \(hwid 3\) online
// EXPECT: ^online: 4 of 4 CPUs$
// EXPECT: ^PASS$
// REJECT: warning
// TEST: smp=4 board=raspi3b fdt=firmware status=0 timeout=60
// EXPECT: ^gort: device tree: from firmware$
// EXPECT: ^online: 4 of 4 CPUs$
// EXPECT: ^PASS$
// REJECT: warning
/*
 * boot_smp - every CPU the device tree lists comes online and reports, and
 * main runs as goroutine 1, at 1 to 8 CPUs; on aarch64 also with GICv3,
 * entered at EL2 (virtualization=on: PSCI through smc), and on the
 * cortex-a53, cortex-a76 and max CPU models; on riscv64 also without Sstc
 * (the SBI timer path).
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
