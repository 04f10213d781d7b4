/*
 * panic.c - panic, recover and Goexit (Go's gopanic, gorecover, recovery,
 * Goexit and printpanics in runtime/panic.go).
 *
 * A panic is a _panic record on the panicking goroutine's stack, pushed on
 * g->_panic. Its loop (panic_loop) runs the pending deferred calls, newest
 * first, each marked started (_defer.panic) and run in a frame of its own that records
 * the panic (callframe.panic), so that recover() can tell that it is being
 * called from a deferred call of this very panic. When a deferred call
 * returns:
 *   - if it recovered, the panic is over: unwinding jumps (arch_longjmp) to
 *     the Call frame the deferred call belonged to, which runs the rest of
 *     its records and returns normally to its caller;
 *   - otherwise the loop goes on. With no record left, the panic is fatal:
 *     every panic of the chain is printed, oldest first, then the
 *     goroutine's traceback, and the machine powers off with status 2.
 * A panic inside a deferred call pushes a newer _panic; when its own loop
 * reaches the record whose call is still running (started), the older
 * panic is aborted and the record dropped. Goexit is a _panic marked
 * goexit: the same loop, recover() says NULL, and at the end the goroutine
 * ends instead of the machine. A panic recovered after it aborted a Goexit
 * lets the Goexit go on (Go 1.14's rule).
 *
 * Invariants: g->_defer and g->_panic are only touched by their goroutine.
 * Unwinding never crosses a runtime critical section: a panic raised while
 * the goroutine holds a runtime lock, has preemption deferred, has a sudog
 * enqueued or runs on g0 is a fatal error instead (panic_check), as Go's
 * "panic holding locks"; so a jump abandons only user frames and the
 * runtime's own frames of this file and defer.c.
 *
 * Differences from Go: values are strings (const char *); frames are Call
 * frames (defer.c), so "recover is called directly by the deferred
 * function" becomes "recover is called while the innermost frame is the
 * deferred call's" - from the deferred function itself or from plain C
 * functions it calls, not from inside a nested Call (docs/panic.md).
 */
#include "kernel/panic/panic.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

/* Why the runtime cannot unwind gp now, or NULL if it can. */
static const char *cannot_unwind(struct g *gp)
{
	if (gp == NULL || gp->is_g0 || gp->frame == NULL)
		return "panic on system stack";
	if (gp->nopreempt > 0 || getm()->held.mask != 0 || gp->stack_nofault > 0)
		return "panic holding locks";
	if (gp->waiting != NULL)
		return "panic with a sudog enqueued";
	if (!arch_irq_enabled())
		return "panic with interrupts masked";
	return NULL;
}

/* Run one record d, started by p, in a frame of its own that a recovery
 * inside it can return to; then the records its call deferred. */
static __attribute__((noinline)) void run_deferred(struct g *gp, struct _defer *d,
                                                   struct _panic *p)
{
	struct callframe df;
	df.link = gp->frame;
	df.panic = p;
	df.resumable = true;
	gp->frame = &df;
	if (arch_setjmp(&df.ctx) == 0)
		d->fn(d->arg);
	/* Returned, or a record d's call deferred recovered a panic raised
	 * inside that call: either way d's call has returned normally. */
	deferreturn(gp, &df);
	gp->frame = df.link;
}

static _Noreturn void goexit_finish(struct g *gp);
static _Noreturn void recovery(struct g *gp, struct _panic *p, struct callframe *f);

/* Run the pending records for p until one recovers it (then unwind; no
 * return) or none is left (return). */
static void panic_loop(struct g *gp, struct _panic *p)
{
	struct _defer *d;
	while ((d = gp->_defer) != NULL) {
		if (d->panic != NULL) {
			/* Its call is still running below us: p began inside it.
			 * The panic or Goexit that started it is over. */
			d->panic->aborted = true;
			gp->_defer = d->link;
			freedefer(d);
			continue;
		}
		d->panic = p;
		struct callframe *frame = d->frame;
		run_deferred(gp, d, p);
		if (gp->_defer != d)
			throw("bad defer entry in panic");
		gp->_defer = d->link;
		freedefer(d);
		if (p->recovered)
			recovery(gp, p, frame);
	}
}

/* p was recovered by a record of frame f: drop it and the panics it
 * aborted, then return from f normally - or let an aborted Goexit go on. */
static _Noreturn void recovery(struct g *gp, struct _panic *p, struct callframe *f)
{
	struct _panic *q = p->link;
	while (q != NULL && q->aborted && !q->goexit)
		q = q->link;
	gp->_panic = q;
	if (q != NULL && q->goexit && q->aborted) {
		/* The goroutine was exiting when this panic began: the Goexit
		 * goes on from here (its stack is still live below us). */
		q->aborted = false;
		panic_loop(gp, q);
		goexit_finish(gp);
	}
	/* A deferred call run at a normal return has no place of its own to
	 * return to; its parent's deferreturn does what it would have done. */
	while (!f->resumable)
		f = f->link;
	gp->frame = f;
	arch_longjmp(&f->ctx);
}

/* Go's printpanics: oldest first, each newer one indented. */
static void printpanics(struct _panic *p)
{
	if (p->link != NULL) {
		printpanics(p->link);
		if (!p->link->goexit)
			printk("\t");
	}
	if (p->goexit)
		return;
	printk("panic: %s%s\n", p->msg, p->recovered ? " [recovered]" : "");
}

static const char *signame(uint8_t kind)
{
	return kind == ARCH_FAULT_MISALIGNED ? "SIGBUS: bus error"
	                                     : "SIGSEGV: segmentation violation";
}

/* No deferred call recovered p: Go's fatalpanic. Not inlined, so that the
 * traceback starts in the panicking code's frames. */
static __attribute__((noinline)) _Noreturn void fatalpanic(struct g *gp, struct _panic *p)
{
	if (!fatal_enter()) {
		printk("panic: %s (during a fatal error)\n", p->msg);
		arch_poweroff(2);
	}
	printpanics(p);
	if (p->sigtf != NULL) {
		/* A fault: Go's signal line, and the traceback from the faulting
		 * instruction (the frames of the panic itself are runtime's). */
		printk("[signal %s addr=%#lx pc=%#lx]\n", signame(p->sigkind),
		       (unsigned long)p->sigaddr, (unsigned long)arch_tf_pc(p->sigtf));
		fatal_report_tail(0, 0, (struct trapframe *)p->sigtf, true);
	}
	uintptr_t pc, fp = arch_frame_next((uintptr_t)__builtin_frame_address(0), &pc);
	fatal_report_tail(pc, fp, NULL, true);
}

_Noreturn void gopanic1(struct g *gp, const char *msg, const struct trapframe *tf)
{
	if (msg == NULL)                 /* Go 1.21's PanicNilError */
		msg = "panic called with nil argument";
	const char *why = cannot_unwind(gp);
	if (why != NULL) {
		printk("panic: %s\n", msg);
		throw("%s", why);
	}
	struct _panic p = { .msg = msg, .link = gp->_panic, .sigtf = tf,
	                    .sigkind = tf ? gp->sigkind : 0, .sigaddr = tf ? gp->sigaddr : 0 };
	gp->_panic = &p;
	panic_loop(gp, &p);
	fatalpanic(gp, &p);
}

_Noreturn void gopanic(const char *msg)
{
	gopanic1(getg(), msg, NULL);
}

_Noreturn void panic(const char *msg)
{
	gopanic1(getg(), msg, NULL);
}

const char *recover(void)
{
	struct g *gp = getg();
	struct _panic *p = gp->_panic;
	if (p == NULL || p->goexit || p->recovered || gp->frame == NULL ||
	    gp->frame->panic != p)
		return NULL;
	p->recovered = true;
	return p->msg;
}

/* ---- Goexit ------------------------------------------------------------- */

static _Noreturn void goexit_finish(struct g *gp)
{
	gp->_panic = NULL;
	gp->frame = NULL;
	if (gp->goid == 1) {
		/* The release fence orders the flag before goexit0's decrement
		 * of sched.ngoroutines; pairs with check_deadlock's seq_cst
		 * load of the count, after which it reads the flag. */
		__atomic_store_n(&sched.main_goexit, true, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
	}
	goexit1();
}

_Noreturn void Goexit(void)
{
	struct g *gp = getg();
	const char *why = cannot_unwind(gp);
	if (why != NULL)
		throw("Goexit: %s", why);
	struct _panic p = { .msg = "Goexit", .link = gp->_panic, .goexit = true };
	gp->_panic = &p;
	panic_loop(gp, &p);
	goexit_finish(gp);
}
