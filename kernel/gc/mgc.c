/*
 * mgc.c - the garbage collector's cycle (Go's mgc.go): a tri-colour,
 * mark-sweep, non-moving, conservative collector whose mark runs on every
 * CPU in parallel with the world stopped, and whose sweep runs concurrently
 * with the program.
 *
 * Objects: GC objects (mallocgc) live in spans with collect = true; each
 * span has a mark bitmap beside its alloc bitmap (mspan.h). Grey objects
 * wait in per-worker work buffers balanced through a shared pool
 * (mgcwork.c). malloc's objects live in their own spans; they are roots,
 * never collected.
 *
 * Phases of one cycle, in Go's names:
 *   0. trigger: the GC heap reached its goal (mgcpacer.c), GC() was
 *      called, or no cycle ran for forcegc ms (default 2 minutes, as Go's
 *      sysmon; checked 8 times per period by a runtime timer, which wakes
 *      a goroutine). The goroutine that starts the cycle
 *      takes worldsema, finishes the previous cycle's sweep, and switches
 *      to its CPU's g0 stack (mcall), where the rest runs:
 *   1. sweep termination: stop the world (stw.c: IPI every running P; idle
 *      Ps are stopped where they lie, no CPU woken for them); empty the
 *      sync.Pools into their victim caches (Go's clearpools); sweep any
 *      span still unswept (normally none).
 *   2. mark: every CPU marks in parallel (mgcmark.c) - the coordinator and
 *      up to GOMAXPROCS-1 idle CPUs woken for it - from the roots: .data,
 *      .bss, goroutine stacks and saved registers, g0 stacks, malloc
 *      blocks, timer heaps, finalizer referents.
 *   3. mark termination, still stopped: verify with checkmark
 *      (gccheckmark=1), queue the finalizers of unreachable objects
 *      (mfinal.c), flush every mcache, set heapLive to what the mark found
 *      and the next goal from it, and sweepgen += 2, which turns every GC
 *      span into "to be swept". Start the world.
 *   4. sweep, concurrently: background sweeper, proportional sweeping by
 *      the allocator, lazy sweeping in mcentral (mgcsweep.c).
 * Invariants: no goroutine runs during phases 1-3, so no write barrier is
 * needed and the mark sees a frozen graph; every span is swept exactly
 * once per cycle, before its objects are allocated or freed again.
 *
 * With gcconc=1 (phase 1 of Go's concurrent mark, below gc_m) phase 2 runs
 * while the program runs: the page-dirty barrier is armed before phase 1,
 * with the world running; phase 1 ends by scanning the stacks and starting
 * the world; one background mark worker
 * goroutine marks and rescans the pages written meanwhile, and idle CPUs
 * join its drains (mgcconc.c, "drain phases"); phase 3 stops
 * the world again, rescans what is still dirty and drains. The invariant
 * that replaces the frozen graph: every page written after it was scanned
 * is rescanned before the mark ends (mgcconc.c, docs/gc.md).
 *
 * Bare-metal differences from Go: pointers are found conservatively (C has
 * no pointer maps), so objects never move; the mark is stop-the-world by
 * default, and its concurrent form uses the MMU's dirty bits, not a
 * compiler-inserted write barrier (barrier.c); idle CPUs
 * help the mark from their wfi loop instead of dedicated worker
 * goroutines; sysmon's forced GC is a runtime timer.
 */
#include <string.h>
#include "gort.h"
#include "kernel/gc/mgc.h"
#include "kernel/gc/barrier.h"
#include "kernel/gc/mgcsatb.h"
#include "kernel/time/timer.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/trace/trace.h"
#include "kernel/sync/sema.h"

struct gcstate gc GC_NOSCAN;
static uint32_t gc_ready;               /* atomic: gc_init done */

/* ---- starting a cycle ------------------------------------------------------ */

static bool trigger_test(enum gc_trigger_kind kind, uint32_t n)
{
	int32_t pct = __atomic_load_n(&gc.percent, __ATOMIC_RELAXED);
	/* relaxed: a concurrent mark is running; a stale value costs one
	 * more try at worldsema, which its cycle holds */
	bool marking = __atomic_load_n(&gc_marking, __ATOMIC_RELAXED);
	switch (kind) {
	case gcTriggerHeap:
		return pct >= 0 && !marking && __atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED) >=
		                   __atomic_load_n(&gc_trigger, __ATOMIC_RELAXED);
	case gcTriggerTime:
		return pct >= 0 && !marking && nanotime() - __atomic_load_n(&gc.lastGC, __ATOMIC_RELAXED) >=
		                   rtflags.forcegc * Millisecond;
	case gcTriggerCycle:
		return (int32_t)(__atomic_load_n(&gc.cycles, __ATOMIC_ACQUIRE) - n) < 0;
	}
	return false;
}

static void gc_m(struct g *gp);
static void gc_wait_mark(void);

/* The snapshot mark: protect again, with the world running, the pages
 * written since the arm, and again while each pass finds fewer, so that
 * the start pause's gc_barrier_snapshot has only the pages written during
 * the last pass and the stop (docs/gc.md, "Protecting again before the
 * stop"). A pass is a collect like the arm: it cannot lose a page, only
 * leave it to the next collect. It stops when a pass finds so few pages
 * (GC_PRE_ENOUGH) that the pause can take the rest, or no fewer than the
 * last (the mutators' working set, which they write again at once). */
static void presnapshot(void)
{
	size_t last = SIZE_MAX;
	memset(gc.prePages, 0, sizeof gc.prePages);
	while (gc.prePasses < GC_PRE_PASSES) {
		size_t n = gc_barrier_presnapshot();
		gc.prePages[gc.prePasses++] = (uint32_t)n;
		if (n <= GC_PRE_ENOUGH || n >= last)
			return;
		last = n;
	}
}

/* Run a cycle if the trigger still holds once we own the world. Goroutine
 * context, at a safe point. */
static void gc_run_cycle(enum gc_trigger_kind kind, uint32_t n)
{
	while (trigger_test(kind, n)) {
		if (!worldsema_tryacquire()) {
			/* someone else is collecting: let them (and their
			 * cycle may satisfy ours); a concurrent mark holds
			 * worldsema for its whole cycle: sleep till its end */
			if (__atomic_load_n(&gc_marking, __ATOMIC_RELAXED))
				gc_wait_mark();
			else
				Gosched();
			continue;
		}
		if (!trigger_test(kind, n)) {
			worldsema_release();
			return;
		}
		gc_sweep_finish();      /* sweep termination, concurrent part */
		/* Every tracked page clean (for the snapshot mark also
		 * write-protected) and every TLB flushed before the start
		 * pause, with the world running: all the mark's scans come
		 * after it (docs/gc.md, "Arming before the start pause"). */
		gc.satbArmed = false;
		if (rtflags.gcconc && rtflags.gcsatb) {
			satb_alloc();   /* once: not in the first start pause */
			gc.satbArmed = gc_barrier_arm_protect();
		}
		gc.prePasses = 0;
		if (gc.satbArmed)
			presnapshot();
		else if (rtflags.gcconc)
			gc_barrier_arm();
		gc.kind = kind;
		mcall(gc_m);            /* back here when the cycle is over, */
		if (kind != gcTriggerCycle)     /* or its mark is running (gcconc=1): */
			return;
		/* GC() waits for the end of the cycle, which the mark
		 * worker brings about */
	}
}

/* May the calling code start a cycle here? A goroutine (not g0) holding
 * no runtime lock, not pinned, not in a no-fault section, after boot. */
static bool at_safe_point(void)
{
	struct g *gp = getg();
	return !gp->is_g0 && gp->nopreempt == 0 && gp->stack_nofault == 0 &&
	       __atomic_load_n(&gc_ready, __ATOMIC_ACQUIRE);
}

/* Sleep until the concurrent mark running now (if any) has ended, as
 * Go's gcWaitOnMark: on the notifyList that cycle_end notifies. The ticket
 * is taken before gc_marking is read, and cycle_end clears gc_marking
 * before its seq_cst fence and notify: store buffering, seq_cst on both
 * sides, so either we see the mark over or our ticket is notified. (A
 * spin with Gosched would keep a vCPU busy: under QEMU -icount that can
 * starve the worker's.) */
static void gc_wait_mark(void)
{
	uint32_t t = notifyListAdd(&gc.markDone);       /* seq_cst RMW */
	if (__atomic_load_n(&gc_marking, __ATOMIC_SEQ_CST))
		notifyListWait(&gc.markDone, t);
}

/* The heap passed its hard limit while a concurrent mark runs: wait for
 * the mark to end, so that a fast allocator cannot grow the heap without
 * bound while everything it allocates is black. The backstop behind mark
 * assists (mgcassist.c), for the debt an assist could not pay. */
static void gc_mark_wait(void)
{
	/* relaxed: a stale value costs one more turn */
	while (__atomic_load_n(&gc_marking, __ATOMIC_RELAXED))
		gc_wait_mark();
}

void gc_maybe_start(void)
{
	if (!at_safe_point())   /* else a later allocation will */
		return;
	/* relaxed: changed only with the world stopped */
	if (!__atomic_load_n(&gc_marking, __ATOMIC_RELAXED)) {
		gc_run_cycle(gcTriggerHeap, 0);
		return;
	}
	/* A concurrent mark: pay for what we took (mgcassist.c), and past
	 * the hard limit wait for the mark to end. relaxed: thresholds */
	gc_assist_alloc();
	if (__atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED) >=
	    __atomic_load_n(&gc_trigger, __ATOMIC_RELAXED))
		gc_mark_wait();
}

bool gc_collect_for_oom(void)
{
	if (!at_safe_point())
		return false;
	GC();
	return true;
}

void GC(void)
{
	/* A full cycle begun after this call: cycle started+1 (with a
	 * concurrent mark running, the one being marked began before the
	 * call and may already have marked what the caller dropped).
	 * acquire; pairs with the release that counted the start. */
	uint32_t n = __atomic_load_n(&gc.started, __ATOMIC_ACQUIRE);
	gc_run_cycle(gcTriggerCycle, n + 1);
	/* The cycle is counted (gc.cycles) before the world starts, but
	 * recorded for ReadMemStats (numgc) just after: a GC() that saw the
	 * count from another cycle's waiting loop could return while NumGC
	 * still lacks its cycle (gc_torture saw 249 of 250 once). The
	 * recording CPU is on g0 with nothing to wait for: a few turns.
	 * relaxed: only the count is wanted here (ReadMemStats takes the
	 * figures whole under statsSeq). */
	while ((int32_t)(__atomic_load_n(&gc.numgc, __ATOMIC_RELAXED) - (n + 1)) < 0)
		Gosched();
	gc_sweep_finish();
}

void KeepAlive(const void *p)
{
	__asm__ volatile("" ::"r"(p) : "memory");
}

/* ---- the cycle, on g0 ------------------------------------------------------- */

/* debug=1: before marking, every GC span must be swept for this cycle,
 * uncached or cached, with clear mark bits. */
static void verify_span(struct mspan *s, void *arg)
{
	(void)arg;
	if (!s->collect)
		return;
	for (uintptr_t a = s->startAddr; a < s->startAddr + s->npages * PAGE_SIZE; a += PAGE_SIZE)
		if (spanOf(a) != s)
			throw("gc: span %#lx (class %d, %lu pages): page %#lx maps to span %p (start %#lx, state %d)",
			      (unsigned long)s->startAddr, s->spanclass, (unsigned long)s->npages,
			      (unsigned long)a, (void *)spanOf(a), spanOf(a) ? (unsigned long)spanOf(a)->startAddr : 0,
			      spanOf(a) ? spanOf(a)->state : -1);
	uint32_t sg = mheap_sweepgen;
	if (s->sweepgen != sg)
		throw("gc: span %#lx (class %d) sweepgen %u, want %u", (unsigned long)s->startAddr,
		      s->spanclass, s->sweepgen, sg);
	for (uint32_t i = 0; i < span_bitwords(s->nelems); i++)
		if (s->gcmarkBits[i] != 0)
			throw("gc: span %#lx (class %d) has mark bits before the mark",
			      (unsigned long)s->startAddr, s->spanclass);
}

static void verify_heap(void)
{
	size_t n = mheap_narenas();
	for (size_t a = 0; a < n; a++)
		mheap_arena_spans(a, verify_span, NULL);
}

static void mark_termination(void)
{
	if (rtflags.gccheckmark)
		gc_checkmark();
	fin_queue_unreachable();
	mcache_flush_all();
	uint64_t marked = __atomic_load_n(&gc_bytesMarked, __ATOMIC_RELAXED);
	__atomic_store_n(&gc_heapLive, marked, __ATOMIC_RELAXED);
	gc_pacer_update(marked);
	/* relaxed: the world is stopped; starting it publishes the change */
	__atomic_store_n(&mheap_sweepgen, mheap_sweepgen + 2, __ATOMIC_RELAXED);
	gc_sweep_start();
}

static void print_ms(uint64_t ns)
{
	printk("%llu.%03llu", (unsigned long long)(ns / 1000000),
	       (unsigned long long)(ns / 1000 % 1000));
}

static void gctrace_line(int np)
{
	uint64_t sweepterm = (uint64_t)(gc.tMark - gc.tStart);
	uint64_t mark = (uint64_t)(gc.tMarkDone - gc.tMark);
	uint64_t markterm = (uint64_t)(gc.tEnd - gc.tMarkDone);
	uint64_t now = (uint64_t)gc.tEnd;
	uint64_t pct = now ? gc.cpuTotal * 100 / (now * (uint64_t)np) : 0;
	printk("gc %u @%llu.%03llus %llu%%: ", gc.cycles, (unsigned long long)(now / 1000000000),
	       (unsigned long long)(now / 1000000 % 1000), (unsigned long long)pct);
	print_ms(sweepterm); printk("+"); print_ms(mark); printk("+"); print_ms(markterm);
	printk(" ms clock, ");
	print_ms(sweepterm * (uint64_t)np); printk("+0/"); print_ms(gc.markCpuNs);
	printk("/0+"); print_ms(markterm * (uint64_t)np);
	printk(" ms cpu, %llu->%llu->%llu MB, %llu MB goal, %d P%s\n",
	       (unsigned long long)(gc.heapStart >> 20), (unsigned long long)(gc.heapStart >> 20),
	       (unsigned long long)(gc.heapMarked >> 20),
	       (unsigned long long)(gc.heapGoal == UINT64_MAX ? 0 : gc.heapGoal >> 20), np,
	       gc.kind == gcTriggerHeap ? "" : " (forced)");
	if (rtflags.gctrace > 1)
		printk("gc %u: %d mark workers, %llu words scanned, %llu KiB marked\n",
		       gc.cycles, gc.nworkers, (unsigned long long)gc.scanWords,
		       (unsigned long long)(gc.heapMarked >> 10));
	if (rtflags.gctrace > 1 && !rtflags.gcconc)
		printk("gc %u: barrier (%s): %llu pages dirtied, %llu write faults since the last cycle\n",
		       gc.cycles, gc_barrier_mode_name(), (unsigned long long)gc.dirtyPages,
		       (unsigned long long)gc.barrierFaults);
	if (rtflags.gctrace > 1 && rtflags.gcconc)
		printk("gc %u: concurrent mark, barrier (%s): pauses %llu+%llu us, %u rescan rounds, "
		       "%llu dirty pages rescanned (%llu in termination), %llu goroutines rescanned, "
		       "%llu KiB allocated black, %llu write faults\n",
		       gc.cycles, gc_barrier_mode_name(), (unsigned long long)(gc.stwStart / 1000),
		       (unsigned long long)(gc.stwTerm / 1000), gc.rounds,
		       (unsigned long long)gc.rescanPages, (unsigned long long)gc.termPages,
		       (unsigned long long)gc.rescanGs, (unsigned long long)(gc.blackBytes >> 10),
		       (unsigned long long)gc.barrierFaults);
	if (rtflags.gctrace > 1 && rtflags.gcconc && gc.satb)
		printk("gc %u: snapshot at the beginning: %llu pages protected again in the "
		       "start pause (%u passes before the stop: %u %u %u %u), "
		       "%llu words greyed by write faults%s\n",
		       gc.cycles, (unsigned long long)gc.snapPages, gc.prePasses, gc.prePages[0],
		       gc.prePages[1], gc.prePages[2], gc.prePages[3],
		       (unsigned long long)gc.satbWords,
		       gc.satbOverflow ? "; a ring overflowed: written pages rescanned" : "");
	if (rtflags.gctrace && gc.markOverflows)
		printk("gc %u: work buffers overflowed (no page for the mark): "
		       "the marked heap was rescanned %u times\n", gc.cycles, gc.markOverflows);
	if (rtflags.gctrace > 1 && rtflags.gcconc)
		printk("gc %u: mark assists: %llu, %llu words scanned, %llu words of background "
		       "credit taken (of %llu scanned in all)\n", gc.cycles,
		       (unsigned long long)gc.assists, (unsigned long long)gc.assistWords,
		       (unsigned long long)gc.assistCredit, (unsigned long long)gc.scanWords);
	if (rtflags.gctrace > 1 && rtflags.gcconc)
		printk("gc %u: mark worker %s (%u ppm of a CPU), %llu budget yields; "
		       "up to %d CPUs marked at once\n", gc.cycles,
		       gc.dedicated ? "dedicated" : "fractional", gc.dedicated ? 1000000 : gc.fracPpm,
		       (unsigned long long)gc.budgetYields, gc.nworkers);
}

/* The figures ReadMemStats copies, under a sequence count, as a seqlock:
 * the one writer (here, holding worldsema) makes statsSeq odd, stores,
 * and makes it even again; gc_read_stats copies them and starts over if
 * the count was odd or moved meanwhile. Every figure is a relaxed atomic
 * (a reader may load it while it is stored: that copy is thrown away) and
 * the fences order them against the count: the release fence keeps the
 * odd count before the figures, the release store the figures before the
 * even count. A reader's copy is then one cycle's, whole: NumGC = n comes
 * with cycle n's pause, PauseTotalNs and LastGC, and none of cycle n+1. */
static void stats_record(uint64_t pause, uint32_t cycle)
{
	uint32_t seq = __atomic_load_n(&gc.statsSeq, __ATOMIC_RELAXED);   /* ours */
	__atomic_store_n(&gc.statsSeq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);   /* pairs with the reader's acquire fence */
	if (gc.kind != gcTriggerHeap)
		__atomic_store_n(&gc.nforced, gc.nforced + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&gc.pauses[cycle % 256], pause, __ATOMIC_RELAXED);
	__atomic_store_n(&gc.pauseTotal, gc.pauseTotal + pause, __ATOMIC_RELAXED);
	__atomic_store_n(&gc.lastGC, gc.tEnd, __ATOMIC_RELAXED);
	__atomic_store_n(&gc.numgc, cycle + 1, __ATOMIC_RELAXED);
	/* release; pairs with the acquire load that opens gc_read_stats */
	__atomic_store_n(&gc.statsSeq, seq + 2, __ATOMIC_RELEASE);
}

/* The end of a cycle, world stopped, on g0 of m, which owns worldsema:
 * count it, start the world, record it, release worldsema, wake the
 * sweeper and the finalizers, and queue gp (the goroutine whose mcall got
 * us here). pause: ns the world was stopped, this cycle. */
static void cycle_end(struct m *m, struct g *gp, int np, uint64_t pause)
{
	uint32_t cycle = gc.cycles;
	/* Counted before any goroutine runs again: a GC() that starts after
	 * this point must not be satisfied by this cycle's mark, which it
	 * did not see. release; pairs with the acquire loads in GC(). */
	__atomic_store_n(&gc.cycles, cycle + 1, __ATOMIC_RELEASE);
	traceGCPhase(GCSweep, __atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED));
	startTheWorld();
	gc.tEnd = nanotime();
	gc.stwTerm = (uint64_t)(gc.tEnd - gc.tMarkDone);
	pause += gc.stwTerm;
	gc.cpuTotal += pause * (uint64_t)np;
	stats_record(pause, cycle);
	if (rtflags.gctrace)            /* before the next cycle may start */
		gctrace_line(np);
	worldsema_release();
	if (rtflags.gcconc) {
		/* seq_cst fence: the other half of gc_wait_mark's store
		 * buffering (gc_marking was cleared, world stopped, before) */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		notifyListNotifyAll(&gc.markDone);
	}
	gc_sweep_wake();                /* 4. sweep, concurrently */
	fin_wake();
	casgstatus(gp, Grunning, Grunnable);
	gp->m = NULL;
	runqput(m->p, gp, true);
}

/* ---- the concurrent mark's cycle (gcconc=1) ---------------------------------
 * The goroutine that triggered the cycle runs its start (gc_m, then
 * gc_start_conc) and goes on; the background mark worker marks and then
 * runs mark termination and the end of the cycle (gc_markdone_m), as Go's
 * gcBgMarkWorker calls gcMarkDone. worldsema stays held from the start to
 * the end of the cycle: no other cycle or stop-the-world starts meanwhile,
 * and the worker releases it. */

static struct {
	struct g *g;
	spinlock_t lock;
	bool parked;                    /* lock */
	bool work;                      /* lock: a mark to do */
} bgmark GC_NOSCAN;

static void gc_markdone_m(struct g *gp)
{
	struct m *m = getm();
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	/* relaxed: read by this M's own termination root job */
	__atomic_store_n(&m->g0_scan_sp, (uintptr_t)__builtin_frame_address(0),
	                 __ATOMIC_RELAXED);
	traceGoStop(gp, StopGC);
	gc.tMarkDone = nanotime();
	stopTheWorld();                 /* 3. mark termination */
	gc_assist_stop();
	traceGCPhase(GCMarkTerm, gc.heapStart);
	gc.dirtyPages = 0;
	gc_mark_conc_done();
	mark_termination();
	cycle_end(m, gp, np, gc.stwStart);
}

/* The mark worker's stack, mapped now: a goroutine's stack grows by
 * page faults that take pages from the heap, and the mark must not need
 * a page of the heap it marks - a mark started because memory ran out
 * found none and died growing its stack (tests/qemu/gc_mark_overflow).
 * Every page from here down to MARK_STACK_BYTES below is touched (a
 * read below sp: traps run on their own stacks), and a live goroutine's
 * stack is never shrunk. */
#define MARK_STACK_BYTES (32 * 1024)
static __attribute__((noinline)) void premap_stack(void)
{
	volatile char *fp = (volatile char *)__builtin_frame_address(0);
	for (size_t off = 1024; off <= MARK_STACK_BYTES; off += 4096)
		(void)fp[-(ptrdiff_t)off];
}

/* Go's gcBgMarkWorker, dedicated mode: one goroutine that marks for the
 * whole concurrent phase, then terminates the mark. */
static void bgmark_main(void *arg)
{
	(void)arg;
	premap_stack();
	for (;;) {
		spin_lock(&bgmark.lock);
		while (!bgmark.work) {
			bgmark.parked = true;
			goparkunlock(&bgmark.lock, waitReasonGCWorkerIdle);
			spin_lock(&bgmark.lock);
		}
		bgmark.work = false;
		spin_unlock(&bgmark.lock);
		gc_mark_concurrent();   /* 2. concurrent mark and rescan rounds */
		mcall(gc_markdone_m);
	}
}

/* The cycle's start, world stopped, on g0 of m, the barrier armed
 * (gc_run_cycle): scan the stacks, allocate black; start the world and
 * hand the mark to the worker. */
static void gc_start_conc(struct m *m, struct g *gp)
{
	gc.tMark = nanotime();
	traceGCPhase(GCMark, gc.heapStart);
	/* While the mark runs the trigger is the heap's hard limit
	 * (pacer_mark_limit): an allocation past it waits for the mark
	 * (gc_mark_wait). Allocations before it pay assists priced to
	 * finish the mark by it (from the last mark's scan work, before
	 * gc_mark_conc_start clears it). The pacer sets the next trigger at
	 * termination. relaxed: allocators read them as hints */
	uint64_t limit = pacer_mark_limit(gc.heapStart, gc.heapGoal);
	gc_assist_start(gc.heapStart, limit);
	/* Before gc_mark_conc_start: from its snapshot on, a store to a
	 * tracked page (these are in .data and .bss) would fault in this
	 * pause. */
	__atomic_store_n(&gc_trigger, limit, __ATOMIC_RELAXED);
	__atomic_store_n(&gc_want, 0, __ATOMIC_RELAXED);
	gc_mark_conc_start();
	startTheWorld();
	gc.stwStart = (uint64_t)(nanotime() - gc.tStart);
	spin_lock(&bgmark.lock);
	bgmark.work = true;
	bool wake = bgmark.parked;
	bgmark.parked = false;
	spin_unlock(&bgmark.lock);
	if (wake)
		goready(bgmark.g);
	casgstatus(gp, Grunning, Grunnable);
	gp->m = NULL;
	/* The worker keeps runnext (goready): it runs next on this P, the
	 * goroutine that started the cycle after it. Kicked to the tail, it
	 * waited up to a time slice behind the mutators, whose first stores
	 * after the snapshot fault on every page they touch and fill the
	 * rings meanwhile - an overflow, and termination's slow fallback. */
	runqput(m->p, gp, !wake);
}

static void gc_m(struct g *gp)
{
	struct m *m = getm();
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	/* relaxed: our own mark jobs read it, and helpers after the seq_cst
	 * store that opens the mark (gc_mark) */
	__atomic_store_n(&m->g0_scan_sp, (uintptr_t)__builtin_frame_address(0),
	                 __ATOMIC_RELAXED);
	traceGoStop(gp, StopGC);
	gc.tStart = nanotime();
	gc.heapStart = __atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED);

	traceGCPhase(GCSweepTerm, gc.heapStart);
	stopTheWorld();                 /* 1. sweep termination */
	pool_cleanup();
	gc_sweep_finish();
	if (rtflags.debug) {
		mcache_verify_all();
		verify_heap();
	}
	/* release; pairs with the acquire in GC() */
	__atomic_store_n(&gc.started, gc.started + 1, __ATOMIC_RELEASE);
	gc.markOverflows = 0;
	uint64_t faults = gc_barrier_faults();
	gc.barrierFaults = faults - gc.faultsSeen;
	gc.faultsSeen = faults;
	if (rtflags.gcconc) {
		gc_start_conc(m, gp);
		return;
	}
	/* The barrier's dirty set since the last pause, for gctrace=2 only:
	 * this mark stops the world and needs no barrier. Collecting re-arms
	 * it, so every page written would fault again each cycle in fault
	 * mode, and in hardware mode the collect walks every tracked leaf in
	 * this pause (about 1.2 M instructions for 512 MiB of RAM). */
	gc.dirtyPages = rtflags.gctrace > 1 ? gc_barrier_collect() : 0;
	gc.tMark = nanotime();
	traceGCPhase(GCMark, gc.heapStart);
	gc_mark();                      /* 2. mark */
	gc.tMarkDone = nanotime();
	traceGCPhase(GCMarkTerm, gc.heapStart);
	mark_termination();             /* 3. mark termination */
	gc.stwStart = 0;
	cycle_end(m, gp, np, (uint64_t)(gc.tMarkDone - gc.tStart));
}

/* ---- forced cycles (sysmon's forcegc) -------------------------------------- */

static struct {
	struct timer t;
	struct g *g;
	spinlock_t lock;
	bool parked;                    /* lock */
} forcegc GC_NOSCAN;

static void forcegc_main(void *arg)
{
	(void)arg;
	for (;;) {
		spin_lock(&forcegc.lock);
		forcegc.parked = true;
		goparkunlock(&forcegc.lock, waitReasonForceGCIdle);
		gc_run_cycle(gcTriggerTime, 0);
	}
}

/* A runtime timer, 8 times per forcegc period (gc_init; at least 1 ms
 * apart), on g0: wake the helper if no cycle ran for a whole period, so a
 * forced cycle is at most an eighth of a period late. */
static void forcegc_tick(void *arg, int64_t now)
{
	(void)arg;
	(void)now;
	if (trigger_test(gcTriggerTime, 0))
		goready_parked(&forcegc.lock, &forcegc.parked, forcegc.g);
}

/* ---- statistics and set-up --------------------------------------------------- */

/* A copy of the last cycle's figures (stats_record says how it is whole);
 * the pacer's goal and marked bytes, and GOGC, are figures of their own,
 * each the latest value stored (relaxed: a snapshot, ordering nothing). */
void gc_read_stats(struct MemStats *ms)
{
	uint32_t seq;
	do {
		/* acquire; pairs with the release store ending stats_record */
		seq = __atomic_load_n(&gc.statsSeq, __ATOMIC_ACQUIRE);
		ms->NumGC = __atomic_load_n(&gc.numgc, __ATOMIC_RELAXED);
		ms->LastGC = (uint64_t)__atomic_load_n(&gc.lastGC, __ATOMIC_RELAXED);
		ms->PauseTotalNs = __atomic_load_n(&gc.pauseTotal, __ATOMIC_RELAXED);
		for (int i = 0; i < 256; i++)
			ms->PauseNs[i] = __atomic_load_n(&gc.pauses[i], __ATOMIC_RELAXED);
		ms->NumForcedGC = __atomic_load_n(&gc.nforced, __ATOMIC_RELAXED);
		/* acquire fence: the loads above before the count's second
		 * load; pairs with stats_record's release fence */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) != 0 || __atomic_load_n(&gc.statsSeq, __ATOMIC_RELAXED) != seq);
	uint64_t goal = __atomic_load_n(&gc.heapGoal, __ATOMIC_RELAXED);
	ms->NextGC = goal == UINT64_MAX ? 0 : goal;
	ms->HeapMarked = __atomic_load_n(&gc.heapMarked, __ATOMIC_RELAXED);
	ms->GCPercent = __atomic_load_n(&gc.percent, __ATOMIC_RELAXED);
	ms->Finalizers = fin_nrun();
}

void gc_last_cycle(struct gc_cycle_stats *st)
{
	worldsema_acquire();            /* a consistent snapshot */
	st->cycle = gc.cycles;
	st->nworkers = gc.nworkers;
	st->pause_ns = gc.pauses[(gc.cycles + 255) % 256];
	st->stw_start_ns = gc.stwStart;
	st->stw_term_ns = gc.stwTerm;
	st->rounds = gc.rounds;
	st->rescan_pages = gc.rescanPages;
	st->term_pages = gc.termPages;
	st->rescan_gs = gc.rescanGs;
	st->satb = gc.satb ? (gc.satbOverflow ? 2 : 1) : 0;
	st->satb_words = gc.satbWords;
	st->snap_pages = gc.snapPages;
	st->dedicated = gc.dedicated;
	st->frac_ppm = gc.fracPpm;
	st->budget_yields = gc.budgetYields;
	st->mark_overflows = gc.markOverflows;
	st->assists = gc.assists;
	st->assist_words = gc.assistWords;
	st->assist_credit = gc.assistCredit;
	st->mark_ns = (uint64_t)(gc.tMarkDone - gc.tMark);
	st->mark_cpu_ns = gc.markCpuNs;
	st->scan_words = gc.scanWords;
	st->marked_bytes = gc.heapMarked;
	st->dirty_pages = gc.dirtyPages;
	st->barrier_faults = gc.barrierFaults;
	worldsema_release();
}

/* Boot, on g0 of CPU 0 with P0, before the main goroutine exists (other
 * CPUs are already scheduling and may run it at once). */
void gc_init(void)
{
	spin_lock_init(&forcegc.lock, LOCKRANK_FORCEGC);
	spin_lock_init(&bgmark.lock, LOCKRANK_BGMARK);
	fin_init();
	gc.percent = rtflags.gogc < 0 ? -1 : (rtflags.gogc > INT32_MAX ? INT32_MAX : (int32_t)rtflags.gogc);
	gc_pacer_update(0);
	gc_mark_init();
	/* Check 8 times per period: a cycle is forced at most 1/8 late. */
	forcegc.t.period = rtflags.forcegc * Millisecond / 8;
	if (forcegc.t.period < Millisecond)
		forcegc.t.period = Millisecond;
	forcegc.t.when = nanotime() + forcegc.t.period;
	forcegc.t.f = forcegc_tick;
	forcegc.t.system = true;
	forcegc.t.idx = -1;
	timer_add(&forcegc.t);
	__atomic_store_n(&gc_ready, 1, __ATOMIC_RELEASE);
}

/* The collector's own goroutines, started by goroutine 1 before the
 * program's main (Go's runtime.main calls gcenable). */
void gc_start_goroutines(void)
{
	gc_sweep_init();
	forcegc.g = newproc_system(forcegc_main, NULL);
	if (rtflags.gcconc)
		bgmark.g = newproc_system(bgmark_main, NULL);
}
