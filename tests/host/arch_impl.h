/*
 * arch_impl.h - the inline half of arch/arch.h for host tests.
 *
 * A host test that builds real kernel code including "arch.h" passes -Iarch:
 * arch/arch.h is then the real contract, and its #include "arch_impl.h"
 * finds this file (tests/host is on the include path; arch/ itself has no
 * arch_impl.h, only arch/riscv and arch/aarch64 do).
 *
 * The host model: every pthread is one M running one G, both allocated by
 * tests/host/stubs_sched.c (host_thread_enter). The "per-CPU register" is a
 * thread-local variable. Interrupts do not exist: a thread-local flag only
 * records what arch_irq_save/restore asked for. arch_cpu_relax yields the
 * host CPU, because the host may have fewer cores than threads and a
 * spinning waiter must let the holder run.
 */
#ifndef TESTS_HOST_ARCH_IMPL_H
#define TESTS_HOST_ARCH_IMPL_H

#include <stdint.h>
#include <stdbool.h>
#include <sched.h>

#define ARCH_NAME "host"

struct m;
struct g;

struct context { uint64_t pc, sp, fp; };
struct trapframe { uint64_t pc, sp, fp, lr; };

extern __thread struct m *host_m;       /* this thread's M */
extern __thread struct g *host_g;       /* this thread's G */
extern __thread bool host_irq_on;       /* "interrupts enabled" */

static inline struct m *arch_this_m(void) { return host_m; }
static inline struct g *arch_getg(void) { return host_g; }

static inline unsigned long arch_irq_save(void)
{
	unsigned long old = host_irq_on;
	host_irq_on = false;
	return old;
}
static inline void arch_irq_restore(unsigned long flags) { host_irq_on = flags != 0; }
static inline void arch_irq_enable(void) { host_irq_on = true; }
static inline void arch_irq_disable(void) { host_irq_on = false; }
static inline bool arch_irq_enabled(void) { return host_irq_on; }

static inline void arch_cpu_relax(void) { sched_yield(); }
static inline void arch_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline uintptr_t arch_bit_index(uint64_t bit) { return (uintptr_t)__builtin_ctzll(bit); }

static inline uintptr_t arch_context_pc(const struct context *c) { return c->pc; }
static inline uintptr_t arch_context_sp(const struct context *c) { return c->sp; }
static inline uintptr_t arch_context_fp(const struct context *c) { return c->fp; }

#endif
