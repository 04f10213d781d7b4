/*
 * atomic_impl.h (riscv64) - arch_cas for arch/atomic.h, in inline assembly.
 *
 * The sequences are the ISA manual's mapping of C11 compare-and-swap onto
 * RVWMO (the "Linux/C11 mapping" table of the unprivileged spec):
 *
 *   order      load-reserved   store-conditional
 *   relaxed    lr              sc
 *   acquire    lr.aq           sc
 *   release    lr              sc.rl
 *   acq_rel    lr.aq           sc.rl
 *   seq_cst    lr.aqrl         sc.rl
 *
 * The acquire sits on the lr, so it also orders a failed CAS (whose only
 * access is that load); the release sits on the sc, the store that makes
 * the new value visible. GCC 12 gets this wrong (arch/atomic.h says how);
 * clang-14 gets it right, and both compile this.
 *
 * A 32-bit lr.w sign-extends what it loads, so the expected value is
 * sign-extended before the compare.
 */
#ifndef ARCH_ATOMIC_IMPL_H
#define ARCH_ATOMIC_IMPL_H

#include <stdbool.h>
#include <stdint.h>

/* The load-reserved and store-conditional suffixes for a (success,
 * failure) pair of C11 orders; the failure order only ever adds acquire. */
#define RISCV_CAS_LR_AQ(s, f) \
	((s) == __ATOMIC_ACQUIRE || (s) == __ATOMIC_ACQ_REL || (s) == __ATOMIC_CONSUME || \
	 (f) == __ATOMIC_ACQUIRE || (f) == __ATOMIC_CONSUME)
#define RISCV_CAS_SC_RL(s) \
	((s) == __ATOMIC_RELEASE || (s) == __ATOMIC_ACQ_REL || (s) == __ATOMIC_SEQ_CST)

/* One lr/sc loop. W is "w" or "d"; LR and SC are the suffixes. Leaves the
 * value found in `old`; `want` is the expected value, `new` the desired. */
#define RISCV_CAS_LOOP(W, LR, SC)                                         \
	__asm__ volatile("1:	lr." W LR "	%0, %2\n"                      \
	                 "	bne	%0, %3, 2f\n"                          \
	                 "	sc." W SC "	%1, %4, %2\n"                  \
	                 "	bnez	%1, 1b\n"                              \
	                 "2:"                                                  \
	                 : "=&r"(old), "=&r"(tmp), "+A"(*p)                    \
	                 : "r"(want), "r"(new)                                 \
	                 : "memory")

/* Select the loop for the orders (constants: the switch folds away). */
#define RISCV_CAS_BODY(W)                                                 \
	if (s == __ATOMIC_SEQ_CST || f == __ATOMIC_SEQ_CST)                   \
		RISCV_CAS_LOOP(W, ".aqrl", ".rl");                            \
	else if (RISCV_CAS_LR_AQ(s, f) && RISCV_CAS_SC_RL(s))                 \
		RISCV_CAS_LOOP(W, ".aq", ".rl");                              \
	else if (RISCV_CAS_LR_AQ(s, f))                                       \
		RISCV_CAS_LOOP(W, ".aq", "");                                 \
	else if (RISCV_CAS_SC_RL(s))                                          \
		RISCV_CAS_LOOP(W, "", ".rl");                                 \
	else                                                                  \
		RISCV_CAS_LOOP(W, "", "")

static inline __attribute__((always_inline)) bool
riscv_cas32(uint32_t *p, uint32_t *expected, uint32_t desired, int s, int f)
{
	long old, tmp, want = (int32_t)*expected, new = (int32_t)desired;
	RISCV_CAS_BODY("w");
	if (old == want)
		return true;
	*expected = (uint32_t)old;
	return false;
}

static inline __attribute__((always_inline)) bool
riscv_cas64(uint64_t *p, uint64_t *expected, uint64_t desired, int s, int f)
{
	uint64_t old, tmp, want = *expected, new = desired;
	RISCV_CAS_BODY("d");
	if (old == want)
		return true;
	*expected = old;
	return false;
}

/* Size dispatch; arch/atomic.h has already checked the size and types.
 * (uintptr_t) lets desired be a pointer as well as an integer. */
#define arch_cas_impl(p, e, d, s, f)                                         \
	(sizeof(*(p)) == 4                                                     \
	 ? riscv_cas32((uint32_t *)(void *)(p), (uint32_t *)(void *)(e),       \
	               (uint32_t)(uintptr_t)(d), (s), (f))                     \
	 : riscv_cas64((uint64_t *)(void *)(p), (uint64_t *)(void *)(e),       \
	               (uint64_t)(uintptr_t)(d), (s), (f)))

#endif
