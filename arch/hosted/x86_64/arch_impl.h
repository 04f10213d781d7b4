/*
 * arch_impl.h (hosted, x86-64) - the inline half of the contract for the
 * hosted port on x86-64 Linux (docs/hosted.md). Included by
 * arch/hosted/arch_impl.h.
 *
 * Per-CPU "registers" are __thread variables of the executable, addressed
 * through %fs in one instruction (local-exec TLS): hosted_m (the M, what
 * tp / TPIDR_EL1 hold on the boards) and hosted_g (the running G, what
 * TPIDRRO_EL0 holds on aarch64). x86-64 has no general register that C
 * code never touches, and %fs is the thread's own: a goroutine that moves
 * to another thread reads that thread's hosted_g, as it should.
 *
 * Objects:
 *   struct context   - what arch_switch saves: rbx, rbp, r12-r15, rsp, the
 *                      resume pc, MXCSR and the x87 control word (the
 *                      callee-saved state of the SysV ABI).
 *   struct trapframe - the interrupted thread's registers as the kernel's
 *                      signal frame had them (ucontext gregs order), a frame
 *                      record, the signal's facts, the soft interrupt flag,
 *                      and the FXSAVE image of the x87/SSE state. Not the
 *                      AVX upper halves nor AVX-512 state: the runtime and
 *                      its programs are built for baseline x86-64 (SSE2),
 *                      and only their own code is ever preempted (signal.c
 *                      defers a signal that lands in libc), so that state
 *                      is dead at every preemption point - Go's asyncPreempt
 *                      saves X0-X15 on the same argument. It also keeps the
 *                      frame copy small (768 bytes, the boards' size), which
 *                      a goroutine's first 4 KiB stack page must hold.
 *
 * Included by the assembly files for the offsets: C is under !__ASSEMBLY__.
 */
#ifndef ARCH_HOSTED_X86_64_ARCH_IMPL_H
#define ARCH_HOSTED_X86_64_ARCH_IMPL_H

/* struct trapframe layout (bytes): gregs in ucontext's order. */
#define TF_R8      0
#define TF_R9      8
#define TF_R10     16
#define TF_R11     24
#define TF_R12     32
#define TF_R13     40
#define TF_R14     48
#define TF_R15     56
#define TF_RDI     64
#define TF_RSI     72
#define TF_RBP     80
#define TF_RBX     88
#define TF_RDX     96
#define TF_RAX     104
#define TF_RCX     112
#define TF_RSP     120
#define TF_RIP     128
#define TF_EFL     136
#define TF_NGREGS  23
#define TF_FRAME   184                  /* frame record {rbp, rip} */
#define TF_FXSAVE  256                  /* FXSAVE image: x87, MXCSR, xmm0-15 */
#define TF_SIZE    (TF_FXSAVE + 512)

/* struct context layout (bytes) */
#define CTX_RBX    0
#define CTX_RBP    8
#define CTX_R12    16
#define CTX_R13    24
#define CTX_R14    32
#define CTX_R15    40
#define CTX_RSP    48
#define CTX_RIP    56
#define CTX_MXCSR  64
#define CTX_FPCW   68
#if GORT_ASAN
#define CTX_SIZE   88                   /* + the stack's bounds (asan.c) */
#elif GORT_TSAN
#define CTX_SIZE   80                   /* + the stack's TSan fiber (tsan.c) */
#else
#define CTX_SIZE   72
#endif

/* The SysV ABI's red zone: 128 bytes below rsp that a leaf function may
 * use without moving rsp. A frame copy must go below it (arch_tf_sp). */
#define HOSTED_RED_ZONE 128

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stdbool.h>

struct m;
struct g;

struct context {
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t rsp;      /* sp after arch_switch returns (return address popped) */
	uint64_t rip;      /* resume pc */
	uint32_t mxcsr;
	uint16_t fpcw, pad;
#if GORT_ASAN
	uint64_t stack_lo, stack_hi; /* the stack it runs on, for ASan (asan.c) */
#elif GORT_TSAN
	void *fiber;                 /* its stack's TSan fiber (tsan.c) */
#endif
};

struct trapframe {
	uint64_t gregs[TF_NGREGS];  /* r8..r15 rdi rsi rbp rbx rdx rax rcx rsp rip
	                               eflags csgsfs err trapno oldmask cr2 */
	uint64_t frame[2];          /* {rbp, rip}: links the trap into fp chains */
	uint64_t signo, code, addr; /* the signal, its si_code and si_addr */
	uint32_t irqoff;            /* the interrupted soft interrupt mask */
	uint32_t in_trap;           /* interrupted a signal handler */
	uint8_t pad[TF_FXSAVE - TF_FRAME - 16 - 24 - 8];
	uint8_t fxsave[512] __attribute__((aligned(16)));
};

/* Per-thread state read inline (defined in signal.c and cpu.c). */
extern __thread struct m *hosted_m;
extern __thread struct g *hosted_g;
extern __thread volatile int hosted_irqoff;
extern __thread volatile uint32_t hosted_pending;
void hosted_irq_replay(void);
void hosted_wfi(void);
uint64_t hosted_ticks(void);

/* The M of this thread. volatile asm: a goroutine may change threads
 * between two reads. */
static inline struct m *arch_this_m(void)
{
	struct m *m;
	__asm__ volatile("movq %%fs:hosted_m@tpoff, %0" : "=r"(m));
	return m;
}

/* The running G: one load through %fs, so an async preemption cannot
 * split "which thread" from "which G". */
static inline struct g *arch_getg(void)
{
	struct g *g;
	__asm__ volatile("movq %%fs:hosted_g@tpoff, %0" : "=r"(g) : : "memory");
	return g;
}

#define ARCH_M_CURG_OFFSET 64
static inline void arch_setg(struct m *m, struct g *g)
{
	*(struct g **)((char *)m + ARCH_M_CURG_OFFSET) = g;
	__asm__ volatile("movq %0, %%fs:hosted_g@tpoff" : : "r"(g) : "memory");
}

/* The soft interrupt flag and the pending record, read and written through
 * %fs in one instruction each, like arch_getg: a compiler may otherwise
 * load the thread pointer once and reuse it across a point where the
 * goroutine could move to another thread (while interrupts are on). */
static inline int hosted_irqoff_get(void)
{
	int v;
	__asm__ volatile("movl %%fs:hosted_irqoff@tpoff, %0" : "=r"(v) : : "memory");
	return v;
}

static inline void hosted_irqoff_set(int v)
{
	__asm__ volatile("movl %0, %%fs:hosted_irqoff@tpoff" : : "r"(v) : "memory");
}

static inline uint32_t hosted_pending_get(void)
{
	uint32_t v;
	__asm__ volatile("movl %%fs:hosted_pending@tpoff, %0" : "=r"(v) : : "memory");
	return v;
}

#include "hosted/irq_impl.h"     /* masking over the three above, wfi, clocks */

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
	hosted_relax_tick();        /* now and then a yield: relax.c */
}

/* x86-64 is TSO; mfence orders the one case it does not: a store before a
 * later load. */
static inline void arch_mb(void)
{
	__asm__ volatile("mfence" : : : "memory");
}

static inline void arch_dma_mb(void)
{
	__asm__ volatile("mfence" : : : "memory");
}

#define arch_read_fp() ((uintptr_t)__builtin_frame_address(0))
static inline __attribute__((always_inline)) uintptr_t arch_read_sp(void)
{
	uintptr_t sp;
	__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
	return sp;
}

/* rbp chains: [rbp] = caller's rbp, [rbp + 8] = return address. */
static inline uintptr_t arch_frame_next(uintptr_t fp, uintptr_t *pc)
{
	*pc = ((const uintptr_t *)fp)[1];
	return ((const uintptr_t *)fp)[0];
}

/* The trapped function's caller. Clang keeps a frame record in every
 * function (-mno-omit-leaf-frame-pointer); GCC on x86-64 does not in a
 * leaf that needs no stack, so frame.c first checks for a frameless leaf
 * (the word at rsp is a return address whose call targets the trapped
 * function) and otherwise unwinds one frame record from rbp. */
uintptr_t hosted_tf_unwind(const struct trapframe *tf, uintptr_t *pc);
static inline uintptr_t arch_tf_unwind(const struct trapframe *tf, uintptr_t *pc)
{
	return hosted_tf_unwind(tf, pc);
}

static inline uintptr_t arch_tf_pc(const struct trapframe *tf) { return tf->gregs[16]; }
/* The lowest byte the trapped code may still own: rsp minus the red zone,
 * so that the portable side's frame copies never overwrite it. */
static inline uintptr_t arch_tf_sp(const struct trapframe *tf) { return tf->gregs[15] - HOSTED_RED_ZONE; }
static inline uintptr_t arch_tf_fp(const struct trapframe *tf) { return tf->gregs[10]; }
/* x86 has no link register: the return address of a trapped leaf is at
 * [rsp] only before its prologue. Reported as 0. */
static inline uintptr_t arch_tf_lr(const struct trapframe *tf) { return 0; }

static inline uintptr_t arch_context_pc(const struct context *c) { return c->rip; }
static inline uintptr_t arch_context_sp(const struct context *c) { return c->rsp; }
static inline uintptr_t arch_context_fp(const struct context *c) { return c->rbp; }

#endif /* !__ASSEMBLY__ */
#endif
