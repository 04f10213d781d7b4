/*
 * chan.h - the channel object, shared by chan.c, select.c and timerchan.c.
 * See chan.c for the design.
 */
#ifndef KERNEL_CHAN_CHAN_H
#define KERNEL_CHAN_CHAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/chan/sudog.h"
#include "kernel/lib/spinlock.h"
#include "gort.h"

struct waitq {
	struct sudog *first, *last;     /* doubly linked by prev/next; c->lock */
};

struct hchan {
	uint32_t qcount;        /* values in buf; lock (read racily by len and
	                           the non-blocking fast paths: atomic) */
	uint32_t dataqsiz;      /* capacity; immutable */
	void *buf;              /* dataqsiz slots of elemsize bytes; immutable */
	uint32_t elemsize;      /* immutable */
	uint32_t closed;        /* 0 or 1; lock to write, atomic to read */
	uint32_t sendx, recvx;  /* ring indices; lock */
	struct waitq recvq;     /* blocked receivers; lock */
	struct waitq sendq;     /* blocked senders; lock */
	spinlock_t lock;
};

/* Wait queues (chan.c). dequeue skips select sudogs whose G was already
 * won by another case. */
void waitq_enqueue(struct waitq *q, struct sudog *s);
struct sudog *waitq_dequeue_slow(struct waitq *q);

/* Unlink the head s of q. q->first is also read without the lock by the
 * non-blocking fast paths, so it is written with relaxed atomic stores. */
static inline __attribute__((always_inline)) void waitq_pop(struct waitq *q, struct sudog *s)
{
	struct sudog *y = s->next;
	if (y == NULL) {
		__atomic_store_n(&q->first, NULL, __ATOMIC_RELAXED);
		q->last = NULL;
	} else {
		y->prev = NULL;
		__atomic_store_n(&q->first, y, __ATOMIC_RELAXED);
		s->next = NULL;
	}
}

/* The first waiter that can still be completed, dequeued; NULL if none.
 * The empty queue, the common case of a buffered channel, costs a load; a
 * head that is no select's is unlinked here, inline (a ping-pong's every
 * hand-off); select sudogs need waitq_dequeue_slow's claim. */
static inline __attribute__((always_inline)) struct sudog *waitq_dequeue(struct waitq *q)
{
	struct sudog *s = q->first;
	if (s == NULL)
		return NULL;
	if (s->isSelect)
		return waitq_dequeue_slow(q);
	waitq_pop(q, s);
	return s;
}
void waitq_remove(struct waitq *q, struct sudog *s);

/* Under c->lock: hand a value to / take one from the blocked partner sg.
 * They return the partner's G, which the caller readies (goready) after
 * unlocking. */
struct g *chan_handoff_send(struct hchan *c, struct sudog *sg, const void *ep);
struct g *chan_handoff_recv(struct hchan *c, struct sudog *sg, void *ep);
/* Under c->lock: buffer tail put / head take (room / a value must exist). */
void chan_buf_put(struct hchan *c, const void *ep);
void chan_buf_take(struct hchan *c, void *ep);
void chan_memclr(void *dst, size_t n);       /* n == 0 or dst == NULL: no-op */

bool chansend(struct hchan *c, const void *ep, bool block);
/* Returns selected (false: would block); *received false if closed. */
bool chanrecv(struct hchan *c, void *ep, bool block, bool *received);
/* chansend and chanrecv with block false, with inline fast paths for the
 * buffered channel (Go's names: what `select` with one case and a default
 * compiles to). */
bool selectnbsend(struct hchan *c, const void *ep);
bool selectnbrecv(struct hchan *c, void *ep, bool *received);

#endif
