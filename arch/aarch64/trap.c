/*
 * trap.c - exception dispatch for aarch64: decode, acknowledge, hand over.
 *
 * trap.S saves a struct trapframe and calls aarch64_trap(tf, kind). This
 * file only turns the hardware's description into the portable one:
 *   IRQ          -> acknowledge at the GIC, trap_timer (virtual timer PPI:
 *                   trap_timer writes the deadline on every path, which
 *                   lowers the level-triggered line before the
 *                   end-of-interrupt, so it is not masked first - one
 *                   system register write and isb fewer per tick),
 *                   trap_ipi (SGI 0) or trap_devirq (an SPI: a device),
 *                   then end-of-interrupt.
 *   synchronous  -> ESR_EL1.EC/ISS become a readable cause and
 *                   trap_fault(tf, cause, FAR, FAR-valid). One exception is
 *                   handled here: the semihosting `hlt` in arch_poweroff,
 *                   which is undefined when QEMU runs without -semihosting;
 *                   it is skipped so arch_poweroff falls back to PSCI.
 *   SError, FIQ, anything from EL0 -> trap_fault.
 * Also: arch_dump_regs and arch_inject_async_preempt.
 *
 * Cause strings are composed into a per-CPU buffer, because trap_fault may
 * keep using the string while it prints. Everything here runs on the trap
 * stack with interrupts masked.
 */
#include <stddef.h>
#include "arch.h"
#include "aarch64.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/lib/print.h"
#include "kernel/sched/runtime2.h"

_Static_assert(offsetof(struct trapframe, sp) == TF_SP, "trap.S layout");
_Static_assert(offsetof(struct trapframe, elr) == TF_ELR, "trap.S layout");
_Static_assert(offsetof(struct trapframe, spsr) == TF_SPSR, "trap.S layout");
_Static_assert(offsetof(struct trapframe, esr) == TF_ESR, "trap.S layout");
_Static_assert(offsetof(struct trapframe, far) == TF_FAR, "trap.S layout");
_Static_assert(offsetof(struct trapframe, fpsr) == TF_FPSR, "trap.S layout");
_Static_assert(offsetof(struct trapframe, fpcr) == TF_FPCR, "trap.S layout");
_Static_assert(offsetof(struct trapframe, frame) == TF_FRAME, "trap.S layout");
_Static_assert(offsetof(struct trapframe, q) == TF_Q(0), "trap.S layout");
_Static_assert(sizeof(struct trapframe) == TF_SIZE && TF_SIZE % 32 == 0, "trap.S layout, aarch64_tf_copy");

void aarch64_trap(struct trapframe *tf, unsigned long kind);

/* ---- cause strings ---------------------------------------------------- */

#define CAUSE_LEN 96
static char cause_buf[MAXCPU][CAUSE_LEN];

struct sbuf {
	char *p;
	size_t n, cap;
};

static void sb_puts(struct sbuf *b, const char *s)
{
	while (*s && b->n + 1 < b->cap)
		b->p[b->n++] = *s++;
	b->p[b->n] = 0;
}

static void sb_hex(struct sbuf *b, uint64_t v)
{
	char tmp[19];
	int i = 18;
	tmp[i] = 0;
	do {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i > 2);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	sb_puts(b, &tmp[i]);
}

static char *this_cause_buf(void)
{
	struct m *m = arch_this_m();
	int cpu = (m != NULL && m->id >= 0 && m->id < MAXCPU) ? m->id : 0;
	return cause_buf[cpu];
}

/* Data/instruction fault status code (ISS[5:0]) in words. */
static const char *fsc_name(unsigned fsc, int *level)
{
	*level = (int)(fsc & 3);
	switch (fsc & 0x3c) {
	case 0x00: return "address size fault";
	case 0x04: return "translation fault";
	case 0x08: return "access flag fault";
	case 0x0c: return "permission fault";
	}
	*level = -1;
	switch (fsc) {
	case 0x10: return "synchronous external abort";
	case 0x11: return "synchronous tag check fault";
	case 0x18: return "synchronous parity/ECC error";
	case 0x21: return "alignment fault";
	case 0x30: return "TLB conflict abort";
	case 0x31: return "unsupported atomic hardware update";
	case 0x34: return "implementation defined fault (lockdown)";
	case 0x35: return "implementation defined fault (unsupported exclusive)";
	}
	if ((fsc & 0x3c) == 0x14) {
		*level = (int)(fsc & 3);
		return "synchronous external abort on table walk";
	}
	return "fault";
}

static const char *abort_cause(uint64_t esr, bool data)
{
	struct sbuf b = { this_cause_buf(), 0, CAUSE_LEN };
	unsigned fsc = esr & 0x3f;
	int level;
	const char *what = fsc_name(fsc, &level);
	sb_puts(&b, data ? "data abort: " : "instruction abort: ");
	sb_puts(&b, what);
	if (level >= 0) {
		char l[] = " (level 0)";
		l[8] = (char)('0' + level);
		sb_puts(&b, l);
	}
	if (data)
		sb_puts(&b, (esr & (1 << 6)) ? ", write" : ", read");
	return b.p;
}

static const char *ec_cause(unsigned ec, uint64_t esr)
{
	switch (ec) {
	case 0x00: return "illegal instruction (undefined)";
	case 0x01: return "trapped WFI/WFE";
	case 0x07: return "trapped FP/SIMD access";
	case 0x0e: return "illegal execution state";
	case 0x15: return "SVC instruction";
	case 0x16: return "HVC instruction";
	case 0x17: return "SMC instruction";
	case 0x18: return "trapped system register access";
	case 0x19: return "trapped SVE access";
	case 0x22: return "PC alignment fault";
	case 0x26: return "SP alignment fault";
	case 0x2c: return "floating-point exception";
	case 0x2f: return "SError";
	case 0x30: case 0x31: return "breakpoint (hardware)";
	case 0x32: case 0x33: return "software step";
	case 0x34: case 0x35: return "watchpoint";
	case 0x3c: {
		struct sbuf b = { this_cause_buf(), 0, CAUSE_LEN };
		sb_puts(&b, "breakpoint (brk #");
		sb_hex(&b, esr & 0xffff);
		sb_puts(&b, ")");
		return b.p;
	}
	}
	struct sbuf b = { this_cause_buf(), 0, CAUSE_LEN };
	sb_puts(&b, "exception class ");
	sb_hex(&b, ec);
	return b.p;
}

/* ---- dispatch ----------------------------------------------------------- */

static void do_sync(struct trapframe *tf)
{
	uint64_t esr = tf->esr;
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;

	switch (ec) {
	case 0x00:
		if (tf->elr == (uintptr_t)aarch64_semihost_hlt) {
			tf->elr += 4;         /* no semihosting: arch_poweroff goes on */
			return;
		}
		break;
	case 0x24: case 0x25: {       /* data abort, lower / same EL */
		bool valid = (esr & (1 << 10)) == 0;   /* FnV */
		if (valid && (esr & 0x3c) == 0x0c && aarch64_dirty_fault(tf->far))
			return;               /* permission fault: the GC barrier's */
		trap_fault(tf, abort_cause(esr, true), valid ? tf->far : 0, valid);
		return;
	}
	case 0x20: case 0x21: {       /* instruction abort */
		bool valid = (esr & (1 << 10)) == 0;
		trap_fault(tf, abort_cause(esr, false), valid ? tf->far : 0, valid);
		return;
	}
	case 0x22:                    /* PC alignment: FAR = the pc */
	case 0x34: case 0x35:         /* watchpoint: FAR = the data address */
		trap_fault(tf, ec_cause(ec, esr), tf->far, true);
		return;
	}
	trap_fault(tf, ec_cause(ec, esr), 0, false);
}

static void do_irq(struct trapframe *tf)
{
	if (bootinfo.intc == INTC_BCM2836) {
		bcm2836_irq(tf);          /* no GIC: the local controller */
		return;
	}
	uint32_t iar = gic_ack();
	uint32_t id = gic_irq_id(iar);

	if (id >= 1020)               /* spurious (or a special id): no EOI */
		return;
	if (id == IRQ_VTIMER) {
		/* Not silenced first: trap_timer writes the deadline on every
		 * path (a future CVAL, or the timer disabled), which lowers the
		 * level-triggered line before the end of interrupt below. */
		trap_timer(tf);
	} else if (id == IRQ_IPI) {
		trap_ipi(tf);
	} else if (id >= 32) {
		trap_devirq((int)id);   /* an SPI: a device line (gic.c) */
	}
	/* Other ids are never enabled; if one shows up, just complete it. */
	gic_eoi(iar);
}

void aarch64_trap(struct trapframe *tf, unsigned long kind)
{
	unsigned type = kind & 3, group = kind & 0xc;

	if (group == VEC_EL1T || group == VEC_EL1H) {
		if (type == VEC_SYNC) {
			do_sync(tf);
			return;
		}
		if (type == VEC_IRQ) {
			do_irq(tf);
			return;
		}
	}
	const char *cause;
	if (group == VEC_EL0_64 || group == VEC_EL0_32)
		cause = "exception from EL0";
	else if (type == VEC_FIQ)
		cause = "FIQ";
	else
		cause = "SError";
	trap_fault(tf, cause, 0, false);
}

/* ---- register dump ---------------------------------------------------- */

void arch_dump_regs(const struct trapframe *tf)
{
	for (int i = 0; i < 28; i += 4)
		printk("x%-2d %016lx  x%-2d %016lx  x%-2d %016lx  x%-2d %016lx\n",
		       i, (unsigned long)tf->x[i], i + 1, (unsigned long)tf->x[i + 1],
		       i + 2, (unsigned long)tf->x[i + 2], i + 3, (unsigned long)tf->x[i + 3]);
	printk("x28 %016lx  fp  %016lx  lr  %016lx  sp  %016lx\n",
	       (unsigned long)tf->x[28], (unsigned long)tf->x[29],
	       (unsigned long)tf->x[30], (unsigned long)tf->sp);
	printk("elr %016lx  spsr %08lx  esr %08lx  far %016lx\n",
	       (unsigned long)tf->elr, (unsigned long)tf->spsr,
	       (unsigned long)tf->esr, (unsigned long)tf->far);
	printk("fpsr %08lx  fpcr %08lx\n",
	       (unsigned long)tf->fpsr, (unsigned long)tf->fpcr);
}

/* ---- async preemption -------------------------------------------------- */

/* Mechanism only: kernel/sched/preempt.c decided that the goroutine can be
 * preempted and where the copy goes. (Its check that sp lies in the
 * goroutine's stack also rules out an EL1h context: that sp is the trap
 * stack's.) The copy leaves out x20-x27: an IRQ's frame does not have
 * them (trap.S), and asyncPreempt does not load them. */
void aarch64_tf_copy(struct trapframe *dst, const struct trapframe *src);           /* trap.S */
void aarch64_tf_copy_preempt(struct trapframe *dst, const struct trapframe *src);   /* trap.S */

void arch_inject_async_preempt(struct trapframe *tf, uintptr_t copy)
{
	/* trap_irq_t built the frame where the copy goes, on the goroutine's
	 * stack: it is the copy. Its elr, spsr and sp stay the interrupted
	 * ones, which asyncPreempt restores; the return into asyncPreempt
	 * goes where the far slot says (trap.S, .Lto_async_preempt_g). */
	if (copy == (uintptr_t)tf) {
		tf->far = (uintptr_t)asyncPreempt;
		return;
	}
	aarch64_tf_copy_preempt((struct trapframe *)copy, tf);
	tf->sp = copy;
	tf->elr = (uintptr_t)asyncPreempt;
	/* eret: to EL1t, IRQs on. */
	tf->spsr = (tf->spsr & ~(uint64_t)PSR_I & ~(uint64_t)PSR_MODE_MASK) | PSR_MODE_EL1T;
}

/* ---- faults that become panics (kernel/panic/sigpanic.c decides) -------- */

enum arch_fault arch_fault_kind(const struct trapframe *tf)
{
	unsigned ec = (unsigned)(tf->esr >> 26) & 0x3f, fsc = tf->esr & 0x3f;
	switch (ec) {
	case 0x20: case 0x21:            /* instruction abort */
	case 0x24: case 0x25:            /* data abort */
		if (fsc == 0x21)
			return ARCH_FAULT_MISALIGNED;
		/* address size, translation, access flag, permission */
		return (fsc & 0x30) == 0 ? ARCH_FAULT_MEMORY : ARCH_FAULT_OTHER;
	case 0x22:                       /* PC alignment */
		return ARCH_FAULT_MISALIGNED;
	default:
		return ARCH_FAULT_OTHER;
	}
}

/* EL1t (a goroutine or g0 on SP_EL0, not a trap handler) with IRQs on. */
bool arch_tf_irqs_on(const struct trapframe *tf)
{
	return (tf->spsr & PSR_MODE_MASK) == PSR_MODE_EL1T && !(tf->spsr & PSR_I);
}

void arch_inject_call(struct trapframe *tf, void (*fn)(struct trapframe *), uintptr_t copy)
{
	aarch64_tf_copy((struct trapframe *)copy, tf);
	tf->x[30] = tf->elr;             /* lr: "called" by the trapped pc */
	tf->x[0] = copy;
	tf->sp = copy;
	tf->elr = (uintptr_t)fn;
	/* eret: to EL1t, IRQs on. */
	tf->spsr = (tf->spsr & ~(uint64_t)PSR_I & ~(uint64_t)PSR_MODE_MASK) | PSR_MODE_EL1T;
}
