/*
 * frame.c (hosted, aarch64) - the signal frame as the trap frame, the
 * return from async preemption, the injections and a fresh context.
 *
 * Linux's aarch64 signal frame holds x0-x30, sp, pc and pstate in
 * uc_mcontext, and the FP/SIMD state in records in uc_mcontext.__reserved:
 * an fpsimd_context (FPSR, FPCR, v0-v31) and, on a CPU with SVE (QEMU's
 * default -cpu max has it), an sve_context. When that one carries register
 * data, sigreturn takes the vector registers from it, not from the fpsimd
 * record; so the return of an async preemption writes v0-v31 into both
 * (the low 128 bits of z0-z31 are v0-v31).
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

_Static_assert(offsetof(struct trapframe, sp) == TF_SP, "context.S layout");
_Static_assert(offsetof(struct trapframe, fpsr) == TF_FPSR, "context.S layout");
_Static_assert(offsetof(struct trapframe, v) == TF_V(0), "context.S layout");
_Static_assert(offsetof(struct context, fp) == CTX_FP, "context.S layout");
_Static_assert(offsetof(struct context, fpcr) == CTX_FPCR, "context.S layout");

void context_start(void);
extern const char hosted_resume_trap[];

/* The record of the given magic in the frame's extension area, or NULL. */
static struct _aarch64_ctx *uc_record(const ucontext_t *uc, uint32_t magic)
{
	const unsigned char *p = uc->uc_mcontext.__reserved;
	const unsigned char *end = p + sizeof uc->uc_mcontext.__reserved;
	while (p + sizeof(struct _aarch64_ctx) <= end) {
		struct _aarch64_ctx *h = (struct _aarch64_ctx *)p;
		if (h->magic == magic)
			return h;
		if (h->magic == 0 || h->size == 0)
			break;
		p += h->size;
	}
	return NULL;
}

void hosted_uc_get(struct trapframe *tf, const ucontext_t *uc, bool with_fp)
{
	const mcontext_t *mc = &uc->uc_mcontext;
	memcpy(tf->x, mc->regs, sizeof tf->x);
	tf->sp = mc->sp;
	/* A thread-local sequence caught midway starts again (tlsseq.c). */
	tf->pc = hosted_tls_restart(mc->pc);
	tf->pstate = mc->pstate;
	tf->frame[0] = tf->x[29];
	tf->frame[1] = tf->pc;
	if (!with_fp)
		return;
	const struct fpsimd_context *fp = (const void *)uc_record(uc, FPSIMD_MAGIC);
	if (fp != NULL) {
		tf->fpsr = fp->fpsr;
		tf->fpcr = fp->fpcr;
		memcpy(tf->v, fp->vregs, sizeof tf->v);
	}
}

void hosted_uc_put(const struct trapframe *tf, ucontext_t *uc)
{
	mcontext_t *mc = &uc->uc_mcontext;
	memcpy(mc->regs, tf->x, sizeof tf->x);
	mc->sp = tf->sp;
	mc->pc = tf->pc;
	mc->pstate = tf->pstate;
}

uintptr_t hosted_uc_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.pc;
}

/* The FP/SIMD half of the resume: the fpsimd record, and the SVE record's
 * z registers when it has them (see the file comment). */
static void uc_put_fp(const struct trapframe *tf, ucontext_t *uc)
{
	struct fpsimd_context *fp = (void *)uc_record(uc, FPSIMD_MAGIC);
	if (fp != NULL) {
		fp->fpsr = tf->fpsr;
		fp->fpcr = tf->fpcr;
		memcpy(fp->vregs, tf->v, sizeof tf->v);
	}
	struct sve_context *sve = (void *)uc_record(uc, SVE_MAGIC);
	if (sve != NULL && sve->head.size >= SVE_SIG_CONTEXT_SIZE(sve_vq_from_vl(sve->vl))) {
		unsigned vq = sve_vq_from_vl(sve->vl);
		for (int n = 0; n < 32; n++)
			memcpy((char *)sve + SVE_SIG_ZREG_OFFSET(vq, n), &tf->v[n], 16);
	}
}

/* asyncPreempt's brk (context.S): sp is the frame copy. Every register but
 * TPIDR_EL0 (not in the frame) comes from it, and the soft interrupt flag. */
bool hosted_uc_resume(int sig, ucontext_t *uc)
{
	if (uc->uc_mcontext.pc != (uintptr_t)hosted_resume_trap)
		return false;
	const struct trapframe *c = (const struct trapframe *)uc->uc_mcontext.sp;
	hosted_uc_put(c, uc);
	uc_put_fp(c, uc);
	hosted_irqoff = (int)c->irqoff;
	return true;
}

/* Mechanism only (kernel/sched/preempt.c decided where the copy goes). */
void arch_inject_async_preempt(struct trapframe *tf, uintptr_t copy)
{
	struct trapframe *c = (struct trapframe *)copy;
	memcpy(c, tf, sizeof *tf);
	c->frame[0] = tf->x[29];
	c->frame[1] = tf->pc;
	tf->sp = copy;
	tf->pc = (uintptr_t)asyncPreempt;
	tf->irqoff = 0;
}

/* "As if the trapped instruction had called fn(copy)". */
void arch_inject_call(struct trapframe *tf, void (*fn)(struct trapframe *), uintptr_t copy)
{
	memcpy((void *)copy, tf, sizeof *tf);
	tf->x[30] = tf->pc;
	tf->x[0] = copy;
	tf->sp = copy;
	tf->pc = (uintptr_t)fn;
	tf->irqoff = 0;
}

void arch_dump_regs(const struct trapframe *tf)
{
	for (int i = 0; i < 31; i += 3) {
		char line[128];
		int n = 0;
		for (int j = i; j < i + 3 && j < 31; j++)
			n += snprintf(line + n, sizeof line - (size_t)n, "x%-4d %016lx  ",
			              j, (unsigned long)tf->x[j]);
		printk("%s\n", line);
	}
	printk("sp    %016lx  pc    %016lx  pstate %08lx\n", (unsigned long)tf->sp,
	       (unsigned long)tf->pc, (unsigned long)tf->pstate);
	printk("signal %lu code %lu addr %016lx\n", (unsigned long)tf->signo,
	       (unsigned long)tf->code, (unsigned long)tf->addr);
}

/* A fresh context resumes in context_start with x19 = entry, x20 = arg. */
void arch_context_init(struct context *c, uintptr_t stack_top,
                       void (*entry)(void *), void *arg)
{
	*c = (struct context){ 0 };
	c->x19_28[0] = (uintptr_t)entry;
	c->x19_28[1] = (uintptr_t)arg;
	c->lr = (uintptr_t)context_start;
	c->sp = stack_top & ~(uintptr_t)15;
}
