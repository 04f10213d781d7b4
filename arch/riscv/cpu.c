/*
 * cpu.c - per-hart set-up, starting secondary harts, hart ids.
 *
 * Objects:
 *   cpu_m[cpu]      - the M each logical CPU's tp points at (set once by
 *                     that CPU in arch_cpu_init).
 *   entry_hwid[cpu] - the hart id the firmware passed in a0 at entry.
 * Invariants:
 *   - From entry until arch_cpu_init, sscratch holds the hart id and tp
 *     points at a zeroed scratch block in the entry code's .bss (boot/
 *     entry-riscv64.S): the only per-hart storage an S-mode hart has before
 *     it knows its M. errno lands in that block and arch_getg() is NULL.
 *   - From arch_cpu_init on, tp == the M forever, sscratch == the top of
 *     this CPU's trap stack whenever the CPU is not inside a trap (trap.S
 *     keeps it 0 while a trap is being handled, to detect nesting), and
 *     stvec == riscv_trap_vector.
 *
 * Bare-metal difference from a hosted runtime: there is no OS thread; an M
 * is a hart, and "thread-local" means "tp of this hart".
 */
#include <stddef.h>
#include "arch.h"
#include "riscv.h"
#include "boot/boot.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/sched/runtime2.h"

_Static_assert(offsetof(struct m, tls) == 0, "tp must point at m->tls");
_Static_assert(offsetof(struct m, curg) == ARCH_M_CURG_OFFSET,
               "arch_getg() loads m->curg at a fixed offset from tp");
_Static_assert(offsetof(struct m, fp_owner) == ARCH_M_FP_OWNER_OFFSET, "context.S");
_Static_assert(RISCV_MAXCPU == MAXCPU, "entry code's early stacks");
_Static_assert(offsetof(struct g, stack_hi) == ARCH_G_STACK_HI_OFFSET, "trap.S's .Lgstack");
_Static_assert(offsetof(struct g, is_g0) == ARCH_G_IS_G0_OFFSET, "trap.S's .Lgstack");
_Static_assert(offsetof(struct g, stack_mapped) == ARCH_G_STACK_MAPPED_OFFSET, "trap.S's .Lgstack");
_Static_assert(sizeof(struct context) == CTX_SIZE, "context.S layout");
_Static_assert(RISCV_EARLY_TLS_SIZE >= TLS_MAX &&
               RISCV_EARLY_TLS_SIZE >= ARCH_M_CURG_OFFSET + 8, "early tp block");

static struct m *cpu_m[MAXCPU];      /* written by each CPU for itself */
static uint64_t entry_hwid[MAXCPU];  /* likewise */

/* Ends with a full fence, so that what it set up is visible before the
 * caller announces the CPU to others. */
void arch_cpu_init(struct m *m, int cpu)
{
	if (cpu == 0)
		sbi_init();              /* before any other hart runs */
	entry_hwid[cpu] = csr_read(sscratch);
	cpu_m[cpu] = m;
	__asm__ volatile("mv tp, %0" : : "r"(m) : "memory");

	csr_write(sscratch, trap_stack_top(cpu));
	csr_write(stvec, (uintptr_t)riscv_trap_vector);   /* direct mode */

	/* FPU on, clean register file (the entry code already turned it on
	 * so that C before this point may use it). */
	csr_clear(sstatus, SSTATUS_FS_MASK);
	csr_set(sstatus, SSTATUS_FS_INIT);
	__asm__ volatile("csrw fcsr, zero");

	/* Timer disarmed, no stale IPI, only timer and software interrupts
	 * (external interrupts would come from the PLIC; none are used). */
	arch_timer_set(UINT64_MAX);
	csr_clear(sip, SIP_SSIP);
	csr_clear(sie, SIE_SEIE);
	csr_set(sie, SIE_STIE | SIE_SSIE);

	__asm__ volatile("fence rw, rw" : : : "memory");
}

/* The CPU enters boot/entry-riscv64.S:secondary_entry with a0 = hart id,
 * a1 = cpu. Ordering: the fence publishes every earlier store (bootinfo,
 * the page tables, allm[cpu]) to the new hart. */
extern int32_t riscv_late_start[RISCV_LATE_HARTS];

int arch_start_cpu(int cpu, uint64_t hwid)
{
	/* A hart can also arrive through our boot entry instead of
	 * secondary_entry, where it waits for its cpu number (late_hart in
	 * boot/entry-riscv64.S): when OpenSBI already runs it (hart_start
	 * says ALREADY_AVAILABLE), and when it was still in OpenSBI's own
	 * start-up, which resets the per-hart next address that hart_start
	 * has just written (hart_start then succeeds, and the hart comes in
	 * at the default address). So the number is posted in every case;
	 * a hart that enters at secondary_entry never reads it. The fence
	 * releases everything written so far, the number included; pairs
	 * with the fence after the late hart's load. */
	if (hwid < RISCV_LATE_HARTS)
		__atomic_store_n(&riscv_late_start[hwid], cpu, __ATOMIC_RELAXED);
	__asm__ volatile("fence rw, rw" : : : "memory");
	long err = sbi_hart_start(hwid, (uintptr_t)secondary_entry, (unsigned long)cpu);
	if (err == SBI_ERR_ALREADY_AVAILABLE && hwid < RISCV_LATE_HARTS)
		return 0;
	return (int)err;
}

int riscv_this_cpu(void)
{
	struct m *m = arch_this_m();
	for (int i = 0; i < MAXCPU; i++)
		if (cpu_m[i] == m && m != NULL)
			return i;
	return -1;
}

uint64_t arch_boot_hwid(void)
{
	int cpu = riscv_this_cpu();
	if (cpu < 0)                         /* before arch_cpu_init: */
		return csr_read(sscratch);   /* still holds a0 from entry */
	return entry_hwid[cpu];
}

/* Timer and software interrupts are per-hart sources enabled in sie;
 * device interrupts come through this hart's PLIC context (plic.c). The
 * caller enables interrupts with arch_irq_enable(). */
void arch_intc_init_cpu(int cpu)
{
	csr_set(sie, SIE_STIE | SIE_SSIE);
	riscv_plic_init_cpu(cpu);
}

/* Called on the switching CPU with interrupts masked; the only reader that
 * can race is this CPU's own trap handler, so a single-copy-atomic store
 * suffices. */
