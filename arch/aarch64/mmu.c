/*
 * mmu.c - the kernel's translation tables (stage 1, EL1, TTBR0 only).
 *
 * Layout: 4 KiB granule, 39-bit virtual addresses (T0SZ = 25), so a walk
 * starts at level 1 (512 x 1 GiB). One set of tables serves every CPU.
 *   - [0, 4 KiB) unmapped, so that a nil-pointer dereference faults (and
 *     becomes a panic, kernel/panic/sigpanic.c), as on riscv.
 *   - Identity map below the top of RAM (at least 4 GiB, so MMIO above a
 *     small RAM is covered too, and never into the heap window): RAM
 *     ranges from bootinfo as Normal write-back, inner shareable; the rest
 *     as Device-nGnRnE, execute-never. Blocks are as large as possible
 *     (1 GiB, 2 MiB), 4 KiB pages only where a range is not 2 MiB aligned.
 *   - The heap window: every RAM range again at HEAP_REGION_BASE + its
 *     physical address, Normal write-back, never executable, in blocks as
 *     large as alignment allows (RAM must lie below HEAP_REGION_SIZE).
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
#include "arch/atomic.h"


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
#define DESC_HEAP    DESC_STACK

#define POOL_PAGES   32
/* In .bss.noscan: page tables must never be write-protected by the GC's
 * barrier (its fault path writes them), nor scanned as roots. */
static uint64_t pool[POOL_PAGES][PT_ENTRIES]
	__attribute__((aligned(4096), section(".bss.noscan.pt")));
static int pool_used;
static uint64_t *l1;                    /* root table; set once by the boot CPU */

struct mmu_regs mmu_final __attribute__((aligned(64)));

static spinlock_t pt_lock = SPINLOCK_INIT(LOCKRANK_PAGETABLE);

/* Page-dirty tracking (see "dirty tracking" below). Set by
 * arch_dirty_init on the boot CPU before SMP; read-only afterwards. */
#define PTE_AP_RO    (1ull << 7)         /* AP[2]: read-only at EL1 */
#define PTE_DBM      (1ull << 51)        /* dirty bit modifier (FEAT_HAFDBS) */
#define PTE_TRACKED  (1ull << 55)        /* software bit: the GC barrier tracks it */
#define TCR_HA       (1ull << 39)
#define TCR_HD       (1ull << 40)
static uint64_t track_bits;              /* TRACKED, | DBM in hardware mode */
extern char _start_image[], _end[];

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
		/* The image in 4 KiB pages, so that the barrier can track .data
		 * and .bss page by page without breaking the block we run in. */
		if (c == 1 && shift > L3_SHIFT && va < (uintptr_t)_end &&
		    va + size > (uintptr_t)_start_image)
			c = 2;
		if (c == 2 || va == 0) {        /* va 0: split down to the nil page */
			uint64_t *sub = pool_page();
			fill(sub, shift - 9, va);
			table[i] = (uintptr_t)sub | PTE_TABLE;
		} else {
			table[i] = va | leaf | (c ? DESC_NORMAL : DESC_DEVICE);
		}
	}
}

/* The table below *e, taken from the pool if there is none yet. */
static uint64_t *pool_table(uint64_t *e)
{
	if ((*e & 3) == PTE_TABLE)
		return (uint64_t *)(uintptr_t)(*e & ADDR_MASK);
	if (*e != 0)
		throw("arch_mmu_init: overlapping mappings");
	uint64_t *t = pool_page();
	*e = (uintptr_t)t | PTE_TABLE;
	return t;
}

/* Map [va, va+size) to [pa, ...) as heap memory, in the largest blocks
 * both alignments allow. Before the MMU is on: plain stores. */
static void map_heap(uint64_t va, uint64_t pa, uint64_t size)
{
	uint64_t end = va + size;
	while (va < end) {
		uint64_t *e = &l1[(va >> L1_SHIFT) & 511];
		int shift = L1_SHIFT;
		while (shift > L3_SHIFT &&
		       (((va | pa) & ((1ull << shift) - 1)) != 0 || end - va < (1ull << shift))) {
			e = &pool_table(e)[(va >> (shift - 9)) & 511];
			shift -= 9;
		}
		if (*e != 0)
			throw("arch_mmu_init: overlapping mappings at %#lx", (unsigned long)va);
		*e = pa | (shift == L3_SHIFT ? PTE_PAGE : PTE_BLOCK) | DESC_HEAP;
		va += 1ull << shift;
		pa += 1ull << shift;
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
	if (top > HEAP_REGION_SIZE)
		throw("arch_mmu_init: RAM up to %#lx does not fit below the heap window",
		      (unsigned long)top);
	map_bi = bi;
	map_limit = top;

	l1 = pool_page();
	fill(l1, L1_SHIFT, 0);
	map_bi = NULL;
	for (int i = 0; i < bi->nmem; i++) {
		uint64_t lo = bi->mem[i].base & ~0xfffull;
		uint64_t hi = (bi->mem[i].base + bi->mem[i].size) & ~0xfffull;
		if (hi > lo)
			map_heap(HEAP_REGION_BASE + lo, lo, hi - lo);
	}

	uint64_t ips = read_sysreg(id_aa64mmfr0_el1) & 0xf;
	if (ips > 5)
		ips = 5;                      /* 52-bit PAs need LPA2/64K: stay at 48 */
	mmu_final.mair = MAIR_VALUE;
	mmu_final.tcr = TCR_VALUE | (ips << TCR_IPS_SHIFT);
	if (arch_dirty_hw_capable())
		mmu_final.tcr |= TCR_HA | TCR_HD;   /* hardware AF and dirty state */
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
		st_desc(e, (pa & ADDR_MASK) | PTE_PAGE | DESC_STACK | track_bits);
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

/* A TLBI ... IS is broadcast by the hardware, no firmware call: page by
 * page costs nothing extra here. */
int arch_unmap_pages(uintptr_t va, int n, uintptr_t pa[])
{
	int got = 0;
	for (int i = 0; i < n; i++) {
		pa[i] = arch_unmap_page(va + (uintptr_t)i * 4096);
		got += pa[i] != 0;
	}
	return got;
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

/* ---- dirty tracking: the GC's page-dirty barrier (arch.h) -------------
 *
 * A tracked page is a level-3 descriptor with PTE_TRACKED. Clean = AP[2]
 * set (read-only), dirty = AP[2] clear, in both modes:
 *   hardware (FEAT_HAFDBS, TCR_EL1.HD): DBM is set, and the first store
 *     through a read-only+DBM entry makes the walker clear AP[2] itself
 *     (an atomic update of the descriptor in memory), no fault;
 *   fault (ARMv8.0, e.g. cortex-a72/a53): DBM clear, the store takes a
 *     permission fault and aarch64_dirty_fault clears AP[2].
 * So a clean is one atomic OR of AP[2], which cannot lose a concurrent
 * hardware or fault-path update (the architecture requires software to
 * update DBM descriptors with atomic read-modify-writes for this reason).
 * arch_dirty_protect (hardware mode's last stretch) also clears DBM, so the
 * page faults like a fault-mode page; aarch64_dirty_fault sets DBM again.
 * Only permissions change on a live entry: no break-before-make needed.
 */

static inline void tlbi_local_va(uintptr_t va)
{
	dsb(ishst);                          /* the descriptor before the walk */
	__asm__ volatile("tlbi vaae1, %0" : : "r"((uint64_t)va >> 12) : "memory");
	dsb(nsh);
	isb();
}

static void untrack_page(uintptr_t va)
{
	uint64_t *e = leaf_entry(va, false);
	if (e == NULL)
		return;
	uint64_t d = ld_desc(e);
	/* One CAS: tracked and clean must never become untracked and clean
	 * (a store would then fault with nobody to serve it). Relaxed: the
	 * dsb in tlbi_local_va orders it before this CPU's next walk; other
	 * CPUs with a stale read-only entry take a spurious fault. */
	while ((d & 3) == PTE_PAGE && (d & PTE_TRACKED) &&
	       !arch_cas(e, &d, d & ~(PTE_TRACKED | PTE_AP_RO | PTE_DBM),
	                 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	tlbi_local_va(va);
}

bool aarch64_dirty_fault(uintptr_t va)
{
	uint64_t *e = leaf_entry(va, false);
	if (e == NULL)
		return false;
	uint64_t d = ld_desc(e);
	if ((d & 3) != PTE_PAGE)
		return false;
	if (!(d & PTE_AP_RO)) {
		/* Writable already: this CPU's TLB held the read-only entry
		 * another CPU (or untrack) has since relaxed. */
		tlbi_local_va(va);
		return true;
	}
	if (!(d & PTE_TRACKED))
		return false;
	gc_barrier_prefault(va);                /* before the page is writable */
	/* Writable, and in hardware mode DBM again (arch_dirty_protect
	 * cleared it): one CAS, so a racing collect's RMW is never undone.
	 * Relaxed: tlbi_local_va's dsb orders it before the retried store;
	 * a later collect reads the bit with its own RMW. */
	while ((d & PTE_AP_RO) &&
	       !arch_cas(e, &d, (d & ~PTE_AP_RO) | (track_bits & PTE_DBM),
	                 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	tlbi_local_va(va);
	if (d & PTE_AP_RO)
		gc_barrier_fault(va);
	return true;
}

bool arch_dirty_hw_capable(void)
{
	return (read_sysreg(id_aa64mmfr1_el1) & 0xf) >= 2;   /* HAFDBS: AF + dirty */
}

void arch_dirty_init(bool hw)
{
	track_bits = PTE_TRACKED | (hw ? PTE_DBM : 0);
}

/* A new table for the block descriptor d that maps va at level `shift`:
 * one level down, same attributes, and the chunks that meet [lo, hi)
 * split further, down to 4 KiB pages. Only the walker reads it until it
 * is linked. */
static uint64_t build_table(uint64_t d, uint64_t va, int shift, uint64_t lo, uint64_t hi)
{
	uint64_t *t = pt_alloc_page();
	int sub = shift - 9;
	uint64_t attrs = d & ~ADDR_MASK & ~3ull;
	uint64_t pa = d & ADDR_MASK & ~((1ull << shift) - 1);
	for (int i = 0; i < PT_ENTRIES; i++) {
		uint64_t cva = va + ((uint64_t)i << sub), cpa = pa + ((uint64_t)i << sub);
		if (sub > L3_SHIFT && cva < hi && cva + (1ull << sub) > lo)
			t[i] = build_table(cpa | attrs | PTE_BLOCK, cva, sub, lo, hi) | PTE_TABLE;
		else
			t[i] = cpa | attrs | (sub == L3_SHIFT ? PTE_PAGE : PTE_BLOCK);
	}
	return (uintptr_t)t;
}

/* Break-before-make of the block in *e (mapping va, level `shift`) into
 * a table. Nothing in the block may be touched meanwhile: the caller is
 * the boot CPU, alone, and *e itself must lie outside the block. */
static void split_block(uint64_t *e, uint64_t va, int shift, uint64_t lo, uint64_t hi)
{
	uint64_t d = ld_desc(e);
	if ((uintptr_t)e >= va && (uintptr_t)e < va + (1ull << shift))
		throw("arch_dirty_track: the table entry for %#lx lies in its own block",
		      (unsigned long)va);
	uint64_t t = build_table(d, va, shift, lo, hi);
	dsb(ishst);                          /* the new tables before the link */
	st_desc(e, 0);
	dsb(ishst);
	__asm__ volatile("tlbi vmalle1is" : : : "memory");
	dsb(ish);
	st_desc(e, t | PTE_TABLE);
	dsb(ishst);
	isb();
}

void arch_dirty_track(uintptr_t base, size_t size)
{
	uint64_t lo = base, hi = base + size;
	unsigned long flags = pt_lock_take();
	for (uint64_t va = lo & ~(GiB - 1); va < hi; va += GiB) {
		uint64_t *e1 = &l1[(va >> L1_SHIFT) & 511];
		if ((ld_desc(e1) & 3) == PTE_BLOCK) {
			split_block(e1, va, L1_SHIFT, lo, hi);
			continue;
		}
		uint64_t *l2 = next_table(e1, false);
		if (l2 == NULL)
			throw("arch_dirty_track: %#lx is not mapped", (unsigned long)va);
		for (uint64_t v2 = va; v2 < va + GiB && v2 < hi; v2 += 1ull << L2_SHIFT) {
			uint64_t *e2 = &l2[(v2 >> L2_SHIFT) & 511];
			if (v2 + (1ull << L2_SHIFT) > lo && (ld_desc(e2) & 3) == PTE_BLOCK)
				split_block(e2, v2, L2_SHIFT, lo, hi);
		}
	}
	for (uint64_t va = lo; va < hi; va += 1ull << L3_SHIFT) {
		uint64_t *e = leaf_entry(va, false);
		if (e == NULL || (ld_desc(e) & 3) != PTE_PAGE)
			throw("arch_dirty_track: %#lx is not mapped by a page", (unsigned long)va);
		__atomic_fetch_and(e, ~PTE_AP_RO, __ATOMIC_RELAXED);       /* dirty */
		__atomic_fetch_or(e, track_bits, __ATOMIC_RELAXED);
	}
	/* The new tables are heap pages too, but written only through the
	 * identity map, which is never tracked (arch.h). */
	dsb(ishst);
	__asm__ volatile("tlbi vmalle1is" : : : "memory");
	dsb(ish);
	isb();
	pt_lock_give(flags);
}

void arch_dirty_untrack(uintptr_t base, size_t size)
{
	for (uintptr_t va = base & ~(uintptr_t)0xfff; va < base + size; va += 4096)
		untrack_page(va);
}

/* Clean the tracked leaves: AP[2] set (read-only) and DBM as dbm says
 * (hardware mode's clean sets it, giving a page arch_dirty_protect left
 * faulting back to the walker; protect clears it). */
/* One leaf: unless untracked or clean already (a later store marks it),
 * AP[2] set and DBM as dbm says, with one CAS, so a concurrent walker or
 * fault-path update is never lost. Relaxed: arch_dirty_flush's dsb orders
 * it before the invalidation. Returns whether it was dirty. */
static inline bool clean_leaf(uint64_t *e, uint64_t dbm)
{
	uint64_t d = ld_desc(e);
	if ((d & 3) != PTE_PAGE || !(d & PTE_TRACKED))
		return false;
	while ((d & (PTE_AP_RO | PTE_DBM)) != (PTE_AP_RO | dbm) &&
	       !arch_cas(e, &d, (d | PTE_AP_RO | dbm) & ~(PTE_DBM & ~dbm),
	                 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return !(d & PTE_AP_RO);
}

static void dirty_clean(uintptr_t base, size_t npages, uint64_t *bits, uint64_t dbm)
{
	size_t i = 0;
	while (i < npages) {
		uintptr_t va = base + i * 4096;
		size_t first = (va >> L3_SHIFT) & 511, n = PT_ENTRIES - first;
		if (n > npages - i)
			n = npages - i;
		uint64_t *e = leaf_entry(va, false);
		for (size_t k = 0; e != NULL && k < n; k++)
			if (clean_leaf(&e[k], dbm) && bits != NULL)
				bits[(i + k) / 64] |= 1ull << ((i + k) % 64);
		i += n;
	}
}

/* The 64 pages from base whose bit is set in m, as dirty_clean (no
 * bitmap). The leaf table is looked up again only when the page is in
 * another 2 MiB than the last one (base need not be 256 KiB aligned, so a
 * word's pages may lie in two tables); runs of zero bits are skipped by
 * one ctz. */
static void dirty_clean_mask(uintptr_t base, uint64_t m, uint64_t dbm)
{
	uint64_t *t = NULL;             /* the leaf table's entry 0 */
	uintptr_t tkey = UINTPTR_MAX;   /* the 2 MiB of t: none yet */
	for (size_t i = 0; m != 0; i++, m >>= 1) {
		if (!(m & 1)) {
			size_t z = (size_t)__builtin_ctzll(m);
			i += z;
			m >>= z;
		}
		uintptr_t va = base + i * 4096;
		uintptr_t key = va >> L2_SHIFT;
		if (key != tkey) {
			uint64_t *e = leaf_entry(va, false);
			t = e == NULL ? NULL : e - ((va >> L3_SHIFT) & 511);
			tkey = key;
		}
		if (t != NULL)
			clean_leaf(&t[(va >> L3_SHIFT) & 511], dbm);
	}
}

void arch_dirty_collect(uintptr_t base, size_t npages, uint64_t *bits)
{
	dirty_clean(base, npages, bits, track_bits & PTE_DBM);
}

bool arch_dirty_protect(uintptr_t base, size_t npages, uint64_t *bits)
{
	dirty_clean(base, npages, bits, 0);
	return true;
}

void arch_dirty_clean_mask(uintptr_t base, uint64_t m, bool protect)
{
	dirty_clean_mask(base, m, protect ? 0 : track_bits & PTE_DBM);
}

void arch_dirty_flush(void)
{
	dsb(ish);                            /* every cleaned descriptor, every earlier access */
	__asm__ volatile("tlbi vmalle1is" : : : "memory");
	/* Completes only when every CPU has dropped its entries and every
	 * access that used one has been observed. */
	dsb(ish);
	isb();
}
