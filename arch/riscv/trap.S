/*
 * trap.S - trap entry and exit, and the async-preemption return path.
 *
 * Trap stack protocol (sscratch):
 *   - Outside a trap, sscratch holds the top of this CPU's trap stack.
 *   - Entry swaps sp and sscratch. A non-zero result is the trap stack:
 *     the frame goes there, and sscratch is set to 0 while the trap is
 *     handled. A zero result means the trap hit trap code itself (a fault
 *     while handling a trap): swap back and push the nested frame on the
 *     current (trap) stack.
 *   - Every frame records the sscratch value its exit restores: the trap
 *     stack top for an outermost frame, 0 for a nested one. It is written
 *     back only after every load that could fault, right before sret.
 * tp belongs to the CPU: it is stored in the frame for arch_dump_regs but
 * never loaded back (a goroutine may come back on another CPU).
 * FP registers and fcsr are saved on every trap (kernel code may use FP);
 * an interrupt saves and restores only the caller-saved half of the
 * registers, integer and FP (X_CALLER below says why that is enough).
 * Both returns clear this hart's load reservation (an sc of an unchanged
 * value): code interrupted between an lr and its sc must not find its sc
 * succeeding on a reservation the handler took (context.S says more).
 *
 * FS not Dirty: an interrupt of a goroutine on its own stack (.Lgstack)
 * saves and loads the caller-saved FP registers only if sstatus.FS was
 * Dirty (SD) when it hit, and asyncPreempt loads them only then. Software
 * takes FS from Dirty to Clean only in a switch (context.S), where the
 * caller-saved registers are dead across the call, or by a trap return or
 * asyncPreempt that puts back a sstatus which was not Dirty either; any
 * write of an FP register or fcsr makes it Dirty again. So while it is
 * not Dirty, the goroutine has written no FP register since a point where
 * the caller-saved ones held nothing of its own: whatever the handler (or
 * the goroutines that run before asyncPreempt resumes it) leaves in them
 * is as good (20 stores and 20 loads of every such interrupt; fs0-fs11
 * are callee-saved and kept either way). fcsr is saved and restored
 * always. The frame's FP slots are then stale (arch_dump_regs).
 *
 * asyncPreempt: arch_inject_async_preempt copies the frame's caller-saved
 * half onto the interrupted goroutine's stack and makes the trap return
 * here with sp = that copy and interrupts on (a return into asyncPreempt
 * loads no other register: asyncPreempt has them in the copy, and the
 * callee-saved ones never left their registers). It calls asyncPreempt2()
 * (which may switch goroutines and resume us later on another CPU: the
 * callee-saved registers go through arch_switch's context as in any call),
 * then masks interrupts and restores the caller-saved half, pc and sstatus
 * from the copy.
 */
#include "arch_impl.h"
#include "riscv.h"

	/* The registers are in two halves. The caller-saved half (with s0,
	 * which trap.S itself uses as the frame pointer, and gp, tp) is what
	 * the C handler may change: every trap saves it. The callee-saved
	 * half - s1-s11 and fs0-fs11 - the handler keeps by the calling
	 * convention, so an interrupt's frame leaves it out and its return
	 * does not load it (23 stores and 23 loads of every interrupt): the
	 * registers hold the interrupted values all along. An exception's
	 * frame has both halves (a fault's report prints every register, and
	 * a panic's copy of the frame is what its traceback reads). */
	.macro X_CALLER op, base=sp
	\op ra, TF_X(1)(\base)
	\op gp, TF_X(3)(\base)
	/* tp (x4): saved for the register dump, never loaded (the CPU's) */
	/* t0 (x5): saved and loaded by the callers of the macro */
	\op t1, TF_X(6)(\base)
	\op t2, TF_X(7)(\base)
	\op s0, TF_X(8)(\base)
	\op a0, TF_X(10)(\base)
	\op a1, TF_X(11)(\base)
	\op a2, TF_X(12)(\base)
	\op a3, TF_X(13)(\base)
	\op a4, TF_X(14)(\base)
	\op a5, TF_X(15)(\base)
	\op a6, TF_X(16)(\base)
	\op a7, TF_X(17)(\base)
	\op t3, TF_X(28)(\base)
	\op t4, TF_X(29)(\base)
	\op t5, TF_X(30)(\base)
	\op t6, TF_X(31)(\base)
	.endm

	.macro X_CALLEE op
	\op s1, TF_X(9)(sp)
	\op s2, TF_X(18)(sp)
	\op s3, TF_X(19)(sp)
	\op s4, TF_X(20)(sp)
	\op s5, TF_X(21)(sp)
	\op s6, TF_X(22)(sp)
	\op s7, TF_X(23)(sp)
	\op s8, TF_X(24)(sp)
	\op s9, TF_X(25)(sp)
	\op s10, TF_X(26)(sp)
	\op s11, TF_X(27)(sp)
	.endm

	/* ft0-ft7, fa0-fa7, ft8-ft11 */
	.macro F_CALLER op, base=sp
	\op f0, TF_F(0)(\base)
	\op f1, TF_F(1)(\base)
	\op f2, TF_F(2)(\base)
	\op f3, TF_F(3)(\base)
	\op f4, TF_F(4)(\base)
	\op f5, TF_F(5)(\base)
	\op f6, TF_F(6)(\base)
	\op f7, TF_F(7)(\base)
	\op f10, TF_F(10)(\base)
	\op f11, TF_F(11)(\base)
	\op f12, TF_F(12)(\base)
	\op f13, TF_F(13)(\base)
	\op f14, TF_F(14)(\base)
	\op f15, TF_F(15)(\base)
	\op f16, TF_F(16)(\base)
	\op f17, TF_F(17)(\base)
	\op f28, TF_F(28)(\base)
	\op f29, TF_F(29)(\base)
	\op f30, TF_F(30)(\base)
	\op f31, TF_F(31)(\base)
	.endm

	/* fs0-fs11 */
	.macro F_CALLEE op
	\op f8, TF_F(8)(sp)
	\op f9, TF_F(9)(sp)
	\op f18, TF_F(18)(sp)
	\op f19, TF_F(19)(sp)
	\op f20, TF_F(20)(sp)
	\op f21, TF_F(21)(sp)
	\op f22, TF_F(22)(sp)
	\op f23, TF_F(23)(sp)
	\op f24, TF_F(24)(sp)
	\op f25, TF_F(25)(sp)
	\op f26, TF_F(26)(sp)
	\op f27, TF_F(27)(sp)
	.endm

	.section .text
	.balign 4
	.globl riscv_trap_vector
	.type riscv_trap_vector, @function
riscv_trap_vector:
	csrrw sp, sscratch, sp
	bnez sp, 1f
	/* Nested: we were on the trap stack already. */
	csrrw sp, sscratch, sp          /* sp = trap-stack sp, sscratch = 0 */
	addi sp, sp, -TF_SIZE
	sd t0, TF_X(5)(sp)
	addi t0, sp, TF_SIZE
	sd t0, TF_X(2)(sp)
	sd zero, TF_SSCRATCH(sp)        /* exit keeps the "in trap" marker */
	csrr t0, scause
	sd t0, TF_SCAUSE(sp)
	j 2f
1:	/* sp = trap stack top, sscratch = interrupted sp */
	addi sp, sp, -TF_SIZE
	sd t0, TF_X(5)(sp)
	csrrw t0, sscratch, zero        /* t0 = interrupted sp; mark "in trap" */
	sd t0, TF_X(2)(sp)
	/* An interrupt of a goroutine on its own stack, with its frame's
	 * bytes mapped: the frame goes there (.Lgstack). The g's fields
	 * cannot fault (the g lies in its stack's top page, which this hart
	 * wrote when it switched to the g), and sscratch is 0 anyway. */
	sd t1, TF_X(6)(sp)
	csrr t1, scause
	sd t1, TF_SCAUSE(sp)            /* (.Lgstack: scratch) */
	bgez t1, .Lon_trap_stack        /* an exception */
	ld t1, ARCH_M_CURG_OFFSET(tp)   /* the running g */
	beqz t1, .Lon_trap_stack
	sd t2, TF_X(7)(sp)
	lbu t2, ARCH_G_IS_G0_OFFSET(t1)
	bnez t2, .Lon_trap_stack_t2
	ld t2, ARCH_G_STACK_HI_OFFSET(t1)
	bltu t2, t0, .Lon_trap_stack_t2 /* sp at most stack_hi */
	ld t2, ARCH_G_STACK_MAPPED_OFFSET(t1)
	addi t1, t0, -TF_SIZE
	andi t1, t1, -16                /* the frame at or above stack_mapped */
	bgeu t1, t2, .Lgstack           /* (which is at or above stack_lo: g.c) */
.Lon_trap_stack_t2:
	ld t2, TF_X(7)(sp)
.Lon_trap_stack:
	ld t1, TF_X(6)(sp)
	addi t0, sp, TF_SIZE
	sd t0, TF_SSCRATCH(sp)          /* exit restores the trap stack top */
2:	X_CALLER sd
	sd tp, TF_X(4)(sp)
	sd zero, TF_X(0)(sp)
	F_CALLER fsd
	ld t1, TF_SCAUSE(sp)
	bltz t1, 3f                     /* an interrupt: the caller-saved half */
	X_CALLEE sd
	F_CALLEE fsd
3:	frcsr t0
	sd t0, TF_FCSR(sp)
	csrr t0, sepc
	sd t0, TF_SEPC(sp)
	csrr t1, sstatus
	sd t1, TF_SSTATUS(sp)
	csrr t1, stval
	sd t1, TF_STVAL(sp)

	/* A frame record {interrupted s0, interrupted pc} so that a traceback
	 * taken inside the handler continues into the interrupted code. */
	addi sp, sp, -16
	sd s0, 0(sp)
	sd t0, 8(sp)
	addi s0, sp, 16
	addi a0, sp, 16
	call riscv_trap
	addi sp, sp, 16

	.globl riscv_trap_return
riscv_trap_return:
	ld t0, TF_SEPC(sp)
	la t1, asyncPreempt
	beq t0, t1, .Lto_async_preempt
	ld t1, TF_SCAUSE(sp)
	bltz t1, 3f                     /* an interrupt's frame: no callee half */
	X_CALLEE ld
	F_CALLEE fld
3:	F_CALLER fld
	ld t1, TF_FCSR(sp)
	fscsr t1
	csrw sepc, t0
	addi t1, sp, TF_SEPC            /* drop any reservation the handler */
	sc.d zero, t0, (t1)             /* left: store back the same value */
	ld t0, TF_SSTATUS(sp)
	csrw sstatus, t0                /* SIE stays 0 until sret */
	ld t0, TF_SSCRATCH(sp)
	csrw sscratch, t0
	X_CALLER ld
	ld t0, TF_X(5)(sp)
	ld sp, TF_X(2)(sp)
	sret

	/* arch_inject_async_preempt redirected this return into
	 * asyncPreempt, on the copy of the frame: asyncPreempt takes every
	 * value it needs from the copy and restores them from it at its end,
	 * so the caller-saved registers are not loaded here (about 40
	 * instructions of every preemption); the callee-saved ones hold the
	 * interrupted values, which the handler kept (only s0, which trap.S
	 * changed, is in the copy). What the handler leaves in them
	 * is the runtime's own: gp and tp are the same everywhere, and no
	 * register's value is read before asyncPreempt reloads it. An
	 * interrupt taken on asyncPreempt's first instruction returns this
	 * way too, which is as safe: nothing has been read there but sp. */
.Lto_async_preempt:
	csrw sepc, t0
	addi t1, sp, TF_SEPC            /* drop any reservation (as above) */
	sc.d zero, t0, (t1)
	ld t0, TF_SSTATUS(sp)
	csrw sstatus, t0                /* SIE stays 0 until sret */
	ld t0, TF_SSCRATCH(sp)
	csrw sscratch, t0
	ld sp, TF_X(2)(sp)              /* the copy */
	sret

/*
 * The frame of an interrupt built on the interrupted goroutine's own
 * stack, where async_preempt_copy (kernel/sched/preempt.c) puts a
 * preemption's copy - (sp - TF_SIZE) rounded down to 16 - so that a
 * preemption copies nothing (arch_inject_async_preempt finds tf == copy).
 * The handler still runs on the trap stack, below a frame record. Since
 * the frame is the copy, its sepc, sstatus and sp keep the interrupted
 * values (asyncPreempt restores them), and a redirect into asyncPreempt
 * is written to the stval slot instead (0: none; an interrupt has no
 * trap value). t0 = the interrupted sp, t1 = the frame, sscratch = 0;
 * the interrupted t0-t2 and sp, and scause, are in the trap stack's
 * frame (at sp).
 *
 * Any store to the goroutine's stack may fault: the GC's page barrier
 * write-protects stack pages while the goroutine runs (kernel/gc/
 * barrier.c), and this hart may cache an invalid entry for a page mapped
 * on another (mmu.c). Such a fault nests like any fault in trap code and
 * is resolved, but the nested trap overwrites sepc, sstatus and scause
 * (its return writes its own sepc and sstatus back). So:
 *   - every CSR is read, and kept on the trap stack or in a register,
 *     before the first store to the goroutine's stack;
 *   - sp stays on the trap stack (the stores go through t0), so that a
 *     nested fault's frame goes there too, never below ours on the
 *     goroutine's stack, which may have no room for it;
 *   - sscratch is 0 (the nesting marker) from before the g's fields
 *     are read. (Branch preempt3 stored first and read the CSRs after,
 *     with sp on the goroutine's frame: a barrier fault then returned
 *     into the entry code with the interrupted context lost -
 *     gc_concmut, gc_torture and gc_roots failed.)
 * The x0 slot is not written: only an exception's decoders read it; nor
 * is the sscratch slot: this frame's return sets sscratch from sp.
 */
.Lgstack:
	/* scause is in the trap stack's frame (scratch), and so is the
	 * interrupted sp: t0 is free for a CSR. */
	csrr t2, sstatus
	csrr t0, sepc
	/* From here on a fault nests harmlessly. */
	sd t2, TF_SSTATUS(t1)
	sd t0, TF_SEPC(t1)
	ld t0, TF_X(2)(sp)
	sd t0, TF_X(2)(t1)
	ld t0, TF_SCAUSE(sp)
	sd t0, TF_SCAUSE(t1)
	ld t0, TF_X(5)(sp)
	sd t0, TF_X(5)(t1)
	sd zero, TF_STVAL(t1)           /* no redirect */
	frcsr t0
	sd t0, TF_FCSR(t1)
	mv t0, t1                       /* t0 = the frame */
	ld t1, TF_X(6)(sp)
	ld t2, TF_X(7)(sp)
	X_CALLER sd, t0
	sd tp, TF_X(4)(t0)
	/* The caller-saved FP registers only if FS was Dirty (SD, the sign
	 * of sstatus): see "FS not Dirty" above. */
	ld t1, TF_SSTATUS(t0)
	bgez t1, 1f
	F_CALLER fsd, t0
1:

	/* Onto the trap stack's top: {interrupted s0, interrupted pc, the
	 * frame}; the scratch below it is no longer needed. */
	addi sp, sp, TF_SIZE - 32
	ld t1, TF_SEPC(t0)
	ld t2, TF_SCAUSE(t0)
	sd s0, 0(sp)
	sd t1, 8(sp)
	sd t0, 16(sp)
	mv a0, t0
	addi s0, sp, 16
	/* The timer, this path's common interrupt (the slice's end), goes
	 * straight to trap_timer, as riscv_trap would send it (trap.c): its
	 * decoding of scause cost 18 instructions, frame and all, of every
	 * preemption. An interrupt's scause, shifted left, is its code
	 * times 2. */
	slli t2, t2, 1
	addi t2, t2, -2 * IRQ_S_TIMER
	bnez t2, 1f
	call trap_timer
	j 2f
1:	call riscv_trap
2:	ld t0, 16(sp)                   /* the frame */
	addi sp, sp, 32                 /* the trap stack's top */

	/* The return reads the frame through t0 as well: loads from it
	 * cannot fault (this hart wrote it during this trap, and a running
	 * goroutine's stack is never unmapped), and the reservation is
	 * dropped by an sc on the trap stack, which never faults either. */
	ld t1, TF_STVAL(t0)
	bnez t1, .Lto_async_preempt_g
	ld t2, TF_SSTATUS(t0)
	bgez t2, 1f                     /* FS not Dirty: none saved */
	F_CALLER fld, t0
1:	ld t1, TF_FCSR(t0)
	fscsr t1
	ld t1, TF_SEPC(t0)
	csrw sepc, t1
	csrw sstatus, t2                /* SIE stays 0 until sret */
	addi t1, sp, -8                 /* drop any reservation (as above): */
	sc.d zero, zero, (t1)           /* a scratch word of the trap stack */
	csrw sscratch, sp
	X_CALLER ld, t0
	ld sp, TF_X(2)(t0)
	ld t0, TF_X(5)(t0)
	sret

	/* As .Lto_async_preempt, with the frame = the copy: t0 = the
	 * frame, t1 = asyncPreempt (its stval slot), sp = the trap stack's
	 * top; sret leaves with sp = the copy. The interrupted sstatus already has
	 * SPP = S and SPIE = 1: the interrupt was taken in S-mode with
	 * interrupts on. */
.Lto_async_preempt_g:
	csrw sepc, t1
	ld t1, TF_SSTATUS(t0)
	csrw sstatus, t1                /* SIE stays 0 until sret */
	addi t1, sp, -8                 /* drop any reservation (as above) */
	sc.d zero, zero, (t1)
	csrw sscratch, sp
	mv sp, t0
	sret
	.size riscv_trap_vector, . - riscv_trap_vector

/*
 * Entered by sret from a trap whose frame arch_inject_async_preempt copied
 * to sp, interrupts on. The interrupted goroutine's caller-saved registers
 * (and s0) are in the copy only: the trap return did not load them
 * (.Lto_async_preempt); its callee-saved ones are in the registers.
 */
	.balign 4
	.globl asyncPreempt
	.type asyncPreempt, @function
asyncPreempt:
	/* Frame record {interrupted s0, interrupted pc}: tracebacks from
	 * inside asyncPreempt2 show the interrupted function. */
	addi sp, sp, -16
	ld t0, 16 + TF_SEPC(sp)
	sd t0, 8(sp)
	ld t0, 16 + TF_X(8)(sp)
	sd t0, 0(sp)
	addi s0, sp, 16
	call asyncPreempt2
	addi sp, sp, 16

	csrci sstatus, SSTATUS_SIE
	/* Touch the copy's pages before any CSR is written: if this hart
	 * still caches an invalid entry for one (it may be running on a
	 * different hart now), the spurious fault is taken and resolved
	 * here, where it disturbs nothing. The copy spans at most two pages;
	 * this load and the sstatus word's (a0, below) touch both, and every
	 * word read after the first CSR write lies between the two. */
	ld t0, TF_X(0)(sp)
	/* FS as the switches and the C code since left it, before the loads
	 * below make it Dirty: Dirty (SD, the sign) if fs0-fs11 may differ
	 * from what their owner's context holds - a caller of arch_switch
	 * that kept a callee-saved FP register of the goroutine's on its
	 * stack restored it after the switch loaded the context. */
	csrr t2, sstatus
	/* The interrupted sstatus; a0 is free until X_CALLER reloads it. */
	ld a0, TF_SSTATUS(sp)
	/* The caller-saved half only: asyncPreempt2 kept the callee-saved
	 * one, as any C function does (those registers were never out of
	 * the goroutine's hands but in the context arch_switch saved); and
	 * only if FS was Dirty at the interrupt (see "FS not Dirty" above:
	 * the entry did not save them then, and they hold nothing of the
	 * goroutine's). */
	bgez a0, 1f
	F_CALLER fld
1:	ld t0, TF_FCSR(sp)
	fscsr t0
	/* Drop any reservation (as above) before the first CSR write: on a
	 * core that checks permissions even for an sc that fails, this
	 * store to the goroutine's stack may take the barrier's write fault
	 * (fault mode protects stack pages), whose trap would overwrite a
	 * sepc written already. It stores the slot's own value. */
	ld t0, TF_SEPC(sp)
	addi t1, sp, TF_SEPC
	sc.d zero, t0, (t1)
	csrw sepc, t0
	/* The interrupted sstatus (SIE = 0, SPIE = 1, SPP = S), with its FS
	 * - the lazy FP rule (arch.h, arch_switch): not Dirty then, fs0-fs11
	 * were their owner's; and if FS is not Dirty now either, no FP
	 * register has changed since the switch that resumed us, which left
	 * them their owner's again - but Dirty if it is Dirty now. The
	 * loads above changed only caller-saved FP registers and fcsr,
	 * which no context holds. (Forced Dirty, a goroutine that uses no FP
	 * had fs0-fs11 saved at its next switch after every preemption.) */
	bgez t2, 1f
	li t1, SSTATUS_FS_DIRTY
	or a0, a0, t1
1:	csrw sstatus, a0
	X_CALLER ld
	ld t0, TF_X(5)(sp)
	ld sp, TF_X(2)(sp)
	sret
.LasyncPreempt_end:
	.size asyncPreempt, . - asyncPreempt

/*
 * void arch_inject_async_preempt(struct trapframe *tf, uintptr_t copy)
 * (arch/arch.h): the frame of an interrupt that .Lgstack built on the
 * goroutine's stack is at copy already (async_preempt_copy computes the
 * same address) - it is the copy, and its sepc, sstatus and sp stay the
 * interrupted ones, which asyncPreempt restores. Only the redirect is
 * written, to the stval slot, which the return reads (.Lgstack). Any
 * other frame (on the trap stack) is copied, in C (trap.c).
 */
	.balign 4
	.globl arch_inject_async_preempt
	.type arch_inject_async_preempt, @function
arch_inject_async_preempt:
	beq a0, a1, 1f
	tail riscv_inject_async_preempt_copy
1:	la t0, asyncPreempt
	sd t0, TF_STVAL(a0)
	ret
	.size arch_inject_async_preempt, . - arch_inject_async_preempt

/*
 * void riscv_tf_copy(struct trapframe *dst, const struct trapframe *src):
 * the copy that arch_inject_async_preempt and arch_inject_call put on the
 * goroutine's stack, unrolled (70 loads and stores; picolibc's memcpy took
 * about 220 instructions for it). Plain accesses, no fence: the copy is
 * read back by this goroutine only, after the trap returns.
 */
	.balign 4
	.globl riscv_tf_copy
	.type riscv_tf_copy, @function
riscv_tf_copy:
	.set tf_off, 0
	.rept TF_SIZE / 16
	ld t0, tf_off(a1)
	ld t1, tf_off + 8(a1)
	sd t0, tf_off(a0)
	sd t1, tf_off + 8(a0)
	.set tf_off, tf_off + 16
	.endr
	ret
	.size riscv_tf_copy, . - riscv_tf_copy

/*
 * void riscv_tf_copy_preempt(struct trapframe *dst, const struct trapframe *src):
 * arch_inject_async_preempt's copy - only what asyncPreempt loads back:
 * the caller-saved registers with s0, gp and sp, fcsr, sepc and sstatus
 * (42 of the 70 words; 84 instructions instead of 140). The callee-saved
 * half stays in the registers (see X_CALLER), so the rest of the copy's
 * words are left as the stack had them.
 */
	.macro CP2 a, b
	ld t0, \a(a1)
	ld t1, \b(a1)
	sd t0, \a(a0)
	sd t1, \b(a0)
	.endm

	.balign 4
	.globl riscv_tf_copy_preempt
	.type riscv_tf_copy_preempt, @function
riscv_tf_copy_preempt:
	CP2 TF_X(1), TF_X(2)
	CP2 TF_X(3), TF_X(5)
	CP2 TF_X(6), TF_X(7)
	CP2 TF_X(8), TF_X(10)
	CP2 TF_X(11), TF_X(12)
	CP2 TF_X(13), TF_X(14)
	CP2 TF_X(15), TF_X(16)
	CP2 TF_X(17), TF_X(28)
	CP2 TF_X(29), TF_X(30)
	CP2 TF_X(31), TF_FCSR
	CP2 TF_SEPC, TF_SSTATUS
	.irp n, 0, 2, 4, 6, 10, 12, 14, 16, 28, 30
	CP2 TF_F(\n), TF_F(\n + 1)
	.endr
	ret
	.size riscv_tf_copy_preempt, . - riscv_tf_copy_preempt

	/* Its length, for the portable preemption decision (a data word
	 * rather than an end label, which would name a "function" in the
	 * symbol table). */
	.pushsection .rodata
	.balign 8
	.globl asyncPreempt_len
asyncPreempt_len:
	.quad .LasyncPreempt_end - asyncPreempt
	.popsection
