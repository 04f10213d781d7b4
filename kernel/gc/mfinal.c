/*
 * mfinal.c - finalizers (Go's mfinal.go and the finalizer "specials").
 *
 * Objects:
 *   table - every registered (object, function) pair, in an open-address
 *           hash table keyed by the object's address. It lives in raw
 *           pages the GC never scans, so registering a finalizer does not
 *           itself keep the object alive (Go hides the pointer in a span
 *           special for the same reason).
 *   queue - finalizers due to run, with their objects. It IS a root: the
 *           object must stay alive until its finalizer has run.
 *   fing  - the finalizer goroutine (a runtime goroutine: not counted for
 *           deadlock detection), parked while the queue is empty.
 *
 * Cycle (all with the world stopped, mgc.c):
 *   mark   - for every registered object, its contents are scanned as a
 *            root (fin_mark_roots), but the object itself is not marked:
 *            everything it points to survives, so the finalizer can use
 *            it, while the object can still turn out unreachable;
 *   mark termination - each registered object left unmarked is marked
 *            after all (resurrected for this cycle), its entry leaves the
 *            table for the queue (fin_queue_unreachable);
 *   after the restart, fing runs the queue. Once its finalizer has run and
 *            nothing refers to it any more, the next cycle frees the
 *            object. A finalizer therefore runs at most once; an object
 *            that a finalizer stores somewhere simply stays alive.
 * An object pointed to by another unreachable finalizable object is
 * reachable (through that one's contents), so finalizers run in dependency
 * order, one cycle apart, as in Go.
 *
 * Locking: fin.lock for the table and queue outside stop-the-world;
 * SetFinalizer and fing hold it only with preemption deferred, so the
 * stopped world never finds it held.
 */
#include <string.h>
#include "gort.h"
#include "kernel/gc/mgc.h"
#include "kernel/mm/mallocfast.h"
#include "kernel/lib/print.h"
#include "arch/atomic.h"

struct finalizer {
	uintptr_t obj;                  /* 0 empty, 1 deleted (tombstone) */
	void (*fn)(void *);
};
#define FIN_EMPTY 0
#define FIN_DELETED 1
#define FIN_BATCH 32

static struct {
	spinlock_t lock;
	struct finalizer *tab;          /* hash table, cap entries (power of 2) */
	uint32_t cap, used, pages;      /* used counts tombstones too */
	struct finalizer *q;            /* queue (a root) */
	uint32_t qn, qcap, qpages;      /* qn: lock (or world stopped); its
	                                   stores are atomic: fin_wake peeks */
	struct g *g;                    /* fing */
	bool parked;
	uint32_t started;               /* atomic: fing created */
	uint64_t nrun;                  /* atomic */
} fin GC_NOSCAN;

uint32_t fin_nregistered;               /* atomic */

void fin_init(void)
{
	spin_lock_init(&fin.lock, LOCKRANK_FIN);
}

static uint32_t fin_hash(uintptr_t obj, uint32_t cap)
{
	return (uint32_t)(((obj >> 4) * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

static struct finalizer *pages_alloc(uint32_t *pages, size_t bytes)
{
	*pages = (uint32_t)((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	struct finalizer *t = mheap_alloc_pages(*pages);
	if (t == NULL)
		throw("runtime: out of memory: finalizer table");
	memset(t, 0, (size_t)*pages * PAGE_SIZE);
	return t;
}

/* The slot holding obj, or NULL. */
static struct finalizer *lookup(uintptr_t obj)
{
	assert_lock_held(&fin.lock);
	if (fin.cap == 0)
		return NULL;
	for (uint32_t i = fin_hash(obj, fin.cap);; i = (i + 1) & (fin.cap - 1)) {
		if (fin.tab[i].obj == obj)
			return &fin.tab[i];
		if (fin.tab[i].obj == FIN_EMPTY)
			return NULL;
	}
}

static void insert_raw(struct finalizer *tab, uint32_t cap, struct finalizer e)
{
	uint32_t i = fin_hash(e.obj, cap);
	while (tab[i].obj > FIN_DELETED)
		i = (i + 1) & (cap - 1);
	tab[i] = e;
}

/* Make room for one more entry: rehash into a table twice the live size. */
static void grow(void)
{
	uint32_t live = __atomic_load_n(&fin_nregistered, __ATOMIC_RELAXED);
	if (fin.cap != 0 && (fin.used + 1) * 4 < fin.cap * 3)
		return;
	uint32_t ncap = 64;
	while (ncap < (live + 1) * 2)
		ncap <<= 1;
	uint32_t npages;
	struct finalizer *nt = pages_alloc(&npages, (size_t)ncap * sizeof *nt);
	for (uint32_t i = 0; i < fin.cap; i++)
		if (fin.tab[i].obj > FIN_DELETED)
			insert_raw(nt, ncap, fin.tab[i]);
	if (fin.tab)
		mheap_free_pages(fin.tab, fin.pages);
	fin.tab = nt;
	fin.cap = ncap;
	fin.pages = npages;
	fin.used = live;
}

static void fing_main(void *arg);

/* gc_find_object for a mutator: obj's span is swept for this cycle first
 * (Go's addspecial calls ensureSwept), since the background sweeper may be
 * swapping the span's alloc and mark bits while we read them; pinned, so
 * that no cycle can end (and unsweep it) between the sweep and the read. */
static bool find_object_swept(uintptr_t p, struct mspan **sp, uint32_t *idxp,
                              uintptr_t *basep)
{
	struct g *gp = mcache_pin();
	struct mspan *s = spanOf(p);
	if (s != NULL && s->collect && s->state == mSpanInUse)
		span_ensure_swept(s);
	bool found = gc_find_object(p, sp, idxp, basep);
	if (mcache_unpin(gp))
		releasem();     /* a preemption request while pinned: yield */
	return found;
}

void SetFinalizer(void *obj, void (*fn)(void *))
{
	struct mspan *s;
	uint32_t idx;
	uintptr_t base;
	if (obj == NULL)
		throw("runtime.SetFinalizer: nil pointer");
	if (!find_object_swept((uintptr_t)obj, &s, &idx, &base))
		throw("runtime.SetFinalizer: pointer %p not in the GC heap (not from mallocgc)", obj);
	if (base != (uintptr_t)obj)
		throw("runtime.SetFinalizer: pointer %p not at beginning of allocated block", obj);
	uint32_t zero = 0;
	if (fn != NULL && arch_cas(&fin.started, &zero, 1,
	                           __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		fin.g = newproc_system(fing_main, NULL);
	spin_lock(&fin.lock);
	struct finalizer *e = lookup((uintptr_t)obj);
	if (fn == NULL) {
		if (e != NULL) {
			e->obj = FIN_DELETED;
			__atomic_sub_fetch(&fin_nregistered, 1, __ATOMIC_RELAXED);
		}
	} else {
		if (e != NULL) {
			spin_unlock(&fin.lock);
			throw("runtime.SetFinalizer: finalizer already set");
		}
		grow();
		insert_raw(fin.tab, fin.cap, (struct finalizer){ (uintptr_t)obj, fn });
		fin.used++;
		__atomic_add_fetch(&fin_nregistered, 1, __ATOMIC_RELAXED);
	}
	spin_unlock(&fin.lock);
}

void fin_forget(uintptr_t obj)
{
	spin_lock(&fin.lock);
	struct finalizer *e = lookup(obj);
	if (e != NULL) {
		e->obj = FIN_DELETED;
		__atomic_sub_fetch(&fin_nregistered, 1, __ATOMIC_RELAXED);
	}
	spin_unlock(&fin.lock);
}

void fin_mark_roots(void (*scan)(uintptr_t lo, uintptr_t hi, void *arg), void *arg)
{
	for (uint32_t i = 0; i < fin.cap; i++) {
		uintptr_t obj = fin.tab[i].obj;
		if (obj <= FIN_DELETED)
			continue;
		struct mspan *s = spanOf(obj);
		if (!spanclass_noscan(s->spanclass))
			scan(obj, obj + s->elemsize, arg);
	}
	if (fin.qn > 0)
		scan((uintptr_t)fin.q, (uintptr_t)(fin.q + fin.qn), arg);
}

static void enqueue(struct finalizer e)
{
	if (fin.qn == fin.qcap) {
		uint32_t ncap = fin.qcap ? fin.qcap * 2 : 256, npages;
		struct finalizer *nq = pages_alloc(&npages, (size_t)ncap * sizeof *nq);
		if (fin.q) {
			memcpy(nq, fin.q, fin.qn * sizeof *nq);
			mheap_free_pages(fin.q, fin.qpages);
		}
		fin.q = nq;
		fin.qcap = ncap;
		fin.qpages = npages;
	}
	fin.q[fin.qn] = e;
	/* relaxed store: fin_wake reads qn without fin.lock */
	__atomic_store_n(&fin.qn, fin.qn + 1, __ATOMIC_RELAXED);
}

void fin_queue_unreachable(void)
{
	for (uint32_t i = 0; i < fin.cap; i++) {
		struct finalizer *e = &fin.tab[i];
		if (e->obj <= FIN_DELETED)
			continue;
		struct mspan *s;
		uint32_t idx;
		uintptr_t base;
		if (!gc_find_object(e->obj, &s, &idx, &base))
			throw("gc: finalizer for %#lx: object vanished", (unsigned long)e->obj);
		if (span_is_marked(s, idx))
			continue;
		span_mark(s, idx);              /* resurrected until fn has run */
		__atomic_fetch_add(&gc_bytesMarked, s->elemsize, __ATOMIC_RELAXED);
		enqueue(*e);
		e->obj = FIN_DELETED;
		__atomic_sub_fetch(&fin_nregistered, 1, __ATOMIC_RELAXED);
	}
}

static void fing_main(void *arg)
{
	(void)arg;
	struct finalizer batch[FIN_BATCH];
	for (;;) {
		spin_lock(&fin.lock);
		while (fin.qn == 0) {
			fin.parked = true;
			goparkunlock(&fin.lock, waitReasonFinalizerWait);
			spin_lock(&fin.lock);
		}
		uint32_t n = fin.qn < FIN_BATCH ? fin.qn : FIN_BATCH;
		/* relaxed store: fin_wake reads qn without fin.lock */
		__atomic_store_n(&fin.qn, fin.qn - n, __ATOMIC_RELAXED);
		memcpy(batch, fin.q + fin.qn, n * sizeof *batch);
		memset(fin.q + fin.qn, 0, n * sizeof *batch);
		spin_unlock(&fin.lock);
		for (uint32_t i = 0; i < n; i++) {
			batch[i].fn((void *)batch[i].obj);
			__atomic_add_fetch(&fin.nrun, 1, __ATOMIC_RELAXED);
		}
		/* drop the references: the objects may go next cycle */
		memset(batch, 0, sizeof batch);
		__asm__ volatile("" ::"r"(batch) : "memory");
	}
}

void fin_wake(void)
{
	/* Called right after the cycle that queued them: this CPU wrote qn;
	 * fing only ever lowers it, and rechecks it under the lock. */
	if (__atomic_load_n(&fin.qn, __ATOMIC_RELAXED) > 0)
		goready_parked(&fin.lock, &fin.parked, fin.g);
}

uint64_t fin_nrun(void)
{
	return __atomic_load_n(&fin.nrun, __ATOMIC_RELAXED);
}
