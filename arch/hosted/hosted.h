/*
 * hosted.h - what the hosted port's files share (not part of the contract).
 */
#ifndef ARCH_HOSTED_HOSTED_H
#define ARCH_HOSTED_HOSTED_H

#include <stdint.h>
#include <stddef.h>
#include <signal.h>
#include <time.h>
#include <sys/syscall.h>
#include "arch.h"

/* The Linux CPU the program is built for. */
#if defined(__aarch64__)
#define HOSTED_CPU "aarch64"
#elif defined(__riscv)
#define HOSTED_CPU "riscv64"
#else
#define HOSTED_CPU "x86-64"
#endif

/* Signals: the CPU timer, the IPI (SIGURG is Go's preemption signal), and
 * a device interrupt line raised by a device thread (signal.c). */
#define HOSTED_SIG_TIMER SIGALRM
#define HOSTED_SIG_IPI   SIGURG
#define HOSTED_SIG_DEV   SIGIO

/* Bits of hosted_pending. */
#define PEND_TIMER 1u
#define PEND_IPI   2u
#define PEND_DEV   4u

/* The port's interrupt controller (signal.c): device lines 0..HOSTED_NIRQ-1,
 * named in a dt_irq of one cell. hosted_irq_raise, from any thread (a
 * device's own): the line's CPU takes trap_devirq(irq) as soon as its
 * interrupts are enabled. Lines of the port's devices: */
#define HOSTED_NIRQ      32
#define HOSTED_IRQ_BLK   0      /* blk.c, the disk */
#define HOSTED_IRQ_CONS  1      /* uart_rx.c, the console's receive line */
void hosted_irq_raise(int irq);
/* The first call of a device's host thread (signal.c): it is not a CPU, so
 * the CPUs' interrupt signals are blocked (they are sent to CPU threads
 * only; blocked all the same), faults are not (the GC barrier's write
 * fault can be taken here); and SCHED_BATCH, so that waking it does not
 * preempt the CPU thread that rang (Linux's wake-up preemption skips
 * batch threads): a device does not take its CPU away, and on a busy host
 * the caller parks before its request is done, as on a board. */
void hosted_device_thread_init(void);

/* The disk (blk.c): attach the image file named by -disk / -disk-ro, from
 * __wrap_main before any CPU starts; exits with status 2 if it cannot. */
void hosted_blk_attach(const char *prog, const char *path, bool readonly);

/* The console's input (uart_rx.c): stdin as the UART's receive side.
 * attach: from __wrap_main before any other thread exists (it blocks
 * SIGQUIT for every thread to come); exits with status 2 if it cannot.
 * getc and rx_irq: the hosted uart_ops' (console.c). */
void hosted_rx_attach(const char *prog);
int hosted_rx_getc(void);
void hosted_rx_irq(bool on);

/* Raw system calls: the pc stays in the executable's text, where a signal
 * may act at once (signal.c defers signals that land inside libc). */
#if defined(__aarch64__)
static inline long hosted_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc #0" : "+r"(x0)
	                 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
	                 : "memory");
	return x0;
}
#elif defined(__riscv)
static inline long hosted_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;
	__asm__ volatile("ecall" : "+r"(a0)
	                 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
	                 : "memory");
	return a0;
}
#else
static inline long hosted_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret)
	                 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}
#endif

/* The process's CPUs: thread ids, for tgkill (cpu.c). */
extern int hosted_pid;
extern int hosted_tid[];
extern int hosted_ncpu;

/* The "RAM" (mmu.c): its "physical" address (mapped in the heap window
 * only) and size. */
extern uintptr_t hosted_ram_base;
extern size_t hosted_ram_size;
extern uintptr_t hosted_ram_va;         /* where the RAM is mapped */
void hosted_mem_init(size_t ram_bytes);
uint64_t *hosted_stack_pte(uintptr_t va);
extern uintptr_t hosted_stack_hi;

/* The page-dirty barrier (dirty.c): its tables (from hosted_mem_init),
 * the state a stack page is mapped with, whether a stack entry is held by
 * the barrier, its write-fault path (from the SIGSEGV handler: true if
 * the fault was the barrier's and is resolved), the times it gave up
 * protecting. */
void hosted_dirty_init_tables(void);
uint64_t hosted_dirty_mapped(void);
bool hosted_dirty_busy(uint64_t pte);
bool hosted_dirty_fault(uintptr_t va);
extern uint64_t hosted_dirty_fallbacks;
extern uint64_t hosted_dirty_mapfail;   /* -mapfail N (cpu.c); 0: off */

/* The signal frame, per CPU (<cpu>/frame.c):
 * the registers to and from a trap frame (with_fp: the FP/SIMD state too),
 * the interrupted pc, and the return of an async preemption - asyncPreempt
 * traps when asyncPreempt2 returns, and the handler loads every register
 * from the frame copy into the ucontext (true if sig and uc are that
 * trap). */
#include <ucontext.h>
void hosted_uc_get(struct trapframe *tf, const ucontext_t *uc, bool with_fp);
void hosted_uc_put(const struct trapframe *tf, ucontext_t *uc);
uintptr_t hosted_uc_pc(const ucontext_t *uc);
bool hosted_uc_resume(int sig, ucontext_t *uc);

/* Restartable thread-local sequences (tlsseq.c; aarch64 and riscv64). */
#if HOSTED_TLS_SEQ
void hosted_tls_init(void);
uintptr_t hosted_tls_restart(uintptr_t pc);
#else
static inline void hosted_tls_init(void) { }
#endif

/* Signals (signal.c). hosted_in_own_text: pc lies in the executable's own
 * text (not libc's, not the vDSO's). */
void hosted_signals_init(void);
bool hosted_in_own_text(uintptr_t pc);
void hosted_thread_signals(int cpu);
void hosted_timer_create(void);
void hosted_console_flush(void);

/* The device tree the hosted "firmware" hands to kmain (fdt.c). */
const void *hosted_build_fdt(uintptr_t ram, size_t ram_size, int ncpu,
                             const char *bootargs);

/* Switch to stack sp and call fn(a0, a1) there (context.S). */
_Noreturn void hosted_jump(void *fn, uintptr_t a0, uintptr_t a1, uintptr_t sp);

/* Goroutine stacks as ASan fibers (asan.c); no-ops without ASan. */
#if GORT_ASAN
void hosted_asan_context(struct context *c, uintptr_t stack_top);
void hosted_asan_leave(uintptr_t lo, uintptr_t hi);
void hosted_asan_arrive(void);
#else
static inline void hosted_asan_context(struct context *c, uintptr_t stack_top)
{
	(void)c; (void)stack_top;
}
static inline void hosted_asan_leave(uintptr_t lo, uintptr_t hi) { (void)lo; (void)hi; }
static inline void hosted_asan_arrive(void) { }
#endif

/* Goroutine stacks as TSan fibers, and signal handlers TSan does not
 * intercept (tsan.c); without TSan, the plain calls. */
#if GORT_TSAN
void hosted_tsan_init(void);
void hosted_tsan_context(struct context *c, uintptr_t stack_top);
void hosted_sigaction(int sig, const struct sigaction *sa);
int hosted_clock_gettime(clockid_t clk, struct timespec *ts);
void hosted_tsan_quiet(bool on);
#else
static inline void hosted_tsan_quiet(bool on) { (void)on; }
static inline void hosted_tsan_init(void) { }
static inline void hosted_tsan_context(struct context *c, uintptr_t stack_top)
{
	(void)c; (void)stack_top;
}
static inline void hosted_sigaction(int sig, const struct sigaction *sa)
{
	sigaction(sig, sa, NULL);
}
static inline int hosted_clock_gettime(clockid_t clk, struct timespec *ts)
{
	return clock_gettime(clk, ts);
}
#endif

#endif
