/*
 * block.c - Block_Open, Block_Sectors, Block_Read, Block_Write,
 * Block_Flush (include/gort.h) for every block driver: the checks, the
 * split into requests, and the caller's wait (block.h has the request's
 * life; the driver only offers a request to its device and completes it).
 *
 * Objects: devs[], the devices in Block_Open order, filled once by the
 * build's driver (blk_driver_probe, under probe_once) and read-only
 * after; a struct blk_req per request in flight, on its caller's stack.
 *
 * Go has no block devices; this is the upper half of an OS's disk layer,
 * the part that decides nothing about the hardware. docs/devices.md.
 */
#include "drivers/block/block.h"


static BlockDev *devs[BLK_MAX_DEVS];
static int ndevs;               /* written under probe_once only */
static Once probe_once;

void blk_register(BlockDev *d)
{
	if (ndevs < BLK_MAX_DEVS)
		devs[ndevs++] = d;
}

static void probe(void *arg)
{
	(void)arg;
	blk_driver_probe();
}

/* Once_Do orders the probe's stores before every caller's loads. */
BlockDev *Block_Open(int index)
{
	Once_Do(&probe_once, probe, NULL);
	return index >= 0 && index < ndevs ? devs[index] : NULL;
}

uint64_t Block_Sectors(BlockDev *d)
{
	return d ? d->sectors : 0;
}

/* Map every page of buf now (a goroutine stack grows on first touch; a
 * bad pointer faults here, in the caller, as a nil dereference would):
 * the device cannot take a page fault. */
static void touch(const void *buf, uint32_t len)
{
	const volatile char *p = buf;
	for (uint32_t off = 0; off < len; off += 4096 - (((uintptr_t)p + off) & 4095))
		(void)p[off];
	if (len)
		(void)p[len - 1];
}

/* One request: offer it, park until its completion, give back. */
static int blk_do(BlockDev *d, enum blk_op op, uint64_t sector, void *buf, uint32_t bytes)
{
	struct blk_req r = { .op = op, .sector = sector, .buf = buf, .bytes = bytes };
	touch(buf, bytes);
	if (!d->ops->submit(d, &r))
		return r.err;
	iowait_park(&r.done);
	if (d->ops->finish)
		d->ops->finish(d, &r);
	return r.err;
}

static int blk_rw(BlockDev *d, enum blk_op op, uint64_t sector, const void *buf, uint32_t count)
{
	if (d == NULL || buf == NULL || count == 0)
		return BlockErrInvalid;
	if (sector >= d->sectors || count > d->sectors - sector)
		return BlockErrRange;
	if (op == BLK_WRITE && d->readonly)
		return BlockErrReadOnly;
	char *p = (char *)buf;          /* a write's buffer is only read */
	while (count > 0) {
		uint32_t n = count < d->max_sectors ? count : d->max_sectors;
		int err = blk_do(d, op, sector, p, n * BLK_SECTOR);
		if (err)
			return err;
		sector += n;
		p += (size_t)n * BLK_SECTOR;
		count -= n;
	}
	return 0;
}

int Block_Read(BlockDev *d, uint64_t sector, void *buf, uint32_t count)
{
	return blk_rw(d, BLK_READ, sector, buf, count);
}

int Block_Write(BlockDev *d, uint64_t sector, const void *buf, uint32_t count)
{
	return blk_rw(d, BLK_WRITE, sector, buf, count);
}

int Block_Flush(BlockDev *d)
{
	if (d == NULL)
		return BlockErrInvalid;
	return blk_do(d, BLK_FLUSH, 0, NULL, 0);
}
