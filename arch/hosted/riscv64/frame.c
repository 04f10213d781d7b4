/*
 * frame.c (hosted, riscv64) - the signal frame as the trap frame, the
 * return from async preemption, the injections and a fresh context.
 *
 * Linux's riscv64 signal frame holds the pc and x1-x31 in
 * uc_mcontext.__gregs (slot 0 is the pc) and f0-f31 and fcsr in
 * uc_mcontext.__fpregs (the D extension's layout). The trap frame keeps
 * the same order. tp (x4) is the thread's and gp (x3) the same in every
 * thread: a frame written back never changes them, so a goroutine
 * resumed on another thread keeps that thread's.
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
#include "kernel/lib/print.h"

_Static_assert(offsetof(struct trapframe, f) == TF_F(0), "context.S layout");
_Static_assert(offsetof(struct trapframe, fcsr) == TF_FCSR, "context.S layout");
_Static_assert(offsetof(struct context, fcsr) == CTX_FCSR, "context.S layout");

void context_start(void);
extern const char hosted_resume_trap[];

void hosted_uc_get(struct trapframe *tf, const ucontext_t *uc, bool with_fp)
{
	const mcontext_t *mc = &uc->uc_mcontext;
	memcpy(tf->gregs, mc->__gregs, sizeof tf->gregs);
	/* A thread-local sequence caught midway starts again (tlsseq.c). */
	tf->gregs[0] = hosted_tls_restart(tf->gregs[0]);
	tf->frame[0] = tf->gregs[8];
	tf->frame[1] = tf->gregs[0];
	if (!with_fp)
		return;
	memcpy(tf->f, mc->__fpregs.__d.__f, sizeof tf->f);
	tf->fcsr = mc->__fpregs.__d.__fcsr;
}

/* Every register but gp and tp. */
void hosted_uc_put(const struct trapframe *tf, ucontext_t *uc)
{
	mcontext_t *mc = &uc->uc_mcontext;
	memcpy(&mc->__gregs[0], &tf->gregs[0], 3 * sizeof tf->gregs[0]);   /* pc ra sp */
	memcpy(&mc->__gregs[5], &tf->gregs[5], 27 * sizeof tf->gregs[0]);  /* t0 .. t6 */
}

uintptr_t hosted_uc_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.__gregs[0];
}

/* asyncPreempt's ebreak (context.S): sp is the frame copy. Every register
 * but tp and gp comes from it, the FP state, and the soft interrupt flag. */
bool hosted_uc_resume(int sig, ucontext_t *uc)
{
	mcontext_t *mc = &uc->uc_mcontext;
	if (mc->__gregs[0] != (uintptr_t)hosted_resume_trap)
		return false;
	const struct trapframe *c = (const struct trapframe *)mc->__gregs[2];
	hosted_uc_put(c, uc);
	memcpy(mc->__fpregs.__d.__f, c->f, sizeof c->f);
	mc->__fpregs.__d.__fcsr = (uint32_t)c->fcsr;
	hosted_irqoff = (int)c->irqoff;
	return true;
}

/* Mechanism only (kernel/sched/preempt.c decided where the copy goes). */
void arch_inject_async_preempt(struct trapframe *tf, uintptr_t copy)
{
	struct trapframe *c = (struct trapframe *)copy;
	memcpy(c, tf, sizeof *tf);
	c->frame[0] = tf->gregs[8];
	c->frame[1] = tf->gregs[0];
	tf->gregs[2] = copy;
	tf->gregs[0] = (uintptr_t)asyncPreempt;
	tf->irqoff = 0;
}

/* "As if the trapped instruction had called fn(copy)". */
void arch_inject_call(struct trapframe *tf, void (*fn)(struct trapframe *), uintptr_t copy)
{
	memcpy((void *)copy, tf, sizeof *tf);
	tf->gregs[1] = tf->gregs[0];    /* ra */
	tf->gregs[10] = copy;           /* a0 */
	tf->gregs[2] = copy;            /* sp */
	tf->gregs[0] = (uintptr_t)fn;
	tf->irqoff = 0;
}

void arch_dump_regs(const struct trapframe *tf)
{
	static const char *const names[32] = {
		"pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
		"a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
		"s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
	};
	for (int i = 0; i < 32; i += 4) {
		char line[128];
		int n = 0;
		for (int j = i; j < i + 4; j++)
			n += snprintf(line + n, sizeof line - (size_t)n, "%-4s %016lx  ",
			              names[j], (unsigned long)tf->gregs[j]);
		printk("%s\n", line);
	}
	printk("signal %lu code %lu addr %016lx\n", (unsigned long)tf->signo,
	       (unsigned long)tf->code, (unsigned long)tf->addr);
}

/* A fresh context resumes in context_start with s1 = entry, s2 = arg. */
void arch_context_init(struct context *c, uintptr_t stack_top,
                       void (*entry)(void *), void *arg)
{
	*c = (struct context){ 0 };
	c->s[1] = (uintptr_t)entry;
	c->s[2] = (uintptr_t)arg;
	c->ra = (uintptr_t)context_start;
	c->sp = stack_top & ~(uintptr_t)15;
}
