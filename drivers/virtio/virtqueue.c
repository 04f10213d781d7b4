/*
 * virtqueue.c - the split virtqueue (virtio 1.x, section 2.7), driver side.
 *
 * Memory: one 8 KiB block from the heap (identity-mapped, so physically
 * contiguous): descriptors at 0, the available ring at 2 KiB, the used ring
 * at 4 KiB (num <= 128 keeps each in its part). The device reads
 * descriptors and the available ring, and writes the used ring.
 *
 * Descriptor ownership: free ones are chained from free_head through
 * `next`; a chain is the device's from virtq_add until the driver has seen
 * its head in the used ring AND called virtq_free (the driver decides when:
 * blk.c frees in the waiting goroutine, not in the interrupt).
 *
 * Ordering with the device: descriptors and the ring slot are written,
 * then arch_dma_mb, then avail->idx; the caller rings the doorbell after
 * another arch_dma_mb (virtq_kick's duty, in the driver). On the way back,
 * used->idx is read, then arch_dma_mb, then the entries and the data.
 *
 * Nothing the device writes is trusted: a used entry naming a descriptor
 * out of range, or one that heads no offered chain, is reported (*bad)
 * rather than followed; the length it reports is the driver's to check.
 * The fault hooks (q->fault, fault.c) change what the device's entries
 * say as they are read, before any of these checks.
 */
#include <stdlib.h>
#include "drivers/virtio/virtio.h"
#include "arch.h"

#define PAGE 4096u

bool virtq_init(struct virtq *q, uint16_t num)
{
	if (num == 0 || num > 128 || (num & (num - 1)))
		return false;
	uint8_t *mem = aligned_alloc(PAGE, 2 * PAGE);   /* zeroed */
	void **cookie = calloc(num, sizeof *cookie);
	if (mem == NULL || cookie == NULL)
		return false;
	q->num = num;
	q->desc = (struct vring_desc *)mem;
	q->avail = (struct vring_avail *)(mem + PAGE / 2);
	q->used = (struct vring_used *)(mem + PAGE);
	q->cookie = cookie;
	spin_lock_init(&q->lock, LOCKRANK_DEVICE);
	for (uint16_t i = 0; i < num; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->free_head = 0;
	q->nfree = num;
	q->last_used = 0;
	return true;
}

/* The physically contiguous run of seg starting at offset off: its
 * physical address, and its length in *len. */
static uint64_t run_at(const struct vseg *s, uint32_t off, uint32_t *len)
{
	uintptr_t va = (uintptr_t)s->p + off;
	uint64_t pa = arch_translate(va);
	uint32_t n = 0;
	while (off + n < s->len) {
		uintptr_t v = va + n;
		if (arch_translate(v) != pa + n)
			break;
		uint32_t step = PAGE - (uint32_t)(v & (PAGE - 1));
		n += step;
	}
	*len = n < s->len - off ? n : s->len - off;
	return pa;
}

int virtq_ndesc(const struct vseg *segs, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		for (uint32_t off = 0, len; off < segs[i].len; off += len, k++)
			if (run_at(&segs[i], off, &len) == 0)
				return -1;      /* unmapped: no DMA to address 0 */
	return k;
}

int virtq_add(struct virtq *q, const struct vseg *segs, int n, void *cookie)
{
	assert_lock_held(&q->lock);
	int need = virtq_ndesc(segs, n);
	if (need < 0 || need > q->nfree)
		return -1;
	uint16_t head = q->free_head, last = head, d = head;
	for (int i = 0; i < n; i++) {
		for (uint32_t off = 0, len; off < segs[i].len; off += len) {
			struct vring_desc *e = &q->desc[d];
			e->addr = run_at(&segs[i], off, &len);
			e->len = len;
			e->flags = VRING_DESC_F_NEXT | (segs[i].device_writes ? VRING_DESC_F_WRITE : 0);
			last = d;
			d = e->next;
			q->nfree--;
		}
	}
	q->desc[last].flags &= (uint16_t)~VRING_DESC_F_NEXT;
	q->free_head = d;
	q->cookie[head] = cookie;
	if (__builtin_expect(q->fault != NULL, 0))
		vfault_offered(q->fault);
	uint16_t idx = q->avail->idx;
	q->avail->ring[idx & (q->num - 1)] = head;
	arch_dma_mb();                  /* the chain and the slot, then idx */
	*(volatile uint16_t *)&q->avail->idx = (uint16_t)(idx + 1);
	return head;
}

void *virtq_get_used(struct virtq *q, uint32_t *len, bool *bad)
{
	assert_lock_held(&q->lock);
	*bad = false;
	struct vring_used_elem e;
	for (;;) {
		if (*(volatile uint16_t *)&q->used->idx == q->last_used)
			return NULL;
		arch_dma_mb();          /* idx, then the entry and the data */
		struct vring_used_elem *slot = &q->used->ring[q->last_used & (q->num - 1)];
		enum vfault_verdict v = VF_PASS;
		if (__builtin_expect(q->fault != NULL, 0))
			v = vfault_used(q->fault, q, slot);     /* may rewrite it */
		if (v == VF_LATER)
			return NULL;
		e = *slot;
		q->last_used++;
		if (v == VF_PASS)
			break;
	}
	if (e.id >= q->num || q->cookie[e.id] == NULL) {
		*bad = true;
		return NULL;
	}
	void *c = q->cookie[e.id];
	q->cookie[e.id] = NULL;
	*len = e.len;
	return c;
}

void virtq_free(struct virtq *q, uint16_t head)
{
	assert_lock_held(&q->lock);
	uint16_t d = head;
	for (;;) {
		q->nfree++;
		if (!(q->desc[d].flags & VRING_DESC_F_NEXT))
			break;
		d = q->desc[d].next;
	}
	q->desc[d].next = q->free_head;
	q->free_head = head;
}

void *virtq_take_any(struct virtq *q, uint16_t *head)
{
	assert_lock_held(&q->lock);
	for (uint16_t i = 0; i < q->num; i++) {
		if (q->cookie[i] != NULL) {
			void *c = q->cookie[i];
			q->cookie[i] = NULL;
			*head = i;
			return c;
		}
	}
	return NULL;
}

void *virtq_next_inflight(struct virtq *q, uint16_t *i)
{
	assert_lock_held(&q->lock);
	for (; *i < q->num; (*i)++)
		if (q->cookie[*i] != NULL)
			return q->cookie[*i];
	return NULL;
}
