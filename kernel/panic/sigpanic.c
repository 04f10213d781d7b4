/*
 * sigpanic.c - a goroutine's bad memory access becomes a panic (Go's
 * sigpanic and the signal handler's "can this goroutine panic?" test).
 *
 * Go turns SIGSEGV and SIGBUS in Go code into a run-time panic: the signal
 * handler makes the faulting goroutine call sigpanic, as if the faulting
 * instruction had called it, and sigpanic panics on the goroutine's own
 * stack, where deferred calls can recover. Here the trap is the signal:
 * trap_fault (kernel/sched/preempt.c) asks fault_to_panic first. The port
 * classifies the fault (arch_fault_kind) and rewrites the trap return
 * (arch_inject_call), copying the trap frame onto the goroutine's stack so
 * that an unrecovered panic can print its traceback from the faulting
 * instruction; the policy - whether, and where the copy goes - is here.
 *
 * A fault becomes a panic only if the runtime could unwind the goroutine
 * at that instruction: a memory fault or a misaligned access, on the
 * goroutine's own stack (not the trap stack, not g0) with interrupts on,
 * holding no runtime lock (g->nopreempt, which every spinlock and acquirem
 * raise, and the debug builds' held-lock record), with no sudog enqueued
 * and outside no-fault sections, and with room for the copy. Everything
 * else - a fault in the scheduler, in a channel operation under its lock,
 * in the allocator - stays Go's fatal "unexpected signal during runtime
 * execution", which no deferred call can intercept.
 */
#include "kernel/panic/panic.h"
#include "kernel/sched/sched.h"
#include "kernel/mm/stack.h"
#include "kernel/lib/print.h"

/* Stack below the frame copy for sigpanic and the panic it starts, before
 * they run into the ordinary on-demand growth. */
#define SIGPANIC_HEADROOM 1024

static bool can_sigpanic(struct m *m, struct g *gp, const struct trapframe *tf)
{
	uintptr_t sp = arch_tf_sp(tf);
	return gp != NULL && !gp->is_g0 && m->p != NULL && gp->frame != NULL &&
	       arch_tf_irqs_on(tf) &&
	       sp > gp->stack_lo && sp <= gp->stack_hi &&
	       gp->nopreempt == 0 && m->held.mask == 0 &&
	       gp->waiting == NULL && gp->stack_nofault == 0;
}

/* Where the trap frame's copy goes (below sp, mapped - growing the stack
 * as the stack-fault path does), or 0 if the goroutine has no room. */
static uintptr_t sigpanic_copy(struct g *gp, const struct trapframe *tf)
{
	uintptr_t copy = (arch_tf_sp(tf) - sizeof(struct trapframe)) & ~(uintptr_t)15;
	if (copy < gp->stack_lo + SIGPANIC_HEADROOM)
		return 0;
	uintptr_t need = copy - SIGPANIC_HEADROOM;
	if (need < gp->stack_mapped && !stack_grow(&gp->stack_mapped, need))
		return 0;
	return copy;
}

/* Entered by the trap return, on the goroutine's stack, "called" by the
 * faulting instruction; tf is the copy of its trap frame. */
static _Noreturn void sigpanic(struct trapframe *tf)
{
	struct g *gp = getg();
	const char *msg = gp->sigkind == ARCH_FAULT_MISALIGNED
	                  ? "runtime error: misaligned memory access"
	                  : "runtime error: invalid memory address or nil pointer dereference";
	gopanic1(gp, msg, tf);
}

bool fault_to_panic(struct trapframe *tf, uintptr_t addr, bool addr_valid)
{
	enum arch_fault kind = arch_fault_kind(tf);
	struct m *m = getm();
	struct g *gp = m->curg;
	if (kind == ARCH_FAULT_OTHER || !can_sigpanic(m, gp, tf))
		return false;
	uintptr_t copy = sigpanic_copy(gp, tf);
	if (copy == 0)
		return false;
	gp->sigkind = (uint8_t)kind;
	gp->sigaddr = addr_valid ? addr : 0;
	arch_inject_call(tf, sigpanic, copy);
	return true;
}
