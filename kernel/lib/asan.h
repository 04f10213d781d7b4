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

#ifndef __ASSEMBLY__   /* an arch_impl.h that assembly includes may test GORT_ASAN */
#include <stddef.h>

/* A function that reads memory ASan may consider dead, on purpose. */
#define NO_SANITIZE_ADDRESS __attribute__((no_sanitize_address))

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
#endif /* !__ASSEMBLY__ */

#endif
