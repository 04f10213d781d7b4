/*
 * atomic.h - compare-and-swap, the one atomic operation the architecture
 * layer provides.
 *
 *   bool arch_cas(T *p, T *expected, T desired, int success, int failure);
 *
 * Means exactly __atomic_compare_exchange_n(p, expected, desired, false,
 * success, failure): a strong CAS on a 4- or 8-byte object (integer or
 * pointer) with C11 success and failure orders (__ATOMIC_*). On success *p
 * becomes desired and the result is true; on failure *expected receives the
 * value found and the result is false.
 *
 * Why the arch layer provides it and not the compiler: GCC 12 for riscv64
 * (Debian's riscv64-unknown-elf-gcc) emits compare-and-swap sequences that
 * break the ISA manual's mapping of C11 onto RVWMO. It puts the success
 * acquire on the sc (`lr.w; bne; sc.w.aq`, and sc.aq orders nothing) and
 * turns a release CAS with a relaxed failure order into a bare
 * `lr.w; bne; sc.w`, with no release at all. arch/riscv/atomic_impl.h writes
 * the mapping's sequences in inline assembly instead; aarch64 keeps the
 * builtin, which both compilers map correctly (ldaxr/stlxr, or LSE
 * casa/casl/casal). docs/memory-model.md tells the whole story.
 *
 * Every other atomic (load, store, exchange, fetch-and-op, fence) is a C11
 * __atomic builtin in portable code: both compilers map those correctly on
 * both ISAs. scripts/check-atomics.sh reads the disassembly of every built
 * image and fails the tests if that ever stops being true.
 */
#ifndef ARCH_ATOMIC_H
#define ARCH_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

/* Per arch (arch/<arch>/atomic_impl.h; tests/host/atomic_impl.h on the
 * host): arch_cas_impl(p, expected, desired, success, failure). */
#include "atomic_impl.h"

/* The checks shared by every implementation: the object is 4 or 8 bytes,
 * and *p and *expected have the same type (a mismatch is a pointer-type
 * warning, an error under -Werror). A statement expression, so that a
 * caller may ignore the result. */
#define arch_cas(p, expected, desired, success, failure) ({                \
	_Static_assert(sizeof(*(p)) == 4 || sizeof(*(p)) == 8,                \
	               "arch_cas: a 4- or 8-byte object");                     \
	(void)(1 ? (p) : (expected));                                          \
	arch_cas_impl((p), (expected), (desired), (success), (failure));       \
})

#endif
