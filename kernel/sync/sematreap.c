/*
 * sematreap.c - the balanced tree behind each semaRoot (Go's semaRoot.queue,
 * dequeue, rotateLeft, rotateRight in runtime/sema.go).
 *
 * Shape: a treap - a binary search tree on the waiting address (sudog.elem)
 * that is also a min-heap on a random ticket. Random priorities keep the
 * expected depth O(log n) with no rebalancing bookkeeping. Each node is the
 * first sudog waiting on one distinct address; the other waiters on that
 * address hang off it in FIFO order through waitlink, with waittail
 * pointing at the last and `waiters` counting them.
 *
 * Links: prev = left child (smaller addresses), next = right child,
 * parent = parent. All under the semaRoot lock (the caller's).
 *
 * Invariants checked by the host test: BST order on elem, heap order on
 * ticket, parent links consistent, every FIFO complete.
 */
#include <stddef.h>
#include <stdint.h>
#include "kernel/sync/sematreap.h"
#include "kernel/lib/print.h"

/* Point whatever pointed at x (parent's child link or the root) at y. */
static void replace_child(struct sudog **root, struct sudog *p, struct sudog *x,
                          struct sudog *y)
{
	if (p == NULL)
		*root = y;
	else if (p->prev == x)
		p->prev = y;
	else if (p->next == x)
		p->next = y;
	else
		throw("semaRoot rotate: bad parent link");
}

/* x's right child y moves up:  x(a, y(b, c))  ->  y(x(a, b), c) */
static void rotate_left(struct sudog **root, struct sudog *x)
{
	struct sudog *p = x->parent, *y = x->next, *b = y->prev;
	y->prev = x;
	x->parent = y;
	x->next = b;
	if (b)
		b->parent = x;
	y->parent = p;
	replace_child(root, p, x, y);
}

/* y's left child x moves up:  y(x(a, b), c)  ->  x(a, y(b, c)) */
static void rotate_right(struct sudog **root, struct sudog *y)
{
	struct sudog *p = y->parent, *x = y->prev, *b = x->next;
	x->next = y;
	y->parent = x;
	y->prev = b;
	if (b)
		b->parent = y;
	x->parent = p;
	replace_child(root, p, y, x);
}

struct sudog *semtreap_find(struct sudog *t, void *addr)
{
	while (t && t->elem != addr)
		t = (uintptr_t)addr < (uintptr_t)t->elem ? t->prev : t->next;
	return t;
}

void semtreap_queue(struct sudog **root, void *addr, struct sudog *s, bool lifo,
                    uint32_t ticket)
{
	s->elem = addr;
	s->next = s->prev = NULL;
	s->waitlink = NULL;
	s->waittail = NULL;
	s->waiters = 0;

	struct sudog *last = NULL, **pt = root;
	for (struct sudog *t = *pt; t != NULL; t = *pt) {
		if (t->elem == addr) {
			if (lifo) {
				/* s takes t's place in the tree; t heads s's FIFO */
				*pt = s;
				s->ticket = t->ticket;
				s->parent = t->parent;
				s->prev = t->prev;
				s->next = t->next;
				if (s->prev)
					s->prev->parent = s;
				if (s->next)
					s->next->parent = s;
				s->waitlink = t;
				s->waittail = t->waittail ? t->waittail : t;
				s->waiters = t->waiters + 1;
				t->parent = t->prev = t->next = NULL;
				t->waittail = NULL;
			} else {
				if (t->waittail == NULL)
					t->waitlink = s;
				else
					t->waittail->waitlink = s;
				t->waittail = s;
				t->waiters++;
			}
			return;
		}
		last = t;
		pt = (uintptr_t)addr < (uintptr_t)t->elem ? &t->prev : &t->next;
	}
	/* a new address: a leaf, then rotate up while its ticket is smaller */
	s->ticket = ticket | 1;
	s->parent = last;
	*pt = s;
	while (s->parent && s->parent->ticket > s->ticket) {
		if (s->parent->prev == s)
			rotate_right(root, s->parent);
		else
			rotate_left(root, s->parent);
	}
}

struct sudog *semtreap_dequeue(struct sudog **root, void *addr)
{
	struct sudog **ps = root, *s;
	for (s = *ps; s != NULL; s = *ps) {
		if (s->elem == addr)
			break;
		ps = (uintptr_t)addr < (uintptr_t)s->elem ? &s->prev : &s->next;
	}
	if (s == NULL)
		return NULL;
	struct sudog *t = s->waitlink;
	if (t != NULL) {
		/* the next waiter on addr takes s's place in the tree */
		*ps = t;
		t->ticket = s->ticket;
		t->parent = s->parent;
		t->prev = s->prev;
		if (t->prev)
			t->prev->parent = t;
		t->next = s->next;
		if (t->next)
			t->next->parent = t;
		t->waittail = t->waitlink ? s->waittail : NULL;
		t->waiters = s->waiters - 1;
		s->waitlink = NULL;
		s->waittail = NULL;
	} else {
		/* rotate s down to a leaf (the child with the smaller ticket
		 * goes up, keeping heap order), then cut it off */
		while (s->next || s->prev) {
			if (s->next == NULL || (s->prev && s->prev->ticket < s->next->ticket))
				rotate_right(root, s);
			else
				rotate_left(root, s);
		}
		replace_child(root, s->parent, s, NULL);
	}
	s->parent = NULL;
	s->elem = NULL;
	s->next = s->prev = NULL;
	s->ticket = 0;
	s->waiters = 0;
	return s;
}
