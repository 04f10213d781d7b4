/*
 * mgcpacer.c - when to collect (Go's mgcpacer.go, reduced to what a
 * stop-the-world collector needs).
 *
 * GOGC (bootargs gogc=, SetGCPercent) sets the heap goal for the next
 * cycle from the live heap the last mark found:
 *     goal = max(4 MiB, heapMarked * (1 + GOGC/100))
 * heapLive counts GC-object bytes: what the last mark found plus every
 * span handed to an mcache since (its free part, counted up front, the
 * unused part given back when the span is returned) plus large objects,
 * minus explicit frees. When heapLive reaches the trigger, the allocating
 * goroutine starts a cycle at its next safe point.
 *
 * Trigger = goal. Go triggers earlier because its mark runs concurrently
 * and the program keeps allocating meanwhile; here the world is stopped
 * for the mark, so nothing is allocated between trigger and mark and the
 * whole runway can be used. (The concurrent mark will need Go's trigger
 * ratio back.) malloc's objects do not count: they are never collected.
 */
#include "kernel/gc/mgc.h"

uint64_t gc_heapLive;
uint64_t gc_trigger = GC_MIN_GOAL;
uint32_t gc_want;

void gc_pacer_update(uint64_t marked)
{
	int32_t pct = __atomic_load_n(&gc.percent, __ATOMIC_RELAXED);
	uint64_t goal = UINT64_MAX;
	if (pct >= 0) {
		goal = marked + marked / 100 * (uint64_t)pct;
		if (goal < GC_MIN_GOAL)
			goal = GC_MIN_GOAL;
	}
	gc.heapMarked = marked;
	gc.heapGoal = goal;
	/* relaxed: read by allocators as a threshold only */
	__atomic_store_n(&gc_trigger, goal, __ATOMIC_RELAXED);
	__atomic_store_n(&gc_want, __atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED) >= goal,
	                 __ATOMIC_RELAXED);
}

uint64_t gc_pacer_goal(void)
{
	return gc.heapGoal;
}

int SetGCPercent(int percent)
{
	worldsema_acquire();            /* not in the middle of a cycle */
	int old = __atomic_load_n(&gc.percent, __ATOMIC_RELAXED);
	__atomic_store_n(&gc.percent, percent < 0 ? -1 : percent, __ATOMIC_RELAXED);
	gc_pacer_update(gc.heapMarked);
	worldsema_release();
	return old;
}
