/*
 * mmio.c - the virtio-mmio transport: probe, feature negotiation, queue
 * set-up (virtio 1.x, section 4.2 "Virtio Over MMIO").
 *
 * Only version 2 ("modern") transports are driven: QEMU offers them with
 * -global virtio-mmio.force-legacy=false (qemu/run.sh does that when a disk
 * is attached). A legacy one is reported once and left alone.
 */
#include "drivers/virtio/virtio.h"
#include "kernel/lib/print.h"
#include "arch.h"

bool virtio_mmio_probe(struct virtio_dev *d, uintptr_t base)
{
	d->base = base;
	if (vio_rd(d, VIRTIO_MMIO_MAGIC) != VIRTIO_MAGIC)
		return false;
	d->device_id = vio_rd(d, VIRTIO_MMIO_DEVICE_ID);
	if (d->device_id == 0)
		return false;           /* an empty transport */
	uint32_t v = vio_rd(d, VIRTIO_MMIO_VERSION);
	if (v != 2) {
		printk("virtio: device %u at %#lx: transport version %u (legacy) not supported\n",
		       d->device_id, (unsigned long)base, v);
		return false;
	}
	return true;
}

bool virtio_mmio_negotiate(struct virtio_dev *d, uint64_t want)
{
	vio_wr(d, VIRTIO_MMIO_STATUS, 0);               /* reset */
	for (int i = 0; i < 1000000 && vio_rd(d, VIRTIO_MMIO_STATUS) != 0; i++)
		;
	vio_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACK);
	vio_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	vio_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t offered = vio_rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
	vio_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	offered |= (uint64_t)vio_rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	if (!(offered & VIRTIO_F_VERSION_1))
		return false;
	d->features = offered & (want | VIRTIO_F_VERSION_1);
	vio_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vio_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
	vio_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vio_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
	uint32_t st = VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	vio_wr(d, VIRTIO_MMIO_STATUS, st);
	if (!(vio_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		vio_wr(d, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FAILED);
		return false;
	}
	return true;
}

static void wr64(struct virtio_dev *d, uint32_t off, uintptr_t va)
{
	uint64_t pa = arch_translate(va);
	vio_wr(d, off, (uint32_t)pa);
	vio_wr(d, off + 4, (uint32_t)(pa >> 32));
}

bool virtio_mmio_queue(struct virtio_dev *d, int qi, struct virtq *q)
{
	vio_wr(d, VIRTIO_MMIO_QUEUE_SEL, (uint32_t)qi);
	if (vio_rd(d, VIRTIO_MMIO_QUEUE_READY) != 0)
		return false;
	uint32_t max = vio_rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max == 0 || max < q->num)
		return false;
	vio_wr(d, VIRTIO_MMIO_QUEUE_NUM, q->num);
	wr64(d, VIRTIO_MMIO_QUEUE_DESC, (uintptr_t)q->desc);
	wr64(d, VIRTIO_MMIO_QUEUE_DRIVER, (uintptr_t)q->avail);
	wr64(d, VIRTIO_MMIO_QUEUE_DEVICE, (uintptr_t)q->used);
	arch_dma_mb();                  /* the rings' initial contents first */
	vio_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return true;
}

void virtio_mmio_ready(struct virtio_dev *d)
{
	arch_dma_mb();
	vio_wr(d, VIRTIO_MMIO_STATUS, vio_rd(d, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

uint64_t virtio_mmio_config(struct virtio_dev *d, uint32_t off, int n)
{
	uint32_t gen;
	uint64_t v;
	do {
		gen = vio_rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
		v = vio_rd(d, VIRTIO_MMIO_CONFIG + off);
		if (n == 8)
			v |= (uint64_t)vio_rd(d, VIRTIO_MMIO_CONFIG + off + 4) << 32;
	} while (gen != vio_rd(d, VIRTIO_MMIO_CONFIG_GENERATION));
	return v;
}
