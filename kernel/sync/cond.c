/*
 * cond.c - sync.Cond on a ticket-based notify list (Go's sync/cond.go and
 * notifyList in runtime/sema.go).
 *
 * notifyList: wait is the next ticket to hand out, notify the next ticket
 * to be woken; tickets in [notify, wait) belong to waiters that have not
 * been notified yet. Cond_Wait takes a ticket *before* unlocking L, so a
 * Signal that happens after the unlock but before the waiter sleeps is
 * not lost: the waiter sees its ticket already notified and returns at
 * once. Signal wakes the waiter holding ticket `notify` (waiters may queue
 * out of ticket order, so the list is searched); Broadcast advances notify
 * to wait and wakes everyone queued.
 *
 * Tickets wrap: comparisons are on the signed 32-bit difference.
 * Sudogs on the list are linked by next, under the list's spinlock.
 */
#include "gort.h"
#include "kernel/sync/sema.h"
#include "kernel/chan/sudog.h"
#include "kernel/lib/spinlock.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

_Static_assert(sizeof(spinlock_t) == sizeof(((struct notifyList *)0)->lock) &&
               _Alignof(spinlock_t) <= _Alignof(uint64_t),
               "notifyList.lock must hold a spinlock_t");

/* A Cond is the program's zeroed memory, with no init call: its lock gets
 * its rank here, on every use (relaxed: every writer stores the same). */
static spinlock_t *nl_lock(struct notifyList *l)
{
	spinlock_t *sl = (spinlock_t *)(void *)&l->lock;
	if (__atomic_load_n(&sl->rank, __ATOMIC_RELAXED) != LOCKRANK_NOTIFYLIST)
		__atomic_store_n(&sl->rank, (uint16_t)LOCKRANK_NOTIFYLIST, __ATOMIC_RELAXED);
	return sl;
}

static bool less(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

uint32_t notifyListAdd(struct notifyList *l)
{
	/* seq_cst: ordered before the unlock of L in Cond_Wait. */
	return __atomic_fetch_add(&l->wait, 1, __ATOMIC_SEQ_CST);
}

void notifyListWait(struct notifyList *l, uint32_t t)
{
	spin_lock(nl_lock(l));
	if (less(t, l->notify)) {      /* already notified */
		spin_unlock(nl_lock(l));
		return;
	}
	/* In this frame, as semacquire1's: the notifier is done with it
	 * before goready. */
	struct sudog s = { .g = getg(), .ticket = t };
	if (l->tail == NULL)
		l->head = &s;
	else
		l->tail->next = &s;
	l->tail = &s;
	goparkunlock(nl_lock(l), waitReasonSyncCondWait);
}

void notifyListNotifyAll(struct notifyList *l)
{
	/* Fast path: no waiters since the last notify. seq_cst loads pair
	 * with notifyListAdd. */
	if (__atomic_load_n(&l->wait, __ATOMIC_SEQ_CST) ==
	    __atomic_load_n(&l->notify, __ATOMIC_SEQ_CST))
		return;
	spin_lock(nl_lock(l));
	struct sudog *s = l->head;
	l->head = l->tail = NULL;
	__atomic_store_n(&l->notify, __atomic_load_n(&l->wait, __ATOMIC_SEQ_CST),
	                 __ATOMIC_SEQ_CST);
	spin_unlock(nl_lock(l));
	while (s) {
		struct sudog *next = s->next;
		s->next = NULL;
		goready(s->g);     /* s is the waiter's again from here */
		s = next;
	}
}

void notifyListNotifyOne(struct notifyList *l)
{
	if (__atomic_load_n(&l->wait, __ATOMIC_SEQ_CST) ==
	    __atomic_load_n(&l->notify, __ATOMIC_SEQ_CST))
		return;
	spin_lock(nl_lock(l));
	uint32_t t = l->notify;
	if (t == __atomic_load_n(&l->wait, __ATOMIC_SEQ_CST)) {
		spin_unlock(nl_lock(l));
		return;
	}
	__atomic_store_n(&l->notify, t + 1, __ATOMIC_SEQ_CST);
	/* The waiter with ticket t may not have queued yet: then it will see
	 * its ticket notified in notifyListWait and not sleep. */
	for (struct sudog *p = NULL, *s = l->head; s != NULL; p = s, s = s->next) {
		if (s->ticket == t) {
			struct sudog *n = s->next;
			if (p)
				p->next = n;
			else
				l->head = n;
			if (l->tail == s)
				l->tail = p;
			spin_unlock(nl_lock(l));
			s->next = NULL;
			goready(s->g);
			return;
		}
	}
	spin_unlock(nl_lock(l));
}

void Cond_Wait(Cond *c)
{
	uint32_t t = notifyListAdd(&c->notify);
	Mutex_Unlock(c->L);
	notifyListWait(&c->notify, t);
	Mutex_Lock(c->L);
}

void Cond_Signal(Cond *c)
{
	notifyListNotifyOne(&c->notify);
}

void Cond_Broadcast(Cond *c)
{
	notifyListNotifyAll(&c->notify);
}
