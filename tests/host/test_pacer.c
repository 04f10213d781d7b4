/*
 * test_pacer.c - the pacer's arithmetic (kernel/gc/pacerrule.h):
 *   - the goal: off (GOGC < 0), the 4 MiB floor, marked x (1 + GOGC/100);
 *   - the concurrent trigger: 0.95 of the runway without history, 0.7 for
 *     a mark that allocated more than the runway, goal - 9/8 x what the
 *     last mark allocated in between; never below 45/64 or above 61/64 of
 *     the runway, non-increasing in what the mark allocated, and the goal
 *     itself when there is no runway or the collector is off;
 *   - the mark's hard limit: the goal, or start + max(start/8, 1 MiB) for
 *     a cycle that starts at or past it;
 *   - the loop they form: a program that allocates as fast as the limit
 *     lets it during every mark (the worst case: everything it allocates
 *     then is black and counts as marked) keeps a bounded heap, converging
 *     to the fixed point live / (1 - 0.3) for GOGC=100, never above
 *     3 x live;
 *   - mark assists: the ratio (expected scan words per byte of runway,
 *     16.16 fixed point, the runway at least 64 KiB), the debt rounded
 *     up, and the property that makes them work: an allocator that takes
 *     the whole runway span by span, paying for each span with nobody else
 *     marking, has paid at least the expected scan work when it reaches
 *     the limit - and at most one span's worth more.
 */
#include <stdio.h>
#include "check.h"
#include "kernel/gc/pacerrule.h"

#define MiB (1ULL << 20)

static void test_goal(void)
{
	static const struct { int procs, ded; uint32_t frac; } mw[] = {
		{ 1, 0, 250000 }, { 2, 0, 500000 }, { 3, 0, 750000 }, { 4, 1, 0 },
		{ 5, 1, 0 }, { 6, 1, 500000 }, { 7, 2, 0 }, { 8, 2, 0 }, { 64, 16, 0 },
	};
	for (unsigned i = 0; i < sizeof mw / sizeof mw[0]; i++) {
		uint32_t frac;
		int ded = pacer_mark_workers(mw[i].procs, &frac);
		CHECK(ded == mw[i].ded && frac == mw[i].frac, "mark workers for %d Ps: %d + %u, want %d + %u",
		      mw[i].procs, ded, frac, mw[i].ded, mw[i].frac);
	}
	CHECK(pacer_goal(100 * MiB, -1) == UINT64_MAX, "off");
	CHECK(pacer_goal(0, 100) == GC_MIN_GOAL, "floor");
	CHECK(pacer_goal(1 * MiB, 100) == GC_MIN_GOAL, "floor");
	CHECK(pacer_goal(100 * MiB, 100) == 200 * MiB, "gogc 100");
	CHECK(pacer_goal(100 * MiB, 50) == 150 * MiB, "gogc 50");
	CHECK(pacer_goal(100 * MiB, 0) == 100 * MiB, "gogc 0");
}

static void test_trigger(void)
{
	uint64_t marked = 64 * MiB, goal = 128 * MiB, runway = goal - marked;
	uint64_t lo = marked + runway / 64 * 45, hi = marked + runway / 64 * 61;
	CHECK(pacer_trigger_conc(marked, goal, 0) == hi, "no history: %llu",
	      (unsigned long long)pacer_trigger_conc(marked, goal, 0));
	CHECK(pacer_trigger_conc(marked, goal, runway) == lo, "a mark longer than the runway");
	CHECK(pacer_trigger_conc(marked, goal, UINT64_MAX / 2) == lo, "huge");
	uint64_t a = 8 * MiB;
	CHECK(pacer_trigger_conc(marked, goal, a) == goal - a - a / 8, "in between");
	CHECK(pacer_trigger_conc(marked, UINT64_MAX, a) == UINT64_MAX, "off");
	CHECK(pacer_trigger_conc(marked, marked, a) == marked, "no runway");
	uint64_t prev = UINT64_MAX;
	for (uint64_t x = 0; x < 2 * runway; x += runway / 97) {
		uint64_t t = pacer_trigger_conc(marked, goal, x);
		CHECK(t >= lo && t <= hi && t < goal, "alloc %llu: trigger %llu out of bounds",
		      (unsigned long long)x, (unsigned long long)t);
		CHECK(t <= prev, "not monotone at %llu", (unsigned long long)x);
		prev = t;
	}
}

static void test_limit(void)
{
	CHECK(pacer_mark_limit(100 * MiB, 128 * MiB) == 128 * MiB, "the goal");
	CHECK(pacer_mark_limit(128 * MiB, 128 * MiB) == 144 * MiB, "start + 1/8");
	CHECK(pacer_mark_limit(2 * MiB, 1 * MiB) == 3 * MiB, "start + 1 MiB");
}

/* A fast allocator: each mark, it allocates up to the limit (black, so
 * marked too); between marks it allocates garbage up to the trigger. */
static void test_loop(void)
{
	const uint64_t live = 32 * MiB;
	uint64_t marked = live, alloc = 0, peak = 0;
	for (int cycle = 0; cycle < 200; cycle++) {
		uint64_t goal = pacer_goal(marked, 100);
		uint64_t start = pacer_trigger_conc(marked, goal, alloc);
		uint64_t limit = pacer_mark_limit(start, goal);
		alloc = limit - start;
		if (limit > peak)
			peak = limit;
		marked = live + alloc;
	}
	double fix = (double)live / (1.0 - 19.0 / 64.0);  /* marked = live + 19/64 marked */
	CHECK(peak <= 3 * live, "peak %llu MiB > 3 x live", (unsigned long long)(peak / MiB));
	CHECK((double)marked < fix * 1.01 && (double)marked > fix * 0.99,
	      "marked %llu MiB, fixed point %.1f MiB", (unsigned long long)(marked / MiB), fix / MiB);
}

static void test_assist(void)
{
	/* 8 M words expected over a 32 MiB runway: a quarter word per byte */
	uint64_t r = pacer_assist_ratio(8 * MiB, 96 * MiB, 128 * MiB);
	CHECK(r == (1u << ASSIST_SHIFT) / 4, "ratio %llu, want %u", (unsigned long long)r,
	      (1u << ASSIST_SHIFT) / 4);
	CHECK(pacer_assist_debt(8192, r) == 2048, "8 KiB at 1/4: %llu",
	      (unsigned long long)pacer_assist_debt(8192, r));
	CHECK(pacer_assist_debt(1, r) == 1, "rounded up");
	CHECK(pacer_assist_debt(8192, 0) == 0, "no ratio, no debt");
	CHECK(pacer_assist_debt(0, r) == 0, "nothing allocated");
	/* a cycle that starts at or past its limit: the 64 KiB floor */
	CHECK(pacer_assist_ratio(1024, 128 * MiB, 128 * MiB) == (1024ULL << ASSIST_SHIFT) / (64 << 10),
	      "no runway");
	CHECK(pacer_assist_ratio(1024, 129 * MiB, 128 * MiB) == (1024ULL << ASSIST_SHIFT) / (64 << 10),
	      "past the limit");
	CHECK(pacer_assist_ratio(0, 0, MiB) == 0, "nothing to scan");
	CHECK(pacer_assist_debt(UINT64_MAX, UINT64_MAX) == UINT64_MAX >> ASSIST_SHIFT, "saturates");
	CHECK(pacer_assist_ratio(UINT64_MAX, 0, MiB) > 0, "huge expected work does not wrap");
	/* Paying span by span over the whole runway covers the expected
	 * work: over heaps from 4 MiB to 1 GiB, words from 1/8 to 2 per
	 * byte of runway, spans of 8 KiB to 1 MiB. */
	for (uint64_t start = 4 * MiB; start <= 1024 * MiB; start *= 4)
		for (uint64_t run = 64 << 10; run <= start; run *= 8)
			for (uint64_t words = run / 8; words <= 2 * run; words *= 4)
				for (uint64_t span = 8192; span <= MiB; span *= 8) {
					uint64_t ratio = pacer_assist_ratio(words, start, start + run);
					uint64_t paid = 0, heap = start;
					while (heap < start + run) {
						paid += pacer_assist_debt(span, ratio);
						heap += span;
					}
					CHECK(paid >= words, "start %llu run %llu span %llu: paid %llu < %llu",
					      (unsigned long long)start, (unsigned long long)run,
					      (unsigned long long)span, (unsigned long long)paid,
					      (unsigned long long)words);
					CHECK(paid <= words + pacer_assist_debt(span, ratio) + run / span + 1,
					      "start %llu run %llu span %llu: paid %llu, far over %llu",
					      (unsigned long long)start, (unsigned long long)run,
					      (unsigned long long)span, (unsigned long long)paid,
					      (unsigned long long)words);
				}
}

int main(void)
{
	test_assist();
	test_goal();
	test_trigger();
	test_limit();
	test_loop();
	return check_summary();
}
