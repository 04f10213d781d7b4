/*
 * mstats.c - memory statistics (Go's runtime.MemStats, ReadMemStats) and
 * their printout for the memstats=1 boot flag.
 *
 * Page figures come from mheap under its lock; object figures are sums of
 * the per-P mcache counters, read without stopping anyone, so a snapshot
 * taken while other Ps allocate is approximate (Go stops the world; we
 * do not, to keep ReadMemStats cheap). HeapAlloc is computed as objects allocated
 * minus freed, times their class size, plus live large-object bytes.
 */
#include <string.h>
#include "gort.h"
#include "kernel/mm/malloc.h"
#include "kernel/lib/print.h"
#include "kernel/gc/gc.h"

void mem_read_stats(struct MemStats *ms)
{
	struct heapstats hs;
	struct mcache_stats cs;
	mheap_stats(&hs);
	mcache_sum_stats(&cs);
	memset(ms, 0, sizeof *ms);
	ms->HeapSys = hs.sys_pages * PAGE_SIZE;
	ms->HeapIdle = hs.free_pages * PAGE_SIZE;
	ms->HeapInuse = hs.inuse_pages * PAGE_SIZE;
	ms->HeapCached = mcentral_cached_bytes();
	ms->StackInuse = hs.stack_pages * MMU_PAGE_SIZE;
	ms->StackSys = stack_sys_bytes();
	ms->OtherSys = hs.meta_pages * PAGE_SIZE + hs.manual_pages * PAGE_SIZE - ms->StackSys;
	uint64_t alloc = 0, total = 0;
	for (int c = 0; c < NUM_SIZE_CLASSES; c++) {
		ms->BySize[c].Size = class_to_size[c];
		ms->BySize[c].Mallocs = cs.nmalloc[c];
		ms->BySize[c].Frees = cs.nfree[c];
		ms->Mallocs += cs.nmalloc[c];
		ms->Frees += cs.nfree[c];
		if (c > 0) {
			alloc += (cs.nmalloc[c] - cs.nfree[c]) * class_to_size[c];
			total += cs.nmalloc[c] * class_to_size[c];
		}
	}
	/* A tiny object shares a block counted as one allocation; count it as
	 * allocated and freed at once, as Go does, so that HeapObjects counts
	 * the blocks. */
	ms->Mallocs += cs.tinyallocs;
	ms->Frees += cs.tinyallocs;
	ms->TinyAllocs = cs.tinyallocs;
	ms->HeapAlloc = alloc + cs.large_alloc_bytes - cs.large_free_bytes;
	ms->TotalAlloc = total + cs.large_alloc_bytes;
	ms->HeapObjects = ms->Mallocs - ms->Frees;
	gc_read_stats(ms);
}

void PrintMemStats(void)
{
	struct MemStats ms;
	mem_read_stats(&ms);
	printk("memstats: HeapSys=%llu HeapIdle=%llu HeapInuse=%llu HeapCached=%llu HeapAlloc=%llu\n",
	       (unsigned long long)ms.HeapSys, (unsigned long long)ms.HeapIdle,
	       (unsigned long long)ms.HeapInuse, (unsigned long long)ms.HeapCached,
	       (unsigned long long)ms.HeapAlloc);
	printk("memstats: StackInuse=%llu StackSys=%llu OtherSys=%llu TotalAlloc=%llu\n",
	       (unsigned long long)ms.StackInuse, (unsigned long long)ms.StackSys,
	       (unsigned long long)ms.OtherSys, (unsigned long long)ms.TotalAlloc);
	printk("memstats: Mallocs=%llu Frees=%llu HeapObjects=%llu TinyAllocs=%llu\n",
	       (unsigned long long)ms.Mallocs, (unsigned long long)ms.Frees,
	       (unsigned long long)ms.HeapObjects, (unsigned long long)ms.TinyAllocs);
	for (int c = 0; c < NUM_SIZE_CLASSES; c++)
		if (ms.BySize[c].Mallocs != 0)
			printk("memstats: class %2d size %5u mallocs %llu frees %llu\n", c,
			       ms.BySize[c].Size, (unsigned long long)ms.BySize[c].Mallocs,
			       (unsigned long long)ms.BySize[c].Frees);
}
