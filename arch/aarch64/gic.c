/*
 * gic.c - ARM Generic Interrupt Controller v2 and v3, and IPIs (SGI 0).
 *
 * Two interrupt sources are private to a CPU: the EL1 virtual timer (PPI
 * 27) and SGI 0 as the inter-processor interrupt. Device interrupts are
 * SPIs (ids 32..1019), level-triggered, each routed to one CPU that
 * portable code chose (arch_irq_route): GICD_ITARGETSR on v2, GICD_IROUTER
 * on v3. trap.c acknowledges them, calls trap_devirq and ends them.
 *
 * GICv2 (QEMU virt default): distributor at bootinfo.intc_base, CPU
 * interface at intc_base2, both memory-mapped. PPI/SGI enables and
 * priorities are banked per CPU in the distributor. An SGI is sent with
 * GICD_SGIR and names its target by CPU-interface number, which is not the
 * MPIDR: each CPU reads its own interface mask from GICD_ITARGETSR0 when it
 * initialises (gicv2_mask[cpu]).
 *
 * GICv3 (-machine virt,gic-version=3): distributor at intc_base, the
 * redistributor frames from intc_base2 on; each CPU finds its frame by
 * matching GICR_TYPER's affinity with MPIDR, wakes it and enables its
 * PPI/SGI there. The CPU interface is the ICC_* system registers (the
 * entry code enabled ICC_SRE_EL2 when it came from EL2). SGIs go through
 * ICC_SGI1R_EL1 with the target's affinity from bootinfo.cpu_hwid.
 *
 * Interrupts stay in the group the firmware or reset left them in for v2
 * (group 0 without security extensions, group 1 when non-secure firmware
 * set it up), and in group 1 for v3 (ICC_IAR1 / ICC_EOIR1). Priority 0x80,
 * priority mask 0xf0, EOI mode 0 (EOI both drops priority and deactivates).
 *
 * The contract functions here also serve boards without a GIC: with
 * bootinfo.intc == INTC_BCM2836 (the device tree's "brcm,bcm2836-l1-intc",
 * Raspberry Pi 2/3) they hand over to bcm2836.c.
 */
#include "arch.h"
#include "aarch64.h"
#include "kernel/dt/bootinfo.h"

/* Distributor */
#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_IGROUPR    0x080
#define GICD_ISENABLER  0x100
#define GICD_ICENABLER  0x180
#define GICD_ICPENDR    0x280
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR  0x800
#define GICD_ICFGR      0xc00
#define GICD_IROUTER    0x6000
#define GICD_SGIR       0xf00
#define GICD_CTLR_RWP   (1u << 31)
/* GICv2 CPU interface */
#define GICC_CTLR       0x000
#define GICC_PMR        0x004
#define GICC_BPR        0x008
#define GICC_IAR        0x00c
#define GICC_EOIR       0x010
/* GICv3 redistributor: RD_base frame, then SGI_base 64 KiB above it */
#define GICR_CTLR       0x0000
#define GICR_TYPER      0x0008
#define GICR_WAKER      0x0014
#define GICR_SGI_BASE   0x10000
#define GICR_TYPER_VLPIS (1u << 1)
#define GICR_TYPER_LAST (1u << 4)
#define GICR_WAKER_PSLEEP (1u << 1)
#define GICR_WAKER_CASLEEP (1u << 2)

#define PRIO_DEFAULT    0x80
#define PMR_VALUE       0xf0

static int gic_version;                 /* 2 or 3; set by cpu 0 before others start */
static uintptr_t gicd, gicc;            /* v2 / shared */
static uintptr_t gicr_sgi[MAXCPU];      /* v3: each CPU's SGI_base, own CPU */
static uint8_t gicv2_mask[MAXCPU];      /* v2: CPU-interface bit; atomic (written by owner) */

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t rd64(uintptr_t a) { return *(volatile uint64_t *)a; }
static inline void wr64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

static void set_prio(uintptr_t prio_base, unsigned id, uint8_t prio)
{
	uintptr_t reg = prio_base + (id & ~3u);
	unsigned shift = (id & 3) * 8;
	uint32_t v = rd32(reg);
	v = (v & ~(0xffu << shift)) | ((uint32_t)prio << shift);
	wr32(reg, v);
}

static void gicd_wait_rwp(void)
{
	for (int i = 0; i < 1000000 && (rd32(gicd + GICD_CTLR) & GICD_CTLR_RWP); i++)
		;
}

/* ---- GICv2 ---- */

static void gicv2_init_cpu(int cpu)
{
	if (cpu == 0) {
		wr32(gicd + GICD_CTLR, 0);
		/* Every SPI off: nothing here uses them. */
		unsigned lines = ((rd32(gicd + GICD_TYPER) & 0x1f) + 1) * 32;
		for (unsigned i = 32; i < lines; i += 32)
			wr32(gicd + GICD_ICENABLER + i / 8, 0xffffffffu);
		wr32(gicd + GICD_CTLR, 3);   /* enable (both groups where they exist) */
	}
	uint32_t t = rd32(gicd + GICD_ITARGETSR);   /* banked: own interface */
	uint8_t mask = (uint8_t)(t & 0xff);
	if (mask == 0)
		mask = (uint8_t)(1u << cpu);            /* uniprocessor GIC */
	__atomic_store_n(&gicv2_mask[cpu], mask, __ATOMIC_RELAXED);

	wr32(gicd + GICD_ICENABLER, 0xffffffffu);  /* banked SGIs/PPIs off */
	wr32(gicd + GICD_ICPENDR, 1u << IRQ_VTIMER);
	set_prio(gicd + GICD_IPRIORITYR, IRQ_IPI, PRIO_DEFAULT);
	set_prio(gicd + GICD_IPRIORITYR, IRQ_VTIMER, PRIO_DEFAULT);
	wr32(gicd + GICD_ISENABLER, (1u << IRQ_IPI) | (1u << IRQ_VTIMER));

	wr32(gicc + GICC_PMR, PMR_VALUE);
	wr32(gicc + GICC_BPR, 0);
	wr32(gicc + GICC_CTLR, 3);
}

/* ---- GICv3 ---- */

static uintptr_t gicv3_find_rd(uint64_t mpidr)
{
	uint64_t aff = ((mpidr >> 8) & 0xff000000u) | (mpidr & 0xffffffu);
	uintptr_t rd = (uintptr_t)bootinfo.intc_base2;
	uintptr_t end = rd + (bootinfo.intc_size2 ? bootinfo.intc_size2 : 0x20000 * MAXCPU * 64ull);
	while (rd < end) {
		uint64_t typer = rd64(rd + GICR_TYPER);
		if ((typer >> 32) == aff)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
		rd += (typer & GICR_TYPER_VLPIS) ? 0x40000 : 0x20000;
	}
	return 0;
}

static void gicv3_init_cpu(int cpu)
{
	if (cpu == 0) {
		wr32(gicd + GICD_CTLR, 0);
		gicd_wait_rwp();
		unsigned lines = ((rd32(gicd + GICD_TYPER) & 0x1f) + 1) * 32;
		for (unsigned i = 32; i < lines && i < 1020; i += 32)
			wr32(gicd + GICD_ICENABLER + i / 8, 0xffffffffu);
		gicd_wait_rwp();
		/* ARE (affinity routing) + group enables, in both the
		 * security-disabled and the non-secure view of the register. */
		wr32(gicd + GICD_CTLR, (1u << 4) | (1u << 1) | (1u << 0));
		gicd_wait_rwp();
	}

	uintptr_t rd = gicv3_find_rd(read_sysreg(mpidr_el1));
	if (rd == 0)
		return;                       /* no redistributor: no interrupts */
	uint32_t w = rd32(rd + GICR_WAKER);
	wr32(rd + GICR_WAKER, w & ~GICR_WAKER_PSLEEP);
	for (int i = 0; i < 1000000 && (rd32(rd + GICR_WAKER) & GICR_WAKER_CASLEEP); i++)
		;

	uintptr_t sgi = rd + GICR_SGI_BASE;
	gicr_sgi[cpu] = sgi;
	wr32(sgi + GICD_ICENABLER, 0xffffffffu);
	for (int i = 0; i < 1000000 && (rd32(rd + GICR_CTLR) & (1u << 3)); i++)
		;                             /* GICR_CTLR.RWP */
	wr32(sgi + GICD_IGROUPR, 0xffffffffu);      /* group 1 */
	wr32(sgi + GICD_ICPENDR, 1u << IRQ_VTIMER);
	set_prio(sgi + GICD_IPRIORITYR, IRQ_IPI, PRIO_DEFAULT);
	set_prio(sgi + GICD_IPRIORITYR, IRQ_VTIMER, PRIO_DEFAULT);
	wr32(sgi + GICD_ISENABLER, (1u << IRQ_IPI) | (1u << IRQ_VTIMER));

	write_sysreg_s(ICC_SRE_EL1, read_sysreg_s(ICC_SRE_EL1) | 1);
	isb();
	write_sysreg_s(ICC_PMR_EL1, PMR_VALUE);
	write_sysreg_s(ICC_BPR1_EL1, 0);
	write_sysreg_s(ICC_CTLR_EL1, 0);        /* EOImode 0 */
	write_sysreg_s(ICC_IGRPEN1_EL1, 1);
	isb();
}

/* ---- contract ---- */

/* The boot CPU initialises the distributor; every CPU its private part,
 * then disarms its timer. Ordering: none beyond the device accesses. */
void arch_intc_init_cpu(int cpu)
{
	if (cpu == 0) {
		gicd = (uintptr_t)bootinfo.intc_base;
		gicc = (uintptr_t)bootinfo.intc_base2;
		gic_version = bootinfo.intc == INTC_GICV3 ? 3 : 2;
	}
	arch_timer_set(UINT64_MAX);
	if (bootinfo.intc == INTC_BCM2836) {
		bcm2836_init_cpu(cpu);       /* Raspberry Pi 2/3: no GIC */
		return;
	}
	if (bootinfo.intc != INTC_GICV2 && bootinfo.intc != INTC_GICV3)
		return;
	if (gic_version == 3)
		gicv3_init_cpu(cpu);
	else
		gicv2_init_cpu(cpu);
}

uint32_t gic_ack(void)
{
	if (gic_version == 3) {
		uint32_t iar = (uint32_t)read_sysreg_s(ICC_IAR1_EL1);
		__asm__ volatile("dsb sy" : : : "memory");  /* ack before handler reads */
		return iar;
	}
	if (gic_version == 2)
		return rd32(gicc + GICC_IAR);
	return IRQ_SPURIOUS;
}

void gic_eoi(uint32_t iar)
{
	if (gic_version == 3) {
		write_sysreg_s(ICC_EOIR1_EL1, iar);
		isb();
	} else if (gic_version == 2) {
		wr32(gicc + GICC_EOIR, iar);
	}
}

/* ---- device interrupts (SPIs) ---- */

/* GIC binding: <type number flags>, type 0 = SPI (id 32 + number). PPIs
 * (type 1) are per-CPU and not device lines we route. */
int arch_irq_decode(const uint32_t *cells, int ncells)
{
	if (bootinfo.intc == INTC_BCM2836)
		return bcm2836_irq_decode(cells, ncells);
	if ((bootinfo.intc != INTC_GICV2 && bootinfo.intc != INTC_GICV3) ||
	    ncells != 3 || cells[0] != 0 || cells[1] >= 988)
		return -1;
	return (int)cells[1] + 32;
}

/* Level-triggered, priority PRIO_DEFAULT, delivered to `cpu` only, then
 * enabled. The configuration words are shared between SPIs, so the
 * read-modify-writes are the caller's to serialise (kernel/io/irq.c). */
void arch_irq_route(int irq, int cpu)
{
	if (bootinfo.intc == INTC_BCM2836) {
		bcm2836_irq_route(irq, cpu);
		return;
	}
	if ((bootinfo.intc != INTC_GICV2 && bootinfo.intc != INTC_GICV3) ||
	    irq < 32 || irq >= 1020 || cpu < 0 || cpu >= MAXCPU)
		return;
	unsigned id = (unsigned)irq;
	uintptr_t cfg = gicd + GICD_ICFGR + (id / 16) * 4;
	wr32(cfg, rd32(cfg) & ~(2u << ((id % 16) * 2)));      /* level */
	set_prio(gicd + GICD_IPRIORITYR, id, PRIO_DEFAULT);
	if (gic_version == 3) {
		uintptr_t grp = gicd + GICD_IGROUPR + (id / 32) * 4;
		wr32(grp, rd32(grp) | (1u << (id % 32)));     /* group 1 */
		uint64_t mpidr = bootinfo.cpu_hwid[cpu];
		wr64(gicd + GICD_IROUTER + 8 * id,
		     (mpidr & 0xffffffull) | ((mpidr >> 32 & 0xff) << 32));
	} else {
		uint8_t mask = __atomic_load_n(&gicv2_mask[cpu], __ATOMIC_RELAXED);
		uintptr_t tgt = gicd + GICD_ITARGETSR + (id & ~3u);
		unsigned sh = (id & 3) * 8;
		wr32(tgt, (rd32(tgt) & ~(0xffu << sh)) | ((uint32_t)(mask ? mask : 1u << cpu) << sh));
	}
	wr32(gicd + GICD_ISENABLER + (id / 32) * 4, 1u << (id % 32));
	__asm__ volatile("dsb sy" : : : "memory");
}

/* SGI 0 to logical CPU `cpu`. Ordering: the dsb makes every earlier store
 * visible (inner shareable) before the SGI is generated, so the target sees
 * them when it takes the interrupt. */
void arch_send_ipi(int cpu)
{
	if (cpu < 0 || cpu >= MAXCPU)
		return;
	if (bootinfo.intc == INTC_BCM2836) {
		bcm2836_send_ipi(cpu);       /* its own dsb first */
		return;
	}
	__asm__ volatile("dsb ish" : : : "memory");
	if (gic_version == 3) {
		uint64_t mpidr = bootinfo.cpu_hwid[cpu];
		uint64_t aff0 = mpidr & 0xff, aff1 = (mpidr >> 8) & 0xff;
		uint64_t aff2 = (mpidr >> 16) & 0xff, aff3 = (mpidr >> 32) & 0xff;
		uint64_t v = (aff3 << 48) | (aff2 << 32) | ((aff0 >> 4) << 44) |
		             (aff1 << 16) | ((uint64_t)IRQ_IPI << 24) |
		             (1ull << (aff0 & 15));
		write_sysreg_s(ICC_SGI1R_EL1, v);
		isb();
	} else if (gic_version == 2) {
		uint8_t mask = __atomic_load_n(&gicv2_mask[cpu], __ATOMIC_RELAXED);
		if (mask == 0)
			mask = (uint8_t)(1u << cpu);
		wr32(gicd + GICD_SGIR, ((uint32_t)mask << 16) | IRQ_IPI);
	}
}

/* An IPI: it ends wfi (arch_send_ipi's dsb orders the stores). */
void arch_wake_cpu(int cpu)
{
	arch_send_ipi(cpu);
}
