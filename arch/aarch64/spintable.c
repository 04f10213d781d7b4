/*
 * spintable.c - starting a CPU through a spin table (device tree
 * enable-method = "spin-table"), the Raspberry Pi 3's way: no PSCI.
 *
 * The firmware (QEMU's boot stub for -machine raspi3b, the Pi's armstub)
 * parks each secondary core in a loop: wfe; read its 64-bit
 * cpu-release-addr; if non-zero, jump there with the MMU off, x0 = 0, at
 * EL2 (or whatever the firmware runs in). So the core does not learn its
 * logical number from the firmware: it enters spin_entry (entry-aarch64.S),
 * which finds its MPIDR in spin_hwid[] and continues as secondary_entry
 * with x0 = that index.
 *
 * Both the release address and spin_hwid[] are read with the MMU (and so
 * the data cache) off, so each store is cleaned to the point of coherency
 * before the next step: first the table, then the release address, then
 * sev wakes the waiting core. The release addresses live in the first page
 * of RAM, which the runtime keeps unmapped as the nil page; it is mapped
 * for the few stores and unmapped again (boot only, before any goroutine
 * runs, so no nil dereference can slip through in between).
 */
#include "arch.h"
#include "aarch64.h"
#include "boot/boot.h"
#include "kernel/dt/bootinfo.h"

#define SPIN_VALID (1ull << 63)         /* MPIDR affinity never has it */

/* Logical CPU i's MPIDR affinity | SPIN_VALID, or 0. Read by spin_entry
 * with the MMU off; written by the boot CPU before it releases CPU i. */
uint64_t spin_hwid[MAXCPU] __attribute__((aligned(64)));

void spin_entry(void);                  /* entry-aarch64.S */

static void clean_to_poc(volatile void *p)
{
	__asm__ volatile("dc civac, %0\n\tdsb sy" : : "r"(p) : "memory");
}

int spintable_start(int cpu, uint64_t hwid, uint64_t release)
{
	if (cpu < 0 || cpu >= MAXCPU || (release & 7))
		return -1;
	spin_hwid[cpu] = hwid | SPIN_VALID;
	clean_to_poc(&spin_hwid[cpu]);

	uintptr_t page = (uintptr_t)release & ~(uintptr_t)4095;
	bool mapped = page == 0 && arch_map_page(0, 0) == 0;
	volatile uint64_t *slot = (volatile uint64_t *)(uintptr_t)release;
	*slot = (uintptr_t)spin_entry;       /* identity map: VA = PA */
	clean_to_poc(slot);
	if (mapped)
		arch_unmap_page(0);
	__asm__ volatile("sev" : : : "memory");
	return 0;
}
