/*
 * pooldequeue.h - a fixed-size lock-free dequeue: one producer at the head,
 * any number of consumers at the tail (Go's poolDequeue in sync/poolqueue.go).
 * No runtime dependencies: tests/host/tsan_pooldequeue.c stresses it.
 */
#ifndef KERNEL_SYNC_POOLDEQUEUE_H
#define KERNEL_SYNC_POOLDEQUEUE_H

#include <stdint.h>
#include <stdbool.h>

#define POOL_DEQUEUE_SIZE 64          /* a power of two */

struct poolDequeue {
	/* head (high 32 bits: next slot to fill) and tail (low 32 bits:
	 * oldest filled slot), packed so that one CAS moves either; atomic */
	uint64_t headTail;
	/* slot values; NULL = free. A slot in [tail, head) is non-NULL,
	 * except briefly while a popTail that claimed it clears it. atomic */
	void *vals[POOL_DEQUEUE_SIZE];
};

/* Producer only. False if full. x must not be NULL. */
bool poolDequeue_pushHead(struct poolDequeue *d, void *x);
/* Producer only. NULL if empty. */
void *poolDequeue_popHead(struct poolDequeue *d);
/* Any thread. NULL if empty. */
void *poolDequeue_popTail(struct poolDequeue *d);

#endif
