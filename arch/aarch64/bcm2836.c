/*
 * bcm2836.c - the Raspberry Pi 2/3 interrupt path: the BCM2836 per-core
 * "local" interrupt controller, with the BCM2835 ARM interrupt controller
 * behind it for device lines. Chosen when the device tree has
 * "brcm,bcm2836-l1-intc" (bootinfo.intc == INTC_BCM2836); there is no GIC
 * on these chips.
 *
 * Local controller (bootinfo.intc_base, 0x40000000 on the BCM2837), one
 * block of registers per core, indexed by the core number (MPIDR Aff0):
 *   core timer control   which of the core's generic-timer outputs raise
 *                        its IRQ: we route CNTV (bit 3), the timer.c uses;
 *   mailbox control      which of its 4 mailboxes raise its IRQ: mailbox 0
 *                        is the IPI;
 *   IRQ source           why the core's IRQ line is up: CNTV (bit 3),
 *                        mailbox 0 (bit 4), the GPU's lines (bit 8);
 *   mailbox set / clear  32-bit write-1-to-set (any core) and
 *                        write-1-to-clear (the owner) registers.
 * The timer output is level (high while CNTVCT >= CVAL), so the IRQ path
 * masks it (timer_silence) as on the GIC; a mailbox stays set until its
 * owner clears it.
 *
 * Device lines (the PL011's receive interrupt is GPU line 57): the BCM2835
 * controller (bootinfo.intc_base2) has pending and enable registers for
 * GPU lines 0-31 (bank 1) and 32-63 (bank 2). All GPU lines reach ONE
 * core, the one the local controller's GPU routing register names, so
 * arch_irq_route moves every device line to the last CPU asked for (the
 * console is the only device line on this board). Interrupt numbers are
 * bank * 32 + line, from the binding's <bank line> cells.
 */
#include "arch.h"
#include "aarch64.h"
#include "kernel/dt/bootinfo.h"

#define LOCAL_GPU_ROUTE       0x0c
#define LOCAL_TIMER_CTL(c)    (0x40 + 4 * (c))
#define LOCAL_MBOX_CTL(c)     (0x50 + 4 * (c))
#define LOCAL_IRQ_SRC(c)      (0x60 + 4 * (c))
#define LOCAL_MBOX0_SET(c)    (0x80 + 16 * (c))
#define LOCAL_MBOX0_CLR(c)    (0xc0 + 16 * (c))
#define TIMER_CNTV_IRQ        (1u << 3)
#define MBOX0_IRQ             (1u << 0)
#define SRC_CNTV              (1u << 3)
#define SRC_MBOX0             (1u << 4)
#define SRC_GPU               (1u << 8)

/* BCM2835 ARM interrupt controller, offsets from its base (0x3f00b200). */
#define ARMCTRL_PENDING(bank) (0x00 + 4 * (bank))   /* bank 1, 2: GPU lines */
#define ARMCTRL_ENABLE(bank)  (0x0c + 4 * (bank))   /* write 1 to enable */

static uintptr_t local, armctrl;        /* set by cpu 0 before others start */
static uint32_t enabled[3];             /* per bank; owned by arch_irq_route's
                                           caller (serialised, kernel/io/irq.c);
                                           read relaxed by the IRQ path */

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

/* The local controller's core number of logical CPU cpu. */
static unsigned core_of(int cpu)
{
	return (unsigned)(bootinfo.cpu_hwid[cpu] & 3);
}

static unsigned this_core(void)
{
	return (unsigned)(read_sysreg(mpidr_el1) & 3);
}

void bcm2836_init_cpu(int cpu)
{
	if (cpu == 0) {
		local = (uintptr_t)bootinfo.intc_base;
		armctrl = (uintptr_t)bootinfo.intc_base2;
	}
	unsigned c = core_of(cpu);
	wr32(local + LOCAL_MBOX0_CLR(c), 0xffffffffu);   /* no stale IPI */
	wr32(local + LOCAL_TIMER_CTL(c), TIMER_CNTV_IRQ);
	wr32(local + LOCAL_MBOX_CTL(c), MBOX0_IRQ);
	__asm__ volatile("dsb sy" : : : "memory");
}

/* GPU lines that are pending and that we enabled, bank by bank. */
static void gpu_irqs(void)
{
	for (int bank = 1; bank <= 2; bank++) {
		uint32_t en = __atomic_load_n(&enabled[bank], __ATOMIC_RELAXED);
		uint32_t p = rd32(armctrl + ARMCTRL_PENDING(bank)) & en;
		while (p) {
			int line = __builtin_ctz(p);
			p &= p - 1;
			trap_devirq(bank * 32 + line);
		}
	}
}

/* The IRQ exception on a BCM2836: every source that is up, in one pass.
 * The mailbox is cleared before trap_ipi runs, and the dsb completes the
 * clear before the handler reads what the sender published: an IPI sent
 * after that raises the line again, none is lost. */
void bcm2836_irq(struct trapframe *tf)
{
	unsigned c = this_core();
	uint32_t src = rd32(local + LOCAL_IRQ_SRC(c));
	if (src & SRC_MBOX0) {
		uint32_t v = rd32(local + LOCAL_MBOX0_CLR(c));
		wr32(local + LOCAL_MBOX0_CLR(c), v);
		__asm__ volatile("dsb sy" : : : "memory");
		trap_ipi(tf);
	}
	if (src & SRC_CNTV) {
		timer_silence();
		trap_timer(tf);
	}
	if ((src & SRC_GPU) && armctrl)
		gpu_irqs();
}

/* <bank line>: banks 1 and 2 are GPU lines 0-31 and 32-63. Bank 0 (the
 * ARM-local "basic" sources) carries no device we drive. */
int bcm2836_irq_decode(const uint32_t *cells, int ncells)
{
	if (ncells != 2 || cells[0] < 1 || cells[0] > 2 || cells[1] > 31 || !armctrl)
		return -1;
	return (int)(cells[0] * 32 + cells[1]);
}

/* Every GPU line goes to one core: route them all to cpu's, then enable
 * this one. Ordering: the dsb completes both writes before returning. */
void bcm2836_irq_route(int irq, int cpu)
{
	if (irq < 32 || irq >= 96 || cpu < 0 || cpu >= MAXCPU || !armctrl)
		return;
	int bank = irq / 32;
	wr32(local + LOCAL_GPU_ROUTE, core_of(cpu));
	__atomic_store_n(&enabled[bank], enabled[bank] | 1u << (irq % 32), __ATOMIC_RELAXED);
	wr32(armctrl + ARMCTRL_ENABLE(bank), 1u << (irq % 32));
	__asm__ volatile("dsb sy" : : : "memory");
}

/* Mailbox 0 of the target's core. Ordering: the dsb makes every earlier
 * store visible (inner shareable) before the mailbox write can reach the
 * controller, so the target sees them when it takes the interrupt. */
void bcm2836_send_ipi(int cpu)
{
	__asm__ volatile("dsb ish" : : : "memory");
	wr32(local + LOCAL_MBOX0_SET(core_of(cpu)), 1);
}
