/*
 * timer.c - the per-CPU one-shot timer: the EL1 virtual timer (CNTV).
 *
 * arch_ticks() reads CNTVCT_EL0; arch_timer_set compares against it through
 * CNTV_CVAL_EL0, so deadlines are absolute and no tick is lost between
 * reading the counter and arming. The timer's interrupt is PPI 27 (gic.c).
 * It is level-triggered while CNTVCT >= CVAL. On the GIC the IRQ path
 * relies on trap_timer writing the deadline on every path (a future CVAL
 * or the timer disabled), which lowers the line before the end of
 * interrupt; the BCM2836's local controller path masks it first
 * (timer_silence) and the next arch_timer_set unmasks it. Entered at EL2, the entry code set CNTVOFF_EL2 = 0.
 */
#include "arch.h"
#include "aarch64.h"

#define CNTV_CTL_ENABLE  1
#define CNTV_CTL_IMASK   2

/* CNTFRQ_EL0, which the firmware (or QEMU) programmed. No ordering. */
uint64_t arch_timer_freq(void)
{
	return read_sysreg(cntfrq_el0) & 0xffffffffu;
}

/* Per-CPU; no ordering with other CPUs. UINT64_MAX disarms. */
void arch_timer_set(uint64_t when)
{
	if (when == UINT64_MAX) {
		write_sysreg(cntv_ctl_el0, 0);
	} else {
		write_sysreg(cntv_cval_el0, when);
		write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	}
	isb();
}

void timer_silence(void)
{
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
	isb();
}
