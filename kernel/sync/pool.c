/*
 * pool.c - sync.Pool: a cache of reusable objects (Go's sync/pool.go).
 *
 * Objects: each Pool has one poolLocal per P (indexed by P id, MAXCPU of
 * them, allocated on first use): a private slot only that P uses, and a
 * shared lock-free dequeue (pooldequeue.c) that the P pushes/pops at the
 * head and other Ps steal from at the tail. victim is the previous
 * cycle's array of poolLocals.
 *
 * Get: own private, own shared head, steal from other Ps' shared tails,
 * then the victim cache (own private, any shared tail), then New.
 * Put: own private if empty, else own shared head (dropped if full).
 * Both run "pinned" - preemption deferred (acquirem) so that the P, and
 * with it the single-producer rule of the dequeue, cannot change.
 *
 * The victim cache: pool_cleanup, which the GC calls once per cycle with
 * the world stopped (kernel/gc/mgc.c, Go's clearpools), drops every
 * pool's victim and moves local to victim. An object survives one GC in
 * the victim cache, so a steady workload does not refill the pool from
 * scratch after each GC; after two cycles unused objects are garbage.
 *
 * Registration: a pool joins allPools (under allPoolsLock) the first time
 * it allocates its locals; pool_cleanup walks that list.
 */
#include <stdlib.h>
#include "gort.h"
#include "kernel/sync/pooldequeue.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

struct poolLocalInternal {        /* just for its size */
	void *private;                  /* owner P only, while pinned */
	struct poolDequeue shared;      /* owner pushes/pops head; anyone pops tail */
};
struct poolLocal {
	void *private;                  /* as above */
	struct poolDequeue shared;
	/* pad to a multiple of 64 bytes: no false sharing between Ps (malloc
	 * blocks are 16-byte aligned, so the padding is only approximate) */
	char pad[64 - sizeof(struct poolLocalInternal) % 64];
};

static spinlock_t allPoolsLock = SPINLOCK_INIT(LOCKRANK_ALLPOOLS);
static Pool *allPools;              /* allPoolsLock */

/* Pin: defer preemption, return this P's id. */
static int pin(void)
{
	acquirem();
	return getm()->p->id;
}

static void unpin(void)
{
	releasem();
}

static struct poolLocal *pool_locals(Pool *p)
{
	/* acquire; pairs with the release publish below. */
	struct poolLocal *l = __atomic_load_n(&p->local, __ATOMIC_ACQUIRE);
	if (l)
		return l;
	spin_lock(&allPoolsLock);
	l = p->local;
	if (l == NULL) {
		l = calloc(MAXCPU, sizeof *l);
		if (l == NULL)
			throw("sync.Pool: out of memory");
		__atomic_store_n(&p->local, l, __ATOMIC_RELEASE);
		if (!p->registered) {
			p->registered = 1;
			p->next = allPools;
			allPools = p;
		}
	}
	spin_unlock(&allPoolsLock);
	return l;
}

static void *getSlow(Pool *p, struct poolLocal *local, int pid)
{
	for (int i = 1; i < MAXCPU; i++) {
		void *x = poolDequeue_popTail(&local[(pid + i) % MAXCPU].shared);
		if (x)
			return x;
	}
	struct poolLocal *victim = __atomic_load_n(&p->victim, __ATOMIC_ACQUIRE);
	if (victim == NULL)
		return NULL;
	void *x = victim[pid].private;
	if (x) {
		victim[pid].private = NULL;
		return x;
	}
	for (int i = 0; i < MAXCPU; i++) {
		x = poolDequeue_popTail(&victim[(pid + i) % MAXCPU].shared);
		if (x)
			return x;
	}
	return NULL;
}

void *Pool_Get(Pool *p)
{
	int pid = pin();
	struct poolLocal *local = pool_locals(p);
	struct poolLocal *l = &local[pid];
	void *x = l->private;
	l->private = NULL;
	if (x == NULL)
		x = poolDequeue_popHead(&l->shared);
	if (x == NULL)
		x = getSlow(p, local, pid);
	unpin();
	if (x == NULL && p->New)
		x = p->New();
	return x;
}

void Pool_Put(Pool *p, void *x)
{
	if (x == NULL)
		return;
	int pid = pin();
	struct poolLocal *l = &pool_locals(p)[pid];
	if (l->private == NULL)
		l->private = x;
	else
		poolDequeue_pushHead(&l->shared, x);   /* full: drop it */
	unpin();
}

void pool_cleanup(void)
{
	/* World stopped (the GC's caller guarantees it): no Get/Put runs. */
	spin_lock(&allPoolsLock);
	for (Pool *p = allPools; p; p = p->next) {
		free(p->victim);
		p->victim = p->local;
		p->local = NULL;
	}
	spin_unlock(&allPoolsLock);
}
