/*
 * arch_impl.h - the inline half of the architecture contract for the hosted
 * port: the runtime as an ordinary Linux program (docs/hosted.md).
 *
 * The "hardware" is a Linux process:
 *   CPU         = a pthread (cpu 0 is the process's main thread);
 *   interrupts  = the signals SIGALRM (the CPU's one-shot timer, a POSIX
 *                 timer aimed at this thread) and SIGURG (an IPI, tgkill);
 *   masking     = a per-thread flag (hosted_irqoff): a signal that finds
 *                 it set only records itself (hosted_pending) and is taken
 *                 again when arch_irq_enable clears the flag - so masking
 *                 costs a store, not a sigprocmask system call;
 *   trap stack  = the thread's alternate signal stack;
 *   RAM         = one mmap'd region; the page table = mprotect.
 *
 * Each Linux CPU has its own half in hosted/<cpu>/arch_impl.h (x86_64,
 * aarch64, riscv64): the registers a context and a trap frame hold, and
 * how a per-CPU "register" (the running M and G) is read. Included from
 * here, after what the three share.
 *
 * Included by the assembly files for the offsets: C is under !__ASSEMBLY__.
 */
#ifndef ARCH_HOSTED_ARCH_IMPL_H
#define ARCH_HOSTED_ARCH_IMPL_H

#define ARCH_NAME "hosted"

/* No UART: the console is stdout (console.c), the fallback one too, so no
 * firmware console is needed. Never dereferenced. */
#define ARCH_HAS_FIRMWARE_CONSOLE 0
#define ARCH_FALLBACK_UART_BASE  0UL
#define ARCH_FALLBACK_UART_PL011 0

/* Where the heap window and the stack window lie. AddressSanitizer's
 * shadow of x86-64 takes [0x7fff8000, 0x10007fff8000) (shadow and its
 * unmapped gap), so the boards' layout (the heap window at 64 GiB, the
 * stack window at 128 GiB, arch.h) cannot be mapped in an ASan build:
 * there both go above 16 TiB, to ASan's "high memory", the heap window
 * still below the stack window. kernel/lib/asan.h decides what an ASan
 * build is. */
#include "kernel/lib/asan.h"
#if GORT_ASAN
#define HEAP_REGION_BASE  0x110000000000ULL  /* 17 TiB */
#define STACK_REGION_BASE 0x120000000000ULL  /* 18 TiB */
#endif

/* ThreadSanitizer (SAN=thread, tsan.c): GORT_TSAN, from
 * kernel/lib/asan.h (GCC says so with __SANITIZE_THREAD__, clang with
 * __has_feature(thread_sanitizer)). The boards' layout needs no move: TSan's low application range on x86-64
 * (to 2 TiB in LLVM 14's runtime, 512 GiB in GCC 12's) holds the heap
 * window (64 GiB) and the stack window (128-256 GiB). HOSTED_NO_TSAN: a port function TSan must not
 * instrument (it runs between a fiber switch and the stack switch, or in
 * a signal handler TSan does not know of). */
#if defined(__clang__)
/* clang's no_sanitize("thread") still calls TSan at function entry and
 * exit; this leaves the function wholly alone */
#define HOSTED_NO_TSAN __attribute__((disable_sanitizer_instrumentation))
#else
#define HOSTED_NO_TSAN __attribute__((no_sanitize_thread))
#endif

/* The Linux CPU's own half. */
#if defined(__aarch64__)
#include "hosted/aarch64/arch_impl.h"
#elif defined(__riscv)
#include "hosted/riscv64/arch_impl.h"
#elif defined(__x86_64__)
#include "hosted/x86_64/arch_impl.h"
#else
#error "the hosted port knows x86-64, aarch64 and riscv64 Linux (docs/hosted.md)"
#endif

#ifndef __ASSEMBLY__
/* The index of the one bit set in bit: the compiler's ctz (x86-64's tzcnt
 * or bsf, aarch64's rbit + clz; riscv64 Linux: libgcc's, correct if slow). */
static inline __attribute__((always_inline)) uintptr_t arch_bit_index(uint64_t bit)
{
	return (uintptr_t)__builtin_ctzll(bit);
}

/* arch.h's arch_bit_index_in: the compiler's ctz needs no table, so the
 * structure is empty (size 0, a GNU C extension) and t is not read. */
struct arch_bit_table { unsigned char none[0]; };
#define ARCH_BIT_TABLE_INIT { }
static inline __attribute__((always_inline)) uintptr_t
arch_bit_index_in(const struct arch_bit_table *t, uint64_t bit)
{
	(void)t;
	return arch_bit_index(bit);
}
#endif
#endif
