/*
 * trap.S - exception vectors, trap entry/exit, and asyncPreempt (aarch64).
 *
 * Goroutines and g0 run at EL1 with SPSel = 0, so their exceptions arrive
 * through the "current EL with SP_EL0" vectors and the CPU switches to
 * SP_EL1 = the top of this CPU's trap stack. An exception inside a trap
 * handler (SPSel = 1) arrives through the "current EL with SP_ELx" vectors
 * and simply pushes another frame on the trap stack. Exceptions from EL0
 * never happen (nothing runs there) and are reported as faults.
 *
 * Entry saves a struct trapframe (layout: TF_* in arch_impl.h) on the
 * trap stack - all of it for a synchronous exception, all but the
 * callee-saved x19-x28 for an IRQ from EL1 (trap_irq; restore_x2_to_x30
 * says why) -, links a frame record {interrupted x29, interrupted pc}
 * into x29 so that a traceback from the handler continues into the
 * interrupted code, and calls aarch64_trap(tf, kind) (trap.c). Exit
 * restores every register the frame holds (so a handler may redirect the
 * return, as arch_inject_async_preempt does) and erets - except into
 * asyncPreempt, which has them in its copy of the frame. SP_EL0 is written back only
 * when returning to EL1t; an EL1h frame's sp is implied by the trap stack.
 *
 * The per-CPU registers TPIDR_EL0/EL1 and TPIDRRO_EL0 are never saved or
 * restored: they belong to the CPU.
 */
#include "arch_impl.h"

/* One 128-byte vector slot: make room, free two registers, go. */
/* The ways out of a trap frame (trap_body's return, asyncPreempt) share
 * these. restore_fp_regs: q0-q31, fpsr and fpcr from the frame at sp;
 * clobbers x4, x5 (restored afterwards). restore_x2_to_x30: x2..x30 from
 * the frame (lean: without x19-x28). */
	/* q0-q31 into the frame at base (fpsr and fpcr are stored with the
	 * other system registers); clobbers x4. */
	.macro	save_q_regs base
	add	x4, \base, #TF_Q(0)
	stp	q0, q1, [x4, #0x000]
	stp	q2, q3, [x4, #0x020]
	stp	q4, q5, [x4, #0x040]
	stp	q6, q7, [x4, #0x060]
	stp	q8, q9, [x4, #0x080]
	stp	q10, q11, [x4, #0x0a0]
	stp	q12, q13, [x4, #0x0c0]
	stp	q14, q15, [x4, #0x0e0]
	stp	q16, q17, [x4, #0x100]
	stp	q18, q19, [x4, #0x120]
	stp	q20, q21, [x4, #0x140]
	stp	q22, q23, [x4, #0x160]
	stp	q24, q25, [x4, #0x180]
	stp	q26, q27, [x4, #0x1a0]
	stp	q28, q29, [x4, #0x1c0]
	stp	q30, q31, [x4, #0x1e0]
	.endm

	.macro	restore_fp_regs base=sp
	add	x4, \base, #TF_Q(0)
	ldp	q0, q1, [x4, #0x000]
	ldp	q2, q3, [x4, #0x020]
	ldp	q4, q5, [x4, #0x040]
	ldp	q6, q7, [x4, #0x060]
	ldp	q8, q9, [x4, #0x080]
	ldp	q10, q11, [x4, #0x0a0]
	ldp	q12, q13, [x4, #0x0c0]
	ldp	q14, q15, [x4, #0x0e0]
	ldp	q16, q17, [x4, #0x100]
	ldp	q18, q19, [x4, #0x120]
	ldp	q20, q21, [x4, #0x140]
	ldp	q22, q23, [x4, #0x160]
	ldp	q24, q25, [x4, #0x180]
	ldp	q26, q27, [x4, #0x1a0]
	ldp	q28, q29, [x4, #0x1c0]
	ldp	q30, q31, [x4, #0x1e0]
	ldp	x4, x5, [\base, #TF_FPSR]
	msr	fpsr, x4
	msr	fpcr, x5
	.endm

	/* An IRQ's frame has no callee-saved half (x19-x28): the C handler
	 * keeps those registers, so entry does not store them and the return
	 * does not load them (lean = 1). x29 is stored for the frame record
	 * and tracebacks; x18 is caller-saved here (no platform use). A
	 * synchronous exception's frame has every register: fault reports
	 * print them and sigpanic's copy is what its panic unwinds from. */
	.macro	restore_x2_to_x30 lean=0, base=sp
	.if \lean
	ldp	x2, x3, [\base, #TF_X(2)]
	ldp	x4, x5, [\base, #TF_X(4)]
	ldp	x6, x7, [\base, #TF_X(6)]
	ldp	x8, x9, [\base, #TF_X(8)]
	ldp	x10, x11, [\base, #TF_X(10)]
	ldp	x12, x13, [\base, #TF_X(12)]
	ldp	x14, x15, [\base, #TF_X(14)]
	ldp	x16, x17, [\base, #TF_X(16)]
	ldr	x18, [\base, #TF_X(18)]
	ldp	x29, x30, [\base, #TF_X(29)]
	.exitm
	.endif
	ldp	x2, x3, [\base, #TF_X(2)]
	ldp	x4, x5, [\base, #TF_X(4)]
	ldp	x6, x7, [\base, #TF_X(6)]
	ldp	x8, x9, [\base, #TF_X(8)]
	ldp	x10, x11, [\base, #TF_X(10)]
	ldp	x12, x13, [\base, #TF_X(12)]
	ldp	x14, x15, [\base, #TF_X(14)]
	ldp	x16, x17, [\base, #TF_X(16)]
	ldp	x18, x19, [\base, #TF_X(18)]
	ldp	x20, x21, [\base, #TF_X(20)]
	ldp	x22, x23, [\base, #TF_X(22)]
	ldp	x24, x25, [\base, #TF_X(24)]
	ldp	x26, x27, [\base, #TF_X(26)]
	ldp	x28, x29, [\base, #TF_X(28)]
	ldr	x30, [\base, #TF_X(30)]
	.endm

	.macro	ventry kind
	.balign	0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X(0)]
	mov	x0, #\kind
	.if (\kind) == VEC_EL1T + VEC_IRQ
	b	trap_irq_t              /* an IRQ on a goroutine or g0 */
	.elseif (\kind) == VEC_EL1H + VEC_IRQ
	b	trap_irq                /* an IRQ in a handler: lean frame */
	.else
	b	trap_common
	.endif
	.endm

	.text
	.globl	aarch64_vectors
	.balign	2048
aarch64_vectors:
	ventry	(VEC_EL1T + VEC_SYNC)
	ventry	(VEC_EL1T + VEC_IRQ)
	ventry	(VEC_EL1T + VEC_FIQ)
	ventry	(VEC_EL1T + VEC_SERROR)
	ventry	(VEC_EL1H + VEC_SYNC)
	ventry	(VEC_EL1H + VEC_IRQ)
	ventry	(VEC_EL1H + VEC_FIQ)
	ventry	(VEC_EL1H + VEC_SERROR)
	ventry	(VEC_EL0_64 + VEC_SYNC)
	ventry	(VEC_EL0_64 + VEC_IRQ)
	ventry	(VEC_EL0_64 + VEC_FIQ)
	ventry	(VEC_EL0_64 + VEC_SERROR)
	ventry	(VEC_EL0_32 + VEC_SYNC)
	ventry	(VEC_EL0_32 + VEC_IRQ)
	ventry	(VEC_EL0_32 + VEC_FIQ)
	ventry	(VEC_EL0_32 + VEC_SERROR)

	/* The entry and the return on the trap stack: full (trap_common) or
	 * lean (trap_irq). trap_irq_t has its own, for a frame on the
	 * goroutine's stack. */
	.macro	trap_body lean
	.if \lean
	stp	x2, x3, [sp, #TF_X(2)]
	stp	x4, x5, [sp, #TF_X(4)]
	stp	x6, x7, [sp, #TF_X(6)]
	stp	x8, x9, [sp, #TF_X(8)]
	stp	x10, x11, [sp, #TF_X(10)]
	stp	x12, x13, [sp, #TF_X(12)]
	stp	x14, x15, [sp, #TF_X(14)]
	stp	x16, x17, [sp, #TF_X(16)]
	str	x18, [sp, #TF_X(18)]
	str	x29, [sp, #TF_X(29)]
	.else
	stp	x2, x3, [sp, #TF_X(2)]
	stp	x4, x5, [sp, #TF_X(4)]
	stp	x6, x7, [sp, #TF_X(6)]
	stp	x8, x9, [sp, #TF_X(8)]
	stp	x10, x11, [sp, #TF_X(10)]
	stp	x12, x13, [sp, #TF_X(12)]
	stp	x14, x15, [sp, #TF_X(14)]
	stp	x16, x17, [sp, #TF_X(16)]
	stp	x18, x19, [sp, #TF_X(18)]
	stp	x20, x21, [sp, #TF_X(20)]
	stp	x22, x23, [sp, #TF_X(22)]
	stp	x24, x25, [sp, #TF_X(24)]
	stp	x26, x27, [sp, #TF_X(26)]
	stp	x28, x29, [sp, #TF_X(28)]
	.endif

	/* The interrupted sp: SP_EL0, or (EL1h) the trap stack above us. */
	and	x1, x0, #0xc
	cmp	x1, #VEC_EL1H
	mrs	x1, sp_el0
	add	x2, sp, #TF_SIZE
	csel	x1, x2, x1, eq
	stp	x30, x1, [sp, #TF_X(30)]

	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #TF_ELR]
	mrs	x4, esr_el1
	mrs	x5, far_el1
	stp	x4, x5, [sp, #TF_ESR]
	mrs	x4, fpsr
	mrs	x5, fpcr
	stp	x4, x5, [sp, #TF_FPSR]
	stp	x29, x2, [sp, #TF_FRAME]       /* frame record {fp, pc} */

	save_q_regs sp

	add	x29, sp, #TF_FRAME
	mov	x1, x0
	mov	x0, sp
	bl	aarch64_trap

	ldp	x2, x3, [sp, #TF_ELR]           /* sp = the frame */
	adr	x4, asyncPreempt
	cmp	x2, x4
	b.eq	.Lto_async_preempt
	restore_fp_regs                /* x4, x5 only */
	msr	elr_el1, x2
	msr	spsr_el1, x3
	and	x3, x3, #PSR_MODE_MASK
	cmp	x3, #PSR_MODE_EL1T
	b.ne	1f
	ldr	x1, [sp, #TF_SP]
	msr	sp_el0, x1
1:
	restore_x2_to_x30 \lean
	ldp	x0, x1, [sp, #TF_X(0)]
	add	sp, sp, #TF_SIZE
	eret
	.endm

	.balign	16
	.type	trap_common, %function
trap_common:                           /* x0 = kind, x0/x1 saved */
	trap_body 0
	.size	trap_common, . - trap_common

	.balign	16
	.type	trap_irq, %function
trap_irq:                              /* x0 = kind, x0/x1 saved */
	trap_body 1

	/* arch_inject_async_preempt redirected this return into
	 * asyncPreempt (EL1t, IRQs on), on the copy of the frame: asyncPreempt
	 * takes every value it needs from the copy and restores them from it
	 * at its end, so the registers are not loaded here (about 20
	 * instructions of every preemption); x19-x28 hold the interrupted
	 * values, which the handler kept. What the handler leaves in the
	 * others is the runtime's own; no register's value is read before
	 * asyncPreempt reloads it. An interrupt taken on asyncPreempt's
	 * first instruction returns this way too, which is as safe: nothing
	 * has been read there but sp. Both trap_body copies come here. */
.Lto_async_preempt:
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldr	x1, [sp, #TF_SP]               /* the copy */
	msr	sp_el0, x1
	add	sp, sp, #TF_SIZE
	eret
	.size	trap_irq, . - trap_irq

/*
 * An IRQ on a goroutine or g0 (EL1t). When the interrupted sp lies in the
 * running goroutine's own stack and the frame fits in its mapped part,
 * the frame is built on that stack, at the address async_preempt_copy
 * (kernel/sched/preempt.c) gives a preemption's copy - (sp - TF_SIZE)
 * rounded down to 16 - so a preemption copies nothing:
 * arch_inject_async_preempt finds tf == copy. Otherwise (g0, or no room)
 * the frame goes on the trap stack as for any trap (trap_irq). The g's
 * fields are read at the offsets cpu.c checks; interrupts are masked, and
 * the g is this CPU's own (arch_getg), so plain loads.
 *
 * Any store to the goroutine's stack may fault: the GC's page barrier
 * write-protects stack pages while the goroutine runs (kernel/gc/
 * barrier.c). Such a fault nests like any exception in a handler and is
 * resolved (aarch64_dirty_fault), but the nested exception overwrites
 * ELR_EL1, SPSR_EL1, ESR_EL1 and FAR_EL1. So:
 *   - ELR and SPSR are read before the first store to the goroutine's
 *     stack;
 *   - SP_EL1 stays on the trap stack (the stores go through x1), so that
 *     a nested exception's frame goes there, never below ours on the
 *     goroutine's stack, which may have no room for it. The handler runs
 *     on the trap stack too, and the return loads through x1.
 * (Branch preempt3 read them after its first stores and moved SP_EL1 onto
 * the goroutine's frame: a barrier fault there lost the interrupted
 * context - gc_concmut, gc_torture and gc_roots failed.)
 */
	.balign	16
	.type	trap_irq_t, %function
trap_irq_t:                            /* x0 = kind, x0/x1 saved at sp */
	mrs	x1, tpidrro_el0                 /* the running g */
	ldrb	w0, [x1, #ARCH_G_IS_G0_OFFSET]
	cbnz	w0, .Lirq_t_trapstack
	stp	x2, x3, [sp, #TF_X(2)]          /* x0-x3 wait on the trap stack */
	mrs	x0, sp_el0                      /* sp at most stack_hi */
	ldr	x2, [x1, #ARCH_G_STACK_HI_OFFSET]
	cmp	x0, x2
	b.hi	.Lirq_t_trapstack_x2
	ldr	x2, [x1, #ARCH_G_STACK_MAPPED_OFFSET]
	sub	x1, x0, #TF_SIZE
	and	x1, x1, #~15                    /* the frame at or above */
	cmp	x1, x2                          /* stack_mapped (which is at */
	b.lo	.Lirq_t_trapstack_x2            /* or above stack_lo: g.c) */
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	/* x0 = the interrupted sp, x1 = the frame. From here on a fault
	 * nests harmlessly. */
	stp	x2, x3, [x1, #TF_ELR]
	stp	x29, x2, [x1, #TF_FRAME]        /* frame record {fp, pc} */
	stp	x30, x0, [x1, #TF_X(30)]        /* x30 and the sp */
	stp	x4, x5, [x1, #TF_X(4)]
	stp	x6, x7, [x1, #TF_X(6)]
	stp	x8, x9, [x1, #TF_X(8)]
	stp	x10, x11, [x1, #TF_X(10)]
	stp	x12, x13, [x1, #TF_X(12)]
	stp	x14, x15, [x1, #TF_X(14)]
	stp	x16, x17, [x1, #TF_X(16)]
	str	x18, [x1, #TF_X(18)]
	str	x29, [x1, #TF_X(29)]
	ldp	x2, x3, [sp, #TF_X(0)]
	stp	x2, x3, [x1, #TF_X(0)]
	ldp	x2, x3, [sp, #TF_X(2)]
	stp	x2, x3, [x1, #TF_X(2)]
	stp	xzr, xzr, [x1, #TF_ESR]         /* no syndrome; far: no redirect */
	mrs	x4, fpsr
	mrs	x5, fpcr
	stp	x4, x5, [x1, #TF_FPSR]
	save_q_regs x1

	add	x29, x1, #TF_FRAME
	mov	x0, x1
	mov	x1, #(VEC_EL1T + VEC_IRQ)
	bl	aarch64_trap
	sub	x1, x29, #TF_FRAME              /* the frame (x29 is callee-saved) */
	add	sp, sp, #TF_SIZE                /* SP_EL1 = the trap stack's top */

	/* Loads from the frame cannot fault: this CPU wrote it during this
	 * trap, and a running goroutine's stack is never unmapped. */
	ldr	x4, [x1, #TF_FAR]               /* redirected into asyncPreempt? */
	cbnz	x4, .Lto_async_preempt_g
	ldp	x2, x3, [x1, #TF_ELR]
	restore_fp_regs x1              /* x4, x5 only */
	msr	elr_el1, x2
	msr	spsr_el1, x3                    /* EL1t: the vector says so */
	ldr	x2, [x1, #TF_SP]
	msr	sp_el0, x2
	restore_x2_to_x30 1, x1
	ldp	x0, x1, [x1, #TF_X(0)]
	eret

.Lirq_t_trapstack_x2:                   /* the trap stack after all */
	ldp	x2, x3, [sp, #TF_X(2)]
.Lirq_t_trapstack:
	mov	x0, #(VEC_EL1T + VEC_IRQ)
	b	trap_irq

	/* As .Lto_async_preempt, for a frame on the goroutine's stack: the
	 * frame (x1) is the copy, so its elr, spsr and sp slots keep the
	 * interrupted values that asyncPreempt restores, and the redirect is
	 * x4 = the far slot (arch_inject_async_preempt). The interrupted
	 * PSTATE is already EL1t with IRQs on (an IRQ was taken there). */
.Lto_async_preempt_g:
	ldr	x3, [x1, #TF_SPSR]
	msr	elr_el1, x4
	msr	spsr_el1, x3
	msr	sp_el0, x1
	eret
	.size	trap_irq_t, . - trap_irq_t

/*
 * asyncPreempt: where arch_inject_async_preempt makes a trap "return" to.
 * Entered at EL1t with IRQs enabled and sp = a copy of the trap frame on
 * the goroutine's own stack (below its interrupted sp) - all of it but
 * x19-x28, which never left their registers (the handler kept them); the
 * goroutine's other registers are in the copy only (the trap return
 * loaded none). It calls asyncPreempt2(), which may switch to other
 * goroutines and resume here later, possibly on another CPU (x19-x28 go
 * through arch_switch's context, as in any call); then it masks
 * interrupts and restores the caller-saved registers, x29, x30, pc and
 * PSTATE from the copy, so the goroutine continues exactly where it was
 * interrupted.
 * Nothing per-CPU comes from the copy (ELR/SPSR are loaded into this
 * CPU's registers with interrupts masked, and eret consumes them).
 */
	.globl	asyncPreempt
	.type	asyncPreempt, %function
	.balign	16
asyncPreempt:
	/* Frame record {interrupted fp, interrupted pc}: a traceback taken
	 * while parked shows the function that was preempted. */
	ldr	x0, [sp, #TF_X(29)]
	ldr	x1, [sp, #TF_ELR]
	stp	x0, x1, [sp, #TF_FRAME]
	add	x29, sp, #TF_FRAME
	bl	asyncPreempt2

	msr	daifset, #0xf
	restore_fp_regs
	ldp	x2, x3, [sp, #TF_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3

	restore_x2_to_x30 1
	/* sp back to the interrupted value; the copy now lies below sp, but
	 * with interrupts masked nothing can overwrite it before the loads
	 * (exceptions would use SP_EL1). */
	ldr	x0, [sp, #TF_SP]
	mov	x1, sp
	mov	sp, x0
	ldr	x0, [x1, #TF_X(0)]
	ldr	x1, [x1, #TF_X(1)]
	eret
.LasyncPreempt_end:
	.size	asyncPreempt, . - asyncPreempt

/*
 * void aarch64_tf_copy(struct trapframe *dst, const struct trapframe *src):
 * the copy that arch_inject_async_preempt and arch_inject_call put on the
 * goroutine's stack, unrolled through q0/q1 (52 loads and stores;
 * picolibc's memcpy took about 140 instructions for it). The trap handler
 * may use the FP registers: entry saved them and the return restores
 * them. Plain accesses, no barrier: the copy is read back by this
 * goroutine only, after the exception returns.
 */
	.globl	aarch64_tf_copy
	.type	aarch64_tf_copy, %function
	.balign	16
aarch64_tf_copy:
	.set	tf_off, 0
	.rept	TF_SIZE / 32
	ldp	q0, q1, [x1, #tf_off]
	stp	q0, q1, [x0, #tf_off]
	.set	tf_off, tf_off + 32
	.endr
	ret
	.size	aarch64_tf_copy, . - aarch64_tf_copy

/*
 * void aarch64_tf_copy_preempt(struct trapframe *dst, const struct trapframe *src):
 * arch_inject_async_preempt's copy: as aarch64_tf_copy but for the two
 * 32-byte pieces that hold only x20-x27 (asyncPreempt does not load
 * x19-x28; x19 and x28 share their pieces with registers it does load).
 */
	.globl	aarch64_tf_copy_preempt
	.type	aarch64_tf_copy_preempt, %function
	.balign	16
aarch64_tf_copy_preempt:
	.set	tf_off, 0
	.rept	TF_SIZE / 32
	.if tf_off < TF_X(20) || tf_off >= TF_X(28)
	ldp	q0, q1, [x1, #tf_off]
	stp	q0, q1, [x0, #tf_off]
	.endif
	.set	tf_off, tf_off + 32
	.endr
	ret
	.size	aarch64_tf_copy_preempt, . - aarch64_tf_copy_preempt

	/* Its length, for the portable preemption decision (a data word
	 * rather than an end label, which would name a "function" in the
	 * symbol table). */
	.section .rodata
	.balign	8
	.globl	asyncPreempt_len
asyncPreempt_len:
	.quad	.LasyncPreempt_end - asyncPreempt
