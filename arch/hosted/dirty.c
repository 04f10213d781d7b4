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
 *               call) or, at the flush, leaves it to the holder.
 *
 * Invariant: a CLEAN page is read-only. The dangerous state, writable and
 * clean (stores nobody records), cannot arise: only the holder of a page
 * calls mprotect on it, and it stores CLEAN only after a read-only
 * mprotect succeeded.
 *
 * Which pages: RAM (the heap window, one state word per page) and the
 * image's .data and .bss (one per image page): what arch_dirty_track
 * names. Goroutine stack pages are NOT write-protected: every mapped
 * stack page reads dirty at every collect (the conservative hardware).
 * The runtime's system calls put their output buffers on the stack
 * (timer_create's id; the vDSO's clock_gettime when it falls back to the
 * real system call), and a kernel store into a read-only page is EFAULT,
 * not a fault; and each stack is already one or two of Linux's 65,530
 * mappings (mmu.c): protecting parts of it would cut it into more.
 *
 * The fault path (hosted_dirty_fault, from signal.c's SIGSEGV handler on
 * the alternate signal stack, SEGV_ACCERR only): take the page, mprotect
 * it read/write, store DIRTY (release), and unless it was DIRTY already
 * call gc_barrier_fault - the portable entry point the boards' fault
 * handlers call, after the same "leaf" update. It can interrupt any code
 * but never waits for its own thread: pages are held only around an
 * mprotect, with interrupts masked, and their holders store to no
 * tracked page meanwhile. Everything it touches is async-signal-safe:
 * atomics on the state words (own mappings, never tracked), the raw
 * mprotect system call, gc_barrier_fault (atomic ORs into untracked
 * bitmaps, a counter in .bss.noscan).
 *
 * The mapping count: the flush protects runs of adjacent pages with one
 * mprotect each, and only pages faulted since the last collect are
 * writable, so the RAM is about 2 x (pages dirtied between two collects)
 * mappings. When an mprotect fails nonetheless (ENOMEM: vm.max_map_count)
 * `fallback` makes every tracked page writable with one mprotect per area
 * (the mappings merge back into one) and reports every tracked page
 * through gc_barrier_fault, so the next collect rescans them all: correct,
 * only slow; the flush after it protects again. Nothing is printed (it
 * can happen in the fault path); hosted_dirty_fallbacks counts it.
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

enum { UNTRACKED, DIRTY, PENDING, CLEAN, BUSY };

/* State words (atomic; see the file comment), in mappings of their own,
 * never tracked: ram_state indexed from hosted_ram_va, img_state from
 * _start_image. */
static uint32_t *ram_state, *img_state;
static size_t ram_pages, img_pages;
/* The tracked part of the image (boot CPU, before SMP; read-only after). */
static uintptr_t img_lo = UINTPTR_MAX, img_hi;
/* The pages made PENDING since the last flush, in the order the collect
 * took them (mostly ascending); the collector's (one at a time). */
static uintptr_t *pending;
static size_t npending;
static uint32_t fallback_lock;          /* atomic: one fallback at a time */
uint64_t hosted_dirty_fallbacks;        /* atomic (statistic) */

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
	pending = table((ram_pages + img_pages) * sizeof *pending);
}

/* The state word of the page at va (page-aligned), or NULL: neither RAM
 * nor the image (the stack window, for one). */
static uint32_t *state_of(uintptr_t va)
{
	if (va - hosted_ram_va < ram_pages * PAGE)
		return &ram_state[(va - hosted_ram_va) / PAGE];
	if (va - (uintptr_t)_start_image < img_pages * PAGE)
		return &img_state[(va - (uintptr_t)_start_image) / PAGE];
	return NULL;
}

/* mprotect; false only for ENOMEM (the map count), anything else is a
 * bug of ours. */
static bool set_prot(uintptr_t va, size_t n, int prot)
{
	long r = hosted_syscall(SYS_mprotect, (long)va, (long)(n * PAGE), prot, 0, 0, 0);
	if (r != 0 && r != -ENOMEM)
		throw("hosted: mprotect(%#lx, %lu pages) failed: %ld",
		      (unsigned long)va, (unsigned long)n, r);
	return r == 0;
}

/* Take the page (it becomes BUSY) if its state is one of `want` (a mask
 * of 1 << state); return the state it had, also when not taken. Waits
 * while another thread holds it. */
static uint32_t take(uint32_t *s, uint32_t want)
{
	for (;;) {
		/* relaxed: only a hint; the CAS below decides */
		uint32_t v = __atomic_load_n(s, __ATOMIC_RELAXED);
		if (v == BUSY) {
			arch_cpu_relax();
			continue;
		}
		if (!(want & 1u << v))
			return v;
		/* acquire: pairs with `release` by the page's previous
		 * holder: its mprotect happened before our own. */
		if (arch_cas(s, &v, BUSY, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return v;
	}
}

#define TRACKED (1u << DIRTY | 1u << PENDING | 1u << CLEAN)

/* Give the page back in state v. release: pairs with the acquire CAS in
 * `take`; orders our mprotect before the next holder's. */
static void release(uint32_t *s, uint32_t v)
{
	__atomic_store_n(s, v, __ATOMIC_RELEASE);
}

/* Every tracked page of one table: take them all, make [lo, hi) writable
 * in one call, give them back DIRTY and report each. */
static void fallback_table(uint32_t *tab, size_t n, uintptr_t base, uintptr_t lo, uintptr_t hi)
{
	for (size_t i = 0; i < n; i++)
		take(&tab[i], TRACKED);
	if (lo < hi && hosted_syscall(SYS_mprotect, (long)lo, (long)(hi - lo),
	                              PROT_READ | PROT_WRITE, 0, 0, 0) != 0)
		throw("hosted: the barrier's fallback cannot unprotect %#lx", (unsigned long)lo);
	for (size_t i = 0; i < n; i++)
		/* relaxed: every BUSY page is ours now */
		if (__atomic_load_n(&tab[i], __ATOMIC_RELAXED) == BUSY) {
			release(&tab[i], DIRTY);
			gc_barrier_fault(base + i * PAGE);
		}
}

/* An mprotect failed for the map count: every tracked page writable and
 * reported (the file comment). The caller holds no page. Any context. */
static void fallback(void)
{
	/* acquire: pairs with the release below (the previous fallback) */
	while (__atomic_exchange_n(&fallback_lock, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	fallback_table(ram_state, ram_pages, hosted_ram_va,
	               hosted_ram_va, hosted_ram_va + ram_pages * PAGE);
	fallback_table(img_state, img_pages, (uintptr_t)_start_image, img_lo, img_hi);
	/* relaxed: a statistic */
	__atomic_fetch_add(&hosted_dirty_fallbacks, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&fallback_lock, 0, __ATOMIC_RELEASE);
}

/* SIGSEGV with SEGV_ACCERR at va: a store into a CLEAN page (or into one
 * still read-only while DIRTY or PENDING after a failed mprotect, or
 * racing with an untrack). False if the page is not the barrier's.
 * Signal context, interrupts masked (signal.c). */
bool hosted_dirty_fault(uintptr_t va)
{
	va &= ~(PAGE - 1);
	uint32_t *s = state_of(va);
	if (s == NULL)
		return false;
	uint32_t was = take(s, TRACKED);
	if (was == UNTRACKED)           /* RAM is writable once untracked */
		return va - hosted_ram_va < ram_pages * PAGE;
	bool ok = set_prot(va, 1, PROT_READ | PROT_WRITE);
	release(s, DIRTY);
	if (was != DIRTY)               /* PENDING: reported, but by a collect
	                                   whose flush will now skip it */
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
}

/* RAM and image pages become tracked and DIRTY (they are writable).
 * Boot CPU, before other CPUs start. */
void arch_dirty_track(uintptr_t base, size_t size)
{
	for (uintptr_t va = base & ~(PAGE - 1); va < base + size; va += PAGE) {
		uint32_t *s = state_of(va);
		if (s == NULL)
			throw("arch_dirty_track: %#lx is neither RAM nor the image",
			      (unsigned long)va);
		/* relaxed: no other CPU runs yet */
		if (__atomic_load_n(s, __ATOMIC_RELAXED) == UNTRACKED)
			__atomic_store_n(s, DIRTY, __ATOMIC_RELAXED);
		if (s >= img_state && s < img_state + img_pages) {
			img_lo = va < img_lo ? va : img_lo;
			img_hi = va + PAGE > img_hi ? va + PAGE : img_hi;
		}
	}
}

/* Lock-free but for the wait on a page's holder (one mprotect). */
void arch_dirty_untrack(uintptr_t base, size_t size)
{
	for (uintptr_t va = base & ~(PAGE - 1); va < base + size; va += PAGE) {
		uint32_t *s = state_of(va);
		if (s == NULL)
			continue;
		unsigned long f = arch_irq_save();
		uint32_t was = take(s, TRACKED);
		bool ok = was != CLEAN || set_prot(va, 1, PROT_READ | PROT_WRITE);
		if (was != UNTRACKED)
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
static void protect_run(uintptr_t lo, size_t n)
{
	if (n == 0)
		return;
	bool ok = set_prot(lo, n, PROT_READ);
	for (size_t i = 0; i < n; i++) {
		release(state_of(lo + i * PAGE), ok ? CLEAN : DIRTY);
		if (!ok)
			gc_barrier_fault(lo + i * PAGE);
	}
	if (!ok)
		fallback();
}

/* Protect every page still PENDING, adjacent ones with one call. A page
 * that is no longer PENDING was made DIRTY (and reported) by a fault or a
 * fallback, or untracked: left alone. Interrupts masked while we hold
 * pages, so no goroutine switch leaves one BUSY. Collector. */
static void flush_pending(void)
{
	uintptr_t run = 0;
	size_t nrun = 0;
	unsigned long f = arch_irq_save();
	for (size_t i = 0; i < npending; i++) {
		uintptr_t va = pending[i];
		uint32_t v = PENDING;
		/* acquire: as in `take` */
		if (!arch_cas(state_of(va), &v, BUSY, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		if (nrun > 0 && va != run + nrun * PAGE) {
			protect_run(run, nrun);
			nrun = 0;
		}
		if (nrun++ == 0)
			run = va;
	}
	protect_run(run, nrun);
	npending = 0;
	arch_irq_restore(f);
}

/* DIRTY -> PENDING, waiting for a holder; false if the page was not DIRTY. */
static bool make_pending(uint32_t *s)
{
	for (;;) {
		/* relaxed: only a hint; the CAS below decides */
		uint32_t v = __atomic_load_n(s, __ATOMIC_RELAXED);
		if (v == BUSY) {
			arch_cpu_relax();
			continue;
		}
		/* acquire: as in `take` (the flush's CAS continues the chain) */
		if (v != DIRTY || arch_cas(s, &v, PENDING, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return v == DIRTY;
	}
}

/* Each DIRTY page is reported and becomes PENDING (protected by the next
 * flush); mapped stack-window pages always read dirty (the file comment). */
void arch_dirty_collect(uintptr_t base, size_t npages, uint64_t *bits)
{
	for (size_t i = 0; i < npages; i++) {
		uintptr_t va = base + i * PAGE;
		uint32_t *s = state_of(va);
		bool dirty;
		if (s == NULL) {
			dirty = hosted_stack_page_mapped(va);
		} else if ((dirty = make_pending(s))) {
			if (npending == ram_pages + img_pages)
				flush_pending();        /* protecting early is allowed */
			pending[npending++] = va;
		}
		if (dirty && bits != NULL)
			bits[i / 64] |= 1ULL << (i % 64);
	}
}

/* Fault mode's protect is its collect. */
bool arch_dirty_protect(uintptr_t base, size_t npages, uint64_t *bits)
{
	arch_dirty_collect(base, npages, bits);
	return true;
}

/* The protects are the shootdown (the file comment); the fences order the
 * collector's loads after every store made before the flush (the stack
 * pages, never protected, included). */
void arch_dirty_flush(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flush_pending();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
