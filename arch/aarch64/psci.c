/*
 * psci.c - PSCI (Power State Coordination Interface) calls: starting
 * secondary CPUs and powering the machine off.
 *
 * The conduit comes from the device tree's /psci node (bootinfo.psci):
 * `hvc` when the firmware lives at EL2 (QEMU virt entered at EL1), `smc`
 * when it lives at EL3 (QEMU virt,virtualization=on, Raspberry Pi's
 * armstub with PSCI). SMC Calling Convention: function id in x0, arguments
 * in x1-x3, result in x0; x4-x17 may be clobbered (SMCCC 1.0).
 */
#include "arch.h"
#include "aarch64.h"
#include "boot/boot.h"
#include "kernel/dt/bootinfo.h"

#define PSCI_CPU_ON_64   0xc4000003u
#define PSCI_SYSTEM_OFF  0x84000008u

#define SMCCC_CLOBBERS "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", \
	"x12", "x13", "x14", "x15", "x16", "x17", "memory"

static int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	if (bootinfo.psci == PSCI_HVC)
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		                 : : SMCCC_CLOBBERS);
	else if (bootinfo.psci == PSCI_SMC)
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		                 : : SMCCC_CLOBBERS);
	else
		return -1;                /* NOT_SUPPORTED: no PSCI node */
	return (int64_t)x0;
}

/* PSCI CPU_ON(hwid, secondary_entry, context = cpu), or the spin table
 * when the CPU's device-tree node names one (spintable.c). Ordering: the dsb
 * publishes every earlier store (bootinfo, page tables, allm[cpu]) before
 * the firmware starts the CPU. Returns 0 or the (negative) PSCI error. */
int arch_start_cpu(int cpu, uint64_t hwid)
{
	if (cpu > 0 && cpu < BI_MAX_CPU && bootinfo.cpu_release[cpu])
		return spintable_start(cpu, hwid, bootinfo.cpu_release[cpu]);
	__asm__ volatile("dsb ish" : : : "memory");
	return (int)psci_call(PSCI_CPU_ON_64, hwid, (uintptr_t)secondary_entry,
	                      (uint64_t)cpu);
}

void psci_system_off(void)
{
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}
