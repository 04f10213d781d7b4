/*
 * mgcconc.c - the concurrent mark (gcconc=1): its phases, the drain phases
 * that idle CPUs join, and the coordinator's budget. The scanning itself,
 * the roots and the work pool are mgcmark.c's (shared through mgcmark.h).
 *
 * Go's gcStart / gcBgMarkWorker / gcMarkDone, in phase 1 (one dedicated
 * background worker, the coordinator, whose drains idle CPUs join, with
 * Go's 25 % budget; allocating goroutines join them as mark assists,
 * mgcassist.c):
 *   arm (world running, gc_barrier_arm by the cycle's starter): every
 *     tracked page clean, every TLB flushed, before anything is scanned;
 *   start (world stopped, gc_mark_conc_start): every goroutine's stack and
 *     G scanned, gc_marking set: allocate black, no span freed;
 *   concurrent (the worker goroutine, gc_mark_concurrent): .data, .bss and
 *     malloc blocks scanned, everything grey drained; then rounds: collect
 *     the pages written meanwhile, rescan the marked objects on them (and
 *     the root pages among them), drain; while the set shrinks; then a
 *     last round that also write-protects every page in hardware mode
 *     (gc_barrier_collect_last), so termination takes the fault bitmap;
 *   termination (world stopped, gc_mark_conc_done): the pages still dirty,
 *     every goroutine with a stack page or G written since the start, the
 *     roots in untracked memory (g0 stacks, timer heaps, finalizers),
 *     drain. Then the cycle ends as a stop-the-world one does.
 * Why it is complete: docs/gc.md, "The concurrent mark".
 *
 * With the snapshot barrier (gcsatb=1, the default; mgcsatb.c) the same
 * phases keep Yuasa's invariant instead of rescanning pages: the arm also
 * write-protects every non-stack page (gc_barrier_arm_protect), the start
 * pause copies the stacks' heap-range words aside for the coordinator
 * (satb_stack_copy), scans the untracked roots and, last, protects again
 * the pages written since the arm (gc_barrier_snapshot; nothing tracked
 * is stored after it in the pause), the first write fault on a page greys its
 * contents into a ring; the concurrent phase drains the rings instead of
 * rescan rounds, and termination takes what they hold, rescans the
 * goroutines that ran and the untracked roots (conservative stacks keep
 * stale words: the checkmark's roots), and drains - no dirty page. A ring
 * that overflowed sends the rest of the cycle down the rescanning path
 * above: the concurrent rounds if the coordinator sees it, then
 * termination.
 * Why that is complete: docs/gc.md, "Snapshot at the beginning".
 *
 * Drain phases (Go's idle mark worker; docs/gc.md, "Who marks: drain
 * phases"): the serial steps (collect, rescan_page's pushes) are the
 * coordinator's alone, with no helper joined. Each drain is a phase:
 *   open  (phase_open): pool reset and bgw joined before; phase++, root
 *         jobs set, then gc_markhelp_wanted = HELP_CONC (seq_cst), and an
 *         IPI to each M asleep in stopm;
 *   join  (conc_help, from stopm's loop via gc_markhelp): nhelping++ then
 *         the seq_cst load of wanted; once per phase per M (helped[]), and
 *         only while fewer helpers than idle Ps; gcw_join refuses a pool
 *         already done. The helper claims root jobs, drains with its M's
 *         gcwork, and leaves when the pool is done, when it has found no
 *         work for HELPER_IDLE_SPINS polls, or as soon as the scheduler
 *         wants its CPU (idle_m_wanted) - handing back any grey objects;
 *   end   the pool's termination check (mgcwork.c): every joined worker
 *         waits and no full buffer is left;
 *   close (phase_close): wanted = HELP_NONE (seq_cst), then wait for
 *         nhelping == 0 (seq_cst loads, acquire against the helpers'
 *         release decrements): store buffering with the join, so no
 *         helper is still marking when the coordinator collects again. */

#include <string.h>
#include "kernel/gc/mgcmark.h"
#include "kernel/gc/mgcsatb.h"
#include "kernel/gc/barrier.h"
#include "kernel/mm/stack.h"
#include "kernel/lib/print.h"
#include "kernel/lib/asan.h"
#include "arch/atomic.h"

#define MAX_ROUNDS 8                    /* concurrent rescan rounds per cycle */
#define ROUND_ENOUGH_PAGES 32           /* a set this small: terminate */
#define MAX_SATB_PULLS 64               /* snapshot mark: drains of the rings */

uint32_t gc_marking;                    /* gc.h */
static struct gcwork bgw GC_NOSCAN;     /* the background worker's buffers */
/* Bytes allocated black, per M (its allocations only; atomic adds, read
 * with the world stopped). */
static uint64_t blackBytes[MAXCPU] GC_NOSCAN;

void gc_marknewobject(struct mspan *s, uint32_t idx)
{
	if (span_mark(s, idx))
		/* relaxed: a total read after the world stops */
		__atomic_fetch_add(&blackBytes[getm()->id], s->elemsize, __ATOMIC_RELAXED);
}

/* The objects of an allocCache word, marked ahead and unmarked again
 * (mcache.c, "Allocate black"). Only the bits that change are counted,
 * so a word marked twice, or a free object a conservative marker found,
 * is not counted twice; a mark taken back on another M than the one that
 * set it makes one M's count wrap below zero, which the total (unsigned
 * sum, conc_done_finish) does not mind. */
void gc_markfree(struct mspan *s, uint32_t w, uint64_t free)
{
	/* relaxed: termination reads the marks after the stop of the
	 * world (docs/gc.md, "Allocate black") */
	uint64_t was = __atomic_fetch_or(&s->gcmarkBits[w], free, __ATOMIC_RELAXED);
	uint64_t n = popcount64(free & ~was);
	/* relaxed: a total read after the world stops */
	__atomic_fetch_add(&blackBytes[getm()->id], n * s->elemsize, __ATOMIC_RELAXED);
}

void gc_unmarkfree(struct mspan *s, uint32_t w, uint64_t free)
{
	/* relaxed: as gc_markfree; the markers' ORs of other bits of the
	 * word are atomic too, so none is lost */
	uint64_t was = __atomic_fetch_and(&s->gcmarkBits[w], ~free, __ATOMIC_RELAXED);
	uint64_t n = popcount64(free & was);
	__atomic_fetch_sub(&blackBytes[getm()->id], n * s->elemsize, __ATOMIC_RELAXED);
}

/* ---- drain phases that idle CPUs join ----
 * conc_drain is one phase: open, mark, close. Shared state: */
static uint32_t phase;                  /* drain phases opened this boot; written
                                           by the coordinator while closed */
static uint32_t helped[MAXCPU] GC_NOSCAN; /* per M: the last phase it joined; own M */
static uint32_t phase_next, phase_njobs; /* root jobs of the open phase (conc_job);
                                           next: atomic claims */
static uint32_t nconchelpers;           /* idle CPUs inside a phase now; atomic */
static uint32_t nmarking;               /* of them, joined to the pool; atomic */
static uint32_t peakhelpers;            /* most joined at once this cycle; atomic */

/* Root job i of the first phase: .data, .bss, then one per arena's malloc
 * blocks. */
static uint32_t conc_job(uint32_t i)
{
	return i == 0 ? ROOT_DATA : i == 1 ? ROOT_BSS : markroots.abase + (i - 2);
}

static void claim_roots(struct marker *mk, bool helper)
{
	for (;;) {
		/* relaxed: only hands out numbers; the jobs are read-only */
		uint32_t j = __atomic_fetch_add(&phase_next, 1, __ATOMIC_RELAXED);
		if (j >= phase_njobs)
			return;
		markroot(mk, conc_job(j));
		gcw_balance(mk->w);
		if (!helper)
			budget_check();
	}
}

/* An idle CPU leaves as soon as the scheduler wants it: it was handed a
 * P (a goroutine is runnable), or an idle P's timer is due. */
bool sched_wants_me(void)
{
	return idle_m_wanted(getm());
}

/* ---- the coordinator's budget (Go's 25 %: pacer_mark_workers) ----
 * The coordinator is the one dedicated worker when GOMAXPROCS >= 4; below
 * that it is the fractional worker: every 64 objects it compares its mark
 * time this cycle with its share of the time since the mark began, and
 * over budget it yields its P (Gosched) if another goroutine waits for
 * one (in its P's run queue or the global one). If none does, it marks
 * on, as Go's idle worker would, without paying for a trip through the
 * scheduler. Its mark time is counted between checks, less the time it
 * spent yielded: an approximation (a preemption between two checks counts
 * as marking). The budget holds for the first phase (roots and the bulk
 * of the graph) only: the rescan rounds run flat out, because whatever is
 * written while a round is slow is dirty for the next round, and the
 * last round's slowness would be paid in the termination pause. Owner:
 * the coordinator; read at termination. */
static struct {
	uint32_t frac_ppm;              /* 0: dedicated, or in a rescan round */
	int64_t start, last;            /* nanotime: the mark's start, the last check */
	int64_t markNs;                 /* marked so far */
	uint64_t yields;                /* over budget with others waiting: yielded */
} budget GC_NOSCAN;

static void budget_start(void)
{
	uint32_t frac;
	int ded = pacer_mark_workers(__atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED), &frac);
	budget.frac_ppm = ded > 0 ? 0 : frac;
	budget.start = budget.last = nanotime();
	budget.markNs = 0;
	budget.yields = 0;
	gc.dedicated = ded > 0 ? 1 : 0;
	gc.fracPpm = budget.frac_ppm;
}

/* Does a goroutine wait for our P? (racy reads: a hint, checked again
 * at the next look) */
static bool others_runnable(void)
{
	struct p *pp = getm()->p;
	return (pp != NULL && !runq_empty(&pp->runq)) ||
	       __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) > 0;
}

void budget_check(void)
{
	if (budget.frac_ppm == 0)
		return;
	int64_t now = nanotime();
	budget.markNs += now - budget.last;
	budget.last = now;
	if ((uint64_t)budget.markNs * 1000000 <= (uint64_t)(now - budget.start) * budget.frac_ppm ||
	    !others_runnable())
		return;
	budget.yields++;
	Gosched();
	budget.last = nanotime();
}

void coordinator_check(struct marker *mk)
{
	budget_check();
	/* The rings are drained between phases too, but the first phase
	 * lasts most of the mark: at a mutator per P they would fill
	 * meanwhile and the snapshot would not hold (termination's slow
	 * fallback, 40-50 M instructions in bench/gc test=4). */
	if (gc.satb)
		gc.satbWords += satb_pull_full(mk);
}

/* Go's idle mark worker: an M with no P, from its sleep loop
 * (gc_markhelp), joins the open phase once, with its own gcwork. At most
 * as many as there are idle Ps (Go runs it on an idle P; here the M has
 * given its P back, and counting idle Ps keeps the total within
 * GOMAXPROCS). */
NO_SANITIZE_ADDRESS void conc_help(struct m *m)
{
	/* relaxed: written before the seq_cst store that opened the phase,
	 * which our seq_cst load of gc_markhelp_wanted saw */
	uint32_t ph = __atomic_load_n(&phase, __ATOMIC_RELAXED);
	if (helped[m->id] == ph)
		return;                 /* this phase had us: sleep till the next */
	helped[m->id] = ph;
	struct gcwork *w = &gcws[m->id];
	/* relaxed: an admission count, like nslots */
	if (__atomic_fetch_add(&nconchelpers, 1, __ATOMIC_RELAXED) <
	    (uint32_t)__atomic_load_n(&sched.npidle, __ATOMIC_RELAXED)) {
		w->bytesMarked = w->scanWords = 0;
		w->should_leave = sched_wants_me;
		if (gcw_join(w, &markpool)) {
			/* relaxed: statistics */
			uint32_t k = __atomic_add_fetch(&nmarking, 1, __ATOMIC_RELAXED);
			uint32_t peak = __atomic_load_n(&peakhelpers, __ATOMIC_RELAXED);
			while (k > peak && !arch_cas(&peakhelpers, &peak, k, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				;
			int64_t t0 = nanotime();
			struct marker mk = { .w = w, .conc = true };
			claim_roots(&mk, true);
			mark_drain(&mk, HELPER_IDLE_SPINS, CONC | HELPER);
			gcw_leave(w);
			/* relaxed: totals read after the coordinator saw us
			 * leave (nhelping's release) */
			__atomic_fetch_add(&gc.markCpuNs, (uint64_t)(nanotime() - t0), __ATOMIC_RELAXED);
			__atomic_fetch_add(&gc_bytesMarked, w->bytesMarked, __ATOMIC_RELAXED);
			__atomic_fetch_add(&gc.scanWords, w->scanWords, __ATOMIC_RELAXED);
			__atomic_fetch_sub(&nmarking, 1, __ATOMIC_RELAXED);
		}
	}
	__atomic_fetch_sub(&nconchelpers, 1, __ATOMIC_RELAXED);
}

/* Open a phase with njobs root jobs (conc_job): the pool is fresh and bgw
 * joined; wake the idle CPUs (those asleep in stopm) to join. */
static void phase_open(uint32_t njobs)
{
	__atomic_store_n(&phase_next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&phase_njobs, njobs, __ATOMIC_RELAXED);
	__atomic_store_n(&phase, phase + 1, __ATOMIC_RELAXED);
	/* seq_cst (so release): the jobs, the phase number and the pool
	 * before any helper's seq_cst load in gc_markhelp sees it open */
	__atomic_store_n(&gc_markhelp_wanted, HELP_CONC, __ATOMIC_SEQ_CST);
	/* An M that goes idle after this joins from stopm's loop itself. */
	spin_lock(&sched.lock);
	uint64_t idle = sched.midle;
	spin_unlock(&sched.lock);
	int npidle = __atomic_load_n(&sched.npidle, __ATOMIC_RELAXED);
	for (int i = 0; i < ncpu && npidle > 0; i++)
		if (idle & (1ULL << i)) {
			arch_send_ipi(i);
			npidle--;
		}
}

/* Close the phase after the pool said done: no new helper joins, and
 * every one that did has left - so the coordinator alone owns the graph's
 * grey set again, for the next collect and rescan. The seq_cst store
 * then loads are gc_mark's store-buffering pair with gc_markhelp; the
 * loads are also acquire against each helper's release decrement. */
static void phase_close(void)
{
	__atomic_store_n(&gc_markhelp_wanted, HELP_NONE, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&nhelping, __ATOMIC_SEQ_CST) != 0)
		pool_wait();
	/* acquire; pairs with the release that set done */
	(void)__atomic_load_n(&markpool.done, __ATOMIC_ACQUIRE);
}

/* One phase: open it, claim root jobs, drain everything grey with whoever
 * joined, close it, and open the pool again for the coordinator's next
 * pushes. The pool's termination check ends the drain. */
static NO_SANITIZE_ADDRESS void conc_drain(struct marker *mk, uint32_t njobs)
{
	phase_open(njobs);
	claim_roots(mk, false);
	mark_drain(mk, 0, CONC | BUDGET);
	gcw_leave(mk->w);
	phase_close();
	workpool_reset(&markpool);
	if (!gcw_join(mk->w, &markpool))
		throw("gc: the concurrent mark's work pool is closed");
}

uint32_t barrier_ignore;                /* mgcmark.h */

void gc_debug_barrier_ignore(uint32_t kinds)
{
	/* relaxed: read by the mark worker; a cycle begun before the call
	 * may or may not see it, as a test expects */
	__atomic_store_n(&barrier_ignore, kinds, __ATOMIC_RELAXED);
}


static void scan_clip(struct marker *mk, uintptr_t lo, uintptr_t hi, uintptr_t a, uintptr_t b)
{
	if (a < lo)
		a = lo;
	if (b > hi)
		b = hi;
	if (a < b)
		scanblock(mk, a, b);
}

/* A page written since its last collect: scan what of it the mark must
 * see again - the roots on it (.data, .bss), or the words on it of every
 * marked object (a GC span) or allocated block (a malloc span). Only the
 * page's own words: the rest of each object was not written, or is on a
 * page of its own in the set. Other pages (manual spans: stacks, work
 * buffers, timer heaps; free pages) hold nothing the mark reads here. */
static void rescan_page(uintptr_t page, void *arg)
{
	struct marker *mk = arg;
	uintptr_t end = page + MMU_PAGE_SIZE;
	if (page < (uintptr_t)__bss_end && end > (uintptr_t)__data_start) {
		if (ignored(GC_PAGES_GLOBALS))
			return;
		scan_clip(mk, page, end, (uintptr_t)__data_start, (uintptr_t)__data_end);
		scan_clip(mk, page, end, (uintptr_t)__bss_start, (uintptr_t)__noscan_start);
		scan_clip(mk, page, end, (uintptr_t)__noscan_end, (uintptr_t)__bss_end);
		return;
	}
	if (page - heap_lo >= heap_span)
		return;
	struct mspan *s = spanOf(page);
	/* acquire: pairs with span_publish (see greyobject) */
	if (s == NULL || __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != mSpanInUse ||
	    spanclass_noscan(s->spanclass))
		return;
	uintptr_t send = s->startAddr + s->npages * PAGE_SIZE;
	if (page < s->startAddr || page >= send)
		return;
	if (ignored(s->collect ? GC_PAGES_HEAP : GC_PAGES_MALLOC))
		return;
	if (spanclass_sizeclass(s->spanclass) == 0) {
		if (s->collect ? span_is_marked(s, 0) : span_is_alloc(s, 0))
			scanblock(mk, page, end);
		return;
	}
	uint32_t last = span_objindex(s, end - 1);
	for (uint32_t i = span_objindex(s, page); i <= last && i < s->nelems; i++) {
		if (!(s->collect ? span_is_marked(s, i) : span_is_alloc(s, i)))
			continue;
		uintptr_t o = s->startAddr + i * s->elemsize;
		scan_clip(mk, page, end, o, o + s->elemsize);
	}
}

/* The roots outside tracked pages: g0 stacks, timer heaps, finalizers. */
static void untracked_roots(struct marker *mk)
{
	for (uint32_t j = markroots.mbase; j < markroots.abase; j++)
		markroot(mk, j);
	markroot(mk, ROOT_RUNTIME);
	markroot(mk, ROOT_FINALIZERS);
}

void gc_mark_conc_start(void)
{
	roots_prepare();
	__atomic_store_n(&gc_bytesMarked, 0, __ATOMIC_RELAXED);   /* as every access */
	memset(blackBytes, 0, sizeof blackBytes);
	gc.scanWords = 0;
	gc.markCpuNs = 0;
	gc.nworkers = 1;
	__atomic_store_n(&peakhelpers, 0, __ATOMIC_RELAXED);
	gc.rounds = 0;
	gc.rescanPages = 0;
	gc.rescanGs = 0;
	gc.satbWords = 0;
	gc.satbOverflow = false;
	workpool_reset(&markpool);
	if (!gcw_join(&bgw, &markpool))
		throw("gc: the concurrent mark's work pool is closed");
	bgw.bytesMarked = bgw.scanWords = 0;
	/* Goroutine stacks now, with the world stopped: a running
	 * goroutine's stack cannot be read from another CPU, and each
	 * stack page or G written since the arm is in the barrier's stack
	 * set, which mark termination rescans. */
	gc.satb = gc.satbArmed && satb_begin();
	/* With the snapshot the stacks' heap-range words are copied here and
	 * scanned by the coordinator (satb_pull_stacks): their values at T0
	 * are what the snapshot needs. */
	struct marker mk = { .w = &bgw, .stackcopy = gc.satb };
	if (gc.satb && ignored(GC_PAGES_STACKS))
		;       /* test hook: the snapshot's stack part left out */
	else if (markroots.walkallgs)
		markroot(&mk, markroots.gbase);
	else
		for (uint32_t i = 0; i < markroots.nallg; i++)
			scan_g(&mk, markroots.allg[i]);
	/* The roots in untracked memory (g0 stacks, timer heaps,
	 * finalizers) are read now with the snapshot: no fault would tell
	 * us when they change. */
	if (gc.satb)
		untracked_roots(&mk);
	/* relaxed: starting the world publishes it to every CPU */
	__atomic_store_n(&gc_marking, 1, __ATOMIC_RELAXED);
	mcache_mark_begin();    /* allocate black: the mcaches' free objects marked */
	if (gc.satb) {
		/* The snapshot: the pages written since the arm are
		 * write-protected again. Last, so that the pause stores to no
		 * tracked page after it: such a store would fault, and the
		 * fault would grey the page inside the pause (gc_marking's
		 * page, among the runtime's busiest, cost 23,600 instructions
		 * of riscv64's start pause at -smp 4). */
		gc.snapPages = gc_barrier_snapshot();
		satb_set(true);
	}
}

/* One concurrent round: collect the pages written since the last one,
 * rescan them, drain. Returns how many pages. */
static size_t rescan_round(struct marker *mk, size_t (*collect)(void))
{
	size_t n = collect();
	gc.rounds++;
	gc.rescanPages += n;
	gc_barrier_foreach_dirty(rescan_page, mk);
	conc_drain(mk, 0);
	return n;
}

void gc_mark_concurrent(void)
{
	int64_t t0 = nanotime();
	budget_start();
	struct marker mk = { .w = &bgw, .conc = true };
	if (gc.satb)
		satb_pull_stacks(&mk);  /* the stacks as the start pause copied them */
	conc_drain(&mk, 2 + (uint32_t)markroots.narenas);  /* .data, .bss, malloc blocks */
	budget.frac_ppm = 0;            /* rescan rounds: flat out */
	if (gc.satb) {
		/* No page to rescan: drain what the fault path greyed while
		 * there is some, and leave the rest to termination. */
		for (int r = 0; r < MAX_SATB_PULLS; r++) {
			size_t n = satb_pull(&mk);
			gc.satbWords += n;
			if (n == 0)
				break;
			gc.rounds++;
			conc_drain(&mk, 0);
		}
		/* A ring overflowed: the snapshot is lost for this cycle, and
		 * termination must rescan every page written since it. Do
		 * most of that here, with the world running: the rounds
		 * below, as without the snapshot, leave termination only the
		 * pages written since the last one. */
		if (!satb_overflowed()) {
			__atomic_fetch_add(&gc.markCpuNs, (uint64_t)(nanotime() - t0), __ATOMIC_RELAXED);
			return;
		}
	}
	size_t prev = SIZE_MAX;
	for (int r = 0; r < MAX_ROUNDS - 1; r++) {
		size_t n = rescan_round(&mk, gc_barrier_collect_more);
		if (n <= ROUND_ENOUGH_PAGES || n > prev / 2)
			break;          /* small enough, or no longer shrinking */
		prev = n;
	}
	/* The last round also write-protects every page in hardware mode,
	 * so termination takes the fault bitmap alone (barrier.h). */
	rescan_round(&mk, gc_barrier_collect_last);
	/* relaxed: as the helpers' adds */
	__atomic_fetch_add(&gc.markCpuNs, (uint64_t)(nanotime() - t0), __ATOMIC_RELAXED);
}

/* Was gp's stack or G written since the start of the mark? */
static bool g_dirty(struct g *gp)
{
	if (ignored(GC_PAGES_STACKS))
		return false;
	uintptr_t lo = __atomic_load_n(&gp->stack_mapped, __ATOMIC_RELAXED);
	return gc_barrier_dirty_range(lo, (uintptr_t)(gp + 1));
}

static void conc_done_finish(int64_t t0);

/* Every goroutine with a stack page or G written since the arm. */
static void rescan_stacks(struct marker *mk)
{
	for (struct g *gp = sched.allgs; gp; gp = gp->alllink)  /* world stopped */
		if (gstatus(gp) != Gdead && g_dirty(gp)) {
			scan_g(mk, gp);
			gc.rescanGs++;
		}
}

NO_SANITIZE_ADDRESS void gc_mark_conc_done(void)
{
	int64_t t0 = nanotime();
	roots_prepare();        /* every goroutine, for the rescan and checkmark */
	struct marker mk = { .w = &bgw };
	if (gc.satb) {
		/* Every fault path is done (the world is stopped): the rings
		 * hold all the snapshot greyed that is not drained yet. */
		satb_pull_stacks(&mk);  /* empty: the coordinator took it */
		gc.satbWords += satb_pull(&mk);
		satb_set(false);
		gc.satbOverflow = satb_overflowed();
		if (!gc.satbOverflow) {
			gc.termPages = 0;
			gc_barrier_collect_stacks();
			rescan_stacks(&mk);
			untracked_roots(&mk);
			mark_drain(&mk, 0, 0);
			conc_done_finish(t0);
			return;
		}
		/* A ring overflowed: some page's snapshot was not greyed.
		 * Fall back on the insertion argument: every page written
		 * since the snapshot is in the faulted bitmap. */
	}
	gc.termPages = gc_barrier_collect_more();
	gc.rescanPages += gc.termPages;
	gc_barrier_foreach_dirty(rescan_page, &mk);
	rescan_stacks(&mk);
	untracked_roots(&mk);
	mark_drain(&mk, 0, 0);
	conc_done_finish(t0);
}

/* Termination's end, the mark drained: totals, allocate-black off. */
static void conc_done_finish(int64_t t0)
{
	gcw_leave(&bgw);
	mark_overflow_recover(&bgw);    /* a grey object dropped: rescan */
	/* relaxed: starting the world publishes it */
	__atomic_store_n(&gc_marking, 0, __ATOMIC_RELAXED);
	mcache_mark_end();      /* the objects marked ahead and not allocated */
	mcentral_release_deferred();
	uint64_t black = 0;
	for (int i = 0; i < MAXCPU; i++)
		black += __atomic_load_n(&blackBytes[i], __ATOMIC_RELAXED);
	gc.blackBytes = black;
	/* relaxed: the helpers' shares were added before the coordinator
	 * saw them leave (phase_close) */
	__atomic_fetch_add(&gc_bytesMarked, bgw.bytesMarked + black, __ATOMIC_RELAXED);
	gc.scanWords += bgw.scanWords;
	gc.nworkers = 1 + (int)__atomic_load_n(&peakhelpers, __ATOMIC_RELAXED);
	gc.budgetYields = budget.yields;
	gc.markCpuNs += (uint64_t)(nanotime() - t0);
}
