/*
 * dirty.c - the page-dirty barrier of the hosted port: fault mode through
 * mprotect and SIGSEGV (arch.h's arch_dirty_*, docs/hosted.md "The
 * page-dirty barrier").
 *
 * On a board a tracked page's state lives in its leaf entry (RISC-V W/D,
 * AArch64 AP[2]/DBM) and one atomic read-modify-write of that entry both
 * changes the state and, after the shootdown, the permission. Here the
 * "leaf" is two things: a state word of ours and the kernel's protection
 * of the page, changed by mprotect. They cannot be changed together, so
 * each page's state word is also the lock of its protection:
 *
 *   UNTRACKED - not the barrier's: read/write, never reported;
 *   DIRTY     - written since the last clean: read/write (or, briefly,
 *               still read-only: a fault on it just makes it writable);
 *   CLEAN     - read-only, so the next store faults;
 *   BUSY      - one thread is changing the page's protection: it took
 *               the page from DIRTY or CLEAN with a CAS, calls mprotect
 *               and stores the new state (release). Anyone else who wants
 *               to change the page spins until then (one system call).
 *
 * Invariant: a CLEAN page is read-only. The dangerous state, writable but
 * clean (stores nobody records), cannot arise, because only a BUSY holder
 * calls mprotect on a page and it stores CLEAN only after its read-only
 * mprotect succeeded.
 *
 * Which pages: the RAM (the heap window, one state word per page) and the
 * image's .data and .bss (one per page of the image): what
 * arch_dirty_track names. Goroutine stack pages are NOT write-protected:
 * every mapped stack page reads dirty at every collect (the conservative
 * hardware). The runtime's system calls take their output buffers on the
 * stack (timer_create's id, the vDSO's clock_gettime falling back to a
 * real system call): a kernel store into a read-only page is not a fault
 * but EFAULT. And each stack is already one or two mappings of Linux's
 * 65,530 (mmu.c); protecting parts of it would cut it into more.
 *
 * The fault path (hosted_dirty_fault, from signal.c's SIGSEGV handler on
 * the alternate signal stack, SEGV_ACCERR only): take the page (CLEAN or
 * DIRTY -> BUSY), mprotect it read/write, store DIRTY (release), and only
 * if it was CLEAN tell gc_barrier_fault - the same portable entry point
 * the boards' fault handlers call, after the same "leaf" update. It may
 * interrupt any code, but never a holder of a page on its own thread: a
 * collect holds pages BUSY with interrupts masked and stores to no
 * tracked page meanwhile, so it cannot wait for itself. What it touches is
 * async-signal-safe: atomics on the state words (not in tracked pages),
 * the raw mprotect system call, gc_barrier_fault (atomic ORs into
 * untracked bitmaps, a counter in .bss.noscan).
 *
 * The mapping count: a collect protects runs of adjacent dirty pages with
 * one mprotect each, and only pages faulted since the last collect are
 * writable, so the RAM is about 2 x (pages dirtied between two collects)
 * mappings. When an mprotect fails nonetheless (ENOMEM: vm.max_map_count),
 * `fallback` makes every tracked page writable with one mprotect per range
 * (the mappings merge back into one) and reports every tracked page
 * through gc_barrier_fault, so the next collect rescans them all: correct,
 * only slow; the collect after it protects again. Nothing is printed (it
 * can happen in the fault path); hosted_dirty_fallbacks counts it.
 *
 * Ordering: mprotect is a system call that returns after every CPU dropped
 * the old translation (Linux's TLB shootdown; on x86 the IPI and its
 * invlpg/CR3 write serialise the target, so a store made through the old
 * translation is globally visible before mprotect returns). So each
 * protect is already arch_dirty_flush's shootdown; the flush itself is
 * only a fence.
 */
#include <errno.h>
#include <sys/mman.h>
#include "arch.h"
#include "atomic.h"
#include "hosted.h"
#include "kernel/lib/print.h"
#include "boot/boot.h"

#define PAGE 4096UL

enum { UNTRACKED = 0, DIRTY = 1, CLEAN = 2, BUSY = 3 };

/* State words (atomic; see the file comment), in mappings of their own:
 * never tracked. ram_state is indexed from hosted_ram_va, img_state from
 * _start_image. */
static uint32_t *ram_state, *img_state;
static size_t img_pages;
/* The tracked part of the image (boot CPU, before SMP; read-only after). */
static uintptr_t img_lo = UINTPTR_MAX, img_hi;
static uint32_t fallback_lock;          /* atomic: one fallback at a time */
uint64_t hosted_dirty_fallbacks;        /* atomic (statistic) */

void hosted_dirty_init_tables(void)
{
	size_t ram_pages = hosted_ram_size / PAGE;
	img_pages = ((uintptr_t)_end - (uintptr_t)_start_image + PAGE - 1) / PAGE;
	ram_state = mmap(NULL, ram_pages * sizeof *ram_state, PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	img_state = mmap(NULL, img_pages * sizeof *img_state, PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram_state == MAP_FAILED || img_state == MAP_FAILED) {
		static const char msg[] = "hosted: cannot map the dirty tables\n";
		hosted_syscall(SYS_write, 2, (long)msg, sizeof msg - 1, 0, 0, 0);
		hosted_syscall(SYS_exit_group, 2, 0, 0, 0, 0, 0);
	}
}

/* The state word of the page at va (page-aligned), or NULL: not RAM nor
 * the image (the stack window, for one). */
static uint32_t *state_of(uintptr_t va)
{
	if (va - hosted_ram_va < hosted_ram_size)
		return &ram_state[(va - hosted_ram_va) / PAGE];
	if (va - (uintptr_t)_start_image < img_pages * PAGE)
		return &img_state[(va - (uintptr_t)_start_image) / PAGE];
	return NULL;
}

static bool set_prot(uintptr_t va, size_t n, int prot)
{
	long r = hosted_syscall(SYS_mprotect, (long)va, (long)(n * PAGE), prot, 0, 0, 0);
	if (r != 0 && r != -ENOMEM)
		throw("hosted: mprotect(%#lx, %lu pages) failed: %ld",
		      (unsigned long)va, (unsigned long)n, r);
	return r == 0;
}

/* Take the page: its state (DIRTY or CLEAN) becomes BUSY and is returned.
 * UNTRACKED is returned without taking anything; so is CLEAN if
 * dirty_only. Spins while another thread holds the page. */
static uint32_t take(uint32_t *s, bool dirty_only)
{
	for (;;) {
		/* relaxed: only a hint; the CAS below is what counts */
		uint32_t v = __atomic_load_n(s, __ATOMIC_RELAXED);
		if (v == BUSY) {
			arch_cpu_relax();
			continue;
		}
		if (v == UNTRACKED || (dirty_only && v == CLEAN))
			return v;
		/* acquire: pairs with the release in `release` by the
		 * page's previous holder: its mprotect happened before. */
		if (arch_cas(s, &v, BUSY, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return v;
	}
}

/* Give the page back in state v; release: our mprotect happened before
 * (pairs with the acquire CAS in `take`). */
static void release(uint32_t *s, uint32_t v)
{
	__atomic_store_n(s, v, __ATOMIC_RELEASE);
}

/* Every tracked page of one table: take them all, make [lo, hi) writable
 * in one call, give them back DIRTY and report each. */
static void fallback_table(uint32_t *tab, size_t n, uintptr_t base, uintptr_t lo, uintptr_t hi)
{
	for (size_t i = 0; i < n; i++)
		take(&tab[i], false);
	if (lo < hi && hosted_syscall(SYS_mprotect, (long)lo, (long)(hi - lo),
	                              PROT_READ | PROT_WRITE, 0, 0, 0) != 0)
		throw("hosted: the barrier's fallback could not unprotect %#lx", (unsigned long)lo);
	for (size_t i = 0; i < n; i++)
		/* relaxed: we hold every page that is BUSY now */
		if (__atomic_load_n(&tab[i], __ATOMIC_RELAXED) == BUSY) {
			release(&tab[i], DIRTY);
			gc_barrier_fault(base + i * PAGE);
		}
}

/* An mprotect failed (the map count): give up protecting until the next
 * collect (file comment). The caller holds no page. Any context. */
static void fallback(void)
{
	/* acquire: pairs with the release below (the previous fallback) */
	while (__atomic_exchange_n(&fallback_lock, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	fallback_table(ram_state, hosted_ram_size / PAGE, hosted_ram_va,
	               hosted_ram_va, hosted_ram_va + hosted_ram_size);
	fallback_table(img_state, img_pages, (uintptr_t)_start_image, img_lo, img_hi);
	/* relaxed: a statistic */
	__atomic_fetch_add(&hosted_dirty_fallbacks, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&fallback_lock, 0, __ATOMIC_RELEASE);
}

/* SIGSEGV with SEGV_ACCERR at va: a store into a CLEAN page (or a DIRTY
 * one still read-only, or an untrack racing with the store). Returns
 * false if va is none of the barrier's. Signal context, interrupts
 * masked (signal.c). */
bool hosted_dirty_fault(uintptr_t va)
{
	va &= ~(PAGE - 1);
	uint32_t *s = state_of(va);
	if (s == NULL)
		return false;
	uint32_t was = take(s, false);
	if (was == UNTRACKED)           /* RAM is writable once untracked */
		return va - hosted_ram_va < hosted_ram_size;
	bool ok = set_prot(va, 1, PROT_READ | PROT_WRITE);
	release(s, DIRTY);
	if (was == CLEAN)
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
			throw("arch_dirty_track: %#lx is not RAM nor the image", (unsigned long)va);
		/* relaxed: no other CPU runs yet */
		if (__atomic_load_n(s, __ATOMIC_RELAXED) == UNTRACKED)
			__atomic_store_n(s, DIRTY, __ATOMIC_RELAXED);
		if (s >= img_state && s < img_state + img_pages) {
			img_lo = va < img_lo ? va : img_lo;
			img_hi = va + PAGE > img_hi ? va + PAGE : img_hi;
		}
	}
}

void arch_dirty_untrack(uintptr_t base, size_t size)
{
	for (uintptr_t va = base & ~(PAGE - 1); va < base + size; va += PAGE) {
		uint32_t *s = state_of(va);
		if (s == NULL)
			continue;
		unsigned long f = arch_irq_save();
		uint32_t was = take(s, false);
		bool ok = was != CLEAN || set_prot(va, 1, PROT_READ | PROT_WRITE);
		if (was != UNTRACKED)
			release(s, ok ? UNTRACKED : CLEAN);
		arch_irq_restore(f);
		if (!ok) {
			fallback();     /* then the page is DIRTY: writable */
			va -= PAGE;     /* and untracked on the retry */
		}
	}
}

/* The pages [lo, lo + n*PAGE), all held BUSY by us: protect them in one
 * call and give them back CLEAN - or, if that failed, DIRTY and reported
 * again (as if written right after this clean), then fall back. */
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

/* Walk the pages: each DIRTY one is reported and made CLEAN (read-only),
 * adjacent ones with one mprotect. Mapped stack-window pages always read
 * dirty (the file comment). Interrupts masked while we hold pages, so no
 * goroutine switch leaves one BUSY. */
void arch_dirty_collect(uintptr_t base, size_t npages, uint64_t *bits)
{
	uintptr_t run = 0;
	size_t nrun = 0;
	unsigned long f = arch_irq_save();
	for (size_t i = 0; i < npages; i++) {
		uintptr_t va = base + i * PAGE;
		uint32_t *s = state_of(va);
		bool dirty;
		if (s == NULL) {
			dirty = hosted_stack_page_mapped(va);
		} else {
			dirty = take(s, true) == DIRTY;     /* now ours, BUSY */
			if (dirty && nrun > 0 && va != run + nrun * PAGE) {
				protect_run(run, nrun);
				nrun = 0;
			}
			if (dirty && nrun++ == 0)
				run = va;
		}
		if (dirty && bits != NULL)
			bits[i / 64] |= 1ULL << (i % 64);
	}
	protect_run(run, nrun);
	arch_irq_restore(f);
}

bool arch_dirty_protect(uintptr_t base, size_t npages, uint64_t *bits)
{
	arch_dirty_collect(base, npages, bits);
	return true;
}

/* Every protect was its own shootdown (file comment); the fence keeps the
 * contract's "stores before are visible to the caller" for the
 * stack-window pages, which were never protected. */
void arch_dirty_flush(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
