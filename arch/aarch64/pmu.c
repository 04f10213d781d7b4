/*
 * pmu.c - the retired-instruction counter behind arch_instret().
 *
 * PMUv3 event counter 0 counts event 0x08 (INST_RETIRED) at EL0 and EL1
 * (PMEVTYPER0_EL0: P = U = 0, NSH = 0 so EL2 is not counted). The counter
 * is 32 bits wide unless the PMU is PMUv3p5 (ID_AA64DFR0_EL1.PMUVer >= 6),
 * where PMCR_EL0.LP makes it 64 bits. aarch64_pmu_ok says whether
 * arch_instret may read it: a PMU exists and PMCEID0_EL0 lists event 0x08
 * (QEMU lists it only when run with -icount; otherwise arch_instret
 * returns 0). Written by each CPU in arch_cpu_init, identical on all.
 */
#include "arch.h"
#include "aarch64.h"

uint8_t aarch64_pmu_ok;

#define PMCR_E   (1u << 0)
#define PMCR_P   (1u << 1)
#define PMCR_LP  (1u << 7)

void pmu_init_cpu(void)
{
	uint64_t ver = (read_sysreg(id_aa64dfr0_el1) >> 8) & 0xf;
	if (ver == 0 || ver == 0xf)
		return;                          /* no (architected) PMU */
	if (((read_sysreg(pmceid0_el0) >> 8) & 1) == 0)
		return;                          /* INST_RETIRED not implemented */
	uint64_t pmcr = read_sysreg(pmcr_el0);
	if (((pmcr >> 11) & 0x1f) == 0)
		return;                          /* no event counters */
	write_sysreg(pmcntenclr_el0, 1);
	write_sysreg(pmselr_el0, 0);
	isb();
	write_sysreg(pmxevtyper_el0, 0x08);
	write_sysreg(pmevcntr0_el0, 0);
	pmcr |= PMCR_E;
	if (ver >= 6)
		pmcr |= PMCR_LP;
	write_sysreg(pmcr_el0, pmcr);
	write_sysreg(pmcntenset_el0, 1);
	isb();
	__atomic_store_n(&aarch64_pmu_ok, 1, __ATOMIC_RELAXED);
}
