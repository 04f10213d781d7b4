/*
 * gc.h - the garbage collector's interface to the rest of the runtime
 * (kernel/mm calls in for pacing and sweeping, kernel/sched for the mark
 * helpers). The public API (GC, SetGCPercent, SetFinalizer, KeepAlive) is
 * in include/gort.h; the design is in mgc.c and docs/gc.md.
 */
#ifndef KERNEL_GC_GC_H
#define KERNEL_GC_GC_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

struct mspan;
struct m;

/* ---- pacing (mgcpacer.c) --------------------------------------------- */
/* Bytes of GC objects that may be live: marked by the last cycle, plus
 * everything handed to mcaches (counted when a span is cached, its unused
 * part given back when it is uncached) and large objects since. Atomic. */
extern uint64_t gc_heapLive;
/* heapLive at which the next cycle starts; UINT64_MAX when gogc=off. Atomic. */
extern uint64_t gc_trigger;
/* Set (relaxed) once heapLive reached the trigger; mallocgc then starts a
 * cycle at its next safe point (gc_maybe_start). */
extern uint32_t gc_want;

/* Mark assists (mgcassist.c): scan words owed per byte allocated while a
 * concurrent mark runs, 16.16 fixed point; 0 = none owed. Set and cleared
 * with the world stopped; atomic (relaxed). */
extern uint64_t gc_assist_ratio;
/* Put bytes on the running M's assist account and raise gc_want. */
void gc_assist_owe(uint64_t bytes);
/* At a safe point during a concurrent mark: pay the running M's account
 * with background credit and scan work (gc_maybe_start calls it). */
void gc_assist_alloc(void);

static inline void gc_heaplive_add(int64_t delta)
{
	/* relaxed: a pacing figure; the trigger check tolerates staleness */
	uint64_t v = __atomic_add_fetch(&gc_heapLive, (uint64_t)delta, __ATOMIC_RELAXED);
	if (delta > 0 && v >= __atomic_load_n(&gc_trigger, __ATOMIC_RELAXED))
		__atomic_store_n(&gc_want, 1, __ATOMIC_RELAXED);
	/* relaxed: see gc_assist_ratio; a stale value costs one span's debt */
	if (delta > 0 && __builtin_expect(__atomic_load_n(&gc_assist_ratio, __ATOMIC_RELAXED) != 0, 0))
		gc_assist_owe((uint64_t)delta);
}
/* Start a cycle if the heap reached its trigger and the caller is at a
 * safe point (a goroutine holding no runtime lock); else leave it for the
 * next allocation. */
void gc_maybe_start(void);
/* An allocation found no memory: if the caller is at a safe point, run a
 * full cycle (and sweep) and return true so that it tries again. */
bool gc_collect_for_oom(void);
void gc_init(void);                     /* boot, before the main goroutine */
void gc_start_goroutines(void);         /* goroutine 1, before main */
struct MemStats;
void gc_read_stats(struct MemStats *ms); /* the GC fields of MemStats */
/* The last cycle's figures, for benchmarks (bench/gc). Times are nanotime
 * deltas: under QEMU -icount shift=0 one ns is one guest instruction. */
struct gc_cycle_stats {
	uint32_t cycle;             /* NumGC after it */
	int nworkers;               /* CPUs that marked (gcconc=1: at once, at most) */
	uint64_t pause_ns;          /* stop to start of the world */
	uint64_t mark_ns;           /* wall time of the parallel mark */
	uint64_t mark_cpu_ns;       /* summed over the mark workers */
	uint64_t scan_words;        /* pointer-sized words scanned */
	uint64_t marked_bytes;      /* live GC heap found */
	uint64_t dirty_pages;       /* pages the barrier saw written since the last cycle */
	uint64_t barrier_faults;    /* write faults it took meanwhile (fault mode) */
	/* gcconc=1: the two pauses (pause_ns is their sum), the rescans */
	uint64_t stw_start_ns, stw_term_ns;
	uint32_t rounds;            /* concurrent rescan rounds */
	uint64_t rescan_pages;      /* dirty pages rescanned, all rounds + termination */
	uint64_t term_pages;        /* of them, in termination */
	uint64_t rescan_gs;         /* goroutines rescanned in termination */
	int satb;                   /* 1: snapshot at the beginning; 2: its ring
	                               overflowed, written pages rescanned */
	uint64_t satb_words;        /* words the snapshot barrier greyed */
	uint64_t snap_pages;        /* pages the start pause protected again */
	/* gcconc=1: Go's 25 % budget (pacer_mark_workers) for the mark worker */
	int dedicated;              /* 1: it marked without a budget */
	uint32_t frac_ppm;          /* else its share of one CPU, in millionths */
	uint64_t budget_yields;     /* times it yielded its P, over budget */
	/* Work buffers ran out with no page left (mgcwork.c): how many
	 * times the mark rescanned the marked heap to make up for it */
	uint32_t mark_overflows;
	/* gcconc=1: mark assists (mgcassist.c) */
	uint64_t assists;           /* times an allocating goroutine paid */
	uint64_t assist_words;      /* words it scanned to pay */
	uint64_t assist_credit;     /* words of background credit it took instead */
};
void gc_last_cycle(struct gc_cycle_stats *st);

/* Debug hook for tests: the parallel mark loses every Nth grey object
 * (0 = off), which gccheckmark=1 must catch. */
void gc_debug_drop_marks(int every);

/* Debug hook for tests: the mark's pushes find no empty work buffer, as
 * if the reserve and the page heap were used up, so every worker that
 * fills its two buffers drops grey objects and the mark recovers by
 * rescanning the marked heap (mgcwork.c, "Overflow"). */
void gc_debug_workbuf_starve(bool on);

/* Debug hook for tests: the concurrent mark ignores the barrier for the
 * kinds of page given (0 = none): it does not rescan them when they are
 * dirty (for stacks: it does not rescan a goroutine whose stack or G was
 * written); the snapshot mark (gcsatb=1) does not grey such a page at its
 * first write fault (for stacks: it leaves the stacks out of the start
 * pause's snapshot). gccheckmark=1 must catch what that loses. */
enum {
	GC_PAGES_HEAP    = 1,   /* GC objects' spans */
	GC_PAGES_MALLOC  = 2,   /* malloc blocks' spans */
	GC_PAGES_GLOBALS = 4,   /* .data and .bss */
	GC_PAGES_STACKS  = 8,   /* goroutine stacks and Gs */
};
void gc_debug_barrier_ignore(uint32_t kinds);

/* ---- sweeping (mgcsweep.c) --------------------------------------------- */
/* Make sure s is swept for this cycle, sweeping it in place if need be
 * (free() calls it before touching the bits). Preemption deferred. */
void span_ensure_swept(struct mspan *s);
/* Proportional sweep: before the allocator takes npages more of the GC
 * heap, sweep enough that sweeping ends before the next trigger. */
void deduct_sweep_credit(uintptr_t npages);
/* Sweep one span of any class: pages swept, 0 when nothing is left. */
uintptr_t sweepone(void);

/* ---- finalizers (mfinal.c) ----------------------------------------------- */
extern uint32_t fin_nregistered;       /* atomic: finalizers registered */
/* free() of a GC object: drop its finalizer, if any. */
void fin_forget(uintptr_t obj);

/* ---- the concurrent mark (gcconc=1; mgcconc.c) ---------------------------- */
/* 1 while a concurrent mark runs: objects are allocated black and no span
 * goes back to mheap. Changed only with the world stopped; atomic
 * (relaxed readers: the stop and start of the world order it). */
extern uint32_t gc_marking;
/* Allocate black: mark object idx of GC span s, just allocated (its
 * allocator calls it while gc_marking). */
void gc_marknewobject(struct mspan *s, uint32_t idx);
/* Allocate black ahead (mcache.c): while gc_marking, mark the objects
 * free is a set of, in word w of GC span s's bits - the free objects of
 * an mcache's allocCache, before any of them is handed out; and take the
 * marks back from those still free when the span or the mark is done
 * with them (gc_unmarkfree). Both count the bytes allocated black. */
void gc_markfree(struct mspan *s, uint32_t w, uint64_t free);
void gc_unmarkfree(struct mspan *s, uint32_t w, uint64_t free);

/* ---- the snapshot-at-the-beginning barrier (gcconc=1; mgcsatb.c) -------- */
/* A snapshot mark is running: gc_barrier_prefault greys pages. */
static inline bool gc_satb_active(void)
{
	extern uint32_t gc_satb_on;
	/* relaxed: changed only with the world stopped, as gc_marking */
	return __atomic_load_n(&gc_satb_on, __ATOMIC_RELAXED) != 0;
}
/* The first store to a write-protected page since the snapshot: grey
 * what the page holds (trap context; kernel/gc/barrier.c calls it). */
void gc_satb_page(uintptr_t page);
/* free() of the object [p, p+size) while gc_marking: grey what it holds
 * (the caller is pinned to its CPU). */
void gc_satb_free(uintptr_t p, size_t size);

/* ---- mark helpers (mgcmark.c) -------------------------------------------- */
/* An idle M (kernel/sched/idle.c) checks this before sleeping: a mark is
 * running and wants help. */
extern uint32_t gc_markhelp_wanted;
void gc_markhelp(struct m *m);

#endif
