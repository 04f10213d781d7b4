/*
 * panic.h - the objects of defer, panic, recover and Goexit (kernel/panic;
 * docs/panic.md). Internal to the runtime; the API is in include/gort.h.
 *
 * All three live with one goroutine and are touched only by it (own G):
 *   callframe - one per active Call (and one per deferred call being run),
 *               on the C stack of the function that runs it; g->frame is
 *               the innermost, ->link the enclosing one. Frames deeper in
 *               the stack are inner ones: stacks grow down, so an inner
 *               frame has a lower address than every frame around it.
 *   _defer    - one per pending Defer, from the per-P cache (defer.c);
 *               g->_defer is the newest, ->link the next older. A frame's
 *               records are contiguous, and inner frames' records are
 *               always above outer frames' on the chain.
 *   _panic    - one per active panic or Goexit, on the C stack of gopanic1
 *               or Goexit; g->_panic the newest.
 */
#ifndef KERNEL_PANIC_PANIC_H
#define KERNEL_PANIC_PANIC_H

#include <stdint.h>
#include <stdbool.h>
#include "arch.h"

struct g;

struct callframe {
	struct context ctx;        /* arch_setjmp; valid only if resumable */
	struct callframe *link;    /* the enclosing frame */
	struct _panic *panic;      /* a deferred call run by this panic:
	                              recover() answers only in such a frame */
	bool resumable;            /* ctx holds a place to return to. Deferred
	                              calls run at a normal return have none:
	                              their continuation is their parent's */
};

struct _defer {
	void (*fn)(void *);
	void *arg;
	struct callframe *frame;   /* the frame it was deferred in */
	struct _panic *panic;      /* the panic or Goexit that started its
	                              call, which is still running; NULL
	                              while the record is only pending */
	struct _defer *link;       /* next older record */
};

struct _panic {
	const char *msg;           /* never NULL */
	struct _panic *link;       /* the panic (or Goexit) this one interrupted */
	bool recovered;            /* recover() stopped it; unwinding follows
	                              when the deferred call returns */
	bool aborted;              /* a newer panic went past its deferred call */
	bool goexit;               /* a Goexit, not a panic */
	uint8_t sigkind;           /* enum arch_fault of a fault; 0 otherwise */
	uintptr_t sigaddr;         /* the fault's address */
	const struct trapframe *sigtf; /* the fault's registers (on this stack) */
};

/* defer.c: a goroutine's function is its outermost frame, gp->base,
 * prepared once by malg; goroutine_body (goentry) runs it. */
void baseframe_init(struct g *gp);
_Noreturn void goroutine_body(struct g *gp);
/* defer.c */
void deferreturn(struct g *gp, struct callframe *f);   /* run f's records */
void freedefer(struct _defer *d);                      /* to the P's cache */

/* panic.c: start a panic on gp (the running G). tf != NULL: a fault
 * (sigpanic.c), with gp->sigkind and gp->sigaddr. */
_Noreturn void gopanic1(struct g *gp, const char *msg, const struct trapframe *tf);

/* sigpanic.c, called by trap_fault (kernel/sched/preempt.c): make the
 * faulting goroutine panic, if the runtime can unwind it; false if the
 * fault must stay a fatal error. */
bool fault_to_panic(struct trapframe *tf, uintptr_t addr, bool addr_valid);

#endif
