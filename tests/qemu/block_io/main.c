// TEST: smp=1,2,4 disk=4M boots=2 status=0 timeout=120
// EXPECT: ^boot 1: 16 writers verified 1024 sectors, [0-9]+ requests in flight at most$
// EXPECT: ^boot 1: flushed$
// EXPECT: ^boot 2: 32 readers verified 1024 sectors written by boot 1$
// EXPECT: ^PASS$
// REJECT: ^FAIL
// TEST: smp=2 arch=aarch64 machine=gic-version=3 disk=4M boots=2 status=0 timeout=120
// EXPECT: ^boot 2: 32 readers verified 1024 sectors written by boot 1$
// EXPECT: ^PASS$
// TEST: smp=2 disk=4M boots=2 boot=uboot status=0 timeout=120
// EXPECT: ^boot 2: 32 readers verified 1024 sectors written by boot 1$
// EXPECT: ^PASS$
// TEST: smp=2 status=0 timeout=60
// EXPECT: ^no block device$
// EXPECT: ^PASS$
/*
 * block_io - virtio block storage, with many goroutines waiting on the
 * device at once.
 *
 * Boot 1 (a zeroed disk): bad requests get their error codes (a range past
 * the end, count 0, NULL); 16 goroutines write their own 64-sector regions
 * in requests of 1 to 16 sectors - from stack buffers, heap buffers and
 * buffers that straddle pages - read them back and verify them, and read
 * each other's regions too; the requests overlap in flight (each goroutine
 * parks until its own completion interrupt: at least two callers are
 * inside Block_Read/Block_Write at once, even on one CPU). Then Block_Flush and a header
 * in sector 0, flushed, and power-off.
 * Boot 2 (the same disk image, tests/run.sh boots=2): the header says boot
 * 1 finished, and 32 goroutines read everything back and verify it: what
 * was flushed survived the power-off.
 * Booted by U-Boot (boot=uboot): U-Boot's boot medium is a SATA disk the
 * runtime does not see, so Block_Open(0) is still the test's disk, which
 * on riscv64 U-Boot has probed (its boot order tries virtio0 first).
 * Without a disk (the last TEST line), Block_Open(0) is NULL.
 */
#include <string.h>
#include <stdlib.h>
#include "tests/qemu/testing.h"

#define REGION   64                     /* sectors per writer */
#define WRITERS  16
#define READERS  32
#define TOTAL    (WRITERS * REGION)     /* sectors 1 .. TOTAL */

static BlockDev *disk;
static WaitGroup wg;
static Mutex mu;
static int64_t inflight, maxinflight;   /* mu */

static uint8_t pattern(uint64_t sector, int off)
{
	return (uint8_t)(sector * 131 + (uint64_t)off * 7 + 0x5a + (sector >> 3));
}

static void fill(uint8_t *p, uint64_t sector, uint32_t count)
{
	for (uint32_t s = 0; s < count; s++)
		for (int i = 0; i < 512; i++)
			p[s * 512 + (uint32_t)i] = pattern(sector + s, i);
}

static bool check(const uint8_t *p, uint64_t sector, uint32_t count)
{
	for (uint32_t s = 0; s < count; s++)
		for (int i = 0; i < 512; i++)
			if (p[s * 512 + (uint32_t)i] != pattern(sector + s, i)) {
				printf("FAIL: sector %llu byte %d: %#x, want %#x\n",
				       (unsigned long long)(sector + s), i,
				       p[s * 512 + (uint32_t)i], pattern(sector + s, i));
				return false;
			}
	return true;
}

static int io(bool write, uint64_t sector, void *buf, uint32_t count)
{
	Mutex_Lock(&mu);
	if (++inflight > maxinflight)
		maxinflight = inflight;
	Mutex_Unlock(&mu);
	int err = write ? Block_Write(disk, sector, buf, count) : Block_Read(disk, sector, buf, count);
	Mutex_Lock(&mu);
	inflight--;
	Mutex_Unlock(&mu);
	return err;
}

/* Writer w: its region in chunks of 1..16 sectors, alternating stack,
 * heap and page-straddling heap buffers; then read back and verify. */
static void writer(void *arg)
{
	int w = (int)(intptr_t)arg;
	uint64_t base = 1 + (uint64_t)w * REGION;
	uint8_t stackbuf[16 * 512];
	uint8_t *heap = malloc(16 * 512 + 4096);
	uint32_t n;
	for (uint32_t s = 0; s < REGION; s += n) {
		n = 1 + (s * 7 + (uint32_t)w) % 16;
		if (n > REGION - s)
			n = REGION - s;
		uint8_t *buf = (s / 8) % 3 == 0 ? stackbuf :
		               (s / 8) % 3 == 1 ? heap : heap + 4096 - 700;
		fill(buf, base + s, n);
		int err = io(true, base + s, buf, n);
		if (err)
			FAILF("writer %d: Block_Write(%llu, %u) = %d", w,
			      (unsigned long long)(base + s), n, err);
	}
	for (uint32_t s = 0; s < REGION; s += 16) {
		memset(stackbuf, 0, sizeof stackbuf);
		int err = io(false, base + s, stackbuf, 16);
		if (err || !check(stackbuf, base + s, 16))
			FAILF("writer %d: read back of sector %llu: %d", w, (unsigned long long)(base + s), err);
	}
	/* and a neighbour's region, which it has written by now or is writing:
	 * only check the read itself works */
	int err = io(false, 1 + (uint64_t)((w + 1) % WRITERS) * REGION, heap, 16);
	if (err)
		FAILF("writer %d: reading a neighbour: %d", w, err);
	free(heap);
	WaitGroup_Done(&wg);
}

static void reader(void *arg)
{
	int r = (int)(intptr_t)arg;
	uint8_t *buf = malloc(TOTAL / READERS * 512);
	uint64_t base = 1 + (uint64_t)r * (TOTAL / READERS);
	int err = io(false, base, buf, TOTAL / READERS);
	if (err || !check(buf, base, TOTAL / READERS))
		FAILF("reader %d: sectors %llu..: %d", r, (unsigned long long)base, err);
	free(buf);
	WaitGroup_Done(&wg);
}

static void bad_requests(void)
{
	uint8_t buf[1024];
	uint64_t n = Block_Sectors(disk);
	CHECK(n == 4 * 1024 * 1024 / 512, "Block_Sectors = %llu", (unsigned long long)n);
	CHECK(Block_Read(disk, n, buf, 1) == BlockErrRange, "read past the end");
	CHECK(Block_Read(disk, n - 1, buf, 2) == BlockErrRange, "read across the end");
	CHECK(Block_Write(disk, UINT64_MAX, buf, 1) == BlockErrRange, "write at sector 2^64-1");
	CHECK(Block_Write(disk, n - 1, buf, UINT32_MAX) == BlockErrRange, "huge count");
	CHECK(Block_Read(disk, 0, buf, 0) == BlockErrInvalid, "count 0");
	CHECK(Block_Write(disk, 0, buf, 0) == BlockErrInvalid, "count 0 write");
	CHECK(Block_Read(disk, 0, NULL, 1) == BlockErrInvalid, "NULL buffer");
	CHECK(Block_Read(NULL, 0, buf, 1) == BlockErrInvalid, "NULL device");
	CHECK(Block_Read(disk, n - 1, buf, 1) == 0, "the last sector");
	CHECK(Block_Open(1) == NULL && Block_Open(-1) == NULL, "only one disk");
}

static const char magic[16] = "gort block_io 1";

int main(void)
{
	disk = Block_Open(0);
	if (disk == NULL) {
		printf("no block device\n");
		CHECK(Block_Sectors(NULL) == 0 && Block_Flush(NULL) == BlockErrInvalid, "NULL device");
		printf("PASS\n");
		return 0;
	}
	uint8_t hdr[512];
	CHECK(Block_Read(disk, 0, hdr, 1) == 0, "read the header");
	if (memcmp(hdr, magic, sizeof magic) == 0) {
		WaitGroup_Add(&wg, READERS);
		for (int r = 0; r < READERS; r++)
			go(reader, (void *)(intptr_t)r);
		WaitGroup_Wait(&wg);
		printf("boot 2: %d readers verified %d sectors written by boot 1\n", READERS, TOTAL);
		printf("PASS\n");
		return 0;
	}
	bad_requests();
	WaitGroup_Add(&wg, WRITERS);
	for (int w = 0; w < WRITERS; w++)
		go(writer, (void *)(intptr_t)w);
	WaitGroup_Wait(&wg);
	printf("boot 1: %d writers verified %d sectors, %lld requests in flight at most\n",
	       WRITERS, TOTAL, (long long)maxinflight);
	/* Even on one CPU: a caller parks until its interrupt, and the others
	 * submit meanwhile (a polled, one-at-a-time driver would show 1). */
	CHECK(maxinflight >= 2, "requests never overlapped");
	CHECK(Block_Flush(disk) == 0, "flush the data");
	memset(hdr, 0, sizeof hdr);
	memcpy(hdr, magic, sizeof magic);
	CHECK(Block_Write(disk, 0, hdr, 1) == 0 && Block_Flush(disk) == 0, "write the header");
	printf("boot 1: flushed\n");
	return 0;
}
