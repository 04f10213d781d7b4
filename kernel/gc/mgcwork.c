/*
 * mgcwork.c - grey-object buffers and the shared pool of the mark phase
 * (Go's mgcwork.go; declarations and protocol in mgcwork.h).
 *
 * Each worker owns two buffers (wbuf1 is the one it puts to and gets from,
 * wbuf2 a spare, full or empty). Only when both are full does it push one
 * to the pool's full list; only when both are empty does it take one from
 * there. So a worker touches the pool lock about once per WORKBUF_N (254)
 * objects, and the lock is uncontended in practice. Go keeps the lists in
 * lock-free stacks; one lock keeps the termination check obviously right:
 *
 *   Termination. A worker that finds nothing, locally or in the pool,
 *   counts itself waiting (nwait++) under the lock. If then every joined
 *   worker is waiting and the pool holds no full buffer, nobody holds grey
 *   objects and nobody can make more: the mark is over (done = 1). Otherwise
 *   it spins until a full buffer appears (racy read of nfull) or done is
 *   set, and retries under the lock, uncounting itself if it takes a
 *   buffer. Pushes to the pool happen before a worker waits, and a waiting
 *   worker only leaves the count under the same lock that the check holds,
 *   so the check sees a consistent state.
 *
 *   A worker may also leave before the end (gcw_get_or_leave, then
 *   gcw_leave): helpers with nothing to do for a while (or whose
 *   should_leave says so: an idle CPU that was handed a P) go back to
 *   sleep. It may even leave holding grey objects (an idle CPU helping
 *   the concurrent mark, between two objects): gcw_leave pushes its
 *   buffers to the full list first. Leaving uncounts it from njoined and
 *   nwait under the lock, and if the others were only waiting for it, the
 *   mark is over then.
 *
 * Waiting: between polls an idle worker calls pool->wait if set (the
 * kernel's short wfi, so that vCPUs run round-robin by QEMU -icount get
 * their turn) every 64 polls, and arch_cpu_relax otherwise.
 *
 * Buffers come from the page heap (manual spans, never scanned) and are
 * kept on the empty list for the next cycle. The mark's own memory comes
 * from the heap it marks, so it must never depend on a free page:
 *
 *   Reserve. At boot the pool takes a reserve sized by the heap
 *   (workpool_reserve; mgcmark.c: 1/1024 of it, at least enough for every
 *   worker to join). Buffers are never given back, so the reserve stays.
 *
 *   Overflow. A worker that needs an empty buffer when the pool has none
 *   and the page heap no page does not fail: gcw_put_slow drops the grey
 *   object (it stays marked, but nobody will scan it) and sets
 *   pool->overflow; gcw_balance gives nothing away. The mark's owner
 *   repairs it once the pool is done (mgcmark.c, mark_overflow_recover):
 *   every marked object is scanned again, Boehm's mark-stack overflow.
 *   Joining never fails for want of buffers: with none empty and no page a
 *   worker takes full buffers (it then owns their grey objects), and the
 *   reserve holds more than two buffers for every worker there can be.
 */
#include <string.h>
#include "kernel/gc/mgcwork.h"
#include "kernel/lib/print.h"
#include "arch.h"

#define BUFS_PER_PAGE (8192 / WORKBUF_BYTES)

void workpool_reset(struct workpool *p)
{
	spin_lock(&p->lock);
	ASSERT(p->full == NULL && p->nfull == 0);
	p->njoined = 0;
	p->nwait = 0;
	__atomic_store_n(&p->done, 0, __ATOMIC_RELAXED);
	spin_unlock(&p->lock);
}

/* A page of fresh buffers onto the empty list. False: no page left. */
static bool addpage_locked(struct workpool *p)
{
	assert_lock_held(&p->lock);
	uint8_t *pg = mheap_alloc_pages(1);
	if (pg == NULL)
		return false;
	for (int i = 0; i < BUFS_PER_PAGE; i++) {
		struct workbuf *b = (struct workbuf *)(pg + i * WORKBUF_BYTES);
		b->next = p->empty;
		p->empty = b;
	}
	p->nbufs += BUFS_PER_PAGE;
	return true;
}

/* An empty buffer, from the pool's spares or a fresh page; NULL if there
 * is neither (the caller overflows), or if the test hook starves the
 * pool (a joining worker still gets its buffers). */
static struct workbuf *getempty_locked(struct workpool *p, bool join)
{
	assert_lock_held(&p->lock);
	/* relaxed: a test hook */
	if (!join && __builtin_expect(__atomic_load_n(&p->starve, __ATOMIC_RELAXED), 0))
		return NULL;
	if (p->empty == NULL && !addpage_locked(p))
		return NULL;
	struct workbuf *b = p->empty;
	p->empty = b->next;
	b->next = NULL;
	b->nobj = 0;
	return b;
}

/* A buffer for a joining worker: an empty one, else a full one (the
 * joiner then owns its grey objects, as if it had taken it in
 * gcw_get). The reserve guarantees one of the two (the file's comment). */
static struct workbuf *getjoin_locked(struct workpool *p)
{
	assert_lock_held(&p->lock);
	struct workbuf *b = getempty_locked(p, true);
	if (b != NULL)
		return b;
	b = p->full;
	if (b == NULL)
		throw("runtime: GC work buffers: the reserve is exhausted (%llu buffers)",
		      (unsigned long long)p->nbufs);
	p->full = b->next;
	__atomic_store_n(&p->nfull, p->nfull - 1, __ATOMIC_RELAXED);
	b->next = NULL;
	return b;
}

void workpool_reserve(struct workpool *p, int npages)
{
	spin_lock(&p->lock);
	while (p->nbufs < (uint64_t)npages * BUFS_PER_PAGE)
		if (!addpage_locked(p))
			throw("runtime: out of memory reserving GC work buffers (%d pages)", npages);
	spin_unlock(&p->lock);
}

bool gcw_join(struct gcwork *w, struct workpool *p)
{
	spin_lock(&p->lock);
	if (__atomic_load_n(&p->done, __ATOMIC_RELAXED)) {
		spin_unlock(&p->lock);
		return false;
	}
	p->njoined++;
	w->pool = p;
	w->wbuf1 = getjoin_locked(p);
	w->wbuf2 = getjoin_locked(p);
	spin_unlock(&p->lock);
	return true;
}

/* Push a full buffer / give back an empty one. */
static void putfull(struct workpool *p, struct workbuf *b)
{
	spin_lock(&p->lock);
	b->next = p->full;
	p->full = b;
	/* relaxed: waiters only use it as a hint, then recheck under the lock */
	__atomic_store_n(&p->nfull, p->nfull + 1, __ATOMIC_RELAXED);
	spin_unlock(&p->lock);
}

static void putempty_locked(struct workpool *p, struct workbuf *b)
{
	assert_lock_held(&p->lock);
	b->next = p->empty;
	p->empty = b;
}

void gcw_leave(struct gcwork *w)
{
	struct workpool *p = w->pool;
	struct workbuf *bs[2] = { w->wbuf1, w->wbuf2 };
	/* Decide each buffer's list once, before handing any over: a full
	 * one pushed here may at once be taken and emptied by another worker,
	 * and must then not be read again (let alone put on the empty list
	 * while that worker owns it). */
	bool grey[2] = { bs[0]->nobj > 0, bs[1]->nobj > 0 };
	for (int i = 0; i < 2; i++)
		if (grey[i])
			putfull(p, bs[i]);
	spin_lock(&p->lock);
	for (int i = 0; i < 2; i++)
		if (!grey[i])
			putempty_locked(p, bs[i]);
	/* Leaving early (before gcw_get said the mark is over) must not
	 * leave the others waiting for us: we no longer count, and if we
	 * were the last one they waited for, the mark is over now. */
	if (!__atomic_load_n(&p->done, __ATOMIC_RELAXED)) {
		p->njoined--;
		if (p->njoined > 0 && p->nwait == p->njoined && p->full == NULL)
			__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	}
	spin_unlock(&p->lock);
	w->wbuf1 = w->wbuf2 = NULL;
}

/* wbuf1 is full (gcw_put checked). */
void gcw_put_slow(struct gcwork *w, uintptr_t obj)
{
	/* swap with the spare; if that is full too, publish it */
	struct workbuf *b = w->wbuf2;
	if (b->nobj == WORKBUF_N) {
		struct workpool *p = w->pool;
		spin_lock(&p->lock);
		struct workbuf *nb = getempty_locked(p, false);
		if (nb == NULL) {
			/* No buffer and no page: obj stays marked but
			 * unscanned; the owner of the mark rescans
			 * (mark_overflow_recover). relaxed: read after the
			 * pool's done, whose release/acquire orders it. */
			__atomic_store_n(&p->overflow, 1, __ATOMIC_RELAXED);
			p->ndropped++;
			spin_unlock(&p->lock);
			return;
		}
		spin_unlock(&p->lock);
		putfull(p, b);
		b = nb;
	}
	w->wbuf2 = w->wbuf1;
	w->wbuf1 = b;
	b->obj[b->nobj++] = obj;
}

bool gcw_tryget_local(struct gcwork *w, uintptr_t *obj)
{
	struct workbuf *b = w->wbuf1;
	if (b->nobj == 0) {
		w->wbuf1 = w->wbuf2;
		w->wbuf2 = b;
		b = w->wbuf1;
		if (b->nobj == 0)
			return false;
	}
	*obj = b->obj[--b->nobj];
	return true;
}

/* Swap an empty wbuf1 for a full buffer from the pool. */
static bool takefull_locked(struct gcwork *w)
{
	struct workpool *p = w->pool;
	assert_lock_held(&p->lock);
	struct workbuf *b = p->full;
	if (b == NULL)
		return false;
	p->full = b->next;
	__atomic_store_n(&p->nfull, p->nfull - 1, __ATOMIC_RELAXED);
	putempty_locked(p, w->wbuf1);
	w->wbuf1 = b;
	return true;
}

static inline bool leave_now(struct gcwork *w)
{
	return w->should_leave != NULL && w->should_leave();
}

bool gcw_get_or_leave(struct gcwork *w, uintptr_t *obj, uint32_t spins, bool *left)
{
	*left = false;
	if (gcw_tryget_local(w, obj))
		return true;
	struct workpool *p = w->pool;
	spin_lock(&p->lock);
	if (takefull_locked(w)) {
		spin_unlock(&p->lock);
		return gcw_tryget_local(w, obj);
	}
	p->nwait++;
	uint32_t idle = 0;
	for (;;) {
		if (p->nwait == p->njoined && p->full == NULL) {
			/* release; pairs with the acquire loads of waiters and
			 * of the coordinator: every mark bit set by any worker
			 * happens before the mark is seen to be over. */
			__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
			spin_unlock(&p->lock);
			return false;
		}
		if (spins != 0 && (idle >= spins || leave_now(w))) {
			p->nwait--;     /* gcw_leave uncounts us from njoined */
			spin_unlock(&p->lock);
			*left = true;
			return false;
		}
		spin_unlock(&p->lock);
		while (__atomic_load_n(&p->nfull, __ATOMIC_RELAXED) == 0 &&
		       !__atomic_load_n(&p->done, __ATOMIC_ACQUIRE) &&
		       (spins == 0 || (idle < spins && !leave_now(w)))) {
			if (p->wait != NULL && (idle & 63) == 63)
				p->wait();
			else
				arch_cpu_relax();
			idle++;
		}
		spin_lock(&p->lock);
		if (__atomic_load_n(&p->done, __ATOMIC_RELAXED)) {
			spin_unlock(&p->lock);
			return false;
		}
		if (takefull_locked(w)) {
			p->nwait--;
			spin_unlock(&p->lock);
			return gcw_tryget_local(w, obj);
		}
	}
}

bool gcw_get(struct gcwork *w, uintptr_t *obj)
{
	bool left;
	return gcw_get_or_leave(w, obj, 0, &left);
}

void gcw_balance(struct gcwork *w)
{
	if (__atomic_load_n(&w->pool->nfull, __ATOMIC_RELAXED) != 0)
		return;
	/* nothing spare in wbuf2: split wbuf1 if it has plenty */
	bool split = w->wbuf2->nobj == 0;
	if (split && w->wbuf1->nobj < 8)
		return;
	spin_lock(&w->pool->lock);
	struct workbuf *nb = getempty_locked(w->pool, false);
	spin_unlock(&w->pool->lock);
	if (nb == NULL)
		return;                 /* no buffer to spare: keep it all */
	if (split) {
		struct workbuf *b = w->wbuf1;
		uint32_t half = b->nobj / 2;
		memcpy(nb->obj, b->obj + (b->nobj - half), half * sizeof(uintptr_t));
		nb->nobj = half;
		b->nobj -= half;
		putfull(w->pool, nb);
		return;
	}
	struct workbuf *b = w->wbuf2;
	w->wbuf2 = nb;
	putfull(w->pool, b);
}

bool workpool_take_overflow(struct workpool *p)
{
	/* relaxed: the pool is done and its owner alone (see gcw_put_slow) */
	return __atomic_exchange_n(&p->overflow, 0, __ATOMIC_RELAXED) != 0;
}
