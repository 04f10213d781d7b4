/*
 * meminit.c - building the page heap from the device tree at boot.
 *
 * Every /memory range, minus the image, the device tree blob, every
 * reserved range (firmware such as OpenSBI lives there) and the addresses
 * below HEAP_FLOOR, each trimmed to
 * whole runtime pages, goes to mheap_add_range. Arena numbers count from the
 * lowest RAM address. Also builds the size-class tables and sets the
 * goroutine stack reservation from the stacksize flag.
 */
#include "kernel/mm/mheap.h"
#include "kernel/mm/malloc.h"
#include "kernel/mm/sizeclasses.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/mm/stack.h"
#include "boot/boot.h"

/* The page heap never hands out addresses below HEAP_FLOOR. The collector
 * is conservative: any word whose value lies in a heap object keeps it
 * alive, and small integers (sizes, counts, lengths: 20000, 233 KiB,
 * 32 MiB) are everywhere on stacks and in objects. Where RAM starts at 0
 * (raspi3b) they would pin heap objects - gc_reclaim kept 2 MiB of a
 * dropped list alive through one such word. Go's heap avoids the same
 * trouble by placing its arenas at addresses like 0xc000000000 that few
 * integers equal. RAM below the floor is left unused (64 MiB of the Pi
 * 3's 960); boards whose RAM starts higher (virt: 1 GiB) lose nothing. */
#define HEAP_FLOOR (64ull << 20)

/* Add [lo, hi) minus every excluded range, recursively splitting. */
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
	mheap_add_range((uintptr_t)lo, (uintptr_t)hi);
}

void mheap_init(const struct bootinfo *bi)
{
	sizeclasses_init();
	mcentral_init();
	stack_init((size_t)rtflags.stacksize);
	struct mem_range ex[BI_MAX_RESERVED + 3];
	int nex = 0;
	ex[nex++] = (struct mem_range){ 0, HEAP_FLOOR };
	ex[nex++] = (struct mem_range){ (uintptr_t)_start_image,
	                                (uintptr_t)_end - (uintptr_t)_start_image };
	ex[nex++] = (struct mem_range){ (uintptr_t)bi->dtb, bi->dtb_size };
	for (int i = 0; i < bi->nreserved; i++)
		ex[nex++] = bi->reserved[i];
	uint64_t base = UINT64_MAX;
	for (int i = 0; i < bi->nmem; i++)
		if (bi->mem[i].base < base)
			base = bi->mem[i].base;
	mheap_set_base((uintptr_t)base);
	for (int i = 0; i < bi->nmem; i++)
		add_range(bi->mem[i].base, bi->mem[i].base + bi->mem[i].size, ex, nex);
	struct heapstats st;
	mheap_stats(&st);
	if (st.free_pages == 0)
		throw("runtime: no usable memory in the device tree");
}
