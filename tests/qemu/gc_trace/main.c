// REJECT: unknown boot flag
// TEST: smp=1,2,4 bootargs="gctrace=1" status=0 timeout=120
// EXPECT: ^gc 1 @[0-9]+\.[0-9]+s [0-9]+%: 
// EXPECT: ^gc [0-9]+ @[0-9]+\.[0-9]+s [0-9]+%: [0-9.]+\+[0-9.]+\+[0-9.]+ ms clock, [0-9.]+\+[0-9.]+/[0-9.]+/[0-9.]+\+[0-9.]+ ms cpu, [0-9]+->[0-9]+->[0-9]+ MB, [0-9]+ MB goal, [0-9]+ P \(forced\)$
// EXPECT: ^gc [0-9]+ @[0-9]+\.[0-9]+s [0-9]+%: [0-9.]+\+[0-9.]+\+[0-9.]+ ms clock, [0-9.]+\+[0-9.]+/[0-9.]+/[0-9.]+\+[0-9.]+ ms cpu, [0-9]+->[0-9]+->[0-9]+ MB, [0-9]+ MB goal, [0-9]+ P$
// EXPECT: ^gc_trace: [0-9]+ cycles \([0-9]+ forced\), MemStats consistent$
// EXPECT: ^gc_trace: MemStats snapshots consistent with NumGC$
// EXPECT: ^gc_trace: no forced cycle in 1 s at the default forcegc period$
// EXPECT: ^PASS$
// REJECT: ^gc [0-9]+ .*[^)P]$
// TEST: smp=1,2,4 bootargs="forcegc=300 gctrace=1 test=1" status=0 timeout=120
// EXPECT: ^gc [0-9]+ @[0-9]+\.[0-9]+s [0-9]+%: .* \(forced\)$
// EXPECT: ^gc_trace: forcegc=300: [0-9]+ forced cycles in 2 s without allocation$
// EXPECT: ^PASS$
/*
 * gc_trace - gctrace=1 output and the cycle statistics in MemStats.
 *
 * test=0 (gctrace=1): three GC() calls (forced cycles) and 24 MiB of
 * garbage (cycles started by allocation). The output must contain Go's
 * gctrace line for both kinds:
 *   gc 7 @2.104s 3%: 0.021+1.3+0.012 ms clock, 0.08+0.5/1.2/0+0.04 ms cpu,
 *   12->12->4 MB, 16 MB goal, 4 P [(forced)]
 * (one line; the first cycle is "gc 1"; no gc line ends in anything else,
 * REJECT). MemStats: NumGC counts the cycles (at least 3 + the allocation
 * ones), NumForcedGC the 3 GC() calls exactly, PauseTotalNs > 0, the last
 * pause PauseNs[(NumGC+255)%256] > 0 and <= PauseTotalNs, NextGC >= 4 MiB
 * (the minimum goal), LastGC > 0 and not in the future, LastGC after the
 * last cycle later than before it, HeapMarked > 0. Then 100 GC() calls
 * while another goroutine reads MemStats in a loop: every snapshot must be
 * consistent - the pause of the last cycle it counts,
 * PauseNs[(NumGC+255)%256], is never 0 (fewer than 256 cycles run, so
 * each slot is written once) and LastGC never goes back (fails if NumGC
 * is published before the cycle's statistics, or read after them). Then,
 * idle for 1 s at the default forced-cycle period (2 minutes): no cycle
 * runs.
 *
 * test=1 (forcegc=300): no allocation for 2 s (main polls MemStats every
 * 5 ms): sysmon must force a cycle every 300 ms: NumGC and NumForcedGC grow
 * by at least 3 (about 6 expected; 3 leaves room for a loaded host), and
 * the mean interval between the forced cycles' ends (each new LastGC) is
 * at most 1.5 x 300 ms: a period that is really twice forcegc (a check
 * "no cycle for forcegc ms" made only every forcegc ms) fails here.
 */
#include "tests/qemu/testing.h"
#include "gort.h"

#define MiB (1u << 20)
#define FORCEGC_MS 300          /* the TEST line's forcegc= */

static WaitGroup wg;
static void make_garbage(void *arg)
{
	for (size_t done = 0; done < 24 * MiB; done += 512) {
		uint64_t *p = mallocgc(512);
		p[0] = done;
	}
	WaitGroup_Done(&wg);
}

/* Reads MemStats in a loop while main runs cycles. With fewer than 256
 * cycles in all, every PauseNs slot is written once: the slot of the last
 * completed cycle, PauseNs[(NumGC+255)%256], must never read 0, and LastGC
 * must never go back. */
#define SNAP_CYCLES 100
static volatile int reader_stop;
static int64_t snapshots, snap_bad;
static void reader(void *arg)
{
	static struct MemStats m;            /* big: not on the stack */
	uint64_t last = 0;
	while (!__atomic_load_n(&reader_stop, __ATOMIC_RELAXED)) {
		ReadMemStats(&m);
		/* only we write it; main polls it (relaxed both) */
		__atomic_store_n(&snapshots, snapshots + 1, __ATOMIC_RELAXED);
		uint64_t pause = m.PauseNs[(m.NumGC + 255) % 256];
		if (m.NumGC > 0 && (pause == 0 || m.LastGC == 0 || m.LastGC < last)) {
			if (snap_bad++ < 5)
				printf("gc_trace: inconsistent snapshot: NumGC %u, PauseNs[%u] %llu, "
				       "LastGC %llu (previous snapshot %llu)\n", m.NumGC,
				       (m.NumGC + 255) % 256, (unsigned long long)pause,
				       (unsigned long long)m.LastGC, (unsigned long long)last);
		}
		last = m.LastGC;
	}
	WaitGroup_Done(&wg);
}

static void check_stats(const struct MemStats *m, const char *when)
{
	CHECK(m->PauseTotalNs > 0, "%s: PauseTotalNs is 0", when);
	uint64_t last = m->PauseNs[(m->NumGC + 255) % 256];
	CHECK(last > 0 && last <= m->PauseTotalNs, "%s: last pause %llu ns, PauseTotalNs %llu",
	      when, (unsigned long long)last, (unsigned long long)m->PauseTotalNs);
	CHECK(m->NextGC >= 4 * MiB, "%s: NextGC %llu below the 4 MiB minimum", when,
	      (unsigned long long)m->NextGC);
	CHECK(m->LastGC > 0 && (int64_t)m->LastGC <= nanotime(), "%s: LastGC %llu, now %lld", when,
	      (unsigned long long)m->LastGC, (long long)nanotime());
	CHECK(m->GCPercent == 100, "%s: GCPercent %d", when, m->GCPercent);
}

int main(void)
{
	struct MemStats m0, m1, m2, m3;
	ReadMemStats(&m0);
	if (BootFlagTest() == 1) {
		/* Poll (no allocation) and note when each cycle ended (LastGC). */
		int64_t ends[64];
		int n = 0;
		uint64_t seen = m0.LastGC;
		int64_t t0 = nanotime();
		while (nanotime() - t0 < 2 * Second) {
			Sleep(5 * Millisecond);
			ReadMemStats(&m1);
			if (m1.LastGC != seen) {
				seen = m1.LastGC;
				if (n < 64)
					ends[n++] = (int64_t)m1.LastGC;
			}
		}
		ReadMemStats(&m1);
		uint32_t cycles = m1.NumGC - m0.NumGC, f = m1.NumForcedGC - m0.NumForcedGC;
		printf("gc_trace: forcegc=300: NumGC %u -> %u, NumForcedGC %u -> %u\n", m0.NumGC,
		       m1.NumGC, m0.NumForcedGC, m1.NumForcedGC);
		CHECK(cycles >= 3, "only %u cycles in 2 s with forcegc=300", cycles);
		CHECK(f >= 3, "only %u forced cycles in 2 s with forcegc=300", f);
		CHECK(n >= 3, "saw only %d cycle ends while polling", n);
		int64_t mean = (ends[n - 1] - ends[0]) / (n - 1);
		printf("gc_trace: forcegc=300: mean interval between forced cycles %lld ms\n",
		       (long long)(mean / Millisecond));
		CHECK(mean <= FORCEGC_MS * 3 / 2 * Millisecond,
		      "forced cycles every %lld ms on average, want about %d (at most %d)",
		      (long long)(mean / Millisecond), FORCEGC_MS, FORCEGC_MS * 3 / 2);
		check_stats(&m1, "forcegc");
		printf("gc_trace: forcegc=300: %u forced cycles in 2 s without allocation\n", f);
		printf("PASS\n");
		return 0;
	}
	CHECK(m0.NumGC == 0 && m0.LastGC == 0 && m0.PauseTotalNs == 0,
	      "before any cycle: NumGC %u, LastGC %llu, PauseTotalNs %llu", m0.NumGC,
	      (unsigned long long)m0.LastGC, (unsigned long long)m0.PauseTotalNs);
	CHECK(m0.NextGC >= 4 * MiB, "initial NextGC %llu below 4 MiB", (unsigned long long)m0.NextGC);
	for (int i = 0; i < 3; i++)
		GC();
	ReadMemStats(&m1);
	CHECK(m1.NumGC == 3 && m1.NumForcedGC == 3, "after 3 GC(): NumGC %u, NumForcedGC %u",
	      m1.NumGC, m1.NumForcedGC);
	check_stats(&m1, "after GC()");

	WaitGroup_Add(&wg, 1);
	go(make_garbage, NULL);
	WaitGroup_Wait(&wg);
	ReadMemStats(&m2);
	printf("gc_trace: NumGC %u, NumForcedGC %u, PauseTotalNs %llu, last pause %llu ns, NextGC %llu, "
	       "HeapMarked %llu, LastGC %llu\n", m2.NumGC, m2.NumForcedGC,
	       (unsigned long long)m2.PauseTotalNs,
	       (unsigned long long)m2.PauseNs[(m2.NumGC + 255) % 256], (unsigned long long)m2.NextGC,
	       (unsigned long long)m2.HeapMarked, (unsigned long long)m2.LastGC);
	CHECK(m2.NumGC >= m1.NumGC + 2, "only %u cycles while allocating 24 MiB", m2.NumGC - m1.NumGC);
	CHECK(m2.NumForcedGC == 3, "allocation cycles counted as forced (%u)", m2.NumForcedGC);
	CHECK(m2.LastGC > m1.LastGC, "LastGC did not advance");
	CHECK(m2.PauseTotalNs > m1.PauseTotalNs, "PauseTotalNs did not grow");
	CHECK(m2.HeapMarked > 0, "HeapMarked is 0");
	check_stats(&m2, "after allocation");
	printf("gc_trace: %u cycles (%u forced), MemStats consistent\n", m2.NumGC, m2.NumForcedGC);

	/* MemStats snapshots while cycles complete: a reader that sees NumGC
	 * = n must see cycle n's pause and end time too. */
	WaitGroup_Add(&wg, 1);
	go(reader, NULL);
	int64_t ts = nanotime();
	int ncycles = 0;
	/* SNAP_CYCLES at least; with more than one CPU, on until the reader
	 * has run (another CPU must steal it from main's P: on a loaded host
	 * running the hosted build, 100 cycles took 21 ms and no thread woke
	 * in time), for at most 2 s. Past 256 cycles in all a PauseNs slot is
	 * rewritten, which only weakens the "never 0" test below. */
	while (ncycles < SNAP_CYCLES ||
	       (NumCPU() > 1 && __atomic_load_n(&snapshots, __ATOMIC_RELAXED) == 0 &&
	        nanotime() - ts < 2 * Second)) {
		GC();
		ncycles++;
	}
	ts = nanotime() - ts;
	__atomic_store_n(&reader_stop, 1, __ATOMIC_RELAXED);
	WaitGroup_Wait(&wg);
	printf("gc_trace: %lld MemStats snapshots during %d GC() calls (%lld ms)\n",
	       (long long)snapshots, ncycles, (long long)(ts / Millisecond));
	/* With one CPU the reader only runs between cycles, if at all; with
	 * more it must have run, or the check below proves nothing. */
	CHECK(NumCPU() == 1 || snapshots > 0, "the MemStats reader never ran");
	CHECK(snap_bad == 0, "%lld of %lld MemStats snapshots inconsistent", (long long)snap_bad,
	      (long long)snapshots);
	printf("gc_trace: MemStats snapshots consistent with NumGC\n");

	ReadMemStats(&m2);
	Sleep(Second);
	ReadMemStats(&m3);
	CHECK(m3.NumGC == m2.NumGC, "%u cycles in 1 s idle at the default forcegc period",
	      m3.NumGC - m2.NumGC);
	printf("gc_trace: no forced cycle in 1 s at the default forcegc period\n");
	printf("PASS\n");
	return 0;
}
