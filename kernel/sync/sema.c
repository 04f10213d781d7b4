/*
 * sema.c - semaphores as a sleep queue for sync (Go's runtime/sema.go).
 *
 * A semaphore is any uint32_t word: its value counts available wake-ups.
 * semacquire takes one (waiting if there are none), semrelease adds one and
 * wakes a waiter. Mutex, RWMutex and WaitGroup sleep here.
 *
 * Objects: 251 semaRoots (a prime, so addresses spread evenly), each with a
 * spinlock, a treap of the distinct addresses being waited on
 * (sematreap.c) and nwait, the number of waiters. An address hashes to one
 * root: (addr >> 3) % 251.
 *
 * Protocol (no lost wake-ups): a waiter increments nwait, then re-checks the
 * word, both under the root lock, before it queues; a releaser increments
 * the word first, then reads nwait. With sequentially consistent atomics
 * on both sides, either the waiter sees the count or the releaser sees the
 * waiter. When nwait is 0 a release costs one atomic add and one load.
 *
 * Hand-off: semrelease1(addr, true) lets the releaser take the count on the
 * woken waiter's behalf (s->ticket = 1) and yield to it, so that no
 * newcomer can steal it in between: Mutex starvation mode depends on this.
 *
 * Bare-metal difference: none of Go's profiling (blockprofile, mutex
 * profile) and a plain Gosched instead of goyield for the hand-off yield.
 */
#include "kernel/sync/sema.h"
#include "kernel/sync/sematreap.h"
#include "kernel/lib/spinlock.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"
#include "arch/atomic.h"

#define SEMTABSZ 251
#define CACHELINE 64

struct semaRoot {
	spinlock_t lock;
	struct sudog *treap;    /* lock */
	uint32_t nwait;         /* waiters on this root; atomic */
} __attribute__((aligned(CACHELINE)));

static struct semaRoot semtable[SEMTABSZ];

void sema_init(void)
{
	for (int i = 0; i < SEMTABSZ; i++)
		spin_lock_init(&semtable[i].lock, LOCKRANK_SEMAROOT);
}

static struct semaRoot *semroot(uint32_t *addr)
{
	return &semtable[((uintptr_t)addr >> 3) % SEMTABSZ];
}

static bool cansemacquire(uint32_t *addr)
{
	uint32_t v = __atomic_load_n(addr, __ATOMIC_SEQ_CST);
	for (;;) {
		if (v == 0)
			return false;
		/* seq_cst: part of the nwait/word handshake above. */
		if (arch_cas(addr, &v, v - 1,
		             __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return true;
	}
}

void semacquire1(uint32_t *addr, bool lifo, enum waitreason r)
{
	if (cansemacquire(addr))
		return;
	struct g *gp = getg();
	if (gp->is_g0)
		throw("semacquire not on the G stack");
	/* The waiter's sudog is a local of this frame: stacks never move, and
	 * the releaser is done with it before goready (it writes the hand-off
	 * ticket just before). Zeroed: a waiter queued behind another on the
	 * same address gets no ticket from the treap, and 0 means "no
	 * hand-off". */
	struct sudog s = { .g = gp };
	struct semaRoot *root = semroot(addr);
	for (;;) {
		spin_lock(&root->lock);
		/* seq_cst: announce the waiter before the re-check (pairs with
		 * the releaser's add to *addr then load of nwait). */
		__atomic_add_fetch(&root->nwait, 1, __ATOMIC_SEQ_CST);
		if (cansemacquire(addr)) {
			__atomic_sub_fetch(&root->nwait, 1, __ATOMIC_SEQ_CST);
			spin_unlock(&root->lock);
			return;
		}
		semtreap_queue(&root->treap, addr, &s, lifo, cheaprand());
		goparkunlock(&root->lock, r);
		/* ticket 1: the releaser handed the count to us */
		if (s.ticket != 0 || cansemacquire(addr))
			return;
	}
}

void semrelease1(uint32_t *addr, bool handoff)
{
	struct semaRoot *root = semroot(addr);
	/* seq_cst; pairs with the waiter's nwait increment, see above. */
	__atomic_add_fetch(addr, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&root->nwait, __ATOMIC_SEQ_CST) == 0)
		return;
	spin_lock(&root->lock);
	if (__atomic_load_n(&root->nwait, __ATOMIC_SEQ_CST) == 0) {
		spin_unlock(&root->lock);   /* someone else woke the waiter */
		return;
	}
	struct sudog *s = semtreap_dequeue(&root->treap, addr);
	if (s != NULL)
		__atomic_sub_fetch(&root->nwait, 1, __ATOMIC_SEQ_CST);
	spin_unlock(&root->lock);
	if (s == NULL)
		return;
	bool handed = handoff && cansemacquire(addr);
	if (handed)
		s->ticket = 1;
	goready(s->g);          /* s belongs to the waiter again from here */
	if (handed && getg()->nopreempt == 0)
		Gosched();      /* let the waiter run now, with the count */
}
