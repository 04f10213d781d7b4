/*
 * mmu.c - the kernel's translation tables (stage 1, EL1, TTBR0 only).
 *
 * Layout: 4 KiB granule, 39-bit virtual addresses (T0SZ = 25), so a walk
 * starts at level 1 (512 x 1 GiB). One set of tables serves every CPU.
 *   - [0, 4 KiB) unmapped, so that a nil-pointer dereference faults (and
 *     becomes a panic, kernel/panic/sigpanic.c), as on riscv.
 *   - Identity map below the top of RAM (at least 4 GiB, so MMIO above a
 *     small RAM is covered too, and never into the stack window): RAM
 *     ranges from bootinfo as Normal write-back, inner shareable; the rest
 *     as Device-nGnRnE, execute-never. Blocks are as large as possible
 *     (1 GiB, 2 MiB), 4 KiB pages only where a range is not 2 MiB aligned.
 *   - The goroutine stack window [STACK_REGION_BASE, +SIZE) starts empty;
 *     arch_map_page / arch_unmap_page manage it in 4 KiB pages (Normal,
 *     never executable). Intermediate tables come from pt_alloc_page().
 * The identity map's tables come from a static pool (before kernel/mm is
 * up). mmu_final holds the register values every CPU loads; it is cleaned
 * to the point of coherency so secondaries can read it with the MMU off.
 *
 * Concurrency: map/unmap serialise on pt_lock (a runtime spinlock of rank
 * pageTable, as riscv's, taken with IRQs masked; they are called from
 * goroutines and from the stack fault path). Table entries are written with single 64-bit atomic stores
 * so lock-free walks (arch_translate, the hardware walkers) never see a
 * torn descriptor.
 */
#include <stddef.h>
#include "arch.h"
#include "aarch64.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/lib/print.h"
#include "kernel/lib/spinlock.h"


#define PT_ENTRIES   512
#define L1_SHIFT     30
#define L2_SHIFT     21
#define L3_SHIFT     12
#define ADDR_MASK    0x0000fffffffff000ull
#define GiB          (1ull << 30)
#define VA_LIMIT     (1ull << 39)

#define DESC_NORMAL  (PTE_ATTR(ATTR_NORMAL) | PTE_SH_INNER | PTE_AF | PTE_UXN)
#define DESC_DEVICE  (PTE_ATTR(ATTR_DEVICE) | PTE_AF | PTE_PXN | PTE_UXN)
#define DESC_STACK   (PTE_ATTR(ATTR_NORMAL) | PTE_SH_INNER | PTE_AF | PTE_PXN | PTE_UXN)

#define POOL_PAGES   24
static uint64_t pool[POOL_PAGES][PT_ENTRIES] __attribute__((aligned(4096)));
static int pool_used;
static uint64_t *l1;                    /* root table; set once by the boot CPU */

struct mmu_regs mmu_final __attribute__((aligned(64)));

static spinlock_t pt_lock = SPINLOCK_INIT(LOCKRANK_PAGETABLE);

static const struct bootinfo *map_bi;   /* during arch_mmu_init only */
static uint64_t map_limit;

static uint64_t *pool_page(void)
{
	if (pool_used >= POOL_PAGES)
		throw("arch_mmu_init: page-table pool exhausted");
	return pool[pool_used++];
}

/* How much of [lo, hi) is RAM: 0 none, 1 all, 2 some. */
static int ram_cover(uint64_t lo, uint64_t hi)
{
	uint64_t covered = 0;
	for (int i = 0; i < map_bi->nmem; i++) {
		uint64_t b = map_bi->mem[i].base, e = b + map_bi->mem[i].size;
		uint64_t s = b > lo ? b : lo, t = e < hi ? e : hi;
		if (s < t)
			covered += t - s;
	}
	if (covered == 0)
		return 0;
	return covered >= hi - lo ? 1 : 2;
}

static void fill(uint64_t *table, int shift, uint64_t base)
{
	uint64_t size = 1ull << shift;
	for (int i = 0; i < PT_ENTRIES; i++) {
		uint64_t va = base + (uint64_t)i * size;
		if (va >= map_limit)
			break;
		if (va == 0 && shift == L3_SHIFT) {
			table[i] = 0;           /* the nil page: never mapped */
			continue;
		}
		int c = ram_cover(va, va + size);
		uint64_t leaf = shift == L3_SHIFT ? PTE_PAGE : PTE_BLOCK;
		if (c == 2 && shift == L3_SHIFT)
			c = ram_cover(va, va + 1);   /* a range ends inside the page */
		if (c == 2 || va == 0) {        /* va 0: split down to the nil page */
			uint64_t *sub = pool_page();
			fill(sub, shift - 9, va);
			table[i] = (uintptr_t)sub | PTE_TABLE;
		} else {
			table[i] = va | leaf | (c ? DESC_NORMAL : DESC_DEVICE);
		}
	}
}

static void clean_to_poc(const void *p, size_t n)
{
	uint64_t line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(line - 1);
	for (; a < (uintptr_t)p + n; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	dsb(sy);
}

/* Boot CPU, interrupts masked, before any secondary starts. Ordering:
 * returns with the MMU on and tables + mmu_final visible to all CPUs
 * (walks are cacheable and coherent; mmu_final is also at the PoC). */
void arch_mmu_init(const struct bootinfo *bi)
{
	uint64_t top = 4 * GiB;
	for (int i = 0; i < bi->nmem; i++)
		if (bi->mem[i].base + bi->mem[i].size > top)
			top = bi->mem[i].base + bi->mem[i].size;
	top = (top + GiB - 1) & ~(GiB - 1);
	if (top > STACK_REGION_BASE)
		top = STACK_REGION_BASE;
	map_bi = bi;
	map_limit = top;

	l1 = pool_page();
	fill(l1, L1_SHIFT, 0);
	map_bi = NULL;

	uint64_t ips = read_sysreg(id_aa64mmfr0_el1) & 0xf;
	if (ips > 5)
		ips = 5;                      /* 52-bit PAs need LPA2/64K: stay at 48 */
	mmu_final.mair = MAIR_VALUE;
	mmu_final.tcr = TCR_VALUE | (ips << TCR_IPS_SHIFT);
	mmu_final.ttbr0 = (uintptr_t)l1;
	mmu_final.sctlr = SCTLR_MMU_ON;
	dsb(ishst);
	aarch64_mmu_switch(&mmu_final);
	clean_to_poc(&mmu_final, sizeof mmu_final);
}

/* ---- the stack window ---- */

static unsigned long pt_lock_take(void)
{
	return spin_lock_irqsave(&pt_lock);
}

static void pt_lock_give(unsigned long flags)
{
	spin_unlock_irqrestore(&pt_lock, flags);
}

static inline uint64_t ld_desc(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void st_desc(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);   /* ordered by the dsb that follows */
}

/* The next-level table behind *e, creating it if alloc. NULL if absent
 * (and !alloc), or if *e is a block. */
static uint64_t *next_table(uint64_t *e, bool alloc)
{
	uint64_t d = ld_desc(e);
	if ((d & 3) == PTE_TABLE)
		return (uint64_t *)(uintptr_t)(d & ADDR_MASK);
	if ((d & PTE_VALID) || !alloc)
		return NULL;
	uint64_t *t = pt_alloc_page();
	if (t == NULL)
		throw("arch_map_page: out of page-table pages");
	dsb(ishst);                          /* zeroed table before the link to it */
	st_desc(e, (uintptr_t)t | PTE_TABLE);
	return t;
}

static uint64_t *leaf_entry(uintptr_t va, bool alloc)
{
	if (va >= VA_LIMIT || l1 == NULL)
		return NULL;
	uint64_t *l2 = next_table(&l1[(va >> L1_SHIFT) & 511], alloc);
	if (l2 == NULL)
		return NULL;
	uint64_t *l3 = next_table(&l2[(va >> L2_SHIFT) & 511], alloc);
	if (l3 == NULL)
		return NULL;
	return &l3[(va >> L3_SHIFT) & 511];
}

/* Ordering: the dsb ishst makes the new descriptor visible to every
 * CPU's table walker before this returns. */
int arch_map_page(uintptr_t va, uintptr_t pa)
{
	int ret = -1;
	unsigned long flags = pt_lock_take();
	uint64_t *e = leaf_entry(va, true);
	if (e != NULL && (ld_desc(e) & PTE_VALID) == 0) {
		st_desc(e, (pa & ADDR_MASK) | PTE_PAGE | DESC_STACK);
		ret = 0;
	}
	dsb(ishst);
	isb();
	pt_lock_give(flags);
	return ret;
}

/* Break-before-make: invalid descriptor, then a broadcast TLB invalidate
 * by VA (all ASIDs), completed on every CPU before this returns. */
uintptr_t arch_unmap_page(uintptr_t va)
{
	uintptr_t pa = 0;
	unsigned long flags = pt_lock_take();
	uint64_t *e = leaf_entry(va, false);
	if (e != NULL) {
		uint64_t d = ld_desc(e);
		if (d & PTE_VALID) {
			st_desc(e, 0);
			dsb(ishst);
			__asm__ volatile("tlbi vaae1is, %0" : : "r"((uint64_t)va >> 12) : "memory");
			dsb(ish);
			isb();
			pa = (uintptr_t)(d & ADDR_MASK);
		}
	}
	pt_lock_give(flags);
	return pa;
}

/* Walk without the lock: descriptors are read atomically and tables are
 * never freed. 0 if unmapped. */
uintptr_t arch_translate(uintptr_t va)
{
	if (va >= VA_LIMIT || l1 == NULL)
		return 0;
	const uint64_t *t = l1;
	for (int shift = L1_SHIFT; shift >= L3_SHIFT; shift -= 9) {
		uint64_t d = ld_desc(&t[(va >> shift) & 511]);
		if ((d & PTE_VALID) == 0)
			return 0;
		if (shift == L3_SHIFT || (d & 3) == PTE_BLOCK) {
			uint64_t mask = (1ull << shift) - 1;
			return (uintptr_t)((d & ADDR_MASK & ~mask) | (va & mask));
		}
		t = (const uint64_t *)(uintptr_t)(d & ADDR_MASK);
	}
	return 0;
}
