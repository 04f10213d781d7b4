/*
 * dirty.c - the page-dirty barrier of the hosted port: fault mode through
 * mprotect and SIGSEGV (arch.h's arch_dirty_*; docs/hosted.md, "The
 * page-dirty barrier").
 *
 * On a board a tracked page's state lives in its leaf entry (RISC-V W/D,
 * AArch64 AP[2]/DBM), and one atomic read-modify-write of the entry
 * changes both the state and, after the shootdown, the permission. Here
 * the "leaf" is two things: a state word of ours and the kernel's
 * protection of the page, changed by mprotect. They cannot change
 * together, so the state word is also the lock of the page's protection:
 *
 *   UNTRACKED - not the barrier's: read/write, never reported;
 *   DIRTY     - written since the last clean: read/write (or, for a
 *               moment, still read-only: a fault on it makes it writable);
 *   PENDING   - a collect reported it and cleaned it; still read/write
 *               until arch_dirty_flush protects it (the contract lets
 *               stores before the flush go unrecorded, as a stale TLB
 *               entry does on a board);
 *   CLEAN     - read-only: the next store faults;
 *   BUSY      - one thread is changing the page's protection: it took the
 *               page with a CAS, calls mprotect and stores the new state
 *               (release). Whoever else wants the page waits (one system
 *               call) or, at the flush, leaves it to the holder;
 *   HIT       - still held, but the holder's own thread stored into it
 *               after the holder protected it (the collector runs on a
 *               goroutine stack, maybe one of the pages it protects): the
 *               fault made it writable, and the holder gives it back
 *               DIRTY and reported, not CLEAN.
 *
 * Invariant: a CLEAN page is read-only. The dangerous state, writable and
 * clean (stores nobody records), cannot arise: only the holder of a page
 * (or, for HIT, a fault on the holder's own thread) calls mprotect on it,
 * and the holder stores CLEAN only after its read-only mprotect succeeded,
 * with a CAS that fails once the page is HIT.
 *
 * Which pages: RAM (the heap window; one state word per page) and the
 * image's .data and .bss (one per image page) - what arch_dirty_track
 * names - and every goroutine stack page mapped after arch_dirty_init
 * (its state lives in the low bits of its entry in mmu.c's flat table,
 * beside its pa, as in a leaf entry). A kernel store into a read-only
 * page is EFAULT, not a fault: so no system call of the port writes into
 * a tracked page (output buffers are thread-local or on the g0 and
 * signal stacks, in .bss.noscan).
 *
 * The fault path (hosted_dirty_fault, from signal.c's SIGSEGV handler on
 * the alternate signal stack, SEGV_ACCERR only): take the page, mprotect
 * it read/write, store DIRTY (release), and unless it was DIRTY already
 * call gc_barrier_fault - the portable entry point the boards' fault
 * handlers call, after the same "leaf" update. It can interrupt any code
 * but never waits for its own thread: pages are held only around an
 * mprotect, with interrupts masked (no goroutine switch), and a store by
 * the holder's thread into a page it holds (its own stack) is resolved
 * at once (HIT). Everything it touches is async-signal-safe:
 * atomics on the state words (own mappings, never tracked), the raw
 * mprotect system call, gc_barrier_fault (atomic ORs into untracked
 * bitmaps, a counter in .bss.noscan).
 *
 * The mapping count: the flush protects runs of adjacent pages with one
 * mprotect each, and only pages faulted since the last collect are
 * writable, so the RAM is about 2 x (pages dirtied between two collects)
 * mappings, and a goroutine stack about 2 more than its 1 or 2. When an mprotect fails nonetheless (ENOMEM: vm.max_map_count)
 * `fallback` makes every tracked page writable with one mprotect per run
 * of them (the mappings merge back: RAM into one, each stack into its 1
 * or 2) and reports every tracked page
 * through gc_barrier_fault, so the next collect rescans them all: correct,
 * only slow; the flush after it protects again. Nothing is printed (it
 * can happen in the fault path); hosted_dirty_fallbacks counts it, and
 * the command-line option -mapfail N makes every Nth change fail so, to
 * test it (printing the count at power-off).
 *
 * ThreadSanitizer sees nothing of this file (HOSTED_NO_TSAN on every
 * function that touches a state word). The fault path can run inside
 * TSan's runtime - TSan's atomic store into a protected page, made while
 * it holds TSan's locks - so it must not call TSan (signal.c); and it
 * waits for a page's holder, so no holder may wait for TSan either: a
 * holder's TSan call could wait for the very lock the faulting thread
 * holds (a flush's release_clean in a TSan CAS, a fault spinning on its
 * page: seen, a hang). scripts/check-tsan-faultpath.py checks both.
 *
 * Ordering: mprotect returns after every CPU dropped the old translation
 * (Linux's TLB shootdown; on x86 the IPI and its invlpg or CR3 write
 * serialise the target, so a store it made through the old translation is
 * globally visible before mprotect returns). So the flush's protects are
 * the shootdown itself.
 */
#include <errno.h>
#include <sys/mman.h>
#include "arch.h"
#include "atomic.h"
#include "hosted.h"
#include "kernel/lib/print.h"
#include "boot/boot.h"

#define PAGE 4096UL
#define STATE 7ull              /* a state word's state bits */
#define STACK_PENDING 65536     /* room for that many stack pages per flush */

enum { UNTRACKED, DIRTY, PENDING, CLEAN, BUSY, HIT };

/* The pages this thread holds while they may be read-only: the collector
 * runs on a goroutine stack, and a page of that stack may be in the run it
 * protects; its next store faults on its own thread (self_fault). */
static __thread uintptr_t held_lo, held_hi;

/* This file's variables are in .bss.noscan (NOSCAN): the fault path and
 * the fallback write them, so they must never be tracked pages (nor do
 * they hold pointers the collector must see). */
#define NOSCAN __attribute__((section(".bss.noscan.dirty")))

/* State words (atomic; see the file comment). RAM's and the image's are
 * in mappings of their own, never tracked: ram_state indexed from
 * hosted_ram_va, img_state from _start_image. A stack page's is its entry
 * in mmu.c's flat table: pa | state (0: unmapped, so UNTRACKED too). */
static uint64_t *ram_state NOSCAN, *img_state NOSCAN;
static size_t ram_pages NOSCAN, img_pages NOSCAN;
static bool dirty_on NOSCAN;            /* arch_dirty_init ran; boot CPU */
/* The tracked part of the image, [img_lo, img_hi) (boot CPU, before SMP;
 * read-only after; img_hi 0: none). */
static uintptr_t img_lo NOSCAN, img_hi NOSCAN;
/* The pages made PENDING since the last flush, in the order the collects
 * took them (mostly ascending); the collector's (one at a time). */
static uintptr_t *pending NOSCAN;
static size_t npending NOSCAN, maxpending NOSCAN;
static uint32_t fallback_lock NOSCAN;   /* atomic: one fallback at a time */
uint64_t hosted_dirty_fallbacks NOSCAN; /* atomic (statistic) */
/* Test hook (-mapfail N, set before kmain): every Nth set_prot fails as
 * ENOMEM would, without calling mprotect. nprot counts them (atomic). */
uint64_t hosted_dirty_mapfail NOSCAN;
static uint64_t nprot NOSCAN;

HOSTED_NO_TSAN static uint64_t st(uint64_t w) { return w & STATE; }
HOSTED_NO_TSAN static uint64_t with(uint64_t w, uint64_t s) { return (w & ~STATE) | s; }

static void *table(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		static const char msg[] = "hosted: cannot map the dirty tables\n";
		hosted_syscall(SYS_write, 2, (long)msg, sizeof msg - 1, 0, 0, 0);
		hosted_syscall(SYS_exit_group, 2, 0, 0, 0, 0, 0);
	}
	return p;
}

void hosted_dirty_init_tables(void)
{
	ram_pages = hosted_ram_size / PAGE;
	img_pages = ((uintptr_t)_end - (uintptr_t)_start_image + PAGE - 1) / PAGE;
	ram_state = table(ram_pages * sizeof *ram_state);
	img_state = table(img_pages * sizeof *img_state);
	maxpending = ram_pages + img_pages + STACK_PENDING;
	pending = table(maxpending * sizeof *pending);
}

HOSTED_NO_TSAN static bool in_ram(uintptr_t va) { return va - hosted_ram_va < ram_pages * PAGE; }
HOSTED_NO_TSAN static bool in_img(uintptr_t va) { return va - (uintptr_t)_start_image < img_pages * PAGE; }

/* The state word of the page at va (page-aligned), or NULL: not the
 * barrier's (libc, the pthread stacks, anything else). */
HOSTED_NO_TSAN static uint64_t *state_of(uintptr_t va)
{
	if (in_ram(va))
		return &ram_state[(va - hosted_ram_va) / PAGE];
	if (in_img(va))
		return &img_state[(va - (uintptr_t)_start_image) / PAGE];
	return hosted_stack_pte(va);
}

/* The state a stack page gets when mmu.c maps it. */
HOSTED_NO_TSAN uint64_t hosted_dirty_mapped(void)
{
	return dirty_on ? DIRTY : UNTRACKED;
}

HOSTED_NO_TSAN bool hosted_dirty_busy(uint64_t pte)
{
	return st(pte) == BUSY || st(pte) == HIT;
}

HOSTED_NO_TSAN static bool held(uint64_t w)
{
	return st(w) == BUSY || st(w) == HIT;
}

/* Hold [lo, hi) for self_fault (0, 0: nothing). Compiler barriers: the
 * range is set before the pages can fault, cleared after. */
HOSTED_NO_TSAN static void hold(uintptr_t lo, uintptr_t hi)
{
	__asm__ volatile("" : : : "memory");
	held_lo = lo;
	held_hi = hi;
	__asm__ volatile("" : : : "memory");
}

/* mprotect; false only for ENOMEM (the map count), anything else is a
 * bug of ours. */
HOSTED_NO_TSAN static bool set_prot(uintptr_t va, size_t n, int prot)
{
	/* relaxed: a counter */
	if (hosted_dirty_mapfail != 0 &&
	    __atomic_add_fetch(&nprot, 1, __ATOMIC_RELAXED) % hosted_dirty_mapfail == 0)
		return false;
	long r = hosted_syscall(SYS_mprotect, (long)va, (long)(n * PAGE), prot, 0, 0, 0);
	if (r != 0 && r != -ENOMEM)
		throw("hosted: mprotect(%#lx, %lu pages) failed: %ld",
		      (unsigned long)va, (unsigned long)n, r);
	return r == 0;
}

/* Move the page from one of the states in `want` (a mask of 1 << state)
 * to `to`; return its word before, also when its state was not wanted
 * (then nothing changed). Waits while another thread holds the page. */
HOSTED_NO_TSAN static uint64_t move(uint64_t *s, uint32_t want, uint64_t to)
{
	for (;;) {
		/* relaxed: only a hint; the CAS below decides */
		uint64_t w = __atomic_load_n(s, __ATOMIC_RELAXED);
		if (held(w)) {
			arch_cpu_relax();
			continue;
		}
		if (!(want & 1u << st(w)))
			return w;
		/* acquire: pairs with `release` by the page's previous
		 * holder: its mprotect happened before ours. */
		if (arch_cas(s, &w, with(w, to), __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return w;
	}
}

#define TRACKED (1u << DIRTY | 1u << PENDING | 1u << CLEAN)

/* Take the page (it becomes BUSY) if it is tracked. */
HOSTED_NO_TSAN static uint64_t take(uint64_t *s)
{
	return move(s, TRACKED, BUSY);
}

/* Give a page we hold back in state v. release: pairs with the acquire
 * CAS in `move`; orders our mprotect before the next holder's. */
HOSTED_NO_TSAN static void release(uint64_t *s, uint64_t v)
{
	/* relaxed: we hold it; only our own self_fault changes it */
	uint64_t w = __atomic_load_n(s, __ATOMIC_RELAXED);
	__atomic_store_n(s, with(w, v), __ATOMIC_RELEASE);
}

/* Give the page at va, which we hold and protected, back CLEAN - unless
 * our own thread stored to it meanwhile (self_fault made it HIT and
 * writable): then DIRTY, reported. One CAS: a self_fault comes before or
 * after it, never in between. release: as in `release`. */
HOSTED_NO_TSAN static void release_clean(uintptr_t va)
{
	uint64_t *s = state_of(va);
	/* relaxed: as in `release` */
	uint64_t w = __atomic_load_n(s, __ATOMIC_RELAXED);
	if (st(w) == HIT ||
	    !arch_cas(s, &w, with(w, CLEAN), __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
		release(s, DIRTY);
		gc_barrier_fault(va);
		gc_barrier_lost();      /* written without gc_barrier_prefault */
	}
}

/* A store by this thread into a page it holds read-only (hold): make it
 * writable and HIT; its holder, interrupted by us, gives it back DIRTY.
 * Nobody else changes a held page's word. */
HOSTED_NO_TSAN static bool self_fault(uintptr_t va, uint64_t *s)
{
	/* relaxed: our own thread's word */
	uint64_t w = __atomic_load_n(s, __ATOMIC_RELAXED);
	if (va - held_lo >= held_hi - held_lo || !held(w))
		return false;
	if (hosted_syscall(SYS_mprotect, (long)va, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) != 0)
		throw("hosted: the barrier cannot unprotect %#lx", (unsigned long)va);
	__atomic_store_n(s, with(w, HIT), __ATOMIC_RELAXED);
	return true;
}

/* Every tracked page in [lo, hi): take them all, make each run of them
 * writable with one call (runs end at untracked or unmapped pages), give
 * them back DIRTY; report = tell gc_barrier_fault. */
HOSTED_NO_TSAN static void fallback_area(uintptr_t lo, uintptr_t hi, bool report)
{
	uintptr_t run = 0;
	hold(lo, hi);
	for (uintptr_t va = lo; va < hi; va += PAGE)
		take(state_of(va));
	for (uintptr_t va = lo; va <= hi; va += PAGE) {
		/* relaxed: every held page is ours now */
		bool ours = va < hi && held(__atomic_load_n(state_of(va), __ATOMIC_RELAXED));
		if (ours && run == 0)
			run = va;
		if (ours || run == 0)
			continue;
		if (hosted_syscall(SYS_mprotect, (long)run, (long)(va - run),
		                   PROT_READ | PROT_WRITE, 0, 0, 0) != 0)
			throw("hosted: the barrier's fallback cannot unprotect %#lx",
			      (unsigned long)run);
		for (; run < va; run += PAGE) {
			release(state_of(run), DIRTY);
			if (report)
				gc_barrier_fault(run);
		}
		run = 0;
	}
	hold(0, 0);
}

/* An mprotect failed for the map count: every tracked page writable and
 * reported (the file comment). The caller holds no page. Any context. */
HOSTED_NO_TSAN static void fallback(void)
{
	unsigned long f = arch_irq_save();
	/* acquire: pairs with the release below (the previous fallback) */
	while (__atomic_exchange_n(&fallback_lock, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	fallback_area(hosted_ram_va, hosted_ram_va + ram_pages * PAGE, true);
	if (img_lo < img_hi)
		fallback_area(img_lo, img_hi, true);
	/* Stack pages: collect_stack reads every mapped one anyway. relaxed:
	 * a page mapped after this load starts DIRTY. */
	fallback_area(STACK_REGION_BASE, __atomic_load_n(&hosted_stack_hi, __ATOMIC_RELAXED), false);
	gc_barrier_lost();              /* writable without gc_barrier_prefault */
	/* relaxed: a statistic */
	__atomic_fetch_add(&hosted_dirty_fallbacks, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&fallback_lock, 0, __ATOMIC_RELEASE);
	arch_irq_restore(f);
}

/* SIGSEGV with SEGV_ACCERR at va: a store into a CLEAN page (or into one
 * still read-only while DIRTY or PENDING after a failed mprotect, or
 * racing with an untrack). False if the page is not the barrier's (a
 * stack guard page: stack growth). Signal context, interrupts masked
 * (signal.c). */
HOSTED_NO_TSAN bool hosted_dirty_fault(uintptr_t va)
{
	va &= ~(PAGE - 1);
	uint64_t *s = state_of(va);
	if (s == NULL)
		return false;
	if (self_fault(va, s))
		return true;
	uint64_t was = take(s);
	if (st(was) == UNTRACKED)       /* RAM is writable once untracked */
		return in_ram(va);
	if (st(was) == CLEAN)
		gc_barrier_prefault(va);        /* before the page is writable */
	bool ok = set_prot(va, 1, PROT_READ | PROT_WRITE);
	release(s, DIRTY);
	if (st(was) != DIRTY)           /* PENDING: reported, but by a collect
	                                   whose flush now leaves it alone */
		gc_barrier_fault(va);
	if (!ok)
		fallback();
	return true;
}

/* ---- the contract ------------------------------------------------------- */

/* User space cannot read dirty bits: fault mode only. */
bool arch_dirty_hw_capable(void)
{
	return false;
}

void arch_dirty_init(bool hw)
{
	if (hw)
		throw("hosted: no hardware dirty bits");
	dirty_on = true;
}

/* RAM and image pages become tracked and DIRTY (they are writable).
 * Boot CPU, before other CPUs start. */
HOSTED_NO_TSAN void arch_dirty_track(uintptr_t base, size_t size)
{
	for (uintptr_t va = base & ~(PAGE - 1); va < base + size; va += PAGE) {
		if (!in_ram(va) && !in_img(va))
			throw("arch_dirty_track: %#lx is neither RAM nor the image",
			      (unsigned long)va);
		uint64_t *s = state_of(va);
		/* relaxed: no other CPU runs yet */
		if (st(__atomic_load_n(s, __ATOMIC_RELAXED)) == UNTRACKED)
			__atomic_store_n(s, DIRTY, __ATOMIC_RELAXED);
		if (in_img(va)) {
			img_lo = img_hi == 0 || va < img_lo ? va : img_lo;
			img_hi = va + PAGE > img_hi ? va + PAGE : img_hi;
		}
	}
}

/* Lock-free but for the wait on a page's holder (one mprotect). */
HOSTED_NO_TSAN void arch_dirty_untrack(uintptr_t base, size_t size)
{
	for (uintptr_t va = base & ~(PAGE - 1); va < base + size; va += PAGE) {
		uint64_t *s = state_of(va);
		if (s == NULL)
			continue;
		unsigned long f = arch_irq_save();
		uint64_t was = take(s);
		bool ok = st(was) != CLEAN || set_prot(va, 1, PROT_READ | PROT_WRITE);
		if (st(was) != UNTRACKED)
			release(s, ok ? UNTRACKED : CLEAN);
		arch_irq_restore(f);
		if (!ok) {
			fallback();     /* the page is DIRTY, writable, then */
			va -= PAGE;     /* and untracked on the retry */
		}
	}
}

/* Protect the pages [lo, lo + n*PAGE), all held by us, with one call and
 * give them back CLEAN - or, if that failed, DIRTY and reported again (as
 * if written right after the clean), then fall back. */
HOSTED_NO_TSAN static void protect_run(uintptr_t lo, size_t n)
{
	if (n == 0)
		return;
	hold(lo, lo + n * PAGE);
	bool ok = set_prot(lo, n, PROT_READ);
	for (size_t i = 0; i < n; i++) {
		if (ok) {
			release_clean(lo + i * PAGE);
		} else {
			release(state_of(lo + i * PAGE), DIRTY);
			gc_barrier_fault(lo + i * PAGE);
		}
	}
	hold(0, 0);
	if (!ok)
		fallback();
}

/* Protect every page still PENDING, adjacent ones with one call. A page
 * no longer PENDING was made DIRTY (and reported) by a fault or a
 * fallback, or untracked or unmapped: left alone. Interrupts masked
 * while we hold pages, so no goroutine switch leaves one BUSY. Collector. */
HOSTED_NO_TSAN static void flush_pending(void)
{
	uintptr_t run = 0;
	size_t nrun = 0;
	unsigned long f = arch_irq_save();
	for (size_t i = 0; i < npending; i++) {
		uintptr_t va = pending[i];
		uint64_t *s = state_of(va);
		/* The run so far first: should it fall back, we hold no
		 * other page. */
		if (nrun > 0 && va != run + nrun * PAGE) {
			protect_run(run, nrun);
			nrun = 0;
		}
		/* relaxed, then acquire: as in `move` */
		uint64_t w = __atomic_load_n(s, __ATOMIC_RELAXED);
		if (st(w) != PENDING ||
		    !arch_cas(s, &w, with(w, BUSY), __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		if (nrun++ == 0)
			run = va;
	}
	protect_run(run, nrun);
	npending = 0;
	arch_irq_restore(f);
}

/* Each DIRTY page is reported and becomes PENDING (protected by the next
 * flush). */
HOSTED_NO_TSAN void arch_dirty_collect(uintptr_t base, size_t npages, uint64_t *bits)
{
	for (size_t i = 0; i < npages; i++) {
		uintptr_t va = base + i * PAGE;
		uint64_t *s = state_of(va);
		if (s == NULL || st(move(s, 1u << DIRTY, PENDING)) != DIRTY)
			continue;
		if (npending == maxpending)
			flush_pending();        /* protecting early is allowed */
		pending[npending++] = va;
		if (bits != NULL)
			bits[i / 64] |= 1ULL << (i % 64);
	}
}

/* Fault mode's protect is its collect. */
HOSTED_NO_TSAN bool arch_dirty_protect(uintptr_t base, size_t npages, uint64_t *bits)
{
	arch_dirty_collect(base, npages, bits);
	return true;
}

/* Page by page: the hosted port's protect is its collect. */
HOSTED_NO_TSAN void arch_dirty_clean_mask(uintptr_t base, uint64_t mask, bool protect)
{
	(void)protect;
	for (size_t i = 0; mask != 0; i++, mask >>= 1)
		if (mask & 1)
			arch_dirty_collect(base + i * PAGE, 1, NULL);
}

/* The protects are the shootdown (the file comment); the fences order the
 * collector's later loads after every store made before the flush. */
HOSTED_NO_TSAN void arch_dirty_flush(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flush_pending();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
