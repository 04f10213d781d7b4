/*
 * atomic_impl.h (host tests) - the host's half of arch/atomic.h.
 *
 * On the boards, arch/<arch>/atomic_impl.h gives arch_cas its sequence
 * (riscv64 writes the ISA mapping's lr/sc in inline assembly, because GCC 12
 * gets it wrong: docs/memory-model.md). The host is x86-64 or another ISA
 * whose compiler maps the builtin correctly, and the builtin is what
 * ThreadSanitizer understands, so here arch_cas_impl is exactly the builtin:
 * a strong CAS with the caller's success and failure orders. The host build
 * puts tests/host on the include path, so arch/atomic.h's
 * #include "atomic_impl.h" lands here.
 */
#ifndef ARCH_ATOMIC_IMPL_H
#define ARCH_ATOMIC_IMPL_H

#include <stdbool.h>

#define arch_cas_impl(p, e, d, s, f) __atomic_compare_exchange_n((p), (e), (d), false, (s), (f))

#endif
