/*
 * atomic_impl.h - arch_cas for the hosted port (x86-64): the compiler's
 * builtin, which both GCC and clang map to lock cmpxchg (sequentially
 * consistent whatever the order asked for).
 */
#ifndef ARCH_ATOMIC_IMPL_H
#define ARCH_ATOMIC_IMPL_H

#define arch_cas_impl(p, e, d, s, f) \
	__atomic_compare_exchange_n((p), (e), (d), false, (s), (f))

#endif
