/*
 * mgcpacer.c - when to collect (Go's mgcpacer.go, reduced): the heap goal
 * from GOGC and the trigger, the arithmetic in pacerrule.h.
 *
 * GOGC (bootargs gogc=, SetGCPercent) sets the heap goal for the next
 * cycle from the live heap the last mark found. heapLive counts GC-object
 * bytes: what the last mark found plus every span handed to an mcache
 * since (its free part, counted up front, the unused part given back when
 * the span is returned) plus large objects, minus explicit frees. When
 * heapLive reaches the trigger, the allocating goroutine starts a cycle at
 * its next safe point. malloc's objects do not count: they are never
 * collected.
 *
 * The trigger is the goal for the stop-the-world mark (nothing is
 * allocated between trigger and mark, so the whole runway can be used),
 * and earlier for the concurrent mark (gcconc=1), as Go's: by what the
 * last concurrent mark allocated, between 0.7 and 0.95 of the runway.
 */
#include "kernel/gc/mgc.h"
#include "kernel/lib/bootargs.h"

uint64_t gc_heapLive;
uint64_t gc_trigger = GC_MIN_GOAL;
uint32_t gc_want;

void gc_pacer_update(uint64_t marked)
{
	uint64_t goal = pacer_goal(marked, __atomic_load_n(&gc.percent, __ATOMIC_RELAXED));
	uint64_t trigger = rtflags.gcconc ? pacer_trigger_conc(marked, goal, gc.blackBytes) : goal;
	/* relaxed: gc_read_stats' snapshot (this writer holds worldsema) */
	__atomic_store_n(&gc.heapMarked, marked, __ATOMIC_RELAXED);
	__atomic_store_n(&gc.heapGoal, goal, __ATOMIC_RELAXED);
	/* relaxed: read by allocators as a threshold only */
	__atomic_store_n(&gc_trigger, trigger, __ATOMIC_RELAXED);
	__atomic_store_n(&gc_want, __atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED) >= trigger,
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
