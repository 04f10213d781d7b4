/*
 * context.S - goroutine context switch, panic unwinding and asyncPreempt
 * for the hosted port (x86-64 System V).
 *
 * arch_switch(from = rdi, to = rsi) is an ordinary call to the compiler, so
 * only the ABI's callee-saved state must survive it: rbx, rbp, r12-r15,
 * rsp, MXCSR's control bits and the x87 control word. The return address
 * is popped into ctx.rip, so ctx.rsp is the caller's sp after the call
 * returns, and resuming is "load, jmp *rip". Layout: CTX_* in arch_impl.h.
 * No fence: the scheduler's atomics order the hand-over of a G (and x86
 * has no load reservation to drop).
 *
 * A fresh context (arch_context_init) resumes in context_start with entry
 * in rbx and its argument in r12 (in an ASan build rbx is asan.c's
 * fiber_start and r13 the entry); it clears rbp so that tracebacks stop at
 * the goroutine's first frame.
 */
#include "../arch_impl.h"         /* the common half: GORT_ASAN, GORT_TSAN */

	.text
.macro SAVE_CONTEXT r
	movq	(%rsp), %rax            /* return address = resume pc */
	movq	%rax, CTX_RIP(\r)
	leaq	8(%rsp), %rax
	movq	%rax, CTX_RSP(\r)
	movq	%rbx, CTX_RBX(\r)
	movq	%rbp, CTX_RBP(\r)
	movq	%r12, CTX_R12(\r)
	movq	%r13, CTX_R13(\r)
	movq	%r14, CTX_R14(\r)
	movq	%r15, CTX_R15(\r)
	stmxcsr	CTX_MXCSR(\r)
	fnstcw	CTX_FPCW(\r)
.endm

.macro LOAD_CONTEXT r
	movq	CTX_RBX(\r), %rbx
	movq	CTX_RBP(\r), %rbp
	movq	CTX_R12(\r), %r12
	movq	CTX_R13(\r), %r13
	movq	CTX_R14(\r), %r14
	movq	CTX_R15(\r), %r15
	ldmxcsr	CTX_MXCSR(\r)
	fldcw	CTX_FPCW(\r)
	movq	CTX_RSP(\r), %rsp
.endm

/* In an ASan or TSan build the contract's arch_switch and arch_longjmp
 * are asan.c's or tsan.c's, which tell the sanitizer about the switch. */
#if GORT_ASAN || GORT_TSAN
#define SWITCH hosted_switch
#else
#define SWITCH arch_switch
#endif
	.globl	SWITCH
	.type	SWITCH, @function
	.balign	16
SWITCH:
	SAVE_CONTEXT %rdi
	LOAD_CONTEXT %rsi
	jmp	*CTX_RIP(%rsi)
	.size	SWITCH, . - SWITCH

/* First code of a new context: entry(arg), which must not return. The
 * pushed 0 is a return address, so entry starts with rsp = 8 mod 16 as
 * after a call, and a traceback ends there. */
	.globl	context_start
	.type	context_start, @function
context_start:
	movq	%r12, %rdi
	movq	%r13, %rsi              /* entry itself, for asan.c's fiber_start */
	xorl	%ebp, %ebp
	pushq	$0
	jmp	*%rbx
	.size	context_start, . - context_start

/* arch_setjmp(c) / arch_longjmp(c): the same registers as arch_switch, in
 * a struct context; longjmp makes the setjmp return 1. */
	.globl	arch_setjmp
	.type	arch_setjmp, @function
	.balign	16
arch_setjmp:
	SAVE_CONTEXT %rdi
	xorl	%eax, %eax
	ret
	.size	arch_setjmp, . - arch_setjmp

#if GORT_ASAN || GORT_TSAN
#define LONGJMP hosted_longjmp          /* asan.c's or tsan.c's arch_longjmp calls it */
#else
#define LONGJMP arch_longjmp
#endif
	.globl	LONGJMP
	.type	LONGJMP, @function
	.balign	16
LONGJMP:
	LOAD_CONTEXT %rdi
	movl	$1, %eax
	jmp	*CTX_RIP(%rdi)
	.size	LONGJMP, . - LONGJMP

/* hosted_jump(fn = rdi, a0 = rsi, a1 = rdx, sp = rcx): call fn(a0, a1) on
 * the stack that ends at sp (16-aligned), as a first frame. Never returns. */
	.globl	hosted_jump
	.type	hosted_jump, @function
hosted_jump:
	movq	%rdi, %rax
	movq	%rsi, %rdi
	movq	%rdx, %rsi
	movq	%rcx, %rsp
	xorl	%ebp, %ebp
	pushq	$0
	jmp	*%rax
	.size	hosted_jump, . - hosted_jump

/*
 * asyncPreempt: the signal handler (arch_inject_async_preempt) copied the
 * whole trap frame to the goroutine's stack below its red zone and made the
 * signal return here with rsp = the copy. The kernel's sigreturn restored
 * every other register as interrupted. Call asyncPreempt2 (which yields),
 * then restore everything from the copy: the x87/SSE state with fxrstor,
 * the flags, the integer registers, and last rsp and rip. The pc goes
 * through a per-thread slot (hosted_resume_pc), because x86 cannot load
 * rsp and rip together without using memory below the new rsp - and that
 * is the interrupted code's red zone. No signal is injected while the pc
 * is inside asyncPreempt (asyncPreempt_len), so the thread cannot change
 * between the store to the slot and the jump through it.
 */
	.globl	asyncPreempt
	.type	asyncPreempt, @function
	.balign	16
asyncPreempt:
	cld                             /* the ABI wants DF clear at calls */
	leaq	TF_FRAME(%rsp), %rbp    /* {rbp, rip}: tracebacks go on */
	call	asyncPreempt2
	fxrstor64 TF_FXSAVE(%rsp)
	movq	TF_RIP(%rsp), %rax
	movq	%rax, %fs:hosted_resume_pc@tpoff
	pushq	TF_EFL(%rsp)
	popfq
	movq	TF_R8(%rsp), %r8
	movq	TF_R9(%rsp), %r9
	movq	TF_R10(%rsp), %r10
	movq	TF_R11(%rsp), %r11
	movq	TF_R12(%rsp), %r12
	movq	TF_R13(%rsp), %r13
	movq	TF_R14(%rsp), %r14
	movq	TF_R15(%rsp), %r15
	movq	TF_RDI(%rsp), %rdi
	movq	TF_RSI(%rsp), %rsi
	movq	TF_RBP(%rsp), %rbp
	movq	TF_RBX(%rsp), %rbx
	movq	TF_RDX(%rsp), %rdx
	movq	TF_RAX(%rsp), %rax
	movq	TF_RCX(%rsp), %rcx
	movq	TF_RSP(%rsp), %rsp
	jmp	*%fs:hosted_resume_pc@tpoff
asyncPreempt_end:
	.size	asyncPreempt, . - asyncPreempt

#include "../context_end.inc"        /* asyncPreempt_len, TLS bounds */
