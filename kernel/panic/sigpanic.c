/*
 * sigpanic.c - a goroutine's bad memory access becomes a panic (Go's
 * sigpanic and the signal handler's "can this goroutine panic?" test).
 *
 * Go turns SIGSEGV and SIGBUS in Go code into a run-time panic:
 * the signal handler makes the faulting goroutine call sigpanic, as if the
 * faulting instruction had called it, and sigpanic panics on the
 * goroutine's own stack, where deferred calls can recover. Here the trap
 * is the signal: trap_fault (kernel/sched/preempt.c) asks fault_to_panic
 * first; the port classifies the fault (arch_fault_kind) and rewrites the
 * trap return (arch_inject_call), the policy is all here.
 *
 * A fault becomes a panic only if the runtime could unwind the goroutine
 * at that instruction - it is a memory fault or a misaligned access, the
 * goroutine runs on its own stack (not the trap stack, not g0) with
 * interrupts on, holds no runtime lock (g->nopreempt, which every
 * spinlock and acquirem raise, and the debug builds' held-lock record),
 * has no sudog enqueued and is not in a no-fault section. Everything else
 * - a fault in the scheduler, in a channel operation under its lock, in
 * the allocator - stays Go's fatal "unexpected signal during runtime
 * execution", which no deferred call can intercept.
 */
#include "kernel/panic/panic.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

static bool can_sigpanic(struct m *m, struct g *gp, const struct trapframe *tf)
{
	uintptr_t sp = arch_tf_sp(tf);
	return gp != NULL && !gp->is_g0 && m->p != NULL && gp->frame != NULL &&
	       arch_tf_irqs_on(tf) &&
	       sp > gp->stack_lo && sp <= gp->stack_hi &&
	       gp->nopreempt == 0 && m->held.mask == 0 &&
	       gp->waiting == NULL && gp->stack_nofault == 0;
}

/* Entered by the trap return, on the goroutine's stack, "called" by the
 * faulting instruction. */
static _Noreturn void sigpanic(void)
{
	struct g *gp = getg();
	const char *msg = gp->sigkind == ARCH_FAULT_MISALIGNED
	                  ? "runtime error: misaligned memory access"
	                  : "runtime error: invalid memory address or nil pointer dereference";
	gopanic1(gp, msg, gp->sigkind, gp->sigaddr, gp->sigpc);
}

bool fault_to_panic(struct trapframe *tf, uintptr_t addr, bool addr_valid)
{
	enum arch_fault kind = arch_fault_kind(tf);
	struct m *m = getm();
	struct g *gp = m->curg;
	if (kind == ARCH_FAULT_OTHER || !can_sigpanic(m, gp, tf))
		return false;
	uintptr_t pc = arch_tf_pc(tf);
	gp->sigkind = (uint8_t)kind;
	gp->sigaddr = addr_valid ? addr : 0;
	gp->sigpc = pc;
	/* A call through a nil function pointer faults at pc 0: the caller
	 * is the one the traceback should show (Go does the same). */
	uintptr_t ret = symbolize(pc, NULL) != NULL ? pc : arch_tf_lr(tf);
	arch_inject_call(tf, (void (*)(void))sigpanic, ret);
	return true;
}
