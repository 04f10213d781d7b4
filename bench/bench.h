/*
 * bench.h - helpers for benchmark programs (see bench/README.md).
 *
 * A benchmark runs a body many times between two reads of the retired-
 * instruction counter, subtracts the cost of an empty loop of the same
 * length, and prints one line per figure:
 *   bench: <arch> <metric> <value> <unit> [baseline=<name>:<value> ratio=<r>]
 * Under QEMU with -icount shift=0,sleep=off the counts are exact and
 * repeatable; bench/run.sh boots every benchmark that way.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H
#include <stdio.h>
#include "gort.h"
#include "arch.h"
#include "arch/atomic.h"

static inline uint64_t bench_instret(void) { return arch_instret(); }

/* Instructions of an empty loop of n iterations (the harness's own cost). */
__attribute__((noinline, unused)) static uint64_t bench_empty_loop(long n)
{
	uint64_t t0 = bench_instret();
	for (long i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
	return bench_instret() - t0;
}

/* Baseline atomic_cas: one uncontended compare-and-swap, the floor for any
 * lock (shared by the programs that compare against it). */
__attribute__((noinline, unused)) static double bench_atomic_cas(long n)
{
	static uint64_t word;
	uint64_t t0 = bench_instret();
	for (long i = 0; i < n; i++) {
		uint64_t old = (uint64_t)i;
		arch_cas(&word, &old, (uint64_t)i + 1,
		         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
	return (double)(bench_instret() - t0 - bench_empty_loop(n)) / (double)n;
}

/* Deadlines written to the CPUs' timers so far, all CPUs (SchedStats). */
static inline __attribute__((unused)) uint64_t bench_timer_writes(void)
{
	struct SchedStats st;
	ReadSchedStats(&st);
	uint64_t n = 0;
	for (int i = 0; i < 8; i++)
		n += st.timer_writes[i];
	return n;
}

static inline __attribute__((unused)) void bench_report(const char *metric, double value, const char *unit,
                                const char *baseline, double base_value)
{
	if (baseline)
		printf("bench: %s %s %.1f %s baseline=%s:%.1f ratio=%.2f\n", ARCH_NAME, metric,
		       value, unit, baseline, base_value, base_value > 0 ? value / base_value : 0.0);
	else
		printf(value < 1 && value > -1 ? "bench: %s %s %.4f %s\n" : "bench: %s %s %.1f %s\n",
		       ARCH_NAME, metric, value, unit);
}
#endif
