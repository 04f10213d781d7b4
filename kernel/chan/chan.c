/*
 * chan.c - channels: make, send, receive, close, len, cap (Go's
 * runtime/chan.go, rewritten for C).
 *
 * Objects (chan.h):
 *   hchan - a ring buffer of dataqsiz slots of elemsize bytes (elemsize may
 *           be 0), the queues of blocked senders and receivers, and a
 *           spinlock that protects all of it.
 *   sudog - one blocked goroutine in one queue (sudog.h). For a blocked
 *           sender, elem points at the value on the sender's stack; for a
 *           blocked receiver, at the variable that receives.
 *
 * Invariants (under c->lock):
 *   - recvq non-empty  => the buffer is empty (dataqsiz == 0 or qcount == 0);
 *   - sendq non-empty  => the buffer is full  (qcount == dataqsiz);
 *   - closed           => sendq is empty (close woke them all, to panic).
 *
 * Send: a waiting receiver gets the value copied straight into its variable
 * (one copy, no buffer); else the value goes into the buffer; else the
 * sender parks with its sudog on sendq. Receive mirrors it; on a full
 * buffered channel with a waiting sender it takes the head of the buffer and
 * puts that sender's value at the tail, so FIFO order holds. Close marks the
 * channel, zeroes every blocked receiver's variable (ok = false) and wakes
 * every waiter; blocked senders wake up and panic.
 *
 * Parking is gopark with the channel lock released on g0 - or on the
 * goroutine the parking one switched straight to (the direct hand-off,
 * proc.c) - after the goroutine's registers are saved, so a waker can
 * never ready a goroutine that is still running. Wakers unlock the channel before goready.
 *
 * Copies between goroutines' stacks are safe here because stacks never move
 * (Go must take care because its stacks can be copied while a G is parked).
 *
 * Lifetime: a channel is one GC object (mallocgc) with its buffer, which
 * the collector scans like any other object: values in the buffer stay
 * alive while the channel does. It is collected once unreachable - a
 * goroutine blocked on it reaches it through its sudog. chan_free frees it
 * at once, for programs that know it is no longer used (no waiters).
 */
#include <stdlib.h>
#include <string.h>
#include "kernel/chan/chan.h"
#include "kernel/lib/spinlock.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"
#include "arch/atomic.h"

#define MAXELEMSIZE (1u << 16)   /* as Go: larger element types are refused */

/* ---- wait queues -------------------------------------------------------- */

/* q->first is also read without the lock by the non-blocking fast paths,
 * so it is written with relaxed atomic stores; everything else is plain
 * under c->lock. */
void waitq_enqueue(struct waitq *q, struct sudog *s)
{
	s->next = NULL;
	s->prev = q->last;
	if (q->last)
		q->last->next = s;
	else
		__atomic_store_n(&q->first, s, __ATOMIC_RELAXED);
	q->last = s;
}

struct sudog *waitq_dequeue_slow(struct waitq *q)
{
	for (;;) {
		struct sudog *s = q->first;
		if (s == NULL)
			return NULL;
		struct sudog *y = s->next;
		if (y == NULL) {
			__atomic_store_n(&q->first, NULL, __ATOMIC_RELAXED);
			q->last = NULL;
		} else {
			y->prev = NULL;
			__atomic_store_n(&q->first, y, __ATOMIC_RELAXED);
			s->next = NULL;
		}
		/* A select waits in several queues. Only the waker that wins
		 * the G's selectdone word may complete a case; the others drop
		 * this sudog (the G unlinks the rest itself once it runs).
		 * acq_rel: pairs with the store of 0 in Select after the G
		 * has removed itself from every queue. */
		if (s->isSelect) {
			uint32_t zero = 0;
			if (!arch_cas(&s->g->selectdone, &zero, 1,
			              __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				continue;
		}
		return s;
	}
}

/* Unlink s if it is still queued (a losing select case). */
void waitq_remove(struct waitq *q, struct sudog *s)
{
	struct sudog *x = s->prev, *y = s->next;
	if (x != NULL) {
		x->next = y;
		if (y != NULL)
			y->prev = x;
		else
			q->last = x;
	} else if (y != NULL) {
		y->prev = NULL;
		__atomic_store_n(&q->first, y, __ATOMIC_RELAXED);
	} else if (q->first == s) {
		__atomic_store_n(&q->first, NULL, __ATOMIC_RELAXED);
		q->last = NULL;
	}
	/* else: already dequeued by a waker that lost the selectdone race */
	s->next = s->prev = NULL;
}

/* ---- helpers ------------------------------------------------------------ */

static void *chanbuf(struct hchan *c, uint32_t i)
{
	return (char *)c->buf + (size_t)i * c->elemsize;
}

/* Small elements (up to 32 bytes) made of aligned 8- or 4-byte units are
 * copied inline rather than by a call into picolibc's byte-general
 * memmove, which cost ~50 instructions for 8 bytes (chan_buffered_pair)
 * and ~33 for an int. Buffer slots are aligned as the element size
 * allows; the caller's pointer may not be. The unit of a copy: 8, 4, or 0
 * (not small: memmove). */
static inline size_t small_unit(const void *a, const void *b, size_t n)
{
	uintptr_t bits = n | (uintptr_t)a | (uintptr_t)b;
	if (n > 32)
		return 0;
	if ((bits & 7) == 0)
		return 8;
	return (bits & 3) == 0 ? 4 : 0;
}

/* One aligned unit: memcpy, not a typed load and store, so that the
 * element's own type (a struct, a float) is not accessed through an
 * unrelated one (C's aliasing rule); the alignment makes it one of each. */
#define COPY_UNIT(d, s, k) \
	__builtin_memcpy(__builtin_assume_aligned((d), (k)), __builtin_assume_aligned((s), (k)), (k))

static inline __attribute__((always_inline)) void chan_memmove(void *dst, const void *src, size_t n)
{
	if (n == 0 || dst == NULL || src == NULL)
		return;
	char *d = dst;
	const char *s = src;
	switch (small_unit(dst, src, n)) {
	case 8:
		for (size_t i = 0; i < n; i += 8)
			COPY_UNIT(d + i, s + i, 8);
		return;
	case 4:
		for (size_t i = 0; i < n; i += 4)
			COPY_UNIT(d + i, s + i, 4);
		return;
	}
	memmove(dst, src, n);
}

void chan_memclr(void *dst, size_t n)
{
	static const uint64_t zero;
	if (n == 0 || dst == NULL)
		return;
	char *d = dst;
	switch (small_unit(dst, dst, n)) {
	case 8:
		for (size_t i = 0; i < n; i += 8)
			COPY_UNIT(d + i, &zero, 8);
		return;
	case 4:
		for (size_t i = 0; i < n; i += 4)
			COPY_UNIT(d + i, &zero, 4);
		return;
	}
	memset(dst, 0, n);
}

static bool chan_full(struct hchan *c)
{
	if (c->dataqsiz == 0)
		return __atomic_load_n(&c->recvq.first, __ATOMIC_RELAXED) == NULL;
	return __atomic_load_n(&c->qcount, __ATOMIC_RELAXED) == c->dataqsiz;
}

/* Only chanrecv's fast path asks, and the order of its loads matters
 * there: acquire, so that the load of closed that follows cannot be
 * satisfied before this one (load -> load order; see chanrecv). */
static bool chan_empty(struct hchan *c)
{
	if (c->dataqsiz == 0)
		return __atomic_load_n(&c->sendq.first, __ATOMIC_ACQUIRE) == NULL;
	return __atomic_load_n(&c->qcount, __ATOMIC_ACQUIRE) == 0;
}

static void set_qcount(struct hchan *c, uint32_t n)
{
	__atomic_store_n(&c->qcount, n, __ATOMIC_RELAXED);   /* racy readers only */
}

/* Park forever: operations on a nil channel, select with no cases. */
static _Noreturn void block_forever(enum waitreason r)
{
	gopark(NULL, NULL, r);
	throw("unreachable: woke from a nil-channel wait");
}

/* ---- make / free / len / cap ------------------------------------------- */

chan_t *make_chan(size_t elemsize, int cap)
{
	if (elemsize >= MAXELEMSIZE)
		throw("makechan: invalid channel element type");
	if (cap < 0 || (uint64_t)cap * elemsize > (1ull << 30))
		gopanic("makechan: size out of range");
	struct hchan *c = mallocgc(sizeof *c + (size_t)cap * elemsize);   /* a GC object */
	if (c == NULL)
		throw("makechan: out of memory");
	spin_lock_init(&c->lock, LOCKRANK_HCHAN);
	c->elemsize = (uint32_t)elemsize;
	c->dataqsiz = (uint32_t)cap;
	c->buf = c + 1;
	return c;
}

void chan_free(chan_t *c)
{
	if (c == NULL)
		return;
	if (c->recvq.first || c->sendq.first)
		throw("chan_free: channel has blocked goroutines");
	free(c);
}

int chan_len(chan_t *c)
{
	return c ? (int)__atomic_load_n(&c->qcount, __ATOMIC_RELAXED) : 0;
}

int chan_cap(chan_t *c)
{
	return c ? (int)c->dataqsiz : 0;
}

/* ---- direct hand-offs (under c->lock; caller unlocks, then goready) ----- */

/* Send ep to the blocked receiver sg. Returns the G to ready. */
struct g *chan_handoff_send(struct hchan *c, struct sudog *sg, const void *ep)
{
	assert_lock_held(&c->lock);
	chan_memmove(sg->elem, ep, c->elemsize);
	sg->elem = NULL;
	struct g *gp = sg->g;
	gp->param = sg;
	sg->success = true;
	return gp;
}

/* Receive from the blocked sender sg into ep. On a buffered channel (full,
 * or sg would not be waiting) take the head and put sg's value at the tail. */
struct g *chan_handoff_recv(struct hchan *c, struct sudog *sg, void *ep)
{
	assert_lock_held(&c->lock);
	if (c->dataqsiz == 0) {
		chan_memmove(ep, sg->elem, c->elemsize);
	} else {
		void *qp = chanbuf(c, c->recvx);
		chan_memmove(ep, qp, c->elemsize);
		chan_memmove(qp, sg->elem, c->elemsize);
		if (++c->recvx == c->dataqsiz)
			c->recvx = 0;
		c->sendx = c->recvx;    /* full: the tail is where the head was */
	}
	sg->elem = NULL;
	struct g *gp = sg->g;
	gp->param = sg;
	sg->success = true;
	return gp;
}

static void send_unlock_ready(struct hchan *c, struct sudog *sg, const void *ep)
{
	struct g *gp = chan_handoff_send(c, sg, ep);
	spin_unlock(&c->lock);
	goready(gp);
}

static void recv_unlock_ready(struct hchan *c, struct sudog *sg, void *ep)
{
	struct g *gp = chan_handoff_recv(c, sg, ep);
	spin_unlock(&c->lock);
	goready(gp);
}

/* Buffer operations, under c->lock. */
void chan_buf_put(struct hchan *c, const void *ep)
{
	assert_lock_held(&c->lock);
	chan_memmove(chanbuf(c, c->sendx), ep, c->elemsize);
	if (++c->sendx == c->dataqsiz)
		c->sendx = 0;
	set_qcount(c, c->qcount + 1);
}

void chan_buf_take(struct hchan *c, void *ep)
{
	assert_lock_held(&c->lock);
	void *qp = chanbuf(c, c->recvx);
	chan_memmove(ep, qp, c->elemsize);
	chan_memclr(qp, c->elemsize);
	if (++c->recvx == c->dataqsiz)
		c->recvx = 0;
	set_qcount(c, c->qcount - 1);
}

/* Park the running G on q (under c->lock, released by the park) with its
 * value slot ep, until a partner completes the operation or close wakes
 * it. Returns the sudog's success: true if a partner took/gave the value,
 * false if the channel was closed. */
static bool chan_park(struct hchan *c, struct waitq *q, void *ep, enum waitreason why)
{
	assert_lock_held(&c->lock);
	struct g *gp = getg();
	struct sudog *mysg = acquireSudog();
	mysg->elem = ep;
	mysg->waitlink = NULL;
	mysg->g = gp;
	mysg->isSelect = false;
	mysg->c = c;
	gp->waiting = mysg;
	gp->param = NULL;
	waitq_enqueue(q, mysg);
	goparkunlock(&c->lock, why);

	if (gp->waiting != mysg)
		throw("G waiting list is corrupted");
	gp->waiting = NULL;
	bool success = mysg->success;
	gp->param = NULL;
	mysg->c = NULL;
	mysg->elem = NULL;
	releaseSudog(mysg);
	return success;
}

/* ---- send --------------------------------------------------------------- */

bool chansend(struct hchan *c, const void *ep, bool block)
{
	if (c == NULL) {
		if (!block)
			return false;
		block_forever(waitReasonChanSendNilChan);
	}
	/* Fast path for a failing non-blocking send, without the lock: not
	 * closed and full. Reading closed before full (relaxed, like Go) is
	 * enough: a closed channel never becomes unclosed, so if the check
	 * saw "not closed" and "full", both held at the moment of the
	 * second read and the select may report "not ready". */
	if (!block && __atomic_load_n(&c->closed, __ATOMIC_RELAXED) == 0 && chan_full(c))
		return false;

	spin_lock(&c->lock);
	if (c->closed) {
		spin_unlock(&c->lock);
		gopanic("send on closed channel");
	}
	struct sudog *sg = waitq_dequeue(&c->recvq);
	if (sg != NULL) {
		send_unlock_ready(c, sg, ep);
		return true;
	}
	if (c->qcount < c->dataqsiz) {
		chan_buf_put(c, ep);
		spin_unlock(&c->lock);
		return true;
	}
	if (!block) {
		spin_unlock(&c->lock);
		return false;
	}

	/* Park on sendq until a receiver takes the value or close wakes us. */
	bool closed = !chan_park(c, &c->sendq, (void *)ep, waitReasonChanSend);
	if (closed) {
		if (__atomic_load_n(&c->closed, __ATOMIC_RELAXED) == 0)
			throw("chansend: spurious wakeup");
		gopanic("send on closed channel");
	}
	return true;
}

/* ---- receive ------------------------------------------------------------ */

bool chanrecv(struct hchan *c, void *ep, bool block, bool *received)
{
	*received = false;
	if (c == NULL) {
		if (!block)
			return false;
		block_forever(waitReasonChanReceiveNilChan);
	}
	/* Fast path for a non-blocking receive on an empty channel, with
	 * three loads in this order (Go's chanrecv orders them the same way):
	 *   1. empty (acquire, chan_empty): the closed load below cannot be
	 *      satisfied before it. Were it satisfied first, "open" could be
	 *      read before a send+close and "empty" after another receiver
	 *      took the value: "not ready" on a channel that was never open
	 *      and empty at one moment.
	 *   2. closed (acquire): if 0, the channel was open after it was seen
	 *      empty, so "not ready" is right at the moment of load 1. The
	 *      acquire pairs with the release store in chan_close and orders
	 *      load 3 after load 2.
	 *   3. empty again: a closed channel that is empty stays empty, so
	 *      the zero value with ok=false is right; thanks to the pairing
	 *      in 2 it sees every value sent before the close. */
	if (!block && chan_empty(c)) {
		if (__atomic_load_n(&c->closed, __ATOMIC_ACQUIRE) == 0)
			return false;
		if (chan_empty(c)) {
			chan_memclr(ep, c->elemsize);
			return true;
		}
	}

	spin_lock(&c->lock);
	if (c->closed) {
		if (c->qcount == 0) {
			spin_unlock(&c->lock);
			chan_memclr(ep, c->elemsize);
			return true;
		}
		/* closed but buffered values remain: receive them first */
	} else {
		struct sudog *sg = waitq_dequeue(&c->sendq);
		if (sg != NULL) {
			recv_unlock_ready(c, sg, ep);
			*received = true;
			return true;
		}
	}
	if (c->qcount > 0) {
		chan_buf_take(c, ep);
		spin_unlock(&c->lock);
		*received = true;
		return true;
	}
	if (!block) {
		spin_unlock(&c->lock);
		return false;
	}

	*received = chan_park(c, &c->recvq, ep, waitReasonChanReceive);
	return true;
}

/* ---- close -------------------------------------------------------------- */

void chan_close(chan_t *c)
{
	if (c == NULL)
		gopanic("close of nil channel");
	spin_lock(&c->lock);
	if (c->closed) {
		spin_unlock(&c->lock);
		gopanic("close of closed channel");
	}
	/* release; pairs with the acquire load of closed in chanrecv's fast
	 * path: the values buffered before the close are visible to its
	 * second emptiness check. */
	__atomic_store_n(&c->closed, 1, __ATOMIC_RELEASE);

	/* Collect every waiter (linked through schedlink: they are parked,
	 * on no run queue), then ready them after the unlock. */
	struct g *glist = NULL;
	struct sudog *sg;
	while ((sg = waitq_dequeue(&c->recvq)) != NULL) {
		chan_memclr(sg->elem, c->elemsize);   /* zero value, ok = false */
		sg->elem = NULL;
		struct g *gp = sg->g;
		gp->param = sg;
		sg->success = false;
		gp->schedlink = glist;
		glist = gp;
	}
	while ((sg = waitq_dequeue(&c->sendq)) != NULL) {
		sg->elem = NULL;                       /* they will panic */
		struct g *gp = sg->g;
		gp->param = sg;
		sg->success = false;
		gp->schedlink = glist;
		glist = gp;
	}
	spin_unlock(&c->lock);
	while (glist) {
		struct g *gp = glist;
		glist = gp->schedlink;
		gp->schedlink = NULL;
		goready(gp);
	}
}

/* ---- public entry points ------------------------------------------------ */

void chan_send(chan_t *c, const void *v)
{
	chansend(c, v, true);
}

bool chan_recv(chan_t *c, void *v)
{
	bool ok;
	chanrecv(c, v, true, &ok);
	return ok;
}

bool chan_trysend(chan_t *c, const void *v)
{
	return chansend(c, v, false);
}

bool chan_tryrecv(chan_t *c, void *v, bool *ok)
{
	bool received;
	bool selected = chanrecv(c, v, false, &received);
	if (ok)
		*ok = received;
	return selected;
}
