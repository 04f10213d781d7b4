/*
 * mmu.c - the kernel page tables: an identity map, the heap window and the
 * goroutine-stack window, in Sv39 (or Sv48 when the address space needs it).
 *
 * Objects:
 *   root        - the top-level table, shared by every hart (one address
 *                 space, ASID 0, all leaves global).
 *   levels      - 3 (Sv39, 512 GiB of VA, lower half 256 GiB) or 4 (Sv48).
 *                 Sv39 is used whenever RAM and STACK_REGION fit below
 *                 2^38; otherwise Sv48 if the hart has it (checked by
 *                 reading satp back), else a fatal error at boot.
 *   early_pt    - a static pool for the tables arch_mmu_init builds (the
 *                 page heap does not exist yet); later tables come from
 *                 pt_alloc_page() and are never freed.
 *   mmu_cpus    - bitmask of logical CPUs running on these tables, the
 *                 targets of remote TLB flushes.
 * Layout built by arch_mmu_init:
 *   [0, 4 KiB)            unmapped: a nil-pointer dereference faults.
 *   RAM ranges            R W X A D G, in the largest pages alignment allows
 *                         (1 GiB, 2 MiB, 4 KiB).
 *   other addresses below the top of RAM: MMIO, R W A D G (no execute).
 *   HEAP_REGION + RAM     each RAM range again, R W A D G (no execute), in
 *                         the largest pages alignment allows; RAM must lie
 *                         below HEAP_REGION_SIZE.
 *   STACK_REGION          4 KiB pages, R W A D G, by arch_map_page.
 * Invariants:
 *   - Tables are only ever added, never freed; a leaf is written once from
 *     0 (map) and cleared once (unmap). Writers hold mmu_lock; readers
 *     (arch_translate, the fault path) walk lock-free with acquire loads,
 *     which pair with the release stores that publish a zeroed table.
 *   - RISC-V harts may cache an invalid translation. So a new leaf is made
 *     visible to this hart with a local sfence.vma, and another hart that
 *     faults on it anyway finds the valid leaf in the fault path
 *     (riscv_mmu_spurious_fault), flushes its own entry and retries. An
 *     unmap is flushed locally and on every other hart through SBI.
 *
 * Physical memory attributes (cacheable vs device) come from the platform
 * on these harts, not from the PTE (no Svpbmt), so MMIO differs from RAM
 * only by the missing X permission.
 */
#include "arch.h"
#include "riscv.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/lib/print.h"
#include "kernel/lib/spinlock.h"
#include "arch/atomic.h"

typedef uint64_t pte_t;

#define PT_ENTRIES   512
#define PG_SHIFT     12
#define PG_SIZE      (1UL << PG_SHIFT)
#define LEVEL_SHIFT(l) (PG_SHIFT + 9 * (l))
#define LEVEL_SIZE(l)  (1UL << LEVEL_SHIFT(l))

#define FLAGS_RAM   (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G)
#define FLAGS_MMIO  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G)
#define FLAGS_STACK (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G)
#define FLAGS_HEAP  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G)

#define EARLY_PT_PAGES 32
/* In .bss.noscan: page tables must never be write-protected by the GC's
 * barrier (its fault path writes them), nor scanned as roots. */
static pte_t early_pt[EARLY_PT_PAGES][PT_ENTRIES]
	__attribute__((aligned(4096), section(".bss.noscan.pt")));
static int early_pt_used;            /* boot CPU only, before SMP */

/* Written by arch_mmu_init on the boot CPU before any other CPU starts
 * (arch_start_cpu's fence publishes them); read-only afterwards. */
static pte_t *root;
static int levels;
static uint64_t kernel_satp;

static uint64_t mmu_cpus;            /* atomic */

/* Page-dirty tracking (see "dirty tracking" below). Set by
 * arch_dirty_init on the boot CPU before SMP; read-only afterwards. */
#define PTE_TRACKED (1UL << 8)       /* RSW bit: the GC barrier tracks this page */
static bool dirty_on;                /* new stack pages are tracked */
static pte_t dirty_bit;              /* D (hardware mode) or W (fault mode) */
static pte_t clean_mask;             /* bits a clean cleared: D, or W|D */
static spinlock_t mmu_lock = SPINLOCK_INIT(LOCKRANK_PAGETABLE);

static inline unsigned vpn(uintptr_t va, int level)
{
	return (va >> LEVEL_SHIFT(level)) & (PT_ENTRIES - 1);
}

static inline pte_t *pte_table(pte_t e)
{
	return (pte_t *)(uintptr_t)((e >> PTE_PPN_SHIFT) << PG_SHIFT);
}

static inline pte_t make_pte(uintptr_t pa, uint64_t flags)
{
	return ((pte_t)(pa >> PG_SHIFT) << PTE_PPN_SHIFT) | flags;
}

static inline bool pte_is_leaf(pte_t e)
{
	return (e & (PTE_R | PTE_W | PTE_X)) != 0;
}

/* Only the lower half of the address space is used. */
static inline bool va_in_range(uintptr_t va)
{
	return va < (1UL << (LEVEL_SHIFT(levels) - 1));
}

static void *early_alloc(void)
{
	if (early_pt_used >= EARLY_PT_PAGES)
		throw("riscv mmu: early page-table pool exhausted");
	return early_pt[early_pt_used++];    /* .bss: already zero */
}

/* The slot for va at `level`, creating the tables above it. Returns NULL
 * with *superpage set if a larger leaf already covers va, or NULL if alloc
 * failed. Caller holds mmu_lock (or is the boot CPU before SMP). */
static pte_t *walk_create(uintptr_t va, int level, void *(*alloc)(void),
                          bool *superpage)
{
	pte_t *t = root;
	*superpage = false;
	for (int l = levels - 1; l > level; l--) {
		pte_t *slot = &t[vpn(va, l)];
		pte_t e = __atomic_load_n(slot, __ATOMIC_RELAXED);
		if (!(e & PTE_V)) {
			void *nt = alloc();
			if (nt == NULL)
				return NULL;
			e = make_pte((uintptr_t)nt, PTE_V);
			/* release: the zeroed table is visible before the
			 * pointer to it; pairs with the acquire in walk(). */
			__atomic_store_n(slot, e, __ATOMIC_RELEASE);
		} else if (pte_is_leaf(e)) {
			*superpage = true;
			return NULL;
		}
		t = pte_table(e);
	}
	return &t[vpn(va, level)];
}

/* Lock-free lookup of the leaf that maps va: returns the PTE (0 if none)
 * and its level, and the slot it lives in. */
static pte_t walk(uintptr_t va, int *level, pte_t **slotp)
{
	pte_t *t = root;
	if (t == NULL || !va_in_range(va))
		return 0;
	for (int l = levels - 1; l >= 0; l--) {
		pte_t *slot = &t[vpn(va, l)];
		/* acquire: pairs with the release that published the table
		 * below (walk_create) or the leaf (arch_map_page). */
		pte_t e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		if (!(e & PTE_V))
			return 0;
		if (pte_is_leaf(e)) {
			*level = l;
			if (slotp)
				*slotp = slot;
			return e;
		}
		t = pte_table(e);
	}
	return 0;
}

extern char _start_image[], _end[];

/* Replace the leaf in *slot (at level l > 0) by a table of 512 leaves one
 * level down: same physical range, same flags. No break-before-make on
 * RISC-V: until a hart's next sfence.vma it may use the old leaf or the
 * new ones, which translate alike. */
static void split_leaf(pte_t *slot, int l, void *(*alloc)(void))
{
	pte_t e = __atomic_load_n(slot, __ATOMIC_RELAXED);
	pte_t *t = alloc();
	if (t == NULL)
		throw("riscv mmu: out of memory splitting a large page");
	uintptr_t pa = (uintptr_t)pte_table(e);
	uint64_t flags = e & ((1UL << PTE_PPN_SHIFT) - 1);
	for (int i = 0; i < PT_ENTRIES; i++)
		t[i] = make_pte(pa + (uintptr_t)i * LEVEL_SIZE(l - 1), flags);
	/* release: the filled table before the pointer to it (walk()). */
	__atomic_store_n(slot, make_pte((uintptr_t)t, PTE_V), __ATOMIC_RELEASE);
}

/* Make va's mapping a 4 KiB leaf, splitting large pages above it. Returns
 * its slot, or NULL if va is unmapped. Boot CPU before SMP (or mmu_lock). */
static pte_t *split_to_page(uintptr_t va, void *(*alloc)(void))
{
	pte_t *t = root;
	for (int l = levels - 1; l > 0; l--) {
		pte_t *slot = &t[vpn(va, l)];
		pte_t e = __atomic_load_n(slot, __ATOMIC_RELAXED);
		if (!(e & PTE_V))
			return NULL;
		if (pte_is_leaf(e))
			split_leaf(slot, l, alloc);
		t = pte_table(__atomic_load_n(slot, __ATOMIC_RELAXED));
	}
	return &t[vpn(va, 0)];
}

/* Map [va, va+size) to [pa, ...) with the largest pages both alignments
 * allow. Boot CPU, before SMP; ranges never overlap. */
static void map_range(uintptr_t va, uintptr_t pa, uintptr_t size, uint64_t flags)
{
	uintptr_t end = va + size;
	while (va < end) {
		int l = 2;
		while (l > 0 && (((va | pa) & (LEVEL_SIZE(l) - 1)) != 0 || end - va < LEVEL_SIZE(l)))
			l--;
		bool superpage;
		pte_t *slot = walk_create(va, l, early_alloc, &superpage);
		if (slot == NULL || *slot != 0)
			throw("riscv mmu: overlapping mappings at %#lx", (unsigned long)va);
		*slot = make_pte(pa, flags);
		va += LEVEL_SIZE(l);
		pa += LEVEL_SIZE(l);
	}
}

static int cpu_from_hwid(uint64_t hwid)
{
	for (int i = 0; i < bootinfo.ncpu && i < MAXCPU; i++)
		if (bootinfo.cpu_hwid[i] == hwid)
			return i;
	return 0;
}

/* Put this hart on the kernel tables. Announces it in mmu_cpus first, so
 * that an unmap that misses the bit finds the hart not yet translating
 * with the old tables (seq_cst on both sides: store-buffer pattern). */
static void enable_here(void)
{
	int cpu = cpu_from_hwid(arch_boot_hwid());
	__atomic_fetch_or(&mmu_cpus, 1UL << cpu, __ATOMIC_SEQ_CST);
	sfence_vma_all();
	csr_write(satp, kernel_satp);
	sfence_vma_all();
}

void arch_mmu_init(const struct bootinfo *bi)
{
	struct mem_range r[BI_MAX_MEM];
	int n = bi->nmem < BI_MAX_MEM ? bi->nmem : BI_MAX_MEM;
	if (n <= 0)
		throw("riscv mmu: no memory ranges in the device tree");
	for (int i = 0; i < n; i++) {           /* sort by base (insertion) */
		struct mem_range x = bi->mem[i];
		int j = i;
		for (; j > 0 && r[j - 1].base > x.base; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	uint64_t top = 0;
	for (int i = 0; i < n; i++)
		if (r[i].base + r[i].size > top)
			top = r[i].base + r[i].size;

	if (top > HEAP_REGION_SIZE)
		throw("riscv mmu: RAM up to %#lx does not fit below the heap window",
		      (unsigned long)top);
	uint64_t need = top;
	if (STACK_REGION_BASE + STACK_REGION_SIZE > need)
		need = STACK_REGION_BASE + STACK_REGION_SIZE;
	if (need <= (1UL << 38))
		levels = 3;
	else if (need <= (1UL << 47))
		levels = 4;
	else
		throw("riscv mmu: address space up to %#lx does not fit Sv48",
		      (unsigned long)need);

	root = early_alloc();
	uintptr_t cursor = PG_SIZE;             /* page 0 stays unmapped */
	for (int i = 0; i < n; i++) {
		uintptr_t base = r[i].base & ~(PG_SIZE - 1);
		uintptr_t end = (r[i].base + r[i].size + PG_SIZE - 1) & ~(PG_SIZE - 1);
		if (end <= cursor)
			continue;
		if (base < cursor)
			base = cursor;
		if (base > cursor)
			map_range(cursor, cursor, base - cursor, FLAGS_MMIO);
		map_range(base, base, end - base, FLAGS_RAM);
		map_range(HEAP_REGION_BASE + base, base, end - base, FLAGS_HEAP);
		cursor = end;
	}

	/* The image in 4 KiB pages, so that the barrier can track .data and
	 * .bss page by page (arch_dirty_track). */
	for (uintptr_t va = (uintptr_t)_start_image & ~(PG_SIZE - 1); va < (uintptr_t)_end; va += PG_SIZE)
		split_to_page(va, early_alloc);

	uint64_t mode = levels == 3 ? SATP_MODE_SV39 : SATP_MODE_SV48;
	kernel_satp = mode | ((uintptr_t)root >> PG_SHIFT);
	enable_here();
	/* An unsupported mode leaves satp unchanged (WARL). */
	if ((csr_read(satp) & SATP_MODE_MASK) != mode)
		throw("riscv mmu: the hart lacks %s, needed for memory up to %#lx",
		      levels == 3 ? "Sv39" : "Sv48", (unsigned long)need);
}

void arch_mmu_enable_secondary(void)
{
	enable_here();
}

/* Ordering: the leaf is published with a release store, then sfence.vma
 * makes it visible to this hart's walker. Other harts may still hold a
 * cached invalid entry; their fault path recovers (see top of file). */
int arch_map_page(uintptr_t va, uintptr_t pa)
{
	va &= ~(PG_SIZE - 1);
	if (!va_in_range(va))
		return -1;
	int ret = 0;
	bool superpage;
	spin_lock(&mmu_lock);
	pte_t *slot = walk_create(va, 0, pt_alloc_page, &superpage);
	if (slot == NULL) {
		spin_unlock(&mmu_lock);
		if (superpage)
			return -1;
		throw("arch_map_page: out of memory for page tables");
	}
	if (__atomic_load_n(slot, __ATOMIC_RELAXED) & PTE_V)
		ret = -1;
	else
		/* release: pairs with the acquire loads in walk(). */
		__atomic_store_n(slot, make_pte(pa, FLAGS_STACK | (dirty_on ? PTE_TRACKED : 0)),
		                 __ATOMIC_RELEASE);
	spin_unlock(&mmu_lock);
	if (ret == 0)
		sfence_vma_addr(va);
	return ret;
}

/* Flush [va, va+size) on every other hart on the kernel tables (size -1:
 * everything). The caller has interrupts masked so "this CPU" cannot
 * change under it. */
static uint64_t other_cpus(void)
{
	int self = cpu_from_hwid(arch_boot_hwid());
	/* seq_cst: ordered after the PTE clear (see enable_here). */
	return __atomic_load_n(&mmu_cpus, __ATOMIC_SEQ_CST) & ~(1UL << self);
}

/* The SBI remote fence of [va, va+size) on the CPUs of todo: the firmware
 * returns once every hart has done it. */
void riscv_remote_sfence(uint64_t todo, uintptr_t va, unsigned long size)
{
	/* One SBI call per group of 64 consecutive hart ids (normally one). */
	for (int first = 0; first < MAXCPU; first++) {
		if (!(todo & (1UL << first)))
			continue;
		unsigned long base = bootinfo.cpu_hwid[first] & ~63UL, mask = 0;
		for (int c = first; c < MAXCPU; c++) {
			if (!(todo & (1UL << c)) || (bootinfo.cpu_hwid[c] & ~63UL) != base)
				continue;
			mask |= 1UL << (bootinfo.cpu_hwid[c] - base);
			todo &= ~(1UL << c);
		}
		sbi_remote_sfence_vma(mask, base, va, size);
	}
}

static void remote_flush(uintptr_t va, unsigned long size)
{
	riscv_remote_sfence(other_cpus(), va, size);
}

/* Ordering: returns after every hart's TLB has dropped va (SBI remote
 * fences complete before the call returns). */
uintptr_t arch_unmap_page(uintptr_t va)
{
	va &= ~(PG_SIZE - 1);
	int level = -1;
	pte_t *slot = NULL, old = 0;
	spin_lock(&mmu_lock);
	if (walk(va, &level, &slot) != 0 && level == 0)
		/* seq_cst: the clear precedes the read of mmu_cpus. */
		old = __atomic_exchange_n(slot, 0, __ATOMIC_SEQ_CST);
	spin_unlock(&mmu_lock);
	if (old == 0)
		return 0;
	unsigned long flags = arch_irq_save();
	sfence_vma_addr(va);
	remote_flush(va, PG_SIZE);
	arch_irq_restore(flags);
	return (uintptr_t)pte_table(old);
}

int arch_unmap_pages(uintptr_t va, int n, uintptr_t pa[])
{
	va &= ~(PG_SIZE - 1);
	int got = 0;
	spin_lock(&mmu_lock);
	for (int i = 0; i < n; i++) {
		int level = -1;
		pte_t *slot = NULL, old = 0;
		if (walk(va + (uintptr_t)i * PG_SIZE, &level, &slot) != 0 && level == 0)
			/* seq_cst: the clear precedes the read of mmu_cpus. */
			old = __atomic_exchange_n(slot, 0, __ATOMIC_SEQ_CST);
		pa[i] = old ? (uintptr_t)pte_table(old) : 0;
		got += old != 0;
	}
	spin_unlock(&mmu_lock);
	if (got == 0)
		return 0;
	unsigned long flags = arch_irq_save();
	for (int i = 0; i < n; i++)
		if (pa[i])
			sfence_vma_addr(va + (uintptr_t)i * PG_SIZE);
	remote_flush(va, (unsigned long)n * PG_SIZE);
	arch_irq_restore(flags);
	return got;
}

uintptr_t arch_translate(uintptr_t va)
{
	int level;
	pte_t e = walk(va, &level, NULL);
	if (e == 0)
		return 0;
	return (uintptr_t)pte_table(e) + (va & (LEVEL_SIZE(level) - 1));
}

bool riscv_mmu_spurious_fault(uintptr_t va, int access)
{
	int level;
	pte_t e = walk(va, &level, NULL);
	if (e == 0 || (e & PTE_U) || !(e & PTE_A))
		return false;
	pte_t need = access == ACCESS_FETCH ? PTE_X :
	             access == ACCESS_LOAD ? PTE_R : (PTE_W | PTE_D);
	if ((e & need) != need)
		return false;
	sfence_vma_addr(va);
	return true;
}

/* ---- dirty tracking: the GC's page-dirty barrier (arch.h) -------------
 *
 * A tracked page is a level-0 leaf with PTE_TRACKED. Hardware mode: the
 * hart sets D on the first store through a translation with D = 0 (QEMU
 * does; the Svadu behaviour), so clean = D clear, dirty = D set. Fault
 * mode: clean = W and D clear; the store faults, riscv_dirty_fault sets
 * W | D. Either way "dirty" is one bit of the leaf (dirty_bit) and a clean
 * is one atomic AND, which cannot lose a concurrent hardware update (the
 * hart's A/D update is itself an atomic read-modify-write of the PTE).
 * A hart that traps on D = 0 even in hardware mode (Svade) lands in
 * riscv_dirty_fault too and is served the same way: correct, only slower.
 */

static uint64_t probe_page[PT_ENTRIES]
	__attribute__((aligned(4096), section(".bss.noscan.probe")));
static bool probe_trapped;            /* boot CPU only, during the probe */

/* The level-0 table that holds va's leaf, or NULL. Lock-free. */
static pte_t *leaf_table(uintptr_t va)
{
	pte_t *t = root;
	if (t == NULL || !va_in_range(va))
		return NULL;
	for (int l = levels - 1; l > 0; l--) {
		/* acquire: pairs with the release that published the table. */
		pte_t e = __atomic_load_n(&t[vpn(va, l)], __ATOMIC_ACQUIRE);
		if (!(e & PTE_V) || pte_is_leaf(e))
			return NULL;
		t = pte_table(e);
	}
	return t;
}

static void untrack_page(uintptr_t va)
{
	pte_t *t = leaf_table(va);
	if (t == NULL)
		return;
	pte_t *slot = &t[vpn(va, 0)];
	pte_t e = __atomic_load_n(slot, __ATOMIC_RELAXED);
	/* One CAS: tracked and clean must never become untracked and clean
	 * (a store would then fault with nobody to serve it). Relaxed: the
	 * sfence.vma orders it before this hart's later walks; other harts
	 * recover through the spurious-fault path. */
	while ((e & PTE_V) && (e & PTE_TRACKED) &&
	       !arch_cas(slot, &e, (e & ~PTE_TRACKED) | PTE_W | PTE_D | PTE_A,
	                 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	sfence_vma_addr(va);
}

bool riscv_dirty_fault(uintptr_t va)
{
	pte_t *t = leaf_table(va);
	if (t == NULL)
		return false;
	pte_t *slot = &t[vpn(va, 0)];
	pte_t e = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if ((e & (PTE_V | PTE_R | PTE_TRACKED)) != (PTE_V | PTE_R | PTE_TRACKED))
		return false;
	if (!(e & PTE_W))
		gc_barrier_prefault(va);        /* before the page is writable */
	/* Relaxed: the local sfence.vma below orders the new leaf before this
	 * hart's retry of the store; a collect that cleans the page again
	 * afterwards reports it (it reads the bit with its own RMW). */
	pte_t old = __atomic_fetch_or(slot, PTE_W | PTE_D | PTE_A, __ATOMIC_RELAXED);
	sfence_vma_addr(va);
	if ((va & ~(PG_SIZE - 1)) == (uintptr_t)probe_page)
		probe_trapped = true;
	else if ((old & (PTE_W | PTE_D)) != (PTE_W | PTE_D))
		gc_barrier_fault(va);
	return true;
}

bool arch_dirty_hw_capable(void)
{
	uintptr_t va = (uintptr_t)probe_page;
	pte_t *t = leaf_table(va);
	if (t == NULL)
		return false;
	pte_t *slot = &t[vpn(va, 0)];
	pte_t saved = __atomic_load_n(slot, __ATOMIC_RELAXED);
	__atomic_store_n(slot, (saved & ~PTE_D) | PTE_TRACKED, __ATOMIC_RELAXED);
	sfence_vma_addr(va);
	probe_trapped = false;
	__atomic_store_n(&probe_page[0], 1, __ATOMIC_RELAXED);
	sfence_vma_addr(va);            /* orders the hart's D update before the load */
	pte_t now = __atomic_load_n(slot, __ATOMIC_RELAXED);
	__atomic_store_n(slot, saved, __ATOMIC_RELAXED);
	sfence_vma_addr(va);
	return (now & PTE_D) && !probe_trapped;
}

void arch_dirty_init(bool hw)
{
	dirty_bit = hw ? PTE_D : PTE_W;
	clean_mask = hw ? PTE_D : (PTE_W | PTE_D);
	dirty_on = true;
}

void arch_dirty_track(uintptr_t base, size_t size)
{
	uintptr_t end = base + size;
	spin_lock(&mmu_lock);
	for (uintptr_t va = base; va < end; va += PG_SIZE) {
		pte_t *slot = split_to_page(va, pt_alloc_page);
		if (slot == NULL)
			throw("arch_dirty_track: %#lx is not mapped", (unsigned long)va);
		__atomic_fetch_or(slot, PTE_TRACKED | PTE_W | PTE_D, __ATOMIC_RELAXED);
	}
	/* The new level-0 tables are heap pages too, but written only through
	 * the identity map, which is never tracked (arch.h). */
	spin_unlock(&mmu_lock);
	sfence_vma_all();
}

void arch_dirty_untrack(uintptr_t base, size_t size)
{
	for (uintptr_t va = base & ~(PG_SIZE - 1); va < base + size; va += PG_SIZE)
		untrack_page(va);
}

/* One leaf: clear mask, then OR set, unless it is untracked or clean
 * already (a later store marks it). Returns whether it was dirty.
 * Relaxed: arch_dirty_flush's fence orders the RMWs before the shootdown.
 * The OR comes second: a page the fault path makes dirty in between stays
 * dirty (reported by the next collect). */
static inline bool clean_leaf(pte_t *slot, pte_t mask, pte_t set)
{
	pte_t e = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if ((e & (PTE_V | PTE_TRACKED)) != (PTE_V | PTE_TRACKED) ||
	    (e & (mask | set)) == set)
		return false;
	pte_t old = __atomic_fetch_and(slot, ~mask, __ATOMIC_RELAXED);
	if (set & ~old)
		__atomic_fetch_or(slot, set, __ATOMIC_RELAXED);
	return (old & dirty_bit) != 0;
}

/* Clean the tracked leaves: clear the bits in mask and set those in set
 * (hardware mode's clean gives W back to a page arch_dirty_protect left
 * write-protected; protect clears W and D). */
static void dirty_clean(uintptr_t base, size_t npages, uint64_t *bits, pte_t mask, pte_t set)
{
	size_t i = 0;
	while (i < npages) {
		uintptr_t va = base + i * PG_SIZE;
		size_t first = vpn(va, 0), n = PT_ENTRIES - first;
		if (n > npages - i)
			n = npages - i;
		pte_t *t = leaf_table(va);
		for (size_t k = 0; t != NULL && k < n; k++)
			if (clean_leaf(&t[first + k], mask, set) && bits != NULL)
				bits[(i + k) / 64] |= 1UL << ((i + k) % 64);
		i += n;
	}
}

/* The 64 pages from base whose bit is set in mask, as dirty_clean (no
 * bitmap). The leaf table is looked up again only when the page is in
 * another 2 MiB than the last one (base need not be 256 KiB aligned, so a
 * word's pages may lie in two tables). Zero bits are skipped by a shift,
 * runs of zeros by one ctz. */
static void dirty_clean_mask(uintptr_t base, uint64_t m, pte_t mask, pte_t set)
{
	pte_t *t = NULL;
	uintptr_t tkey = UINTPTR_MAX;   /* the 2 MiB of t: none yet */
	for (size_t i = 0; m != 0; i++, m >>= 1) {
		if (!(m & 1)) {
			size_t z = (size_t)__builtin_ctzll(m);
			i += z;
			m >>= z;
		}
		uintptr_t va = base + i * PG_SIZE;
		uintptr_t key = va >> 21;
		if (key != tkey) {
			t = leaf_table(va);
			tkey = key;
		}
		if (t != NULL)
			clean_leaf(&t[vpn(va, 0)], mask, set);
	}
}

void arch_dirty_collect(uintptr_t base, size_t npages, uint64_t *bits)
{
	dirty_clean(base, npages, bits, clean_mask, clean_mask == PTE_D ? PTE_W : 0);
}

/* Hardware mode: W cleared too, so the next store faults (a hart that
 * set D itself cannot do so without W) and riscv_dirty_fault sets W and
 * D again, which is hardware mode's dirty state. */
bool arch_dirty_protect(uintptr_t base, size_t npages, uint64_t *bits)
{
	dirty_clean(base, npages, bits, PTE_W | PTE_D, 0);
	return true;
}

void arch_dirty_clean_mask(uintptr_t base, uint64_t m, bool protect)
{
	if (protect)
		dirty_clean_mask(base, m, PTE_W | PTE_D, 0);
	else
		dirty_clean_mask(base, m, clean_mask, clean_mask == PTE_D ? PTE_W : 0);
}

void arch_dirty_flush(void)
{
	unsigned long flags = arch_irq_save();
	/* Full fence: every leaf cleaned before is visible to all walkers
	 * before any hart is told to drop its TLB. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	sfence_vma_all();
	/* By IPI, not SBI's remote fence: see tlb.c. */
	riscv_tlb_shootdown(other_cpus());
	/* Every hart acknowledged its fence (tlb.c); their earlier stores
	 * are ordered before our later loads. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	arch_irq_restore(flags);
}
