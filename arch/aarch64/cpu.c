/*
 * cpu.c - per-CPU set-up, the current-G register, hardware ids, contexts.
 *
 * Per-CPU registers (see arch_impl.h): TPIDR_EL1 = M, TPIDR_EL0 =
 * m->tls - 16 (picolibc's thread pointer), TPIDRRO_EL0 = running G,
 * SP_EL1 = trap stack, VBAR_EL1 = aarch64_vectors. Until arch_cpu_init the
 * entry code leaves TPIDR_EL1 = TPIDRRO_EL0 = 0 and points TPIDR_EL0 at a
 * scratch TLS block, so an early errno write is harmless.
 *
 * TLS: AArch64 local-exec TLS addresses a variable at TPIDR_EL0 +
 * align_up(16, PT_TLS alignment) + its offset in the TLS segment, so with
 * TPIDR_EL0 = m->tls - 16 the segment starts exactly at m->tls as long as
 * the segment's alignment is at most 16 (picolibc's errno segment: 4 bytes,
 * align 4; verified under QEMU: errno lands at m->tls[0]).
 */
#include <stddef.h>
#include "arch.h"
#include "aarch64.h"
#include "boot/boot.h"
#include "kernel/sched/runtime2.h"

_Static_assert(offsetof(struct m, tls) == 0, "TPIDR_EL0 is derived from m");
_Static_assert(offsetof(struct m, curg) == ARCH_M_CURG_OFFSET, "arch_setg writes m->curg");
_Static_assert(AARCH64_MAXCPU == MAXCPU, "entry code's scratch stacks");
_Static_assert(offsetof(struct g, stack_hi) == ARCH_G_STACK_HI_OFFSET, "trap.S's trap_irq_t");
_Static_assert(offsetof(struct g, is_g0) == ARCH_G_IS_G0_OFFSET, "trap.S's trap_irq_t");
_Static_assert(offsetof(struct g, stack_mapped) == ARCH_G_STACK_MAPPED_OFFSET, "trap.S's trap_irq_t");
_Static_assert(sizeof(struct context) == CTX_SIZE, "context.S layout");
_Static_assert(offsetof(struct context, fp) == CTX_FP, "context.S layout");
_Static_assert(offsetof(struct context, lr) == CTX_LR, "context.S layout");
_Static_assert(offsetof(struct context, sp) == CTX_SP, "context.S layout");
_Static_assert(offsetof(struct context, d8_15) == CTX_D8, "context.S layout");

void context_start(void);

/* Ends with a full fence, so that what it set up is visible before the
 * caller announces the CPU to others. */
void arch_cpu_init(struct m *m, int cpu)
{
	write_sysreg(vbar_el1, (uintptr_t)aarch64_vectors);
	write_sysreg(tpidr_el1, (uintptr_t)m);
	write_sysreg(tpidr_el0, (uintptr_t)m->tls - 16);
	write_sysreg(tpidrro_el0, (uintptr_t)m->curg);
	write_sysreg(cpacr_el1, 3u << 20);          /* FP/SIMD: no traps */
	isb();

	/* SP_EL1 := trap stack top. Only reachable through SPSel = 1, with
	 * no stack use in between; interrupts are masked at this point. */
	uintptr_t ts = trap_stack_top(cpu);
	__asm__ volatile("msr spsel, #1\n\t"
	                 "mov sp, %0\n\t"
	                 "msr spsel, #0" : : "r"(ts) : "memory");

	pmu_init_cpu();
	/* SError reporting on (PSTATE.A); IRQs stay masked until the
	 * caller enables them. */
	__asm__ volatile("msr daifclr, #4" : : : "memory");
	__asm__ volatile("dsb ish\n\tisb" : : : "memory");
}

/* The running G is m->curg and TPIDRRO_EL0. Called with interrupts masked
 * on the CPU that owns m. No hardware ordering. */

/* MPIDR_EL1 affinity (Aff3, Aff2, Aff1, Aff0), the form /cpus reg uses. */
uint64_t arch_boot_hwid(void)
{
	return read_sysreg(mpidr_el1) & 0xff00ffffffull;
}

/* A fresh context resumes in context_start (context.S), which calls
 * entry(arg) with x19 = entry, x20 = arg. */
void arch_context_init(struct context *c, uintptr_t stack_top,
                       void (*entry)(void *), void *arg)
{
	*c = (struct context){ 0 };
	c->x19_28[0] = (uintptr_t)entry;
	c->x19_28[1] = (uintptr_t)arg;
	c->lr = (uintptr_t)context_start;
	c->sp = stack_top & ~(uintptr_t)15;
	c->fp = 0;
}
