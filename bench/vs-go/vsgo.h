/*
 * vsgo.h - what the C halves of bench/vs-go/ share (bench/README.md,
 * "Side-by-side with Go, hosted").
 *
 * Each program does a fixed amount of work whose size is the bootarg
 * test=N (0 or absent: the program's default, the benchmark size) and prints
 * one line "result: <name> <numbers>" that its Go twin prints too, so that
 * the runner can tell both did the same work.
 */
#ifndef VSGO_H
#define VSGO_H

#include <gort.h>
#include <stdio.h>
#include <inttypes.h>

/* The work size: bootarg test=N, or def without it. A negative N is bad
 * input: say so and exit with status 2, as the Go twin does. */
static inline int64_t vsgo_size(int64_t def)
{
	int64_t n = BootFlagTest();
	if (n < 0) {
		printf("usage: test=N wants a positive size, not %" PRId64 "\n", n);
		Exit(2);
	}
	return n ? n : def;
}

#endif
