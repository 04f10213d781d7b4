/*
 * print.c - printk and the fatal-error path (Go's print and throw).
 *
 * printk formats into a stack buffer and hands the whole message to the
 * console in one call, so concurrent lines never interleave. throw prints
 * Go's "fatal error:" report: the message, the CPU and goroutine, a
 * symbolized traceback and every goroutine's state, then powers off with a
 * failure status. An unrecovered panic (kernel/panic/panic.c) prints its
 * own head and reuses the rest. A second fatal error on another CPU while one is being
 * reported just waits for the power-off; a fatal error inside the fatal
 * path prints one line and powers off at once.
 */
#include <stdio.h>
#include <string.h>
#include "kernel/lib/print.h"
#include "kernel/sched/runtime2.h"
#include "kernel/sched/sched.h"
#include "kernel/trace/trace.h"
#include "drivers/console/console.h"
#include "arch/atomic.h"

int vprintk(const char *fmt, va_list ap)
{
	char buf[320];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof buf) {       /* truncated: keep the newline */
		n = sizeof buf - 1;
		buf[n - 1] = '\n';
	}
	console_write(buf, (size_t)n);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

static uint32_t fatal_cpu = ~0u;  /* atomic: the CPU reporting a fatal error */

bool fatal_enter(void)
{
	arch_irq_disable();
	lockrank_off();                 /* the report may take any lock */
	uint32_t me = (uint32_t)getm()->id, want = ~0u;
	/* acq_rel: the winner's report is ordered after its earlier writes. */
	if (arch_cas(&fatal_cpu, &want, me,
	             __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		console_panic_mode();
		sched_stop_others();    /* IPI: other CPUs stop scheduling */
		return true;
	}
	if (want == me)
		return false;
	for (;;)                        /* someone else is reporting */
		arch_wfi();
}

_Noreturn void fatal_report_tail(uintptr_t pc, uintptr_t fp, struct trapframe *tf, bool panicking)
{
	struct g *gp = getm()->curg;
	printk("\n");
	if (gp != NULL && !gp->is_g0 && panicking)
		printk("goroutine %llu [running]:\n", (unsigned long long)gp->goid);
	else if (gp != NULL && !gp->is_g0)
		printk("goroutine %llu [running, cpu %d]:\n",
		       (unsigned long long)gp->goid, getm()->id);
	else
		printk("runtime stack (cpu %d, g0):\n", getm()->id);
	uintptr_t lo = gp ? gp->stack_lo : 0, hi = gp ? gp->stack_hi : 0;
	if (tf != NULL)
		traceback_trap(tf, lo, hi);
	else
		traceback(pc, fp, lo, hi);
	if (!panicking)                 /* Go's GOTRACEBACK=single for panics */
		sched_dump_goroutines(gp);
	trace_fatal();                  /* after the report: a trace is long */
	arch_poweroff(2);
}

/* Not inlined, so that its caller (throw) is one frame up. */
static __attribute__((noinline)) _Noreturn void die(const char *prefix, const char *fmt, va_list ap)
{
	bool first = fatal_enter();
	char msg[200];
	vsnprintf(msg, sizeof msg, fmt, ap);
	printk("%s%s\n", prefix, msg);
	if (!first)
		arch_poweroff(2);
	/* Start in throw: die's return address, and the frame that
	 * address belongs to. */
	uintptr_t pc, fp = arch_frame_next((uintptr_t)__builtin_frame_address(0), &pc);
	fatal_report_tail(pc, fp, NULL, false);
}

_Noreturn void throw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	die("fatal error: ", fmt, ap);
}

_Noreturn void fatal_trap(struct trapframe *tf, const char *cause,
                          uintptr_t addr, bool addr_valid)
{
	bool first = fatal_enter();
	struct m *m = getm();
	struct g *gp = m->curg;
	uintptr_t off = 0;
	const char *fn = symbolize(arch_tf_pc(tf), &off);
	bool overflow = strcmp(cause, "stack overflow") == 0;
	if (!first) {
		printk("fatal error: %s inside the fatal error path\n", cause);
		arch_poweroff(2);
	}
	printk("fatal error: %s\n", overflow ? "stack overflow"
	                                      : "unexpected signal during runtime execution");
	printk("[signal %s addr=%#lx pc=%#lx %s+0x%lx]\n", cause,
	       (unsigned long)addr, (unsigned long)arch_tf_pc(tf),
	       fn ? fn : "?", (unsigned long)off);
	printk("cpu %d (hwid %llu), goroutine %llu\n", m->id,
	       (unsigned long long)m->hwid,
	       gp ? (unsigned long long)gp->goid : 0ULL);
	arch_dump_regs(tf);
	fatal_report_tail(arch_tf_pc(tf), arch_tf_fp(tf), tf, false);
}
