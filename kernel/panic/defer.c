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
 *   gp->base        the goroutine function's own frame (goroutine_body);
 *                   it lives in the G, above the stack, so it is the
 *                   outermost by address too.
 *
 * A deferred call is itself a frame in Go: a Defer inside it runs when it
 * returns, and recover() inside it works only if a panic called it. Here a
 * deferred call run at a Call's normal return runs in the Call's frame (the
 * same behaviour, proved at deferreturn_call), and one run by a panic gets
 * a frame that records the panic (panic.c). The calls such a frame defers
 * get frames that are not resumable (no arch_setjmp, which would cost as
 * much as the rest of the path): if a panic is recovered into one of them,
 * the panic resumes the nearest resumable frame around it instead, whose
 * deferreturn carries on with exactly the records the cut-short frame
 * would have run. That is why deferreturn runs records "of f or inside
 * f": a record's frame is inside f if its address is at or below f.
 *
 * Records: a per-P cache (p->deferpool, up to DEFERPOOL_MAX, owner P, used
 * with interrupts masked), refilled from and spilled to a central list
 * (sched.deferpool, deferlock), and malloc'ed when both are empty: malloc
 * blocks are GC roots, so the argument a record holds stays alive, and a
 * cached record drops its argument. Records are never freed (Go's pools
 * drop theirs at each GC); how many exist is the most that were ever
 * pending at once, plus what sits in the caches.
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

/* The per-P cache is used with interrupts masked: neither the timer nor an
 * IPI can then preempt the goroutine and move it to another P between
 * reading getm()->p and using its cache. For these few instructions that
 * is cheaper than acquirem/releasem's count and flag check (the cost
 * budget of Defer plus its call is 60 instructions, bench/sched
 * defer_call). Goroutine code always runs with interrupts on (only the
 * runtime masks them, and never around Defer or a deferred call), so the
 * fast paths mask and unmask instead of saving and restoring. */
static inline __attribute__((always_inline)) void cache_lock(void)
{
	ASSERT(arch_irq_enabled());
	arch_irq_disable();
}

static inline __attribute__((always_inline)) void cache_unlock(void)
{
	arch_irq_enable();
}

/* Defer's slow path: no record cached on this P. Takes half a cache from
 * the central list, or allocates a record. (Defer on g0, which has no
 * frame, is caught here, and on every Defer by debug builds.) */
static __attribute__((noinline)) void defer_slow(void (*fn)(void *), void *arg)
{
	struct g *gp = getg();
	if (gp->frame == NULL)
		throw("Defer outside a goroutine");
	acquirem();
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
	releasem();
	unsigned long flags = arch_irq_save();
	bool empty = getm()->p->deferpool == NULL;
	arch_irq_restore(flags);
	if (empty) {
		/* Both were empty: a new record, into this P's cache. malloc
		 * blocks are GC roots: the argument it will hold stays alive. */
		struct _defer *d = malloc(sizeof *d);   /* zeroed; throws when out of memory */
		flags = arch_irq_save();
		pp = getm()->p;
		d->link = pp->deferpool;
		pp->deferpool = d;
		pp->ndeferpool++;
		arch_irq_restore(flags);
	}
	Defer(fn, arg);                  /* the fast path finds one now */
}

/* The P's cache is full: move half of it to the central list. Interrupts
 * are masked (the caller's); the spinlock's own preemption deferral is
 * harmless under them. */
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

static inline __attribute__((always_inline)) void freedefer_inline(struct _defer *d)
{
	d->arg = NULL;           /* keep nothing alive from the cache */
	cache_lock();
	struct p *pp = getm()->p;
	d->link = pp->deferpool;
	pp->deferpool = d;
	if (__builtin_expect(++pp->ndeferpool >= DEFERPOOL_MAX, 0))
		freedefer_spill(pp);
	cache_unlock();
}

/* Cached records have panic == NULL, so Defer need not clear it: the
 * records deferreturn frees were never started, the panic loop's were. */
void freedefer(struct _defer *d)
{
	d->panic = NULL;
	freedefer_inline(d);
}

void Defer(void (*fn)(void *), void *arg)
{
	struct g *gp = getg();
	struct callframe *f = gp->frame;
	ASSERT(f != NULL);               /* g0 has no frame; goroutines always do */
	cache_lock();
	struct p *pp = getm()->p;
	struct _defer *d = pp->deferpool;
	if (__builtin_expect(d == NULL, 0)) {
		cache_unlock();
		defer_slow(fn, arg);
		return;
	}
	pp->deferpool = d->link;
	pp->ndeferpool--;
	cache_unlock();
	d->fn = fn;
	d->arg = arg;
	d->frame = f;                    /* d->panic is NULL (freedefer) */
	d->link = gp->_defer;
	gp->_defer = d;
}

/* Run, newest first, every record of f or of a frame inside f (address at
 * or below f's; see the top of the file); gp->frame is f. A record leaves
 * the chain and goes back to the cache before its call, as in Go, so a
 * panic inside the call never sees it.
 *
 * Here, for a Call frame, each deferred call runs in f itself rather than
 * in a frame of its own, which saves the frame on the fast path and
 * changes nothing observable: what it defers lands on top of the chain,
 * attached to f, and runs as soon as it returns - just what its own frame's
 * return would do, in the same order; recover() finds f, whose panic is
 * NULL, and says NULL, as Go's recover in a call made by deferreturn does;
 * and a panic recovered by one of its records resumes f (resumable), whose
 * deferreturn goes on with the rest - again what its own frame would lead
 * to. A deferred call run by a panic is different: its frame carries the
 * panic for recover(), so the calls it defers get frames of their own,
 * without it (deferreturn below). */
static inline __attribute__((always_inline)) void
deferreturn_call(struct g *gp, struct callframe *f)
{
	struct _defer *d;
	while ((d = gp->_defer) != NULL && (uintptr_t)d->frame <= (uintptr_t)f) {
		ASSERT(d->panic == NULL);
		void (*fn)(void *) = d->fn;
		void *arg = d->arg;
		gp->_defer = d->link;
		freedefer_inline(d);
		fn(arg);
	}
}

void deferreturn(struct g *gp, struct callframe *f)
{
	struct _defer *d;
	while ((d = gp->_defer) != NULL && (uintptr_t)d->frame <= (uintptr_t)f) {
		ASSERT(d->panic == NULL);
		void (*fn)(void *) = d->fn;
		void *arg = d->arg;
		gp->_defer = d->link;
		freedefer_inline(d);
		struct callframe df;
		df.link = f;
		df.panic = NULL;
		df.resumable = false;
		gp->frame = &df;
		fn(arg);
		/* Records fn deferred are on top now, attached to df, which is
		 * inside f: the loop runs them next, as df's own return would. */
		gp->frame = f;
	}
}

/* The goroutine's function is a frame too, without a Call: the G keeps
 * one (gp->base) whose saved context is made once, when the G is made,
 * by arch_context_init rather than arch_setjmp - arch_longjmp to it
 * starts base_resume on the empty stack (arch.h). The stack, the entry and
 * the argument never change for a G, so a recycled G reuses it and go()
 * pays no arch_setjmp. */
static _Noreturn void base_resume(void *arg)
{
	struct g *gp = arg;
	/* A record of the goroutine function's frame (or of a frame without
	 * context inside it) recovered: the function "returns" here. */
	deferreturn_call(gp, &gp->base);
	goexit1();
}

void baseframe_init(struct g *gp)
{
	gp->base.link = NULL;
	gp->base.panic = NULL;
	gp->base.resumable = true;
	arch_context_init(&gp->base.ctx, gp->stack_hi & ~(uintptr_t)15, base_resume, gp);
}

/* The deferred calls left at the function's return go out of line
 * (deferreturn), and gp is read again after fn rather than kept: then
 * nothing is live across a call, and the frame saves no callee-saved
 * register but the frame pointer (with deferreturn_call's loop inline it
 * saved seven, about 8 instructions of every goroutine's start: bench/sched,
 * go_create_exit). */
_Noreturn void goroutine_body(struct g *gp)
{
	gp->frame = &gp->base;
	gp->fn(gp->arg);
	gp = getg();
	if (gp->_defer != NULL)
		deferreturn(gp, &gp->base);
	goexit1();
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
	 * set g->frame back to &f and left the rest of the records to run.
	 * The same G, read again: a variable live across arch_setjmp stays in
	 * memory, this one can stay in a register. */
	gp = getg();
	deferreturn_call(gp, &f);
	gp->frame = f.link;
}
