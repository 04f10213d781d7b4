/*
 * mgcsweep.c - sweeping: turning the mark bits into free slots, span by
 * span, concurrently with the program (Go's mgcsweep.go).
 *
 * At mark termination (world stopped) mheap_sweepgen += 2, which makes
 * every GC span "to be swept" at once (mspan.h: sweepgen sg-2 / sg-1 / sg),
 * and every swept list of mcentral an unswept one. From then on a span is
 * swept exactly once, by whoever claims it first with a compare-and-swap
 * of its sweepgen from sg-2 to sg-1:
 *   - the background sweeper goroutine (bgsweep), which takes spans off
 *     the unswept lists class by class, yielding every few spans;
 *   - the allocator: proportional sweeping (deduct_sweep_credit) sweeps
 *     enough pages before each new span that sweeping is done by the time
 *     the heap reaches its next trigger; and mcentral_exchange sweeps
 *     spans of its own class lazily before growing the heap;
 *   - free() of a GC object sweeps the object's span in place first, so
 *     that it never clears a bit the sweep would then overwrite; a sweeper
 *     that pops such a span finds it swept and only files it.
 * Whoever loses the race waits for sg (a sweep is short and never waits
 * for anything itself). Sweeping one span happens with preemption
 * deferred, so a stop-the-world never finds a span half swept, and the
 * next cycle's sweep termination (mgc.c) only has to finish the spans
 * nobody got to.
 *
 * Sweeping a span (span_sweep_bits): allocated-but-unmarked objects are
 * freed - poisoned first with gcpoison=1 - the mark bits become the alloc
 * bits, the count is recomputed; the span is then filed by its count:
 * empty spans go back to mheap (real memory returned), the rest to the
 * partial or full swept list.
 *
 * Bare-metal difference: Go also returns free pages to the OS (the
 * scavenger); here every page is already ours and free spans just wait.
 */
#include "kernel/gc/mgc.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "arch/atomic.h"
#include "kernel/lib/asan.h"

#define SWEEP_BATCH 10                  /* spans between yields */

static struct {
	uint32_t cursor;                /* atomic: next GC class to look at */
	uint32_t done;                  /* atomic: no span left on any list */
	uint64_t pagesSwept;            /* atomic: this cycle */
	uint64_t bytesPerPage;          /* heap growth allowed per page swept; 0 = no pacing */
	uint64_t basis;                 /* heapLive when the sweep began */
	spinlock_t lock;
	uint32_t gen;                   /* sweeps started; lock */
	struct g *g;                    /* the background sweeper */
	bool parked;                    /* lock */
} sweep = { .lock = SPINLOCK_INIT(LOCKRANK_SWEEP), .done = 1 };

/* A dead object, still ours: gcpoison's pattern, and dead to ASan until
 * it is allocated again (kernel/lib/asan.h). */
static void poison_dead(struct mspan *s, uint32_t idx, void *arg)
{
	(void)arg;
	void *p = (void *)(s->startAddr + idx * s->elemsize);
	if (rtflags.gcpoison)
		poison_fill(p, s->elemsize);
	asan_poison(p, s->elemsize);
}

/* Sweep s, which we own (sweepgen sg-1). */
static void sweep_span(struct mspan *s)
{
	ASSERT(s->state == mSpanInUse && s->collect && s->cachedby == 0);
	uint32_t nfreed = span_sweep_bits(s, rtflags.gcpoison || GORT_ASAN ? poison_dead : NULL, NULL);
	if (nfreed != 0) {
		int c = spanclass_sizeclass(s->spanclass);
		mcache_count_swept(c, nfreed, c == 0 ? s->elemsize : 0);
	}
}

void span_ensure_swept(struct mspan *s)
{
	uint32_t sg = __atomic_load_n(&mheap_sweepgen, __ATOMIC_RELAXED);
	/* acquire; pairs with the release store below: a span seen swept
	 * has its new bits and count visible. */
	uint32_t v = __atomic_load_n(&s->sweepgen, __ATOMIC_ACQUIRE);
	if (v == sg)
		return;
	ASSERT(v == sg - 2 || v == sg - 1);
	if (v == sg - 2 && arch_cas(&s->sweepgen, &v, sg - 1,
	                            __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		sweep_span(s);
		__atomic_fetch_add(&sweep.pagesSwept, s->npages, __ATOMIC_RELAXED);
		__atomic_store_n(&s->sweepgen, sg, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&s->sweepgen, __ATOMIC_ACQUIRE) != sg)
		arch_cpu_relax();
}

uintptr_t sweepone(void)
{
	if (__atomic_load_n(&sweep.done, __ATOMIC_ACQUIRE))
		return 0;
	uintptr_t pages = 0;
	acquirem();             /* no stop-the-world while we hold a span */
	for (;;) {
		uint32_t c = __atomic_load_n(&sweep.cursor, __ATOMIC_RELAXED);
		if (c >= NUM_SPAN_CLASSES) {
			__atomic_store_n(&sweep.done, 1, __ATOMIC_RELEASE);
			break;
		}
		struct mspan *s = mcentral_popUnswept((int)c);
		if (s == NULL) {        /* class done: move on (once) */
			arch_cas(&sweep.cursor, &c, c + 1,
			         __ATOMIC_RELAXED, __ATOMIC_RELAXED);
			continue;
		}
		span_ensure_swept(s);
		pages = s->npages;
		mcentral_fileSwept(s);
		break;
	}
	releasem();
	return pages;
}

void deduct_sweep_credit(uintptr_t npages)
{
	if (__atomic_load_n(&sweep.done, __ATOMIC_RELAXED))
		return;
	uint64_t bpp = sweep.bytesPerPage;
	uint64_t live = __atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED);
	uint64_t target;
	if (bpp == 0)
		target = UINT64_MAX;
	else
		target = (live > sweep.basis ? (live - sweep.basis) / bpp : 0) + npages;
	while (__atomic_load_n(&sweep.pagesSwept, __ATOMIC_RELAXED) < target)
		if (sweepone() == 0)
			break;
}

void gc_sweep_start(void)
{
	struct heapstats hs;
	mheap_stats(&hs);
	uint64_t live = __atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED);
	uint64_t goal = gc_pacer_goal();
	uint64_t distance = goal > live ? goal - live : 0;
	sweep.basis = live;
	/* Spread the sweep of every in-use page over the allocation left
	 * until the goal (Go's sweepPagesPerByte, inverted). */
	sweep.bytesPerPage = hs.inuse_pages ? distance / hs.inuse_pages : 0;
	if (goal == UINT64_MAX)
		sweep.bytesPerPage = 1ULL << 20;        /* gogc=off: lazily */
	__atomic_store_n(&sweep.pagesSwept, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sweep.cursor, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sweep.done, 0, __ATOMIC_RELEASE);
	spin_lock(&sweep.lock);
	sweep.gen++;
	spin_unlock(&sweep.lock);
}

void gc_sweep_finish(void)
{
	while (sweepone() != 0)
		;
}

static void bgsweep(void *arg)
{
	(void)arg;
	for (;;) {
		spin_lock(&sweep.lock);
		uint32_t gen = sweep.gen;
		spin_unlock(&sweep.lock);
		uint32_t n = 0;
		while (sweepone() != 0)
			if (++n % SWEEP_BATCH == 0)
				Gosched();      /* low priority: let the program run */
		spin_lock(&sweep.lock);
		if (sweep.gen != gen) {         /* a new cycle meanwhile */
			spin_unlock(&sweep.lock);
			continue;
		}
		sweep.parked = true;
		goparkunlock(&sweep.lock, waitReasonGCSweepWait);
	}
}

void gc_sweep_wake(void)
{
	goready_parked(&sweep.lock, &sweep.parked, sweep.g);
}

void gc_sweep_init(void)
{
	sweep.g = newproc_system(bgsweep, NULL);
}
