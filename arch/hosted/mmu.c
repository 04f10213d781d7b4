/*
 * mmu.c - memory of the hosted port: RAM is one mmap'd region, the page
 * table of the goroutine stack window is mprotect.
 *
 * RAM: the device tree (fdt.c) names -m bytes (default 256 MiB, as
 * qemu/run.sh) at the "physical" address RAM_PA as /memory, so the page
 * heap is built from it by the portable code, unchanged. hosted_mem_init
 * maps that memory, anonymous and private, where a board's MMU shows it to
 * the heap: in the heap window, at HEAP_REGION_BASE + RAM_PA. The
 * identity alias a board also has is left out: the runtime never
 * dereferences a physical RAM address here (page-table pages are a board's
 * only use of it, and this port has none; a stack page's "physical"
 * address is only recorded, see below).
 *
 * The stack window (STACK_REGION_BASE, 128 GiB) is reserved PROT_NONE with
 * MAP_NORESERVE, one GiB at a time as arch_map_page first reaches it (the
 * stack slots are handed out from the bottom up): natively a reservation
 * costs address space only, but qemu-user (7.2) keeps a descriptor per
 * reserved page - 14 s and 800 MB for the whole window at once, a blink
 * per GiB. A page of a GiB not reserved yet faults as a PROT_NONE one does
 * (SEGV_MAPERR instead of SEGV_ACCERR; the barrier only ever protects
 * mapped pages). arch_map_page(va, pa) maps one
 * fresh read/write page there, populated (MAP_POPULATE: no fault at its
 * first write), and records pa in a flat table (one word per window page,
 * itself a NORESERVE mapping touched only where used, ordered so that the
 * top pages of the stack slots share its pages: pte()); the page's contents
 * come from the kernel's zero pages, not from pa - the pool page pa stands
 * for the memory, as accounting, but is never touched through the window.
 * Unmapping replaces the page with a fresh PROT_NONE one (contents
 * dropped). Guard pages are simply never mapped: a touch is a SIGSEGV,
 * which signal.c turns into trap_fault, which grows the stack or reports
 * the overflow - as a page fault does on a board.
 *
 * Limits: Linux caps a process's mappings (vm.max_map_count, 65530 by
 * default); each goroutine stack is one or two, so about 30,000 goroutines
 * with stacks can exist at once (goroutines_100k does not run hosted).
 *
 * The page-dirty barrier is dirty.c; it keeps its state of a stack page in
 * the low bits of the page's entry in the flat table.
 */
#include <string.h>
#include <sys/mman.h>
#include "arch.h"
#include "atomic.h"
#include "hosted.h"
#include "kernel/lib/print.h"
#include "boot/boot.h"

#define RAM_PA     0x40000000ULL       /* 1 GiB, as on aarch64 virt */
#define PAGE       4096UL

/* Above the highest stack page ever mapped (atomic). In .bss.noscan: the
 * stack-growth fault writes it, and the GC's barrier may have protected
 * an ordinary .bss page. */
uintptr_t hosted_stack_hi __attribute__((section(".bss.noscan.hosted")));
uintptr_t hosted_ram_base;   /* RAM's "physical" address, RAM_PA */
size_t hosted_ram_size;
uintptr_t hosted_ram_va;     /* where it is mapped: HEAP_REGION_BASE + RAM_PA */

/* Per stack-window page: 0 = unmapped, else pa | its barrier state (the
 * low 3 bits, dirty.c). CAS: any CPU maps, unmaps and changes the state. */
static uint64_t *stack_pt;

static void *map_or_die(uintptr_t at, size_t len, int prot, int flags)
{
	void *p = mmap((void *)at, len, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || (at != 0 && (uintptr_t)p != at)) {
		static const char msg[] = "hosted: cannot map the RAM or the stack window\n";
		hosted_syscall(SYS_write, 2, (long)msg, sizeof msg - 1, 0, 0, 0);
		hosted_syscall(SYS_exit_group, 2, 0, 0, 0, 0, 0);
	}
	return p;
}

void hosted_mem_init(size_t ram_bytes)
{
	hosted_ram_size = ram_bytes & ~(PAGE - 1);
	if (hosted_ram_size > HEAP_REGION_SIZE - RAM_PA) {
		static const char msg[] = "hosted: -m larger than the heap window\n";
		hosted_syscall(SYS_write, 2, (long)msg, sizeof msg - 1, 0, 0, 0);
		hosted_syscall(SYS_exit_group, 2, 0, 0, 0, 0, 0);
	}
	hosted_ram_base = RAM_PA;
	hosted_ram_va = (uintptr_t)map_or_die(HEAP_REGION_BASE + RAM_PA, hosted_ram_size,
	                                      PROT_READ | PROT_WRITE,
	                                      MAP_FIXED_NOREPLACE | MAP_NORESERVE);
	stack_pt = map_or_die(0, STACK_REGION_SIZE / PAGE * sizeof(uint64_t),
	                      PROT_READ | PROT_WRITE, MAP_NORESERVE);
	hosted_dirty_init_tables();
}

/* ---- the contract's MMU ---------------------------------------------------- */

void arch_mmu_init(const struct bootinfo *bi)
{
	/* hosted_mem_init did it all before kmain (the "firmware" maps RAM) */
}

void arch_mmu_enable_secondary(void)
{
}

HOSTED_NO_TSAN static bool in_window(uintptr_t va)
{
	return va >= STACK_REGION_BASE && va < STACK_REGION_BASE + STACK_REGION_SIZE;
}

/* The table is indexed by page within a MiB first, then by MiB: the
 * pages at one offset in consecutive MiBs - the top page of each stack
 * slot, where every G lives (slots are a MiB by default) - are adjacent.
 * In window order every new G's entry was on a table page of its own (two
 * slots per 4 KiB of table), each a page fault of its own. */
#define PT_ROW (1UL << 20 >> 12)                    /* pages in a MiB */
#define PT_ROWS (STACK_REGION_SIZE >> 20)           /* MiBs in the window */

HOSTED_NO_TSAN static uint64_t *pte(uintptr_t va)
{
	uintptr_t v = (va - STACK_REGION_BASE) / PAGE;
	return &stack_pt[(v % PT_ROW) * PT_ROWS + v / PT_ROW];
}

/* ---- the stack window's reservation ---------------------------------------- */

#define CHUNK (1UL << 30)
enum { CHUNK_FREE, CHUNK_BUSY, CHUNK_RESERVED };
static uint32_t chunk_state[STACK_REGION_SIZE / CHUNK];

/* Reserve the GiB of the window that holds va, once. The CAS winner maps
 * it and publishes CHUNK_RESERVED with a release store (pairs with the
 * acquire loads: a page's mprotect comes after the reservation). Masked,
 * so that no goroutine switch leaves a chunk BUSY under a waiter on the
 * same thread. */
static void window_reserve(uintptr_t va)
{
	uint32_t *st = &chunk_state[(va - STACK_REGION_BASE) / CHUNK];
	if (__atomic_load_n(st, __ATOMIC_ACQUIRE) == CHUNK_RESERVED)
		return;
	unsigned long f = arch_irq_save();
	uint32_t free = CHUNK_FREE;
	/* acquire on failure: pairs with the winner's release store */
	if (arch_cas(st, &free, CHUNK_BUSY, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		long r = hosted_syscall(SYS_mmap, (long)(va & ~(CHUNK - 1)), (long)CHUNK, PROT_NONE,
		                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE |
		                        MAP_NORESERVE, -1, 0);
		if (r != (long)(va & ~(CHUNK - 1)))
			throw("hosted: cannot reserve the stack window at %#lx: %ld",
			      (unsigned long)(va & ~(CHUNK - 1)), r);
		__atomic_store_n(st, CHUNK_RESERVED, __ATOMIC_RELEASE);
	} else {
		while (__atomic_load_n(st, __ATOMIC_ACQUIRE) != CHUNK_RESERVED)
			arch_cpu_relax();
	}
	arch_irq_restore(f);
}

/* mprotect is a system call: the mapping is visible to every thread when it
 * returns (the kernel shoots down other CPUs' TLBs). Stack-window pages
 * only: RAM is always mapped. */
int arch_map_page(uintptr_t va, uintptr_t pa)
{
	if (!in_window(va) || (va & (PAGE - 1)))
		throw("hosted: arch_map_page(%#lx) outside the stack window", (unsigned long)va);
	uint64_t expect = 0;
	/* acq_rel: pairs with the CAS in unmap_one */
	if (!arch_cas(pte(va), &expect, (uint64_t)pa | hosted_dirty_mapped(),
	              __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -1;
	window_reserve(va);
	/* A fresh page in place of the PROT_NONE one, populated: the stack
	 * is written at once, and a fault (after an mprotect, as this was)
	 * costs as much again as the system call. */
	if (hosted_syscall(SYS_mmap, (long)va, PAGE, PROT_READ | PROT_WRITE,
	                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE | MAP_POPULATE,
	                   -1, 0) != (long)va)
		throw("hosted: mapping a stack page failed");
	uintptr_t hi = __atomic_load_n(&hosted_stack_hi, __ATOMIC_RELAXED);
	/* relaxed: only the barrier's fallback reads it, and a page mapped
	 * after that read is writable and DIRTY already (needs no fallback) */
	while (va + PAGE > hi &&
	       !arch_cas(&hosted_stack_hi, &hi, va + PAGE, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return 0;
}

static uintptr_t unmap_one(uintptr_t va)
{
	if (!in_window(va))
		return 0;
	/* Wait while the barrier changes the page's protection (dirty.c);
	 * acq_rel: pairs with the CAS in arch_map_page and dirty.c's. */
	uint64_t e = __atomic_load_n(pte(va), __ATOMIC_RELAXED);
	while (e != 0 && (hosted_dirty_busy(e) ||
	       !arch_cas(pte(va), &e, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))) {
		arch_cpu_relax();
		e = __atomic_load_n(pte(va), __ATOMIC_RELAXED);
	}
	uintptr_t pa = e & ~(PAGE - 1);
	if (pa != 0)
		hosted_syscall(SYS_mmap, (long)va, PAGE, PROT_NONE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	return pa;
}

uintptr_t arch_unmap_page(uintptr_t va)
{
	return unmap_one(va);
}

int arch_unmap_pages(uintptr_t va, int n, uintptr_t pa[])
{
	int got = 0;
	for (int i = 0; i < n; i++)
		if ((pa[i] = unmap_one(va + (uintptr_t)i * PAGE)) != 0)
			got++;
	return got;
}

uintptr_t arch_translate(uintptr_t va)
{
	if (in_window(va)) {
		/* acquire: pairs with the CAS in arch_map_page */
		uint64_t e = __atomic_load_n(pte(va & ~(PAGE - 1)), __ATOMIC_ACQUIRE);
		return e ? (e & ~(PAGE - 1)) + (va & (PAGE - 1)) : 0;
	}
	if (va >= hosted_ram_va && va < hosted_ram_va + hosted_ram_size)
		return va - HEAP_REGION_BASE;
	if (va >= (uintptr_t)_start_image && va < (uintptr_t)_end)
		return va;              /* the executable: "identity-mapped" too */
	return 0;
}

/* The page-table entry of the stack-window page at va, or NULL (dirty.c
 * keeps the barrier's state in it). */
HOSTED_NO_TSAN uint64_t *hosted_stack_pte(uintptr_t va)
{
	return in_window(va) ? pte(va) : NULL;
}
