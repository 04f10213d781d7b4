/*
 * atomic_impl.h - arch_cas for the hosted port. x86-64 and aarch64: the
 * compiler's builtin (x86-64: lock cmpxchg, sequentially consistent
 * whatever the order asked for; aarch64: ldaxr/stlxr loops, inline by
 * -mno-outline-atomics, mk/hosted.mk). riscv64: the boards' lr/sc mapping,
 * arch/riscv/atomic_impl.h, for the reason it gives (GCC 12's own mapping
 * is wrong); it shares this file's include guard, so it comes first.
 */
#if defined(__riscv)
#include "riscv/atomic_impl.h"
#endif

#ifndef ARCH_ATOMIC_IMPL_H
#define ARCH_ATOMIC_IMPL_H

#define arch_cas_impl(p, e, d, s, f) \
	__atomic_compare_exchange_n((p), (e), (d), false, (s), (f))

#endif
