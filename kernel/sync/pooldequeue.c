/*
 * pooldequeue.c - the lock-free single-producer, multi-consumer ring under
 * each P's Pool shard (Go's poolDequeue, sync/poolqueue.go).
 *
 * The owner P pushes and pops at the head (LIFO: recently freed objects
 * are cache-hot); other Ps steal from the tail. head and tail share one
 * 64-bit word, so a consumer claims a slot with one CAS on it and two
 * consumers, or a consumer and the producer's popHead, can never claim the
 * same slot.
 *
 * The subtle part is slot reuse: a popTail claims slot i by advancing tail,
 * and only then reads and clears the slot. Until it has cleared it, the
 * producer must not refill it - pushHead checks that the slot is NULL
 * (acquire, pairing with popTail's release store of NULL). The producer
 * publishes a filled slot by advancing head with release; consumers'
 * CASes on headTail acquire it.
 *
 * Bare-metal difference: Go chains dequeues of doubling size (poolChain) so
 * a Put never fails; here each P has one fixed ring and a Put into a full
 * ring drops the object. A Pool is a cache; dropping is always allowed.
 */
#include <stddef.h>
#include "kernel/sync/pooldequeue.h"
#include "arch/atomic.h"

#define MASK (POOL_DEQUEUE_SIZE - 1)

static inline void unpack(uint64_t ht, uint32_t *head, uint32_t *tail)
{
	*head = (uint32_t)(ht >> 32);
	*tail = (uint32_t)ht;
}

static inline uint64_t pack(uint32_t head, uint32_t tail)
{
	return (uint64_t)head << 32 | tail;
}

bool poolDequeue_pushHead(struct poolDequeue *d, void *x)
{
	/* acquire: see the tail advanced by consumers. */
	uint64_t ht = __atomic_load_n(&d->headTail, __ATOMIC_ACQUIRE);
	uint32_t head, tail;
	unpack(ht, &head, &tail);
	if ((uint32_t)(tail + POOL_DEQUEUE_SIZE) == head)
		return false;                           /* full */
	void **slot = &d->vals[head & MASK];
	/* acquire; pairs with popTail's release store of NULL: a consumer
	 * that claimed this slot may still be reading it. */
	if (__atomic_load_n(slot, __ATOMIC_ACQUIRE) != NULL)
		return false;
	__atomic_store_n(slot, x, __ATOMIC_RELAXED);
	/* release: publishes the slot to whoever observes the new head
	 * (pairs with the acquire CAS in popTail). */
	__atomic_fetch_add(&d->headTail, (uint64_t)1 << 32, __ATOMIC_RELEASE);
	return true;
}

void *poolDequeue_popHead(struct poolDequeue *d)
{
	uint64_t ht = __atomic_load_n(&d->headTail, __ATOMIC_ACQUIRE);
	uint32_t head, tail;
	for (;;) {
		unpack(ht, &head, &tail);
		if (tail == head)
			return NULL;
		head--;
		/* acq_rel: claim the slot against concurrent popTails. */
		if (arch_cas(&d->headTail, &ht, pack(head, tail),
		             __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	void **slot = &d->vals[head & MASK];
	void *x = __atomic_load_n(slot, __ATOMIC_RELAXED);   /* our own store */
	__atomic_store_n(slot, NULL, __ATOMIC_RELAXED);      /* producer only reuses */
	return x;
}

void *poolDequeue_popTail(struct poolDequeue *d)
{
	uint64_t ht = __atomic_load_n(&d->headTail, __ATOMIC_ACQUIRE);
	uint32_t head, tail;
	for (;;) {
		unpack(ht, &head, &tail);
		if (tail == head)
			return NULL;
		/* acq_rel: the acquire pairs with pushHead's release of head,
		 * so the slot's value is visible. */
		if (arch_cas(&d->headTail, &ht, pack(head, tail + 1),
		             __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	void **slot = &d->vals[tail & MASK];
	void *x = __atomic_load_n(slot, __ATOMIC_RELAXED);
	/* release; pairs with pushHead's acquire check: we are done with it. */
	__atomic_store_n(slot, NULL, __ATOMIC_RELEASE);
	return x;
}
