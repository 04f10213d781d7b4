/*
 * stack.c - goroutine stacks: slots of virtual address space mapped from
 * the top down, on demand (Go's stack.go, without copying).
 *
 * Objects:
 *   slot      - stack_reserve() bytes of the stack window, aligned to its
 *               size; free (on slots.free or never used) or owned by one G.
 *               The bottom STACK_GUARD bytes are never mapped.
 *   stackpool - 4 KiB stack pages, carved from one-page (8 KiB) manual
 *               spans of the heap: each span hands out its two halves
 *               (allocCount; manualFreeList is the free half while the
 *               other is out) and goes back to the heap when both are free
 *               again, as Go's stackpool does with its spans. With two
 *               halves no free list is written into the pages themselves:
 *               a pool page is touched only through the stack window (the
 *               hosted port never touches it: a fault per span, mmu.c).
 *               The pool deals in heap addresses; the page tables get (and
 *               give back) the physical ones (heap_phys, heap_va).
 *
 * Growth: Go copies a stack to a bigger one when its prologue check fails,
 * which is possible because Go knows every pointer into the stack. C code
 * takes addresses of locals freely, so a stack must never move: instead the
 * slot is fixed and a page fault below the mapped part maps fresh pages in
 * place (trap_fault -> stack_grow). A dead goroutine keeps STACK_KEEP bytes
 * mapped for its next use (the per-P free-G caches are the per-P stack
 * caches); the rest goes back to the pool and from there to the heap.
 *
 * Faults and locks: stack_grow runs in the trap handler, interrupts
 * masked, and takes stackpool.lock, mheap.lock and the arch's page-table
 * lock. That is safe because a goroutine never takes a stack fault while
 * holding one of them: every such critical section is bracketed by
 * stack_nofault_enter/exit; the outermost enter of a goroutine touches its
 * stack STACK_PROBE bytes below the frame first (taking any growth fault
 * then, holding nothing), and the whole nest of critical sections needs
 * less stack than that. (A probe inside an already locked section would
 * defeat this: hence the nesting count g->stack_nofault.) So the holder of
 * any of these locks is never the faulting goroutine, and a holder on
 * another CPU does not wait for us. g0 and trap stacks are static and never
 * grow; the fault handler's own sections probe the trap stack, harmlessly.
 *
 * Accounting: StackInuse counts mapped 4 KiB pages (mheap_account_stack);
 * StackSys the heap pages the pool holds.
 *
 * TSan (hosted): a fault outside the executable's text - a goroutine stack
 * growing under one of TSan's hooks, or in libc - is handled with TSan
 * told to ignore the handler's accesses and its lock operations
 * (tsan_fault_quiet, kernel/lib/asan.h). Were such a growth to refill the
 * pool from the heap, a span struct would pass from mheap.lock's keeping
 * to stackpool.lock's through a thread whose acquire and release TSan
 * never saw: the next CPU to take the span's other half reads fields whose
 * last recorded writer (struct_get's memset, on a third CPU) it has no
 * happens-before edge with, and TSan reports a race that is not one (seen
 * once in gc_churn at smp 4; a quiet refill happens about one run in two).
 * So a quiet growth takes its pages from its CPU's reserve (quiet_pages),
 * filled by the same CPU in its ordinary growth faults: TSan orders
 * the filling and the taking by the thread's own goroutine switches. Only
 * an empty reserve falls back to the pool (the old, lossy way). Empty and
 * unused in every other build.
 */
#include "kernel/mm/stack.h"
#include "kernel/mm/mheap.h"
#include "kernel/mm/heapwindow.h"
#include "kernel/mm/mspan.h"
#include "kernel/mm/malloc.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"
#include "kernel/lib/asan.h"
#include "kernel/sched/runtime2.h"
#include "arch.h"

static struct {
	spinlock_t lock;
	size_t reserve;           /* slot size; set at boot */
	uint64_t next;            /* next never-used slot index; lock */
	uintptr_t free[4096];     /* recycled slot bases; lock */
	int nfree;
} slots = { .lock = SPINLOCK_INIT(LOCKRANK_STACKSLOTS), .reserve = 1UL << 20 };

static struct {
	spinlock_t lock;
	struct mspanlist partial; /* spans with a free half; lock */
	uint64_t npages;          /* heap pages held; atomic (statistic) */
} pool = { .lock = SPINLOCK_INIT(LOCKRANK_STACKPOOL) };

void stack_init(size_t kib)
{
	size_t want = kib * 1024, r = 64 * 1024;
	while (r < want)
		r <<= 1;
	slots.reserve = r;
}

size_t stack_reserve(void)
{
	return slots.reserve;
}

uint64_t stack_sys_bytes(void)
{
	return __atomic_load_n(&pool.npages, __ATOMIC_RELAXED) * PAGE_SIZE;
}

void stack_nofault_enter(void)
{
	struct g *gp = getg();
	if (gp->stack_nofault++ == 0) {
		volatile char *fp = (volatile char *)__builtin_frame_address(0);
		(void)fp[-STACK_PROBE];
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);   /* probe before the lock */
}

void stack_nofault_exit(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	getg()->stack_nofault--;
}

/* ---- the 4 KiB page pool ---------------------------------------------- */

static uintptr_t pool_alloc(void)
{
	stack_nofault_enter();
	spin_lock(&pool.lock);
	struct mspan *s = pool.partial.first;
	if (s == NULL) {
		s = mheap_alloc_span(1, mSpanManual);   /* pool.lock -> mheap.lock */
		if (s == NULL) {
			spin_unlock(&pool.lock);
			stack_nofault_exit();
			return 0;
		}
		s->manualFreeList = (void *)s->startAddr;
		s->allocCount = 0;
		spanlist_insert(&pool.partial, s);
		__atomic_fetch_add(&pool.npages, 1, __ATOMIC_RELAXED);
	}
	/* a pool span: manual, one page, on this list, with a free half */
	ASSERT(s->state == mSpanManual && s->npages == 1 && s->list == &pool.partial &&
	       s->allocCount < 2 && s->manualFreeList != NULL &&
	       (uintptr_t)s->manualFreeList - s->startAddr < PAGE_SIZE);
	uintptr_t pg = (uintptr_t)s->manualFreeList;
	if (++s->allocCount == 2) {
		s->manualFreeList = NULL;
		spanlist_remove(&pool.partial, s);
	} else {                        /* a fresh span: its upper half is next */
		s->manualFreeList = (void *)(s->startAddr + MMU_PAGE_SIZE);
	}
	spin_unlock(&pool.lock);
	stack_nofault_exit();
	return pg;
}

static void pool_free(uintptr_t pg)
{
	struct mspan *s = spanOf(pg);
	if (s == NULL || s->state != mSpanManual || s->npages != 1)
		throw("runtime: stack page %#lx not from the stack pool", (unsigned long)pg);
	stack_nofault_enter();
	spin_lock(&pool.lock);
	/* a half freed twice would be handed out twice: with one half in
	 * use, manualFreeList is the other */
	ASSERT(s->allocCount > 0 && (void *)pg != s->manualFreeList &&
	       (pg == s->startAddr || pg == s->startAddr + MMU_PAGE_SIZE));
	if (s->allocCount-- == 2) {     /* pg is the span's one free half */
		s->manualFreeList = (void *)pg;
		spanlist_insert(&pool.partial, s);
	}
	if (s->allocCount == 0) {
		spanlist_remove(&pool.partial, s);
		__atomic_fetch_sub(&pool.npages, 1, __ATOMIC_RELAXED);
		spin_unlock(&pool.lock);
		mheap_free_span(s);
	} else {
		spin_unlock(&pool.lock);
	}
	stack_nofault_exit();
}

/* ---- TSan: each CPU's pages for quiet faults (see the top) ------------- */

#define QUIET_RESERVE 8

static struct {
	uintptr_t pg[QUIET_RESERVE];    /* pool pages, not mapped */
	int n;
} quiet_pages[MAXCPU];              /* each CPU's own, touched masked */

/* Top up this CPU's reserve: ordinary (recorded) pool allocations. Only
 * from the fault path (stack_grow), which runs on the trap stack: a
 * growth fault inside the loop (pool_alloc's probe, were it called on a
 * goroutine stack) would fill the reserve under it. */
static void quiet_fill(void)
{
	if (!GORT_TSAN || tsan_fault_quiet())
		return;
	unsigned long f = arch_irq_save();
	int cpu = getm()->id;
	while (quiet_pages[cpu].n < QUIET_RESERVE) {
		uintptr_t pg = pool_alloc();
		if (pg == 0)
			break;
		quiet_pages[cpu].pg[quiet_pages[cpu].n++] = pg;
	}
	arch_irq_restore(f);
}

/* A page for the stack fault being handled: from the CPU's reserve when
 * TSan looks away, else (and when the reserve is empty) from the pool. */
static uintptr_t page_get(void)
{
	if (GORT_TSAN && tsan_fault_quiet()) {
		int cpu = getm()->id;           /* the handler runs masked */
		if (quiet_pages[cpu].n > 0)
			return quiet_pages[cpu].pg[--quiet_pages[cpu].n];
	}
	return pool_alloc();
}

/* ---- slots -------------------------------------------------------------- */

static uintptr_t slot_get(void)
{
	uintptr_t base = 0;
	spin_lock(&slots.lock);
	if (slots.nfree > 0)
		base = slots.free[--slots.nfree];
	else if (slots.next < STACK_REGION_SIZE / slots.reserve) {
		base = STACK_REGION_BASE + slots.next * slots.reserve;
		/* relaxed: stack_window_end reads it without the lock */
		__atomic_store_n(&slots.next, slots.next + 1, __ATOMIC_RELAXED);
	}
	spin_unlock(&slots.lock);
	return base;
}

uintptr_t stack_window_end(void)
{
	/* relaxed: a slot handed out after this read starts with its pages
	 * dirty (arch_map_page), so a later collect still reports them. */
	return STACK_REGION_BASE +
	       __atomic_load_n(&slots.next, __ATOMIC_RELAXED) * slots.reserve;
}

static void slot_put(uintptr_t base)
{
	spin_lock(&slots.lock);
	if (slots.nfree < (int)(sizeof slots.free / sizeof slots.free[0]))
		slots.free[slots.nfree++] = base;
	/* else: the slot's address space is leaked; Gs are normally never
	 * freed (they are recycled), so this does not happen in practice. */
	spin_unlock(&slots.lock);
}

uintptr_t stack_slot_of(uintptr_t addr)
{
	if (addr < STACK_REGION_BASE || addr >= STACK_REGION_BASE + STACK_REGION_SIZE)
		return 0;
	return addr & ~(uintptr_t)(slots.reserve - 1);
}

/* ---- mapping ------------------------------------------------------------ */

static bool map_one(uintptr_t va)
{
	uintptr_t pg = page_get();
	if (pg == 0)
		return false;
	stack_nofault_enter();          /* arch_map_page takes the pt lock */
	int err = arch_map_page(va, heap_phys((void *)pg));
	stack_nofault_exit();
	if (err != 0)
		throw("runtime: stack page %#lx mapped twice", (unsigned long)va);
	mheap_account_stack(1);
	return true;
}

bool stack_grow(uintptr_t *mapped_lo, uintptr_t addr)
{
	uintptr_t want = addr & ~(MMU_PAGE_SIZE - 1);
	while (*mapped_lo > want) {
		if (!map_one(*mapped_lo - MMU_PAGE_SIZE))
			return false;
		/* relaxed: the collector reads it racily (barrier.c's
		 * collect_stack: any value is safe there); its own G is the
		 * only writer */
		__atomic_store_n(mapped_lo, *mapped_lo - MMU_PAGE_SIZE, __ATOMIC_RELAXED);
	}
	quiet_fill();
	return true;
}

/* Pages are unmapped SHRINK_BATCH at a time, with one TLB flush of every
 * CPU per batch (arch_unmap_pages). */
#define SHRINK_BATCH 16

void stack_shrink(uintptr_t *mapped_lo, uintptr_t keep_lo)
{
	uintptr_t pa[SHRINK_BATCH];
	for (uintptr_t va = *mapped_lo; va < keep_lo; va += SHRINK_BATCH * MMU_PAGE_SIZE) {
		uintptr_t left = (keep_lo - va + MMU_PAGE_SIZE - 1) / MMU_PAGE_SIZE;
		int n = left < SHRINK_BATCH ? (int)left : SHRINK_BATCH;
		stack_nofault_enter();
		int got = arch_unmap_pages(va, n, pa);
		stack_nofault_exit();
		for (int i = 0; got > 0 && i < n; i++) {
			if (pa[i] == 0)
				continue;
			mheap_account_stack(-1);
			pool_free((uintptr_t)heap_va(pa[i]));
		}
	}
	if (*mapped_lo < keep_lo)
		__atomic_store_n(mapped_lo, keep_lo, __ATOMIC_RELAXED);     /* as in stack_grow */
}

bool stack_alloc(struct stack *st)
{
	uintptr_t base = slot_get();
	if (base == 0)
		return false;
	uintptr_t hi = base + slots.reserve;
	if (!map_one(hi - STACK_INITIAL)) {
		slot_put(base);
		return false;
	}
	st->slot = base;
	st->lo = hi - STACK_INITIAL;
	st->hi = hi;
	return true;
}
