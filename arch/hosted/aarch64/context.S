/*
 * context.S (hosted, aarch64) - goroutine context switch, panic unwinding
 * and asyncPreempt for the hosted port on aarch64 Linux.
 *
 * arch_switch(from = x0, to = x1) is an ordinary call to the compiler, so
 * only AAPCS64's callee-saved state must survive it: x19-x28, x29 (fp),
 * sp, the low halves of v8-v15 (d8-d15), and FPCR (its rounding and
 * flush modes are the caller's to keep). x30 is the return address and
 * becomes the resume pc. TPIDR_EL0 is the thread's own and never moves
 * with a goroutine. Layout: CTX_* in arch_impl.h. No fence: the
 * scheduler's atomics order the hand-over of a G; clrex is not needed
 * either (an exception return - here the kernel's - clears the monitor,
 * and a switch is a call, never inside an exclusive pair).
 *
 * A fresh context (arch_context_init) resumes in context_start with entry
 * in x19 and its argument in x20; fp and lr are 0, so tracebacks stop at
 * the goroutine's first frame.
 */
#include "arch_impl.h"

	.text
.macro SAVE_CONTEXT r
	stp	x19, x20, [\r, #CTX_X19]
	stp	x21, x22, [\r, #CTX_X19 + 16]
	stp	x23, x24, [\r, #CTX_X19 + 32]
	stp	x25, x26, [\r, #CTX_X19 + 48]
	stp	x27, x28, [\r, #CTX_X19 + 64]
	stp	x29, x30, [\r, #CTX_FP]
	mov	x9, sp
	str	x9, [\r, #CTX_SP]
	stp	d8, d9, [\r, #CTX_D8]
	stp	d10, d11, [\r, #CTX_D8 + 16]
	stp	d12, d13, [\r, #CTX_D8 + 32]
	stp	d14, d15, [\r, #CTX_D8 + 48]
	mrs	x9, fpcr
	str	x9, [\r, #CTX_FPCR]
.endm

/* FPCR is written only when it differs: a write may stall the pipeline. */
.macro LOAD_CONTEXT r
	ldp	x19, x20, [\r, #CTX_X19]
	ldp	x21, x22, [\r, #CTX_X19 + 16]
	ldp	x23, x24, [\r, #CTX_X19 + 32]
	ldp	x25, x26, [\r, #CTX_X19 + 48]
	ldp	x27, x28, [\r, #CTX_X19 + 64]
	ldp	x29, x30, [\r, #CTX_FP]
	ldr	x9, [\r, #CTX_SP]
	mov	sp, x9
	ldp	d8, d9, [\r, #CTX_D8]
	ldp	d10, d11, [\r, #CTX_D8 + 16]
	ldp	d12, d13, [\r, #CTX_D8 + 32]
	ldp	d14, d15, [\r, #CTX_D8 + 48]
	ldr	x9, [\r, #CTX_FPCR]
	mrs	x10, fpcr
	cmp	x9, x10
	b.eq	1f
	msr	fpcr, x9
1:
.endm

	.globl	arch_switch
	.type	arch_switch, %function
	.balign	16
arch_switch:
	SAVE_CONTEXT x0
	LOAD_CONTEXT x1
	ret
	.size	arch_switch, . - arch_switch

/* First code of a new context: entry(arg), which must not return. */
	.globl	context_start
	.type	context_start, %function
context_start:
	mov	x0, x20
	mov	x29, xzr
	mov	x30, xzr
	br	x19
	.size	context_start, . - context_start

/* arch_setjmp(c) / arch_longjmp(c): the same registers as arch_switch, in
 * a struct context; longjmp makes the setjmp return 1. */
	.globl	arch_setjmp
	.type	arch_setjmp, %function
	.balign	16
arch_setjmp:
	SAVE_CONTEXT x0
	mov	w0, #0
	ret
	.size	arch_setjmp, . - arch_setjmp

	.globl	arch_longjmp
	.type	arch_longjmp, %function
	.balign	16
arch_longjmp:
	LOAD_CONTEXT x0
	mov	w0, #1
	ret
	.size	arch_longjmp, . - arch_longjmp

/* hosted_jump(fn = x0, a0 = x1, a1 = x2, sp = x3): call fn(a0, a1) on the
 * stack that ends at sp (16-aligned), as a first frame. Never returns. */
	.globl	hosted_jump
	.type	hosted_jump, %function
hosted_jump:
	mov	x9, x0
	mov	x0, x1
	mov	x1, x2
	mov	sp, x3
	mov	x29, xzr
	mov	x30, xzr
	br	x9
	.size	hosted_jump, . - hosted_jump

/*
 * asyncPreempt: the signal handler (arch_inject_async_preempt) copied the
 * whole trap frame to the goroutine's stack and made the signal return
 * here with sp = the copy; the kernel's sigreturn restored every other
 * register as interrupted. Call asyncPreempt2 (which yields), then trap:
 * aarch64 cannot load every general register, sp and pc together from
 * memory without one register to branch through, and at a preemption
 * point all 31 may be live. The trap's handler (frame.c,
 * hosted_uc_resume) loads the copy into its signal frame, and the
 * kernel's sigreturn restores everything at once - x0-x30, sp, pc, NZCV,
 * FPSR, FPCR and v0-v31 - as eret does on a board. The thread may have
 * changed across asyncPreempt2: the trap is taken on the new one, whose
 * TPIDR_EL0 the kernel leaves alone.
 */
	.globl	asyncPreempt
	.type	asyncPreempt, %function
	.balign	16
asyncPreempt:
	add	x29, sp, #TF_FRAME      /* {x29, pc}: tracebacks go on */
	bl	asyncPreempt2
	.globl	hosted_resume_trap
hosted_resume_trap:
	brk	#0x1
asyncPreempt_end:
	.size	asyncPreempt, . - asyncPreempt

#include "../context_end.inc"        /* asyncPreempt_len, TLS bounds */
