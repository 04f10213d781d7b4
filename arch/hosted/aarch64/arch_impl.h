/*
 * arch_impl.h (hosted, aarch64) - the inline half of the contract for the
 * hosted port on aarch64 Linux (docs/hosted.md; run under qemu-aarch64 on
 * other machines). Included by arch/hosted/arch_impl.h.
 *
 * Per-CPU "registers" are __thread variables of the executable (hosted_m,
 * hosted_g, the soft interrupt flag), as on x86-64. There a thread-local
 * access is one instruction through %fs; here it is three: mrs of
 * TPIDR_EL0 (the thread's own pointer), add, then the load or store. A
 * goroutine preempted between them and resumed on another thread would
 * finish the access on the old thread's variable. So every such sequence
 * is recorded (section hosted_tls_seq: its first and end address) and the
 * signal handler moves a pc caught inside one back to its start
 * (tlsseq.c) - Linux's restartable sequences, done by hand. The sequences
 * have no effect until their last instruction, so a restart is harmless.
 *
 * Objects:
 *   struct context   - what arch_switch saves: x19-x28, fp, lr (the resume
 *                      pc), sp, d8-d15 and FPCR: AAPCS64's callee-saved
 *                      state. TPIDR_EL0 is never saved: it is the thread's.
 *   struct trapframe - the interrupted registers as the signal frame had
 *                      them (x0-x30, sp, pc, pstate), a frame record, the
 *                      signal's facts, the soft interrupt flag, and FPSR,
 *                      FPCR and v0-v31 (every FP/SIMD register: any may be
 *                      live at a preemption point). 848 bytes.
 *
 * Included by the assembly files for the offsets: C is under !__ASSEMBLY__.
 */
#ifndef ARCH_HOSTED_AARCH64_ARCH_IMPL_H
#define ARCH_HOSTED_AARCH64_ARCH_IMPL_H

/* struct trapframe layout (bytes) */
#define TF_X(n)    ((n) * 8)
#define TF_SP      248
#define TF_PC      256
#define TF_PSTATE  264
#define TF_FRAME   272                  /* frame record {x29, pc} */
#define TF_FPSR    320
#define TF_V(n)    (336 + (n) * 16)
#define TF_SIZE    848

/* struct context layout (bytes) */
#define CTX_X19    0                    /* x19..x28 */
#define CTX_FP     80
#define CTX_LR     88
#define CTX_SP     96
#define CTX_D8     104                  /* d8..d15 */
#define CTX_FPCR   168
#define CTX_SIZE   176

/* AAPCS64 on Linux has no red zone. */
#define HOSTED_RED_ZONE 0

/* The handler restarts sequences of hosted_tls_seq (tlsseq.c). */
#define HOSTED_TLS_SEQ 1

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stdbool.h>

struct m;
struct g;

struct context {
	uint64_t x19_28[10];
	uint64_t fp, lr, sp;  /* lr: the resume pc */
	uint64_t d8_15[8];
	uint64_t fpcr;
};

struct trapframe {
	uint64_t x[31];             /* x0..x30 (x29 = fp, x30 = lr) */
	uint64_t sp, pc, pstate;
	uint64_t frame[2];          /* {x29, pc}: links the trap into fp chains */
	uint64_t signo, code, addr; /* the signal, its si_code and si_addr */
	uint32_t irqoff;            /* the interrupted soft interrupt mask */
	uint32_t in_trap;           /* interrupted a signal handler */
	uint32_t fpsr, fpcr;
	uint64_t pad;
	__uint128_t v[32];
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

/* One restartable load or store of this thread's `var`: LDST is the
 * instruction (ldr/str with its register), `a` the address register. */
#define HOSTED_TLS_ADDR(a, var)                                         \
	"1:	mrs	" a ", tpidr_el0\n"                             \
	"	add	" a ", " a ", #:tprel_hi12:" #var ", lsl #12\n"

static inline struct m *arch_this_m(void)
{
	struct m *m;
	__asm__ volatile(HOSTED_TLS_ADDR("%0", hosted_m)
	                 "	ldr	%0, [%0, #:tprel_lo12_nc:hosted_m]\n"
	                 HOSTED_TLS_SEQ_RECORD : "=r"(m));
	return m;
}

static inline struct g *arch_getg(void)
{
	struct g *g;
	__asm__ volatile(HOSTED_TLS_ADDR("%0", hosted_g)
	                 "	ldr	%0, [%0, #:tprel_lo12_nc:hosted_g]\n"
	                 HOSTED_TLS_SEQ_RECORD : "=r"(g) : : "memory");
	return g;
}

#define ARCH_M_CURG_OFFSET 64
static inline void arch_setg(struct m *m, struct g *g)
{
	uintptr_t a;
	*(struct g **)((char *)m + ARCH_M_CURG_OFFSET) = g;
	__asm__ volatile(HOSTED_TLS_ADDR("%0", hosted_g)
	                 "	str	%1, [%0, #:tprel_lo12_nc:hosted_g]\n"
	                 HOSTED_TLS_SEQ_RECORD : "=&r"(a) : "r"(g) : "memory");
}

static inline int hosted_irqoff_get(void)
{
	uintptr_t a;
	int v;
	__asm__ volatile(HOSTED_TLS_ADDR("%1", hosted_irqoff)
	                 "	ldr	%w0, [%1, #:tprel_lo12_nc:hosted_irqoff]\n"
	                 HOSTED_TLS_SEQ_RECORD : "=r"(v), "=&r"(a) : : "memory");
	return v;
}

static inline void hosted_irqoff_set(int v)
{
	uintptr_t a;
	__asm__ volatile(HOSTED_TLS_ADDR("%0", hosted_irqoff)
	                 "	str	%w1, [%0, #:tprel_lo12_nc:hosted_irqoff]\n"
	                 HOSTED_TLS_SEQ_RECORD : "=&r"(a) : "r"(v) : "memory");
}

static inline uint32_t hosted_pending_get(void)
{
	uintptr_t a;
	uint32_t v;
	__asm__ volatile(HOSTED_TLS_ADDR("%1", hosted_pending)
	                 "	ldr	%w0, [%1, #:tprel_lo12_nc:hosted_pending]\n"
	                 HOSTED_TLS_SEQ_RECORD : "=r"(v), "=&r"(a) : : "memory");
	return v;
}

#include "hosted/irq_impl.h"

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("yield" : : : "memory");
	hosted_relax_tick();        /* now and then a yield: relax.c */
}

/* Full barrier (inner shareable: every thread's CPU). */
static inline void arch_mb(void)
{
	__asm__ volatile("dmb ish" : : : "memory");
}

static inline void arch_dma_mb(void)
{
	__asm__ volatile("dmb sy" : : : "memory");
}

#define arch_read_fp() ((uintptr_t)__builtin_frame_address(0))
static inline __attribute__((always_inline)) uintptr_t arch_read_sp(void)
{
	uintptr_t sp;
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	return sp;
}

/* Frame records: [fp] = caller's fp, [fp + 8] = return address. */
static inline uintptr_t arch_frame_next(uintptr_t fp, uintptr_t *pc)
{
	*pc = ((const uintptr_t *)fp)[1];
	return ((const uintptr_t *)fp)[0];
}

/* Every function of ours keeps a frame record
 * (-mno-omit-leaf-frame-pointer): one ordinary step from x29. */
static inline uintptr_t arch_tf_unwind(const struct trapframe *tf, uintptr_t *pc)
{
	return arch_frame_next(tf->x[29], pc);
}

static inline uintptr_t arch_tf_pc(const struct trapframe *tf) { return tf->pc; }
static inline uintptr_t arch_tf_sp(const struct trapframe *tf) { return tf->sp; }
static inline uintptr_t arch_tf_fp(const struct trapframe *tf) { return tf->x[29]; }
static inline uintptr_t arch_tf_lr(const struct trapframe *tf) { return tf->x[30]; }

static inline uintptr_t arch_context_pc(const struct context *c) { return c->lr; }
static inline uintptr_t arch_context_sp(const struct context *c) { return c->sp; }
static inline uintptr_t arch_context_fp(const struct context *c) { return c->fp; }

#endif /* !__ASSEMBLY__ */
#endif
