/*
 * mmu_asm.S - turning translation on / switching tables without touching
 * memory in between.
 *
 * arch_mmu_enable_secondary runs on a secondary CPU with the MMU still
 * off (secondary_entry calls it; a later call with the MMU already on
 * with these tables returns at once): it reads mmu_final (mmu.c cleaned it to the point of coherency, so
 * the uncached read sees it) and uses no stack, so nothing written uncached
 * is read back cached afterwards.
 *
 * aarch64_mmu_switch moves the boot CPU from the early 1 GiB-block map to
 * the final tables. Both map the running code identically, but the block
 * sizes differ, so instead of swapping TTBR0 under a live MMU (which could
 * leave overlapping TLB entries: a TLB conflict abort on real cores) it
 * turns translation off, swaps, flushes the local TLB and turns it back
 * on. No data access happens while translation is off, so cached data stays
 * coherent.
 */
#include "arch_impl.h"

	.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
	.endm

	.text
	.globl	arch_mmu_enable_secondary
	.type	arch_mmu_enable_secondary, %function
arch_mmu_enable_secondary:
	adr_l	x0, mmu_final
	/* Already on with these tables (secondary_entry did it and the
	 * portable secondary_main asks again)? Then nothing to do. */
	mrs	x1, sctlr_el1
	tbz	x1, #0, 1f
	mrs	x1, ttbr0_el1
	ldr	x2, [x0, #16]
	cmp	x1, x2
	b.ne	1f
	ret
1:	/* fall through */
	.size	arch_mmu_enable_secondary, . - arch_mmu_enable_secondary

	.globl	aarch64_mmu_switch
	.type	aarch64_mmu_switch, %function
aarch64_mmu_switch:                    /* x0 = struct mmu_regs * */
	ldp	x1, x2, [x0]                   /* mair, tcr */
	ldp	x3, x4, [x0, #16]              /* ttbr0, sctlr */
	mrs	x5, sctlr_el1
	bic	x5, x5, #1
	msr	sctlr_el1, x5                  /* translation off (no-op if already) */
	isb
	msr	mair_el1, x1
	msr	tcr_el1, x2
	msr	ttbr0_el1, x3
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	msr	sctlr_el1, x4
	isb
	ret
	.size	aarch64_mmu_switch, . - aarch64_mmu_switch
