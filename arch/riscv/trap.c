/*
 * trap.c - what a trap means: decode scause, acknowledge the interrupt
 * source, and hand over to the portable handlers (kernel/sched/preempt.c).
 *
 * riscv_trap runs on the per-CPU trap stack with interrupts masked (the
 * hardware cleared sstatus.SIE; trap.S leaves it so). It is the only
 * reader of the trap frame's layout besides trap.S, asyncPreempt and the
 * register dump.
 *
 * Interrupts (scause bit 63):
 *   5 supervisor timer    - trap_timer, which always programs the next
 *                           deadline (or UINT64_MAX) before it returns:
 *                           with Sstc that write is what lowers STIP, and
 *                           SBI's set_timer clears it too, so the timer is
 *                           not disarmed first (a CSR write, or an SBI
 *                           call, per timer interrupt: each is a host
 *                           timer operation in QEMU). Interrupts stay
 *                           masked until then. An interrupt of a
 *                           goroutine on its own stack (trap.S,
 *                           .Lgstack) calls trap_timer itself.
 *   1 supervisor software - the IPI: clear sip.SSIP, a TLB shootdown's
 *                           request (tlb.c), then trap_ipi.
 *   9 supervisor external - device interrupts: claimed, handed to
 *                           trap_devirq and completed at the PLIC (plic.c).
 * Exceptions: page faults first get the spurious-fault check (see mmu.c);
 * everything else is named and given to trap_fault.
 *
 * Async preemption (arch_inject_async_preempt, once kernel/sched/preempt.c
 * has decided) copies the frame onto the goroutine's own stack rather than
 * keeping it on the trap stack: the goroutine may be resumed on another
 * CPU, whose trap stack is not ours. Only the caller-saved half of it
 * (trap.S): an interrupt's frame has no other.
 */
#include <stddef.h>
#include "arch.h"
#include "riscv.h"
#include "kernel/lib/print.h"

_Static_assert(offsetof(struct trapframe, x[1]) == TF_X(1), "trap.S layout");
_Static_assert(offsetof(struct trapframe, f[0]) == TF_F(0), "trap.S layout");
_Static_assert(offsetof(struct trapframe, fcsr) == TF_FCSR, "trap.S layout");
_Static_assert(offsetof(struct trapframe, sepc) == TF_SEPC, "trap.S layout");
_Static_assert(offsetof(struct trapframe, sstatus) == TF_SSTATUS, "trap.S layout");
_Static_assert(offsetof(struct trapframe, scause) == TF_SCAUSE, "trap.S layout");
_Static_assert(offsetof(struct trapframe, stval) == TF_STVAL, "trap.S layout");
_Static_assert(offsetof(struct trapframe, sscratch) == TF_SSCRATCH, "trap.S layout");
_Static_assert(sizeof(struct trapframe) == TF_SIZE && TF_SIZE % 16 == 0, "trap.S layout");

static const char *const exception_names[] = {
	[0] = "instruction address misaligned",
	[1] = "instruction access fault",
	[2] = "illegal instruction",
	[3] = "breakpoint",
	[4] = "load address misaligned",
	[5] = "load access fault",
	[6] = "store/AMO address misaligned",
	[7] = "store/AMO access fault",
	[8] = "environment call from U-mode",
	[9] = "environment call from S-mode",
	[12] = "instruction page fault",
	[13] = "load page fault",
	[15] = "store/AMO page fault",
	[18] = "software check",
	[19] = "hardware error",
};

static const char *exception_name(unsigned long code)
{
	if (code < sizeof exception_names / sizeof exception_names[0] &&
	    exception_names[code] != NULL)
		return exception_names[code];
	return "unknown exception";
}

/* Does stval hold a faulting address for this exception? */
static bool exception_has_addr(unsigned long code)
{
	switch (code) {
	case 0: case 1: case 4: case 5: case 6: case 7:
	case EXC_INST_PAGE_FAULT: case EXC_LOAD_PAGE_FAULT: case EXC_STORE_PAGE_FAULT:
		return true;
	default:
		return false;
	}
}

void riscv_trap(struct trapframe *tf)
{
	unsigned long cause = tf->scause;
	if (cause & SCAUSE_INTR) {
		switch (cause & ~SCAUSE_INTR) {
		case IRQ_S_TIMER:
			trap_timer(tf);         /* re-arms: no disarm first */
			return;
		case IRQ_S_SOFT:
			csr_clear(sip, SIP_SSIP);
			riscv_tlb_ipi();        /* a shootdown's request, if any */
			trap_ipi(tf);
			return;
		case IRQ_S_EXT:
			riscv_plic_trap();
			return;
		default:
			trap_fault(tf, "unexpected interrupt", cause & ~SCAUSE_INTR, false);
			return;
		}
	}
	switch (cause) {
	case EXC_INST_PAGE_FAULT:
		if (riscv_mmu_spurious_fault(tf->stval, ACCESS_FETCH))
			return;
		break;
	case EXC_LOAD_PAGE_FAULT:
		if (riscv_mmu_spurious_fault(tf->stval, ACCESS_LOAD))
			return;
		break;
	case EXC_STORE_PAGE_FAULT:
		if (riscv_mmu_spurious_fault(tf->stval, ACCESS_STORE) ||
		    riscv_dirty_fault(tf->stval))
			return;
		break;
	}
	bool valid = exception_has_addr(cause);
	trap_fault(tf, exception_name(cause), valid ? tf->stval : 0, valid);
}

/* Before arch_cpu_init (no M, no console yet): report through the SBI
 * debug console and power off with a failure status. */
static void early_puts(const char *s)
{
	while (*s)
		sbi_console_putchar(*s++);
}

static void early_puthex(unsigned long v)
{
	early_puts("0x");
	for (int i = 60; i >= 0; i -= 4)
		sbi_console_putchar("0123456789abcdef"[(v >> i) & 15]);
}

void riscv_early_trap(unsigned long scause, unsigned long sepc, unsigned long stval)
{
	early_puts("\nearly trap: ");
	early_puts(scause & SCAUSE_INTR ? "interrupt" : exception_name(scause));
	early_puts(" scause=");
	early_puthex(scause);
	early_puts(" sepc=");
	early_puthex(sepc);
	early_puts(" stval=");
	early_puthex(stval);
	early_puts("\n");
	arch_poweroff(3);
}

/* Mechanism only: kernel/sched/preempt.c decided that the goroutine can be
 * preempted and where the copy goes. The copy holds what asyncPreempt
 * loads back - the caller-saved registers with s0, gp and sp, fcsr, sepc
 * and sstatus: the callee-saved ones are still in the registers when the
 * trap returns (the handler kept them) and asyncPreempt2 keeps them too. */
void riscv_tf_copy(struct trapframe *dst, const struct trapframe *src);          /* trap.S */
void riscv_tf_copy_preempt(struct trapframe *dst, const struct trapframe *src);  /* trap.S */

/* arch_inject_async_preempt is in trap.S: its common case - trap.S built
 * the frame where the copy goes, on the goroutine's stack, so the frame
 * is the copy and only the redirect is written - is four instructions
 * there and nineteen here, with the frame this function needs for its
 * call. This is the rest: a frame on the trap stack, copied. */
void riscv_inject_async_preempt_copy(struct trapframe *tf, uintptr_t copy);  /* from trap.S */
void riscv_inject_async_preempt_copy(struct trapframe *tf, uintptr_t copy)
{
	riscv_tf_copy_preempt((struct trapframe *)copy, tf);
	/* The sstatus asyncPreempt puts back keeps the interrupted FS,
	 * made Dirty there if it is Dirty when the goroutine resumes
	 * (trap.S; arch.h, arch_switch; context.S's lazy FP). */
	tf->x[2] = copy;
	tf->sepc = (uintptr_t)asyncPreempt;
	/* sret: back to S-mode, interrupts on. */
	tf->sstatus |= SSTATUS_SPP | SSTATUS_SPIE;
}

static const char *const xname[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
	"s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const fname[32] = {
	"ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
	"fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
	"fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
	"fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

/* Every register, four per line, ABI names; FP registers as raw bits. */
void arch_dump_regs(const struct trapframe *tf)
{
	printk("pc      %016lx  sstatus %016lx  scause  %016lx  stval   %016lx\n",
	       (unsigned long)tf->sepc, (unsigned long)tf->sstatus,
	       (unsigned long)tf->scause, (unsigned long)tf->stval);
	for (int i = 0; i < 32; i += 4)
		printk("%-4s %016lx  %-4s %016lx  %-4s %016lx  %-4s %016lx\n",
		       xname[i], (unsigned long)tf->x[i],
		       xname[i + 1], (unsigned long)tf->x[i + 1],
		       xname[i + 2], (unsigned long)tf->x[i + 2],
		       xname[i + 3], (unsigned long)tf->x[i + 3]);
	for (int i = 0; i < 32; i += 4)
		printk("%-4s %016lx  %-4s %016lx  %-4s %016lx  %-4s %016lx\n",
		       fname[i], (unsigned long)tf->f[i],
		       fname[i + 1], (unsigned long)tf->f[i + 1],
		       fname[i + 2], (unsigned long)tf->f[i + 2],
		       fname[i + 3], (unsigned long)tf->f[i + 3]);
	printk("fcsr %016lx\n", (unsigned long)tf->fcsr);
	if (tf->scause & SCAUSE_INTR)   /* trap.S: an interrupt's frame */
		printk("(an interrupt: s1-s11 and fs0-fs11 were not saved, nor the other FP\n"
		       " registers if SD was 0 on the goroutine's stack; their slots are stale)\n");
}

/* ---- faults that become panics (kernel/panic/sigpanic.c decides) -------- */

enum arch_fault arch_fault_kind(const struct trapframe *tf)
{
	switch (tf->scause) {
	case 1: case 5: case 7:          /* access faults (PMP, bus) */
	case EXC_INST_PAGE_FAULT: case EXC_LOAD_PAGE_FAULT: case EXC_STORE_PAGE_FAULT:
		return ARCH_FAULT_MEMORY;
	case 0: case 4: case 6:          /* instruction, load, store/AMO misaligned */
		return ARCH_FAULT_MISALIGNED;
	default:
		return ARCH_FAULT_OTHER;
	}
}

/* S-mode (SPP) with interrupts on before the trap (SPIE). */
bool arch_tf_irqs_on(const struct trapframe *tf)
{
	return (tf->sstatus & SSTATUS_SPP) && (tf->sstatus & SSTATUS_SPIE);
}

void arch_inject_call(struct trapframe *tf, void (*fn)(struct trapframe *), uintptr_t copy)
{
	riscv_tf_copy((struct trapframe *)copy, tf);
	tf->x[1] = tf->sepc;             /* ra: "called" by the trapped pc */
	tf->x[2] = copy;                 /* sp */
	tf->x[10] = copy;                /* a0 */
	tf->sepc = (uintptr_t)fn;
	/* sret: back to S-mode, interrupts on. */
	tf->sstatus |= SSTATUS_SPP | SSTATUS_SPIE;
}
