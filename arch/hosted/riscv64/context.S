/*
 * context.S (hosted, riscv64) - goroutine context switch, panic unwinding
 * and asyncPreempt for the hosted port on riscv64 Linux.
 *
 * arch_switch(from = a0, to = a1) is an ordinary call to the compiler, so
 * only the psABI's callee-saved state must survive it: s0-s11, sp,
 * fs0-fs11, and fcsr (its rounding mode is the caller's to keep). ra is
 * the return address and becomes the resume pc. tp is the thread's own and
 * gp is the same in every thread: neither moves with a goroutine. Layout:
 * CTX_* in arch_impl.h. No fence: the scheduler's atomics order the
 * hand-over of a G (and a switch is a call, never inside an lr/sc pair).
 *
 * A fresh context (arch_context_init) resumes in context_start with entry
 * in s1 and its argument in s2; s0 and ra are 0, so tracebacks stop at the
 * goroutine's first frame.
 */
#include "arch_impl.h"

	.text
.macro SAVE_CONTEXT r
	sd	ra, CTX_RA(\r)
	sd	sp, CTX_SP(\r)
	sd	s0, CTX_S(0)(\r)
	sd	s1, CTX_S(1)(\r)
	sd	s2, CTX_S(2)(\r)
	sd	s3, CTX_S(3)(\r)
	sd	s4, CTX_S(4)(\r)
	sd	s5, CTX_S(5)(\r)
	sd	s6, CTX_S(6)(\r)
	sd	s7, CTX_S(7)(\r)
	sd	s8, CTX_S(8)(\r)
	sd	s9, CTX_S(9)(\r)
	sd	s10, CTX_S(10)(\r)
	sd	s11, CTX_S(11)(\r)
	fsd	fs0, CTX_FS(0)(\r)
	fsd	fs1, CTX_FS(1)(\r)
	fsd	fs2, CTX_FS(2)(\r)
	fsd	fs3, CTX_FS(3)(\r)
	fsd	fs4, CTX_FS(4)(\r)
	fsd	fs5, CTX_FS(5)(\r)
	fsd	fs6, CTX_FS(6)(\r)
	fsd	fs7, CTX_FS(7)(\r)
	fsd	fs8, CTX_FS(8)(\r)
	fsd	fs9, CTX_FS(9)(\r)
	fsd	fs10, CTX_FS(10)(\r)
	fsd	fs11, CTX_FS(11)(\r)
	frcsr	t0
	sd	t0, CTX_FCSR(\r)
.endm

.macro LOAD_CONTEXT r
	ld	ra, CTX_RA(\r)
	ld	sp, CTX_SP(\r)
	ld	s0, CTX_S(0)(\r)
	ld	s1, CTX_S(1)(\r)
	ld	s2, CTX_S(2)(\r)
	ld	s3, CTX_S(3)(\r)
	ld	s4, CTX_S(4)(\r)
	ld	s5, CTX_S(5)(\r)
	ld	s6, CTX_S(6)(\r)
	ld	s7, CTX_S(7)(\r)
	ld	s8, CTX_S(8)(\r)
	ld	s9, CTX_S(9)(\r)
	ld	s10, CTX_S(10)(\r)
	ld	s11, CTX_S(11)(\r)
	fld	fs0, CTX_FS(0)(\r)
	fld	fs1, CTX_FS(1)(\r)
	fld	fs2, CTX_FS(2)(\r)
	fld	fs3, CTX_FS(3)(\r)
	fld	fs4, CTX_FS(4)(\r)
	fld	fs5, CTX_FS(5)(\r)
	fld	fs6, CTX_FS(6)(\r)
	fld	fs7, CTX_FS(7)(\r)
	fld	fs8, CTX_FS(8)(\r)
	fld	fs9, CTX_FS(9)(\r)
	fld	fs10, CTX_FS(10)(\r)
	fld	fs11, CTX_FS(11)(\r)
	ld	t0, CTX_FCSR(\r)
	fscsr	t0
.endm

	.globl	arch_switch
	.type	arch_switch, @function
	.balign	4
arch_switch:
	SAVE_CONTEXT a0
	LOAD_CONTEXT a1
	ret
	.size	arch_switch, . - arch_switch

/* First code of a new context: entry(arg), which must not return. */
	.globl	context_start
	.type	context_start, @function
context_start:
	mv	a0, s2
	li	s0, 0
	li	ra, 0
	jr	s1
	.size	context_start, . - context_start

/* arch_setjmp(c) / arch_longjmp(c): the same registers as arch_switch, in
 * a struct context; longjmp makes the setjmp return 1. */
	.globl	arch_setjmp
	.type	arch_setjmp, @function
arch_setjmp:
	SAVE_CONTEXT a0
	li	a0, 0
	ret
	.size	arch_setjmp, . - arch_setjmp

	.globl	arch_longjmp
	.type	arch_longjmp, @function
arch_longjmp:
	LOAD_CONTEXT a0
	li	a0, 1
	ret
	.size	arch_longjmp, . - arch_longjmp

/* hosted_jump(fn = a0, a0 = a1, a1 = a2, sp = a3): call fn(a0, a1) on the
 * stack that ends at sp (16-aligned), as a first frame. Never returns. */
	.globl	hosted_jump
	.type	hosted_jump, @function
hosted_jump:
	mv	t0, a0
	mv	a0, a1
	mv	a1, a2
	mv	sp, a3
	li	s0, 0
	li	ra, 0
	jr	t0
	.size	hosted_jump, . - hosted_jump

/*
 * asyncPreempt: the signal handler (arch_inject_async_preempt) copied the
 * whole trap frame to the goroutine's stack and made the signal return
 * here with sp = the copy; the kernel's sigreturn restored every other
 * register as interrupted. Call asyncPreempt2 (which yields), then trap:
 * riscv64 cannot load every general register and the pc together without
 * one register to jump through, and at a preemption point all may be
 * live. The trap's handler (frame.c, hosted_uc_resume) loads the copy
 * into its signal frame - every register but tp and gp - and the kernel's
 * sigreturn restores them at once, f0-f31 and fcsr too, as sret does on a
 * board. The thread may have changed across asyncPreempt2: the trap's
 * frame already holds the new thread's tp.
 */
	.globl	asyncPreempt
	.type	asyncPreempt, @function
	.balign	4
asyncPreempt:
	addi	s0, sp, TF_FRAME + 16   /* {s0, pc} below s0: tracebacks go on */
	call	asyncPreempt2
	.globl	hosted_resume_trap
hosted_resume_trap:
	ebreak
asyncPreempt_end:
	.size	asyncPreempt, . - asyncPreempt

#include "../context_end.inc"        /* asyncPreempt_len, TLS bounds */
