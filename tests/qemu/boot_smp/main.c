// EXPECT: ^cpu 0 \(hwid [0-9]+\) online
// EXPECT: ^online: ([0-9]) of \1 CPUs ran goroutines$
// EXPECT: ^PASS$
// REJECT: warning
// TEST: smp=1,2,3,4,5,6,7,8 status=0 timeout=60
// TEST: smp=4 arch=aarch64 machine=gic-version=3 status=0 timeout=60
// TEST: smp=4 arch=aarch64 machine=virtualization=on status=0 timeout=60
// TEST: smp=2 arch=aarch64 cpu=cortex-a53 status=0 timeout=60
// TEST: smp=2 arch=aarch64 cpu=cortex-a76 status=0 timeout=60
// TEST: smp=2 arch=aarch64 cpu=max status=0 timeout=60
// TEST: smp=2 arch=riscv64 cpu=rv64,sstc=off status=0 timeout=60
// TEST: smp=4 arch=riscv64 boot=uboot status=0 timeout=90
// EXPECT: ^boot\.scr: loading gort\.bin from scsi 0:3$
// EXPECT: ^gort: riscv64, 4 CPUs,
// EXPECT: ^cpu 3 \(hwid [0-3]\) online$
// TEST: smp=4 arch=aarch64 boot=uboot status=0 timeout=90
// EXPECT: ^boot\.scr: loading gort\.bin from scsi 0:1$
// EXPECT: ^gort: aarch64, 4 CPUs,
// EXPECT: ^cpu 3 \(hwid 3\) online$
// TEST: smp=2 arch=aarch64 machine=virtualization=on boot=uboot status=0 timeout=90
// EXPECT: ^gort: aarch64, 2 CPUs,
// TEST: smp=2 arch=riscv64 cpu=rv64,sstc=off boot=uboot status=0 timeout=90
// EXPECT: ^gort: riscv64, 2 CPUs,
// TEST: smp=1,2,3,4 board=sifive_u status=0 timeout=60
// EXPECT: ^gort: riscv64, [1-4] CPUs, 256 MiB RAM, timer 1000000 Hz
// REJECT: hwid 0\)
// TEST: smp=4 board=raspi3b status=0 timeout=60
// EXPECT: ^gort: device tree: built-in raspi3b$
// EXPECT: ^cpu 3 \(hwid 3\) online
// EXPECT: ^online: 4 of 4 CPUs
// TEST: smp=4 board=raspi3b fdt=firmware status=0 timeout=60
// EXPECT: ^gort: device tree: from firmware$
// EXPECT: ^online: 4 of 4 CPUs
/*
 * boot_smp - every CPU the device tree lists comes online and reports, and
 * main runs as goroutine 1, at 1 to 8 CPUs; on aarch64 also with GICv3,
 * entered at EL2 (virtualization=on: PSCI through smc), and on the
 * cortex-a53, cortex-a76 and max CPU models; on riscv64 also without Sstc
 * (the SBI timer path), and on the sifive_u board: its U54 harts 1..n
 * come up, the E51 (hart 0, no MMU) is never started, the timebase is the
 * board's 1 MHz. Also booted by U-Boot from a boot medium (boot=uboot,
 * docs/boards.md#u-boot): with U-Boot's device tree, on aarch64 also
 * handed over at EL2 as on a Raspberry Pi 4, on riscv64 also without Sstc
 * as on a VisionFive 2 (there OpenSBI lets any hart win the boot lottery,
 * so cpu 0 - the boot CPU - may be any hwid).
 *
 * "Online" is checked by running: goroutines are started until each CPU
 * has run one (idle CPUs steal them), so a CPU that booted but never
 * schedules fails too. A CPU that never comes up leaves the count short
 * and the test times out with a FAIL naming how many ran.
 */
#include "tests/qemu/testing.h"

static uint32_t ran_on;          /* bit c: a goroutine ran on CPU c; atomic */

/* Note this CPU, then keep it busy a little so that the next goroutine
 * is taken by another one. */
static void spin(void *arg)
{
	int64_t until = nanotime() + 2 * Millisecond;
	/* relaxed: main reads the bits only to count them */
	__atomic_fetch_or(&ran_on, 1u << CPU(), __ATOMIC_RELAXED);
	while (nanotime() < until)
		;
}

int main(void)
{
	CHECK(Goid() == 1, "main is goroutine %llu, want 1", (unsigned long long)Goid());
	int n = NumCPU();
	uint32_t all = (uint32_t)((1ull << n) - 1);
	int64_t deadline = nanotime() + 20 * Second;
	while (__atomic_load_n(&ran_on, __ATOMIC_RELAXED) != all) {
		uint32_t seen = __atomic_load_n(&ran_on, __ATOMIC_RELAXED);
		CHECK(nanotime() < deadline, "goroutines ran on %d of %d CPUs in 20 s (mask %#x)",
		      __builtin_popcount(seen), n, seen);
		for (int i = 0; i < n; i++)
			go(spin, NULL);
		Sleep(Millisecond);
	}
	printf("online: %d of %d CPUs ran goroutines\n",
	       __builtin_popcount(__atomic_load_n(&ran_on, __ATOMIC_RELAXED)), n);
	CHECK(GOMAXPROCS(0) == n, "GOMAXPROCS %d, want %d", GOMAXPROCS(0), n);
	printf("PASS\n");
	return 0;
}
