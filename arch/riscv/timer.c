/*
 * timer.c - the per-hart one-shot timer and inter-processor interrupts.
 *
 * Timer: the deadline is compared against the `time` CSR (arch_ticks).
 * With the Sstc extension (bootinfo.has_sstc) the hart owns a supervisor
 * compare register, stimecmp, and the timer interrupt (sip.STIP) is simply
 * "time >= stimecmp": writing a later value clears it, no firmware call.
 * Without Sstc the deadline goes through SBI set_timer, and the firmware
 * clears STIP when a new deadline is set. Either way UINT64_MAX is a
 * deadline that never comes, i.e. disarmed.
 *
 * IPI: SBI send_ipi makes the firmware raise sip.SSIP on the target hart;
 * the trap handler clears SSIP before calling trap_ipi.
 */
#include "arch.h"
#include "riscv.h"
#include "kernel/dt/bootinfo.h"

/* The deadline last set on each hart without Sstc (riscv_wait_short
 * restores it: SBI set_timer cannot be read back; stimecmp can). Written
 * by its own hart only. */
static uint64_t deadline[MAXCPU];

/* Without Sstc: through the firmware. Out of line, so that arch_timer_set
 * makes no call of its own (see there). */
static __attribute__((noinline)) void timer_set_sbi(uint64_t when)
{
	int cpu = riscv_this_cpu();
	if (cpu >= 0)
		deadline[cpu] = when;
	sbi_set_timer(when);
}

/* Per-CPU only: touches this hart's compare register. No ordering. With
 * Sstc, one CSR write: the timer interrupt writes it twice (silenced,
 * then the next deadline), and finding this hart's slot of deadline[]
 * cost more than the write. The firmware's path is a tail call, so that
 * this one saves no registers for it (10 instructions with Sstc, 15 when
 * the call was inline). */
void arch_timer_set(uint64_t when)
{
	if (!bootinfo.has_sstc) {
		timer_set_sbi(when);
		return;
	}
	__asm__ volatile("csrw " csr_str(CSR_STIMECMP) ", %0"
	                 : : "r"(when) : "memory");
}

/* The deadline this hart's timer holds. */
static uint64_t timer_deadline(void)
{
	if (bootinfo.has_sstc) {
		uint64_t when;
		__asm__ volatile("csrr %0, " csr_str(CSR_STIMECMP) : "=r"(when));
		return when;
	}
	return deadline[riscv_this_cpu()];
}

/* The timebase from /cpus timebase-frequency. QEMU virt and most boards
 * state it; if a device tree does not, 10 MHz (QEMU virt's) is assumed. */
uint64_t arch_timer_freq(void)
{
	return bootinfo.timebase_hz ? bootinfo.timebase_hz : 10000000;
}

/* Ordering: the fence makes every store before the call visible to the
 * target before it can observe the interrupt. */
void arch_send_ipi(int cpu)
{
	__asm__ volatile("fence rw, rw" : : : "memory");
	sbi_send_ipi(1, bootinfo.cpu_hwid[cpu]);
}

/* An IPI: it ends wfi (arch_send_ipi's fence orders the stores). */
void arch_wake_cpu(int cpu)
{
	arch_send_ipi(cpu);
}

/* Idle about 20 us in wfi, interrupts masked by the caller (any pending
 * enabled interrupt also ends it), then put back the deadline it had:
 * a wait that lets QEMU's round-robin (-icount) run the other vCPUs. */
void riscv_wait_short(void)
{
	uint64_t prev = timer_deadline();
	uint64_t when = arch_ticks() + arch_timer_freq() / 50000;
	if (when < prev)
		arch_timer_set(when);
	__asm__ volatile("wfi" : : : "memory");
	if (when < prev)
		arch_timer_set(prev);
}
