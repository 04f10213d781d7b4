/* atomic_impl.h (host tests) - arch_cas for arch/atomic.h: the host is x86-64 or
 * another ISA whose compiler maps the builtin correctly, so it is the builtin. */
#ifndef ARCH_ATOMIC_IMPL_H
#define ARCH_ATOMIC_IMPL_H
#define arch_cas_impl(p, e, d, s, f) __atomic_compare_exchange_n((p), (e), (d), false, (s), (f))
#endif
