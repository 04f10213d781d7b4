/*
 * defer.c - Call frames, Defer and the normal-return path (Go's deferproc,
 * deferreturn and the _defer pools of runtime/panic.go).
 *
 * Go knows where every function starts and ends, so a deferred call hangs
 * off the frame of the function that deferred it. C frames are invisible
 * to the runtime, so a "Go function" here is whatever runs inside Call:
 *
 *   Call(fn, arg)   push a callframe, arch_setjmp (the place a recovered
 *                   panic returns to), fn(arg), then deferreturn: every
 *                   record deferred in this frame - or in a frame inside
 *                   it that a recovery cut short - runs, newest first.
 *   Defer(fn, arg)  take a record from the P's cache, attach it to the
 *                   innermost frame, push it on g->_defer.
 *
 * A deferred call is itself a frame (Go runs it as a function): deferreturn
 * gives it a callframe, so a Defer inside it runs when it returns. Those
 * frames are not resumable (no arch_setjmp, which would cost as much as the
 * rest of the path): if a panic is recovered into one of them, the panic
 * resumes the nearest resumable frame around it instead, whose deferreturn
 * carries on with exactly the records the cut-short frame would have run.
 * That is why deferreturn runs records "of f or inside f": a record's
 * frame is inside f if its address is at or below f (docs/panic.md).
 *
 * Records: a per-P cache (p->deferpool, up to DEFERPOOL_MAX, owner P),
 * refilled from and spilled to a central list (sched.deferpool, deferlock),
 * and malloc'ed when both are empty - malloc blocks are GC roots, so the
 * argument a record holds stays alive. Records are never freed, as Go's
 * pools keep them across cycles until the GC clears them; the number
 * allocated is the most that were ever pending at once.
 *
 * Bare-metal difference: Go open-codes most defers (no record at all, the
 * calls inlined at each return) and keeps the rest on the stack; C has no
 * compiler support for either, so every Defer takes a cached record.
 */
#include <stdlib.h>
#include "kernel/panic/panic.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

#define DEFERPOOL_MAX 32

/* Pin the running G to its P (acquirem inlined, as mallocfast.h does):
 * only the running G writes nopreempt; the timer handler on its CPU reads
 * it, hence the compiler barriers. */
static inline __attribute__((always_inline)) void pin(struct g *gp)
{
	gp->nopreempt++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline __attribute__((always_inline)) void unpin(struct g *gp)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* relaxed: a request flag set by this CPU's trap handler or an IPI */
	if (__builtin_expect(gp->nopreempt == 1 &&
	                     __atomic_load_n(&gp->preempt, __ATOMIC_RELAXED), 0))
		releasem();             /* yields */
	else
		gp->nopreempt--;
}

/* The P's cache is empty: take half a cache from the central list, or a
 * new record. Called unpinned. */
static __attribute__((noinline)) struct _defer *newdefer_slow(struct g *gp)
{
	pin(gp);
	struct p *pp = getm()->p;
	spin_lock(&sched.deferlock);
	while (pp->ndeferpool < DEFERPOOL_MAX / 2 && sched.deferpool != NULL) {
		struct _defer *d = sched.deferpool;
		sched.deferpool = d->link;
		d->link = pp->deferpool;
		pp->deferpool = d;
		pp->ndeferpool++;
	}
	spin_unlock(&sched.deferlock);
	struct _defer *d = pp->deferpool;
	if (d != NULL) {
		pp->deferpool = d->link;
		pp->ndeferpool--;
	}
	unpin(gp);
	if (d == NULL)
		d = malloc(sizeof *d);  /* throws when memory runs out */
	return d;
}

/* The P's cache is full: move half of it to the central list. Pinned. */
static __attribute__((noinline)) void freedefer_spill(struct p *pp)
{
	spin_lock(&sched.deferlock);
	while (pp->ndeferpool > DEFERPOOL_MAX / 2) {
		struct _defer *d = pp->deferpool;
		pp->deferpool = d->link;
		pp->ndeferpool--;
		d->link = sched.deferpool;
		sched.deferpool = d;
	}
	spin_unlock(&sched.deferlock);
}

void freedefer(struct g *gp, struct _defer *d)
{
	d->fn = NULL;
	d->arg = NULL;           /* keep nothing alive from the cache */
	pin(gp);
	struct p *pp = getm()->p;
	d->link = pp->deferpool;
	pp->deferpool = d;
	if (__builtin_expect(++pp->ndeferpool >= DEFERPOOL_MAX, 0))
		freedefer_spill(pp);
	unpin(gp);
}

void Defer(void (*fn)(void *), void *arg)
{
	struct g *gp = getg();
	struct callframe *f = gp->frame;
	if (__builtin_expect(f == NULL, 0))
		throw("Defer outside a goroutine");
	pin(gp);
	struct p *pp = getm()->p;
	struct _defer *d = pp->deferpool;
	if (__builtin_expect(d == NULL, 0)) {
		unpin(gp);
		d = newdefer_slow(gp);
	} else {
		pp->deferpool = d->link;
		pp->ndeferpool--;
		unpin(gp);
	}
	d->fn = fn;
	d->arg = arg;
	d->frame = f;
	d->panic = NULL;
	d->started = false;
	d->link = gp->_defer;
	gp->_defer = d;
}

/* Run, newest first, every record of f or of a frame inside f (address at
 * or below f's; see the top of the file), each in a frame of its own.
 * A record leaves the chain and goes back to the cache before its call,
 * as in Go, so a panic inside the call never sees it. */
void deferreturn(struct g *gp, struct callframe *f)
{
	struct _defer *d;
	while ((d = gp->_defer) != NULL && (uintptr_t)d->frame <= (uintptr_t)f) {
		void (*fn)(void *) = d->fn;
		void *arg = d->arg;
		gp->_defer = d->link;
		freedefer(gp, d);
		struct callframe df;
		df.link = gp->frame;
		df.panic = NULL;
		df.resumable = false;
		gp->frame = &df;
		fn(arg);
		/* Records fn deferred are on top now, attached to df, which is
		 * inside f: the loop runs them next, as df's own return would. */
		gp->frame = df.link;
	}
}

void Call(void (*fn)(void *), void *arg)
{
	struct g *gp = getg();
	struct callframe f;
	f.link = gp->frame;
	f.panic = NULL;
	f.resumable = true;
	gp->frame = &f;
	if (arch_setjmp(&f.ctx) == 0)
		fn(arg);
	/* Here after fn returned, or after a deferred call of this frame (or
	 * of a non-resumable frame inside it) recovered a panic: the recovery
	 * set g->frame back to &f and left the rest of the records to run. */
	if (gp->_defer != NULL)
		deferreturn(gp, &f);
	gp->frame = f.link;
}
