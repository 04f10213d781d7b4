/*
 * fault.c - make a virtio device misbehave on purpose, to test the driver's
 * failure paths (docs/devices.md "Failures and timeouts", docs/testing.md).
 *
 * QEMU cannot unplug a virtio-mmio device or make it lie, so the lie is
 * told where the device's answers enter the driver: a register read
 * (vio_rd) and a used-ring entry (virtq_get_used). The hook changes what
 * the driver sees there, once; every step after that - noticing, the
 * deadline, marking the device dead, failing the requests - is the code a
 * real failure runs. Selected by boot flags, for the first block device:
 *
 *   blkfault=drop     the Nth used entry and its interrupt are lost: the
 *                     request is never reported done (found by the deadline)
 *   blkfault=lostirq  the Nth used entry's interrupt is lost, the entry is
 *                     not: the next look at the ring finds it (the deadline)
 *   blkfault=badid    the Nth used entry names a descriptor out of range
 *   blkfault=staleid  the Nth used entry names a chain not in flight
 *   blkfault=badlen   the Nth used entry reports more bytes written than
 *                     the request's device-writable buffers hold
 *   blkfault=gone     as the Nth request is offered, the device is removed:
 *                     reset (it finishes nothing more and goes quiet, as an
 *                     unplugged device does), and its register window
 *                     replaced by one that reads all ones
 *   blkfault=needsreset  the same, but the window reads as the device with
 *                     DEVICE_NEEDS_RESET set in its status: broken, present
 *
 * blkfaultn=N (default 1) counts from 1. State: struct vfault, one per
 * faulty device, under its queue's lock.
 */
#include <stdlib.h>
#include <string.h>
#include "drivers/virtio/virtio.h"
#include "kernel/lib/bootargs.h"

enum { VFAULT_NONE, VFAULT_DROP, VFAULT_LOSTIRQ, VFAULT_BADID, VFAULT_STALEID,
       VFAULT_BADLEN, VFAULT_GONE, VFAULT_NEEDSRESET };  /* blkfault's words, in order */

struct vfault {
	int kind;               /* VFAULT_*; set once */
	uint32_t n;             /* which entry or request, from 1; set once */
	struct virtio_dev *dev; /* set once */
	uint32_t nused;         /* used entries seen; queue lock */
	uint32_t noffered;      /* requests offered; queue lock */
	bool held;              /* lostirq: the entry was held back once; queue lock */
};

/* The register window after gone (all ones) or needsreset. Writes land
 * here too. */
static uint32_t fake_regs[1024];

struct vfault *vfault_from_bootargs(struct virtio_dev *d)
{
	if (rtflags.blkfault == VFAULT_NONE)
		return NULL;
	struct vfault *f = calloc(1, sizeof *f);
	f->kind = (int)rtflags.blkfault;
	f->n = (uint32_t)rtflags.blkfaultn;
	f->dev = d;
	return f;
}

void vfault_offered(struct vfault *f)
{
	if ((f->kind != VFAULT_GONE && f->kind != VFAULT_NEEDSRESET) || ++f->noffered != f->n)
		return;
	uint32_t status = vio_rd(f->dev, VIRTIO_MMIO_STATUS);
	vio_wr(f->dev, VIRTIO_MMIO_STATUS, 0);  /* it stops, and goes quiet */
	if (f->kind == VFAULT_GONE) {
		memset(fake_regs, 0xff, sizeof fake_regs);
	} else {
		fake_regs[VIRTIO_MMIO_MAGIC / 4] = VIRTIO_MAGIC;
		fake_regs[VIRTIO_MMIO_VERSION / 4] = 2;
		fake_regs[VIRTIO_MMIO_DEVICE_ID / 4] = f->dev->device_id;
		fake_regs[VIRTIO_MMIO_STATUS / 4] = status | VIRTIO_STATUS_NEEDS_RESET;
	}
	/* relaxed: see vio_rd */
	__atomic_store_n(&f->dev->base, (uintptr_t)fake_regs, __ATOMIC_RELAXED);
}

/* A head no chain in flight has (a descriptor in the middle of a chain, or
 * free): there is one, a request takes at least two descriptors. */
static uint32_t stale_head(struct virtq *q)
{
	for (uint16_t i = 0; i < q->num; i++)
		if (q->cookie[i] == NULL)
			return i;
	return q->num;
}

enum vfault_verdict vfault_used(struct vfault *f, struct virtq *q, struct vring_used_elem *e)
{
	if (f->kind == VFAULT_GONE || f->kind == VFAULT_NONE)
		return VF_PASS;
	if (f->kind == VFAULT_LOSTIRQ && f->held) {
		f->held = false;        /* the second look finds it */
		return VF_PASS;
	}
	if (++f->nused != f->n)
		return VF_PASS;
	switch (f->kind) {
	case VFAULT_DROP:
		return VF_SKIP;
	case VFAULT_LOSTIRQ:
		f->held = true;         /* seen again next time, and passed */
		return VF_LATER;
	case VFAULT_BADID:
		e->id = q->num + 5;
		break;
	case VFAULT_STALEID:
		e->id = stale_head(q);
		break;
	case VFAULT_BADLEN:
		e->len = 1u << 30;
		break;
	}
	return VF_PASS;
}
