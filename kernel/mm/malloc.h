/*
 * malloc.h - the allocator's internal interface (mcentral, mcache, large
 * objects, statistics) shared by the files of kernel/mm.
 */
#ifndef KERNEL_MM_MALLOC_H
#define KERNEL_MM_MALLOC_H

#include "kernel/lib/stat.h"
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "kernel/mm/mspan.h"
#include "kernel/mm/mheap.h"

/* ---- allocation classes ------------------------------------------------- */
/* Which mcache slot and mcentral a span belongs to:
 *   0 .. NUM_SPAN_CLASSES-1          GC spans (mallocgc), by span class;
 *   NUM_SPAN_CLASSES + size class    malloc's spans (never collected,
 *                                    always scanned as roots).
 * Class 0 / NUM_SPAN_CLASSES hold large objects (one per span). */
#define NUM_ALLOC_CLASSES (NUM_SPAN_CLASSES + NUM_SIZE_CLASSES)
static inline int aclass_of(bool collect, int sizeclass, bool noscan)
{
	return collect ? make_spanclass(sizeclass, noscan) : NUM_SPAN_CLASSES + sizeclass;
}
static inline int span_aclass(const struct mspan *s)
{
	return aclass_of(s->collect, spanclass_sizeclass(s->spanclass), spanclass_noscan(s->spanclass));
}

/* ---- mcentral (mcentral.c): one per allocation class -------------------- */
void mcentral_init(void);               /* boot: the locks' ranks */
/* A swept span of allocation class ac with free objects for the mcache
 * of P pid, or NULL (out of memory), in exchange for old (that class's
 * span it held, or NULL; taken as for mcentral_uncacheSpan): old's
 * batch is counted and old filed under the same lock round as the new
 * span is taken. */
struct mspan *mcentral_exchange(struct mspan *old, uint32_t taken, int ac, int pid);
/* The mcache gives s back: count what it allocated (taken: objects from
 * its allocCaches, span_cache_taken), file it. */
void mcentral_uncacheSpan(struct mspan *s, uint32_t taken);
/* free() took s's count to 0 or to nelems-1: move or release it. ac:
 * s's allocation class, read before the decrement (after it, s may be
 * released and its struct reused). */
void mcentral_freeSlow(struct mspan *s, int ac);
/* File a new large-object span (in use, count 1) on its class's full list. */
void mcentral_addLarge(struct mspan *s);
/* Sweeping (kernel/gc/mgcsweep.c): take a span still to be swept this
 * cycle off GC class ac's lists (NULL if none), and file one swept. */
struct mspan *mcentral_popUnswept(int ac);
void mcentral_fileSwept(struct mspan *s);
/* The end of a concurrent mark (world stopped): release the large spans
 * freed while it ran (kept from mheap meanwhile: mcentral.c). */
void mcentral_release_deferred(void);
/* Bytes of spans held by mcaches (statistics). */
uint64_t mcentral_cached_bytes(void);

/* ---- mcache (mcache.c): one per P, no locks --------------------------- */
struct mcache_stats {
	uint64_t nmalloc[NUM_SIZE_CLASSES];  /* objects allocated, per class (0 = large) */
	uint64_t nfree[NUM_SIZE_CLASSES];    /* objects freed, per class */
	uint64_t large_alloc_bytes, large_free_bytes;
	uint64_t tinyallocs;                 /* tiny objects folded into a block */
};

/* Kinds of small object, as mcache.bysize indexes them. */
#define SIZE_KINDS 3
static inline int size_kind(bool collect, bool noscan)
{
	return collect ? 1 + noscan : 0;
}
/* Sizes 1 .. FAST_SIZE_MAX have mcache.bysize entries: as many as keep
 * the third row's offset within riscv64's 12-bit immediates (2048, below)
 * after the 32 bytes of the fields before the table and the arch's bit
 * table (72 bytes on riscv64, none elsewhere): 1008 (not 1016) on
 * aarch64, 968 on riscv64. Larger sizes take the complete path. */
#define MCACHE_HOT_BYTES 32
#define FAST_SIZE_MAX \
	((int)((2048 - MCACHE_HOT_BYTES - sizeof(struct arch_bit_table)) / (2 * SMALL_SIZE_DIV)) * SMALL_SIZE_DIV)

struct mcache {
	/* The fields of the hot paths first, so that their offsets fit
	 * riscv64's 12-bit immediates: the tiny allocator's two, free's
	 * two (24 bytes, 32 with the padding: MCACHE_HOT_BYTES), the arch's
	 * bit table, then the fast path's table, whose third row starts at
	 * 2048 at most (riscv64: 32 + 72 + 2 x 968 = 2040; aarch64:
	 * 32 + 2 x 1008 = 2048; mcache_span_for, mallocfast.h, adds the
	 * row's offset - 1 to size: 2047 fits). */
	uintptr_t tiny;                        /* current tiny block, or 0 */
	uint32_t tinyoffset;                   /* bytes used in it */
	/* The span malloc()'s fast path last allocated from, or emptymspan:
	 * free()'s fast path tries it before it looks the span up
	 * (mallocfast.h). Always one of this mcache's cached spans (uncache
	 * puts emptymspan back) or emptymspan, so it reads only its owner's
	 * fields. Owner only. */
	struct mspan *lastspan;
	/* The cachedby value (mspan.h) of the spans whose frees free()'s
	 * fast path may take (mallocfast.h): this P's id + 1; during a
	 * concurrent mark -1, which no span has, so that every free takes
	 * free_impl, which greys the object's contents for the snapshot.
	 * Written with the world stopped (mcache_init, mcache_mark_begin,
	 * mcache_flush_all), read by the owner. */
	int32_t freekey;
	/* The index of an allocCache bit (mallocfast.h): on riscv64 the de
	 * Bruijn multiplier and table, here so that the fast path reaches
	 * them from the mcache pointer it holds (arch.h: arch_bit_index_in);
	 * empty on the other arches. Constant (ARCH_BIT_TABLE_INIT). */
	struct arch_bit_table bits;
	/* alloc[] of the size's class by kind and size:
	 * bysize[size_kind()][(size - 1) / 8], so that the fast path
	 * (mallocfast.h) finds its span with one load. Owner only; written
	 * with alloc[] (mcache.c: mcache_setspan). */
	struct mspan *bysize[SIZE_KINDS][FAST_SIZE_MAX / SMALL_SIZE_DIV];
	struct mspan *alloc[NUM_ALLOC_CLASSES]; /* current span per class; owner
	                                           P writes, statistics read */
	struct mcache_stats st;                /* owner writes, anyone reads (relaxed) */
	uint64_t *cached;                      /* its row of mcache.c's cached[]
	                                          (mcache_init; mcache_none: none) */
	int32_t pid;                           /* P id, MAXCPU for mcache0 (mcache_init) */
};
_Static_assert(offsetof(struct mcache, bits) + sizeof(struct arch_bit_table) <= 2048,
               "mcache: the bit table within riscv64's load offsets");
_Static_assert(offsetof(struct mcache, bysize[SIZE_KINDS - 1]) <= 2048,
               "mcache: the last bysize row's offset - 1 within riscv64's add immediate");

extern struct mspan emptymspan;               /* "no span": next_free says -1 */

/* collect: a GC object (mallocgc) or a malloc object. */
void *mallocgc_impl(size_t size, bool noscan, bool collect);
void free_impl(void *p, const char *who);
_Noreturn void free_double(const char *who, void *p);  /* "who: double free of p" */
/* Boot, after sizeclasses_init: mallocfast.h's lookup table, and each
 * P's mcache pointer. */
void mcache_init(void);
/* Give every P's cached spans back to mcentral and drop the tiny blocks
 * (GC mark termination, world stopped). */
void mcache_flush_all(void);
/* A concurrent mark starts (world stopped, gc_marking just set): the free
 * objects of every running P's allocCache words of GC classes are marked,
 * and every word loaded until the mark ends is marked as it is loaded, so
 * that the fast path allocates black without knowing it (mcache.c,
 * "Allocate black"). */
void mcache_mark_begin(void);
/* The concurrent mark is over (world stopped, gc_marking just cleared,
 * before the bytes allocated black are totalled): the marks of the
 * objects still free in the mcaches' words are taken back. */
void mcache_mark_end(void);
/* debug=1: check that every cached span is consistent (fatal if not). */
void mcache_verify_all(void);
/* Objects freed by the sweeper (any CPU): counted in the statistics. */
void mcache_count_swept(int sizeclass, uint64_t nobj, uint64_t bytes);
/* Fill freed memory with the poison pattern (gcpoison=1). */
void poison_fill(void *p, size_t n);
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

#endif
