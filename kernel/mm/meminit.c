/*
 * meminit.c - building the page heap from the device tree at boot.
 *
 * Every /memory range, minus the image, the device tree blob and every
 * reserved range (firmware such as OpenSBI lives there), each trimmed to
 * whole runtime pages, goes to mheap_add_range at its heap-window address
 * (physical + HEAP_REGION_BASE, arch.h; arch_mmu_init mapped it there),
 * the largest piece first: it holds the page maps of all arenas.
 * Arena numbers count from the lowest RAM address. Also builds the
 * size-class tables and sets the goroutine stack reservation from the
 * stacksize flag.
 */
#include "kernel/mm/mheap.h"
#include "kernel/mm/heapwindow.h"
#include "kernel/mm/malloc.h"
#include "kernel/mm/sizeclasses.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/mm/stack.h"
#include "boot/boot.h"

/* The usable pieces of RAM, found before any goes to the heap, so that the
 * largest goes first: it holds every arena's page map (mheap_set_top).
 * Each memory range splits into at most one piece more than there are
 * excluded ranges. */
#define MAX_PIECES (BI_MAX_MEM * (BI_MAX_RESERVED + 3))
static struct mem_range pieces[MAX_PIECES];
static int npieces;

/* Note the physical range [lo, hi) minus every excluded range, recursively
 * splitting. */
static void add_range(uint64_t lo, uint64_t hi, const struct mem_range *ex, int nex)
{
	for (int i = 0; i < nex; i++) {
		uint64_t elo = ex[i].base, ehi = ex[i].base + ex[i].size;
		if (ehi <= lo || elo >= hi)
			continue;
		if (elo > lo)
			add_range(lo, elo, ex + i + 1, nex - i - 1);
		if (ehi < hi)
			add_range(ehi, hi, ex + i + 1, nex - i - 1);
		return;
	}
	if (npieces < MAX_PIECES)
		pieces[npieces++] = (struct mem_range){ lo, hi - lo };
}

static void add_piece(const struct mem_range *r)
{
	mheap_add_range((uintptr_t)heap_va(r->base), (uintptr_t)heap_va(r->base + r->size));
}

/* Give the pieces to the heap at their window addresses, largest first. */
static void add_pieces(void)
{
	if (npieces == 0)
		return;
	int big = 0;
	for (int i = 1; i < npieces; i++)
		if (pieces[i].size > pieces[big].size)
			big = i;
	add_piece(&pieces[big]);
	for (int i = 0; i < npieces; i++)
		if (i != big)
			add_piece(&pieces[i]);
}

void mheap_init(const struct bootinfo *bi)
{
	sizeclasses_init();
	mcentral_init();
	mcache_init();
	stack_init((size_t)rtflags.stacksize);
	struct mem_range ex[BI_MAX_RESERVED + 2];
	int nex = 0;
	ex[nex++] = (struct mem_range){ (uintptr_t)_start_image,
	                                (uintptr_t)_end - (uintptr_t)_start_image };
	ex[nex++] = (struct mem_range){ (uintptr_t)bi->dtb, bi->dtb_size };
	for (int i = 0; i < bi->nreserved; i++)
		ex[nex++] = bi->reserved[i];
	uint64_t base = UINT64_MAX, top = 0;
	for (int i = 0; i < bi->nmem; i++) {
		if (bi->mem[i].base < base)
			base = bi->mem[i].base;
		if (bi->mem[i].base + bi->mem[i].size > top)
			top = bi->mem[i].base + bi->mem[i].size;
	}
	mheap_set_base((uintptr_t)heap_va(base));
	mheap_set_top((uintptr_t)heap_va(top));
	for (int i = 0; i < bi->nmem; i++)
		add_range(bi->mem[i].base, bi->mem[i].base + bi->mem[i].size, ex, nex);
	add_pieces();
	struct heapstats st;
	mheap_stats(&st);
	if (st.free_pages == 0)
		throw("runtime: no usable memory in the device tree");
}
