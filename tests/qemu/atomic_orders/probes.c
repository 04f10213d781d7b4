/*
 * probes.c - one small function per (atomic operation, memory order), built
 * with the runtime's compiler and flags. scripts/check-atomics.sh finds
 * them by name in this test's image and checks that the instructions the
 * compiler produced follow the ISA's mapping of C11 (docs/memory-model.md);
 * main.c calls each one, so they are real code, not dead text.
 *
 * Names: probe_<op><bits>_<order>. The CAS probes go through arch_cas, as
 * every CAS in the runtime does; the rest are the C11 builtins that portable
 * code uses directly.
 */
#include <stdbool.h>
#include <stdint.h>
#include "arch/atomic.h"
#include "probes.h"

#define CAS_PROBE(bits, order, s, f)                                       \
	NOINLINE bool probe_cas##bits##_##order(uint##bits##_t *p,             \
	                                        uint##bits##_t *old,           \
	                                        uint##bits##_t new)            \
	{ return arch_cas(p, old, new, s, f); }

CAS_PROBE(32, relaxed, __ATOMIC_RELAXED, __ATOMIC_RELAXED)
CAS_PROBE(32, acquire, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)
CAS_PROBE(32, release, __ATOMIC_RELEASE, __ATOMIC_RELAXED)
CAS_PROBE(32, acq_rel, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)
CAS_PROBE(32, seq_cst, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
CAS_PROBE(64, relaxed, __ATOMIC_RELAXED, __ATOMIC_RELAXED)
CAS_PROBE(64, acquire, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)
CAS_PROBE(64, release, __ATOMIC_RELEASE, __ATOMIC_RELAXED)
CAS_PROBE(64, acq_rel, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
CAS_PROBE(64, seq_cst, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

#define LOAD_PROBE(order, o) \
	NOINLINE uint32_t probe_load32_##order(uint32_t *p) { return __atomic_load_n(p, o); }
#define STORE_PROBE(order, o) \
	NOINLINE void probe_store32_##order(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, o); }
#define XCHG_PROBE(order, o) \
	NOINLINE uint32_t probe_xchg32_##order(uint32_t *p, uint32_t v) { return __atomic_exchange_n(p, v, o); }
#define ADD_PROBE(order, o) \
	NOINLINE uint32_t probe_add32_##order(uint32_t *p, uint32_t v) { return __atomic_fetch_add(p, v, o); }
#define FENCE_PROBE(order, o) \
	NOINLINE void probe_fence_##order(void) { __atomic_thread_fence(o); }

LOAD_PROBE(acquire, __ATOMIC_ACQUIRE)
LOAD_PROBE(seq_cst, __ATOMIC_SEQ_CST)
STORE_PROBE(release, __ATOMIC_RELEASE)
STORE_PROBE(seq_cst, __ATOMIC_SEQ_CST)
XCHG_PROBE(acquire, __ATOMIC_ACQUIRE)
XCHG_PROBE(release, __ATOMIC_RELEASE)
XCHG_PROBE(seq_cst, __ATOMIC_SEQ_CST)
ADD_PROBE(release, __ATOMIC_RELEASE)
ADD_PROBE(acq_rel, __ATOMIC_ACQ_REL)
ADD_PROBE(seq_cst, __ATOMIC_SEQ_CST)
FENCE_PROBE(acquire, __ATOMIC_ACQUIRE)
FENCE_PROBE(release, __ATOMIC_RELEASE)
FENCE_PROBE(seq_cst, __ATOMIC_SEQ_CST)
