/*
 * boot.h - the hand-off from the architecture's entry code to portable boot.
 *
 * boot/entry-<arch>.S runs first on the boot CPU: it sets up the boot stack
 * (boot_stack_top(0)), zeroes .bss, does whatever the CPU needs before C
 * (aarch64: drop from EL2, early identity map so that C runs with the MMU and
 * caches on) and calls kmain(hwid, dtb). Secondary CPUs enter the same file
 * at secondary_entry with their logical index, get boot_stack_top(cpu) and
 * call secondary_main(cpu) (declared in arch.h).
 */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H
#include <stdint.h>

_Noreturn void kmain(uint64_t hwid, const void *dtb);

/* Weak hook: may return a different device tree blob (tests only). */
const void *boot_dtb_hook(const void *dtb);

/* Entry symbol (physical address) for secondary CPUs, in boot/entry-<arch>.S.
 * riscv: SBI HSM hart_start(hartid, secondary_entry, opaque=cpu);
 *        enters with a0 = hartid, a1 = cpu.
 * aarch64: PSCI CPU_ON(mpidr, secondary_entry, context=cpu); x0 = cpu. */
void secondary_entry(void);

/* Symbols from the linker script. */
extern char _start_image[], _etext[], __bss_start[], __bss_end[], _end[];
extern char __tls_start[], __tdata_end[], __tls_end[];
/* Sizes as differences of addresses: lld will not take the address of an
 * absolute symbol PC-relatively. */
#define TLS_SIZE   ((size_t)(__tls_end - __tls_start))
#define TDATA_SIZE ((size_t)(__tdata_end - __tls_start))

#endif
