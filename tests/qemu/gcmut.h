/*
 * gcmut.h - helpers shared by the tests that mutate the heap while the
 * concurrent mark runs (gc_concmut, gc_torture): a small random number
 * generator and the pointer move that leaves no stale copy behind.
 */
#ifndef TESTS_QEMU_GCMUT_H
#define TESTS_QEMU_GCMUT_H
#include <stdint.h>

/* xorshift64: the state must not be 0. */
static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Move the pointer from one slot to another: it is only ever in a
 * caller-saved register here, which the caller's next call overwrites, so
 * after the move no stale copy on the goroutine's stack or in its saved
 * registers keeps the object alive - only the new slot does. from == to
 * leaves the pointer where it was. */
static __attribute__((noinline, unused)) void move_ptr(void **from, void **to)
{
	void *p = __atomic_exchange_n(from, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(to, p, __ATOMIC_RELAXED);
}
#endif
