/*
 * check.h - the few lines every host unit test shares: CHECK counts checks
 * and failures and prints each failure; check_summary ends the program
 * with "ok N checks" (exit 0) or "FAIL: n of N checks failed" (exit 1).
 */
#ifndef TESTS_HOST_CHECK_H
#define TESTS_HOST_CHECK_H
#include <stdio.h>

static int nchecks, nfail;

#define CHECK(cond, ...) do { \
	nchecks++; \
	if (!(cond)) { \
		nfail++; \
		printf("FAIL: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

static inline int check_summary(void)
{
	if (nfail) {
		printf("FAIL: %d of %d checks failed\n", nfail, nchecks);
		return 1;
	}
	printf("ok %d checks\n", nchecks);
	return 0;
}
#endif
