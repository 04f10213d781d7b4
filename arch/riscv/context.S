/*
 * context.S - switching between goroutine (and g0) stacks.
 *
 * struct context (arch_impl.h) holds exactly the state the calling
 * convention says survives a call: ra, sp, s0-s11 and fs0-fs11. Everything
 * else is dead across the call to arch_switch, so nothing more is saved.
 * tp is not switched: it is the CPU's, and a goroutine resumed on another
 * CPU must see that CPU's M. No fence: the scheduler's atomics order the
 * hand-over of a G between CPUs; the "memory" effect of a call is the
 * compiler barrier.
 *
 * Lazy FP: most goroutines (and g0) never touch an FP register, so
 * arch_switch moves fs0-fs11 only when it has to, which the hardware tells
 * it: sstatus.FS goes from Clean to Dirty on the first instruction that
 * writes an FP register (or fcsr), and only software brings it back.
 *   - Save: only when FS is Dirty (sstatus.SD, bit 63, says so: one csrr
 *     and a sign test). Then FS is set to Clean. FS Clean at a switch
 *     means the goroutine wrote no FP register since it was switched in:
 *     its fs0-fs11 are what its context already holds, or values it never
 *     set and so cannot care about (fp_live 0).
 *   - Load: not for a context whose fp_live is 0 (its FP registers were
 *     never saved: it has no values of its own there, and runs on with
 *     whatever the hart holds), nor for the one whose values the hart
 *     still holds (below). Otherwise load, and set FS back to Clean (the
 *     loads made it Dirty).
 * Who the hart's fs0-fs11 belong to: m->fp_owner names the context that
 * was saved from or loaded into them last, and that context's fp_live
 * names the M (tp) it happened on. While FS is not Dirty, both agreeing
 * means the registers still equal the context's fs[]: every other way
 * they change - a goroutine's FP code, a trap's restore - leaves FS Dirty,
 * and the next switch saves them and takes the ownership. The second test
 * is for a context that moved: saved on another CPU since, its fs[] no
 * longer match what this hart kept. A goroutine that keeps values in FP
 * registers while it yields to ones that use none (g0 among them) pays
 * neither the save nor the load.
 * FS is only ever moved from Dirty to Clean (csrc of its low bit, so the
 * state must be known to be Dirty first: clearing that bit in Initial
 * would turn the FPU Off). A trap keeps the rule: it restores the FP
 * registers and sstatus of one moment together. The duty this puts on a
 * trap return that resumes after a switch (asyncPreempt) is in arch/arch.h.
 *
 * Reservations: a load reservation belongs to the hart, not to the code
 * that took it, and a failed CAS leaves one behind (arch_cas branches
 * around its sc). arch_switch clears it with an sc of the value just saved
 * (harmless if it succeeds), so that a goroutine's sc can never succeed on
 * a reservation another goroutine took on this hart. riscv_trap_return and
 * asyncPreempt do the same for a trap that lands between an lr and its sc.
 *
 * A new context starts in arch_context_trampoline with s1 = entry,
 * s2 = arg and s0 = 0 (the zero frame pointer ends tracebacks).
 */
#include "arch_impl.h"
#include "riscv.h"

	.section .text
	.balign 4

.if CTX_RA != 0
.error "DROP_RESERVATION's sc.d needs CTX_RA == 0"
.endif

.macro SAVE_INT r
	sd ra, CTX_RA(\r)
	sd sp, CTX_SP(\r)
	sd s0, CTX_S(0)(\r)
	sd s1, CTX_S(1)(\r)
	sd s2, CTX_S(2)(\r)
	sd s3, CTX_S(3)(\r)
	sd s4, CTX_S(4)(\r)
	sd s5, CTX_S(5)(\r)
	sd s6, CTX_S(6)(\r)
	sd s7, CTX_S(7)(\r)
	sd s8, CTX_S(8)(\r)
	sd s9, CTX_S(9)(\r)
	sd s10, CTX_S(10)(\r)
	sd s11, CTX_S(11)(\r)
.endm

.macro SAVE_FP r
	fsd fs0, CTX_FS(0)(\r)
	fsd fs1, CTX_FS(1)(\r)
	fsd fs2, CTX_FS(2)(\r)
	fsd fs3, CTX_FS(3)(\r)
	fsd fs4, CTX_FS(4)(\r)
	fsd fs5, CTX_FS(5)(\r)
	fsd fs6, CTX_FS(6)(\r)
	fsd fs7, CTX_FS(7)(\r)
	fsd fs8, CTX_FS(8)(\r)
	fsd fs9, CTX_FS(9)(\r)
	fsd fs10, CTX_FS(10)(\r)
	fsd fs11, CTX_FS(11)(\r)
.endm

.macro LOAD_INT r
	ld ra, CTX_RA(\r)
	ld sp, CTX_SP(\r)
	ld s0, CTX_S(0)(\r)
	ld s1, CTX_S(1)(\r)
	ld s2, CTX_S(2)(\r)
	ld s3, CTX_S(3)(\r)
	ld s4, CTX_S(4)(\r)
	ld s5, CTX_S(5)(\r)
	ld s6, CTX_S(6)(\r)
	ld s7, CTX_S(7)(\r)
	ld s8, CTX_S(8)(\r)
	ld s9, CTX_S(9)(\r)
	ld s10, CTX_S(10)(\r)
	ld s11, CTX_S(11)(\r)
.endm

.macro LOAD_FP r
	fld fs0, CTX_FS(0)(\r)
	fld fs1, CTX_FS(1)(\r)
	fld fs2, CTX_FS(2)(\r)
	fld fs3, CTX_FS(3)(\r)
	fld fs4, CTX_FS(4)(\r)
	fld fs5, CTX_FS(5)(\r)
	fld fs6, CTX_FS(6)(\r)
	fld fs7, CTX_FS(7)(\r)
	fld fs8, CTX_FS(8)(\r)
	fld fs9, CTX_FS(9)(\r)
	fld fs10, CTX_FS(10)(\r)
	fld fs11, CTX_FS(11)(\r)
.endm

/* Everything, for arch_setjmp / arch_longjmp. */
.macro SAVE_CONTEXT r
	SAVE_INT \r
	SAVE_FP \r
.endm

.macro LOAD_CONTEXT r
	LOAD_INT \r
	LOAD_FP \r
.endm

/* FS from Dirty to Clean: clear its low bit (see above: Dirty only). */
.macro FS_CLEAN tmp
	li \tmp, SSTATUS_FS_DIRTY ^ SSTATUS_FS_CLEAN
	csrc sstatus, \tmp
.endm

/* Drop any load reservation (see above) with an sc.d of the ra just saved
 * or loaded to CTX_RA(r): harmless if it succeeds. */
.macro DROP_RESERVATION r
	sc.d zero, ra, (\r)
.endm

/* void arch_switch(struct context *from, struct context *to)
 * The common case - neither side's FP registers to move - adds four
 * instructions (csrr, bltz, ld, bnez) to the integer half; a context
 * whose FP registers this hart still holds, three more. */
	.globl arch_switch
	.type arch_switch, @function
arch_switch:
	SAVE_INT a0
	csrr t0, sstatus
	bltz t0, .Lsave_fp              /* SD: FS Dirty, fs0-fs11 changed */
.Lsaved:
	DROP_RESERVATION a0
.Lload:
	LOAD_INT a1
	ld t0, CTX_FP_LIVE(a1)
	bnez t0, .Lmaybe_load_fp
	ret
.Lsave_fp:
	SAVE_FP a0
	sd tp, CTX_FP_LIVE(a0)          /* the hart's registers are from's */
	sd a0, ARCH_M_FP_OWNER_OFFSET(tp)
	FS_CLEAN t0
	j .Lsaved
.Lmaybe_load_fp:
	bne t0, tp, .Lload_fp           /* last held by another hart */
	ld t0, ARCH_M_FP_OWNER_OFFSET(tp)
	bne t0, a1, .Lload_fp           /* this hart's now hold another's */
	ret
.Lload_fp:
	LOAD_FP a1
	sd tp, CTX_FP_LIVE(a1)
	sd a1, ARCH_M_FP_OWNER_OFFSET(tp)
	FS_CLEAN t0                     /* the loads made it Dirty */
	ret
	.size arch_switch, . - arch_switch

/* _Noreturn void arch_switch_dead(struct context *from, struct context *to):
 * from is dead, nothing is saved but the one word the reservation drop
 * writes (an sc.d of ra into from's CTX_RA: the dead G's, never read).
 * FP registers the dead G changed are dropped too: they belong to no
 * context now (fp_owner 0), and FS goes back to Clean, so that the next
 * G is not taken for one that used them. */
	.globl arch_switch_dead
	.type arch_switch_dead, @function
arch_switch_dead:
	DROP_RESERVATION a0
	csrr t0, sstatus
	bgez t0, .Lload
	sd zero, ARCH_M_FP_OWNER_OFFSET(tp)
	FS_CLEAN t0
	j .Lload
	.size arch_switch_dead, . - arch_switch_dead

/* void arch_context_init(struct context *c, uintptr_t stack_top,
 *                        void (*entry)(void *), void *arg)
 * Every field 0 but the four the trampoline needs (the collector scans a
 * context, so no stale word of an earlier goroutine may stay), unrolled: a
 * loop cost three instructions a word on every goroutine created. The
 * fs slots are 0 already unless fp_live says they were saved into: a
 * context starts zeroed (malg) and only arch_switch's save writes them. */
	.globl arch_context_init
	.type arch_context_init, @function
arch_context_init:
	ld t1, CTX_FP_LIVE(a0)
	la t0, arch_context_trampoline
	sd t0, CTX_RA(a0)
	andi a1, a1, -16
	sd a1, CTX_SP(a0)
	sd zero, CTX_S(0)(a0)
	sd a2, CTX_S(1)(a0)
	sd a3, CTX_S(2)(a0)
	.set ctx_n, 3
	.rept 9
	sd zero, CTX_S(ctx_n)(a0)
	.set ctx_n, ctx_n + 1
	.endr
	bnez t1, 1f
	ret
1:	.set ctx_n, 0
	.rept 12
	sd zero, CTX_FS(ctx_n)(a0)
	.set ctx_n, ctx_n + 1
	.endr
	sd zero, CTX_FP_LIVE(a0)
	ret
	.size arch_context_init, . - arch_context_init

	.type arch_context_trampoline, @function
arch_context_trampoline:
	mv a0, s2
	jalr s1
	/* entry must never return */
	unimp
	.size arch_context_trampoline, . - arch_context_trampoline

/*
 * arch_setjmp / arch_longjmp (arch.h): the unwinding of a panic. The same
 * registers as arch_switch - everything the calling convention says
 * survives a call - saved into a struct context that lives in a Call
 * frame on the goroutine's own stack. Register contract:
 *   arch_setjmp(a0 = c):  stores ra, sp, s0-s11, fs0-fs11; a0 = 0; ret.
 *   arch_longjmp(a0 = c): loads them back; a0 = 1; ret - so the earlier
 *                         arch_setjmp returns again, to its own caller.
 * Same goroutine only, so no reservation to drop and no fence.
 */
	.globl arch_setjmp
	.type arch_setjmp, @function
arch_setjmp:
	SAVE_CONTEXT a0
	li a0, 0
	ret
	.size arch_setjmp, . - arch_setjmp

	.globl arch_longjmp
	.type arch_longjmp, @function
arch_longjmp:
	LOAD_CONTEXT a0
	li a0, 1
	ret
	.size arch_longjmp, . - arch_longjmp
