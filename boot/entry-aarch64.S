/*
 * entry-aarch64.S - first instructions on every CPU (aarch64).
 *
 * The image starts with the 64-byte Linux arm64 Image header, so QEMU's
 * -kernel and U-Boot's booti load the flat .bin like a Linux kernel: at a
 * 2 MiB-aligned base + text_offset, MMU and D-cache off, x0 = the DTB.
 *
 * Boot CPU (_start -> primary_entry):
 *   1. mask everything; leave EL2 for EL1 if the loader entered at EL2;
 *   2. FP/SIMD on, exception vectors installed, per-CPU registers cleared
 *      (TPIDR_EL0 points at a scratch TLS block until arch_cpu_init);
 *   3. zero .bss (aligned stp only: with the MMU off every access is
 *      Device memory, where unaligned accesses and exclusives fault);
 *   4. SP_EL1 = trap_stack_top(0), SP_EL0 = boot_stack_top(0), SPSel = 0;
 *   5. early identity map: one L1 table of 1 GiB blocks, Normal WB for the
 *      GiBs holding the image and the DTB, Device-nGnRnE elsewhere, the
 *      image's own GiB in 2 MiB blocks (Normal: image and DTB only);
 *      MMU and caches on;
 *   6. kmain(MPIDR affinity, dtb).
 * Secondary CPUs (secondary_entry, the PSCI CPU_ON target, x0 = logical
 * cpu; or spin_entry, a spin table's target, which finds x0 itself): steps 1, 2, 4 with their own stacks, then the MMU on with the final
 * tables (arch_mmu_enable_secondary), then secondary_main(cpu).
 *
 * Cache invariant: everything written with the MMU off (.bss, the early
 * table, the scratch stacks) is invalidated from the caches by address
 * before the MMU goes on, so no stale line the loader or a speculating CPU
 * left behind can shadow it. Secondary CPUs write nothing with the MMU off
 * that they read back with it on (their scratch stack is abandoned).
 *
 * The image must run where it is linked (no relocation): the entry checks
 * that and that the load offset in the 2 MiB window matches the header.
 */
#include "arch_impl.h"

/* LOAD_ADDR & 0x1fffff for the default LOAD_ADDR (0x40080000). The header
 * can't mask a linker symbol, so it is a constant; primary_entry checks it
 * against where the loader actually put the image. */
#ifndef TEXT_OFFSET
#define TEXT_OFFSET 0x80000
#endif

#define EARLY_STACK_SHIFT 9            /* 512-byte scratch stacks */
#define MPIDR_AFF_MASK    0xff00ffffff

	.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
	.endm

	.section .head.text, "ax"
	.globl	_start
_start:
	b	primary_entry          /* code0 */
	.long	0                      /* code1 */
	.quad	TEXT_OFFSET            /* text_offset */
	.quad	__image_size           /* image_size, including .bss */
	.quad	0x2                    /* flags: LE, 4 KiB pages, base near DRAM start */
	.quad	0                      /* res2 */
	.quad	0                      /* res3 */
	.quad	0                      /* res4 */
	.ascii	"ARM\x64"              /* magic */
	.long	0                      /* res5 (no PE header) */

	.text
	.type	primary_entry, %function
primary_entry:
	msr	daifset, #0xf
	mov	x19, x0                        /* dtb */

	/* Linked where loaded? (adr is pc-relative, the literal absolute.) */
	adr	x0, _start
	ldr	x1, =_start
	cmp	x0, x1
	b.ne	wrong_place
	and	x0, x0, #0x1fffff
	cmp	x0, #TEXT_OFFSET
	b.ne	wrong_place

	bl	el2_to_el1
	bl	cpu_early_regs

	/* Zero .bss: __bss_start is 64-byte aligned, __bss_end 4 KiB. */
	adr_l	x0, __bss_start
	adr_l	x1, __bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:
	/* Scratch stack (cpu 0's) for the two stack-address helpers. */
	adr_l	x0, early_stacks + (1 << EARLY_STACK_SHIFT)
	mov	sp, x0
	mov	x0, #0
	bl	boot_stack_top
	mov	x20, x0
	mov	x0, #0
	bl	trap_stack_top
	mov	x21, x0

	bl	early_map

	/* Drop everything cached for the image: it was written uncached. */
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4                /* DminLine: log2(words) */
	mov	x2, #4
	lsl	x2, x2, x3                     /* line size in bytes */
	sub	x3, x2, #1
	adr_l	x0, _start_image
	bic	x0, x0, x3
	adr_l	x1, _end
3:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	3b
	dsb	sy
	ic	iallu

	adr_l	x0, early_l1
	bl	mmu_on

	mov	sp, x21                        /* SP_EL1: trap stack */
	msr	spsel, #0
	mov	sp, x20                        /* SP_EL0: boot stack = g0 stack */
	mov	x29, #0
	mov	x30, #0

	mrs	x0, mpidr_el1
	ldr	x1, =MPIDR_AFF_MASK
	and	x0, x0, x1
	mov	x1, x19
	bl	kmain
	b	park
	.size	primary_entry, . - primary_entry

park:
	wfe
	b	park

/*
 * wrong_place: the image is not where it was linked (x0: where it runs,
 * x1: where it was linked). Nothing else can run: every absolute address
 * in the runtime points elsewhere, and there is no console yet. So, with
 * pc-relative code only: say so through semihosting (QEMU -semihosting,
 * or a debugger on a board), exit with status 1 through it, and park if
 * nobody listens. Without semihosting `hlt` is an undefined instruction;
 * early_vectors skips it.
 */
wrong_place:
	mov	x22, x0
	mov	x23, x1
	bl	el2_to_el1
	adr	x0, early_vectors
	msr	vbar_el1, x0
	isb
	adr_l	x1, msg_wrong_at
	bl	semi_write0
	mov	x0, x22
	bl	semi_hex
	adr_l	x1, msg_wrong_linked
	bl	semi_write0
	mov	x0, x23
	bl	semi_hex
	adr_l	x1, msg_wrong_fix
	bl	semi_write0
	mov	x0, #0x20                      /* SYS_EXIT_EXTENDED */
	adr_l	x1, exit_failure
	hlt	#0xf000
	b	park

/* Semihosting SYS_WRITE0 of the string at x1. Clobbers x0. */
semi_write0:
	mov	x0, #0x04
	hlt	#0xf000
	ret

/* Write x0 as 0x and 16 hex digits (built in hexbuf: byte stores only,
 * the MMU is off). Clobbers x0-x6. */
semi_hex:
	adr_l	x1, hexbuf
	mov	x2, #'0'
	strb	w2, [x1]
	mov	x2, #'x'
	strb	w2, [x1, #1]
	add	x4, x1, #2
	mov	x3, #60
1:	lsr	x2, x0, x3
	and	x2, x2, #0xf
	add	x5, x2, #'0'
	add	x6, x2, #('a' - 10)
	cmp	x2, #10
	csel	x2, x6, x5, hs
	strb	w2, [x4], #1
	subs	x3, x3, #4
	b.ge	1b
	strb	wzr, [x4]
	mov	x0, #0x04                      /* SYS_WRITE0 */
	hlt	#0xf000
	ret

/* Every exception skips the instruction that raised it: an `hlt` that no
 * debugger or QEMU -semihosting answers. */
	.balign	2048
early_vectors:
	.rept	16
	mrs	x9, elr_el1
	add	x9, x9, #4
	msr	elr_el1, x9
	eret
	.balign	128
	.endr

/*
 * secondary_entry: PSCI CPU_ON lands here, MMU off, x0 = logical cpu.
 */
	.globl	secondary_entry
	.type	secondary_entry, %function
secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	cmp	x19, #AARCH64_MAXCPU
	b.hs	park
	bl	el2_to_el1
	bl	cpu_early_regs

	adr_l	x0, early_stacks
	add	x1, x19, #1
	add	x0, x0, x1, lsl #EARLY_STACK_SHIFT
	mov	sp, x0
	mov	x0, x19
	bl	boot_stack_top
	mov	x20, x0
	mov	x0, x19
	bl	trap_stack_top
	mov	x21, x0

	ic	iallu
	bl	arch_mmu_enable_secondary      /* uses no stack */

	mov	sp, x21
	msr	spsel, #0
	mov	sp, x20
	mov	x29, #0
	mov	x30, #0
	mov	x0, x19
	bl	secondary_main
	b	park
	.size	secondary_entry, . - secondary_entry

/*
 * spin_entry: a core released from a spin table lands here (MMU off, x0 =
 * 0, EL2 on QEMU raspi3b): find its logical number by looking its MPIDR
 * affinity up in spin_hwid[] (spintable.c; cleaned to memory before the
 * release), then continue as secondary_entry. Not found: park.
 */
	.globl	spin_entry
	.type	spin_entry, %function
spin_entry:
	msr	daifset, #0xf
	mrs	x1, mpidr_el1
	ldr	x2, =MPIDR_AFF_MASK
	and	x1, x1, x2
	orr	x1, x1, #(1 << 63)             /* SPIN_VALID */
	adr_l	x3, spin_hwid
	mov	x0, #0
1:	ldr	x4, [x3, x0, lsl #3]
	cmp	x4, x1
	b.eq	secondary_entry
	add	x0, x0, #1
	cmp	x0, #AARCH64_MAXCPU
	b.lo	1b
	b	park
	.size	spin_entry, . - spin_entry

/*
 * el2_to_el1: if running at EL2, configure EL2 so that EL1 owns the
 * machine (AArch64 EL1, no traps of timers, FP, GIC system registers or
 * the PMU, virtual counter offset 0) and return at EL1h with DAIF masked.
 * Clobbers x0-x1.
 */
	.type	el2_to_el1, %function
el2_to_el1:
	mrs	x0, CurrentEL
	ubfx	x0, x0, #2, #2
	cmp	x0, #2
	b.ne	9f

	mov	x0, #(1 << 31)                 /* HCR_EL2.RW: EL1 is AArch64 */
	msr	hcr_el2, x0
	mrs	x0, cnthctl_el2
	orr	x0, x0, #3                     /* EL1PCTEN | EL1PCEN */
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	mov	x0, #0x33ff                    /* CPTR_EL2: RES1 bits, TFP = 0 */
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	msr	vttbr_el2, xzr
	mrs	x0, midr_el1
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0

	/* PMU: give EL1 all counters (MDCR_EL2.HPMN = PMCR_EL0.N). */
	mrs	x0, id_aa64dfr0_el1
	ubfx	x0, x0, #8, #4                 /* PMUVer */
	cbz	x0, 1f
	cmp	x0, #0xf
	b.eq	1f
	mrs	x0, pmcr_el0
	ubfx	x0, x0, #11, #5
	msr	mdcr_el2, x0
1:
	/* GICv3 system registers usable from EL1. */
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #24, #4
	cbz	x0, 2f
	mrs	x0, S3_4_C12_C9_5              /* ICC_SRE_EL2 */
	mov	x1, #0x9                       /* SRE | Enable */
	orr	x0, x0, x1
	msr	S3_4_C12_C9_5, x0
	isb
	msr	S3_4_C12_C11_0, xzr            /* ICH_HCR_EL2 */
2:
	ldr	x0, =SCTLR_RES1                /* EL1 MMU off for now */
	msr	sctlr_el1, x0
	mov	x0, #0x3c5                     /* EL1h, DAIF masked */
	msr	spsr_el2, x0
	adr	x0, 9f
	msr	elr_el2, x0
	isb
	eret
9:	ret
	.size	el2_to_el1, . - el2_to_el1

/*
 * cpu_early_regs: FP/SIMD on, vectors, per-CPU registers in a known state.
 * Clobbers x0.
 */
	.type	cpu_early_regs, %function
cpu_early_regs:
	mov	x0, #(3 << 20)                 /* CPACR_EL1.FPEN: no FP traps */
	msr	cpacr_el1, x0
	adr_l	x0, aarch64_vectors
	msr	vbar_el1, x0
	msr	tpidr_el1, xzr
	msr	tpidrro_el0, xzr
	adr_l	x0, early_tls                  /* errno before arch_cpu_init */
	msr	tpidr_el0, x0
	isb
	ret
	.size	cpu_early_regs, . - cpu_early_regs

/*
 * early_map: fill early_l1 with 512 1 GiB blocks: Normal WB for the GiBs
 * holding [_start_image, _end) and [dtb, dtb + 2 MiB), Device elsewhere.
 * The GiB holding the image (if it holds all of it) is mapped in 2 MiB
 * blocks instead, through early_l2, Normal only where the image or the
 * DTB is: on boards whose MMIO shares that GiB with RAM (raspi3b: RAM from
 * 0, peripherals at 0x3f000000) the console is then Device memory from
 * the first printk, as it must be on real hardware (a write-back cached
 * UART register may never reach the device). x19 = dtb. Clobbers x0-x13.
 */
	.type	early_map, %function
early_map:
	adr_l	x0, early_l1
	adr_l	x4, _start_image
	lsr	x10, x4, #21                   /* first image 2 MiB block */
	lsr	x4, x4, #30                    /* first image GiB */
	adr_l	x5, _end
	sub	x5, x5, #1
	lsr	x11, x5, #21                   /* last image 2 MiB block */
	lsr	x5, x5, #30                    /* last image GiB */
	mov	x6, x4                         /* DTB GiBs and blocks default to the image's */
	mov	x7, x5
	mov	x12, x10
	mov	x13, x11
	cbz	x19, 1f
	lsr	x6, x19, #30
	lsr	x12, x19, #21
	add	x7, x19, #0x200000
	sub	x7, x7, #1
	lsr	x13, x7, #21
	lsr	x7, x7, #30
1:	ldr	x2, =(PTE_BLOCK | PTE_ATTR(ATTR_DEVICE) | PTE_AF | PTE_PXN | PTE_UXN)
	ldr	x3, =(PTE_BLOCK | PTE_ATTR(ATTR_NORMAL) | PTE_SH_INNER | PTE_AF | PTE_UXN)
	mov	x1, #0
2:	lsl	x8, x1, #30
	mov	x9, x2
	cmp	x1, x4
	b.lo	3f
	cmp	x1, x5
	b.hi	3f
	mov	x9, x3
3:	cmp	x1, x6
	b.lo	4f
	cmp	x1, x7
	b.hi	4f
	mov	x9, x3
4:	orr	x8, x8, x9
	str	x8, [x0, x1, lsl #3]
	add	x1, x1, #1
	cmp	x1, #512
	b.lo	2b
	cmp	x4, x5
	b.ne	9f                             /* image spans GiBs: 1 GiB blocks */

	/* The image's GiB in 2 MiB blocks: block i of GiB x4 is 2 MiB block
	 * number (x4 << 9) + i overall. */
	adr_l	x0, early_l2
	lsl	x1, x4, #9                     /* first block of the GiB */
	add	x5, x1, #512
5:	lsl	x8, x1, #21
	mov	x9, x2
	cmp	x1, x10
	b.lo	6f
	cmp	x1, x11
	b.hi	6f
	mov	x9, x3
6:	cmp	x1, x12
	b.lo	7f
	cmp	x1, x13
	b.hi	7f
	mov	x9, x3
7:	orr	x8, x8, x9
	and	x9, x1, #511
	str	x8, [x0, x9, lsl #3]
	add	x1, x1, #1
	cmp	x1, x5
	b.lo	5b
	adr_l	x1, early_l1
	orr	x8, x0, #PTE_TABLE
	str	x8, [x1, x4, lsl #3]
9:	ret
	.size	early_map, . - early_map

/*
 * mmu_on: x0 = L1 table. MAIR, TCR (IPS from the CPU's PA range, at most
 * 48 bits), TTBR0, local TLB flush, then SCTLR with MMU and caches on.
 * Clobbers x0-x1.
 */
	.type	mmu_on, %function
mmu_on:
	msr	ttbr0_el1, x0
	ldr	x0, =MAIR_VALUE
	msr	mair_el1, x0
	mrs	x1, id_aa64mmfr0_el1
	and	x1, x1, #0xf
	cmp	x1, #5
	mov	x0, #5
	csel	x1, x1, x0, ls
	ldr	x0, =TCR_VALUE
	orr	x0, x0, x1, lsl #TCR_IPS_SHIFT
	msr	tcr_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	ldr	x0, =SCTLR_MMU_ON
	msr	sctlr_el1, x0
	isb
	ret
	.size	mmu_on, . - mmu_on

	.section .rodata
msg_wrong_at:
	.asciz	"gort: fatal: the image runs at "
msg_wrong_linked:
	.asciz	" but is linked at "
msg_wrong_fix:
	.asciz	"; load it at its link address (booti and QEMU -kernel use the header's text_offset from a 2 MiB-aligned base)\n"
	.balign	8
exit_failure:
	.quad	0x20026                        /* ADP_Stopped_ApplicationExit */
	.quad	1                              /* exit status */

	.bss
	.balign	4096
early_l1:
	.space	4096
early_l2:
	.space	4096
	.balign	16
early_stacks:
	.space	(AARCH64_MAXCPU << EARLY_STACK_SHIFT)
	.balign	16
early_tls:
	.space	16 + 64
hexbuf:                                        /* wrong_place's number */
	.space	24
