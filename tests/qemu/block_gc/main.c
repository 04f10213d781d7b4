// TEST: smp=2,4 disk=1M status=0 timeout=180 bootargs="gcconc=1"
// EXPECT: ^block_gc: 8 readers, [0-9]+ reads verified, [0-9]+ collections$
// EXPECT: ^PASS$
// REJECT: ^FAIL
/*
 * block_gc - disk reads into memory the collector is working on.
 *
 * The device writes into the caller's buffer while the caller is parked:
 * on a board by DMA, in the hosted build from a host thread through pread.
 * The concurrent collector (gcconc=1) write-protects pages as it cleans
 * them (the page-dirty barrier, docs/gc.md): a buffer on a parked
 * goroutine's stack, or on the heap, may be read-only when the device
 * comes to fill it. DMA does not care; pread fails with EFAULT, and the
 * hosted disk must then get the page written by its owner and go again
 * (arch/hosted/blk.c) - a disk that reports the error, or stores into the
 * page from its own thread (the barrier's fault path is per CPU), fails
 * here.
 *
 * 8 readers each own an 8-sector region, written first by main; each
 * reads it 100 times into a stack buffer or a heap buffer, calling GC()
 * every 10th read and allocating garbage, and checks every byte.
 */
#include <string.h>
#include <stdlib.h>
#include "tests/qemu/testing.h"

#define READERS 8
#define REGION  8                       /* sectors per reader */
#define ROUNDS  100

static BlockDev *disk;
static WaitGroup wg;
static int64_t reads, collections;

static uint8_t pattern(int r, int k)
{
	return (uint8_t)(r * 37 + k * 11 + (k >> 9));
}

/* A separate frame for the stack buffer, so that it is a fresh part of
 * the stack each time the page below main's frames is cleaned. */
static __attribute__((noinline)) void read_check(int r, uint8_t *heap, bool on_stack)
{
	uint8_t stackbuf[REGION * 512];
	uint8_t *b = on_stack ? stackbuf : heap;
	memset(b, 0xee, REGION * 512);
	int err = Block_Read(disk, (uint64_t)r * REGION, b, REGION);
	if (err)
		FAILF("reader %d: Block_Read = %d", r, err);
	for (int k = 0; k < REGION * 512; k++)
		if (b[k] != pattern(r, k))
			FAILF("reader %d: byte %d is %#x, want %#x (%s buffer)", r, k, b[k],
			      pattern(r, k), on_stack ? "stack" : "heap");
	atomic_add64(&reads, 1);
}

static void reader(void *arg)
{
	int r = (int)(intptr_t)arg;
	uint8_t *heap = malloc(REGION * 512);
	for (int i = 0; i < ROUNDS; i++) {
		if (i % 10 == r % 10) {
			GC();
			atomic_add64(&collections, 1);
		}
		read_check(r, heap, i & 1);
		void *junk = malloc(1000 + 100 * (size_t)(i % 7));
		memset(junk, i, 1000);
	}
	free(heap);
	WaitGroup_Done(&wg);
}

int main(void)
{
	disk = Block_Open(0);
	CHECK(disk != NULL, "no block device");
	uint8_t *buf = malloc(REGION * 512);
	for (int r = 0; r < READERS; r++) {
		for (int k = 0; k < REGION * 512; k++)
			buf[k] = pattern(r, k);
		CHECK(Block_Write(disk, (uint64_t)r * REGION, buf, REGION) == 0, "write region %d", r);
	}
	free(buf);
	WaitGroup_Add(&wg, READERS);
	for (int r = 0; r < READERS; r++)
		go(reader, (void *)(intptr_t)r);
	WaitGroup_Wait(&wg);
	printf("block_gc: %d readers, %lld reads verified, %lld collections\n", READERS,
	       (long long)atomic_load64(&reads), (long long)atomic_load64(&collections));
	printf("PASS\n");
	return 0;
}
