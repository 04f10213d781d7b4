// EXPECT: ^leakcheck: 0 goroutines still blocked at exit$
// REJECT: ^FAIL
// EXPECT: ^PASS$
// TEST: smp=1,2,4 disk=1M bootargs="blkfault=drop blkfaultn=20 blktimeout=3000 leakcheck=1" status=0 timeout=120
// EXPECT: ^before: 5 requests ok$
// EXPECT: ^virtio-blk at 0x[0-9a-f]+: no request finished within blktimeout: device dead, failing every request$
// EXPECT: ^fault: [1-8] of 8 goroutines saw BlockErrDevice, none hung; later requests fail$
// TEST: smp=1,4 disk=1M bootargs="blkfault=gone blkfaultn=20 blktimeout=3000 leakcheck=1" status=0 timeout=120
// EXPECT: ^before: 5 requests ok$
// EXPECT: ^virtio-blk at 0x(10008000|a003e00): device error or device removed: device dead, failing every request$
// EXPECT: ^fault: [1-8] of 8 goroutines saw BlockErrDevice, none hung; later requests fail$
// TEST: smp=2 disk=1M bootargs="blkfault=needsreset blkfaultn=20 blktimeout=3000 leakcheck=1" status=0 timeout=120
// EXPECT: ^virtio-blk at 0x(10008000|a003e00): device error or device removed: device dead, failing every request$
// EXPECT: ^fault: [1-8] of 8 goroutines saw BlockErrDevice, none hung; later requests fail$
// TEST: smp=2 disk=1M bootargs="blkfault=badid blkfaultn=20 blktimeout=3000 leakcheck=1" status=0 timeout=120
// EXPECT: ^virtio-blk at 0x[0-9a-f]+: used entry naming no request in flight: device dead, failing every request$
// EXPECT: ^fault: [1-8] of 8 goroutines saw BlockErrDevice, none hung; later requests fail$
// TEST: smp=1 disk=1M bootargs="blkfault=staleid blkfaultn=20 blktimeout=3000 leakcheck=1" status=0 timeout=120
// EXPECT: ^virtio-blk at 0x[0-9a-f]+: used entry naming no request in flight: device dead, failing every request$
// EXPECT: ^fault: [1-8] of 8 goroutines saw BlockErrDevice, none hung; later requests fail$
// TEST: smp=4 disk=1M bootargs="blkfault=badlen blkfaultn=20 blktimeout=3000 leakcheck=1" status=0 timeout=120
// EXPECT: ^virtio-blk at 0x[0-9a-f]+: used entry with a bad length: device dead, failing every request$
// EXPECT: ^fault: [1-8] of 8 goroutines saw BlockErrDevice, none hung; later requests fail$
// TEST: smp=1,2 disk=1M bootargs="blkfault=lostirq blkfaultn=1 blktimeout=3000 leakcheck=1 test=1" status=0 timeout=120
// EXPECT: ^before: 5 requests ok, the slowest [0-9]{4,} ms$
// EXPECT: ^no fault: 8 goroutines verified [0-9]+ requests; the device lives$
// REJECT: device dead
// TEST: smp=2 disk=1M diskiops=5 bootargs="blktimeout=1000 leakcheck=1 test=2" status=0 timeout=120
// EXPECT: ^before: 5 requests ok$
// EXPECT: ^slow device: the slowest request took [0-9]+ ms, past blktimeout; none failed$
// EXPECT: ^no fault: 8 goroutines verified 32 requests; the device lives$
// REJECT: device dead
/*
 * block_fault - a block device that fails, lies or vanishes: every caller
 * gets an error, none stays parked, and what came before still worked
 * (docs/devices.md "Failures and timeouts").
 *
 * The boot flags blkfault=KIND blkfaultn=N (drivers/virtio/fault.c) make
 * the disk misbehave once; blktimeout=3000 is the request deadline (a
 * loaded host can hold up a healthy flush for a second).
 *
 *   before:  five requests, one at a time (four one-sector writes and a
 *            read of all four, verified): the fault has not struck yet
 *            (N = 20), except lostirq at N = 1, where the first request's
 *            interrupt is lost and only the deadline finds its completion:
 *            it succeeds, at least blktimeout late.
 *   during:  8 goroutines, each with 4 own sectors, write, read back and
 *            verify in a loop (32 requests each, 256 in all), so that
 *            several are in flight when the fault strikes. Each records
 *            how many requests succeeded and its first error; after an
 *            error it tries once more, which must fail too.
 *   after:   every goroutine has finished (a deadline check: 30 s), each
 *            error was BlockErrDevice and at least one goroutine saw one;
 *            a read, a write and a flush now fail (without reaching the
 *            device: it is marked dead). With lostirq,
 *            instead: no error at all, and the device keeps working.
 * The last TEST line has no fault but a slow disk (QEMU serves 5 requests
 * a second, diskiops=5) and blktimeout=1000: with 8 goroutines queued, a
 * request waits about 1600 ms, past its deadline, while the device keeps
 * finishing others: slow, not dead. Every request succeeds (2 rounds), and
 * the slowest took longer than blktimeout (so the deadline did pass).
 * leakcheck=1 lists any goroutine still blocked at exit: none may be.
 */
#include <string.h>
#include "tests/qemu/testing.h"

#define WORKERS 8
#define ROUNDS  16              /* a write and a read each; 2 if slow */
#define SLOW_TIMEOUT_MS 1000    /* blktimeout of the slow disk's TEST line */
#define SECTORS 4               /* per worker, after the first 8 */

static BlockDev *disk;
static int64_t finished;        /* workers done; atomic */
static int rounds = ROUNDS;

struct worker {
	int id;
	int ok;                 /* requests that succeeded */
	int err;                /* the first error, 0 if none */
	int err_after;          /* the request after the error: its result */
	int64_t slowest;        /* ns, the longest request */
};

static void took(struct worker *w, int64_t t0)
{
	int64_t t = nanotime() - t0;
	w->slowest = t > w->slowest ? t : w->slowest;
}
static struct worker workers[WORKERS];

static void fill(uint8_t *buf, int id, int round)
{
	for (int i = 0; i < SECTORS * 512; i++)
		buf[i] = (uint8_t)(id * 31 + round * 7 + i);
}

static void work(void *arg)
{
	struct worker *w = arg;
	uint8_t out[SECTORS * 512], in[SECTORS * 512];
	uint64_t sector = 8 + (uint64_t)w->id * SECTORS;
	for (int round = 0; round < rounds && w->err == 0; round++) {
		fill(out, w->id, round);
		int64_t t0 = nanotime();
		int e = Block_Write(disk, sector, out, SECTORS);
		took(w, t0);
		if (e == 0) {
			w->ok++;
			memset(in, 0, sizeof in);
			t0 = nanotime();
			e = Block_Read(disk, sector, in, SECTORS);
			took(w, t0);
			if (e == 0) {
				w->ok++;
				CHECK(memcmp(in, out, sizeof in) == 0,
				      "worker %d round %d: read back other data", w->id, round);
			}
		}
		w->err = e;
	}
	if (w->err != 0)        /* a dead device stays dead */
		w->err_after = Block_Read(disk, sector, in, 1);
	atomic_add64(&finished, 1);
}

static int64_t before(void)
{
	uint8_t buf[512], all[4 * 512];
	int64_t slowest = 0;
	for (int i = 0; i < 5; i++) {
		int64_t t0 = nanotime();
		int e;
		if (i < 4) {
			memset(buf, 'a' + i, sizeof buf);
			e = Block_Write(disk, (uint64_t)i, buf, 1);
		} else {
			e = Block_Read(disk, 0, all, 4);
		}
		int64_t t = nanotime() - t0;
		slowest = t > slowest ? t : slowest;
		CHECK(e == 0, "before the fault: request %d failed: %d", i + 1, e);
	}
	for (int i = 0; i < 4 * 512; i++)
		CHECK(all[i] == 'a' + i / 512, "before the fault: sector %d read back wrong", i / 512);
	return slowest;
}

int main(void)
{
	disk = Block_Open(0);
	CHECK(disk != NULL, "no block device");
	bool expect_fault = BootFlagTest() == 0, slow = BootFlagTest() == 2;
	if (slow)
		rounds = 2;

	int64_t slowest = before();
	if (expect_fault || slow)
		printf("before: 5 requests ok\n");
	else
		printf("before: 5 requests ok, the slowest %lld ms\n", (long long)(slowest / Millisecond));

	for (int i = 0; i < WORKERS; i++) {
		workers[i].id = i;
		go(work, &workers[i]);
	}
	wait_for(&finished, WORKERS, 30000, "every worker to finish");

	int nerr = 0, nok = 0;
	for (int i = 0; i < WORKERS; i++) {
		struct worker *w = &workers[i];
		nok += w->ok;
		if (w->err == 0)
			continue;
		nerr++;
		CHECK(w->err == BlockErrDevice, "worker %d: error %d, want BlockErrDevice", i, w->err);
		CHECK(w->err_after == BlockErrDevice, "worker %d: after the error: %d", i, w->err_after);
	}
	uint8_t buf[512];
	if (expect_fault) {
		CHECK(nerr > 0, "no worker saw the fault (%d requests ok)", nok);
		CHECK(nok < 2 * ROUNDS * WORKERS, "every request succeeded");
		CHECK(Block_Read(disk, 0, buf, 1) == BlockErrDevice, "a read after the fault");
		CHECK(Block_Write(disk, 0, buf, 1) == BlockErrDevice, "a write after the fault");
		CHECK(Block_Flush(disk) == BlockErrDevice, "a flush after the fault");
		printf("fault: %d of %d goroutines saw BlockErrDevice, none hung; later requests fail\n",
		       nerr, WORKERS);
	} else {
		CHECK(nerr == 0, "%d workers saw errors", nerr);
		int64_t max = 0;
		for (int i = 0; i < WORKERS; i++)
			max = workers[i].slowest > max ? workers[i].slowest : max;
		if (slow) {
			CHECK(max > SLOW_TIMEOUT_MS * Millisecond, "the slowest request took %lld ms: "
			      "no deadline passed", (long long)(max / Millisecond));
			printf("slow device: the slowest request took %lld ms, past blktimeout; none failed\n",
			       (long long)(max / Millisecond));
		}
		CHECK(Block_Read(disk, 0, buf, 1) == 0 && buf[0] == 'a', "a read at the end");
		CHECK(Block_Flush(disk) == 0, "a flush at the end");
		printf("no fault: %d goroutines verified %d requests; the device lives\n", WORKERS, nok);
	}
	printf("PASS\n");
	return 0;
}
