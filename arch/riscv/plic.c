/*
 * plic.c - the RISC-V Platform-Level Interrupt Controller: device
 * interrupts (arch_irq_decode, arch_irq_route) and their claim/complete.
 *
 * A PLIC has up to 1023 sources and one "context" per hart and privilege
 * mode. Each source has a priority (0 = never delivered); each context has
 * one enable bit per source, a priority threshold, and a claim/complete
 * register: reading it claims the highest-priority pending source enabled
 * for that context (0 if none - another context claimed it first), writing
 * the number back completes it, after which the source can be claimed again.
 *
 * Contexts: the PLIC node's interrupts-extended lists them in order, each
 * naming a hart's interrupt controller and the interrupt it raises there
 * (9: S-mode external, ours; 11: M-mode, the firmware's). fdt.c reads
 * which context is each hart's S-mode one (bootinfo.plic_sctx); without
 * the property, QEMU virt's numbering (2h + 1) is assumed. It is not
 * universal: where hart 0 is a monitor core with an M-mode context only
 * (the FU540 of QEMU's sifive_u, the JH7110), hart h's S-mode context
 * is 2h (docs/boards.md).
 *
 * Every source we use gets priority 1 and is enabled in exactly one
 * context (the CPU that portable code chose), so exactly one hart is
 * interrupted and its claim never comes back empty except spuriously.
 */
#include "arch.h"
#include "riscv.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/sched/runtime2.h"

#define PLIC_PRIORITY(irq)   (4u * (irq))
#define PLIC_ENABLE(ctx)     (0x2000u + 0x80u * (ctx))
#define PLIC_THRESHOLD(ctx)  (0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx)      (0x200004u + 0x1000u * (ctx))
#define PLIC_NSOURCES        1024

static inline volatile uint32_t *plic_reg(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(bootinfo.intc_base + off);
}

/* The device tree's answer (bootinfo.plic_sctx, from the PLIC node's
 * interrupts-extended); without one, QEMU virt's numbering. */
static uint32_t plic_context(int cpu)
{
	uint64_t hwid = bootinfo.cpu_hwid[cpu];
	for (int i = 0; i < bootinfo.nplic_sctx; i++)
		if (bootinfo.plic_sctx[i].hwid == hwid)
			return bootinfo.plic_sctx[i].ctx;
	return 2u * (uint32_t)hwid + 1u;
}

static bool have_plic(void)
{
	return bootinfo.parsed && bootinfo.intc == INTC_PLIC;
}

/* Per CPU, from arch_intc_init_cpu: nothing enabled, threshold 0, external
 * interrupts on in sie. */
void riscv_plic_init_cpu(int cpu)
{
	if (!have_plic())
		return;
	uint32_t ctx = plic_context(cpu);
	for (uint32_t i = 0; i < PLIC_NSOURCES / 32; i++)
		*plic_reg(PLIC_ENABLE(ctx) + 4 * i) = 0;
	*plic_reg(PLIC_THRESHOLD(ctx)) = 0;
	csr_set(sie, SIE_SEIE);
}

int arch_irq_decode(const uint32_t *cells, int ncells)
{
	if (!have_plic() || ncells != 1 || cells[0] == 0 || cells[0] >= PLIC_NSOURCES)
		return -1;
	return (int)cells[0];
}

/* Only the chosen CPU's context enables irq. The enable words are shared
 * between sources, so the read-modify-write is the caller's to serialise
 * (kernel/io/irq.c registers under its lock). */
void arch_irq_route(int irq, int cpu)
{
	if (!have_plic() || irq <= 0 || irq >= PLIC_NSOURCES)
		return;
	*plic_reg(PLIC_PRIORITY(irq)) = 1;
	volatile uint32_t *en = plic_reg(PLIC_ENABLE(plic_context(cpu)) + 4u * ((uint32_t)irq / 32));
	*en = *en | (1u << (irq % 32));
	__asm__ volatile("fence o, io" : : : "memory");
}

/* The external-interrupt trap: claim, dispatch and complete every pending
 * source of this hart's context. */
void riscv_plic_trap(void)
{
	if (!have_plic())
		return;
	uint32_t ctx = plic_context(arch_this_m()->id);
	uint32_t irq;
	while ((irq = *plic_reg(PLIC_CLAIM(ctx))) != 0) {
		trap_devirq((int)irq);
		/* the driver's device writes before the completion */
		__asm__ volatile("fence o, o" : : : "memory");
		*plic_reg(PLIC_CLAIM(ctx)) = irq;
	}
}
