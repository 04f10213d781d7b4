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

/* Signals: the CPU timer and the IPI (SIGURG is Go's preemption signal). */
#define HOSTED_SIG_TIMER SIGALRM
#define HOSTED_SIG_IPI   SIGURG

/* Bits of hosted_pending. */
#define PEND_TIMER 1u
#define PEND_IPI   2u

/* Raw system calls: the pc stays in the executable's text, where a signal
 * may act at once (signal.c defers signals that land inside libc). */
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

/* Signals (signal.c). */
void hosted_signals_init(void);
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
