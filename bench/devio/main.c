// TEST: smp=1 disk=16M status=0 timeout=120
// EXPECT: ^bench: [a-z0-9]+ irq_to_running_median [0-9]+ ns
// EXPECT: ^bench: [a-z0-9]+ irq_to_running_max [0-9]+ ns
// TEST: smp=2 disk=16M bootargs="test=2" status=0 timeout=120
// EXPECT: ^bench: [a-z0-9]+ blk_randread_4k_iops_g1 [0-9]+ IOPS
// EXPECT: ^bench: [a-z0-9]+ blk_randread_4k_iops_g32 [0-9]+ IOPS
// BENCH: disk=16M
/*
 * bench/devio - goroutines waiting on a device (docs/devices.md):
 *
 *   irq_to_running_median / _max   from a device interrupt's entry
 *       (trap_devirq) to the goroutine it readied running again, past
 *       iowait_park; one goroutine reading one sector at a time from the
 *       virtio disk, 1 CPU, under -icount: instructions, i.e. virtual ns
 *       (the latency probe of kernel/io/io.h; 2000 reads).
 *   blk_randread_4k_iops_g1 / _g8 / _g32   4 KiB reads at random aligned
 *       offsets of a 16 MiB disk, from 1, 8 and 32 goroutines for a second
 *       each: completions per second, wall clock without -icount at
 *       -smp 2 (boot flag test=2). Host-bound: QEMU does the I/O.
 *
 * `make test` smoke-runs both (figures not asserted).
 */
#include <stdlib.h>
#include "bench/bench.h"
#include "kernel/io/io.h"

#define LAT_READS 2000

static BlockDev *disk;

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void latency(void)
{
	static int64_t samples[LAT_READS];
	static uint8_t buf[512];
	io_latency_start(samples, LAT_READS);
	for (int i = 0; i < LAT_READS; i++)
		if (Block_Read(disk, (uint64_t)(i * 7919) % Block_Sectors(disk), buf, 1) != 0) {
			printf("bench: read failed\n");
			Exit(1);
		}
	int n = io_latency_stop();
	if (n == 0) {
		printf("bench: %s irq_to_running: no samples\n", ARCH_NAME);
		return;
	}
	qsort(samples, (size_t)n, sizeof samples[0], cmp64);
	printf("bench: %s irq_to_running_median %lld ns (%d wake-ups)\n", ARCH_NAME,
	       (long long)samples[n / 2], n);
	printf("bench: %s irq_to_running_max %lld ns\n", ARCH_NAME, (long long)samples[n - 1]);
}

static int64_t deadline;
static int64_t done;            /* atomic */
static WaitGroup wg;

static void randreader(void *arg)
{
	uint64_t x = 0x9E3779B97F4A7C15ull * ((uint64_t)(intptr_t)arg + 1);
	uint8_t *buf = malloc(4096);
	uint64_t blocks = Block_Sectors(disk) / 8;
	while (nanotime() < deadline) {
		x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
		if (Block_Read(disk, (x % blocks) * 8, buf, 8) != 0) {
			printf("bench: read failed\n");
			Exit(1);
		}
		__atomic_add_fetch(&done, 1, __ATOMIC_RELAXED);
	}
	free(buf);
	WaitGroup_Done(&wg);
}

static void iops(int g)
{
	__atomic_store_n(&done, 0, __ATOMIC_RELAXED);
	int64_t t0 = nanotime();
	deadline = t0 + Second;
	WaitGroup_Add(&wg, g);
	for (int i = 0; i < g; i++)
		go(randreader, (void *)(intptr_t)i);
	WaitGroup_Wait(&wg);
	int64_t t = nanotime() - t0;
	printf("bench: %s blk_randread_4k_iops_g%d %lld IOPS\n", ARCH_NAME, g,
	       (long long)(__atomic_load_n(&done, __ATOMIC_RELAXED) * Second / t));
}

int main(void)
{
	disk = Block_Open(0);
	if (disk == NULL) {
		printf("bench: devio needs a disk (// BENCH: disk=)\n");
		return 1;
	}
	if (BootFlagTest() == 2) {
		iops(1);
		iops(8);
		iops(32);
	} else {
		latency();
	}
	return 0;
}
