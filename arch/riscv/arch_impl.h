/*
 * arch_impl.h - the inline half of the architecture contract for riscv64
 * (RV64GC, LP64D, S-mode under an SBI firmware). See arch/arch.h for what
 * each item promises and docs/arch-contract.md for the decisions.
 *
 * Objects:
 *   struct context   - what arch_switch saves: ra, sp, s0-s11, and fs0-fs11
 *                      when this hart's FP state is Dirty (context.S).
 *   struct trapframe - what trap.S saves on every trap: x1-x31, f0-f31,
 *                      fcsr, sepc, sstatus, scause, stval, and the value
 *                      trap.S puts back into sscratch when the trap returns
 *                      (an interrupt: the caller-saved registers only).
 * Invariants:
 *   - tp is the M pointer (== &m->tls, TLS variant I with the block at tp)
 *     for the whole life of a CPU. It belongs to the CPU, not to a
 *     goroutine: trap.S saves it for the register dump but never restores
 *     it, and asyncPreempt never loads it from its copy of the frame.
 *   - m->curg is at offset ARCH_M_CURG_OFFSET, so arch_getg() is the single
 *     instruction `ld rd, 64(tp)` (cpu.c checks the offset).
 *   - The TF_* offsets below are the layout trap.S uses; trap.c checks them
 *     against the C struct.
 *
 * This header is also included by the port's assembly files for the
 * offsets, so everything C is guarded by __ASSEMBLY__.
 */
#ifndef ARCH_RISCV_ARCH_IMPL_H
#define ARCH_RISCV_ARCH_IMPL_H

#define ARCH_NAME "riscv64"

#define ARCH_M_CURG_OFFSET 64
#define ARCH_M_FP_OWNER_OFFSET 72  /* m->fp_owner (context.S) */

/* Fields of struct g that trap.S reads to build an interrupt's frame on
 * the goroutine's stack (cpu.c checks the offsets). */
#define ARCH_G_STACK_HI_OFFSET      224
#define ARCH_G_IS_G0_OFFSET         242
#define ARCH_G_STACK_MAPPED_OFFSET  448

/* A broken device tree is reported on SBI's console (arch_firmware_putc),
 * which OpenSBI provides on every board; QEMU virt's ns16550a would be a
 * guess (on sifive_u that address is the clock controller). */
#define ARCH_HAS_FIRMWARE_CONSOLE 1
#define ARCH_FALLBACK_UART_BASE  0x10000000UL
#define ARCH_FALLBACK_UART_PL011 0
/* QEMU virt's "sifive,test0" finisher: power-off with a status when the
 * device tree could not be parsed. */
#define ARCH_FALLBACK_TEST_FINISHER 0x100000UL

/* struct trapframe layout (bytes) */
#define TF_X(n)      ((n) * 8)          /* x0 slot unused (always 0) */
#define TF_F(n)      (256 + (n) * 8)
#define TF_FCSR      512
#define TF_SEPC      520
#define TF_SSTATUS   528
#define TF_SCAUSE    536
#define TF_STVAL     544
#define TF_SSCRATCH  552                /* sscratch value to restore on exit */
#define TF_SIZE      560                /* multiple of 16 */

/* struct context layout (bytes) */
#define CTX_RA       0
#define CTX_SP       8
#define CTX_S(n)     (16 + (n) * 8)     /* s0..s11 */
#define CTX_FS(n)    (112 + (n) * 8)    /* fs0..fs11 */
#define CTX_FP_LIVE  208                /* fs0..fs11 hold its values (context.S) */
#define CTX_SIZE     216

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stdbool.h>

struct m;
struct g;

/* Callee-saved state of a suspended goroutine or g0 (arch_switch). */
struct context {
	uint64_t ra;       /* where arch_switch returns to */
	uint64_t sp;
	uint64_t s[12];    /* s0 (frame pointer) .. s11 */
	uint64_t fs[12];   /* fs0 .. fs11, as raw 64-bit patterns */
	uint64_t fp_live;  /* 0: fs[] was never saved (all zero) and this
	                      context never needs its FP registers loaded.
	                      Else the M (tp) whose hart last had fs[] in
	                      its registers (context.S) */
};

/* Everything a trap saves (trap.S). x[0] is unused; x[4] (tp) is saved for
 * arch_dump_regs only and never restored. An interrupt's frame (scause bit
 * 63) leaves the callee-saved slots (s1-s11, fs0-fs11) unwritten: the
 * handler keeps those registers, so the trap return needs no copy. */
struct trapframe {
	uint64_t x[32];
	uint64_t f[32];
	uint64_t fcsr;
	uint64_t sepc;
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;
	uint64_t sscratch; /* private to trap.S */
};

/* The index of the one bit set in bit. rv64gc has no ctz (Zbb's): a de
 * Bruijn multiply gives each of the 64 bits different top six bits, and a
 * table (ctz.c, shared with __ctzdi2) maps them to the index - eight
 * instructions, no branch. Not kept: the FPU's exponent of (double)bit
 * (four instructions), since QEMU runs a float conversion as a helper call:
 * 3.5x slower than this in qemu-riscv64's wall clock (8.4-9.8 ns against
 * 2.3-2.4 ns a call), and issue 12 counts QEMU's time too. Pure
 * computation: no memory-ordering duty. */
#define RISCV_DEBRUIJN64 0x03f79d71b4cb0a89UL
/* index[(bit * RISCV_DEBRUIJN64) >> 58] is the index of bit. */
#define RISCV_DEBRUIJN_INDEX \
	 0,  1, 48,  2, 57, 49, 28,  3, 61, 58, 50, 42, 38, 29, 17,  4, \
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12,  5, \
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11, \
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19,  9, 13,  8,  7,  6
extern const unsigned char riscv_debruijn_index[64];
static inline __attribute__((always_inline)) uintptr_t arch_bit_index(uint64_t bit)
{
	return riscv_debruijn_index[(bit * RISCV_DEBRUIJN64) >> 58];
}

/* The same from a copy of the multiplier and the table that the caller
 * keeps in a structure it already has a pointer to (the allocator's
 * mcache): the global table costs two instructions to address (auipc,
 * add) and the multiplier two to load from the constant pool (auipc, ld);
 * from the caller's structure, within a load's 12-bit offset of its
 * pointer, the multiplier is one load and the table none - five
 * instructions instead of eight. */
struct arch_bit_table {
	uint64_t mul;                   /* RISCV_DEBRUIJN64 */
	unsigned char index[64];        /* RISCV_DEBRUIJN_INDEX */
};
#define ARCH_BIT_TABLE_INIT { RISCV_DEBRUIJN64, { RISCV_DEBRUIJN_INDEX } }
static inline __attribute__((always_inline)) uintptr_t
arch_bit_index_in(const struct arch_bit_table *t, uint64_t bit)
{
	return t->index[(bit * t->mul) >> 58];
}

/* The per-CPU register: tp holds the M. volatile: a goroutine may move to
 * another CPU between two reads, so the compiler must not reuse an old one. */
static inline struct m *arch_this_m(void)
{
	struct m *m;
	__asm__ volatile("mv %0, tp" : "=r"(m));
	return m;
}

/* arch.h's arch_this_m_word: one load relative to tp instead of a copy of
 * tp and a load (an allocation and a free read m->mcache this way). A
 * compiler barrier, as arch_getg: it stays after the caller's pin. */
#define arch_this_m_word(off) ({ \
	uintptr_t w_; \
	__asm__ volatile("ld %0, %1(tp)" : "=r"(w_) : "i"(off) : "memory"); \
	w_; })

/* The running G: one load relative to tp, so an async preemption cannot
 * split the "which CPU" and "which G" halves of the read. */
static inline struct g *arch_getg(void)
{
	struct g *g;
	__asm__ volatile("ld %0, 64(tp)" : "=r"(g) : : "memory");
	return g;
}

/* arch.h's arch_setg: m->curg is what arch_getg reads. Inline: two calls
 * on every goroutine switch. */
static inline void arch_setg(struct m *m, struct g *g)
{
	*(struct g *volatile *)((char *)m + ARCH_M_CURG_OFFSET) = g;
}

/* Interrupt masking: sstatus.SIE. Compiler barriers, no hardware ordering.
 * arch_irq_save returns the previous SIE bit (non-zero = was enabled). */
static inline unsigned long arch_irq_save(void)
{
	unsigned long old;
	__asm__ volatile("csrrci %0, sstatus, 2" : "=r"(old) : : "memory");
	return old & 2;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & 2)
		__asm__ volatile("csrsi sstatus, 2" : : : "memory");
	else
		__asm__ volatile("csrci sstatus, 2" : : : "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("csrsi sstatus, 2" : : : "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ volatile("csrci sstatus, 2" : : : "memory");
}

static inline bool arch_irq_enabled(void)
{
	unsigned long s;
	__asm__ volatile("csrr %0, sstatus" : "=r"(s) : : "memory");
	return (s & 2) != 0;
}

/* Spin-wait hint: Zihintpause `pause` (a fence hint encoding, so it is a
 * harmless no-op on harts without the extension). No ordering. */
static inline void arch_cpu_relax(void)
{
	__asm__ volatile(".4byte 0x0100000f" : : : "memory");
}

/* arch.h: a board's waiter only spins (kernel/sched/findrunnable.c). */
#define ARCH_WAIT_SLEEPS 0
static inline void arch_nap(uint64_t ns) { (void)ns; }

/* Wait for an interrupt. Returns when one is pending even if SIE is 0. */
static inline void arch_wfi(void)
{
	__asm__ volatile("wfi" : : : "memory");
}

/* arch.h; tlb.c: a shootdown leaves a parked hart out, which flushes on
 * its way out. */
void riscv_wfi_parked(void);
static inline void arch_wfi_parked(void)
{
	riscv_wfi_parked();
}

/* Full two-way fence for ordinary memory. */
static inline void arch_mb(void)
{
	__asm__ volatile("fence rw, rw" : : : "memory");
}

/* Full fence between memory and device accesses (I/O and DMA'd memory
 * both ways): virtqueue rings against the doorbell and the interrupt. */
static inline void arch_dma_mb(void)
{
	__asm__ volatile("fence iorw, iorw" : : : "memory");
}

/* The free-running time counter (timebase_hz). The memory clobber keeps it
 * in program order with surrounding code; rdtime is not reordered with
 * earlier instructions in a way portable code can observe on the harts we
 * run on, so no fence is added. */
static inline uint64_t arch_ticks(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t) : : "memory");
	return t;
}

/* Retired-instruction counter (needs mcounteren.IR, which OpenSBI sets). */
static inline uint64_t arch_instret(void)
{
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n) : : "memory");
	return n;
}

/* Frame pointer of the calling function, and its stack pointer. */
#define arch_read_fp() ((uintptr_t)__builtin_frame_address(0))
static inline __attribute__((always_inline)) uintptr_t arch_read_sp(void)
{
	uintptr_t sp;
	__asm__ volatile("mv %0, sp" : "=r"(sp));
	return sp;
}

/* Frame-pointer unwinding (-fno-omit-frame-pointer): s0 points just above
 * the frame's save area; the return address is at fp-8 and the caller's s0
 * at fp-16. Caveat: GCC's leaf functions save only s0 (at fp-8), so a walk
 * that starts inside a leaf function misreads that one frame; walks that
 * start from a trap frame use arch_tf_lr for the first caller instead. */
static inline uintptr_t arch_frame_next(uintptr_t fp, uintptr_t *pc)
{
	*pc = ((const uintptr_t *)fp)[-1];
	return ((const uintptr_t *)fp)[-2];
}

/* The first unwinding step from a trap: the trapped function's caller.
 * Stores the caller's pc in *pc and returns the caller's frame pointer.
 * Unlike arch_frame_next this copes with GCC leaf functions: their frame
 * record is only {caller's s0} at fp-8 and the return address is still in
 * ra. The slot at fp-8 tells the two apart: a saved s0 points at or above
 * fp (stacks grow down), a return address points into .text, which lies
 * below every stack. Precondition: the caller has checked that
 * arch_tf_fp(tf) lies inside the interrupted stack. */
static inline uintptr_t arch_tf_unwind(const struct trapframe *tf, uintptr_t *pc)
{
	uintptr_t fp = tf->x[8];
	uintptr_t slot = ((const uintptr_t *)fp)[-1];
	if (slot >= fp) {               /* leaf: {s0} only, ra live */
		*pc = tf->x[1];
		return slot;
	}
	*pc = slot;
	return ((const uintptr_t *)fp)[-2];
}

/* Where a suspended context resumes (the return address arch_switch
 * saved) and its frame pointer, for tracebacks of parked goroutines. */
static inline uintptr_t arch_context_pc(const struct context *c) { return c->ra; }
static inline uintptr_t arch_context_sp(const struct context *c) { return c->sp; }
static inline uintptr_t arch_context_fp(const struct context *c) { return c->s[0]; }

static inline uintptr_t arch_tf_pc(const struct trapframe *tf) { return tf->sepc; }
static inline uintptr_t arch_tf_sp(const struct trapframe *tf) { return tf->x[2]; }
static inline uintptr_t arch_tf_fp(const struct trapframe *tf) { return tf->x[8]; }
static inline uintptr_t arch_tf_lr(const struct trapframe *tf) { return tf->x[1]; }

#endif /* !__ASSEMBLY__ */
#endif
