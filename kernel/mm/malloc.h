/*
 * malloc.h - the allocator's internal interface (mcentral, mcache, large
 * objects, statistics) shared by the files of kernel/mm.
 */
#ifndef KERNEL_MM_MALLOC_H
#define KERNEL_MM_MALLOC_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "kernel/mm/mspan.h"
#include "kernel/mm/mheap.h"

/* ---- mcentral (mcentral.c): one per span class ---------------------------- */
/* A span with free objects for the mcache of P pid, or NULL (out of memory). */
struct mspan *mcentral_cacheSpan(spanclass_t sc, int pid);
/* The mcache gives s back: count what it allocated, file it. */
void mcentral_uncacheSpan(struct mspan *s);
/* free() took s's count to 0 or to nelems-1: move or release it. */
void mcentral_freeSlow(struct mspan *s, spanclass_t sc);
/* Bytes of spans held by mcaches (statistics). */
uint64_t mcentral_cached_bytes(void);

/* ---- mcache (mcache.c): one per P, no locks --------------------------- */
struct mcache_stats {
	uint64_t nmalloc[NUM_SIZE_CLASSES];  /* objects allocated, per class (0 = large) */
	uint64_t nfree[NUM_SIZE_CLASSES];    /* objects freed, per class */
	uint64_t large_alloc_bytes, large_free_bytes;
	uint64_t tinyallocs;                 /* tiny objects folded into a block */
};

struct mcache {
	struct mspan *alloc[NUM_SPAN_CLASSES]; /* current span per class; owner P */
	uintptr_t tiny;                        /* current tiny block, or 0 */
	uintptr_t tinyoffset;                  /* bytes used in it */
	struct mcache_stats st;                /* owner writes, anyone reads (relaxed) */
};

extern struct mspan emptymspan;               /* "no span": next_free says -1 */

void *mallocgc_impl(size_t size, bool noscan);
void free_impl(void *p, const char *who);
/* The object containing p: its span and start, or NULL if p is not a live
 * heap object start. */
struct mspan *object_span(void *p, const char *who);
/* Statistics summed over every mcache. */
void mcache_sum_stats(struct mcache_stats *out);
_Noreturn void mallocgc_oom(size_t size);

/* mstats.c / stack.c */
struct MemStats;
void mem_read_stats(struct MemStats *ms);
uint64_t stack_sys_bytes(void);             /* heap pages held by the stack pool */

static inline void stat_add(uint64_t *p, uint64_t d)
{
	/* relaxed load/store: one writer (the owner); readers sum racily. */
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

#endif
