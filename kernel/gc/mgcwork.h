/*
 * mgcwork.h - the mark phase's grey objects: work buffers, per-worker
 * caches and the shared pool, with the termination check (Go's mgcwork.go:
 * workbuf, gcWork, work.full/work.empty, work.nwait/work.nproc).
 */
#ifndef KERNEL_GC_MGCWORK_H
#define KERNEL_GC_MGCWORK_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/lib/spinlock.h"

#define WORKBUF_BYTES 2048
#define WORKBUF_N ((WORKBUF_BYTES - 16) / sizeof(uintptr_t))

/* A buffer of grey object addresses. Owned by one worker, or on a pool list. */
struct workbuf {
	struct workbuf *next;           /* pool list link; pool.lock */
	uint32_t nobj;                  /* entries in obj[]; owner */
	uint32_t pad;
	uintptr_t obj[WORKBUF_N];
};

/* The shared pool. Every field is under lock except where noted. A worker
 * that has nothing left waits (nwait) for a full buffer; when every joined
 * worker waits and no full buffer is left, the mark is over (done). */
struct workpool {
	spinlock_t lock;
	struct workbuf *full;           /* buffers with grey objects */
	struct workbuf *empty;          /* spare buffers */
	int32_t nfull;                  /* atomic reads by waiters, writes under lock */
	int32_t njoined;                /* workers taking part in this mark */
	int32_t nwait;                  /* of them, waiting for work */
	uint32_t done;                  /* atomic: set once, under lock */
	uint64_t nbufs;                 /* buffers ever made (statistics) */
	uint32_t overflow;              /* atomic: a grey object was dropped
	                                   for want of a buffer (gcw_put_slow);
	                                   cleared by workpool_take_overflow */
	uint64_t ndropped;              /* grey objects dropped, ever (statistics) */
	uint32_t starve;                /* atomic; test hook: no empty buffer
	                                   for a worker's pushes, as if the
	                                   reserve and the page heap were
	                                   used up (gc_debug_workbuf_starve) */
	void (*wait)(void);             /* if set: how an idle worker waits
	                                   between polls (kernel: a short wfi,
	                                   so that vCPUs run round-robin in QEMU
	                                   -icount can progress); else it spins */
};

/* One worker's cache (Go's gcWork): two buffers, so that a worker that
 * alternates between putting and getting around a buffer boundary does not
 * go to the pool every time. */
struct gcwork {
	struct workbuf *wbuf1, *wbuf2;  /* owner only; never NULL while joined */
	struct workpool *pool;
	uint64_t bytesMarked;           /* heap bytes this worker marked */
	uint64_t scanWords;             /* words it scanned */
	/* If set: polled while this worker waits for work (gcw_get_or_leave
	 * with spins != 0); true = leave now. An idle CPU helping the
	 * concurrent mark leaves when it is handed a P. */
	bool (*should_leave)(void);
};

/* Start a mark: no buffers, not done. Buffers of the last mark stay on the
 * empty list. */
void workpool_reset(struct workpool *p);
/* Make sure at least npages of buffers exist (boot: the reserve). */
void workpool_reserve(struct workpool *p, int npages);
/* Did a worker drop a grey object since the last call (no buffer, no
 * page)? Clears the flag. Call with the pool done and no worker joined:
 * every object marked since may then need scanning again. */
bool workpool_take_overflow(struct workpool *p);
/* Join the mark as a worker with cache w. False if the mark is already
 * done (then w is untouched). */
bool gcw_join(struct gcwork *w, struct workpool *p);
/* Leave: hand every grey object back to the pool (normally none: a worker
 * leaves after gcw_get said the mark is over). */
void gcw_leave(struct gcwork *w);

/* Add a grey object. The common case (room in wbuf1) is inline. With no
 * buffer left anywhere the object is dropped and the pool overflows. The mark's
 * inner loop does the same with wbuf1's fill level in a register
 * (mgcmark.c, struct scanner) and calls gcw_put_slow when wbuf1 is full. */
void gcw_put_slow(struct gcwork *w, uintptr_t obj);
static inline void gcw_put(struct gcwork *w, uintptr_t obj)
{
	struct workbuf *b = w->wbuf1;
	if (__builtin_expect(b->nobj < WORKBUF_N, 1))
		b->obj[b->nobj++] = obj;
	else
		gcw_put_slow(w, obj);
}
/* Take a grey object: from w's buffers, else a full buffer from the pool,
 * else wait until one appears or the mark is over. False: the mark is over
 * (every worker waited with the pool empty); w is then empty. */
bool gcw_get(struct gcwork *w, uintptr_t *obj);
/* The same, but give up after about spins idle polls (or as soon as
 * w->should_leave says so): then *left is set,
 * w is no longer counted as a worker (the others finish without it) and
 * the caller must call gcw_leave. A helper uses it so that a CPU with
 * nothing to do goes back to sleep instead of spinning - on a virtual
 * machine a spinning vCPU steals host time from the one holding the work. */
bool gcw_get_or_leave(struct gcwork *w, uintptr_t *obj, uint32_t spins, bool *left);
/* Take a grey object from w's buffers only (no waiting). */
bool gcw_tryget_local(struct gcwork *w, uintptr_t *obj);
/* If the pool has no full buffer and w has work to spare, give one buffer
 * to the pool, so that waiting workers get something (Go's balance). */
void gcw_balance(struct gcwork *w);

/* Page source for buffers (kernel: mheap_alloc_pages; host tests stub it). */
void *mheap_alloc_pages(size_t npages);

#endif
