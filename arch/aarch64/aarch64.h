/*
 * aarch64.h - private to arch/aarch64: system-register access, the GIC and
 * PSCI entry points the other files of the port share.
 *
 * GICv3 CPU-interface registers are named by their generic encodings
 * (S3_<op1>_C<n>_C<m>_<op2>) so that both GNU as and clang's integrated
 * assembler accept them with -march=armv8-a.
 */
#ifndef ARCH_AARCH64_AARCH64_H
#define ARCH_AARCH64_AARCH64_H

#include <stdint.h>
#include <stdbool.h>
#include "arch.h"

#define read_sysreg(r) ({ uint64_t __v; \
	__asm__ volatile("mrs %0, " #r : "=r"(__v) : : "memory"); __v; })
#define write_sysreg(r, v) do { uint64_t __v = (uint64_t)(v); \
	__asm__ volatile("msr " #r ", %0" : : "r"(__v) : "memory"); } while (0)
#define isb()       __asm__ volatile("isb" : : : "memory")
#define dsb(opt)    __asm__ volatile("dsb " #opt : : : "memory")

/* GICv3 CPU interface (EL1). */
#define ICC_PMR_EL1     S3_0_C4_C6_0
#define ICC_IAR1_EL1    S3_0_C12_C12_0
#define ICC_EOIR1_EL1   S3_0_C12_C12_1
#define ICC_BPR1_EL1    S3_0_C12_C12_3
#define ICC_CTLR_EL1    S3_0_C12_C12_4
#define ICC_SRE_EL1     S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_SGI1R_EL1   S3_0_C12_C11_5
/* write_sysreg(ICC_PMR_EL1, v) must expand the name first. */
#define read_sysreg_s(r)     read_sysreg(r)
#define write_sysreg_s(r, v) write_sysreg(r, v)

/* Interrupt ids. */
#define IRQ_IPI         0    /* SGI 0 */
#define IRQ_VTIMER      27   /* EL1 virtual timer PPI */
#define IRQ_SPURIOUS    1023

/* gic.c */
uint32_t gic_ack(void);            /* raw IAR value */
void gic_eoi(uint32_t iar);
static inline uint32_t gic_irq_id(uint32_t iar) { return iar & 0x3ff; }

/* bcm2836.c: the Raspberry Pi 2/3 local interrupt controller, used
 * instead of the GIC when bootinfo.intc == INTC_BCM2836. */
struct trapframe;
void bcm2836_init_cpu(int cpu);
void bcm2836_irq(struct trapframe *tf);
int bcm2836_irq_decode(const uint32_t *cells, int ncells);
void bcm2836_irq_route(int irq, int cpu);
void bcm2836_send_ipi(int cpu);

/* spintable.c: release CPU cpu (MPIDR hwid) by writing the entry address
 * to its cpu-release-addr. 0, or -1 for a bad address. */
int spintable_start(int cpu, uint64_t hwid, uint64_t release);

/* timer.c: mask the timer output until the next arch_timer_set. */
void timer_silence(void);

/* psci.c */
void psci_system_off(void);

/* poweroff.c: address of the semihosting `hlt #0xf000`; the trap code
 * skips it when semihosting is off (the hlt is then undefined). */
extern char aarch64_semihost_hlt[];

/* mmu.c: a permission fault at va on a tracked clean page (the GC's
 * page-dirty barrier) or on a page another CPU already made writable:
 * make/keep it writable, flush this CPU's entry. Lock-free. */
bool aarch64_dirty_fault(uintptr_t va);

/* trap.S */
extern char aarch64_vectors[];

/* mmu_asm.S: switch the running CPU to the tables described by *regs. */
struct mmu_regs {
	uint64_t mair, tcr, ttbr0, sctlr;
};
void aarch64_mmu_switch(const struct mmu_regs *regs);

/* pmu.c */
void pmu_init_cpu(void);

#endif
