/*
 * preempt.c - time slices and signal-style asynchronous preemption
 * (Go's preempt.go and signal handler, with the timer interrupt as signal).
 *
 * Every CPU's one-shot timer is armed for the earlier of: the end of the
 * running goroutine's slice (10 ms, bootargs slice=) and the earliest timer
 * of its P. When it fires (trap_timer) and the slice is over or a timer is
 * due, the interrupted goroutine is preempted - but not inside the trap
 * handler: arch_inject_async_preempt rewrites the trap return so that the
 * goroutine itself calls asyncPreempt, which saves every register on its
 * stack and calls asyncPreempt2 here, which yields like Gosched. When the
 * goroutine runs again, asyncPreempt restores every register and it
 * continues exactly where the interrupt hit, even in a loop with no calls.
 *
 * Safe points: a goroutine holding a runtime spinlock, or inside
 * acquirem/releasem, has g->nopreempt > 0; it is not preempted, only
 * flagged (g->preempt), and releasem yields when the count drops to 0.
 * g0 (the scheduler and the idle loop) is never preempted.
 *
 * Whether the interrupted goroutine can take the detour, and where the copy
 * of its trap frame goes, is decided here, once for every architecture
 * (async_preempt_copy); the port only copies the frame and redirects the
 * return (arch_inject_async_preempt).
 *
 * Another CPU can request preemption with an IPI (preemptone), which
 * GOMAXPROCS and stop-the-world (stw.c) use. This is sysmon's "retake"
 * duty, done by each CPU's own timer instead of a monitor thread.
 */
#include "kernel/sched/sched.h"
#include "kernel/mm/stack.h"
#include "kernel/mm/mheap.h"
#include "kernel/lib/print.h"
#include "kernel/trace/trace.h"
#include "kernel/panic/panic.h"

/* Stack that asyncPreempt, asyncPreempt2 and the scheduler call it makes
 * need below the frame copy: within the goroutine's limit, and mapped (the
 * stricter of the two checks the ports used to make; see
 * docs/arch-contract.md). A goroutine without it is flagged instead, and
 * yields at its next releasem or is preempted at a later tick. */
#define ASYNC_PREEMPT_HEADROOM 1024

/* Every write of this CPU's timer deadline from portable code, counted:
 * a write is a host timer operation in QEMU and an SBI call on a core
 * without Sstc (SchedStats.timer_writes; bench timer_writes_per_switch).
 * m->timer_when remembers what the timer holds, so that a switch can leave
 * an early-enough deadline alone (timer_need). Interrupts masked. */
void timer_program(struct m *m, uint64_t when)
{
	arch_timer_set(when);
	m->timer_when = when;
	stat_add(&m->ntimerwrites, 1);
}

#define SLICE_SLACK_SHIFT 6     /* trap_timer: a slice's last 1/64 is its end */

/* When this CPU must be interrupted next: the end of the running G's slice
 * or the earliest timer of its P, whichever comes first. */
static uint64_t next_deadline(struct m *m)
{
	uint64_t when = m->slice_end;
	if (m->p) {
		/* relaxed: as in arm_timer_lazy (sched.h) */
		uint64_t t = __atomic_load_n(&m->p->timers.when0_ticks, __ATOMIC_RELAXED);
		if (t < when)
			when = t;
	}
	return when;
}

/* Program exactly the next deadline: after the timer fired. */
void arm_timer(struct m *m)
{
	timer_program(m, next_deadline(m));
}

/* The lazy slice timer (arm_timer_lazy, sched.h), on every switch: the
 * timer is written only if the next deadline is earlier than the one it
 * holds. A deadline left too early costs one early interrupt (trap_timer
 * re-arms, at most once per slice); a write on every switch cost a host
 * timer operation per switch in QEMU and an SBI call on a core without
 * Sstc. */

/* Where the copy of *tf goes if gp, interrupted in *tf, can be made to call
 * asyncPreempt now; 0 if not. */
static inline __attribute__((always_inline)) uintptr_t
async_preempt_copy(struct g *gp, const struct trapframe *tf)
{
	uintptr_t pc = arch_tf_pc(tf), sp = arch_tf_sp(tf);
	/* Already inside asyncPreempt (the few instructions around its call
	 * run with interrupts on): it yields or resumes anyway, and a second
	 * copy would only eat stack. */
	if (pc - (uintptr_t)asyncPreempt < asyncPreempt_len)
		return 0;
	/* Not on its own stack: a trap handler's context (the trap stack). */
	if (sp <= gp->stack_lo || sp > gp->stack_hi)
		return 0;
	uintptr_t copy = (sp - sizeof(struct trapframe)) & ~(uintptr_t)15;
	if (copy < gp->stack_lo + ASYNC_PREEMPT_HEADROOM)
		return 0;
	/* The trap handler writes the copy, where a fault would be fatal;
	 * the headroom below it must be mapped too. A stack is mapped from
	 * stack_mapped up to its top, one piece (kernel/mm/stack.c: growth
	 * maps downwards before it moves stack_mapped; only a dead G's stack
	 * is cut back): one compare, not a page-table walk per page. */
	if (copy - ASYNC_PREEMPT_HEADROOM < gp->stack_mapped)
		return 0;
	return copy;
}

/* Preempt gp, m's running G (not g0), interrupted in *tf, if it is at a
 * safe point, else flag it. True if the trap now returns into
 * asyncPreempt. Inlined into both handlers (the decision too): trap_timer
 * has tested gp already, and the calls cost two frames on every
 * preemption. */
static inline __attribute__((always_inline)) bool
preempt_g(struct m *m, struct g *gp, struct trapframe *tf)
{
	if (m->p == NULL)
		return false;
	uintptr_t copy = gp->nopreempt > 0 ? 0 : async_preempt_copy(gp, tf);
	if (copy == 0) {
		__atomic_store_n(&gp->preempt, true, __ATOMIC_RELAXED);
		return false;
	}
	arch_inject_async_preempt(tf, copy);
	tracePreempt(m, gp);
	return true;
}

void trap_timer(struct trapframe *tf)
{
	struct m *m = getm();
	stat_add(&m->ntraps, 1);
	/* The port silenced the timer, or (riscv64, aarch64's GIC) relies on
	 * every path below writing it before interrupts are unmasked: keep
	 * it so. */
	m->timer_when = UINT64_MAX;
	struct g *gp = m->curg;
	if (gp == NULL || gp->is_g0) {
		timer_program(m, UINT64_MAX);  /* g0: the idle loop re-arms */
		return;
	}
	uint64_t now = arch_ticks();
	/* A slice within 1/64 of its end counts as over. The timer was
	 * armed here, at now + slice, and the switch a few hundred
	 * instructions later starts the next G's slice from its own clock
	 * read without re-arming (arm_timer_lazy): strictly compared, every
	 * slice would end with an early tick that finds nothing due and
	 * re-arms, then the real one. */
	bool slice_over = now + (sched.slice_ticks >> SLICE_SLACK_SHIFT) >= m->slice_end;
	bool due = slice_over;
	/* The P's earliest timer as a counter value (rounded up: due when
	 * nanotime has reached it); relaxed, as in arm_timer_lazy (sched.h) */
	if (m->p && __atomic_load_n(&m->p->timers.when0_ticks, __ATOMIC_RELAXED) <= now)
		due = true;
	if (!due) {
		arm_timer(m);                /* early or spurious: re-arm */
		return;
	}
	/* A G preempted only so that a due timer can fire has not used up its
	 * slice: it goes back on the local queue, not the global one. */
	gp->preempt_soft = !slice_over;
	bool sent = preempt_g(m, gp, tf);
	/* The G yields on return (or at releasem) and the scheduler runs the
	 * due timers. Until then only a new slice end may interrupt: arming
	 * for the due timer again would interrupt at once, for ever. */
	m->slice_end = now + sched.slice_ticks;
	/* Unless the interrupt hit asyncPreempt's first instruction: an
	 * earlier tick sent gp there and it has not run since. It yields
	 * within a few instructions, and that switch arms the timer for the
	 * G that runs next (arm_timer_lazy, handoff_switch), so until then
	 * the timer is off. Armed for a slice, it could fire there again and
	 * again on a CPU that does not run between ticks: under QEMU's
	 * -icount, where the vCPUs take turns in one host thread, a vCPU
	 * whose deadline fell a few hundred instructions before another's
	 * ran only this handler, each turn cut short by its own timer write
	 * and the other's interrupt, and its P's queue (the probe) waited
	 * 1.16 s in preempt_fair at 2 CPUs (docs/scheduler.md, "Preemption").
	 * Tested only when nothing was sent: not on a preemption's path. */
	if (!sent && arch_tf_pc(tf) == (uintptr_t)asyncPreempt) {
		timer_program(m, UINT64_MAX);
		return;
	}
	timer_program(m, m->slice_end);
}

void trap_ipi(struct trapframe *tf)
{
	struct m *m = getm();
	stat_add(&m->nipi, 1);
	if (__atomic_load_n(&m->stop_req, __ATOMIC_ACQUIRE)) {
		arch_irq_disable();
		for (;;)
			arch_wfi();     /* a fatal error is being reported */
	}
	/* acquire; pairs with the release store in preemptone. */
	if (__atomic_exchange_n(&m->preempt_req, 0, __ATOMIC_ACQUIRE)) {
		struct g *gp = m->curg;
		if (gp != NULL && !gp->is_g0)
			preempt_g(m, gp, tf);
	}
	/* anything else is a wake-up: the idle loop rechecks on return */
}

void preemptone(struct m *m)
{
	/* release; pairs with the acquire exchange in trap_ipi. */
	__atomic_store_n(&m->preempt_req, 1, __ATOMIC_RELEASE);
	arch_send_ipi(m->id);
}

void sched_stop_others(void)
{
	struct m *me = getm();
	for (int i = 0; i < ncpu; i++) {
		/* relaxed: set once at boot (release, boot/main.c) */
		if (&allm[i] == me || !__atomic_load_n(&allm[i].online, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&allm[i].stop_req, 1, __ATOMIC_RELEASE);
		arch_send_ipi(i);
	}
}

void asyncPreempt2(void)
{
	gopreempt();
}

/* A fault the architecture could not resolve. A fault in the running
 * goroutine's stack slot below its mapped part but above its limit is
 * demand growth: map the pages and retry the instruction (kernel/mm/stack.c
 * explains why the locks this takes are safe here). Below the limit it is
 * Go's stack overflow report. A bad access of a goroutine that the runtime
 * can unwind becomes a panic (kernel/panic/sigpanic.c); everything else is
 * an unexpected fault. */
void trap_fault(struct trapframe *tf, const char *cause, uintptr_t addr, bool addr_valid)
{
	struct m *m = getm();
	struct g *gp = m->curg;
	if (addr_valid && gp && !gp->is_g0 && gp->stack_slot != 0 &&
	    stack_slot_of(addr) == gp->stack_slot && addr < gp->stack_mapped) {
		if (addr >= gp->stack_lo) {
			if (stack_grow(&gp->stack_mapped, addr))
				return;
			arch_irq_disable();
			printk("runtime: out of memory: cannot grow goroutine stack to %lu bytes\n",
			       (unsigned long)(gp->stack_slot + stack_reserve() - addr));
			throw("runtime: out of memory");
		}
		arch_irq_disable();
		printk("runtime: goroutine stack exceeds %zu-byte limit\n", gp->stacksize);
		printk("runtime: sp=%#lx stack=[%#lx, %#lx]\n", (unsigned long)arch_tf_sp(tf),
		       (unsigned long)gp->stack_lo, (unsigned long)gp->stack_hi);
		fatal_trap(tf, "stack overflow", addr, addr_valid);
	}
	if (fault_to_panic(tf, addr, addr_valid))
		return;                 /* the goroutine panics on return */
	fatal_trap(tf, cause, addr, addr_valid);
}
