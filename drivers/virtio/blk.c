/*
 * blk.c - the virtio block driver: the device side of Block_Read,
 * Block_Write, Block_Flush (drivers/block/block.c has the API, the
 * checks and the caller's wait), with many requests in flight from many
 * goroutines, each parked in IO wait until its completion interrupt.
 *
 * Objects:
 *   struct vblk - one device: the portable BlockDev (capacity, read-only;
 *               set at probe), its transport, one virtqueue (request
 *               queue 0), features, `dead` and the watchdog's state
 *               (q.lock), and the descriptor reservations.
 *   vreq      - a request's driver part (struct blk_req's priv, on the
 *               caller's stack): the header and status byte the device
 *               reads and writes by DMA, its deadline, its chain.
 *   d->wd     - the watchdog, a runtime timer (kernel/time): pending while
 *               requests are in flight, at the earliest deadline.
 *
 * A request's life (drivers/block/block.h has the portable steps):
 *   1. submit: reserve its descriptors (free_desc, under mu; a Cond waits
 *      for room), so the add cannot fail; under q.lock chain header, data,
 *      status and offer them; ring the doorbell;           ("arm")
 *   2. the caller parks (block.c);                         ("check, park")
 *   3. finish: free the chain, give back the reservation.
 * The interrupt handler, for each used entry: the request's result, then
 * blk_complete - its last touch of the request, which lives on a stack
 * that is gone once the caller returns. (So there is no separate "done"
 * flag: a caller that saw one could return before the wake-up ran.)
 *
 * Errors, never a hang or corruption: a range past the end or count 0
 * before anything is sent; the device's own error status; and a device
 * that is removed, needs a reset, returns a used entry that heads no
 * request or claims too long a length, or finishes nothing for a whole
 * blktimeout while a request is overdue: it is reset and marked dead, and
 * every request in flight fails with BlockErrDevice, as does every later
 * one. A device that is slow but finishing things keeps its requests.
 * docs/devices.md "Failures and timeouts" has the whole table.
 *
 * States of a device: alive --kill (interrupt or watchdog, q.lock)--> dead.
 * The watchdog: idle (wd_armed false, wd on no heap) --a request finds the
 * device idle: it sets wd_armed and adds wd--> armed --wd fires: checks,
 * then re-adds itself, or clears wd_armed if nothing is in flight--> ...
 * Only the one who set wd_armed (or the callback, which leaves it set)
 * adds wd, so it is never on two heaps. Go's netpoll deadlines use one
 * timer per pollDesc; here the deadline of the oldest request is enough,
 * since what is checked is the device, not one caller.
 *
 * Go has no block devices; this is the part of an OS's disk driver that a
 * netpoller-style runtime needs. docs/devices.md.
 */
#include <stdlib.h>
#include "gort.h"
#include "drivers/block/block.h"
#include "drivers/virtio/virtio.h"
#include "kernel/io/io.h"
#include "kernel/mm/mheap.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/time/timer.h"
#include "arch.h"

#define QUEUE_SIZE      128
#define MAX_XFER_SECTORS 128            /* 64 KiB per request: <= 19 descriptors */

#define VIRTIO_BLK_F_RO     (1ull << 5)
#define VIRTIO_BLK_F_FLUSH  (1ull << 9)
enum { VIRTIO_BLK_T_IN = 0, VIRTIO_BLK_T_OUT = 1, VIRTIO_BLK_T_FLUSH = 4 };
enum { VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2 };

struct vblk {
	BlockDev blk;           /* first: the portable part (block.h) */
	struct virtio_dev dev;
	uintptr_t addr;         /* the transport's address, for messages
	                           (dev.base moves under blkfault=gone) */
	struct virtq q;
	bool can_flush;
	int64_t timeout;        /* ns, blktimeout; 0: no watchdog; set at probe */
	bool dead;              /* q.lock */
	struct timer wd;        /* the watchdog: on a timer heap while
	                           wd_armed, but for the moments between
	                           setting it and timer_add, and while its
	                           callback runs */
	bool wd_armed;          /* q.lock; whoever sets it adds wd */
	uint64_t ncompleted;    /* requests the device finished; q.lock */
	uint64_t progress_seen; /* ncompleted at the last check; q.lock */
	int64_t progress_at;    /* when the device last showed progress; q.lock */
	Mutex mu;
	Cond room;              /* L = &mu: free_desc grew */
	int free_desc;          /* descriptors not reserved; mu */
};

struct vreq {
	struct {
		uint32_t type;
		uint32_t reserved;
		uint64_t sector;
	} hdr;                  /* device reads; 16-aligned: one page */
	uint8_t status;         /* device writes */
	uint32_t want;          /* bytes the device must report written */
	int64_t deadline;       /* nanotime of the next check; q.lock */
	int head;               /* its chain, from virtq_add */
	int need;               /* descriptors reserved for it */
} __attribute__((aligned(16)));
BLK_PRIV_FITS(struct vreq);

static inline struct vreq *vreq(struct blk_req *r)
{
	return BLK_PRIV(r, struct vreq);
}

static inline struct vblk *vblk(BlockDev *d)
{
	return (struct vblk *)d;        /* blk is the first member */
}

static int ndevs;               /* probed so far (blkfault= is device 0's) */

/* ---- interrupt side, and the watchdog ---- */

/* The device's verdict; a read it reports shorter than asked is an
 * I/O error too (the buffer was not all filled). */
static int status_err(const struct vreq *v, uint32_t len)
{
	if (v->status == VIRTIO_BLK_S_UNSUPP)
		return BlockErrUnsupported;
	return v->status == VIRTIO_BLK_S_OK && len >= v->want ? 0 : BlockErrIO;
}

/* Do the registers still describe a working block device? A removed one
 * reads as all ones (or zeros); a broken one asks for a reset. */
static bool healthy(const struct vblk *d)
{
	uint32_t st = vio_rd(&d->dev, VIRTIO_MMIO_STATUS);
	return vio_rd(&d->dev, VIRTIO_MMIO_MAGIC) == VIRTIO_MAGIC &&
	       vio_rd(&d->dev, VIRTIO_MMIO_VERSION) == 2 &&
	       vio_rd(&d->dev, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK &&
	       (st & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) == 0 &&
	       (st & VIRTIO_STATUS_DRIVER_OK) != 0;
}

/* q.lock held: complete every request the used ring reports done. NULL,
 * or why the device broke the protocol (then some entry was not used).
 * Inline: it is most of the interrupt handler. */
static inline __attribute__((always_inline)) const char *reap(struct vblk *d)
{
	struct blk_req *r;
	uint32_t len;
	bool bad;
	while ((r = virtq_get_used(&d->q, &len, &bad)) != NULL) {
		d->ncompleted++;
		if (len > vreq(r)->want) {      /* more than its writable buffers hold */
			blk_complete(r, BlockErrDevice);
			return "used entry with a bad length";
		}
		blk_complete(r, status_err(vreq(r), len));
	}
	return bad ? "used entry naming no request in flight" : NULL;
}

/* q.lock held: the device is dead. Reset it first - after a reset a device
 * may not touch the rings or the buffers any more (a removed one cannot) -
 * then fail every request in flight; later ones fail at once. */
static void kill(struct vblk *d, const char *why)
{
	d->dead = true;
	vio_wr(&d->dev, VIRTIO_MMIO_STATUS, 0);
	for (int i = 0; i < 100 && vio_rd(&d->dev, VIRTIO_MMIO_STATUS) != 0; i++)
		;                       /* a removed device never reads 0 */
	printk("virtio-blk at %#lx: %s: device dead, failing every request\n",
	       (unsigned long)d->addr, why);
	struct blk_req *r;
	uint16_t head;
	while ((r = virtq_take_any(&d->q, &head)) != NULL)
		blk_complete(r, BlockErrDevice);
}

static void blk_isr(void *arg)
{
	struct vblk *d = arg;
	uint32_t st = vio_rd(&d->dev, VIRTIO_MMIO_INTERRUPT_STATUS);
	vio_wr(&d->dev, VIRTIO_MMIO_INTERRUPT_ACK, st);
	unsigned long flags = spin_lock_irqsave(&d->q.lock);
	if (!d->dead) {
		/* Only "used buffers" is routine; anything else (a config
		 * change - how NEEDS_RESET is announced -, no cause, all
		 * ones from a removed device) is worth reading the registers */
		const char *why = NULL;
		if (st != VIRTIO_MMIO_INT_VRING && !healthy(d))
			why = "device error or device removed";
		if (why == NULL)
			why = reap(d);
		if (why != NULL)
			kill(d, why);
	}
	spin_unlock_irqrestore(&d->q.lock, flags);
}

/* q.lock held, at a deadline: is a request overdue, and has the device
 * finished nothing for a whole timeout? (then it has stopped answering;
 * a device that finishes something meanwhile is slow, and keeps its
 * requests: the overdue ones get another timeout.) */
static const char *check_overdue(struct vblk *d, int64_t now)
{
	if (d->ncompleted != d->progress_seen) {
		d->progress_seen = d->ncompleted;
		d->progress_at = now;
	}
	bool overdue = false;
	struct blk_req *r;
	for (uint16_t i = 0; (r = virtq_next_inflight(&d->q, &i)) != NULL; i++)
		overdue |= vreq(r)->deadline <= now;
	if (overdue && now - d->progress_at >= d->timeout)
		return "no request finished within blktimeout";
	for (uint16_t i = 0; (r = virtq_next_inflight(&d->q, &i)) != NULL; i++)
		if (vreq(r)->deadline <= now)
			vreq(r)->deadline = now + d->timeout;
	return NULL;
}

/* q.lock held: the earliest deadline in flight, or INT64_MAX. */
static int64_t next_deadline(struct vblk *d)
{
	int64_t next = INT64_MAX;
	struct blk_req *r;
	for (uint16_t i = 0; (r = virtq_next_inflight(&d->q, &i)) != NULL; i++)
		if (vreq(r)->deadline < next)
			next = vreq(r)->deadline;
	return next;
}

/* The timer d->wd, on g0 at the earliest deadline of a request in flight:
 * look at the ring (a lost interrupt is found here), then the registers,
 * then whether the device still makes progress. Re-armed while requests
 * are in flight. */
static void watchdog(void *arg, int64_t now)
{
	struct vblk *d = arg;
	unsigned long flags = spin_lock_irqsave(&d->q.lock);
	if (!d->dead) {
		const char *why = reap(d);
		if (why == NULL && !healthy(d))
			why = "device error or device removed";
		if (why == NULL)
			why = check_overdue(d, now);
		if (why != NULL)
			kill(d, why);
	}
	int64_t next = d->dead ? INT64_MAX : next_deadline(d);
	d->wd_armed = next != INT64_MAX;
	spin_unlock_irqrestore(&d->q.lock, flags);
	if (next != INT64_MAX) {        /* d->wd is ours: wd_armed stays set */
		d->wd.when = next;
		timer_add(&d->wd);
	}
}

/* ---- request side ---- */

static bool is_dead(struct vblk *d)
{
	stack_nofault_enter();
	unsigned long flags = spin_lock_irqsave(&d->q.lock);
	bool dead = d->dead;
	spin_unlock_irqrestore(&d->q.lock, flags);
	stack_nofault_exit();
	return dead;
}

static void reserve(struct vblk *d, int n)
{
	Mutex_Lock(&d->mu);
	while (d->free_desc < n)
		Cond_Wait(&d->room);
	d->free_desc -= n;
	Mutex_Unlock(&d->mu);
}

static void unreserve(struct vblk *d, int n)
{
	Mutex_Lock(&d->mu);
	d->free_desc += n;
	Cond_Broadcast(&d->room);
	Mutex_Unlock(&d->mu);
}

static const uint32_t vtype[] = {
	[BLK_READ] = VIRTIO_BLK_T_IN, [BLK_WRITE] = VIRTIO_BLK_T_OUT,
	[BLK_FLUSH] = VIRTIO_BLK_T_FLUSH,
};

/* block.h's submit: reserve, chain, offer, ring. A flush without a write
 * cache to flush finishes at once. */
static bool vblk_submit(BlockDev *bd, struct blk_req *r)
{
	struct vblk *d = vblk(bd);
	struct vreq *v = vreq(r);
	if (r->op == BLK_FLUSH && !d->can_flush) {
		r->err = is_dead(d) ? BlockErrDevice : 0;
		return false;
	}
	*v = (struct vreq){ .hdr = { .type = vtype[r->op], .sector = r->sector },
	                    .want = r->op == BLK_READ ? r->bytes + 1 : 1 };
	struct vseg segs[3] = {
		{ &v->hdr, sizeof v->hdr, false },
		{ r->buf, r->bytes, r->op == BLK_READ },
		{ &v->status, 1, true },
	};
	int n = 3;
	if (r->bytes == 0) {
		segs[1] = segs[2];
		n = 2;
	}
	v->need = virtq_ndesc(segs, n);
	if (v->need < 0) {
		r->err = BlockErrInvalid;
		return false;
	}
	reserve(d, v->need);
	int64_t now = d->timeout > 0 ? nanotime() : 0;
	bool arm = false;
	stack_nofault_enter();          /* a device lock: docs/locks.md */
	unsigned long flags = spin_lock_irqsave(&d->q.lock);
	v->head = d->dead ? -1 : virtq_add(&d->q, segs, n, r);
	v->deadline = now + d->timeout;
	if (v->head >= 0 && d->timeout > 0 && !d->wd_armed) {
		d->wd_armed = arm = true;       /* the device was idle: */
		d->progress_at = now;           /* its silence starts now */
	}
	int64_t deadline = v->deadline; /* r is the handler's once offered */
	bool offered = v->head >= 0;
	spin_unlock_irqrestore(&d->q.lock, flags);
	if (offered) {
		arch_dma_mb();          /* avail->idx before the doorbell */
		vio_wr(&d->dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	}
	stack_nofault_exit();
	if (!offered) {
		unreserve(d, v->need);
		r->err = BlockErrDevice;
		return false;
	}
	if (arm) {                      /* off the heap until this add */
		d->wd.when = deadline;
		timer_add(&d->wd);
	}
	return true;
}

/* block.h's finish: the chain and the reservation back. */
static void vblk_finish(BlockDev *bd, struct blk_req *r)
{
	struct vblk *d = vblk(bd);
	struct vreq *v = vreq(r);
	stack_nofault_enter();
	unsigned long flags = spin_lock_irqsave(&d->q.lock);
	virtq_free(&d->q, (uint16_t)v->head);
	spin_unlock_irqrestore(&d->q.lock, flags);
	stack_nofault_exit();
	unreserve(d, v->need);
}

static const struct blk_ops vblk_ops = { vblk_submit, vblk_finish };

/* ---- discovery ---- */

static struct vblk *blk_init(const struct virtio_dev *vd, const struct virtio_mmio_node *node)
{
	struct vblk *d = calloc(1, sizeof *d);
	d->dev = *vd;
	d->addr = vd->base;
	if (ndevs == 0)                 /* blkfault=: device 0 (fault.c) */
		d->q.fault = vfault_from_bootargs(&d->dev);
	d->room.L = &d->mu;
	if (!virtio_mmio_negotiate(&d->dev, VIRTIO_BLK_F_RO | VIRTIO_BLK_F_FLUSH) ||
	    !virtq_init(&d->q, QUEUE_SIZE) || !virtio_mmio_queue(&d->dev, 0, &d->q)) {
		printk("virtio-blk at %#lx: set-up failed\n", (unsigned long)vd->base);
		return NULL;
	}
	d->free_desc = d->q.num;
	d->blk = (BlockDev){ .ops = &vblk_ops, .max_sectors = MAX_XFER_SECTORS,
	                     .readonly = (d->dev.features & VIRTIO_BLK_F_RO) != 0,
	                     .sectors = virtio_mmio_config(&d->dev, 0, 8) };
	d->can_flush = (d->dev.features & VIRTIO_BLK_F_FLUSH) != 0;
	d->timeout = rtflags.blktimeout * 1000000;
	/* system: the waiters are counted by io_nwait already; the timer
	 * itself must not keep a deadlocked program "alive" */
	d->wd = (struct timer){ .f = watchdog, .arg = d, .system = true };
	if (irq_register(&node->irq, blk_isr, d) < 0) {
		printk("virtio-blk at %#lx: its interrupt cannot be routed\n", (unsigned long)vd->base);
		vio_wr(&d->dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
		return NULL;
	}
	virtio_mmio_ready(&d->dev);
	return d;
}

/* block.h: every virtio block transport in the device tree, in its order. */
void blk_driver_probe(void)
{
	for (int i = 0; i < bootinfo.nvirtio && ndevs < BLK_MAX_DEVS; i++) {
		struct virtio_dev vd;
		if (!virtio_mmio_probe(&vd, (uintptr_t)bootinfo.virtio[i].base) ||
		    vd.device_id != VIRTIO_ID_BLOCK)
			continue;
		struct vblk *d = blk_init(&vd, &bootinfo.virtio[i]);
		if (d) {
			blk_register(&d->blk);
			ndevs++;
		}
	}
}
