/*
 * bench/gc/latency.c - test=8: how late a goroutine that sleeps 1 ms at a
 * time wakes up while the collector runs: the latency a firmware control
 * loop feels (issue 13: 150-180 ms late with the stop-the-world mark).
 * Wall clock, without -icount, at -smp 2 (bench/run.sh), once with the
 * stop-the-world mark and once with gcconc=1.
 *
 * The program of the issue: an 8 MiB live heap (main.c's, 8 times
 * smaller), two goroutines that build binary trees of TREE_DEPTH and drop
 * them, without end, and a sleeper: Sleep(1 ms), then lateness = the time
 * it woke - (the time it went to sleep + 1 ms). First BASE_WAKES wakes
 * with the collector off (GOGC off: the host's and the scheduler's own
 * jitter), then GOGC=100 until NCYCLES cycles ended (they start on their
 * own, paced by the builders' allocation). Reported, in ms of host time:
 *   gc_wake_late_max_wall_{stw,conc}       the longest lateness during the
 *                                          cycles' part (between cycles
 *                                          too: what the loop feels),
 *   gc_wake_late_max_wall_nogc_{stw,conc}  the same without a cycle.
 * Host-dependent: another program on the host shows here as well.
 */
#include <string.h>
#include "bench/bench.h"
#include "kernel/gc/gc.h"
#include "kernel/lib/bootargs.h"
#include "bench/gc/gcbench.h"

#define TREE_DEPTH 10           /* 1,023 nodes of 32 B a tree */
#define BASE_WAKES 300
#define NCYCLES 10
#define LIMIT_NS (120 * Second)  /* the cycles' part gives up after that */

struct node { struct node *l, *r; uintptr_t a, b; };

static uint32_t stop;           /* atomic: the goroutines return */
static int64_t ndone;           /* atomic: how many returned */
static int64_t late_max;        /* atomic: ns, the sleeper's longest lateness */
static int64_t wakes;           /* atomic: the sleeper's wakes */

static struct node *tree(int d)
{
	struct node *n = mallocgc(sizeof *n);
	n->a = (uintptr_t)d;
	if (d > 1) {
		n->l = tree(d - 1);
		n->r = tree(d - 1);
	}
	return n;
}

static void builder(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		KeepAlive(tree(TREE_DEPTH));
	__atomic_fetch_add(&ndone, 1, __ATOMIC_ACQ_REL);
}

static void sleeper(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		int64_t t = nanotime();
		Sleep(Millisecond);
		int64_t late = nanotime() - t - Millisecond;
		/* one writer: a plain max; main reads it relaxed */
		if (late > __atomic_load_n(&late_max, __ATOMIC_RELAXED))
			__atomic_store_n(&late_max, late, __ATOMIC_RELAXED);
		__atomic_fetch_add(&wakes, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&ndone, 1, __ATOMIC_ACQ_REL);
}

static uint32_t cycles_done(void)
{
	struct gc_cycle_stats st;
	gc_last_cycle(&st);     /* waits for a running cycle: no stop */
	return st.cycle;
}

int bench_latency(bool smoke)
{
	const char *mode = rtflags.gcconc ? "conc" : "stw";
	char name[64];
	SetGCPercent(-1);
	build_heap(3);
	GC();
	go(builder, NULL);
	go(builder, NULL);
	go(sleeper, NULL);
	while (__atomic_load_n(&wakes, __ATOMIC_RELAXED) < BASE_WAKES)
		Sleep(10 * Millisecond);
	int64_t base = __atomic_load_n(&late_max, __ATOMIC_RELAXED);
	__atomic_store_n(&late_max, 0, __ATOMIC_RELAXED);   /* racy by one wake: harmless */
	int64_t w0 = __atomic_load_n(&wakes, __ATOMIC_RELAXED);
	uint32_t c0 = cycles_done(), want = smoke ? 2 : NCYCLES;
	int64_t t0 = nanotime();
	SetGCPercent(100);
	while (cycles_done() - c0 < want && nanotime() - t0 < LIMIT_NS)
		Sleep(10 * Millisecond);
	uint32_t n = cycles_done() - c0;
	int64_t late = __atomic_load_n(&late_max, __ATOMIC_RELAXED);
	int64_t w = __atomic_load_n(&wakes, __ATOMIC_RELAXED) - w0;
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&ndone, __ATOMIC_ACQUIRE) < 3)
		Sleep(Millisecond);
	printf("gc: %u cycles in %lld ms, %lld wakes; the longest lateness %.3f ms "
	       "(%.3f ms without cycles)\n", n, (long long)((nanotime() - t0) / Millisecond),
	       (long long)w, (double)late / 1e6, (double)base / 1e6);
	snprintf(name, sizeof name, "gc_wake_late_max_wall_%s", mode);
	bench_report(name, (double)late / 1e6, "ms_wall", NULL, 0);
	snprintf(name, sizeof name, "gc_wake_late_max_wall_nogc_%s", mode);
	bench_report(name, (double)base / 1e6, "ms_wall", NULL, 0);
	if (n < want)
		printf("gc: warning: %u cycles of %u in %lld s\n", n, want,
		       (long long)(LIMIT_NS / Second));
	if (!check_heap()) {
		printf("gc: check FAILED: the heap changed under the collector\n");
		return 1;
	}
	printf("gc: check ok\n");
	return 0;
}
