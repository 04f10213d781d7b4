/*
 * arch_impl.h - the inline half of the architecture contract for aarch64
 * (ARMv8.0-A, EL1, 4 KiB granule, 39-bit identity-mapped address space).
 * See arch/arch.h for what each item promises and docs/arch-contract.md for
 * the decisions.
 *
 * Objects:
 *   struct context   - what arch_switch saves: x19-x28, fp, lr, sp, d8-d15.
 *   struct trapframe - what trap.S saves on every exception: x0-x30, the
 *                      interrupted sp, ELR, SPSR, ESR, FAR, FPSR, FPCR, a
 *                      frame record that links the trap into the frame-
 *                      pointer chain, and q0-q31.
 * Per-CPU registers (they belong to the CPU, never to a goroutine; no trap
 * frame saves or restores them):
 *   TPIDR_EL1   = the M of this CPU (arch_this_m).
 *   TPIDR_EL0   = (uintptr_t)m->tls - 16: the thread pointer picolibc's
 *                 local-exec TLS accesses use (AArch64 TLS variant I puts a
 *                 16-byte TCB in front of the block, so errno lands inside
 *                 m->tls).
 *   TPIDRRO_EL0 = the running G, so arch_getg() is one `mrs`.
 *   SP_EL1      = top of this CPU's trap stack; goroutines and g0 run with
 *                 SPSel = 0 (SP_EL0), every exception runs on SP_EL1.
 *
 * This header is also included by the port's assembly files for the
 * offsets, so everything C is guarded by __ASSEMBLY__.
 */
#ifndef ARCH_AARCH64_ARCH_IMPL_H
#define ARCH_AARCH64_ARCH_IMPL_H

#define ARCH_NAME "aarch64"

/* QEMU virt's PL011, used only to report a broken device tree. */
#define ARCH_HAS_FIRMWARE_CONSOLE 0   /* PSCI has no console */
#define ARCH_FALLBACK_UART_BASE  0x09000000UL
#define ARCH_FALLBACK_UART_PL011 1

/* arch.h's MAXCPU, for assembly (cpu.c checks they agree). */
#define AARCH64_MAXCPU 8

/* struct trapframe layout (bytes) */
#define TF_X(n)     ((n) * 8)           /* x0 .. x30 */
#define TF_SP       248                 /* interrupted stack pointer */
#define TF_ELR      256
#define TF_SPSR     264
#define TF_ESR      272
#define TF_FAR      280
#define TF_FPSR     288
#define TF_FPCR     296
#define TF_FRAME    304                 /* frame record {fp, pc} */
#define TF_Q(n)     (320 + (n) * 16)    /* q0 .. q31 */
#define TF_SIZE     832                 /* multiple of 16 */

/* Fields of struct g that trap_irq_t reads to build an IRQ's frame on
 * the goroutine's stack (cpu.c checks the offsets). */
#define ARCH_G_STACK_HI_OFFSET      176
#define ARCH_G_IS_G0_OFFSET         194
#define ARCH_G_STACK_MAPPED_OFFSET  400

/* struct context layout (bytes) */
#define CTX_X19     0                   /* x19 .. x28 */
#define CTX_FP      80
#define CTX_LR      88
#define CTX_SP      96
#define CTX_D8      104                 /* d8 .. d15 */
#define CTX_SIZE    168

/* Exception vector kinds passed from trap.S to aarch64_trap():
 * group * 4 + type. */
#define VEC_SYNC    0
#define VEC_IRQ     1
#define VEC_FIQ     2
#define VEC_SERROR  3
#define VEC_EL1T    0   /* current EL, SP_EL0: goroutines and g0 */
#define VEC_EL1H    4   /* current EL, SP_EL1: a trap inside a trap */
#define VEC_EL0_64  8
#define VEC_EL0_32  12

/* SPSR / PSTATE */
#define PSR_MODE_MASK 0xf
#define PSR_MODE_EL1T 0x4
#define PSR_MODE_EL1H 0x5
#define PSR_F       (1 << 6)
#define PSR_I       (1 << 7)
#define PSR_A       (1 << 8)
#define PSR_D       (1 << 9)

/* Translation set-up shared by the entry code and mmu.c. */
#define MAIR_VALUE  0xff00              /* attr0 Device-nGnRnE, attr1 Normal WB RW-alloc */
#define ATTR_DEVICE 0
#define ATTR_NORMAL 1
/* T0SZ = 25 (39-bit VA), IRGN0/ORGN0 = WB-WA, SH0 = inner, TG0 = 4 KiB,
 * T1SZ = 25 with EPD1 (no TTBR1 walks). IPS is or-ed in at run time. */
#define TCR_VALUE   ((25 << 0) | (1 << 8) | (1 << 10) | (3 << 12) | \
                     (25 << 16) | (1 << 23))
#define TCR_IPS_SHIFT 32
/* SCTLR_EL1: RES1 bits of ARMv8.0 | M | C | SA | SA0 | I. A (alignment
 * check) stays 0: unaligned accesses to Normal memory are allowed. */
#define SCTLR_RES1  0x30d00800
#define SCTLR_MMU_ON (SCTLR_RES1 | (1 << 0) | (1 << 2) | (1 << 3) | \
                      (1 << 4) | (1 << 12))
/* Block/page descriptor bits. */
#define PTE_VALID   1
#define PTE_TABLE   3                   /* levels 0-2: next-level table */
#define PTE_PAGE    3                   /* level 3: 4 KiB page */
#define PTE_BLOCK   1                   /* levels 1-2: block */
#define PTE_ATTR(i) ((i) << 2)
#define PTE_SH_INNER (3 << 8)
#define PTE_AF      (1 << 10)
#ifdef __ASSEMBLY__
#define PTE_PXN     (1 << 53)
#define PTE_UXN     (1 << 54)
#else
#define PTE_PXN     (1ULL << 53)
#define PTE_UXN     (1ULL << 54)
#endif

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stdbool.h>

struct m;
struct g;

/* Callee-saved state of a suspended goroutine or g0 (context.S). The
 * saved lr is where arch_switch resumes. */
struct context {
	uint64_t x19_28[10];
	uint64_t fp;       /* x29 */
	uint64_t lr;       /* x30: resume pc */
	uint64_t sp;
	uint64_t d8_15[8]; /* low 64 bits of v8..v15 (AAPCS64 callee-saved) */
};

/* Everything an exception saves (trap.S). An IRQ's frame leaves x19-x28
 * unwritten: the handler keeps those registers (and no IRQ's frame is ever
 * printed or given to sigpanic). */
struct trapframe {
	uint64_t x[31];    /* x0 .. x30 (x29 = fp, x30 = lr) */
	uint64_t sp;       /* SP_EL0 for EL1t, the pre-trap SP_EL1 for EL1h */
	uint64_t elr;      /* pc to return to */
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
	uint64_t fpsr;
	uint64_t fpcr;
	uint64_t frame[2]; /* {x29, elr}: links the trap into fp chains */
	__uint128_t q[32];
};

/* The per-CPU register TPIDR_EL1 holds the M. volatile: a goroutine may
 * move to another CPU between two reads. */
/* The index of the one bit set in bit: rbit + clz. */
static inline __attribute__((always_inline)) uintptr_t arch_bit_index(uint64_t bit)
{
	return (uintptr_t)__builtin_ctzll(bit);
}

/* arch.h's arch_bit_index_in: rbit + clz needs no table, so the
 * structure is empty (size 0, a GNU C extension) and t is not read. */
struct arch_bit_table { unsigned char none[0]; };
#define ARCH_BIT_TABLE_INIT { }
static inline __attribute__((always_inline)) uintptr_t
arch_bit_index_in(const struct arch_bit_table *t, uint64_t bit)
{
	(void)t;
	return arch_bit_index(bit);
}

static inline struct m *arch_this_m(void)
{
	struct m *m;
	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(m));
	return m;
}

/* The running G: TPIDRRO_EL0, one instruction, so an async preemption
 * cannot split "which CPU" from "which G". */
static inline struct g *arch_getg(void)
{
	struct g *g;
	__asm__ volatile("mrs %0, tpidrro_el0" : "=r"(g) : : "memory");
	return g;
}

/* arch.h's arch_setg: m->curg for the portable side, TPIDRRO_EL0 for
 * arch_getg. Inline: two calls on every goroutine switch. */
#define ARCH_M_CURG_OFFSET 64
static inline void arch_setg(struct m *m, struct g *g)
{
	*(struct g **)((char *)m + ARCH_M_CURG_OFFSET) = g;
	__asm__ volatile("msr tpidrro_el0, %0" : : "r"(g) : "memory");
}

/* Interrupt masking: PSTATE.I. Compiler barriers, no hardware ordering.
 * arch_irq_save returns the previous DAIF (bit 7 set = IRQs were masked). */
static inline unsigned long arch_irq_save(void)
{
	unsigned long old;
	__asm__ volatile("mrs %0, daif\n\tmsr daifset, #2" : "=r"(old) : : "memory");
	return old;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & PSR_I)
		__asm__ volatile("msr daifset, #2" : : : "memory");
	else
		__asm__ volatile("msr daifclr, #2" : : : "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2" : : : "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ volatile("msr daifset, #2" : : : "memory");
}

static inline bool arch_irq_enabled(void)
{
	unsigned long d;
	__asm__ volatile("mrs %0, daif" : "=r"(d) : : "memory");
	return (d & PSR_I) == 0;
}

/* Spin-wait hint. No ordering. */
static inline void arch_cpu_relax(void)
{
	__asm__ volatile("yield" : : : "memory");
}

/* arch.h: a board's waiter only spins (kernel/sched/findrunnable.c). */
#define ARCH_WAIT_SLEEPS 0
static inline void arch_nap(uint64_t ns) { (void)ns; }

/* Wait for an interrupt; wakes on a pending IRQ even when PSTATE.I masks it. */
static inline void arch_wfi(void)
{
	__asm__ volatile("dsb sy\n\twfi" : : : "memory");
}

/* arch.h: the broadcast TLBI needs nothing of a parked CPU. */
static inline void arch_wfi_parked(void)
{
	arch_wfi();
}

/* Full two-way fence for ordinary memory (inner shareable domain). */
static inline void arch_mb(void)
{
	__asm__ volatile("dmb ish" : : : "memory");
}

/* Full fence between memory and device accesses (Device-memory registers
 * and memory a DMA master reads or writes): the whole system, not just
 * the inner shareable domain. */
static inline void arch_dma_mb(void)
{
	__asm__ volatile("dsb sy" : : : "memory");
}

/* The virtual counter (CNTVCT_EL0, arch_timer_freq() Hz). The isb keeps
 * the read after every earlier instruction. */
static inline uint64_t arch_ticks(void)
{
	uint64_t t;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(t) : : "memory");
	return t;
}

/* Retired instructions (EL0+EL1) from PMU event counter 0 programmed with
 * event 0x08 INST_RETIRED by arch_cpu_init (pmu.c). The counter is 32 bits
 * wide on PMUv3 < 8.5, so only differences below 2^32 are meaningful;
 * 0 when the PMU or the event is missing (QEMU implements 0x08 only with
 * -icount). */
extern uint8_t aarch64_pmu_ok;   /* pmu.c; set by arch_cpu_init */
static inline uint64_t arch_instret(void)
{
	uint64_t n = 0;
	if (aarch64_pmu_ok)
		__asm__ volatile("isb\n\tmrs %0, pmevcntr0_el0" : "=r"(n) : : "memory");
	return n;
}

/* Frame pointer of the calling function, and its stack pointer. */
#define arch_read_fp() ((uintptr_t)__builtin_frame_address(0))
static inline __attribute__((always_inline)) uintptr_t arch_read_sp(void)
{
	uintptr_t sp;
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	return sp;
}

/* Frame-pointer unwinding (AAPCS64 frame records): x29 points at
 * {caller's x29, return address}. */
static inline uintptr_t arch_frame_next(uintptr_t fp, uintptr_t *pc)
{
	*pc = ((const uintptr_t *)fp)[1];
	return ((const uintptr_t *)fp)[0];
}

/* The trapped function's caller: every function keeps a frame record
 * (-mno-omit-leaf-frame-pointer), so this is one ordinary unwind step from
 * the trapped frame pointer. Precondition: x29 lies inside the stack. */
static inline uintptr_t arch_tf_unwind(const struct trapframe *tf, uintptr_t *pc)
{
	return arch_frame_next(tf->x[29], pc);
}

static inline uintptr_t arch_tf_pc(const struct trapframe *tf) { return tf->elr; }
static inline uintptr_t arch_tf_sp(const struct trapframe *tf) { return tf->sp; }
static inline uintptr_t arch_tf_fp(const struct trapframe *tf) { return tf->x[29]; }
static inline uintptr_t arch_tf_lr(const struct trapframe *tf) { return tf->x[30]; }

/* Saved pc / sp / fp of a suspended context (for tracebacks of parked Gs). */
static inline uintptr_t arch_context_pc(const struct context *c) { return c->lr; }
static inline uintptr_t arch_context_sp(const struct context *c) { return c->sp; }
static inline uintptr_t arch_context_fp(const struct context *c) { return c->fp; }

#endif /* !__ASSEMBLY__ */
#endif
