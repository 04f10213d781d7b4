/*
 * bench/gc/mutator.c - test=4: how much of the CPU the program keeps while
 * the concurrent mark (gcconc=1) runs: gc_mutator_utilization, at
 * GOMAXPROCS = NumCPU (bench/run.sh: -smp 4 under -icount).
 *
 * The 64 MiB live heap of main.c, plus one mutator goroutine per P that
 * does units of work without end: a unit stores pointers (to the object
 * it allocated last, or to an old object) into NSTORE slots, and every
 * ALLOC_EVERY units it allocates a 64 B object (GOGC is off, so the
 * garbage must stay within RAM until the cycle ends): slots of its
 * NOLD old objects (allocated before the cycles), of a .bss array, of its
 * malloc block and of an array in its frame - the four kinds of page the
 * barrier tracks - so every cycle has pages to rescan (and, in fault mode,
 * faults to take).
 *
 * The definition. A unit is the same work every time, so units per ns is
 * how much CPU the mutators got:
 *   baseline rate  R0 = units done / ns, over BASE_NS before the first
 *                       cycle (no mark, no sweep);
 *   marking rate   R1 = units completed while gc_marking was 1 (between the
 *                       start pause's end and the termination pause's
 *                       start, as the mutator reads it after each unit) /
 *                       the concurrent phases' summed length (mark_ns of
 *                       gc_last_cycle: from just before the start pause's
 *                       end to just before the termination pause);
 *   gc_mutator_utilization = R1 / R0.
 * What the collector takes from the mutators shows: the CPU its workers
 * use, assists, barrier faults, rescans stealing cache and time. Under
 * -icount at -smp N QEMU runs the vCPUs one after another and the virtual
 * ns is an instruction of any of them, so both rates are "units per
 * instruction summed over the CPUs" and their ratio the CPU share. A
 * cycle's start and end pause (ns, no units) are outside both rates: they
 * are gc_conc_stw_* of main.c. Go's own figure (its gcController's
 * utilization) counts worker time per P; this one needs no scheduler hook.
 *
 * Reported (smoke test: a 4 MiB heap, figures meaningless):
 *   gc_mutator_utilization_smpN            R1 / R0
 *   gc_mut_stw_max_smpN_icount             the longest pause, all CPUs
 *   gc_dirty_pages_rescanned_per_cycle_smpN dirty pages rescanned (all
 *                                           rounds and termination)
 *   gc_barrier_faults_per_cycle_smpN       write faults (fault mode)
 *   gc_mut_stw_mean_smpN_icount            the mean pause (start and
 *                                           termination alike)
 *   gc_satb_cycles_smpN                    share of the cycles marked as a
 *                                           snapshot (gcsatb=1) whose rings
 *                                           did not overflow
 *   gc_satb_words_per_cycle_smpN           words the fault path greyed
 *   gc_goroutines_rescanned_per_cycle_smpN goroutines rescanned in
 *                                           termination
 * With test=20 (4 + 16: not in bench/run.sh; the probe costs every
 * allocation two counter reads and a histogram update) each mutator also
 * counts the instructions of each of its allocations on its own CPU
 * (arch_instret, so -smp N does not mix CPUs in), apart for while the
 * mark runs and while it does not:
 *   gc_mut_alloc_insn_{idle,marking}_smpN  median instructions of one
 *                                           64 B mallocgc, the counter
 *                                           reads' own cost included
 *                                           (the same in both).
 */
#include <stdlib.h>
#include <string.h>
#include "bench/bench.h"
#include "kernel/gc/gc.h"
#include "kernel/lib/bootargs.h"
#include "bench/gc/gcbench.h"

#define MAXM 8                  /* mutators at most (NumCPU <= 8) */
#define NOLD 4096               /* old objects per mutator (256 KiB) */
#define NSLOT 8                 /* pointer slots of an object */
#define NGLOB 64                /* .bss and stack slots per mutator */
#define NSTORE 8                /* stores per unit */
#define ALLOC_EVERY 8           /* units per allocation (GOGC is off: bounded garbage) */
#define BASE_NS (200 * Millisecond)
#define NCYCLES 5

struct obj { void *slot[NSLOT]; };     /* 64 B */

/* Per mutator, a cache line each: written by it only (relaxed stores),
 * read by main (relaxed loads: counts, ordered by nothing else). */
struct count { uint64_t units, marking; char pad[48]; };

static struct obj *olds[MAXM][NOLD];   /* .bss roots of the old objects */
static void *gslot[MAXM][NGLOB];       /* .bss slots */
static struct obj *mblk[MAXM];         /* malloc blocks (roots themselves) */
static struct count counts[MAXM];
/* test=20: per mutator, per state (0 idle, 1 marking), a histogram of the
 * instructions of one allocation (the last bin: that many or more). */
#define HBINS 1024
static uint32_t ahist[MAXM][2][HBINS];
static bool probe;                     /* test=20; set before the mutators start */
static uint32_t stop;                  /* atomic: mutators return */
static int64_t ndone;                  /* atomic: mutators returned */

/* One unit of work: NSTORE pointer stores, and every ALLOC_EVERY units
 * an allocation. */
static void unit(int m, uint64_t *rs, void **stk, struct obj **np, uint64_t k)
{
	if (k % ALLOC_EVERY == 0) {
		if (probe) {
			/* relaxed: a hint; the state at the call's start */
			int st = __atomic_load_n(&gc_marking, __ATOMIC_RELAXED) != 0;
			uint64_t t0 = bench_instret();
			*np = mallocgc(sizeof **np);
			uint64_t d = bench_instret() - t0;
			ahist[m][st][d < HBINS ? d : HBINS - 1]++;
		} else {
			*np = mallocgc(sizeof **np);
		}
	}
	struct obj *n = *np;
	for (int i = 0; i < NSTORE; i++) {
		uint64_t r = bench_rnd(rs);
		void *p = r & 1 ? (void *)n : (void *)olds[m][(r >> 8) % NOLD];
		switch ((r >> 1) & 7) {
		case 0:
			gslot[m][(r >> 24) % NGLOB] = p;
			break;
		case 1:
			mblk[m]->slot[(r >> 24) % NSLOT] = p;
			break;
		case 2:
			stk[(r >> 24) % NGLOB] = p;
			break;
		default:        /* old objects: most of the stores */
			olds[m][(r >> 24) % NOLD]->slot[(r >> 40) % NSLOT] = p;
			break;
		}
	}
}

static void mutator(void *arg)
{
	int m = (int)(uintptr_t)arg;
	void *volatile stk[NGLOB] = { 0 };
	uint64_t rs = 0x9E3779B97F4A7C15ull * (uint64_t)(m + 1);
	struct count *c = &counts[m];
	struct obj *n = NULL;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		unit(m, &rs, (void **)stk, &n, c->units);
		__atomic_store_n(&c->units, c->units + 1, __ATOMIC_RELAXED);
		if (__atomic_load_n(&gc_marking, __ATOMIC_RELAXED))
			__atomic_store_n(&c->marking, c->marking + 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&ndone, 1, __ATOMIC_ACQ_REL);
}

static void sum_counts(int nm, uint64_t *units, uint64_t *marking)
{
	*units = *marking = 0;
	for (int m = 0; m < nm; m++) {
		*units += __atomic_load_n(&counts[m].units, __ATOMIC_RELAXED);
		*marking += __atomic_load_n(&counts[m].marking, __ATOMIC_RELAXED);
	}
}

/* metric_smpN[suffix] */
static void report(const char *what, int ncpu, const char *suffix, double v, const char *unit)
{
	char name[80];
	snprintf(name, sizeof name, "%s_smp%d%s", what, ncpu, suffix);
	bench_report(name, v, unit, NULL, 0);
}

/* The median of the nm mutators' histograms of state st (0: none). */
static uint64_t alloc_median(int nm, int st)
{
	uint64_t n = 0, seen = 0;
	for (int m = 0; m < nm; m++)
		for (int b = 0; b < HBINS; b++)
			n += ahist[m][st][b];
	for (int b = 0; b < HBINS && n != 0; b++) {
		for (int m = 0; m < nm; m++)
			seen += ahist[m][st][b];
		if (2 * seen >= n)
			return (uint64_t)b;
	}
	return 0;
}

int bench_mutator(bool smoke)
{
	int nm = GOMAXPROCS(0), ncpu = NumCPU();
	int ncycles = smoke ? 2 : NCYCLES;
	if (!rtflags.gcconc || nm > MAXM) {
		printf("gc: check FAILED: test=4 wants gcconc=1 and GOMAXPROCS <= %d\n", MAXM);
		return 1;
	}
	probe = BootFlagTest() & 16;
	SetGCPercent(-1);               /* no cycle but ours */
	build_heap(smoke ? 4 : 0);
	for (int m = 0; m < nm; m++) {
		for (int i = 0; i < NOLD; i++)
			olds[m][i] = mallocgc(sizeof(struct obj));
		mblk[m] = malloc(sizeof(struct obj));
		memset(mblk[m], 0, sizeof(struct obj));
	}
	for (int m = 0; m < nm; m++)
		go(mutator, (void *)(uintptr_t)m);
	/* The baseline before any cycle: after one, the sweep (proportional,
	 * in the mutators' allocations, and the background sweeper) would
	 * slow the mutators and count against the baseline. */
	uint64_t u0, u1, k0, k1, unused;
	sum_counts(nm, &u0, &unused);
	int64_t t0 = nanotime();
	Sleep(BASE_NS);
	sum_counts(nm, &u1, &unused);
	double r0 = (double)(u1 - u0) / (double)(nanotime() - t0);
	GC();                           /* warm-up: the mutators' pages settle */

	uint64_t markns = 0, stwmax = 0, stwsum = 0, rescan = 0, faults = 0, satbw = 0, gs = 0;
	int nsatb = 0;
	sum_counts(nm, &unused, &k0);
	for (int i = 0; i < ncycles; i++) {
		struct gc_cycle_stats st;
		GC();
		gc_last_cycle(&st);
		printf("gc: cycle %u: concurrent phase %llu ns, pauses %llu + %llu ns, "
		       "%llu pages rescanned, %llu barrier faults, %s, %llu words greyed by "
		       "faults, %llu goroutines rescanned, %llu pages protected again in the "
		       "start pause\n", st.cycle,
		       (unsigned long long)st.mark_ns, (unsigned long long)st.stw_start_ns,
		       (unsigned long long)st.stw_term_ns, (unsigned long long)st.rescan_pages,
		       (unsigned long long)st.barrier_faults,
		       st.satb == 1 ? "snapshot" : st.satb == 2 ? "snapshot overflowed" : "rescan",
		       (unsigned long long)st.satb_words, (unsigned long long)st.rescan_gs,
		       (unsigned long long)st.snap_pages);
		stwsum += st.stw_start_ns + st.stw_term_ns;
		satbw += st.satb_words;
		gs += st.rescan_gs;
		nsatb += st.satb == 1;
		markns += st.mark_ns;
		stwmax = st.stw_start_ns > stwmax ? st.stw_start_ns : stwmax;
		stwmax = st.stw_term_ns > stwmax ? st.stw_term_ns : stwmax;
		rescan += st.rescan_pages;
		faults += st.barrier_faults;
	}
	sum_counts(nm, &unused, &k1);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&ndone, __ATOMIC_ACQUIRE) < nm)
		Sleep(Millisecond);
	double r1 = (double)(k1 - k0) / (double)markns;
	printf("gc: %d mutators: %.4f units/ns without a cycle (%llu units), %.4f while "
	       "marking (%llu units)\n", nm, r0, (unsigned long long)(u1 - u0), r1,
	       (unsigned long long)(k1 - k0));
	report("gc_mutator_utilization", ncpu, "", r1 / r0, "ratio");
	if (probe) {
		report("gc_mut_alloc_insn_idle", ncpu, "", (double)alloc_median(nm, 0), "instructions");
		report("gc_mut_alloc_insn_marking", ncpu, "", (double)alloc_median(nm, 1), "instructions");
	}
	report("gc_mut_stw_max", ncpu, "_icount", (double)stwmax, "instructions_summed_over_CPUs");
	report("gc_mut_stw_mean", ncpu, "_icount", (double)stwsum / (2 * ncycles),
	       "instructions_summed_over_CPUs");
	report("gc_satb_cycles", ncpu, "", (double)nsatb / ncycles, "share");
	report("gc_satb_words_per_cycle", ncpu, "", (double)satbw / ncycles, "words");
	report("gc_goroutines_rescanned_per_cycle", ncpu, "", (double)gs / ncycles, "goroutines");
	report("gc_dirty_pages_rescanned_per_cycle", ncpu, "", (double)rescan / ncycles, "pages");
	report("gc_barrier_faults_per_cycle", ncpu, "", (double)faults / ncycles, "faults");
	if (!check_heap()) {
		printf("gc: check FAILED: the heap changed under the collector\n");
		return 1;
	}
	printf("gc: check ok\n");
	return 0;
}
