// REJECT: ^gc: (warning|check FAILED)
// TEST: smp=1 bootargs="test=1" status=0 timeout=120 mem=256M
// EXPECT: ^bench: [a-z0-9]+ gc_live_heap [0-9.]+ MiB
// EXPECT: ^bench: [a-z0-9]+ gc_pause_max [0-9.]+ instructions
// EXPECT: ^bench: [a-z0-9]+ gc_mark_cost_per_word [0-9.]+ instructions
// EXPECT: ^bench: [a-z0-9]+ gc_mark_throughput [0-9.]+ MiB/1e9_instructions
// EXPECT: ^gc: check ok
// TEST: smp=4 bootargs="test=1" status=0 timeout=120 mem=256M
// EXPECT: ^bench: [a-z0-9]+ gc_mark_workers_smp4 [0-9.]+ CPUs
// EXPECT: ^gc: check ok
// TEST: smp=4 bootargs="test=3" status=0 timeout=120 mem=256M
// EXPECT: ^bench: [a-z0-9]+ gc_pause_mean_smp4_wall [0-9.]+ ms_wall
// EXPECT: ^bench: [a-z0-9]+ gc_pause_speedup_4 [0-9.]+ speedup
// EXPECT: ^gc: check ok
// TEST: smp=4 bootargs="gcconc=1 test=5" status=0 timeout=300 mem=512M
// EXPECT: ^bench: [a-z0-9]+ gc_mutator_utilization_smp4 [0-9.]+ ratio
// EXPECT: ^bench: [a-z0-9]+ gc_dirty_pages_rescanned_per_cycle_smp4 [0-9.]+ pages
// EXPECT: ^gc: check ok
// TEST: smp=2 bootargs="gcconc=1 test=9" status=0 timeout=300 mem=512M
// (512M, not 256M: at 256M the builders once filled the heap during a
// concurrent mark, whose work buffers then found no page - a fatal out of
// memory; docs/gc.md "What phase 1 leaves out". This line measures latency.)
// EXPECT: ^bench: [a-z0-9]+ gc_wake_late_max_wall_conc [0-9.]+ ms_wall
// EXPECT: ^gc: check ok
// BENCH: mem=512M
/*
 * bench/gc - the garbage collector's stop-the-world pause and mark cost
 * on a 64 MiB live heap (issue: GC benchmarks).
 *
 * The heap (GOGC off while it is built, so no cycle runs meanwhile; every
 * object a GC object, mallocgc, reachable from a static root in .bss):
 *   - a complete binary tree of depth 20: 2^20-1 nodes of 32 B (two child
 *     pointers, two integers), 32 MiB;
 *   - 16 singly linked lists of 12,288 nodes of 64 B (a next pointer,
 *     seven integers), 12 MiB;
 *   - 4 arrays of 131,072 pointers (1 MiB each, large objects scanned in
 *     128 KiB oblets), 4 MiB, together pointing at every other tree node;
 *   - 4,096 noscan blobs of 4 KiB (mallocgc_noscan: marked, never
 *     scanned), 16 MiB, and the 32 KiB pointer table that holds them.
 * That is 67,141,600 bytes (64 MiB + 32 KiB) of objects and 6,295,548
 * words to scan, plus some 25,000 words of roots (.data, .bss, stacks);
 * gc_live_heap is what the mark found (HeapMarked), which would also count
 * any GC object of the runtime's own (there are none at the moment).
 *
 * Then one warm-up GC() and N = 10 measured GC() calls (forced cycles; GOGC
 * stays off so nothing else collects; wall-clock mode below differs). Each cycle's figures come from
 * gc_last_cycle(): the pause (stop the world to start it again), the mark's
 * wall time, the mark time summed over the workers, the words scanned
 * (roots and objects), the bytes marked and the number of mark workers.
 * After the cycles the tree and lists are walked and counted (a missed
 * mark would have freed and reused something: "gc: check ok" fails).
 *
 * Boot flag test=N picks the mode (bench/run.sh sets it): bit 1 (2)
 * wall clock instead of exact counts, bit 0 (1) smoke test: a heap 16
 * times smaller and 3 measured cycles, for make test (figures meaningless).
 *   0  the exact figures, under -icount shift=0,sleep=off. At -smp 1 a
 *      virtual ns is one guest instruction, so
 *        gc_pause_max / gc_pause_mean   instructions of the pause,
 *        gc_pause_nonmark_mean          of the pause, what is not the mark
 *                                       (stopping and starting the world,
 *                                       mark termination, flushing caches),
 *        gc_mark_cost_per_word          mark instructions / words scanned
 *                                       (roots included),
 *        gc_dirty_pages_per_cycle,      pages the page-dirty barrier saw
 *        gc_barrier_faults_per_cycle    written between two pauses, and its
 *                                       write faults (fault mode; the
 *                                       barrier is measured, not yet used),
 *        gc_mark_throughput             MiB marked per 10^9 mark instructions.
 *      With gcconc=1 (the concurrent mark; bench/run.sh boots it too) the
 *      rows are the concurrent mark's instead:
 *        gc_conc_stw_max                the longest single stop-the-world
 *                                       pause (start or termination),
 *        gc_conc_stw_{start,term}_mean  each pause,
 *        gc_conc_pause_mean             both together (what PauseNs says),
 *        gc_conc_mark_mean              the concurrent phase (the world
 *                                       runs; here nothing else does),
 *        gc_conc_{rescan,term}_pages_per_cycle, gc_conc_rounds_per_cycle
 *                                       dirty pages rescanned in all and
 *                                       in termination, rescan rounds.
 *      At -smp N > 1 QEMU's -icount runs the vCPUs one after another in
 *      one thread, so the virtual clock sums the instructions of all CPUs
 *      (spinning ones included): gc_pause_{max,mean}_smpN_icount are
 *      "instructions summed over CPUs", not a parallel time;
 *      gc_mark_workers_smpN (mean over the cycles) shows how many CPUs
 *      marked.
 *   2  wall clock, without -icount (real multi-threaded emulation on the
 *      host's cores), at -smp 4: cycles at GOMAXPROCS 1, 2 and 4 in turn
 *      (one warm-up each, then 10 rounds), so that the host's load, which
 *      changes over seconds, weighs on every setting alike:
 *        gc_pause_{max,mean}_smp4_wall       ms of host time, GOMAXPROCS 4,
 *        gc_mark_workers_smp4_wall           CPUs that marked,
 *        gc_pause_mean_gomaxprocs{1,2}_wall  ms,
 *        gc_pause_speedup_{2,4}              best pause at GOMAXPROCS 1 /
 *                                            best pause at 2 (4): the
 *                                            parallel mark's speed-up,
 *                                            bounded by the host's cores.
 *      Host-dependent: another program on the host shows here.
 *   4  gcconc=1 with a mutator goroutine per P storing pointers during
 *      the cycles: gc_mutator_utilization (mutator.c); 20 (4 + 16) also
 *      counts the instructions of each of their allocations, apart for
 *      while the mark runs (gc_mut_alloc_insn_*, mutator.c).
 *   8  wall clock: how late a goroutine sleeping 1 ms at a time wakes
 *      beside two tree builders on an 8 MiB heap (latency.c).
 */
#include <string.h>
#include "bench/bench.h"
#include "kernel/gc/gc.h"
#include "kernel/lib/bootargs.h"
#include "bench/gc/gcbench.h"

struct tnode { struct tnode *l, *r; uintptr_t key, val; };   /* 32 B */
struct lnode { struct lnode *next; uintptr_t data[7]; };     /* 64 B */

#define NLISTS 16
#define NARRAYS 4
#define MAXCYCLES 10

/* The roots: .bss, scanned by every mark. */
static struct {
	struct tnode *tree;
	struct lnode *lists[NLISTS];
	void **arrays[NARRAYS];
	void **blobs;                   /* table of noscan blobs */
} root;

static int depth;                       /* tree depth: 2^depth - 1 nodes */
static long list_len, array_slots, nblobs;
static size_t blob_bytes = 4096;
static long tnodes_made;

static struct tnode *build_tree(int d)
{
	struct tnode *n = mallocgc(sizeof *n);
	long k = tnodes_made++;
	n->key = (uintptr_t)k;
	n->val = (uintptr_t)d;
	/* every other node is also referenced from one of the big arrays */
	if (k % 2 == 0) {
		long slot = k / 2;
		root.arrays[slot / array_slots][slot % array_slots] = n;
	}
	if (d > 1) {
		n->l = build_tree(d - 1);
		n->r = build_tree(d - 1);
	}
	return n;
}

static long count_tree(const struct tnode *n)
{
	return n ? 1 + count_tree(n->l) + count_tree(n->r) : 0;
}

void build_heap(int scale_shift)
{
	depth = 20 - scale_shift;
	list_len = 12288 >> scale_shift;
	array_slots = (1L << (depth - 1)) / NARRAYS;    /* half the tree nodes */
	nblobs = 4096 >> scale_shift;
	for (int i = 0; i < NARRAYS; i++)
		root.arrays[i] = mallocgc((size_t)array_slots * sizeof(void *));
	root.tree = build_tree(depth);
	for (int i = 0; i < NLISTS; i++)
		for (long j = 0; j < list_len; j++) {
			struct lnode *n = mallocgc(sizeof *n);
			for (int w = 0; w < 7; w++)
				n->data[w] = (uintptr_t)(j * 7 + w);
			n->next = root.lists[i];
			root.lists[i] = n;
		}
	root.blobs = mallocgc((size_t)nblobs * sizeof(void *));
	for (long i = 0; i < nblobs; i++) {
		unsigned char *b = mallocgc_noscan(blob_bytes);
		memset(b, (int)(i & 0xff), blob_bytes);
		root.blobs[i] = b;
	}
}

/* After the cycles: every object still there, with its contents. */
bool check_heap(void)
{
	if (count_tree(root.tree) != (1L << depth) - 1)
		return false;
	for (long s = 0; s < NARRAYS * array_slots; s++) {
		const struct tnode *n = root.arrays[s / array_slots][s % array_slots];
		if (n == NULL || n->key != (uintptr_t)(2 * s))
			return false;
	}
	for (int i = 0; i < NLISTS; i++) {
		long j = list_len;
		for (const struct lnode *n = root.lists[i]; n; n = n->next) {
			j--;
			if (n->data[6] != (uintptr_t)(j * 7 + 6))
				return false;
		}
		if (j != 0)
			return false;
	}
	for (long i = 0; i < nblobs; i++) {
		const unsigned char *b = root.blobs[i];
		if (b[0] != (unsigned char)(i & 0xff) || b[blob_bytes - 1] != (unsigned char)(i & 0xff))
			return false;
	}
	return true;
}

/* Aggregates of a run of cycles. */
struct agg {
	int n;
	uint64_t pmax, pmin, psum, msum, cpusum, wordsum, marksum, lastmarked;
	uint64_t dirtysum, faultsum;    /* the page-dirty barrier (measured only) */
	int wsum;
	/* gcconc=1: the longest single pause, the two pauses, the rescans */
	uint64_t stwmax, startsum, termsum, rescansum, termpagesum, roundsum;
};

static void agg_add(struct agg *a, const struct gc_cycle_stats *s)
{
	printf("gc: cycle %u: %d workers, pause %llu ns, mark %llu ns, mark cpu %llu ns, "
	       "%llu words scanned, %llu bytes marked\n", s->cycle, s->nworkers,
	       (unsigned long long)s->pause_ns, (unsigned long long)s->mark_ns,
	       (unsigned long long)s->mark_cpu_ns, (unsigned long long)s->scan_words,
	       (unsigned long long)s->marked_bytes);
	if (a->n == 0 || s->pause_ns < a->pmin)
		a->pmin = s->pause_ns;
	if (s->pause_ns > a->pmax)
		a->pmax = s->pause_ns;
	a->n++;
	a->psum += s->pause_ns;
	a->msum += s->mark_ns;
	a->cpusum += s->mark_cpu_ns;
	a->wordsum += s->scan_words;
	a->marksum += s->marked_bytes;
	a->lastmarked = s->marked_bytes;
	a->wsum += s->nworkers;
	a->dirtysum += s->dirty_pages;
	a->faultsum += s->barrier_faults;
	uint64_t stw = s->stw_start_ns > s->stw_term_ns ? s->stw_start_ns : s->stw_term_ns;
	if (stw > a->stwmax)
		a->stwmax = stw;
	a->startsum += s->stw_start_ns;
	a->termsum += s->stw_term_ns;
	a->rescansum += s->rescan_pages;
	a->termpagesum += s->term_pages;
	a->roundsum += s->rounds;
}

/* gcconc=1 (-icount): the concurrent mark's own rows. The cycles run back
 * to back with no mutator, so the rescans are the runtime's own writes. */
static void report_conc(const struct agg *a, int ncpu)
{
	double n = a->n;
	char name[64];
	const char *unit = "instructions";
	char sunit[48];
	if (ncpu > 1) {
		snprintf(sunit, sizeof sunit, "instructions_summed_over_%d_CPUs", ncpu);
		unit = sunit;
		snprintf(name, sizeof name, "gc_conc_stw_max_smp%d_icount", ncpu);
		bench_report(name, (double)a->stwmax, unit, NULL, 0);
		snprintf(name, sizeof name, "gc_conc_pause_mean_smp%d_icount", ncpu);
		bench_report(name, (double)a->psum / n, unit, NULL, 0);
		return;
	}
	bench_report("gc_conc_stw_max", (double)a->stwmax, unit, NULL, 0);
	bench_report("gc_conc_stw_start_mean", (double)a->startsum / n, unit, NULL, 0);
	bench_report("gc_conc_stw_term_mean", (double)a->termsum / n, unit, NULL, 0);
	bench_report("gc_conc_pause_mean", (double)a->psum / n, unit, NULL, 0);
	bench_report("gc_conc_mark_mean", (double)a->msum / n, unit, NULL, 0);
	bench_report("gc_conc_rescan_pages_per_cycle", (double)a->rescansum / n, "pages", NULL, 0);
	bench_report("gc_conc_term_pages_per_cycle", (double)a->termpagesum / n, "pages", NULL, 0);
	bench_report("gc_conc_rounds_per_cycle", (double)a->roundsum / n, "rounds", NULL, 0);
}

/* One forced cycle, added to a. */
static void cycle(struct agg *a)
{
	struct gc_cycle_stats st;
	GC();
	gc_last_cycle(&st);
	agg_add(a, &st);
}

int main(void)
{
	int mode = (int)BootFlagTest();
	int ncpu = NumCPU();
	bool smoke = mode & 1;
	int ncycles = smoke ? 3 : MAXCYCLES;
	char name[64], unit[48];

	if (mode & 4)
		return bench_mutator(smoke);
	if (mode & 8)
		return bench_latency(smoke);
	SetGCPercent(-1);               /* no cycle while building, none but ours after */
	uint64_t b0 = bench_instret();
	build_heap(smoke ? 4 : 0);
	uint64_t build = bench_instret() - b0;
	printf("gc: heap: tree depth %d (%ld x 32 B), %d lists x %ld x 64 B, "
	       "%d pointer arrays x %ld KiB, %ld noscan blobs x %zu B; built in %llu instructions\n",
	       depth, (1L << depth) - 1, NLISTS, list_len, NARRAYS,
	       array_slots * (long)sizeof(void *) / 1024, nblobs, blob_bytes,
	       (unsigned long long)build);

	struct MemStats ms;
	ReadMemStats(&ms);
	uint32_t first = ms.NumGC;
	int total = 0;
	if (mode & 2) {
		/* Wall clock: GOMAXPROCS 1, 2, 4 (up to NumCPU) in turn, cycle
		 * after cycle, so that a change of host load hits every setting
		 * alike. One warm-up cycle per setting. */
		static const int procs[] = { 1, 2, 4 };
		struct agg a[3] = { 0 };
		int np = 0;
		while (np < 3 && procs[np] <= ncpu)
			np++;
		struct agg dummy = { 0 };
		for (int k = 0; k < np; k++) {
			GOMAXPROCS(procs[k]);
			cycle(&dummy);
			total++;
		}
		for (int i = 0; i < ncycles; i++)
			for (int k = 0; k < np; k++) {
				GOMAXPROCS(procs[k]);
				cycle(&a[k]);
				total++;
			}
		GOMAXPROCS(ncpu);
		struct agg *top = &a[np - 1];
		int p = procs[np - 1];
		snprintf(name, sizeof name, "gc_pause_max_smp%d_wall", p);
		bench_report(name, (double)top->pmax / 1e6, "ms_wall", NULL, 0);
		snprintf(name, sizeof name, "gc_pause_mean_smp%d_wall", p);
		bench_report(name, (double)top->psum / top->n / 1e6, "ms_wall", NULL, 0);
		snprintf(name, sizeof name, "gc_mark_workers_smp%d_wall", p);
		bench_report(name, (double)top->wsum / top->n, "CPUs", NULL, 0);
		for (int k = 0; k < np; k++) {
			snprintf(name, sizeof name, "gc_pause_mean_gomaxprocs%d_wall", procs[k]);
			if (k < np - 1)
				bench_report(name, (double)a[k].psum / a[k].n / 1e6, "ms_wall", NULL, 0);
			if (k == 0)
				continue;
			/* speed-up from the best cycle of each setting: the one
			 * least disturbed by whatever else the host ran */
			double r = (double)a[0].pmin / (double)a[k].pmin;
			printf("bench: %s gc_pause_speedup_%d %.2f speedup baseline=gomaxprocs1_best_ms:%.1f ratio=%.2f\n",
			       ARCH_NAME, procs[k], r, (double)a[0].pmin / 1e6, r);
		}
	} else {
		GC();                   /* warm-up: not counted */
		total++;
		struct agg a = { 0 };
		for (int i = 0; i < ncycles; i++) {
			cycle(&a);
			total++;
		}
		double n = a.n, pmean = (double)a.psum / n;
		if (rtflags.gcconc) {
			report_conc(&a, ncpu);
		} else if (ncpu > 1) {
			snprintf(unit, sizeof unit, "instructions_summed_over_%d_CPUs", ncpu);
			snprintf(name, sizeof name, "gc_pause_max_smp%d_icount", ncpu);
			bench_report(name, (double)a.pmax, unit, NULL, 0);
			snprintf(name, sizeof name, "gc_pause_mean_smp%d_icount", ncpu);
			bench_report(name, pmean, unit, NULL, 0);
			snprintf(name, sizeof name, "gc_mark_workers_smp%d", ncpu);
			bench_report(name, a.wsum / n, "CPUs", NULL, 0);
		} else {
			bench_report("gc_live_heap", (double)a.lastmarked / (1 << 20), "MiB", NULL, 0);
			bench_report("gc_scan_words", (double)a.wordsum / n, "words", NULL, 0);
			bench_report("gc_pause_max", (double)a.pmax, "instructions", NULL, 0);
			bench_report("gc_pause_mean", pmean, "instructions", NULL, 0);
			bench_report("gc_pause_nonmark_mean", pmean - (double)a.msum / n, "instructions", NULL, 0);
			bench_report("gc_mark_cost_per_word", (double)a.cpusum / (double)a.wordsum, "instructions", NULL, 0);
			if (a.dirtysum + a.faultsum > 0) {     /* gctrace=2: mgc.c */
				bench_report("gc_dirty_pages_per_cycle", (double)a.dirtysum / n, "pages", NULL, 0);
				bench_report("gc_barrier_faults_per_cycle", (double)a.faultsum / n, "faults", NULL, 0);
			}
			bench_report("gc_mark_throughput",
			             ((double)a.marksum / (1 << 20)) / ((double)a.cpusum / 1e9),
			             "MiB/1e9_instructions", NULL, 0);
		}
	}
	ReadMemStats(&ms);
	if (ms.NumGC != first + (uint32_t)total)
		printf("gc: warning: %u cycles ran, %d expected\n", ms.NumGC - first, total);
	if (!check_heap()) {
		printf("gc: check FAILED: the heap changed under the collector\n");
		return 1;
	}
	printf("gc: check ok\n");
	KeepAlive(&root);
	return 0;
}
