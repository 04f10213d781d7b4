/*
 * poweroff.c - turning the machine off with a status QEMU passes on.
 *
 * First choice: the "sifive,test0/1" test finisher QEMU virt has (its
 * address is bootinfo.test_finisher). Writing 0x5555 makes QEMU exit with
 * status 0; (code << 16) | 0x3333 makes it exit with status `code`.
 * Boards without one (QEMU sifive_u: OpenSBI has no shutdown device
 * there) exit through semihosting when QEMU runs with -semihosting:
 * SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit and the
 * status, as the aarch64 port does. The request is the RISC-V semihosting
 * sequence - slli x0,x0,0x1f; ebreak; srai x0,x0,7, uncompressed, in one
 * page - which QEMU recognises only with -semihosting; otherwise (and on
 * a real board without a debugger) the ebreak is a breakpoint exception.
 * riscv_semihost takes that itself: it points stvec at a handler of its
 * own that skips the ebreak, so it works before arch_cpu_init too (the
 * early trap path powers off) and touches nothing of trap.c.
 * Then the SBI system-reset extension (or the legacy shutdown call),
 * which powers off but cannot report a status. If all of that returns,
 * the hart parks in wfi with interrupts masked. Prints nothing.
 */
#include "arch.h"
#include "riscv.h"
#include "kernel/dt/bootinfo.h"

#define FINISHER_PASS 0x5555
#define FINISHER_FAIL 0x3333

#define SYS_EXIT_EXTENDED            0x20
#define ADP_Stopped_ApplicationExit  0x20026

/* a0 = operation, a1 = parameter block; returns a0 (unchanged if no
 * debugger answered). Interrupts must be masked: stvec is borrowed. */
unsigned long riscv_semihost(unsigned long op, void *block);
__asm__(
	".text\n"
	".globl riscv_semihost\n"
	".type riscv_semihost, @function\n"
	".balign 4\n"
	"riscv_semihost:\n\t"
	"la t0, 1f\n\t"
	"csrrw t0, stvec, t0\n\t"
	".option push\n\t"
	".option norvc\n\t"
	".balign 16\n\t"               /* the three instructions in one page */
	"slli x0, x0, 0x1f\n\t"
	"ebreak\n\t"
	"srai x0, x0, 7\n\t"
	".option pop\n\t"
	"csrw stvec, t0\n\t"
	"ret\n\t"
	/* No debugger: the breakpoint trap lands here; resume after the
	 * ebreak (the srai is a no-op). stvec needs 4-byte alignment. */
	".balign 4\n"
	"1:\tcsrr t1, sepc\n\t"
	"addi t1, t1, 4\n\t"
	"csrw sepc, t1\n\t"
	"sret\n"
	".size riscv_semihost, . - riscv_semihost\n");

/* The finisher is written once: without a device tree its address is a
 * guess (QEMU virt's), and where nothing answers there (sifive_u) the
 * store faults, the fatal path powers off again, and this time the
 * semihosting and SBI ways are taken instead of faulting for ever. */
static bool finisher_tried;

_Noreturn void arch_poweroff(int status)
{
	arch_irq_disable();
	/* Whatever this CPU wrote (console output) goes out first. */
	__asm__ volatile("fence iorw, iorw" : : : "memory");
	/* Without a parsed device tree (a broken one is being reported), use
	 * QEMU virt's finisher address, the documented fallback. */
	uint64_t finisher = bootinfo.parsed ? bootinfo.test_finisher : ARCH_FALLBACK_TEST_FINISHER;
	if (finisher != 0 && !finisher_tried) {
		finisher_tried = true;
		uint32_t code = (uint32_t)status & 0xffff;
		if (status != 0 && (code & 0xff) == 0)
			code = 1;          /* exit statuses are 8 bits: keep it non-zero */
		uint32_t v = status == 0 ? FINISHER_PASS : (code << 16) | FINISHER_FAIL;
		*(volatile uint32_t *)(uintptr_t)finisher = v;
		__asm__ volatile("fence iorw, iorw" : : : "memory");
	}
	uint64_t block[2] = { ADP_Stopped_ApplicationExit, (uint64_t)(int64_t)status };
	riscv_semihost(SYS_EXIT_EXTENDED, block);
	sbi_system_reset(SBI_RESET_SHUTDOWN,
	                 status == 0 ? SBI_RESET_REASON_NONE : SBI_RESET_REASON_FAIL);
	for (;;)
		arch_wfi();
}
