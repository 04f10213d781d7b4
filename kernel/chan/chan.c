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
 * The parked goroutine's sudog is a local of chan_park's frame (sudog.h).
 *
 * Fast paths (docs/channels.md, "What an operation costs"): chan_send and
 * chan_recv inline the buffered operation that nobody waits for, on the
 * common element (one aligned 8-byte word), with no call but tail calls,
 * so that it needs no frame beyond the return address; everything else
 * (unbuffered and nil channels, waiters, closed channels, other element
 * sizes, a held lock) leaves for Go's general chansend and chanrecv. On
 * an unbuffered channel each direction has its own (send_handoff,
 * recv_handoff): the word handed to or taken from a partner parked on the
 * other side, who is readied, or, with nobody there, a park at once.
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
 * so it is written with relaxed atomic stores (here, waitq_pop and
 * waitq_remove); everything else is plain under c->lock. */
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
		waitq_pop(q, s);
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

/* The general copy: any size, any alignment (n == 0 or NULL: no-op). Out
 * of line; elem_move inlines the common case. */
static __attribute__((noinline)) void chan_memmove(void *dst, const void *src, size_t n)
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

/* One element of n bytes from src to dst: the common element, one aligned
 * 8-byte word (an int64, a pointer), is a load and a store, with no call. */
static inline __attribute__((always_inline)) void elem_move(void *dst, const void *src, size_t n)
{
	if (__builtin_expect(n == 8 && dst != NULL && src != NULL &&
	                     (((uintptr_t)dst | (uintptr_t)src) & 7) == 0, 1))
		COPY_UNIT(dst, src, 8);
	else
		chan_memmove(dst, src, n);
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

/* The hand-off's end: sg's value moved, its G woken by us (param = the
 * sudog, success: not by close). Returns the G to ready. */
static inline __attribute__((always_inline)) struct g *sudog_handed(struct sudog *sg)
{
	sg->elem = NULL;
	struct g *gp = sg->g;
	gp->param = sg;
	sg->success = true;
	return gp;
}

/* Send ep to the blocked receiver sg. Returns the G to ready. Inline in
 * chansend; chan_handoff_send for select. */
static inline __attribute__((always_inline)) struct g *handoff_send(struct hchan *c, struct sudog *sg,
                                                                     const void *ep)
{
	elem_move(sg->elem, ep, c->elemsize);
	return sudog_handed(sg);
}

/* Receive from the blocked sender sg into ep. On a buffered channel (full,
 * or sg would not be waiting) take the head and put sg's value at the
 * tail. Inline in chanrecv; chan_handoff_recv for select. */
static inline __attribute__((always_inline)) struct g *handoff_recv(struct hchan *c, struct sudog *sg, void *ep)
{
	if (c->dataqsiz == 0) {
		elem_move(ep, sg->elem, c->elemsize);
	} else {
		void *qp = chanbuf(c, c->recvx);
		elem_move(ep, qp, c->elemsize);
		elem_move(qp, sg->elem, c->elemsize);
		if (++c->recvx == c->dataqsiz)
			c->recvx = 0;
		c->sendx = c->recvx;    /* full: the tail is where the head was */
	}
	return sudog_handed(sg);
}

struct g *chan_handoff_send(struct hchan *c, struct sudog *sg, const void *ep)
{
	assert_lock_held(&c->lock);
	return handoff_send(c, sg, ep);
}

struct g *chan_handoff_recv(struct hchan *c, struct sudog *sg, void *ep)
{
	assert_lock_held(&c->lock);
	return handoff_recv(c, sg, ep);
}

/* Buffer operations, under c->lock: the tail put and head take of any
 * element size (the fast paths have their own for one aligned word,
 * buf_put_word and buf_take_word); chan_buf_put and chan_buf_take for
 * select. A buffer slot is aligned as the element size allows (buf
 * follows the hchan, whose size is a multiple of 8). */
static inline __attribute__((always_inline)) void buf_put(struct hchan *c, const void *ep)
{
	uint32_t i = c->sendx;
	elem_move(chanbuf(c, i), ep, c->elemsize);
	if (++i == c->dataqsiz)
		i = 0;
	c->sendx = i;
	set_qcount(c, c->qcount + 1);
}

static inline __attribute__((always_inline)) void buf_take(struct hchan *c, void *ep)
{
	uint32_t i = c->recvx;
	void *qp = chanbuf(c, i);
	elem_move(ep, qp, c->elemsize);
	/* the slot no longer holds a value: clear it, so that the collector
	 * does not keep what it pointed at alive (Go's typedmemclr) */
	if (__builtin_expect(c->elemsize == 8, 1))
		*(uint64_t *)qp = 0;    /* a slot is aligned as its size allows */
	else
		chan_memclr(qp, c->elemsize);
	if (++i == c->dataqsiz)
		i = 0;
	c->recvx = i;
	set_qcount(c, c->qcount - 1);
}

void chan_buf_put(struct hchan *c, const void *ep)
{
	assert_lock_held(&c->lock);
	buf_put(c, ep);
}

void chan_buf_take(struct hchan *c, void *ep)
{
	assert_lock_held(&c->lock);
	buf_take(c, ep);
}

/* Park the running G on q (under c->lock, released by the park) with its
 * value slot ep, until a partner completes the operation or close wakes
 * it. Returns the sudog's success: true if a partner took/gave the value,
 * false if the channel was closed.
 *
 * The sudog lives in this frame: stacks never move, and the frame outlives
 * the wait - the G leaves it only after goready, and its waker is done
 * with the sudog by then (it writes it under c->lock, before the unlock
 * that precedes goready). No cache, no acquire and release (sudog.h). */
static inline __attribute__((always_inline)) bool chan_park(struct hchan *c, struct waitq *q, void *ep,
                                                             enum waitreason why)
{
	assert_lock_held(&c->lock);
	struct g *gp = getg();
	struct sudog mysg;
	mysg.g = gp;
	mysg.elem = ep;
	mysg.c = c;
	mysg.isSelect = false;
	mysg.success = false;
	mysg.waitlink = NULL;
	gp->waiting = &mysg;
	gp->param = NULL;
	waitq_enqueue(q, &mysg);
	goparkunlock(&c->lock, why);

	if (gp->waiting != &mysg)
		throw("G waiting list is corrupted");
	gp->waiting = NULL;
	gp->param = NULL;
	return mysg.success;
}

/* Park forever: operations on a nil channel, select with no cases. */
static __attribute__((noinline)) _Noreturn void block_forever(enum waitreason r)
{
	gopark(NULL, NULL, r);
	throw("unreachable: woke from a nil-channel wait");
}

/* ---- send --------------------------------------------------------------- */

/* Park on sendq (c->lock held, c open, no receiver waiting, no room) until
 * a receiver takes *ep or close wakes us. Out of line, so that only a
 * parking send builds the frame that holds its sudog: send_handoff comes
 * here straight from its own test, without chansend's re-tests. */
static __attribute__((noinline)) bool send_park(struct hchan *c, const void *ep)
{
	if (!chan_park(c, &c->sendq, (void *)ep, waitReasonChanSend)) {
		if (__atomic_load_n(&c->closed, __ATOMIC_RELAXED) == 0)
			throw("chansend: spurious wakeup");
		gopanic("send on closed channel");
	}
	return true;
}

/* Under c->lock: every case of a send but the nil channel (Go's chansend
 * after its lock). */
static inline __attribute__((always_inline)) bool send_locked(struct hchan *c, const void *ep, bool block)
{
	if (c->closed) {
		spin_unlock(&c->lock);
		gopanic("send on closed channel");
	}
	struct sudog *sg = waitq_dequeue(&c->recvq);
	if (sg != NULL) {
		struct g *gp = handoff_send(c, sg, ep);
		spin_unlock(&c->lock);
		goready(gp);
		return true;
	}
	if (c->qcount < c->dataqsiz) {
		buf_put(c, ep);
		spin_unlock(&c->lock);
		return true;
	}
	if (!block) {
		spin_unlock(&c->lock);
		return false;
	}

	return send_park(c, ep);
}

/* Go's chansend: a send of *ep on c; block false: only if it can proceed
 * now (false if not). */
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
	return send_locked(c, ep, block);
}

/* The rest of a send whose fast path (below) took the lock's fast half:
 * finish taking it if it was held, then chansend's work. */
static __attribute__((noinline)) bool chansend_locked(struct hchan *c, const void *ep, bool block,
                                                      bool locked)
{
	if (!locked)
		spin_lock_slow(&c->lock);
	return send_locked(c, ep, block);
}

/* The fast paths' buffer put and take (under c->lock): one aligned 8-byte
 * word (a slot of an 8-byte element is 8-aligned). */
static inline __attribute__((always_inline)) bool not_word(struct hchan *c, const void *ep)
{
	return c->elemsize != 8 || ep == NULL || ((uintptr_t)ep & 7) != 0;
}

static inline __attribute__((always_inline)) void buf_put_word(struct hchan *c, const void *ep)
{
	size_t i = c->sendx;
	COPY_UNIT((char *)c->buf + 8 * i, ep, 8);
	if (++i == c->dataqsiz)
		i = 0;
	c->sendx = (uint32_t)i;
	set_qcount(c, c->qcount + 1);
}

static inline __attribute__((always_inline)) void buf_take_word(struct hchan *c, void *ep)
{
	size_t i = c->recvx;
	uint64_t *qp = (uint64_t *)((char *)c->buf + 8 * i);
	COPY_UNIT(ep, qp, 8);
	*qp = 0;                /* as buf_take */
	if (++i == c->dataqsiz)
		i = 0;
	c->recvx = (uint32_t)i;
	set_qcount(c, c->qcount - 1);
}

/*
 * The fast path of chan_send and selectnbsend (chan_trysend): a buffered,
 * open channel with room and nobody waiting, and the common element, one
 * aligned 8-byte word. Anything else leaves by a tail call - an unbuffered
 * or nil channel to chansend, the rest to chansend_locked - so this path
 * makes no call of its own: its frame saves nothing but the return address
 * and the frame pointer (the buffered send and receive are about fifty
 * instructions each; saving and restoring registers for calls that almost
 * never happen would add a quarter).
 */
/* chan_send on an unbuffered (or nil) channel, recv_handoff's mirror: a
 * receiver blocked in chan_recv (not a select's) is handed the word and
 * readied; with no receiver, a blocking send parks at once (send_park).
 * No call but tail calls, so the frame saves only the return address.
 * A nil channel and a non-blocking send go to chansend; everything else
 * (closed, a select's sudog, other elements, a held lock) to
 * chansend_locked. A ping-pong's steady state is
 * either "sender parks, receiver takes" or "receiver parks, sender hands
 * over", by which side got there first; through chansend the second cost
 * 48 instructions a round trip more than the first on riscv64. */
static __attribute__((noinline)) bool send_handoff(struct hchan *c, const void *ep, bool block)
{
	/* nil: blocks for ever, or false; non-blocking: chansend's lock-free
	 * "would block" test first (a select's send case) */
	if (c == NULL || !block)
		return chansend(c, ep, block);
	if (!spin_lock_fast(&c->lock))
		return chansend_locked(c, ep, block, false);
	struct sudog *sg = c->recvq.first;
	if (sg == NULL && c->closed == 0)
		return send_park(c, ep);
	if (__builtin_expect(sg == NULL || sg->isSelect || c->closed != 0 || not_word(c, ep) ||
	                     sg->elem == NULL || ((uintptr_t)sg->elem & 7) != 0, 0))
		return chansend_locked(c, ep, block, true);
	waitq_pop(&c->recvq, sg);
	COPY_UNIT(sg->elem, ep, 8);     /* handoff_send for a word */
	struct g *gp = sudog_handed(sg);
	spin_unlock(&c->lock);
	return goready_true(gp);
}

static inline __attribute__((always_inline)) bool send_fast(struct hchan *c, const void *ep, bool block)
{
	if (c == NULL || c->dataqsiz == 0)     /* dataqsiz is immutable */
		return send_handoff(c, ep, block);
	if (!block && __atomic_load_n(&c->closed, __ATOMIC_RELAXED) == 0 &&
	    __atomic_load_n(&c->qcount, __ATOMIC_RELAXED) == c->dataqsiz)
		return false;                   /* as in chansend */
	if (!spin_lock_fast(&c->lock))
		return chansend_locked(c, ep, block, false);
	/* Room in the buffer, no receiver waiting (one waits only on an
	 * empty buffer), open. */
	if (__builtin_expect(c->qcount >= c->dataqsiz || c->recvq.first != NULL ||
	                     c->closed != 0 || not_word(c, ep), 0))
		return chansend_locked(c, ep, block, true);
	buf_put_word(c, ep);
	spin_unlock(&c->lock);
	return true;
}

/* ---- receive ------------------------------------------------------------ */

/* Park on recvq (c->lock held, c open, nothing to take) until a sender
 * hands a value or close wakes us; returns ok. Out of line, as send_park:
 * recv_handoff comes here straight from its own test. */
static __attribute__((noinline)) bool recv_park(struct hchan *c, void *ep)
{
	return chan_park(c, &c->recvq, ep, waitReasonChanReceive);
}

/* Under c->lock: every case of a receive but the nil channel. Whenever it
 * returns true it has set *received (selectnbrecv's callers pass an
 * uninitialized one). */
static inline __attribute__((always_inline)) bool recv_locked(struct hchan *c, void *ep, bool block, bool *received)
{
	if (c->closed) {
		if (c->qcount == 0) {
			spin_unlock(&c->lock);
			chan_memclr(ep, c->elemsize);
			*received = false;      /* callers need not preset it */
			return true;
		}
		/* closed but buffered values remain: receive them first */
	} else {
		struct sudog *sg = waitq_dequeue(&c->sendq);
		if (sg != NULL) {
			struct g *gp = handoff_recv(c, sg, ep);
			spin_unlock(&c->lock);
			goready(gp);
			*received = true;
			return true;
		}
	}
	if (c->qcount > 0) {
		buf_take(c, ep);
		spin_unlock(&c->lock);
		*received = true;
		return true;
	}
	if (!block) {
		spin_unlock(&c->lock);
		return false;
	}

	*received = recv_park(c, ep);
	return true;
}

/* Go's chanrecv: a receive from c into ep (NULL: discard). Returns whether
 * it happened (block false: only if it could proceed now); *received is
 * false for the zero value of a closed channel. Inlined into chanrecv and
 * chanrecv2. */
static inline __attribute__((always_inline)) bool chanrecv_inline(struct hchan *c, void *ep, bool block,
                                                                   bool *received)
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
	return recv_locked(c, ep, block, received);
}

bool chanrecv(struct hchan *c, void *ep, bool block, bool *received)
{
	return chanrecv_inline(c, ep, block, received);
}

/* Go's chanrecv2 (v, ok := <-c): a blocking receive that returns ok. */
static __attribute__((noinline)) bool chanrecv2(struct hchan *c, void *ep)
{
	bool received;
	chanrecv_inline(c, ep, true, &received);
	return received;
}

/* A receive whose fast path (below) took the lock's fast half: finish
 * taking it if it was held, then chanrecv's work. */
static __attribute__((noinline)) bool chanrecv_locked(struct hchan *c, void *ep, bool block,
                                                      bool *received, bool locked)
{
	if (!locked)
		spin_lock_slow(&c->lock);
	return recv_locked(c, ep, block, received);
}

/* A blocking receive whose fast path took the lock's fast half; returns
 * ok, as chanrecv2. */
static __attribute__((noinline)) bool chanrecv2_locked(struct hchan *c, void *ep, bool locked)
{
	bool received = false;
	if (!locked)
		spin_lock_slow(&c->lock);
	recv_locked(c, ep, true, &received);
	return received;
}

/* chan_recv on an unbuffered (or nil) channel whose head sender is blocked (no
 * select's) and the element one aligned word both sides: take its value
 * and ready it, with no call but tail calls, so that the frame saves only
 * the return address (chanrecv2's frame, built for its park, saved seven
 * registers on every receive of a ping-pong). With no sender (and the
 * channel open) it parks at once (recv_park); everything else (a closed
 * channel, a select's sudog, other elements, a held lock) is
 * chanrecv2_locked's. */
static __attribute__((noinline)) bool recv_handoff(struct hchan *c, void *ep)
{
	if (c == NULL)
		return chanrecv2(c, ep);        /* blocks for ever */
	if (!spin_lock_fast(&c->lock))
		return chanrecv2_locked(c, ep, false);
	struct sudog *sg = c->sendq.first;
	if (sg == NULL && c->closed == 0)
		return recv_park(c, ep);        /* unbuffered: nothing to take */
	if (__builtin_expect(sg == NULL || sg->isSelect || c->closed != 0 || not_word(c, ep) ||
	                     ((uintptr_t)sg->elem & 7) != 0, 0))
		return chanrecv2_locked(c, ep, true);
	waitq_pop(&c->sendq, sg);
	/* handoff_recv for an unbuffered channel and a word */
	COPY_UNIT(ep, sg->elem, 8);
	struct g *gp = sudog_handed(sg);
	spin_unlock(&c->lock);
	return goready_true(gp);
}

/* chan_recv's fast path, as send_fast: a buffered value that no sender
 * waits behind (a sender waits only on a full buffer, and then the
 * receive must also move its value in), one aligned 8-byte word; no call
 * but tail calls. Returns ok. */
static inline __attribute__((always_inline)) bool recv_fast(struct hchan *c, void *ep)
{
	if (c == NULL || c->dataqsiz == 0)
		return recv_handoff(c, ep);
	if (!spin_lock_fast(&c->lock))
		return chanrecv2_locked(c, ep, false);
	if (__builtin_expect(c->qcount == 0 || c->sendq.first != NULL || c->closed != 0 ||
	                     not_word(c, ep), 0))
		return chanrecv2_locked(c, ep, true);
	buf_take_word(c, ep);
	spin_unlock(&c->lock);
	return true;
}

/* Go's selectnbsend and selectnbrecv: a send or receive only if it can
 * proceed now (chan_trysend, chan_tryrecv, and a select's cases tried one
 * by one). The receive's fast path is recv_fast's, after chanrecv's
 * lock-free "would block" test (an empty, open channel). noinline: GCC
 * would otherwise split each into an inlinable head and the rest, a
 * dozen instructions more for every select case. */
__attribute__((noinline)) bool selectnbsend(struct hchan *c, const void *ep)
{
	return send_fast(c, ep, false);
}

__attribute__((noinline)) bool selectnbrecv(struct hchan *c, void *ep, bool *received)
{
	if (c == NULL || c->dataqsiz == 0)
		return chanrecv(c, ep, false, received);
	if (chan_empty(c)) {                    /* acquire: as in chanrecv */
		if (__atomic_load_n(&c->closed, __ATOMIC_ACQUIRE) == 0) {
			*received = false;
			return false;
		}
		return chanrecv(c, ep, false, received);        /* closed */
	}
	if (!spin_lock_fast(&c->lock))
		return chanrecv_locked(c, ep, false, received, false);
	if (__builtin_expect(c->qcount == 0 || c->sendq.first != NULL || c->closed != 0 ||
	                     not_word(c, ep), 0))
		return chanrecv_locked(c, ep, false, received, true);
	buf_take_word(c, ep);
	*received = true;       /* before the unlock: after it, nothing is kept */
	spin_unlock(&c->lock);
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
	send_fast(c, v, true);
}

bool chan_recv(chan_t *c, void *v)
{
	return recv_fast(c, v);
}

bool chan_trysend(chan_t *c, const void *v)
{
	return selectnbsend(c, v);
}

bool chan_tryrecv(chan_t *c, void *v, bool *ok)
{
	bool received = false;  /* set by selectnbrecv only when it returns true */
	bool selected = selectnbrecv(c, v, &received);
	if (ok)
		*ok = received;
	return selected;
}
