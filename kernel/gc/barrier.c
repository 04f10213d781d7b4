/*
 * barrier.c - the page-dirty barrier: the MMU tells the collector which
 * pages were written since it last looked (the policy; the mechanism is
 * arch_dirty_* in arch/arch.h, the argument in docs/gc.md, "The
 * page-dirty barrier").
 *
 * Go's collector learns of pointer stores through a write barrier its
 * compiler inserts before each one (mbarrier.go, mwbbuf.go). C has no
 * such compiler, but this runtime owns the page tables: every page that
 * can hold a pointer the collector must see is mapped with its own 4 KiB
 * entry, and a store into it marks the page dirty - card marking with
 * page-sized cards, as in Boehm's incremental mode, without an operating
 * system between us and the MMU.
 *
 * Objects:
 *   region   - a tracked address range and the bitmap of its pages found
 *              dirty by the last collect (one bit per 4 KiB page; outside
 *              the stack window also a summary, one bit per word):
 *                .data, .bss (minus .bss.noscan, which holds the trap and
 *                boot stacks and page tables: the fault path writes there),
 *                the heap window from the first heap page to the last
 *                (every span: scan objects, malloc blocks, and -
 *                harmlessly - noscan objects and the allocator's own
 *                pages; the RAM behind it is also identity-mapped, and
 *                that alias is untracked: only page tables, zeroed by
 *                pt_alloc_page, are written through it),
 *                the goroutine stack window up to the last slot handed
 *                out (pages tracked by arch_map_page as they are mapped),
 *                collected goroutine by goroutine: only each G's mapped
 *                pages, from its lowest mapped page to the top of its
 *                slot, are read (a 1 MiB slot has a few mapped pages).
 *   mode     - hardware dirty bits or write-protect-and-fault, chosen once
 *              at boot (bootarg gcbarrier=auto|hw|fault, auto = hw when
 *              arch_dirty_hw_capable()).
 *   faulted  - per non-stack region, the pages the fault path made
 *              writable since a collect last took them (and a summary
 *              bit per word). In fault mode, once a collect has walked
 *              every leaf (`walked`), a collect takes this bitmap instead
 *              of walking the leaves: its cost follows the pages written,
 *              not the RAM. Stack pages are still walked per goroutine
 *              (they are mapped writable, outside the fault path).
 * Invariants:
 *   - A tracked page is dirty from when it is mapped until a collect or
 *     arm cleans it; every store after the clean's shootdown makes it
 *     dirty again (arch.h). So "not reported" means "not written since the
 *     previous collect returned".
 *   - The bitmaps live in untracked pages (collect writes them) and are
 *     never freed: a freed page would come back as untracked heap.
 *   - Fault mode after the first walk, and hardware mode from
 *     collect_last to the next collect (`protected`): a tracked page outside
 *     the stack window that became dirty since the last collect has its
 *     faulted bit set (or about to be: the fault path sets it after the
 *     leaf), or a collect took the bit and cleans the page before its
 *     shootdown. Only the fault path can make such a page dirty then
 *     (arch_dirty_track's dirty pages are cleaned by the first walk;
 *     arch_dirty_protect leaves the walker nothing to set).
 *   - One collector at a time: collect and arm are serialised by their
 *     caller (the GC's coordinator); `collecting` turns a violation into
 *     a fatal error instead of a torn dirty set.
 * The fault path (gc_barrier_fault) runs in trap context with anything
 * held: it counts in .bss.noscan and ORs into the faulted bitmaps, which
 * are in untracked pages.
 *
 * Use: with the stop-the-world mark (gcconc=0) a GC pause collects the
 * dirty set (re-arming the barrier) only with gctrace=2, and only counts
 * it (bench/gc); otherwise each page faults at most once after boot. The
 * concurrent mark (gcconc=1, mgcconc.c) rescans it: the
 * stack pages' set then accumulates over a cycle's collects
 * (gc_barrier_arm starts it, gc_barrier_collect_more adds to it),
 * because stacks are rescanned only in mark termination, goroutine by
 * goroutine, while the other pages are rescanned after each collect. Its
 * last concurrent round, gc_barrier_collect_last, write-protects every
 * non-stack page in hardware mode too, so that termination's collect
 * takes the faulted bitmap in both modes (docs/gc.md, "Hardware mode's
 * last stretch in fault mode"). The snapshot mark (gcsatb=1, mgcsatb.c)
 * uses gc_barrier_arm_protect, gc_barrier_presnapshot (world running, no
 * shootdown: the snapshot's serves it), gc_barrier_snapshot and
 * gc_barrier_collect_stacks instead, and gc_barrier_prefault: the fault
 * path's call before the port makes a page writable.
 */
#include <string.h>
#include "kernel/gc/barrier.h"
#include "kernel/gc/mgc.h"
#include "kernel/mm/mheap.h"
#include "kernel/mm/heapwindow.h"
#include "kernel/mm/stack.h"
#include "kernel/lib/bootargs.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/lib/print.h"
#include "kernel/lib/asan.h"
#include "kernel/sched/runtime2.h"
#include "arch.h"

extern char __data_start[], __noscan_start[], __noscan_end[], __bss_end[];

enum { R_DATA, R_BSS, R_HEAP, R_STACKS, NREGIONS };

struct region {
	uintptr_t lo;           /* page-aligned */
	size_t npages;          /* pages tracked (R_STACKS: grows; collector) */
	size_t cap;             /* pages the bitmap covers; collector */
	uint64_t *bits;         /* the last collected set; collector */
	/* Not R_STACKS: the summary of bits (bit w: bits[w] != 0), so that
	 * a small set is found without reading every word; collector. */
	uint64_t *bits_sum;
	/* Not R_STACKS: the pages a write fault made dirty since the last
	 * collect took them (set in hardware mode too, by a hart that traps
	 * on D = 0, but read only in fault mode), and its summary (bit w:
	 * word w may have a bit). Atomic words: the fault path ORs a bit
	 * into each (release), the collector swaps a word for zero (acquire).
	 * Allocated at boot, before any fault. */
	uint64_t *faulted, *faulted_sum;
};

static struct region regions[NREGIONS] GC_NOSCAN;
static int mode GC_NOSCAN;              /* set at boot, read-only after */
static uint64_t nfaults GC_NOSCAN;      /* atomic (statistic) */
static uint32_t collecting GC_NOSCAN;   /* atomic: a collect is running */
/* Fault mode: a collect has walked every tracked leaf since boot, so
 * every non-stack page made writable since then went through the fault
 * path and is in `faulted` (collector). */
static bool walked GC_NOSCAN;
/* Hardware mode: gc_barrier_collect_last write-protected every non-stack
 * page, so they behave as in fault mode and the next collect (mark
 * termination's) takes the faulted bitmap alone; it gives the pages it
 * finds back to the hardware, so the collects after it walk again
 * (collector). */
static bool protected GC_NOSCAN;

static uintptr_t page_down(uintptr_t a) { return a & ~(MMU_PAGE_SIZE - 1); }
static uintptr_t page_up(uintptr_t a) { return page_down(a + MMU_PAGE_SIZE - 1); }
/* Words of a bitmap of n bits (pages, or bitmap words for a summary). */
static size_t nwords(size_t n) { return (n + 63) / 64; }
/* Words of rg's summaries (one bit per word of its page bitmaps). */
static size_t nsumwords(const struct region *rg) { return nwords(nwords(rg->npages)); }

/* A bitmap for npages pages, in untracked pages, never freed; NULL when
 * memory ran out. */
static uint64_t *bitmap_alloc(size_t npages, size_t *cap)
{
	size_t bytes = nwords(npages) * 8;
	size_t rtpages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	if (rtpages == 0)
		rtpages = 1;
	uint64_t *b = mheap_alloc_pages(rtpages);
	if (b == NULL)
		return NULL;
	arch_dirty_untrack((uintptr_t)b, rtpages * PAGE_SIZE);
	memset(b, 0, rtpages * PAGE_SIZE);
	*cap = rtpages * PAGE_SIZE * 8;
	return b;
}

static void region_set(int r, uintptr_t lo, uintptr_t hi)
{
	regions[r].lo = lo;
	regions[r].npages = (hi - lo) / MMU_PAGE_SIZE;
}

static void region_track(int r, uintptr_t lo, uintptr_t hi)
{
	lo = page_down(lo);
	hi = page_up(hi);
	if (hi <= lo)
		return;
	arch_dirty_track(lo, hi - lo);
	region_set(r, lo, hi);
}

/* The heap's region spans [lo, hi) of the window; only the window's RAM
 * ranges are mapped, so only they are tracked (collect skips the gaps). */
static void heap_track(uintptr_t lo, uintptr_t hi)
{
	for (int i = 0; i < bootinfo.nmem; i++) {
		uintptr_t rlo = (uintptr_t)heap_va(bootinfo.mem[i].base);
		uintptr_t rhi = rlo + bootinfo.mem[i].size;
		rlo = page_up(rlo > lo ? rlo : lo);
		rhi = page_down(rhi < hi ? rhi : hi);
		if (rlo < rhi)
			arch_dirty_track(rlo, rhi - rlo);
	}
	region_set(R_HEAP, lo, hi);
}

void gc_barrier_init(void)
{
	bool hw = arch_dirty_hw_capable();
	mode = rtflags.gcbarrier == GCBARRIER_AUTO ? (hw ? GCBARRIER_HW : GCBARRIER_FAULT)
	                                           : (int)rtflags.gcbarrier;
	if (mode == GCBARRIER_HW && !hw) {
		printk("runtime: warning: gcbarrier=hw, but this MMU does not record "
		       "writes: using gcbarrier=fault\n");
		mode = GCBARRIER_FAULT;
	}
	arch_dirty_init(mode == GCBARRIER_HW);

	region_track(R_DATA, (uintptr_t)__data_start, (uintptr_t)__noscan_start);
	region_track(R_BSS, (uintptr_t)__noscan_end, (uintptr_t)__bss_end);
	uintptr_t lo, hi;
	mheap_bounds(&lo, &hi);
	heap_track(page_down(lo), page_up(hi));
	regions[R_STACKS].lo = STACK_REGION_BASE;

	for (int r = 0; r < NREGIONS; r++) {
		/* The stack window's from the start: one runtime page of bits
		 * covers 256 slots of 1 MiB. */
		size_t n = r == R_STACKS ? PAGE_SIZE * 8 : regions[r].npages, cap;
		if (n > 0 && (regions[r].bits = bitmap_alloc(n, &regions[r].cap)) == NULL)
			throw("gc barrier: out of memory for the dirty bitmaps");
		if (n == 0 || r == R_STACKS)
			continue;
		size_t words = nwords(n);
		if ((regions[r].bits_sum = bitmap_alloc(words, &cap)) == NULL ||
		    (regions[r].faulted_sum = bitmap_alloc(words, &cap)) == NULL ||
		    (regions[r].faulted = bitmap_alloc(n, &cap)) == NULL)
			throw("gc barrier: out of memory for the dirty bitmaps");
	}
}

int gc_barrier_mode(void)
{
	return mode;
}

const char *gc_barrier_mode_name(void)
{
	return mode == GCBARRIER_HW ? "hw" : "fault";
}

/* The stack region covers every slot handed out so far - or, if memory
 * for a bigger bitmap ran out (a collection for out-of-memory is running),
 * the slots the bitmap covers: the others are not cleaned, so they stay
 * dirty and are reported by a later collect. */
static void stacks_extend(void)
{
	struct region *r = &regions[R_STACKS];
	size_t want = (stack_window_end() - r->lo) / MMU_PAGE_SIZE, cap;
	if (want > r->cap) {
		/* The old bitmap stays allocated (see the invariants); the
		 * stack pages found dirty so far move to the new one. */
		uint64_t *b = bitmap_alloc(want * 2, &cap);
		if (b != NULL) {
			memcpy(b, r->bits, r->cap / 8);
			r->bits = b;
			r->cap = cap;
		}
	}
	r->npages = want < r->cap ? want : r->cap;
}

#define SLOT_MAX_PAGES (65536 * 1024 / MMU_PAGE_SIZE)  /* stacksize's maximum */

/* One goroutine's mapped stack pages, into the stack region's bitmap. */
static void collect_stack(struct region *r, struct g *gp, bool record)
{
	static uint64_t tmp[SLOT_MAX_PAGES / 64] GC_NOSCAN;   /* the collector's */
	/* relaxed: the G itself moves stack_mapped (growth faults, shrinking
	 * when it dies). Any value is safe: pages mapped after the read start
	 * dirty and the next collect reads them; unmapped ones are skipped. */
	uintptr_t lo = page_down(__atomic_load_n(&gp->stack_mapped, __ATOMIC_RELAXED));
	uintptr_t slot = gp->stack_slot, hi = slot + stack_reserve();
	if (slot == 0 || lo < slot || lo >= hi || hi > r->lo + r->npages * MMU_PAGE_SIZE)
		return;
	size_t n = (hi - lo) / MMU_PAGE_SIZE, first = (lo - r->lo) / MMU_PAGE_SIZE;
	if (!record) {
		arch_dirty_collect(lo, n, NULL);
		return;
	}
	memset(tmp, 0, nwords(n) * 8);
	arch_dirty_collect(lo, n, tmp);
	for (size_t i = 0; i < n; i++)
		if (tmp[i / 64] >> (i % 64) & 1)
			r->bits[(first + i) / 64] |= 1ULL << ((first + i) % 64);
}

/* Collect the stack pages: record them (adding to the set since the last
 * reset), else only clean them; reset: start the set afresh. */
static void collect_stacks(bool record, bool reset)
{
	struct region *r = &regions[R_STACKS];
	stacks_extend();
	if (r->npages == 0)
		return;
	if (reset)
		memset(r->bits, 0, nwords(r->npages) * 8);
	spin_lock(&sched.allglock);
	for (struct g *gp = sched.allgs; gp != NULL; gp = gp->alllink)
		collect_stack(r, gp, record);
	spin_unlock(&sched.allglock);
}

static size_t popcount_bits(const uint64_t *bits, size_t npages)
{
	size_t n = 0;
	for (size_t w = 0; w < nwords(npages); w++)
		n += (size_t)__builtin_popcountll(bits[w]);
	return n;
}

/* What a collect does with each kind of region. */
enum how { CLEAN, RECORD, SKIP };
/* What collect_faulted does with the pages it takes. */
enum take { DROP, ADD };

/* Empty rg's set: the words its summary names, then the summary. */
static void set_clear(struct region *rg)
{
	size_t nsum = nsumwords(rg);
	for (size_t sw = 0; sw < nsum; sw++) {
		for (uint64_t b = rg->bits_sum[sw]; b != 0; b &= b - 1)
			rg->bits[sw * 64 + (size_t)__builtin_ctzll(b)] = 0;
		rg->bits_sum[sw] = 0;
	}
}

/* Fault mode: take the pages in rg's faulted bitmap, write-protect each
 * again and (ADD) add them to rg's set. Only the words the summary names
 * are read: the pass is proportional to the pages faulted since the last
 * collect (64 pages per summary bit), not to the region's leaves. Returns
 * how many pages it took. */
static size_t collect_faulted(struct region *rg, enum take how, bool protect)
{
	size_t n = 0, nsum = nsumwords(rg);
	for (size_t sw = 0; sw < nsum; sw++) {
		/* relaxed: a bit set after this load stays for the next
		 * collect, as if its fault had come after this one. */
		if (__atomic_load_n(&rg->faulted_sum[sw], __ATOMIC_RELAXED) == 0)
			continue;
		/* acquire: pairs with the release OR of the summary in
		 * gc_barrier_fault: the word's bit, ORed before it, is seen. */
		uint64_t sum = __atomic_exchange_n(&rg->faulted_sum[sw], 0, __ATOMIC_ACQUIRE);
		for (; sum != 0; sum &= sum - 1) {
			size_t w = sw * 64 + (size_t)__builtin_ctzll(sum);
			/* acquire: pairs with the release OR of the word in
			 * gc_barrier_fault, so the fault path's update of each
			 * leaf (writable) happens before our clean of it
			 * below, which therefore sticks. */
			uint64_t x = __atomic_exchange_n(&rg->faulted[w], 0, __ATOMIC_ACQUIRE);
			if (x == 0)
				continue;       /* taken with an earlier summary bit */
			n += (size_t)__builtin_popcountll(how == ADD ? x & ~rg->bits[w] : x);
			if (how == ADD) {
				rg->bits[w] |= x;
				rg->bits_sum[sw] |= 1ULL << (w % 64);
			}
			/* The word's 64 pages in one call: the port finds
			 * their leaf table once (a call per run of
			 * neighbouring pages cost riscv64's start pause about
			 * 136 instructions a run, docs/gc.md). */
			arch_dirty_clean_mask(rg->lo + w * 64 * MMU_PAGE_SIZE, x, protect);
		}
	}
	return n;
}

/* Clean rg's pages (protect: and write-protect them, in hardware mode
 * too), (RECORD) replace its set with the pages that were dirty, and add
 * their number to *np. Hardware mode, or fault mode before the first
 * walk: read every leaf, then take the faulted bitmap. Fault mode after
 * it, or hardware mode in the collect after collect_last: the faulted
 * bitmap alone. Returns false if protect was asked and the port cannot. */
static bool collect_region(struct region *rg, enum how how, bool protect, size_t *np)
{
	size_t n = 0;
	bool ok = true;
	if (how == RECORD)
		set_clear(rg);
	if ((mode == GCBARRIER_FAULT && walked) || protected) {
		*np += collect_faulted(rg, how == RECORD ? ADD : DROP, protect);
		return true;
	}
	if (protect)
		ok = arch_dirty_protect(rg->lo, rg->npages, how == RECORD ? rg->bits : NULL);
	else
		arch_dirty_collect(rg->lo, rg->npages, how == RECORD ? rg->bits : NULL);
	for (size_t w = 0; how == RECORD && w < nwords(rg->npages); w++)
		if (rg->bits[w] != 0) {
			rg->bits_sum[w / 64] |= 1ULL << (w % 64);
			n += (size_t)__builtin_popcountll(rg->bits[w]);
		}
	/* After the walk: a page the walk cleaned may fault again meanwhile;
	 * its bit is taken here or stays for the next collect (docs/gc.md,
	 * "Fault mode's dirty bitmap"). In hardware mode too: a hart that
	 * traps on D = 0, or a page still protected since the last
	 * collect_last, records its faults there. */
	n += collect_faulted(rg, how == RECORD ? ADD : DROP, protect && ok);
	*np += n;
	return ok;
}

/* Clean every tracked page: the non-stack regions as others says (RECORD
 * replaces their sets), the stack pages as stacks says (RECORD adds to
 * the stack set; reset_stacks empties it first). One shootdown for all
 * (collect_noflush: none, a later collect's serves). protect:
 * write-protect them too (collect_last). Returns the pages in the
 * non-stack sets. */
static size_t collect_noflush(enum how others, enum how stacks, bool reset_stacks, bool protect)
{
	if (__atomic_exchange_n(&collecting, 1, __ATOMIC_ACQUIRE))
		throw("gc barrier: two collects at once");
	size_t n = 0;
	bool ok = true;
	for (int r = 0; others != SKIP && r < NREGIONS; r++)
		if (r != R_STACKS && regions[r].npages > 0)
			ok &= collect_region(&regions[r], others, protect, &n);
	if (others != SKIP) {
		walked = true;
		protected = protect && mode == GCBARRIER_HW && ok;
	}
	if (stacks != SKIP)
		collect_stacks(stacks == RECORD, reset_stacks);
	/* release: the next collector sees our bitmaps complete. */
	__atomic_store_n(&collecting, 0, __ATOMIC_RELEASE);
	return n;
}

static size_t collect(enum how others, enum how stacks, bool reset_stacks, bool protect)
{
	size_t n = collect_noflush(others, stacks, reset_stacks, protect);
	arch_dirty_flush();
	return n;
}

void gc_barrier_arm(void)
{
	/* A walk of every leaf: in hardware mode it gives every page back
	 * to the hardware, also those a snapshot mark left protected
	 * (gc_barrier_arm_protect; the collector's variable). */
	protected = false;
	collect(CLEAN, CLEAN, true, false);
}

bool gc_barrier_arm_protect(void)
{
	collect(CLEAN, CLEAN, true, true);
	return mode == GCBARRIER_FAULT || protected;
}

size_t gc_barrier_snapshot(void)
{
	return collect(CLEAN, SKIP, false, true);
}

size_t gc_barrier_presnapshot(void)
{
	/* The snapshot's collect, the world running: like the arm, it only
	 * moves pages from "faulted" back to "protected"; a page faulted
	 * behind it stays in the faulted bitmap for the next one. No
	 * shootdown: gc_barrier_snapshot's, in the start pause, serves it
	 * (docs/gc.md, "Protecting again before the stop"). A store through
	 * a TLB entry still writable meanwhile lands before T0: its value is
	 * one the snapshot holds, and the page is protected at T0. */
	return collect_noflush(CLEAN, SKIP, false, true);
}

void gc_barrier_collect_stacks(void)
{
	/* No shootdown: only "written since the arm?" is asked of this set,
	 * and the next arm cleans every stack page again, with its own
	 * shootdown, before anything uses the stack set. A store through a
	 * stale entry meanwhile is one the next arm's set need not hold. */
	if (__atomic_exchange_n(&collecting, 1, __ATOMIC_ACQUIRE))
		throw("gc barrier: two collects at once");
	collect_stacks(true, false);
	/* release: the next collector sees our bitmaps complete. */
	__atomic_store_n(&collecting, 0, __ATOMIC_RELEASE);
}

size_t gc_barrier_collect(void)
{
	size_t n = collect(RECORD, RECORD, true, false);
	struct region *r = &regions[R_STACKS];
	return n + (r->npages ? popcount_bits(r->bits, r->npages) : 0);
}

size_t gc_barrier_collect_more(void)
{
	return collect(RECORD, RECORD, false, false);
}

size_t gc_barrier_collect_last(void)
{
	return collect(RECORD, RECORD, false, mode == GCBARRIER_HW);
}

size_t gc_barrier_stack_pages(void)
{
	struct region *r = &regions[R_STACKS];
	return r->npages ? popcount_bits(r->bits, r->npages) : 0;
}

bool gc_barrier_dirty_range(uintptr_t lo, uintptr_t hi)
{
	for (uintptr_t va = page_down(lo); va < hi; va += MMU_PAGE_SIZE)
		if (gc_barrier_dirty(va))
			return true;
	return false;
}

void gc_barrier_foreach_dirty(void (*fn)(uintptr_t page, void *arg), void *arg)
{
	for (int r = 0; r < NREGIONS; r++) {
		struct region *rg = &regions[r];
		if (r == R_STACKS || rg->npages == 0)
			continue;
		for (size_t sw = 0; sw < nsumwords(rg); sw++)
			for (uint64_t s = rg->bits_sum[sw]; s != 0; s &= s - 1) {
				size_t w = sw * 64 + (size_t)__builtin_ctzll(s);
				for (uint64_t b = rg->bits[w]; b != 0; b &= b - 1) {
					size_t i = w * 64 + (size_t)__builtin_ctzll(b);
					if (i < rg->npages)
						fn(rg->lo + i * MMU_PAGE_SIZE, arg);
				}
			}
	}
}

bool gc_barrier_dirty(uintptr_t va)
{
	for (int r = 0; r < NREGIONS; r++) {
		struct region *rg = &regions[r];
		if (va - rg->lo < rg->npages * MMU_PAGE_SIZE) {
			size_t i = (va - rg->lo) / MMU_PAGE_SIZE;
			return rg->bits[i / 64] >> (i % 64) & 1;
		}
	}
	return false;
}

/* The fault path: NO_SANITIZE_THREAD (kernel/lib/asan.h says why). */
NO_SANITIZE_THREAD void gc_barrier_prefault(uintptr_t va)
{
	if (!gc_satb_active())
		return;
	for (int r = 0; r < R_STACKS; r++) {
		struct region *rg = &regions[r];
		if (va - rg->lo < rg->npages * MMU_PAGE_SIZE) {
			gc_satb_page(page_down(va));
			return;
		}
	}
}

NO_SANITIZE_THREAD void gc_barrier_fault(uintptr_t va)
{
	/* relaxed: a statistic */
	__atomic_fetch_add(&nfaults, 1, __ATOMIC_RELAXED);
	for (int r = 0; r < R_STACKS; r++) {
		struct region *rg = &regions[r];
		if (va - rg->lo < rg->npages * MMU_PAGE_SIZE && rg->faulted != NULL) {
			size_t i = (va - rg->lo) / MMU_PAGE_SIZE;
			/* release: pairs with the acquire exchange in
			 * collect_faulted; orders our caller's update of the
			 * leaf before the collector's clean of it. */
			__atomic_fetch_or(&rg->faulted[i / 64], 1ULL << (i % 64), __ATOMIC_RELEASE);
			/* release: pairs with the acquire exchange of the
			 * summary in collect_faulted; orders the OR above
			 * before it. */
			__atomic_fetch_or(&rg->faulted_sum[i / 4096], 1ULL << (i / 64 % 64),
			                  __ATOMIC_RELEASE);
			return;
		}
	}
}

uint64_t gc_barrier_faults(void)
{
	return __atomic_load_n(&nfaults, __ATOMIC_RELAXED);
}
