/*
 * signal.c - interrupts and traps of the hosted port: signals.
 *
 * Mapping (docs/hosted.md):
 *   timer interrupt  - SIGALRM from this thread's POSIX timer (timer_create
 *                      with SIGEV_THREAD_ID), armed at an absolute
 *                      CLOCK_MONOTONIC time by arch_timer_set;
 *   IPI              - SIGURG sent with tgkill to the target CPU's thread;
 *   device interrupt - SIGIO sent with tgkill by a device thread (blk.c)
 *                      to the CPU its line is routed to, after it set the
 *                      line's bit in that CPU's devpending word;
 *   synchronous trap - SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP (a SIGSEGV
 *                      with SEGV_ACCERR on a write-protected page of the
 *                      GC's barrier is its write fault: dirty.c);
 *   trap stack       - the thread's alternate signal stack (sigaltstack);
 *   trap frame       - built from the signal's ucontext, written back to it
 *                      when the handler returns, so a handler that redirects
 *                      the return (arch_inject_async_preempt, arch_inject_call)
 *                      does so exactly as trap.S's eret/sret does.
 *
 * Masking is a per-thread flag (hosted_irqoff), not sigprocmask: a timer or
 * IPI signal that finds it set only records itself in hosted_pending and
 * returns; arch_irq_enable sees the record and re-raises the signal to its
 * own thread (hosted_irq_replay), which then takes it with the frame of the
 * enabling code - as a level-triggered interrupt is taken when PSTATE.I or
 * sstatus.SIE is cleared. wfi sleeps in futex_wait on a per-thread word
 * that every signal bumps.
 *
 * One difference from a board: libc. A signal that lands while the pc is
 * outside the executable's own text (in glibc or the vDSO) is treated as
 * masked and retried 20 us later by the same timer, because libc code is
 * not ours to preempt: its locks belong to the thread, and a goroutine that
 * moved to another thread in the middle of, say, printf would unlock
 * another thread's stdio lock (Go does the same: it preempts only at Go
 * code). The runtime's own system calls are raw `syscall` instructions in
 * the executable (hosted.h), so an idle CPU's futex sleep is interruptible
 * like wfi.
 *
 * Ordering: the handler and the code it interrupts are one thread, so
 * compiler barriers order them (the flag and the pending bits are
 * volatile). tgkill is a system call, a full barrier: stores before
 * arch_send_ipi are visible to the target thread when its handler runs.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <ucontext.h>
#include <linux/futex.h>
#include "arch.h"
#include "hosted.h"
#include "kernel/lib/print.h"

__thread volatile int hosted_irqoff;
__thread volatile uint32_t hosted_pending;
/* Per CPU: the futex word its wfi sleeps on, bumped by every signal the
 * CPU's thread takes and by arch_wake_cpu from other threads; the wake-up
 * arch_wake_cpu left that the CPU's next wfi has not consumed; whether
 * the CPU sleeps in wfi (so that a wake-up needs the futex call).
 * In .bss.noscan, which the GC's barrier does not track: on_interrupt
 * bumps wakeseq even while the thread masks interrupts, possibly holding
 * pages of the barrier (dirty.c), and a write fault there whose mprotect
 * failed would fall back and wait for those pages - for its own thread. */
#define UNTRACKED_BSS __attribute__((section(".bss.noscan.hosted")))
static uint32_t wakeseq[MAXCPU] UNTRACKED_BSS;
static uint32_t wake_pending[MAXCPU] UNTRACKED_BSS;
static uint32_t wfi_sleeping[MAXCPU] UNTRACKED_BSS;
/* Per CPU: device lines raised toward it and not yet taken (a bit per
 * line); atomic. Per line: its CPU (arch_irq_route); atomic. */
static uint32_t devpending[MAXCPU] UNTRACKED_BSS;
static int irq_cpu[HOSTED_NIRQ] UNTRACKED_BSS;
static __thread int trap_depth;              /* handlers running on this thread */
static __thread int timer_id = -1;           /* kernel timer id */
static __thread uint64_t deadline = UINT64_MAX; /* arch_timer_set's; UINT64_MAX: none */
static __thread int this_cpu;

#define RETRY_NS 20000          /* a signal deferred in libc is retried after */
#define ALTSTACK_SIZE (64 * 1024)

/* Alternate signal stacks: the trap stacks. Bigger than the boards' 16 KiB
 * (TRAP_STACK_SIZE): the kernel's signal frame alone is ~3.5 KiB with
 * AVX-512, and the fatal path prints tracebacks from it. Not
 * scanned by the collector (.bss.noscan). */
static uint8_t altstacks[MAXCPU][ALTSTACK_SIZE]
	__attribute__((aligned(64), section(".bss.noscan.hosted")));

extern char __executable_start[], etext[];

/* ---- time --------------------------------------------------------------- */

/* ts is thread-local, not on the stack: should the vDSO fall back to the
 * system call (always, under qemu-user), the kernel's store into a
 * write-protected stack page would be EFAULT, not a fault (dirty.c).
 * Masked: the compiler forms ts's address once, and a goroutine moved to
 * another thread in between would read the old thread's ts while that
 * thread rewrites it. Not instrumented: the handlers read it (tsan.c). */
HOSTED_NO_TSAN static uint64_t ticks_now(void)  /* masked, or in a handler */
{
	static __thread struct timespec ts;
	hosted_clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

HOSTED_NO_TSAN uint64_t hosted_ticks(void)
{
	unsigned long f = arch_irq_save();
	uint64_t t = ticks_now();
	arch_irq_restore(f);
	return t;
}

uint64_t arch_timer_freq(void)
{
	return 1000000000u;
}

/* Arm the kernel timer at absolute time t (UINT64_MAX: disarm). */
HOSTED_NO_TSAN static void kernel_timer_arm(uint64_t t)
{
	struct itimerspec its = { 0 };
	if (t != UINT64_MAX) {
		if (t == 0)
			t = 1;              /* 0 would disarm */
		its.it_value.tv_sec = (time_t)(t / 1000000000u);
		its.it_value.tv_nsec = (long)(t % 1000000000u);
	}
	hosted_syscall(SYS_timer_settime, timer_id, TIMER_ABSTIME, (long)&its, 0, 0, 0);
}

/* Per-CPU (per-thread). The new deadline replaces the old, and a timer
 * interrupt recorded while masked is withdrawn with it, as writing CVAL
 * does to a level-triggered timer line. A deadline in the past fires at
 * once. */
void arch_timer_set(uint64_t when)
{
	unsigned long f = arch_irq_save();
	deadline = when;
	hosted_pending &= ~PEND_TIMER;
	kernel_timer_arm(when);
	arch_irq_restore(f);
}

/* ---- IPIs ---------------------------------------------------------------- */

/* tgkill is a system call: every earlier store is visible to the target. */
void arch_send_ipi(int cpu)
{
	int tid = __atomic_load_n(&hosted_tid[cpu], __ATOMIC_ACQUIRE);
	if (tid != 0)
		hosted_syscall(SYS_tgkill, hosted_pid, tid, HOSTED_SIG_IPI, 0, 0, 0);
}

/* A wake-up without a signal: an IPI to a thread asleep in wfi with
 * interrupts masked (stopm's) costs two signal deliveries - the one that
 * ends the futex wait and the replay when it unmasks - where a futex wake
 * is one system call, and none at all if the CPU is awake. The seq_cst
 * store of wake_pending, then the seq_cst load of wfi_sleeping, against
 * hosted_wfi's seq_cst store of wfi_sleeping, then load of wake_pending:
 * either this sees the CPU asleep and wakes it, or its wfi sees the
 * wake-up and does not sleep (or both). The bump of wakeseq makes a wait
 * that read the word before it return at once. */
void arch_wake_cpu(int cpu)
{
	__atomic_store_n(&wake_pending[cpu], 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&wfi_sleeping[cpu], __ATOMIC_SEQ_CST))
		return;
	__atomic_add_fetch(&wakeseq[cpu], 1, __ATOMIC_SEQ_CST);
	hosted_syscall(SYS_futex, (long)&wakeseq[cpu], FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

/* ---- device interrupts ----------------------------------------------------- */

/* The hosted "interrupt controller": a specifier of one cell, the line.
 * Only the port's own devices name one (blk.c); the device tree has none. */
int arch_irq_decode(const uint32_t *cells, int ncells)
{
	return ncells == 1 && cells[0] < HOSTED_NIRQ ? (int)cells[0] : -1;
}

/* Once per line, at its driver's probe, before its device raises it.
 * relaxed: the device learns of the route through its first request,
 * submitted after this (a pthread mutex orders them). */
void arch_irq_route(int irq, int cpu)
{
	__atomic_store_n(&irq_cpu[irq], cpu, __ATOMIC_RELAXED);
}

void hosted_device_thread_init(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, HOSTED_SIG_TIMER);
	sigaddset(&set, HOSTED_SIG_IPI);
	sigaddset(&set, HOSTED_SIG_DEV);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct sched_param sp = { 0 };
	pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
}

/* A device thread's interrupt: the line's bit, then the signal. An edge
 * with a sticky bit: raises while the CPU has not yet taken the line merge
 * into one trap_devirq, which handles everything its device finished (the
 * driver's handler drains its completions, as a virtio driver drains its
 * used ring). */
void hosted_irq_raise(int irq)
{
	int cpu = __atomic_load_n(&irq_cpu[irq], __ATOMIC_RELAXED);
	/* release: what the device did before (the request's result) is
	 * visible to the handler; pairs with take_devirqs' acquire exchange */
	__atomic_fetch_or(&devpending[cpu], 1u << irq, __ATOMIC_RELEASE);
	int tid = __atomic_load_n(&hosted_tid[cpu], __ATOMIC_ACQUIRE);
	hosted_syscall(SYS_tgkill, hosted_pid, tid, HOSTED_SIG_DEV, 0, 0, 0);
}

/* In dispatch: every line raised toward this CPU, lowest first. */
static void take_devirqs(void)
{
	/* acquire; pairs with hosted_irq_raise's release */
	uint32_t lines = __atomic_exchange_n(&devpending[this_cpu], 0, __ATOMIC_ACQUIRE);
	while (lines != 0) {
		int irq = __builtin_ctz(lines);
		lines &= lines - 1;
		trap_devirq(irq);
	}
}

/* The calling thread's timer: SIGALRM to this thread only. */
void arch_intc_init_cpu(int cpu)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = HOSTED_SIG_TIMER;
	sev._sigev_un._tid = hosted_tid[cpu];
	/* The kernel stores the id into thread-local memory, never into a
	 * page the barrier may have write-protected (dirty.c). */
	long r = hosted_syscall(SYS_timer_create, CLOCK_MONOTONIC, (long)&sev, (long)&timer_id, 0, 0, 0);
	if (r != 0)
		throw("hosted: timer_create failed: %ld", r);
	arch_timer_set(UINT64_MAX);
}

/* ---- wfi and the masked-interrupt replay -------------------------------- */

void hosted_wfi(void)
{
	int cpu = this_cpu;
	/* seq_cst: the other half of arch_wake_cpu's argument */
	__atomic_store_n(&wfi_sleeping[cpu], 1, __ATOMIC_SEQ_CST);
	uint32_t seq = __atomic_load_n(&wakeseq[cpu], __ATOMIC_SEQ_CST);
	if (!hosted_pending && !__atomic_exchange_n(&wake_pending[cpu], 0, __ATOMIC_SEQ_CST)) {
		/* Returns at once if a signal or arch_wake_cpu bumped wakeseq
		 * since the read (EAGAIN), or when a signal interrupts the
		 * sleep (EINTR). */
		hosted_syscall(SYS_futex, (long)&wakeseq[cpu], FUTEX_WAIT_PRIVATE, seq, 0, 0, 0);
	}
	/* relaxed: a waker that still sees 1 makes one futex call too many.
	 * wake_pending is not cleared here: a wake-up that came meanwhile is
	 * consumed by the next wfi's exchange (it returns at once, and that
	 * seq_cst read of the waker's store orders the waker's m->nextp
	 * before the idle loop's next look); clearing it with a plain store
	 * could drop it unread. */
	__atomic_store_n(&wfi_sleeping[cpu], 0, __ATOMIC_RELAXED);
}

/* arch_irq_enable found an interrupt recorded while masked: raise a signal
 * to ourselves; its handler takes every pending bit. */
HOSTED_NO_TSAN void hosted_irq_replay(void)
{
	hosted_syscall(SYS_tgkill, hosted_pid, hosted_tid[this_cpu], HOSTED_SIG_TIMER, 0, 0, 0);
}

/* ---- trap frames -------------------------------------------------------- */


static void tf_from_uc(struct trapframe *tf, const ucontext_t *uc, bool with_fp)
{
	hosted_uc_get(tf, uc, with_fp);
	tf->irqoff = (uint32_t)hosted_irqoff;
	tf->in_trap = trap_depth > 0;
}

static void tf_to_uc(const struct trapframe *tf, ucontext_t *uc)
{
	hosted_uc_put(tf, uc);
}

/* ---- the handlers --------------------------------------------------------- */

HOSTED_NO_TSAN bool hosted_in_own_text(uintptr_t pc)
{
	return pc >= (uintptr_t)__executable_start && pc < (uintptr_t)etext;
}

/* Take every pending interrupt with the interrupted context as the frame. */
static void dispatch(ucontext_t *uc)
{
	struct trapframe tf;
	tf_from_uc(&tf, uc, true);
	hosted_irqoff = 1;
	trap_depth++;
	uint32_t bits = hosted_pending;
	hosted_pending = 0;
	if (bits & PEND_IPI)
		trap_ipi(&tf);
	if (bits & PEND_DEV)
		take_devirqs();
	if (bits & PEND_TIMER)
		trap_timer(&tf);
	trap_depth--;
	tf_to_uc(&tf, uc);
	hosted_irqoff = (int)tf.irqoff;
}

HOSTED_NO_TSAN static void on_interrupt(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	int saved_errno = errno;
	if (sig == HOSTED_SIG_TIMER && si->si_code == SI_TKILL) {
		/* hosted_irq_replay: nothing new, take what is pending */
	} else if (sig == HOSTED_SIG_TIMER) {
		if (ticks_now() >= deadline) {
			deadline = UINT64_MAX;  /* one-shot: it fired */
			hosted_pending |= PEND_TIMER;
		} else if (deadline != UINT64_MAX) {
			kernel_timer_arm(deadline); /* a retry, early: re-arm */
		}
	} else if (sig == HOSTED_SIG_DEV) {
		hosted_pending |= PEND_DEV;     /* a device line: take_devirqs */
	} else if (si->si_code == SI_TKILL && si->si_pid == hosted_pid) {
		/* an IPI, or our own replay of a pending interrupt */
		hosted_pending |= PEND_IPI;
	}
	/* relaxed: this thread's own wfi reads it, after the handler */
	__atomic_add_fetch(&wakeseq[this_cpu], 1, __ATOMIC_RELAXED);
	if (!hosted_irqoff && hosted_pending) {
		if (hosted_in_own_text(hosted_uc_pc(uc))) {
			dispatch(uc);
		} else {
			uint64_t retry = ticks_now() + RETRY_NS;
			kernel_timer_arm(retry < deadline ? retry : deadline);
		}
	}
	errno = saved_errno;
}

HOSTED_NO_TSAN static const char *fault_cause(int sig, int code)
{
	switch (sig) {
	case SIGSEGV:
		return code == SEGV_ACCERR ? "signal SIGSEGV: segmentation violation (access)"
		                           : "signal SIGSEGV: segmentation violation (unmapped)";
	case SIGBUS:
		return code == BUS_ADRALN ? "signal SIGBUS: misaligned address"
		                          : "signal SIGBUS: bus error";
	case SIGILL:  return "signal SIGILL: illegal instruction";
	case SIGFPE:  return "signal SIGFPE: arithmetic exception";
	case SIGTRAP: return "signal SIGTRAP: breakpoint";
	}
	return "unexpected signal";
}

static void on_fault_body(int sig, siginfo_t *si, ucontext_t *uc);

/* The page-dirty barrier's write fault (dirty.c), resolved without a trap
 * frame, with the interrupted code's mask left alone (it masks nothing it
 * did not mask before: take/release only). Not instrumented, nor is
 * anything it calls (dirty.c; the portable half NO_SANITIZE_THREAD): it
 * runs wherever a store can land, inside TSan's runtime too - TSan's
 * atomic store into a write-protected page, made while it holds its own
 * locks - so it must never call TSan (tsan.c). */
HOSTED_NO_TSAN __attribute__((noinline))
static bool barrier_fault(int sig, const siginfo_t *si)
{
	if (sig != SIGSEGV || si->si_code != SEGV_ACCERR)
		return false;
	if (hosted_m == NULL)   /* no CPU: the barrier's path needs one (blk.c) */
		return false;
	int saved = hosted_irqoff;
	hosted_irqoff = 1;
	bool mine = hosted_dirty_fault((uintptr_t)si->si_addr);
	hosted_irqoff = saved;
	return mine;
}

/* A fault that the handler cannot report through the runtime: one line
 * by raw system calls, then exit status 2. pc0 and addr0: the fault being
 * handled when this one came (pc0 0: none). */
HOSTED_NO_TSAN static void raw_put(char *line, size_t *n, const char *s)
{
	for (; *s && *n < 300; s++)
		line[(*n)++] = *s;
}

HOSTED_NO_TSAN static void raw_hex(char *line, size_t *n, uintptr_t v)
{
	int digits = 1;
	while (digits < 16 && v >> (4 * digits) != 0)
		digits++;
	raw_put(line, n, "0x");
	for (int d = digits - 1; d >= 0; d--)
		line[(*n)++] = "0123456789abcdef"[(v >> (4 * d)) & 15];
}

HOSTED_NO_TSAN static void raw_fatal(const char *what, const char *cause, uintptr_t pc,
                                     uintptr_t addr, uintptr_t pc0, uintptr_t addr0)
{
	char line[400];
	size_t n = 0;
	raw_put(line, &n, "fatal error: ");
	raw_put(line, &n, what);
	raw_put(line, &n, ": ");
	raw_put(line, &n, cause);
	raw_put(line, &n, " at pc ");
	raw_hex(line, &n, pc);
	raw_put(line, &n, " addr ");
	raw_hex(line, &n, addr);
	if (pc0 != 0) {         /* a fault while handling another */
		raw_put(line, &n, ", handling one at pc ");
		raw_hex(line, &n, pc0);
		raw_put(line, &n, " addr ");
		raw_hex(line, &n, addr0);
	}
	line[n++] = '\n';
	hosted_syscall(SYS_write, 2, (long)line, (long)n, 0, 0, 0);
	hosted_syscall(SYS_exit_group, 2, 0, 0, 0, 0, 0);
}

/* A fault outside our text with TSan told to look away (hosted_tsan_quiet):
 * another fault then is TSan's runtime failing under the handler. The
 * first fault's pc and address, for the report. */
static __thread int quiet_depth;
static __thread uintptr_t quiet_pc, quiet_addr;

HOSTED_NO_TSAN static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	if (barrier_fault(sig, si))
		return;
	/* A thread that is no CPU - a device thread (blk.c), which must never
	 * store into the runtime's memory - has no M to report with. */
	if (hosted_m == NULL)
		raw_fatal("a fault on a host thread that is no CPU", fault_cause(sig, si->si_code),
		          hosted_uc_pc(uc), (uintptr_t)si->si_addr, 0, 0);
	/* In a TSan build, a fault outside our text may be inside TSan's
	 * runtime (tsan.c) - a stack growing under one of its hooks; a
	 * fatal report is not: its path never returns. A fault under that
	 * is TSan itself failing (its state is no longer to be trusted):
	 * said without it, rather than faulting again until the signal
	 * stack overflows and the kernel kills the process silently. */
	bool quiet = GORT_TSAN && !hosted_in_own_text(hosted_uc_pc(uc));
	if (quiet_depth > 0)
		raw_fatal("ThreadSanitizer's runtime failed in the fault handler",
		          fault_cause(sig, si->si_code), hosted_uc_pc(uc),
		          (uintptr_t)si->si_addr, quiet_pc, quiet_addr);
	if (quiet) {
		quiet_pc = hosted_uc_pc(uc);
		quiet_addr = (uintptr_t)si->si_addr;
		quiet_depth++;
		hosted_tsan_quiet(true);
	}
	on_fault_body(sig, si, uc);
	if (quiet) {
		hosted_tsan_quiet(false);
		quiet_depth--;
	}
}

static void on_fault_body(int sig, siginfo_t *si, ucontext_t *uc)
{
	/* asyncPreempt's return trap (aarch64, riscv64: <cpu>/frame.c). */
	if (sig == SIGTRAP && hosted_uc_resume(sig, uc))
		return;
	struct trapframe tf;
	tf_from_uc(&tf, uc, false);
	tf.signo = (uint64_t)sig;
	tf.code = (uint64_t)si->si_code;
	tf.addr = (uintptr_t)si->si_addr;
	bool valid = sig == SIGSEGV || sig == SIGBUS;
	hosted_irqoff = 1;
	trap_depth++;
	trap_fault(&tf, fault_cause(sig, si->si_code), valid ? tf.addr : 0, valid);
	trap_depth--;
	tf_to_uc(&tf, uc);
	hosted_irqoff = (int)tf.irqoff;
}

/* Process-wide: the handlers, before any thread but main exists. */
void hosted_signals_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_interrupt;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, HOSTED_SIG_TIMER);
	sigaddset(&sa.sa_mask, HOSTED_SIG_IPI);
	sigaddset(&sa.sa_mask, HOSTED_SIG_DEV);
	hosted_sigaction(HOSTED_SIG_TIMER, &sa);
	hosted_sigaction(HOSTED_SIG_IPI, &sa);
	hosted_sigaction(HOSTED_SIG_DEV, &sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
	for (unsigned i = 0; i < sizeof faults / sizeof faults[0]; i++)
		hosted_sigaction(faults[i], &sa);
}

/* Per thread: its trap stack, interrupts masked until the runtime enables
 * them (as a CPU comes out of reset). */
void hosted_thread_signals(int cpu)
{
	this_cpu = cpu;
	hosted_irqoff = 1;
	stack_t ss = { .ss_sp = altstacks[cpu], .ss_size = ALTSTACK_SIZE, .ss_flags = 0 };
	sigaltstack(&ss, NULL);
}

/* ---- the contract's trap functions --------------------------------------- */


enum arch_fault arch_fault_kind(const struct trapframe *tf)
{
	if (tf->signo == SIGSEGV)
		return ARCH_FAULT_MEMORY;
	if (tf->signo == SIGBUS)
		return tf->code == BUS_ADRALN ? ARCH_FAULT_MISALIGNED : ARCH_FAULT_MEMORY;
	return ARCH_FAULT_OTHER;
}

bool arch_tf_irqs_on(const struct trapframe *tf)
{
	return !tf->irqoff && !tf->in_trap;
}

