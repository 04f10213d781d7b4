/*
 * gcbench.h - what the modes of bench/gc share (main.c): the 64 MiB live
 * heap, built and checked, and the modes kept in files of their own.
 */
#ifndef BENCH_GC_GCBENCH_H
#define BENCH_GC_GCBENCH_H
#include <stdbool.h>
#include <stdint.h>

/* Build the heap, 2^scale_shift times smaller than 64 MiB. */
void build_heap(int scale_shift);
/* Every object still there, with its contents. */
bool check_heap(void);

/* xorshift64 (the state must not be 0). */
static inline uint64_t bench_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* test=4: gc_mutator_utilization (mutator.c). */
int bench_mutator(bool smoke);
/* test=8: gc_wake_late_max_wall (latency.c). */
int bench_latency(bool smoke);
#endif
