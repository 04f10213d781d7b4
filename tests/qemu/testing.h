/*
 * testing.h - tiny helpers shared by the QEMU tests.
 * A test prints "PASS" at the end and returns 0, or calls FAILF, which
 * prints "FAIL: ..." and exits with status 1.
 */
#ifndef TESTS_QEMU_TESTING_H
#define TESTS_QEMU_TESTING_H
#include <stdio.h>
#include "gort.h"

#define FAILF(...) do { printf("FAIL: " __VA_ARGS__); printf("\n"); Exit(1); } while (0)
#define CHECK(c, ...) do { if (!(c)) FAILF(__VA_ARGS__); } while (0)

static inline int64_t atomic_load64(int64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void atomic_add64(int64_t *p, int64_t v) { __atomic_fetch_add(p, v, __ATOMIC_ACQ_REL); }

/* Wait (sleeping, not spinning) until *p reaches want, or fail after ms. */
static inline void wait_for(int64_t *p, int64_t want, int64_t ms, const char *what)
{
	int64_t deadline = nanotime() + ms * Millisecond;
	while (atomic_load64(p) < want) {
		if (nanotime() > deadline)
			FAILF("timed out waiting for %s: %lld of %lld", what,
			      (long long)atomic_load64(p), (long long)want);
		Sleep(Millisecond);
	}
}
#endif
