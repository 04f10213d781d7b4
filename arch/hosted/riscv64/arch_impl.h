/*
 * arch_impl.h (hosted, riscv64) - the inline half of the contract for the
 * hosted port on riscv64 Linux (docs/hosted.md; run under qemu-riscv64 on
 * other machines). Included by arch/hosted/arch_impl.h.
 *
 * Per-CPU "registers" are __thread variables of the executable (hosted_m,
 * hosted_g, the soft interrupt flag), as on x86-64. A local-exec access is
 * three instructions from tp (lui, add tp, then the load or store), and a
 * goroutine preempted between them and resumed on another thread would
 * finish on the old thread's variable. So each sequence is recorded
 * (section hosted_tls_seq) and the signal handler moves a pc caught inside
 * one back to its start (tlsseq.c): nothing happens before the last
 * instruction, so a restart is harmless.
 *
 * tp itself is the thread's: arch_switch never saves it, and the return
 * from an async preemption restores every register but tp and gp (the
 * global pointer, the same in every thread) - a goroutine resumed on
 * another thread keeps that thread's tp.
 *
 * Objects:
 *   struct context   - what arch_switch saves: ra (the resume pc), sp,
 *                      s0-s11, fs0-fs11 and fcsr (the psABI's
 *                      callee-saved state, and the rounding mode).
 *   struct trapframe - the interrupted registers in the signal frame's
 *                      order (gregs[0] is the pc, gregs[n] is xn), f0-f31
 *                      and fcsr (every FP register: any may be live), a
 *                      frame record, the signal's facts, the soft interrupt
 *                      flag. 576 bytes.
 *
 * Included by the assembly files for the offsets: C is under !__ASSEMBLY__.
 */
#ifndef ARCH_HOSTED_RISCV64_ARCH_IMPL_H
#define ARCH_HOSTED_RISCV64_ARCH_IMPL_H

/* struct trapframe layout (bytes) */
#define TF_PC      0
#define TF_X(n)    ((n) * 8)
#define TF_F(n)    (256 + (n) * 8)
#define TF_FCSR    512
#define TF_FRAME   520                  /* frame record {s0, pc} */
#define TF_SIZE    576

/* struct context layout (bytes) */
#define CTX_RA     0
#define CTX_SP     8
#define CTX_S(n)   (16 + (n) * 8)       /* s0..s11 */
#define CTX_FS(n)  (112 + (n) * 8)      /* fs0..fs11 */
#define CTX_FCSR   208
#define CTX_SIZE   216

/* The psABI has no red zone. */
#define HOSTED_RED_ZONE 0

/* The handler restarts sequences of hosted_tls_seq (tlsseq.c). */
#define HOSTED_TLS_SEQ 1

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stdbool.h>

struct m;
struct g;

struct context {
	uint64_t ra, sp;   /* ra: the resume pc */
	uint64_t s[12];    /* s0 (frame pointer) .. s11 */
	uint64_t fs[12];   /* fs0 .. fs11, as raw 64-bit patterns */
	uint64_t fcsr;
};

struct trapframe {
	uint64_t gregs[32];         /* [0] = pc, [n] = xn (ra sp gp tp t0 ...) */
	uint64_t f[32];
	uint64_t fcsr;
	uint64_t frame[2];          /* {s0, pc}: the record s0 points above */
	uint64_t signo, code, addr; /* the signal, its si_code and si_addr */
	uint32_t irqoff;            /* the interrupted soft interrupt mask */
	uint32_t in_trap;           /* interrupted a signal handler */
	uint64_t pad;
};

extern __thread struct m *hosted_m;
extern __thread struct g *hosted_g;
extern __thread volatile int hosted_irqoff;
extern __thread volatile uint32_t hosted_pending;

/* Records the sequence [1b, 2b) for the signal handler (tlsseq.c). */
#define HOSTED_TLS_SEQ_RECORD                                           \
	"2:\n"                                                          \
	"	.pushsection hosted_tls_seq, \"aw\"\n"                  \
	"	.balign 8\n"                                            \
	"	.quad 1b, 2b\n"                                         \
	"	.popsection\n"

/* The address of this thread's `var`, less its low 12 bits, in a. */
#define HOSTED_TLS_ADDR(a, var)                                         \
	"1:	lui	" a ", %%tprel_hi(" #var ")\n"                  \
	"	add	" a ", " a ", tp, %%tprel_add(" #var ")\n"

static inline struct m *arch_this_m(void)
{
	struct m *m;
	__asm__ volatile(HOSTED_TLS_ADDR("%0", hosted_m)
	                 "	ld	%0, %%tprel_lo(hosted_m)(%0)\n"
	                 HOSTED_TLS_SEQ_RECORD : "=r"(m));
	return m;
}

static inline struct g *arch_getg(void)
{
	struct g *g;
	__asm__ volatile(HOSTED_TLS_ADDR("%0", hosted_g)
	                 "	ld	%0, %%tprel_lo(hosted_g)(%0)\n"
	                 HOSTED_TLS_SEQ_RECORD : "=r"(g) : : "memory");
	return g;
}

#define ARCH_M_CURG_OFFSET 64
static inline void arch_setg(struct m *m, struct g *g)
{
	uintptr_t a;
	*(struct g **)((char *)m + ARCH_M_CURG_OFFSET) = g;
	__asm__ volatile(HOSTED_TLS_ADDR("%0", hosted_g)
	                 "	sd	%1, %%tprel_lo(hosted_g)(%0)\n"
	                 HOSTED_TLS_SEQ_RECORD : "=&r"(a) : "r"(g) : "memory");
}

static inline int hosted_irqoff_get(void)
{
	uintptr_t a;
	int v;
	__asm__ volatile(HOSTED_TLS_ADDR("%1", hosted_irqoff)
	                 "	lw	%0, %%tprel_lo(hosted_irqoff)(%1)\n"
	                 HOSTED_TLS_SEQ_RECORD : "=r"(v), "=&r"(a) : : "memory");
	return v;
}

static inline void hosted_irqoff_set(int v)
{
	uintptr_t a;
	__asm__ volatile(HOSTED_TLS_ADDR("%0", hosted_irqoff)
	                 "	sw	%1, %%tprel_lo(hosted_irqoff)(%0)\n"
	                 HOSTED_TLS_SEQ_RECORD : "=&r"(a) : "r"(v) : "memory");
}

static inline uint32_t hosted_pending_get(void)
{
	uintptr_t a;
	uint32_t v;
	__asm__ volatile(HOSTED_TLS_ADDR("%1", hosted_pending)
	                 "	lw	%0, %%tprel_lo(hosted_pending)(%1)\n"
	                 HOSTED_TLS_SEQ_RECORD : "=r"(v), "=&r"(a) : : "memory");
	return v;
}

#include "hosted/irq_impl.h"

/* Zihintpause's pause is a fence hint (a no-op without the extension);
 * written as its encoding for assemblers that lack the name. */
static inline void arch_cpu_relax(void)
{
	__asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" : : : "memory");
	hosted_relax_tick();        /* now and then a yield: relax.c */
}

static inline void arch_mb(void)
{
	__asm__ volatile("fence rw, rw" : : : "memory");
}

static inline void arch_dma_mb(void)
{
	__asm__ volatile("fence iorw, iorw" : : : "memory");
}

#define arch_read_fp() ((uintptr_t)__builtin_frame_address(0))
static inline __attribute__((always_inline)) uintptr_t arch_read_sp(void)
{
	uintptr_t sp;
	__asm__ volatile("mv %0, sp" : "=r"(sp));
	return sp;
}

/* s0 points just above the frame's save area: the return address at
 * fp - 8, the caller's s0 at fp - 16. */
static inline uintptr_t arch_frame_next(uintptr_t fp, uintptr_t *pc)
{
	*pc = ((const uintptr_t *)fp)[-1];
	return ((const uintptr_t *)fp)[-2];
}

/* The trapped function's caller. GCC's leaf functions save only s0 (at
 * fp - 8) and keep the return address in ra: a saved s0 points at or
 * above fp (stacks grow down), a return address into the text, below
 * every stack, which tells the two apart. */
static inline uintptr_t arch_tf_unwind(const struct trapframe *tf, uintptr_t *pc)
{
	uintptr_t fp = tf->gregs[8];
	uintptr_t slot = ((const uintptr_t *)fp)[-1];
	if (slot >= fp) {
		*pc = tf->gregs[1];
		return slot;
	}
	*pc = slot;
	return ((const uintptr_t *)fp)[-2];
}

static inline uintptr_t arch_tf_pc(const struct trapframe *tf) { return tf->gregs[0]; }
static inline uintptr_t arch_tf_sp(const struct trapframe *tf) { return tf->gregs[2]; }
static inline uintptr_t arch_tf_fp(const struct trapframe *tf) { return tf->gregs[8]; }
static inline uintptr_t arch_tf_lr(const struct trapframe *tf) { return tf->gregs[1]; }

static inline uintptr_t arch_context_pc(const struct context *c) { return c->ra; }
static inline uintptr_t arch_context_sp(const struct context *c) { return c->sp; }
static inline uintptr_t arch_context_fp(const struct context *c) { return c->s[0]; }

#endif /* !__ASSEMBLY__ */
#endif
