/*
 * irq_impl.h - the hosted port's soft interrupt mask, wfi, the nap and
 * clocks, for every host CPU: included by arch_impl.h (x86-64) and by
 * arch/hosted/<cpu>/arch_impl.h (aarch64, riscv64) after they define
 * hosted_irqoff_get, hosted_irqoff_set and hosted_pending_get (one per-thread access each, safe against a move to
 * another thread: <cpu>/arch_impl.h says how).
 *
 * Masking is a per-thread flag, not sigprocmask (signal.c). Compiler
 * barriers only: the signal handler runs on the same thread, so program
 * order is enough.
 */
#ifndef ARCH_HOSTED_IRQ_IMPL_H
#define ARCH_HOSTED_IRQ_IMPL_H

void hosted_irq_replay(void);
void hosted_wfi(void);
uint64_t hosted_ticks(void);
void hosted_relax_tick(void);     /* arch_cpu_relax's count (relax.c) */
void hosted_nap(uint64_t ns);     /* wait.c */

/* Returns 1 if interrupts were masked. */
static inline unsigned long arch_irq_save(void)
{
	unsigned long old = (unsigned long)hosted_irqoff_get();
	hosted_irqoff_set(1);
	return old;
}

static inline void arch_irq_enable(void)
{
	hosted_irqoff_set(0);
	if (hosted_pending_get())  /* taken while masked: take it now */
		hosted_irq_replay();
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags)
		hosted_irqoff_set(1);
	else
		arch_irq_enable();
}

static inline void arch_irq_disable(void)
{
	hosted_irqoff_set(1);
}

static inline bool arch_irq_enabled(void)
{
	return hosted_irqoff_get() == 0;
}

/* Sleep until a signal arrives (a futex wait on a per-thread word the
 * handler bumps); returns at once if one is pending while masked. */
static inline void arch_wfi(void)
{
	hosted_wfi();
}

/* arch.h: the hosted port has no TLB to flush. */
static inline void arch_wfi_parked(void)
{
	arch_wfi();
}

/* arch.h: a waiting CPU may sleep (wait.c). */
#define ARCH_WAIT_SLEEPS 1

static inline void arch_nap(uint64_t ns)
{
	hosted_nap(ns);
}

/* CLOCK_MONOTONIC in nanoseconds (arch_timer_freq() = 1 GHz), ordered
 * after earlier instructions by the call itself. */
static inline uint64_t arch_ticks(void)
{
	return hosted_ticks();
}

/* No retired-instruction counter in user space without perf. */
static inline uint64_t arch_instret(void)
{
	return 0;
}

#endif
