/*
 * frame.c (hosted, x86-64) - the signal frame as the trap frame, the
 * return from async preemption, the injections, the unwinding of a
 * trapped frameless leaf, the register dump and a fresh context.
 *
 * Linux's x86-64 signal frame holds the general registers in
 * uc_mcontext.gregs (REG_R8 ... REG_RIP, the order struct trapframe
 * keeps) and the x87/SSE state behind uc_mcontext.fpregs, which starts
 * with the FXSAVE layout. %fs (the thread pointer) is not in it: a
 * goroutine resumed on another thread keeps that thread's.
 *
 * Ordering: all of this runs in a signal handler on the interrupted thread;
 * the kernel's sigreturn is what makes the written frame the registers.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include "arch.h"
#include "hosted.h"
#include "kernel/lib/asan.h"
#include "kernel/lib/print.h"

_Static_assert(offsetof(struct context, rip) == CTX_RIP, "context.S layout");
_Static_assert(offsetof(struct context, mxcsr) == CTX_MXCSR, "context.S layout");
_Static_assert(offsetof(struct trapframe, fxsave) == TF_FXSAVE, "context.S layout");

void context_start(void);
extern char __executable_start[], etext[];

void hosted_uc_get(struct trapframe *tf, const ucontext_t *uc, bool with_fp)
{
	memcpy(tf->gregs, uc->uc_mcontext.gregs, sizeof tf->gregs);
	tf->frame[0] = tf->gregs[REG_RBP];
	tf->frame[1] = tf->gregs[REG_RIP];
	/* The signal frame's FP state starts with the FXSAVE layout. */
	if (with_fp && uc->uc_mcontext.fpregs != NULL)
		memcpy(tf->fxsave, uc->uc_mcontext.fpregs, sizeof tf->fxsave);
}

void hosted_uc_put(const struct trapframe *tf, ucontext_t *uc)
{
	memcpy(uc->uc_mcontext.gregs, tf->gregs, sizeof tf->gregs);
}

HOSTED_NO_TSAN uintptr_t hosted_uc_pc(const ucontext_t *uc)
{
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

/* asyncPreempt restores the registers itself (context.S). */
bool hosted_uc_resume(int sig, ucontext_t *uc)
{
	return false;
}

/* Mechanism only (kernel/sched/preempt.c decided, below the red zone). */
void arch_inject_async_preempt(struct trapframe *tf, uintptr_t copy)
{
	struct trapframe *c = (struct trapframe *)copy;
	asan_unpoison(c, sizeof *tf);   /* dead stack: may hold stale redzones */
	memcpy(c, tf, sizeof *tf);
	c->frame[0] = tf->gregs[REG_RBP];
	c->frame[1] = tf->gregs[REG_RIP];
	tf->gregs[REG_RSP] = copy;
	tf->gregs[REG_RIP] = (uintptr_t)asyncPreempt;
	tf->irqoff = 0;
}

/* "As if the trapped instruction had called fn": the return address is
 * pushed below the copy, so fn starts with rsp = 8 mod 16. */
void arch_inject_call(struct trapframe *tf, void (*fn)(struct trapframe *), uintptr_t copy)
{
	uintptr_t sp = copy - 8;
	asan_unpoison((void *)sp, 8 + sizeof *tf);   /* as above */
	memcpy((void *)copy, tf, sizeof *tf);
	*(uint64_t *)sp = tf->gregs[REG_RIP];
	tf->gregs[REG_RDI] = copy;
	tf->gregs[REG_RSP] = sp;
	tf->gregs[REG_RIP] = (uintptr_t)fn;
	tf->irqoff = 0;
}

/* A frameless leaf (see arch_impl.h): [rsp] holds a return address in our
 * text, right after a 5-byte `call rel32` whose target lies at or below the
 * trapped pc, within 64 KiB. Then rbp is still the caller's. */
uintptr_t hosted_tf_unwind(const struct trapframe *tf, uintptr_t *pc)
{
	uintptr_t rsp = tf->gregs[REG_RSP], rip = tf->gregs[REG_RIP];
	uintptr_t lo = (uintptr_t)__executable_start, hi = (uintptr_t)etext;
	if (hosted_in_own_text(rip) && rsp != 0 && (rsp & 7) == 0 && arch_translate(rsp) != 0) {
		uintptr_t ret = *(const uintptr_t *)rsp;
		if (ret >= lo + 5 && ret < hi && *(const uint8_t *)(ret - 5) == 0xe8) {
			int32_t rel;
			memcpy(&rel, (const void *)(ret - 4), 4);
			uintptr_t target = ret + (uintptr_t)(intptr_t)rel;
			if (target <= rip && rip - target < 65536) {
				*pc = ret;
				return tf->gregs[REG_RBP];
			}
		}
	}
	return arch_frame_next(tf->gregs[REG_RBP], pc);
}

void arch_dump_regs(const struct trapframe *tf)
{
	static const char *const names[] = {
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi",
		"rbp", "rbx", "rdx", "rax", "rcx", "rsp", "rip", "rflags",
	};
	for (int i = 0; i < 18; i += 3) {
		char line[128];
		int n = 0;
		for (int j = i; j < i + 3 && j < 18; j++)
			n += snprintf(line + n, sizeof line - (size_t)n, "%-6s %016lx  ",
			              names[j], (unsigned long)tf->gregs[j]);
		printk("%s\n", line);
	}
	printk("signal %lu code %lu addr %016lx err %lx trapno %lu\n",
	       (unsigned long)tf->signo, (unsigned long)tf->code,
	       (unsigned long)tf->addr, (unsigned long)tf->gregs[REG_ERR],
	       (unsigned long)tf->gregs[REG_TRAPNO]);
}

/* A fresh context resumes in context_start with rbx = entry, r12 = arg. */
void arch_context_init(struct context *c, uintptr_t stack_top,
                       void (*entry)(void *), void *arg)
{
	*c = (struct context){ 0 };
	c->rbx = (uintptr_t)entry;
	c->r12 = (uintptr_t)arg;
	c->rip = (uintptr_t)context_start;
	c->rsp = stack_top & ~(uintptr_t)15;
	c->mxcsr = 0x1f80;        /* the ABI's initial control bits */
	c->fpcw = 0x37f;
	hosted_asan_context(c, stack_top);
	hosted_tsan_context(c, stack_top);
}
