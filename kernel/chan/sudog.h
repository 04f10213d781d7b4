/*
 * sudog.h - a goroutine waiting in a queue (Go's runtime.sudog).
 *
 * A G blocked on a channel, in a select, on a semaphore or in a Cond waits
 * as a sudog: one per (goroutine, queue) pair, because one G in a select
 * sits in many channel queues at once, and one channel queue holds many Gs.
 *
 * Where a sudog lives (not Go's way): in the frame of the function that
 * waits - chan_park, semacquire1, notifyListWait, and a select of up to
 * four cases. Go borrows every sudog from a per-P cache because its
 * stacks move; here they never do, and the frame outlives the wait: the G
 * leaves it only once it runs again, and whoever wakes it is done with the
 * sudog before goready (it writes the sudog under the queue's lock, or,
 * for sema's hand-off ticket, just before goready). That saved the
 * acquire and release (~80 instructions a wait on riscv64). A select of
 * more cases still borrows from the per-P cache (sudog.c) for the
 * duration of one wait and returns them clean.
 *
 * Fields and who protects them:
 *   channels:  g, next, prev, elem, c, isSelect, success, waitlink - the
 *              channel's lock (the waker writes elem's target and success
 *              under it; the woken G reads them after goready's acquire);
 *   semaphores: g, elem (the address), parent/prev/next (treap links:
 *              prev = left, next = right), waitlink (FIFO of the other
 *              waiters on the same address), waittail, ticket (treap
 *              priority), waiters - the semaRoot lock; ticket is also the hand-off flag
 *              (1 = "the semaphore was handed to you") written by the waker
 *              before goready;
 *   Cond:      g, ticket, next - the notifyList lock.
 *
 * This header has no runtime dependencies, so the treap (sematreap.c) can
 * be unit-tested on the host.
 */
#ifndef KERNEL_CHAN_SUDOG_H
#define KERNEL_CHAN_SUDOG_H

#include <stdint.h>
#include <stdbool.h>

struct g;
struct hchan;

struct sudog {
	struct g *g;
	struct sudog *next;     /* wait queue / FIFO / treap right child */
	struct sudog *prev;     /* wait queue / treap left child */
	void *elem;             /* chan: value buffer; sema: the address */
	/* semaphore treap */
	struct sudog *parent;
	struct sudog *waittail; /* last of this address's FIFO (root node only) */
	uint32_t ticket;        /* treap priority / hand-off / Cond ticket */
	uint32_t waiters;       /* FIFO length beyond the root node */
	/* channels */
	bool isSelect;          /* part of a select: wakers must win g->selectdone */
	bool success;           /* woken by a value (true) or by close (false) */
	struct sudog *waitlink; /* chan: g->waiting list; sema: same-address FIFO */
	struct hchan *c;
};

struct sudog *acquireSudog(void);
void releaseSudog(struct sudog *s);
uint32_t cheaprand(void);      /* per-M pseudo-random numbers */

#endif
