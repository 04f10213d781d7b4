/*
 * block.h - the portable half of every block driver: the Block_* API
 * (include/gort.h) over a small driver interface (docs/devices.md).
 *
 * A block driver knows how to hand one request to its device and how to
 * take the device's answer; everything else is here, once, for every
 * driver: the argument checks (NULL, count 0, range, read-only), splitting
 * a transfer into requests of at most max_sectors, mapping the buffer's
 * pages before the device sees it, parking the caller in "IO wait" until
 * its completion, and the device table behind Block_Open.
 *
 * A request's life (block.c's blk_do, on the caller's goroutine):
 *   1. touch every page of the buffer (a stack page is mapped on first
 *      touch; the device cannot take the fault);
 *   2. ops->submit(d, r): the driver offers r to its device ("arm").
 *      false: r never reached the device and r->err says why;
 *   3. iowait_park(&r->done): back when the completion readied it (at
 *      once if it did already);                         ("check, park")
 *   4. ops->finish(d, r), if any: the driver takes back what it lent the
 *      request (descriptors, say); then r->err is the result.
 * The completion side, in the driver's interrupt handler: blk_complete(r,
 * err) - the last touch of r, which lives on a stack that is gone once
 * the caller returns.
 *
 * Drivers: drivers/virtio/blk.c (a virtio-mmio device, on the boards),
 * arch/hosted/blk.c (a host file served by host threads, the hosted
 * build). One build links one of them; it defines blk_driver_probe.
 */
#ifndef DRIVERS_BLOCK_BLOCK_H
#define DRIVERS_BLOCK_BLOCK_H

#include <stdint.h>
#include <stdbool.h>
#include "gort.h"
#include "kernel/io/io.h"

#define BLK_SECTOR 512
#define BLK_MAX_DEVS 8          /* Block_Open indexes 0..7 */

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

/* One request, on the caller's stack. priv is the driver's: whatever it
 * must keep per request (a virtio header and status byte the device
 * reads and writes, a host device's result), 16-aligned. */
struct blk_req {
	enum blk_op op;
	uint64_t sector;
	void *buf;              /* NULL and 0 for BLK_FLUSH */
	uint32_t bytes;
	int err;                /* the result: blk_complete's, or submit's */
	struct iowait done;
	_Alignas(16) uint8_t priv[48];
};

/* A driver's view of r->priv; BLK_PRIV_FITS(type) at file scope checks
 * that it fits. */
#define BLK_PRIV(r, type) ((type *)(void *)(r)->priv)
#define BLK_PRIV_FITS(type) \
	_Static_assert(sizeof(type) <= sizeof(((struct blk_req *)0)->priv) && \
	               _Alignof(type) <= 16, #type " fits blk_req.priv")

struct blk_ops {
	/* Goroutine context, holding no spinlock: offer r to the device (it
	 * may wait for room). true: the device has r, and will complete it;
	 * false: r->err is the result and the device never saw r. */
	bool (*submit)(BlockDev *d, struct blk_req *r);
	/* After the caller woke: give back what submit took (NULL: nothing). */
	void (*finish)(BlockDev *d, struct blk_req *r);
};

/* The driver-independent part of a device; a driver's device embeds it
 * first, and converts with blk_dev_of / its own container cast. Set at
 * probe, read-only after. */
struct BlockDev {
	const struct blk_ops *ops;
	uint64_t sectors;       /* capacity in BLK_SECTOR sectors */
	uint32_t max_sectors;   /* per request: larger transfers are split */
	bool readonly;
};

/* Interrupt context (or any context): r's result is err; ready its
 * caller. The last touch of r. */
static inline void blk_complete(struct blk_req *r, int err)
{
	r->err = err;
	iowait_ready(&r->done);
}

/* Probe time (from blk_driver_probe): d is the next Block_Open index. */
void blk_register(BlockDev *d);

/* The build's block driver finds its devices and blk_register()s them;
 * called once, by the first Block_Open. */
void blk_driver_probe(void);

#endif
