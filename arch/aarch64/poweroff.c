/*
 * poweroff.c - leave the machine: semihosting exit, else PSCI SYSTEM_OFF.
 *
 * Under QEMU with -semihosting, SYS_EXIT_EXTENDED (0x20) with the reason
 * ADP_Stopped_ApplicationExit makes QEMU exit with the given status, so a
 * test run's exit code is the runtime's verdict. Without -semihosting the
 * `hlt #0xf000` is an undefined instruction; trap.c recognises this exact
 * pc (aarch64_semihost_hlt) and skips it, and we fall back to PSCI
 * SYSTEM_OFF (QEMU then exits 0 whatever the status). Prints nothing.
 */
#include "arch.h"
#include "aarch64.h"

#define SYS_EXIT_EXTENDED            0x20
#define ADP_Stopped_ApplicationExit  0x20026

/* x0 = operation, x1 = parameter block; returns x0. */
uint64_t aarch64_semihost(uint64_t op, void *block);
__asm__(
	".text\n"
	".globl aarch64_semihost\n"
	".type aarch64_semihost, %function\n"
	".globl aarch64_semihost_hlt\n"
	"aarch64_semihost:\n"
	"aarch64_semihost_hlt:\n\t"
	"hlt #0xf000\n\t"
	"ret\n"
	".size aarch64_semihost, . - aarch64_semihost\n");

_Noreturn void arch_poweroff(int status)
{
	arch_irq_disable();
	uint64_t block[2] = { ADP_Stopped_ApplicationExit, (uint64_t)(int64_t)status };
	aarch64_semihost(SYS_EXIT_EXTENDED, block);
	psci_system_off();
	for (;;)
		__asm__ volatile("wfi");
}
