/*
 * virtio.h - virtio over MMIO (the transport QEMU virt gives both arches)
 * and the split virtqueue (virtio 1.x, "modern" devices only).
 *
 * A transport is a page of registers found in the device tree
 * (bootinfo.virtio[]); the registers say which device sits behind it
 * (DeviceID 0: none). A virtqueue is three rings in memory the device
 * reaches by DMA: descriptors (buffers: physical address, length, flags,
 * next), the available ring (heads of chains the driver offers) and the
 * used ring (heads the device has finished, with the bytes it wrote).
 * docs/devices.md walks through a request.
 */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "kernel/lib/spinlock.h"

/* ---- fault injection (fault.c; docs/devices.md "Failures and timeouts")
 *
 * Boot flags blkfault=KIND blkfaultn=N make the first block device
 * misbehave once: at its Nth used entry (drop, lostirq, badid, staleid,
 * badlen), or by vanishing or breaking as its Nth request is offered
 * (gone, needsreset). The hooks sit where the device's answers enter the
 * driver - a used-ring entry, the register window - and change what the
 * driver sees; everything after that is the production code path. Off
 * (the default), a hook costs one predicted branch per used entry and per
 * request. */
struct vfault;
struct virtq;
struct virtio_dev;
struct vring_used_elem;
/* The fault the boot flags ask for, on device d, or NULL. */
struct vfault *vfault_from_bootargs(struct virtio_dev *d);
enum vfault_verdict { VF_PASS, VF_SKIP, VF_LATER };
/* Queue lock held: the driver is about to read used entry *e (in the
 * ring, which the device only writes before it publishes the index); may
 * rewrite it, or say skip it (lost for good) or not yet (its interrupt was
 * lost). */
enum vfault_verdict vfault_used(struct vfault *f, struct virtq *q, struct vring_used_elem *e);
/* Queue lock held: a request was offered. */
void vfault_offered(struct vfault *f);

/* ---- MMIO transport (mmio.c) ---- */

enum {
	VIRTIO_MMIO_MAGIC = 0x000, VIRTIO_MMIO_VERSION = 0x004,
	VIRTIO_MMIO_DEVICE_ID = 0x008, VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
	VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014, VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
	VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024, VIRTIO_MMIO_QUEUE_SEL = 0x030,
	VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034, VIRTIO_MMIO_QUEUE_NUM = 0x038,
	VIRTIO_MMIO_QUEUE_READY = 0x044, VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
	VIRTIO_MMIO_INTERRUPT_STATUS = 0x060, VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
	VIRTIO_MMIO_STATUS = 0x070, VIRTIO_MMIO_QUEUE_DESC = 0x080,
	VIRTIO_MMIO_QUEUE_DRIVER = 0x090, VIRTIO_MMIO_QUEUE_DEVICE = 0x0a0,
	VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc, VIRTIO_MMIO_CONFIG = 0x100,
};
enum {  /* device status */
	VIRTIO_STATUS_ACK = 1, VIRTIO_STATUS_DRIVER = 2, VIRTIO_STATUS_DRIVER_OK = 4,
	VIRTIO_STATUS_FEATURES_OK = 8, VIRTIO_STATUS_NEEDS_RESET = 64,
	VIRTIO_STATUS_FAILED = 128,
};
#define VIRTIO_MAGIC        0x74726976u     /* "virt" */
#define VIRTIO_F_VERSION_1  (1ull << 32)
#define VIRTIO_ID_BLOCK     2

#define VIRTIO_MMIO_INT_VRING   1       /* INTERRUPT_STATUS: used buffers
                                           (bit 1: config changed, which
                                           is how NEEDS_RESET is told) */

struct virtio_dev {
	uintptr_t base;         /* registers; set at probe; atomic, because
	                           fault.c's gone/needsreset point it elsewhere */
	uint32_t device_id;
	uint64_t features;      /* negotiated */
};

/* relaxed loads of base: the same instruction as a plain one; a register
 * access racing with fault.c's removal may reach either window, as one
 * racing with a real removal may or may not reach the device */
static inline uint32_t vio_rd(const struct virtio_dev *d, uint32_t off)
{
	return *(volatile uint32_t *)(__atomic_load_n(&d->base, __ATOMIC_RELAXED) + off);
}
static inline void vio_wr(const struct virtio_dev *d, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(__atomic_load_n(&d->base, __ATOMIC_RELAXED) + off) = v;
}

/* Is a modern (version 2) device behind this transport? Fills d. */
bool virtio_mmio_probe(struct virtio_dev *d, uintptr_t base);
/* Reset, acknowledge, negotiate `want` (VERSION_1 is added and required).
 * false: the device refused or is not modern. */
bool virtio_mmio_negotiate(struct virtio_dev *d, uint64_t want);
/* Set up queue qi with q's rings (virtq_init first). false on error. */
bool virtio_mmio_queue(struct virtio_dev *d, int qi, struct virtq *q);
/* DRIVER_OK: the device may start. */
void virtio_mmio_ready(struct virtio_dev *d);
/* A consistent read of n (4 or 8) config bytes at off. */
uint64_t virtio_mmio_config(struct virtio_dev *d, uint32_t off, int n);

/* ---- split virtqueue (virtqueue.c) ---- */

struct vring_desc {
	uint64_t addr;          /* physical */
	uint32_t len;
	uint16_t flags;         /* VRING_DESC_F_* */
	uint16_t next;
};
#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2    /* the device writes this buffer */

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
struct vring_used_elem {
	uint32_t id;            /* head of the finished chain */
	uint32_t len;           /* bytes the device wrote */
};
struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

/* One buffer of a request, by virtual address; virtq_add splits it at
 * physical discontinuities. */
struct vseg {
	const void *p;
	uint32_t len;
	bool device_writes;
};

/* A virtqueue. Everything below `lock` is protected by it (drivers take it
 * with spin_lock_irqsave, since their interrupt handler takes it too). */
struct virtq {
	uint16_t num;                   /* entries, a power of two; set once */
	struct vring_desc *desc;        /* rings: set once, shared with the device */
	struct vring_avail *avail;
	struct vring_used *used;
	spinlock_t lock;
	uint16_t free_head;             /* free descriptors, chained by next */
	uint16_t nfree;
	uint16_t last_used;             /* used entries consumed so far */
	void **cookie;                  /* per chain head: the driver's request */
	struct vfault *fault;           /* fault.c, or NULL; set before use */
};

/* Allocate rings of num entries (a power of two). false: out of range. */
bool virtq_init(struct virtq *q, uint16_t num);
/* Descriptors segs would take (lock not needed); -1 if a page of them is
 * not mapped. */
int virtq_ndesc(const struct vseg *segs, int n);
/* Lock held: chain segs, offer it, remember cookie. Returns the head, or
 * -1 if fewer than virtq_ndesc(segs, n) descriptors are free. */
int virtq_add(struct virtq *q, const struct vseg *segs, int n, void *cookie);
/* Lock held: the next finished chain's cookie (NULL if none). *bad is set
 * if the device returned a head that is not an offered chain. */
void *virtq_get_used(struct virtq *q, uint32_t *len, bool *bad);
/* Lock held: return a finished chain's descriptors. */
void virtq_free(struct virtq *q, uint16_t head);
/* Lock held: every chain still offered, for failing them all. */
void *virtq_take_any(struct virtq *q, uint16_t *head);
/* Lock held: the cookie of the first chain in flight with head >= *i, and
 * *i set to its head (continue from *i + 1); NULL when there are no more. */
void *virtq_next_inflight(struct virtq *q, uint16_t *i);

#endif
