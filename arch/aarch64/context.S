/*
 * context.S - goroutine context switch (aarch64).
 *
 * arch_switch(from, to) is an ordinary call as far as the compiler is
 * concerned, so only what AAPCS64 makes callee-saved has to survive it:
 * x19-x28, the frame pointer x29, the return address x30, sp, and the low
 * halves of v8-v15 (d8-d15). Layout: struct context / CTX_* in arch_impl.h.
 *
 * A fresh context (arch_context_init) resumes in context_start with the
 * entry function in x19 and its argument in x20; context_start clears the
 * frame pointer so that tracebacks stop at the goroutine's first frame.
 *
 * No hardware fence: handing a G to another CPU is ordered by the
 * scheduler's atomics. The per-CPU registers (TPIDR_EL0/EL1, TPIDRRO_EL0)
 * are not part of a context.
 *
 * The exclusive monitor belongs to the core, not to the code that armed it,
 * and a failed CAS leaves it armed (the ldaxr is not followed by a store).
 * arch_switch clears it with clrex, so that one goroutine's stxr can never
 * succeed on an ldxr another goroutine did on this core. An exception
 * return (eret) clears it architecturally, which covers a trap between a
 * load-exclusive and its store.
 */
#include "arch_impl.h"

	.text
.macro SAVE_CONTEXT r
	stp	x19, x20, [\r, #CTX_X19 + 0]
	stp	x21, x22, [\r, #CTX_X19 + 16]
	stp	x23, x24, [\r, #CTX_X19 + 32]
	stp	x25, x26, [\r, #CTX_X19 + 48]
	stp	x27, x28, [\r, #CTX_X19 + 64]
	stp	x29, x30, [\r, #CTX_FP]
	mov	x9, sp
	str	x9, [\r, #CTX_SP]
	stp	d8, d9, [\r, #CTX_D8 + 0]
	stp	d10, d11, [\r, #CTX_D8 + 16]
	stp	d12, d13, [\r, #CTX_D8 + 32]
	stp	d14, d15, [\r, #CTX_D8 + 48]
.endm

.macro LOAD_CONTEXT r
	ldp	x19, x20, [\r, #CTX_X19 + 0]
	ldp	x21, x22, [\r, #CTX_X19 + 16]
	ldp	x23, x24, [\r, #CTX_X19 + 32]
	ldp	x25, x26, [\r, #CTX_X19 + 48]
	ldp	x27, x28, [\r, #CTX_X19 + 64]
	ldp	x29, x30, [\r, #CTX_FP]
	ldr	x9, [\r, #CTX_SP]
	mov	sp, x9
	ldp	d8, d9, [\r, #CTX_D8 + 0]
	ldp	d10, d11, [\r, #CTX_D8 + 16]
	ldp	d12, d13, [\r, #CTX_D8 + 32]
	ldp	d14, d15, [\r, #CTX_D8 + 48]
.endm

	.globl	arch_switch
	.type	arch_switch, %function
	.balign	16
arch_switch:
	clrex                           /* drop the exclusive monitor (above) */
	SAVE_CONTEXT x0
	LOAD_CONTEXT x1
	ret
	.size	arch_switch, . - arch_switch

/* _Noreturn void arch_switch_dead(from, to): from is dead, nothing saved. */
	.globl	arch_switch_dead
	.type	arch_switch_dead, %function
	.balign	16
arch_switch_dead:
	clrex                           /* drop the exclusive monitor (above) */
	LOAD_CONTEXT x1
	ret
	.size	arch_switch_dead, . - arch_switch_dead

/* First code of a new context: entry(arg), which must not return. */
	.globl	context_start
	.type	context_start, %function
context_start:
	mov	x0, x20
	mov	x29, #0
	mov	x30, #0
	blr	x19
	brk	#0x100                 /* entry returned */
	.size	context_start, . - context_start

/*
 * arch_setjmp / arch_longjmp (arch.h): the unwinding of a panic. The same
 * registers as arch_switch - x19-x28, fp, lr, sp, d8-d15 - saved into a
 * struct context that lives in a Call frame on the goroutine's own stack.
 * Register contract:
 *   arch_setjmp(x0 = c):  stores them; x0 = 0; ret.
 *   arch_longjmp(x0 = c): loads them back; x0 = 1; ret - so the earlier
 *                         arch_setjmp returns again, to its own caller.
 * Same goroutine only: no clrex needed, no fence.
 */
	.globl	arch_setjmp
	.type	arch_setjmp, %function
	.balign	16
arch_setjmp:
	SAVE_CONTEXT x0
	mov	x0, #0
	ret
	.size	arch_setjmp, . - arch_setjmp

	.globl	arch_longjmp
	.type	arch_longjmp, %function
	.balign	16
arch_longjmp:
	LOAD_CONTEXT x0
	mov	x0, #1
	ret
	.size	arch_longjmp, . - arch_longjmp
