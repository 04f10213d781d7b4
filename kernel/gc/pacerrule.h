/*
 * pacerrule.h - the pacer's arithmetic, apart from the state it is applied
 * to (mgcpacer.c), so that the host tests can check it (tests/host/
 * test_pacer.c).
 *
 * Goal (Go's heapGoal with GOGC): the heap the next cycle may grow to,
 *     goal = max(GC_MIN_GOAL, marked + marked * GOGC / 100).
 *
 * Trigger, for the concurrent mark: the heap at which the next cycle
 * starts. The program allocates while the mark runs, so the mark must
 * start early enough that what it allocates meanwhile fits below the
 * goal. Go computes that runway from the last cycle's scan work and
 * allocation rate, then clamps the trigger to between 45/64 (about 0.7)
 * and 61/64 (about 0.95) of the way from the marked heap to the goal
 * (mgcpacer.go, minTriggerRatioNum and maxTriggerRatioNum, Go 1.19).
 * Here the runway is what the last concurrent mark allocated (it was all
 * allocated black, so the mark counted it) plus an eighth, clamped the
 * same way. With no history it is 0: the latest bound, 61/64.
 *
 * With the stop-the-world mark nothing is allocated between trigger and
 * mark, so the trigger is the goal.
 */
#ifndef KERNEL_GC_PACERRULE_H
#define KERNEL_GC_PACERRULE_H

#include <stdint.h>

#define GC_MIN_GOAL (4ULL << 20)        /* heap goal floor: 4 MiB (Go's heapMinimum) */
#define TRIGGER_DEN 64
#define TRIGGER_MIN_NUM 45              /* Go's minTriggerRatioNum */
#define TRIGGER_MAX_NUM 61              /* Go's maxTriggerRatioNum */

/* UINT64_MAX when the collector is off (percent < 0). */
static inline uint64_t pacer_goal(uint64_t marked, int32_t percent)
{
	if (percent < 0)
		return UINT64_MAX;
	uint64_t goal = marked + marked / 100 * (uint64_t)percent;
	return goal < GC_MIN_GOAL ? GC_MIN_GOAL : goal;
}

/* markAlloc: bytes the last concurrent mark allocated (0: unknown). */
static inline uint64_t pacer_trigger_conc(uint64_t marked, uint64_t goal, uint64_t markAlloc)
{
	if (goal == UINT64_MAX || goal <= marked)
		return goal;
	uint64_t runway = goal - marked;
	uint64_t lo = marked + runway / TRIGGER_DEN * TRIGGER_MIN_NUM;
	uint64_t hi = marked + runway / TRIGGER_DEN * TRIGGER_MAX_NUM;
	uint64_t need = markAlloc + markAlloc / 8;
	uint64_t t = need < goal ? goal - need : 0;
	return t < lo ? lo : t > hi ? hi : t;
}

/* The heap's hard limit while a concurrent mark runs: an allocation past
 * it waits for the mark to end (mgc.c gc_mark_wait, the backstop behind
 * mark assists, which are priced to finish the mark by it). The goal, or, for a cycle that starts at or past it
 * (GC(), a late trigger), the heap at the start plus an eighth (at least
 * 1 MiB). Everything allocated during the mark is black and counts as
 * marked, and the next goal is 1 + GOGC/100 times the marked bytes: with
 * a limit of the start plus a fraction f and GOGC=100 the heap settles
 * near 2 x live / (1 - 2f) - 2.7 x live for f = 1/8 - and grows without
 * bound from f = 1/2 on. */
static inline uint64_t pacer_mark_limit(uint64_t start, uint64_t goal)
{
	uint64_t more = start / 8 > (1u << 20) ? start / 8 : (1u << 20);
	return goal > start ? goal : start + more;
}

/* Mark assists (Go's assistWorkPerByte, mgcpacer.go revise): while a
 * concurrent mark runs, a goroutine that takes heap pays for it with scan
 * work, so that the mark's expected scan work is done by the time the heap
 * reaches its limit even if nobody else marks. The ratio is scan work
 * (words) per byte allocated, in 16.16 fixed point:
 *     ratio = expected words / (limit - heap at the start)
 * where the expected words are the last mark's (or, with none, one per
 * word of the heap at the start). The runway is at least ASSIST_MIN_RUNWAY,
 * so that a cycle that starts at its limit asks for a finite price. The
 * background worker's scan work is credit that assists take first, so an
 * allocator that the worker keeps up with pays nothing. */
#define ASSIST_SHIFT 16
#define ASSIST_MIN_RUNWAY (64ULL << 10)
static inline uint64_t pacer_assist_ratio(uint64_t expected_words, uint64_t start, uint64_t limit)
{
	uint64_t runway = limit > start ? limit - start : 0;
	if (runway < ASSIST_MIN_RUNWAY)
		runway = ASSIST_MIN_RUNWAY;
	if (expected_words > (UINT64_MAX >> ASSIST_SHIFT))
		expected_words = UINT64_MAX >> ASSIST_SHIFT;
	return (expected_words << ASSIST_SHIFT) / runway;
}

/* The scan work (words) owed for bytes allocated at ratio; rounded up, so
 * that any allocation owes something while the ratio is not 0. */
static inline uint64_t pacer_assist_debt(uint64_t bytes, uint64_t ratio)
{
	if (ratio == 0 || bytes == 0)
		return 0;
	if (bytes > UINT64_MAX / ratio)
		return UINT64_MAX >> ASSIST_SHIFT;
	return (bytes * ratio + (1u << ASSIST_SHIFT) - 1) >> ASSIST_SHIFT;
}

/* Go's 25 % budget for the concurrent mark (mgcpacer.go, startCycle):
 * GOMAXPROCS x 1/4 of the CPUs mark in the background. Dedicated workers
 * mark all the time: that total rounded to the nearest integer - unless
 * rounding is off by more than 30 %: then one fewer if it rounded up, and
 * the rest goes to a fractional worker, which marks only while its mark
 * time stays below its share of the elapsed time. Returns the dedicated
 * workers; *frac_ppm is the fractional share, in millionths of one CPU
 * (Go's fractionalUtilizationGoal is that divided by GOMAXPROCS: a share
 * of each P). procs 1: 0 + 250000; 2: 0 + 500000; 3: 0 + 750000;
 * 4: 1 + 0; 5: 1 + 0; 6: 1 + 500000; 8: 2 + 0. */
#define MARK_UTIL_PPM 250000            /* Go's gcBackgroundUtilization */
#define MARK_UTIL_ERR_PCT 30            /* Go's maxUtilError */
static inline int pacer_mark_workers(int procs, uint32_t *frac_ppm)
{
	uint64_t total = (uint64_t)(procs > 0 ? procs : 1) * MARK_UTIL_PPM;
	uint64_t ded = (total + 500000) / 1000000;
	uint64_t off = ded * 1000000 > total ? ded * 1000000 - total : total - ded * 1000000;
	*frac_ppm = 0;
	if (off * 100 > total * MARK_UTIL_ERR_PCT) {
		if (ded * 1000000 > total)
			ded--;
		*frac_ppm = (uint32_t)(total - ded * 1000000);
	}
	return (int)ded;
}

#endif
