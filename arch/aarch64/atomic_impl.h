/*
 * atomic_impl.h (aarch64) - arch_cas for arch/atomic.h.
 *
 * The builtin is right here with both compilers: acquire makes the load
 * exclusive an ldaxr, release makes the store exclusive an stlxr (seq_cst
 * both), and with LSE=1 the single instructions cas/casa/casl/casal. The
 * failure path's order is the load's. scripts/check-atomics.sh checks the
 * produced code.
 */
#ifndef ARCH_ATOMIC_IMPL_H
#define ARCH_ATOMIC_IMPL_H

#define arch_cas_impl(p, e, d, s, f) \
	__atomic_compare_exchange_n((p), (e), (d), false, (s), (f))

#endif
