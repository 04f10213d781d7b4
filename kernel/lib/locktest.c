/*
 * locktest.c - the test hook of the lock discipline (lockrank.h,
 * lockrank_debug_test): each case breaks one rule with real runtime locks
 * (sched.lock, a P's timer heap, channels, the free-G list) so that a QEMU
 * test can watch the check catch it (tests/qemu/lock_rank). It is never
 * called by the runtime itself.
 */
#include "kernel/lib/lockrank.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"
#include "kernel/sched/sched.h"
#include "kernel/chan/chan.h"

/* Two (or three) channel locks in address order, and sched.lock before a
 * timer heap's: all legal. */
static void legal_orders(void)
{
	struct hchan *c[3] = { make_chan(0, 0), make_chan(0, 0), make_chan(0, 0) };
	for (int i = 0; i < 3; i++)          /* sort by address */
		for (int j = i + 1; j < 3; j++)
			if ((uintptr_t)c[j] < (uintptr_t)c[i]) {
				struct hchan *t = c[i]; c[i] = c[j]; c[j] = t;
			}
	for (int i = 0; i < 3; i++)
		spin_lock(&c[i]->lock);
	for (int i = 2; i >= 0; i--)
		spin_unlock(&c[i]->lock);
	acquirem();
	spinlock_t *tl = &getm()->p->timers.lock;
	spin_lock(&sched.lock);
	spin_lock(tl);
	assert_lock_held(&sched.lock);
	assert_lock_held(tl);
	spin_unlock(&sched.lock);       /* out of order release is fine */
	spin_unlock(tl);
	releasem();
}

static void channels_against_address_order(void)
{
	struct hchan *a = make_chan(0, 0), *b = make_chan(0, 0);
	if ((uintptr_t)a < (uintptr_t)b) {
		struct hchan *t = a; a = b; b = t;
	}
	spin_lock(&a->lock);            /* the higher address first: wrong */
	spin_lock(&b->lock);
}

bool lockrank_debug_test(int what)
{
	if (!GORT_DEBUG)
		return false;
	switch (what) {
	case 0:
		legal_orders();
		return true;
	case 1:
		acquirem();
		spin_lock(&getm()->p->timers.lock);
		spin_lock(&sched.lock);
		break;
	case 2:
		globrunqput(getg());
		break;
	case 3:
		spin_unlock(&sched.lock);
		break;
	case 4:
		channels_against_address_order();
		break;
	case 5:
		spin_lock(&sched.gflock);
		Gosched();
		break;
	}
	throw("lockrank_debug_test(%d): the check did not fire", what);
}
