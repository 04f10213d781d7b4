/*
 * select.c - the select statement (Go's runtime/select.go, selectgo).
 *
 * Select(cases, n, has_default) runs in these passes:
 *   0. Order. pollorder is a random permutation of the cases with a
 *      non-nil channel (so no ready case starves another).
 *  1a. Poll one lock at a time (not in Go): each case in pollorder as a
 *      non-blocking send or receive (selectnbsend/selectnbrecv, with their
 *      lock-free "would block" tests). The first that proceeds is the
 *      select's case. A select with one case ready takes one channel lock,
 *      not all of them (select2_one_ready: 439 -> 238 instructions on
 *      riscv64), and none is sorted. That is Go's semantics: the case ran
 *      at a moment it could proceed, and every case had the same chance to
 *      be tried first. What pass 1a cannot say is "none is ready": each
 *      case was seen not ready at its own moment, and a value may have
 *      moved from an untried channel to a tried one in between (a send on
 *      A, then a receive from B, by another goroutine). So:
 *   1. lockorder sorts the cases by channel address (heap sort), so that
 *      every goroutine takes several channel locks in one global order and
 *      two selects can never deadlock on each other. All channels are
 *      locked (a channel appearing twice is locked once), and pollorder is
 *      polled again: the first case that can proceed now runs - a blocked
 *      partner (direct hand-off), a buffered value or room, or a closed
 *      channel (receive: zero value, ok=false; send: panic). Nothing ready
 *      and a default: unlock and return -1.
 *   2. Enqueue a sudog (isSelect) on every channel, in lockorder, chained
 *      on g->waiting, and park; selparkcommit unlocks the channels on g0.
 *      The sudogs of up to SELECT_STACK_SUDOGS cases are locals of
 *      selectgo_locked's frame (stacks never move; chan.c's chan_park says
 *      why that is safe); more come from the sudog cache (sudog.c).
 *   3. Woken: a waker on one channel won g->selectdone with a CAS (in
 *      waitq_dequeue) and completed that case; g->param is its sudog.
 *      Unlink the other sudogs, each under its own channel's lock, one
 *      lock at a time (Go relocks everything), reset selectdone and
 *      return the winning case.
 *
 * selectdone protocol: 0 while the G may be claimed; the first waker to CAS
 * it 0 -> 1 owns the wake-up; later wakers on other channels skip this G's
 * sudogs (they are stale). The G stores 0 again only after it has unlinked
 * every sudog (each under its channel's lock), so no stale sudog stays
 * visible.
 */
#include <stdlib.h>
#include "kernel/chan/chan.h"
#include "kernel/lib/spinlock.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

#define SELECT_STACK_CASES 64   /* orders for up to this many on the stack */
#define SELECT_STACK_SUDOGS 4   /* sudogs for up to this many on the stack */

static void sellock(struct SelectCase *cs, const uint16_t *lockorder, int n)
{
	struct hchan *last = NULL;
	for (int i = 0; i < n; i++) {
		struct hchan *c = cs[lockorder[i]].c;
		if (c != last)
			spin_lock(&c->lock);
		last = c;
	}
}

static void selunlock(struct SelectCase *cs, const uint16_t *lockorder, int n)
{
	/* reverse lock order; a channel listed twice is unlocked once */
	for (int i = n - 1; i >= 0; i--) {
		struct hchan *c = cs[lockorder[i]].c;
		if (i > 0 && c == cs[lockorder[i - 1]].c)
			continue;
		spin_unlock(&c->lock);
	}
}

/* park_release_locks' iterator over g->waiting, which lists the sudogs in
 * lockorder: one lock per channel (a channel listed twice is locked once).
 * It steps past every sudog of the channel before returning its lock:
 * once a channel is unlocked the G may be woken, and once it has relocked
 * everything its sudogs are no longer ours to look at. */
static spinlock_t *next_chan_lock(void **it)
{
	struct sudog *sg = *it;
	if (sg == NULL)
		return NULL;
	struct hchan *c = sg->c;
	while (sg != NULL && sg->c == c)
		sg = sg->waitlink;
	*it = sg;
	return &c->lock;
}

/* gopark hook, after the G is parked and saved (on g0, or on the G it
 * handed the CPU to): release every channel lock. */
static bool selparkcommit(struct g *gp, void *unused)
{
	park_release_locks(gp, next_chan_lock, gp->waiting);
	return true;
}

static void heapsort_by_chan(struct SelectCase *cs, uint16_t *a, int n)
{
#define KEY(i) ((uintptr_t)cs[a[i]].c)
	/* build a max-heap, then pop to the end */
	for (int start = n / 2 - 1; start >= 0; start--) {
		int r = start;
		for (int child; (child = 2 * r + 1) < n; r = child) {
			if (child + 1 < n && KEY(child) < KEY(child + 1))
				child++;
			if (KEY(r) >= KEY(child))
				break;
			uint16_t t = a[r]; a[r] = a[child]; a[child] = t;
		}
	}
	for (int end = n - 1; end > 0; end--) {
		uint16_t t = a[0]; a[0] = a[end]; a[end] = t;
		int r = 0;
		for (int child; (child = 2 * r + 1) < end; r = child) {
			if (child + 1 < end && KEY(child) < KEY(child + 1))
				child++;
			if (KEY(r) >= KEY(child))
				break;
			t = a[r]; a[r] = a[child]; a[child] = t;
		}
	}
#undef KEY
}

/* Pass 0: pollorder, a random permutation of the cases with a non-nil
 * channel (inside-out Fisher-Yates). One draw from the M's generator per
 * select, stepped here (xorshift32) for each case, and scaled by a
 * multiply instead of a division (Go's cheaprandn): cheaprand's
 * acquirem/releasem per case cost ~25 instructions. Returns how many. */
static int selorder(struct SelectCase *cs, int ncases, uint16_t *pollorder)
{
	uint32_t r = cheaprand() | 1;   /* xorshift needs a non-zero state */
	int n = 0;
	for (int i = 0; i < ncases; i++) {
		if (cs[i].c == NULL)
			continue;
		if (cs[i].dir != SelectSend && cs[i].dir != SelectRecv)
			throw("select: bad case direction %d", cs[i].dir);
		r ^= r << 13; r ^= r >> 17; r ^= r << 5;
		int j = (int)(((uint64_t)r * (uint32_t)(n + 1)) >> 32);
		pollorder[n] = pollorder[j];
		pollorder[j] = (uint16_t)i;
		n++;
	}
	return n;
}

/* Pass 1a, one lock at a time: each case in poll order as a non-blocking
 * send or receive (selectnbsend/selectnbrecv: a lock-free "would block"
 * test, then that channel's lock only). The first that proceeds is the
 * select's: it could proceed at the moment it did, which is all a select
 * promises of the case it runs, and the poll order keeps the choice
 * uniform. Returns the case, or -1 if none proceeded - which says only
 * that each was not ready at the moment it was tried, not that all were
 * not ready at one moment: reporting "none ready" (the default case, or
 * parking) needs pass 1 with every lock held. */
static int selpoll(struct SelectCase *cs, const uint16_t *pollorder, int n)
{
	for (int k = 0; k < n; k++) {
		int i = pollorder[k];
		struct SelectCase *sc = &cs[i];
		if (sc->dir == SelectRecv) {
			bool received;
			if (selectnbrecv(sc->c, sc->val, &received)) {
				if (sc->ok)
					*sc->ok = received;
				return i;
			}
		} else if (selectnbsend(sc->c, sc->val)) {
			return i;
		}
	}
	return -1;
}

/* Passes 1 to 3 with the lock order: lock every channel, poll, wait. */
static __attribute__((noinline)) int selectgo_locked(struct SelectCase *cs, const uint16_t *pollorder,
                                                     uint16_t *lockorder, int n, bool block)
{
	for (int i = 0; i < n; i++)
		lockorder[i] = pollorder[i];
	heapsort_by_chan(cs, lockorder, n);

	sellock(cs, lockorder, n);

	/* pass 1: anything ready? */
	for (int k = 0; k < n; k++) {
		int i = pollorder[k];
		struct SelectCase *sc = &cs[i];
		struct hchan *c = sc->c;
		struct sudog *sg;
		if (sc->dir == SelectRecv) {
			if ((sg = waitq_dequeue(&c->sendq)) != NULL) {
				struct g *gp = chan_handoff_recv(c, sg, sc->val);
				selunlock(cs, lockorder, n);
				goready(gp);
				if (sc->ok)
					*sc->ok = true;
				return i;
			}
			if (c->qcount > 0) {
				chan_buf_take(c, sc->val);
				selunlock(cs, lockorder, n);
				if (sc->ok)
					*sc->ok = true;
				return i;
			}
			if (c->closed) {
				selunlock(cs, lockorder, n);
				chan_memclr(sc->val, c->elemsize);
				if (sc->ok)
					*sc->ok = false;
				return i;
			}
		} else {
			if (c->closed) {
				selunlock(cs, lockorder, n);
				gopanic("send on closed channel");
			}
			if ((sg = waitq_dequeue(&c->recvq)) != NULL) {
				struct g *gp = chan_handoff_send(c, sg, sc->val);
				selunlock(cs, lockorder, n);
				goready(gp);
				return i;
			}
			if (c->qcount < c->dataqsiz) {
				chan_buf_put(c, sc->val);
				selunlock(cs, lockorder, n);
				return i;
			}
		}
	}
	if (!block) {
		selunlock(cs, lockorder, n);
		return -1;
	}

	/* pass 2: wait on every channel. The sudogs of a select of up to
	 * SELECT_STACK_SUDOGS cases are locals of this frame, as chan_park's
	 * (chan.c); larger selects take them from the sudog cache. */
	struct g *gp = getg();
	if (gp->waiting != NULL)
		throw("gp->waiting != nil");
	struct sudog stack_sudogs[SELECT_STACK_SUDOGS];
	bool onstack = n <= SELECT_STACK_SUDOGS;
	struct sudog **nextp = &gp->waiting;
	for (int k = 0; k < n; k++) {
		struct SelectCase *sc = &cs[lockorder[k]];
		struct sudog *sg = onstack ? &stack_sudogs[k] : acquireSudog();
		sg->success = false;
		sg->g = gp;
		sg->isSelect = true;
		sg->elem = sc->val;
		sg->c = sc->c;
		sg->waitlink = NULL;
		*nextp = sg;
		nextp = &sg->waitlink;
		waitq_enqueue(sc->dir == SelectRecv ? &sc->c->recvq : &sc->c->sendq, sg);
	}
	gp->param = NULL;
	gopark(selparkcommit, NULL, waitReasonSelect);

	/* pass 3: one case won; take ourselves off every other queue, one
	 * channel lock at a time (Go locks them all, as pass 1 did). One at
	 * a time is enough: selectdone stays 1 until the end, so a waker that
	 * finds a sudog of ours meanwhile only drops it (waitq_dequeue), under
	 * that channel's lock, as waitq_remove runs under it; and holding a
	 * single lock needs no lock order. A producer on another CPU then
	 * waits for one short unlink, not for the whole of pass 3 (bench/
	 * vs-go's vs_fanin at -smp 2). */
	struct sudog *won = gp->param;
	gp->param = NULL;
	int casi = -1;
	bool success = false;
	struct sudog *sglist = gp->waiting;
	gp->waiting = NULL;
	for (int k = 0; k < n; k++) {
		struct SelectCase *sc = &cs[lockorder[k]];
		struct sudog *next = sglist->waitlink;
		if (sglist == won) {
			casi = lockorder[k];
			success = won->success;
		} else {
			spin_lock(&sc->c->lock);
			waitq_remove(sc->dir == SelectRecv ? &sc->c->recvq : &sc->c->sendq, sglist);
			spin_unlock(&sc->c->lock);
		}
		sglist->waitlink = NULL;
		sglist->elem = NULL;
		sglist->isSelect = false;
		sglist->c = NULL;
		sglist->next = sglist->prev = NULL;
		if (!onstack)
			releaseSudog(sglist);
		sglist = next;
	}
	/* release; pairs with the acq_rel CAS in waitq_dequeue: from here on
	 * no sudog of ours is queued (each was unlinked under its channel's
	 * lock above, or dropped by a waker under it), so a new select may be
	 * claimed again. */
	__atomic_store_n(&gp->selectdone, 0, __ATOMIC_RELEASE);
	if (casi < 0)
		throw("selectgo: bad wakeup");
	struct SelectCase *sc = &cs[casi];
	if (sc->dir == SelectSend) {
		if (!success)
			gopanic("send on closed channel");
	} else if (sc->ok) {
		*sc->ok = success;
	}
	return casi;
}

/* Passes 1 to 3 (Go's selectgo from its lock order on), for the n cases
 * of pollorder, which pass 1a found not ready. */
static __attribute__((noinline)) int selectgo(struct SelectCase *cs, const uint16_t *pollorder, int n,
                                              bool block)
{
	uint16_t stack_lockorder[SELECT_STACK_CASES];
	uint16_t *lockorder = stack_lockorder;
	if (n > SELECT_STACK_CASES) {
		lockorder = malloc((size_t)n * sizeof *lockorder);
		if (lockorder == NULL)
			throw("select: out of memory");
	}
	int casi = selectgo_locked(cs, pollorder, lockorder, n, block);
	if (lockorder != stack_lockorder)
		free(lockorder);
	return casi;
}

int Select(struct SelectCase *cases, int n, bool has_default)
{
	if (n < 0 || n > 65536)
		throw("select: bad number of cases %d", n);
	/* One case and a default is a non-blocking send or receive, whose
	 * lock-free test is exact for one channel (Go's compiler makes the
	 * same rewrite). */
	if (n == 1 && has_default && cases[0].c != NULL) {
		if (cases[0].dir == SelectSend)
			return selectnbsend(cases[0].c, cases[0].val) ? 0 : -1;
		if (cases[0].dir == SelectRecv) {
			bool received;
			if (!selectnbrecv(cases[0].c, cases[0].val, &received))
				return -1;
			if (cases[0].ok)
				*cases[0].ok = received;
			return 0;
		}
	}
	uint16_t stack_pollorder[SELECT_STACK_CASES];
	uint16_t *pollorder = stack_pollorder;
	if (n > SELECT_STACK_CASES) {
		pollorder = malloc((size_t)n * sizeof *pollorder);
		if (pollorder == NULL)
			throw("select: out of memory");
	}
	int r;
	int npoll = selorder(cases, n, pollorder);
	if (npoll == 0) {
		if (pollorder != stack_pollorder)
			free(pollorder);
		if (has_default)
			return -1;
		gopark(NULL, NULL, waitReasonSelectNoCases);
		throw("unreachable: select with only nil channels woke");
	}
	r = selpoll(cases, pollorder, npoll);
	if (r < 0)
		r = selectgo(cases, pollorder, npoll, !has_default);
	if (pollorder != stack_pollorder)
		free(pollorder);
	return r;
}
