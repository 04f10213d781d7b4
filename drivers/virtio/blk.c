/*
 * blk.c - virtio block devices: Block_Open, Block_Read, Block_Write,
 * Block_Flush (include/gort.h), with many requests in flight from many
 * goroutines, each parked in IO wait until its completion interrupt.
 *
 * Objects:
 *   BlockDev  - one device: its transport, one virtqueue (request queue 0),
 *               capacity and features (set at probe, then read-only),
 *               `dead` and the watchdog's state (q.lock), and the
 *               descriptor reservations.
 *   blk_req   - one request, on the caller's stack: the header and status
 *               byte the device reads and writes by DMA, the result, its
 *               deadline, and the iowait the caller parks on.
 *   d->wd     - the watchdog, a runtime timer (kernel/time): pending while
 *               requests are in flight, at the earliest deadline.
 *
 * A request's life:
 *   1. reserve its descriptors (free_desc, under mu; a Cond waits for
 *      room), so step 2 cannot fail;
 *   2. under q.lock: chain header, data, status and offer them; ring the
 *      doorbell;                                           ("arm")
 *   3. iowait_park on the request: it returns at once if the interrupt
 *      came already, else when the handler readies it.    ("check, park")
 *   4. free the chain, give back the reservation, return the status.
 * The interrupt handler, for each used entry: the request's result, then
 * iowait_ready - its last touch of the request, which lives on a stack
 * that is gone once the caller returns. (So there is no separate "done"
 * flag: a caller that saw one could return before iowait_ready ran.)
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
#include "drivers/virtio/virtio.h"
#include "kernel/io/io.h"
#include "kernel/mm/mheap.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/time/timer.h"
#include "arch.h"

#define MAX_BLOCKDEVS   8
#define QUEUE_SIZE      128
#define MAX_XFER_SECTORS 128            /* 64 KiB per request: <= 19 descriptors */

#define VIRTIO_BLK_F_RO     (1ull << 5)
#define VIRTIO_BLK_F_FLUSH  (1ull << 9)
enum { VIRTIO_BLK_T_IN = 0, VIRTIO_BLK_T_OUT = 1, VIRTIO_BLK_T_FLUSH = 4 };
enum { VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2 };

struct BlockDev {
	struct virtio_dev dev;
	uintptr_t addr;         /* the transport's address, for messages
	                           (dev.base moves under blkfault=gone) */
	struct virtq q;
	uint64_t sectors;
	bool readonly, can_flush;
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

struct blk_req {
	struct {
		uint32_t type;
		uint32_t reserved;
		uint64_t sector;
	} hdr;                  /* device reads; 16-aligned: one page */
	uint8_t status;         /* device writes */
	uint32_t want;          /* bytes the device must report written */
	int err;                /* the handler's verdict, before iowait_ready */
	int64_t deadline;       /* nanotime of the next check; q.lock */
	struct iowait done;
} __attribute__((aligned(16)));

static BlockDev *devs[MAX_BLOCKDEVS];
static int ndevs;               /* written once, under probe_once */
static Once probe_once;

/* ---- interrupt side, and the watchdog ---- */

static void complete(struct blk_req *r, int err)
{
	r->err = err;
	iowait_ready(&r->done);         /* the last touch of r */
}

/* The device's verdict; a read it reports shorter than asked is an
 * I/O error too (the buffer was not all filled). */
static int status_err(const struct blk_req *r, uint32_t len)
{
	if (r->status == VIRTIO_BLK_S_UNSUPP)
		return BlockErrUnsupported;
	return r->status == VIRTIO_BLK_S_OK && len >= r->want ? 0 : BlockErrIO;
}

/* Do the registers still describe a working block device? A removed one
 * reads as all ones (or zeros); a broken one asks for a reset. */
static bool healthy(const BlockDev *d)
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
static inline __attribute__((always_inline)) const char *reap(BlockDev *d)
{
	struct blk_req *r;
	uint32_t len;
	bool bad;
	while ((r = virtq_get_used(&d->q, &len, &bad)) != NULL) {
		d->ncompleted++;
		if (len > r->want) {    /* more than its writable buffers hold */
			complete(r, BlockErrDevice);
			return "used entry with a bad length";
		}
		complete(r, status_err(r, len));
	}
	return bad ? "used entry naming no request in flight" : NULL;
}

/* q.lock held: the device is dead. Reset it first - after a reset a device
 * may not touch the rings or the buffers any more (a removed one cannot) -
 * then fail every request in flight; later ones fail at once. */
static void kill(BlockDev *d, const char *why)
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
		complete(r, BlockErrDevice);
}

static void blk_isr(void *arg)
{
	BlockDev *d = arg;
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
static const char *check_overdue(BlockDev *d, int64_t now)
{
	if (d->ncompleted != d->progress_seen) {
		d->progress_seen = d->ncompleted;
		d->progress_at = now;
	}
	bool overdue = false;
	struct blk_req *r;
	for (uint16_t i = 0; (r = virtq_next_inflight(&d->q, &i)) != NULL; i++)
		overdue |= r->deadline <= now;
	if (overdue && now - d->progress_at >= d->timeout)
		return "no request finished within blktimeout";
	for (uint16_t i = 0; (r = virtq_next_inflight(&d->q, &i)) != NULL; i++)
		if (r->deadline <= now)
			r->deadline = now + d->timeout;
	return NULL;
}

/* q.lock held: the earliest deadline in flight, or INT64_MAX. */
static int64_t next_deadline(BlockDev *d)
{
	int64_t next = INT64_MAX;
	struct blk_req *r;
	for (uint16_t i = 0; (r = virtq_next_inflight(&d->q, &i)) != NULL; i++)
		if (r->deadline < next)
			next = r->deadline;
	return next;
}

/* The timer d->wd, on g0 at the earliest deadline of a request in flight:
 * look at the ring (a lost interrupt is found here), then the registers,
 * then whether the device still makes progress. Re-armed while requests
 * are in flight. */
static void watchdog(void *arg, int64_t now)
{
	BlockDev *d = arg;
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

static bool is_dead(BlockDev *d)
{
	stack_nofault_enter();
	unsigned long flags = spin_lock_irqsave(&d->q.lock);
	bool dead = d->dead;
	spin_unlock_irqrestore(&d->q.lock, flags);
	stack_nofault_exit();
	return dead;
}

static void reserve(BlockDev *d, int n)
{
	Mutex_Lock(&d->mu);
	while (d->free_desc < n)
		Cond_Wait(&d->room);
	d->free_desc -= n;
	Mutex_Unlock(&d->mu);
}

static void unreserve(BlockDev *d, int n)
{
	Mutex_Lock(&d->mu);
	d->free_desc += n;
	Cond_Broadcast(&d->room);
	Mutex_Unlock(&d->mu);
}

/* Map every page of buf now (a goroutine stack grows on first touch): the
 * device cannot take a page fault. */
static void touch(const void *buf, uint32_t len)
{
	const volatile char *p = buf;
	for (uint32_t off = 0; off < len; off += 4096 - (((uintptr_t)p + off) & 4095))
		(void)p[off];
	if (len)
		(void)p[len - 1];
}

static int blk_do(BlockDev *d, uint32_t type, uint64_t sector, const void *buf, uint32_t bytes)
{
	struct blk_req r = { .hdr = { .type = type, .sector = sector },
	                     .want = type == VIRTIO_BLK_T_IN ? bytes + 1 : 1 };
	struct vseg segs[3] = {
		{ &r.hdr, sizeof r.hdr, false },
		{ buf, bytes, type == VIRTIO_BLK_T_IN },
		{ &r.status, 1, true },
	};
	int n = 3;
	if (bytes == 0) {
		segs[1] = segs[2];
		n = 2;
	}
	touch(buf, bytes);
	int need = virtq_ndesc(segs, n);
	if (need < 0)
		return BlockErrInvalid;
	reserve(d, need);
	int64_t now = d->timeout > 0 ? nanotime() : 0;
	bool arm = false;
	stack_nofault_enter();          /* a device lock: docs/locks.md */
	unsigned long flags = spin_lock_irqsave(&d->q.lock);
	int head = d->dead ? -1 : virtq_add(&d->q, segs, n, &r);
	r.deadline = now + d->timeout;
	if (head >= 0 && d->timeout > 0 && !d->wd_armed) {
		d->wd_armed = arm = true;       /* the device was idle: */
		d->progress_at = now;           /* its silence starts now */
	}
	spin_unlock_irqrestore(&d->q.lock, flags);
	if (head >= 0) {
		arch_dma_mb();          /* avail->idx before the doorbell */
		vio_wr(&d->dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	}
	stack_nofault_exit();
	if (head < 0) {
		unreserve(d, need);
		return BlockErrDevice;
	}
	if (arm) {                      /* off the heap until this add */
		d->wd.when = r.deadline;
		timer_add(&d->wd);
	}
	iowait_park(&r.done);
	stack_nofault_enter();
	flags = spin_lock_irqsave(&d->q.lock);
	virtq_free(&d->q, (uint16_t)head);
	spin_unlock_irqrestore(&d->q.lock, flags);
	stack_nofault_exit();
	unreserve(d, need);
	return r.err;
}

static int blk_rw(BlockDev *d, uint32_t type, uint64_t sector, const void *buf, uint32_t count)
{
	if (d == NULL || buf == NULL || count == 0)
		return BlockErrInvalid;
	if (sector >= d->sectors || count > d->sectors - sector)
		return BlockErrRange;
	if (type == VIRTIO_BLK_T_OUT && d->readonly)
		return BlockErrReadOnly;
	const char *p = buf;
	while (count > 0) {
		uint32_t n = count < MAX_XFER_SECTORS ? count : MAX_XFER_SECTORS;
		int err = blk_do(d, type, sector, p, n * 512);
		if (err)
			return err;
		sector += n;
		p += (size_t)n * 512;
		count -= n;
	}
	return 0;
}

int Block_Read(BlockDev *d, uint64_t sector, void *buf, uint32_t count)
{
	return blk_rw(d, VIRTIO_BLK_T_IN, sector, buf, count);
}

int Block_Write(BlockDev *d, uint64_t sector, const void *buf, uint32_t count)
{
	return blk_rw(d, VIRTIO_BLK_T_OUT, sector, buf, count);
}

int Block_Flush(BlockDev *d)
{
	if (d == NULL)
		return BlockErrInvalid;
	if (!d->can_flush)              /* no write cache to flush */
		return is_dead(d) ? BlockErrDevice : 0;
	return blk_do(d, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
}

uint64_t Block_Sectors(BlockDev *d)
{
	return d ? d->sectors : 0;
}

/* ---- discovery ---- */

static BlockDev *blk_init(const struct virtio_dev *vd, const struct virtio_mmio_node *node)
{
	BlockDev *d = calloc(1, sizeof *d);
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
	d->readonly = (d->dev.features & VIRTIO_BLK_F_RO) != 0;
	d->can_flush = (d->dev.features & VIRTIO_BLK_F_FLUSH) != 0;
	d->sectors = virtio_mmio_config(&d->dev, 0, 8);
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

static void probe(void *arg)
{
	(void)arg;
	for (int i = 0; i < bootinfo.nvirtio && ndevs < MAX_BLOCKDEVS; i++) {
		struct virtio_dev vd;
		if (!virtio_mmio_probe(&vd, (uintptr_t)bootinfo.virtio[i].base) ||
		    vd.device_id != VIRTIO_ID_BLOCK)
			continue;
		BlockDev *d = blk_init(&vd, &bootinfo.virtio[i]);
		if (d)
			devs[ndevs++] = d;
	}
}

BlockDev *Block_Open(int index)
{
	Once_Do(&probe_once, probe, NULL);
	return index >= 0 && index < ndevs ? devs[index] : NULL;
}
