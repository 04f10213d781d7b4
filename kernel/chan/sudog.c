/*
 * sudog.c - the sudog allocator: a per-P cache in front of a central list
 * (Go's acquireSudog/releaseSudog in runtime/proc.go), for the sudogs of a
 * select of more than four cases; every other wait keeps its sudog in its
 * own frame (sudog.h).
 *
 * Objects: struct sudog (sudog.h). A P keeps up to 16 free sudogs in
 * p->sudogcache (owner P; touched only with preemption deferred, so the G
 * cannot change P in the middle). When the cache is empty it refills half
 * from the central list (sudog_central, under its spinlock), and only then
 * mallocs; when full it gives half back. Sudogs are never freed: the number
 * alive is bounded by the number of simultaneous waits.
 *
 * Invariant: a sudog in a cache is clean - no G, no channel, no links - so
 * a bug that keeps using one after release is caught by the ASSERTs.
 */
#include <stdlib.h>
#include "kernel/chan/sudog.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

#define SUDOG_CACHE ((int)(sizeof(((struct p *)0)->sudogcache) / sizeof(void *)))

static spinlock_t sudog_central_lock = SPINLOCK_INIT(LOCKRANK_SUDOG);
static struct sudog *sudog_central;    /* linked by next; sudog_central_lock */

struct sudog *acquireSudog(void)
{
	acquirem();                     /* stay on this P */
	struct p *pp = getm()->p;
	if (pp->nsudogcache == 0) {
		spin_lock(&sudog_central_lock);
		while (pp->nsudogcache < SUDOG_CACHE / 2 && sudog_central) {
			struct sudog *s = sudog_central;
			sudog_central = s->next;
			s->next = NULL;
			pp->sudogcache[pp->nsudogcache++] = s;
		}
		spin_unlock(&sudog_central_lock);
		if (pp->nsudogcache == 0) {
			struct sudog *s = calloc(1, sizeof *s);
			if (s == NULL)
				throw("runtime: out of memory allocating a sudog");
			pp->sudogcache[pp->nsudogcache++] = s;
		}
	}
	struct sudog *s = pp->sudogcache[--pp->nsudogcache];
	pp->sudogcache[pp->nsudogcache] = NULL;
	releasem();
	return s;
}

void releaseSudog(struct sudog *s)
{
	ASSERT(s->elem == NULL && s->isSelect == false && s->next == NULL &&
	       s->prev == NULL && s->waitlink == NULL && s->c == NULL &&
	       s->parent == NULL && s->waittail == NULL);
	s->g = NULL;
	s->ticket = 0;
	s->waiters = 0;
	s->success = false;
	acquirem();
	struct p *pp = getm()->p;
	if (pp->nsudogcache == SUDOG_CACHE) {
		/* full: half goes to the central list */
		spin_lock(&sudog_central_lock);
		while (pp->nsudogcache > SUDOG_CACHE / 2) {
			struct sudog *t = pp->sudogcache[--pp->nsudogcache];
			pp->sudogcache[pp->nsudogcache] = NULL;
			t->next = sudog_central;
			sudog_central = t;
		}
		spin_unlock(&sudog_central_lock);
	}
	pp->sudogcache[pp->nsudogcache++] = s;
	releasem();
}

uint32_t cheaprand(void)
{
	/* xorshift64* on the M's state; preemption deferred so that no other
	 * G runs on this M between the load and the store. */
	acquirem();
	struct m *m = getm();
	uint64_t x = m->fastrand;
	x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
	m->fastrand = x;
	releasem();
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}
