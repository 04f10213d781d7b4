/*
 * entry-riscv64.S - the first instructions of the riscv64 image.
 *
 * The image starts with the 64-byte RISC-V Linux "Image" header, so that
 * U-Boot's booti accepts the flat .bin; QEMU's -kernel loads the .bin at
 * RAM + 2 MiB (0x80200000 on virt, where the image is linked). The
 * firmware (OpenSBI, fw_dynamic) enters the boot hart in S-mode with the
 * MMU off, a0 = hart id, a1 = device tree. Secondary harts arrive at
 * secondary_entry through SBI HSM hart_start with a0 = hart id and a1 =
 * the opaque value, our logical CPU index.
 *
 * Both paths: mask interrupts, turn the FPU on (C code may use it), leave
 * the hart id in sscratch (arch_boot_hwid reads it there until
 * arch_cpu_init installs the M), point tp at a zeroed per-CPU scratch
 * block (errno and arch_getg() == NULL work before there is an M), stvec at a minimal early trap
 * handler, switch to boot_stack_top(cpu) and call C. boot_stack_top is C,
 * so it is called on a tiny per-CPU scratch stack first. The boot hart
 * zeroes .bss before anything else (the scratch stacks live there too, and
 * are only used after the zeroing).
 *
 * Bare-metal difference from Linux: no relocation (linked at the load
 * address), no gp (built with -mno-relax), no early page tables (kmain
 * calls arch_mmu_init once it knows the memory map).
 */
#include "arch/riscv/riscv.h"

	.section .head.text, "ax"
	.globl _start
_start:
	/* code0/code1: jump over the header (4-byte form, no RVC). */
	.option push
	.option norvc
	j boot_entry
	.word 0
	.option pop
	.dword 0x200000                 /* text_offset: RAM base + 2 MiB */
	.dword __image_size             /* image_size, from the linker */
	.dword 0                        /* flags: little endian */
	.word 0x2                       /* header version 0.2 */
	.word 0                         /* res1 */
	.dword 0                        /* res2 */
	.ascii "RISCV\0\0\0"            /* magic (deprecated) */
	.ascii "RSC\x05"                /* magic2 */
	.word 0                         /* res3: no PE/COFF header */

	.section .text
	.balign 4
boot_entry:
	csrw sie, zero
	csrci sstatus, SSTATUS_SIE
	mv s1, a0                       /* hart id */
	mv s2, a1                       /* device tree */

	/* Linked where loaded? (lla is pc-relative, linked_start absolute.) */
	lla t0, _start
	ld t1, linked_start
	bne t0, t1, wrong_place

	/* Only one hart may run the boot path. OpenSBI can send a hart that
	 * was slow through its own start-up here too (its per-hart next
	 * address is reset after our hart_start wrote it): such a hart must
	 * not zero .bss under the boot hart's feet. It waits instead. */
	la t0, riscv_boot_claimed       /* in .data: 0 at load */
	li t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez t1, late_hart

	/* Zero .bss: 64-byte aligned start, 4 KiB aligned end (linker). */
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:
	li s3, 0                        /* logical cpu 0 */
	call early_setup
	mv a0, s1
	mv a1, s2
	call kmain
3:	wfi
	j 3b

/* A hart that came in through boot_entry after the boot hart: spin until
 * arch_start_cpu posts its logical cpu in riscv_late_start[hart id]
 * (.data, -1 = nothing yet; hart ids past the table just park), then
 * continue as a secondary. Touches nothing in .bss before that. */
late_hart:
	li t0, RISCV_LATE_HARTS
	bgeu s1, t0, 7f
	la t0, riscv_late_start
	slli t1, s1, 2
	add t0, t0, t1
6:	lw t1, 0(t0)
	bgez t1, 8f
	.insn i 0x0f, 0, x0, x0, 0x010  /* pause (Zihintpause; a nop elsewhere) */
	j 6b
8:	fence r, rw                     /* acquire: pairs with the fence in arch_start_cpu */
	mv a0, s1
	mv a1, t1
	j secondary_entry
7:	wfi
	j 7b

	.globl secondary_entry
	.type secondary_entry, @function
secondary_entry:
	csrw sie, zero
	csrci sstatus, SSTATUS_SIE
	mv s1, a0                       /* hart id */
	mv s3, a1                       /* logical cpu */
	call early_setup
	mv a0, s3
	call secondary_main
4:	wfi
	j 4b
	.size secondary_entry, . - secondary_entry

/* s1 = hart id, s3 = cpu. Returns on boot_stack_top(cpu) with fp = 0. */
early_setup:
	mv s4, ra
	/* FPU on (state Initial), rounding mode etc. cleared. */
	li t0, SSTATUS_FS_MASK
	csrc sstatus, t0
	li t0, SSTATUS_FS_INIT
	csrs sstatus, t0
	csrw fcsr, zero
	csrw sscratch, s1
	/* tp: a zeroed scratch M-sized block until arch_cpu_init installs the
	 * real M, so that TLS accesses (errno) and arch_getg() (NULL) work. */
	la tp, early_tls
	li t0, RISCV_EARLY_TLS_SIZE
	mul t0, t0, s3
	add tp, tp, t0
	la t0, riscv_early_trap_vector
	csrw stvec, t0
	/* Scratch stack: early_stacks[cpu + 1] (grows down from there). */
	la sp, early_stacks
	addi t0, s3, 1
	li t1, RISCV_EARLY_STACK_SIZE
	mul t0, t0, t1
	add sp, sp, t0
	li s0, 0
	mv a0, s3
	call boot_stack_top
	mv sp, a0
	li s0, 0                        /* ends frame-pointer tracebacks */
	mv ra, s4
	ret

/*
 * wrong_place: the image runs at t0 but is linked at t1. Nothing else can
 * run (every absolute address points elsewhere), so with pc-relative code
 * only: say so on the firmware's console (SBI legacy putchar), exit with
 * status 1 through semihosting if a debugger or QEMU -semihosting answers
 * (riscv_semihost skips the ebreak otherwise), else ask SBI to power off
 * for a system failure, and park if even that returns.
 */
wrong_place:
	mv s4, t0
	mv s5, t1
	lla t3, msg_wrong_at
	call sbi_puts_early
	mv t3, s4
	call sbi_puthex_early
	lla t3, msg_wrong_linked
	call sbi_puts_early
	mv t3, s5
	call sbi_puthex_early
	lla t3, msg_wrong_fix
	call sbi_puts_early
	li a0, 0x20                     /* SYS_EXIT_EXTENDED */
	lla a1, exit_failure
	call riscv_semihost
	li a7, 0x53525354               /* SRST system_reset */
	li a6, 0
	li a0, 0                        /* shutdown */
	li a1, 1                        /* reason: system failure */
	ecall
6:	wfi
	j 6b

/* The NUL-terminated string at t3, one SBI legacy putchar per byte.
 * SBI calls keep every register but a0 and a1. */
sbi_puts_early:
	lbu a0, 0(t3)
	beqz a0, 1f
	li a7, 0x01                     /* legacy console_putchar */
	ecall
	addi t3, t3, 1
	j sbi_puts_early
1:	ret

/* t3 as 0x and 16 hex digits. */
sbi_puthex_early:
	li a0, '0'
	li a7, 0x01
	ecall
	li a0, 'x'
	ecall
	li t4, 60
1:	srl t5, t3, t4
	andi t5, t5, 15
	addi a0, t5, '0'
	li t6, 10
	blt t5, t6, 2f
	addi a0, t5, 'a' - 10
2:	ecall
	addi t4, t4, -4
	bgez t4, 1b
	ret

/* Traps before arch_cpu_init: report them (SBI console) and power off. */
	.balign 4
	.globl riscv_early_trap_vector
riscv_early_trap_vector:
	csrr a0, scause
	csrr a1, sepc
	csrr a2, stval
	andi sp, sp, -16
	call riscv_early_trap
5:	wfi
	j 5b

	.section .rodata
	.balign 8
linked_start:
	.dword _start
exit_failure:
	.dword 0x20026                  /* ADP_Stopped_ApplicationExit */
	.dword 1                        /* exit status */
msg_wrong_at:
	.asciz "gort: fatal: the image runs at "
msg_wrong_linked:
	.asciz " but is linked at "
msg_wrong_fix:
	.asciz "; load it at its link address (booti and QEMU -kernel use the header's text_offset, 2 MiB, from the start of RAM)\n"

	.section .data
	.balign 4
	.globl riscv_boot_claimed, riscv_late_start
riscv_boot_claimed:
	.word 0
riscv_late_start:
	.rept RISCV_LATE_HARTS
	.word -1
	.endr

	.section .bss
	.balign 16
early_stacks:
	.skip RISCV_EARLY_STACK_SIZE * RISCV_MAXCPU
	.balign 16
early_tls:
	.skip RISCV_EARLY_TLS_SIZE * RISCV_MAXCPU
