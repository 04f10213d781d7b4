/*
 * arch.h - the architecture contract.
 *
 * This header is the only door between portable code (boot/main.c, kernel/,
 * drivers/) and the hardware. Every architecture directory (arch/riscv,
 * arch/aarch64) implements every function declared here; the build puts the
 * selected directory on the include path so that "arch_impl.h" resolves to
 * that architecture's inline half of the contract (register reads, fences,
 * the trap frame layout, the saved context layout).
 *
 * Vocabulary:
 *   cpu   - a logical CPU index, 0 .. ncpu-1, dense, 0 is the boot CPU.
 *   hwid  - the hardware id of that CPU (RISC-V hart id, AArch64 MPIDR affinity).
 *   M     - the runtime's per-CPU structure (kernel/sched/runtime2.h).
 *   G     - a goroutine.
 *
 * The decisions behind this header (thread pointer and TLS, trap stacks,
 * async preemption, what the portable side provides) are in
 * docs/arch-contract.md: READ IT before implementing a port.
 *
 * Memory-ordering duty: each function says what ordering it guarantees.
 * Compare-and-swap is the architecture's too: arch_cas (arch/atomic.h),
 * because a compiler's builtin can get the ISA's mapping wrong (GCC 12 on
 * riscv64). arch_switch and trap returns leave no load reservation or
 * exclusive monitor armed. Portable code uses C11 __atomic builtins for
 * every other atomic.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct bootinfo;   /* kernel/dt/bootinfo.h */
struct m;
struct g;

/* arch_impl.h provides, as static inline functions or macros:
 *   struct context      - callee-saved registers, sp and resume pc of a
 *                         suspended goroutine or g0.
 *   struct trapframe    - every integer register, the FP registers, pc and
 *                         the status needed to return from a trap.
 *   ARCH_NAME           - "riscv64" or "aarch64".
 *   arch_this_m()       - read the per-CPU register (tp / TPIDR_EL1).
 *   arch_getg()         - the running G, read in ONE instruction so that an
 *                         async preemption cannot tear it (a G may migrate
 *                         between CPUs at any instruction boundary).
 *   arch_irq_save(), arch_irq_restore(flags), arch_irq_enable(),
 *   arch_irq_disable(), arch_irq_enabled()
 *                       - compiler barriers; no hardware ordering.
 *   arch_cpu_relax()    - spin-wait hint (pause / yield); no ordering.
 *   ARCH_WAIT_SLEEPS    - 1 if a CPU that waits for another CPU may give
 *                         its processor away and sleep: hosted, where a
 *                         CPU is a thread of a host that can run something
 *                         else meanwhile. 0 on a board, whose CPUs spin:
 *                         the waits below are then never called.
 *   arch_nap(ns)        - sleep about ns, or longer (the host's timer
 *                         slack: ~50 us on Linux), to give another CPU time
 *                         to act (a thief's grace for a busy P's runnext).
 *                         No ordering. Boards: nothing.
 *   arch_wfi()          - wait for interrupt; returns on any interrupt even
 *                         if interrupts are masked (both ISAs do this).
 *   arch_wfi_parked()   - arch_wfi for a CPU that is parked: called with
 *                         interrupts masked, on a stack no barrier tracks
 *                         (g0), by a caller that stores nothing between
 *                         its last store before the call and its return.
 *                         The port may then leave the CPU out of a
 *                         shootdown (arch_dirty_flush) made meanwhile and
 *                         flush it on the way out, before the caller's
 *                         next store (riscv: arch/riscv/tlb.c; elsewhere
 *                         arch_wfi). stopm's wait (kernel/sched/idle.c).
 *   arch_read_fp(), arch_return_address-style helpers for traceback:
 *   arch_frame_next(fp, &pc) - given a frame pointer, the caller's frame
 *                         pointer and stores the return address in *pc.
 *   arch_tf_pc(tf), arch_tf_sp(tf), arch_tf_fp(tf), arch_tf_lr(tf).
 *   arch_tf_unwind(tf, &pc) - the trapped function's caller frame pointer,
 *                       and its return address in *pc (handles leaf
 *                       functions whose frame holds no return address).
 *   arch_context_pc(c), arch_context_fp(c), arch_context_sp(c) - resume pc,
 *                       frame pointer and stack pointer of a suspended
 *                       context (tracebacks of parked Gs; the GC scans a
 *                       parked G's stack from sp up, and the registers
 *                       arch_switch saved live in the context itself).
 *   ARCH_FALLBACK_UART_BASE, ARCH_FALLBACK_UART_PL011 - QEMU virt's UART,
 *                       used only to report a broken device tree when the
 *                       firmware has no console (below).
 *   ARCH_HAS_FIRMWARE_CONSOLE - 1 if arch_firmware_putc exists: a console
 *                       the firmware keeps on every board (riscv64: SBI's),
 *                       the first choice to report a broken device tree.
 *   arch_ticks()        - the free-running timer counter (rdtime / CNTVCT),
 *                         ordered after earlier instructions (isb on arm).
 *   arch_instret()      - retired-instruction counter for benchmarks.
 *   arch_bit_index(bit) - the index (0..63, a uintptr_t) of the one bit set in a word
 *                         (the allocator's allocCache: kernel/mm/mspan.h);
 *                         pure computation.
 *   arch_bit_index_in(t, bit) - the same, from a struct arch_bit_table
 *                         the caller keeps (ARCH_BIT_TABLE_INIT; empty where
 *                         the CPU has a ctz; riscv64: its de Bruijn table,
 *                         closer than a global's address).
 *   arch_mb()           - full two-way fence (fence rw,rw / dmb ish).
 *   arch_dma_mb()       - full fence between memory and device accesses,
 *                         MMIO registers and DMA'd memory (fence iorw,iorw
 *                         / dsb sy): drivers order rings against doorbells.
 */
#include "arch_impl.h"

/* arch_this_m_word(off): the word at constant byte offset off of the
 * running CPU's struct m, i.e. a field of arch_this_m(), for a caller
 * pinned to its CPU. An arch may read it in one instruction (riscv64: a
 * load relative to tp, where arch_this_m() copies tp first). */
#ifndef arch_this_m_word
#define arch_this_m_word(off) (*(uintptr_t *)((char *)arch_this_m() + (off)))
#endif

/* ---- boot and CPUs --------------------------------------------------- */

/* Early per-CPU set-up on the calling CPU: trap vector, per-CPU register
 * (points at m), trap stack, FPU on. Called once per CPU before anything
 * can trap. Ends with a full fence. */
void arch_cpu_init(struct m *m, int cpu);

/* Start logical CPU `cpu` (hardware id hwid). It enters boot code that sets
 * its stack to boot_stack_top(cpu) and calls secondary_main(cpu).
 * Ordering: everything written before the call is visible to the new CPU
 * (SBI/PSCI calls are preceded by a full fence). Returns 0 or an error. */
int arch_start_cpu(int cpu, uint64_t hwid);

/* The hardware id of the calling CPU as the firmware reported it at entry
 * (riscv: a0 at entry; aarch64: MPIDR_EL1 affinity bits). */
uint64_t arch_boot_hwid(void);

/* One byte on the firmware's console, for reports made without a device
 * tree (a broken one): SBI's legacy console putchar on riscv64, which
 * OpenSBI provides on every board it runs on. Only where
 * ARCH_HAS_FIRMWARE_CONSOLE is 1 (aarch64 firmware has no console).
 * Slow (a trap into the firmware per byte); no ordering. */
void arch_firmware_putc(char c);

/* Power the machine off. status 0 = success, non-zero = failure; under
 * QEMU the process exits with a non-zero code on failure (riscv: the
 * device tree's test finisher (virt), else semihosting SYS_EXIT_EXTENDED
 * when QEMU runs with -semihosting (sifive_u), else SBI SRST; aarch64:
 * semihosting SYS_EXIT when QEMU runs with -semihosting, else PSCI
 * SYSTEM_OFF). Never returns. */
_Noreturn void arch_poweroff(int status);

/* Interrupt-controller and timer set-up for the calling CPU (the boot CPU
 * also initialises the shared distributor/PLIC). Enables the timer and IPI
 * interrupt sources; the caller enables interrupts with arch_irq_enable(). */
void arch_intc_init_cpu(int cpu);

/* ---- memory management unit ------------------------------------------ */

/* Build the kernel page tables from bootinfo on the boot CPU: every RAM
 * range identity-mapped as Normal write-back cacheable memory, everything
 * else below the top of RAM (MMIO) as Device memory; every RAM range once
 * more in the heap window, at HEAP_REGION_BASE + its physical address
 * (Normal, read/write, never executable, blocks as large as alignment
 * allows); then turn the MMU on. RAM must lie below HEAP_REGION_SIZE
 * (a fatal error otherwise). Page-table pages come from the port's own
 * static pool (the page heap is not up yet).
 * Ordering: returns with the MMU on and the tables visible to all CPUs. */
void arch_mmu_init(const struct bootinfo *bi);

/* Turn the MMU on for a secondary CPU with the tables arch_mmu_init built. */
void arch_mmu_enable_secondary(void);

/* Map one 4 KiB page va -> pa, read/write, Normal memory, no execute.
 * Intermediate tables come from pt_alloc_page() (kernel/mm). The new
 * mapping is visible to every CPU when this returns (store + fence that
 * makes it visible to the page-table walkers of all CPUs).
 * Returns 0, or -1 if va was already mapped. */
int arch_map_page(uintptr_t va, uintptr_t pa);

/* Remove the mapping of one 4 KiB page and flush it from every CPU's TLB
 * (broadcast TLBI / SBI remote fence). Returns the physical address that was
 * mapped, or 0 if none. */
uintptr_t arch_unmap_page(uintptr_t va);

/* The same for n consecutive pages from va, with one flush of every CPU's
 * TLB for the whole range: pa[i] is what va + i pages mapped, or 0.
 * Returns how many were mapped. Same ordering as arch_unmap_page: every
 * CPU's TLB has dropped the range when it returns, so the pages may be
 * reused. (On riscv64 a remote flush is an SBI call; one per page, from
 * several harts at once, livelocked OpenSBI 1.1: stack_growth at -smp 4.) */
int arch_unmap_pages(uintptr_t va, int n, uintptr_t pa[]);

/* Physical address behind va, or 0 if unmapped. */
uintptr_t arch_translate(uintptr_t va);

/* ---- page-dirty tracking: the collector's write barrier ---------------- */
/* Mechanism only; the policy (which ranges, the dirty bitmaps, when to
 * arm) is kernel/gc/barrier.c, the argument docs/gc.md ("The page-dirty
 * barrier"). A tracked page is a 4 KiB page of the image, of the heap
 * window or of the stack window whose leaf entry carries the port's "tracked"
 * software bit. It is either dirty (written since it was last cleaned) or
 * clean. Two ways of noticing the first store after a clean:
 *   hardware - the MMU marks the entry itself (RISC-V: the hart sets D;
 *              AArch64 FEAT_HAFDBS: DBM set, the walker clears AP[2]);
 *   fault    - clean pages are write-protected (RISC-V W = 0; AArch64
 *              AP[2] = 1, DBM = 0); the store faults, the port makes the
 *              page writable (= dirty) and calls gc_barrier_fault.
 * Both modes keep the dirty state in the leaf entry itself, so "collect"
 * is the same read-and-clear in both. */

/* Can the MMU record writes without faulting? RISC-V: probed on the boot
 * CPU by a store to a page with D = 0 (a hart that traps instead, Svade,
 * answers false). AArch64: ID_AA64MMFR1_EL1.HAFDBS >= 2 (then TCR_EL1.HA
 * and HD are on for every CPU from arch_mmu_init). Boot CPU, after
 * arch_mmu_init. No ordering duty. */
bool arch_dirty_hw_capable(void);

/* Choose the mode (hw = true: hardware dirty bits, which needs
 * arch_dirty_hw_capable()). Boot CPU, once, before arch_dirty_track and
 * before any other CPU starts; the mode never changes afterwards. */
void arch_dirty_init(bool hw);

/* Map the mapped RAM range [base, base+size) (page-aligned: the image's
 * data, or heap-window RAM) with 4 KiB pages, same attributes, tracked and
 * dirty. Blocks are split (AArch64: break-before-make; so the range's
 * blocks must not hold the running code, stack or page tables: the image's
 * blocks are mapped with 4 KiB pages by arch_mmu_init for that reason).
 * The range holds no page-table page (those are written through the
 * identity map, and the heap is tracked through its window). Boot
 * CPU, interrupts masked, before other CPUs start; returns with every
 * change visible to this CPU's walker and TLB. Stack-window pages mapped by
 * arch_map_page after arch_dirty_init are tracked and dirty too. */
void arch_dirty_track(uintptr_t base, size_t size);

/* Make the pages of [base, base+size) untracked, writable and never
 * reported (memory the barrier's own fault path or collect writes).
 * Lock-free; any context. A CPU still caching a write-protected
 * translation takes one spurious fault, which the port absorbs. */
void arch_dirty_untrack(uintptr_t base, size_t size);

/* For each tracked page i of the npages pages from base: if it is dirty,
 * set bit i of bits (bits may be NULL: arm only), and make it clean in
 * the mode's own way (in hardware mode this also undoes
 * arch_dirty_protect) - an atomic read-modify-write of the leaf entry, so
 * a concurrent hardware update or fault-path update is never lost. Untracked or unmapped pages
 * are skipped (bit left alone). Does NOT flush TLBs: until
 * arch_dirty_flush returns, another CPU may still store through a cached
 * dirty translation without marking the page again. One caller at a time
 * per range (the policy serialises). */
void arch_dirty_collect(uintptr_t base, size_t npages, uint64_t *bits);

/* As arch_dirty_collect, and in hardware mode also write-protect each
 * tracked page the way fault mode does (RISC-V W = 0; AArch64 AP[2] = 1
 * with DBM clear), so that after the next arch_dirty_flush the first store
 * to it faults and reaches gc_barrier_fault; the fault path gives the page
 * back the mode's own dirty state (AArch64: DBM set again). In fault mode
 * the same as arch_dirty_collect. Returns false, having done only
 * arch_dirty_collect, where the port cannot take write faults (no port
 * today; the hosted one takes them as SIGSEGV).
 * Ordering as arch_dirty_collect: one atomic RMW per leaf, no flush. */
bool arch_dirty_protect(uintptr_t base, size_t npages, uint64_t *bits);

/* As arch_dirty_protect (protect) or arch_dirty_collect (not), without
 * the bitmap, for the pages of the 64 from base whose bit is set in mask
 * (bit i: base + i * 4096). The collect of a faulted bitmap calls it once
 * per bitmap word: the port finds each leaf table once per word, not once
 * per run of neighbouring pages, and pays no call per run (a start pause
 * protects some hundreds of pages in tens of runs again). Same ordering
 * and contract as those two; where the port cannot write-protect, protect
 * is a clean. */
void arch_dirty_clean_mask(uintptr_t base, uint64_t mask, bool protect);

/* Shootdown: every CPU drops every cached translation; returns after all
 * have. Ordering: the leaf updates before the call are visible to every
 * walker before any CPU re-walks; every store another CPU made through an
 * old translation is visible to the caller when this returns (RISC-V: full
 * fence, local sfence.vma, SBI remote sfence.vma waits for every hart's
 * acknowledgement; AArch64: dsb ishst; tlbi vmalle1is; dsb ish; isb - the
 * dsb completes the broadcast invalidation only once every access that
 * used an old entry is observed). Any context with interrupts enabled or
 * not; does not sleep. */
void arch_dirty_flush(void);

/* ---- timer and IPI ---------------------------------------------------- */

/* Frequency of arch_ticks() in Hz (set from bootinfo, or CNTFRQ_EL0). */
uint64_t arch_timer_freq(void);

/* Program this CPU's one-shot timer to interrupt when arch_ticks() >= when.
 * Replaces any earlier deadline. UINT64_MAX means "no deadline" (disarm).
 * Per-CPU only; no ordering with other CPUs. */
void arch_timer_set(uint64_t when);

/* Send an inter-processor interrupt to logical CPU `cpu`. Ordering: all
 * stores before the call are visible to the target before it takes the
 * interrupt (a full fence precedes the send). */
void arch_send_ipi(int cpu);

/* Make logical CPU `cpu` return from arch_wfi if it waits there, or from
 * its next arch_wfi at once: a wake-up for an idle CPU, which then looks
 * for work itself; no interrupt handler need run (the boards send an IPI;
 * the hosted port a futex wake, cheaper than a signal). Ordering: all
 * stores before the call are visible to the target when its arch_wfi
 * returns. */
void arch_wake_cpu(int cpu);

/* ---- device interrupts -------------------------------------------------- */
/* The mechanism of device interrupts (the policy - which CPU, who is woken -
 * is portable: kernel/io/). A device interrupt is a level-triggered line of
 * the board's interrupt controller (PLIC source, GIC SPI); the trap code
 * claims (acknowledges) it, calls trap_devirq with its number, and completes
 * (end-of-interrupt) it after trap_devirq returns, by when the driver has
 * quietened the device. docs/devices.md. */

/* The hardware interrupt number of a device-tree interrupt specifier (the
 * cells of a node's "interrupts" property, in this controller's binding:
 * PLIC <source>; GIC <type number flags>), or -1 if this port cannot take
 * it (wrong cell count, a PPI, no controller). */
int arch_irq_decode(const uint32_t *cells, int ncells);

/* Enable device interrupt irq (from arch_irq_decode) and deliver it to
 * logical CPU `cpu` only (PLIC: that hart's S-mode context enable bit; GIC:
 * its target/route). Callable once the controller is set up
 * (arch_intc_init_cpu on the boot CPU), from any CPU; call it once per irq.
 * Ordering: the controller's registers are written before it returns. */
void arch_irq_route(int irq, int cpu);

/* ---- context switch ---------------------------------------------------- */

/* Save callee-saved registers, sp and the return address of the caller in
 * *from; load *to and continue there. Callee-saved FP registers are saved
 * too. Acts as a compiler barrier; no hardware fence (the scheduler's
 * atomics order the hand-over of a G between CPUs).
 * A port may move the FP registers lazily, keyed on a hardware "FP state
 * changed" flag (riscv64: sstatus.FS, arch/riscv/context.S). The duty that
 * puts on traps: a trap return may put back the flag only together with
 * the FP registers of the same moment. A return that resumes a G after it
 * may have switched away and back (riscv64's asyncPreempt, which restores
 * sstatus from its copy) must put it back as "changed" (Dirty) if the
 * flag says "changed" when it resumes: a caller of the switch may have
 * kept a callee-saved FP register of the G's on its stack and restored
 * it after the switch loaded other values. "Not changed" both at the
 * trap and at the resume may be put back as is (arch/riscv/trap.S). */
void arch_switch(struct context *from, struct context *to);

/* arch_switch for a goroutine that has ended (goexit): from is never
 * resumed, so an arch may skip saving into it (riscv64, aarch64: only the
 * load half, with the reservation dropped as arch_switch does; hosted
 * saves it, for its sanitizers' fiber switch). Never returns. Ordering as
 * arch_switch. */
_Noreturn void arch_switch_dead(struct context *from, struct context *to);

/* Prepare *c so that arch_switch to it calls entry(arg) on the stack that
 * ends at stack_top (16-byte aligned). entry must never return. */
void arch_context_init(struct context *c, uintptr_t stack_top,
                       void (*entry)(void *), void *arg);

/* Make the running G the per-CPU "current G" that arch_getg() returns.
 * Called by the scheduler on the switching CPU with interrupts masked.
 * Inline, in arch_impl.h: static inline void arch_setg(struct m *, struct g *); */

/* ---- saved frames for panics (setjmp/longjmp) -------------------------- */

/* A panic unwinds C frames by jumping back to the Call frame that
 * recovers (kernel/panic, docs/panic.md). arch_setjmp saves into *c what
 * arch_switch saves - the callee-saved integer and FP registers, sp and
 * the return address - and returns 0. arch_longjmp(c) reloads them and
 * makes that arch_setjmp return a second time, with 1. c must belong to a
 * function activation that is still live on the calling goroutine's
 * stack (frames below it are simply abandoned), or have been made by
 * arch_context_init for a stack of the calling goroutine - then
 * arch_longjmp starts entry(arg) on that stack, as arch_switch would (a
 * goroutine's outermost frame, kernel/panic/defer.c). Same goroutine, same
 * or another CPU (the G may have migrated in between): no fence, no
 * reservation duty (arch_switch and trap returns keep those). */
__attribute__((returns_twice)) long arch_setjmp(struct context *c);
_Noreturn void arch_longjmp(const struct context *c);

/* ---- traps ------------------------------------------------------------ */

/* Async preemption, the mechanism (the decision - is the goroutine at a
 * safe point, is it on its own stack, is there room, where does the copy
 * go - is portable: kernel/sched/preempt.c). Copy the trap frame *tf to
 * copy (16-byte aligned, below the interrupted sp, on mapped pages) and
 * redirect *tf so that the trap returns into asyncPreempt with sp = copy,
 * in the interrupted privilege mode, interrupts on. asyncPreempt calls
 * asyncPreempt2() and then restores the caller-saved registers, the frame
 * pointer, pc and status from the copy - the callee-saved ones never left
 * their registers (the handler and asyncPreempt2 keep them, as C code
 * does): the goroutine resumes exactly where it was. The port may have
 * built *tf at copy already (tf == copy: an interrupt's frame on the
 * goroutine's own stack); then nothing is copied, and the redirect keeps
 * the frame's pc, status and sp, which asyncPreempt reads. Such a port
 * must read the interrupt's pc, status and cause before its first store to
 * the goroutine's stack, and keep its own sp on the trap stack while it
 * stores: any of those stores may fault (the GC's page barrier protects
 * stack pages of running goroutines), and the nested fault, resolved on
 * the trap stack, overwrites the trap registers. Plain stores, no fence:
 * the frame or copy is read back by this CPU's handler and then by the
 * same goroutine, on this CPU or - after the scheduler's hand-over, which
 * orders it - on another. */
void arch_inject_async_preempt(struct trapframe *tf, uintptr_t copy);

/* The assembly routine above, and its length in bytes (a data word, not an
 * end label: the symbol table names one function). A trapped pc in
 * [asyncPreempt, asyncPreempt + asyncPreempt_len) is already on its way. */
void asyncPreempt(void);
extern const uint64_t asyncPreempt_len;

/* What a synchronous fault was, for the portable policy that turns a
 * goroutine's bad memory access into a panic (kernel/panic/sigpanic.c):
 * ARCH_FAULT_MEMORY - a translation, permission or access fault on a data
 *                     access or an instruction fetch (nil or wild pointer);
 * ARCH_FAULT_MISALIGNED - an access the CPU refused for its alignment;
 * ARCH_FAULT_OTHER  - everything else (illegal instruction, breakpoint,
 *                     interrupts, external aborts). Reads *tf only. */
enum arch_fault { ARCH_FAULT_OTHER, ARCH_FAULT_MEMORY, ARCH_FAULT_MISALIGNED };
enum arch_fault arch_fault_kind(const struct trapframe *tf);

/* Did the trapped context run on the goroutine side (not a trap handler)
 * with interrupts enabled? Reads *tf only. */
bool arch_tf_irqs_on(const struct trapframe *tf);

/* Make the trap return call fn(copy) on the trapped goroutine's stack, as
 * if the trapped instruction had called it: copy the whole trap frame *tf
 * to copy (16-byte aligned, below the trapped sp, on mapped pages; the
 * portable side chose it), then redirect *tf: pc = fn, first argument =
 * copy, sp = copy, the return-address register = the trapped pc, every
 * other register as trapped, same privilege mode, interrupts on. fn must
 * never return; the copy lets it print a traceback from the trapped
 * instruction (traceback_trap). Plain stores, no fence: the same
 * goroutine reads the copy back, on this CPU or - after the scheduler's
 * hand-over, which orders it - on another. */
void arch_inject_call(struct trapframe *tf, void (*fn)(struct trapframe *), uintptr_t copy);

/* Print every register of *tf, one line each group, via printk. */
void arch_dump_regs(const struct trapframe *tf);

/* ---- sizes and the stack window ---------------------------------------- */

#define MAXCPU          8
#define BOOT_STACK_SIZE (32 * 1024)     /* per CPU, also its M's g0 stack */
#define TRAP_STACK_SIZE (16 * 1024)     /* per CPU */

/* Virtual window for goroutine stacks (mapped 4 KiB at a time, with guard
 * pages left unmapped). Identical on both architectures: 128 GiB .. 256 GiB,
 * the top half of Sv39's lower (positive) half, so it fits Sv39 (addresses
 * below 2^38) and a 39-bit AArch64 address space. */
#ifndef STACK_REGION_BASE  /* a port may place it elsewhere (hosted + ASan) */
#define STACK_REGION_BASE 0x2000000000ULL   /* 128 GiB */
#endif
#define STACK_REGION_SIZE 0x2000000000ULL   /* 128 GiB of address space */

/* Virtual window for the page heap: RAM at physical address pa is also
 * mapped at HEAP_REGION_BASE + pa, and every heap pointer is such an
 * address (kernel/mm/mheap.h: heap_phys, heap_va), so that the collector's
 * conservative scan does not take small integers, tick counts and
 * nanosecond times for heap pointers (docs/memory.md "The heap window").
 * 64 GiB .. 128 GiB, below the stack window. RAM and MMIO must lie below
 * 64 GiB to be identity-mapped; the identity map of RAM stays, for page
 * tables and the image, but no heap pointer is ever formed through it. */
#ifndef HEAP_REGION_BASE   /* a port may place it elsewhere (hosted + ASan) */
#define HEAP_REGION_BASE 0x1000000000ULL    /* 64 GiB */
#endif
#define HEAP_REGION_SIZE 0x1000000000ULL    /* 64 GiB of address space */

/* ---- what the portable side provides ----------------------------------- */
/* Defined outside arch/, called by the ports; no arch file declares a
 * portable function by hand. (Ports may also include the portable headers
 * for data they must understand: kernel/dt/bootinfo.h,
 * kernel/sched/runtime2.h, boot/boot.h, kernel/lib/print.h,
 * kernel/lib/spinlock.h; docs/arch-contract.md.) */

/* Handlers the trap code calls (kernel/sched/preempt.c). They run on the
 * per-CPU trap stack with interrupts masked. */
void trap_timer(struct trapframe *tf);
void trap_ipi(struct trapframe *tf);
/* A device interrupt, claimed and not yet completed (kernel/io/irq.c). */
void trap_devirq(int irq);
/* A synchronous exception the arch code could not resolve. cause is a
 * human-readable description ("load page fault", "data abort"), addr the
 * faulting address (or 0). Returns only if the fault was handled (e.g. a
 * stack page was mapped); otherwise prints the report and powers off. */
void trap_fault(struct trapframe *tf, const char *cause, uintptr_t addr,
                bool addr_valid);
/* The page-dirty barrier's fault path (kernel/gc/barrier.c): the port
 * made the tracked page at va writable (dirty) after a write fault. Runs
 * in the trap handler in any context (interrupts masked, spinlocks held,
 * on g0 or a trap stack): it counts and sets the page's bit in the
 * barrier's faulted bitmap; it must never block nor store to a tracked
 * page. Ordering duty of the port: call it after the atomic update that
 * made the leaf writable and only when that update changed the leaf from
 * clean to dirty (its release OR orders the update before the collector's
 * clean of the page; docs/gc.md, "Fault mode's dirty bitmap"). */
void gc_barrier_fault(uintptr_t va);
/* The barrier's fault path, before the port makes the page writable: a
 * write fault on the tracked, write-protected (clean) page at va. Same
 * context as gc_barrier_fault; it reads the page (the snapshot mark greys
 * what the page holds before its first store: kernel/gc/mgcsatb.c) and
 * writes only untracked memory. Ordering duty of the port: call it
 * before the atomic update that makes the leaf writable, and only when
 * the leaf was write-protected (a spurious fault on a page already
 * writable needs no call), so that no store can land on the page before
 * the call returns. */
void gc_barrier_prefault(uintptr_t va);
/* The port made a tracked page writable without gc_barrier_prefault (the
 * hosted port's fallback, or a page its holder's own thread wrote while
 * protecting it): the snapshot mark, if one runs, falls back on rescanning
 * (kernel/gc/mgcsatb.c). Any context, as gc_barrier_fault. */
void gc_barrier_lost(void);
/* Called by asyncPreempt on the goroutine's stack, interrupts on: yield
 * like Gosched; returns when the goroutine runs again (kernel/sched/preempt.c). */
void asyncPreempt2(void);

/* Entry point for secondary CPUs (boot/main.c). */
_Noreturn void secondary_main(int cpu);

/* Per-CPU boot stacks (also each M's g0 stack) and trap stacks, in .bss,
 * defined by boot/stacks.c. */
uintptr_t boot_stack_top(int cpu);
uintptr_t trap_stack_top(int cpu);

/* A zeroed 4 KiB page for a page table, never freed (kernel/mm/mheap.c),
 * returned by its physical (= identity-mapped) address, which is what a
 * table entry holds; throws when memory runs out. For arch_map_page's
 * intermediate tables, so callable wherever that is: once the page heap is
 * up, including from the fault handler that grows a stack. */
void *pt_alloc_page(void);

#endif
