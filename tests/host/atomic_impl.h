/*
 * atomic_impl.h - the host's half of arch/atomic.h, for host tests.
 *
 * On the boards, arch/<arch>/atomic_impl.h gives arch_cas its own lr/sc or
 * cas sequence (see docs/memory-model.md for why the riscv64 one cannot be
 * left to GCC 12). On the host the compiler's builtin is what ThreadSanitizer
 * understands, so arch_cas is exactly it: a strong CAS with the success and
 * failure orders the caller names. The test build puts tests/host on the
 * include path, so arch/atomic.h's #include "atomic_impl.h" lands here.
 */
#ifndef TESTS_HOST_ATOMIC_IMPL_H
#define TESTS_HOST_ATOMIC_IMPL_H

#include <stdbool.h>

#define arch_cas(p, e, d, s, f) \
	__atomic_compare_exchange_n((p), (e), (d), false, (s), (f))

#endif
