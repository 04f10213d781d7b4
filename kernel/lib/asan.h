/*
 * asan.h - the runtime's hooks for AddressSanitizer (docs/hosted.md,
 * "Sanitizers"). Only the hosted build is ever compiled with
 * -fsanitize=address; on the boards, and in every other hosted build, each
 * hook is an empty inline function and NO_SANITIZE_ADDRESS an attribute
 * the compiler accepts and ignores.
 *
 * This header is the one place in portable code that tests a compiler
 * feature: GCC says -fsanitize=address with __SANITIZE_ADDRESS__, clang
 * with __has_feature(address_sanitizer). It is not an architecture #ifdef:
 * the code paths are the same on every port, only the hooks' bodies differ.
 *
 * What the hooks are for: the runtime's heap is its own memory (RAM, one
 * mmap hosted), which ASan sees as one big valid object. The allocator
 * tells it which parts are not live: asan_poison when an object is freed
 * (free(), or swept by the collector), asan_unpoison when it is handed out
 * again. A later load or store through a stale pointer is then an ASan
 * report ("use-after-poison"), as a use-after-free of glibc's malloc is.
 * NO_SANITIZE_ADDRESS marks the functions that read poisoned memory on
 * purpose: the conservative collector scanning stacks and heap words,
 * which must look at redzones and at dead objects.
 *
 * ThreadSanitizer (GCC: __SANITIZE_THREAD__, clang:
 * __has_feature(thread_sanitizer)) needs one attribute of portable code:
 * NO_SANITIZE_THREAD marks the page-dirty barrier's fault path
 * (gc_barrier_prefault, gc_barrier_fault, gc_barrier_lost and what they
 * call). A write fault can stop the thread inside TSan's own runtime -
 * its atomic store into a write-protected page, made while it holds its
 * locks - and a fault path that called TSan then would wait for those
 * locks, or change TSan's state under itself (docs/hosted.md,
 * "ThreadSanitizer"). So TSan sees none of it, as it sees nothing of the
 * kernel's page-table walk on a board. Empty in every other build (GCC's
 * no_sanitize_thread is the closest it has; TSan builds are clang's).
 */
#ifndef KERNEL_LIB_ASAN_H
#define KERNEL_LIB_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define GORT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GORT_ASAN 1
#endif
#endif
#ifndef GORT_ASAN
#define GORT_ASAN 0
#endif

#if defined(__SANITIZE_THREAD__)
#define GORT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORT_TSAN 1
#endif
#endif
#ifndef GORT_TSAN
#define GORT_TSAN 0
#endif

#ifndef __ASSEMBLY__   /* an arch_impl.h that assembly includes may test GORT_ASAN */
#include <stddef.h>
#include <stdbool.h>

/* A function that reads memory ASan may consider dead, on purpose. */
#define NO_SANITIZE_ADDRESS __attribute__((no_sanitize_address))

/* A function of the barrier's fault path: not instrumented by TSan (what
 * it inlines is not either; what it calls must carry this too). clang's
 * no_sanitize("thread") would still call TSan at entry and exit. */
#if GORT_TSAN && defined(__clang__)
#define NO_SANITIZE_THREAD __attribute__((disable_sanitizer_instrumentation))
#elif GORT_TSAN
#define NO_SANITIZE_THREAD __attribute__((no_sanitize_thread))
#else
#define NO_SANITIZE_THREAD
#endif

#if GORT_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);

/* [p, p+n) is not live: any access to it is an ASan report. */
static inline void asan_poison(const void *p, size_t n)
{
	__asan_poison_memory_region(p, n);
}

/* [p, p+n) is live again (handed out by the allocator). */
static inline void asan_unpoison(const void *p, size_t n)
{
	__asan_unpoison_memory_region(p, n);
}
#else
static inline void asan_poison(const void *p, size_t n) { (void)p; (void)n; }
static inline void asan_unpoison(const void *p, size_t n) { (void)p; (void)n; }
#endif

/* True while this CPU handles a fault with TSan told to look away (hosted:
 * a fault outside the executable's text, e.g. a goroutine stack growing
 * under a TSan hook or in libc; arch/hosted/signal.c). TSan then records
 * none of the handler's accesses and none of its lock operations, so the
 * handler must not be the only link in a happens-before chain between two
 * other threads (kernel/mm/stack.c, "TSan"). False in every other build. */
#if GORT_TSAN
bool tsan_fault_quiet(void);
#else
static inline bool tsan_fault_quiet(void) { return false; }
#endif
#endif /* !__ASSEMBLY__ */

#endif
