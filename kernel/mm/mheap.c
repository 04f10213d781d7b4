/*
 * mheap.c - the page heap (Go's mheap and heapArena, bare-metal cut).
 *
 * Objects:
 *   arena  - 64 MiB of the heap window (arch.h: RAM at HEAP_REGION_BASE
 *            + its physical address), numbered from mheap_map.base (the heap
 *            address of the lowest RAM address, rounded down to 64 MiB). Its metadata,
 *            struct heapArena, maps each of its 8192 runtime pages to the
 *            span that holds it, so spanOf(p) is two loads. Arenas that hold
 *            no RAM have no metadata (NULL in mheap_map.arenas), except that
 *            at boot (mheap_set_top) the first range gets the maps of
 *            every arena up to the end of RAM in one block, holes
 *            included: the maps then form one flat array, which the
 *            collector indexes with one load (kernel/gc/mgcmark.c).
 *   span   - a run of pages (struct mspan, mspan.h): free, in use (heap
 *            objects) or manual (stacks, raw pages).
 *
 * Why 64 MiB: it is Go's figure on 64-bit, its metadata (64 KiB of span
 * pointers) is 0.1% of it, and the arena table for the whole heap window
 * (64 GiB) is 1024 pointers, 8 KiB of .bss. A 128 MiB
 * machine has 2 arenas and spends 128 KiB on them; an 8 GiB one has 128
 * and spends 8 MiB. Smaller arenas would shrink nothing that matters,
 * larger ones would waste metadata on the partly populated ones.
 *
 * Free pages: free spans of n < 128 pages sit on free[n], with a bitmask of
 * the non-empty lists so the smallest fitting one is one count-trailing-
 * zeros away; larger ones sit on one list searched best-fit (there are few:
 * each is at least 1 MiB). A free span records itself in the span map at
 * its first and last page only, which is all coalescing needs: freeing
 * [p, q) looks up page p-1 and page q, and merges with either neighbour
 * that is a free span ending or starting exactly there. (Go's page
 * allocator uses a radix tree of bitmap summaries instead, to scale to a
 * huge sparse address space; ours is a few GiB of dense RAM.)
 *
 * Metadata memory (arena maps, span structs, span bitmaps, page tables)
 * comes from the heap itself, page by page, under the lock, and is never
 * returned; the span structs and bitmaps are recycled through free lists.
 *
 * Invariants (heap.lock): free spans never touch (touching ones are
 * merged); free_pages is the sum of free span sizes; every page of an in-use
 * or manual span maps to it.
 *
 * Bare-metal difference: Go reserves address space and maps arenas lazily
 * from the OS; here all RAM is mapped into the heap window at boot
 * (arch_mmu_init) and the heap hands out its pages directly, so there is
 * no "scavenging" either. Like Go's arenas at 0xc000000000, the window
 * keeps heap addresses away from the small integers a conservative scan
 * would otherwise mistake for pointers. Page-table pages are the one
 * exception: pt_alloc_page hands them out by physical address.
 */
#include <string.h>
#include <stddef.h>
#include "kernel/mm/mheap.h"
#include "kernel/mm/heapwindow.h"
#include "kernel/mm/mspan.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"
#include "kernel/lib/asan.h"

_Static_assert((uint64_t)MAX_ARENAS * ARENA_SIZE == HEAP_REGION_SIZE,
               "the arena table covers the heap window");

#define NFREE 128               /* free[n] for n < NFREE pages */
#define NBITORDERS 5            /* bitmaps of 1, 2, 4, 8, 16 words (x2) */
/* An arena's page map, in whole pages */
#define ARENA_META ((sizeof(struct heapArena) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* In .bss.noscan: nothing here points into the GC heap (span structs and
 * bitmaps live in metadata pages the collector never frees), and
 * freemask's bits look like heap addresses. Scanned conservatively, such a
 * word that changes during a concurrent mark is a root the snapshot never
 * had: gccheckmark=1 reported an unmarked object "reachable from the bss
 * segment" at heap.freemask (hosted, gcconc=1, -smp 2). */
static struct {
	spinlock_t lock;
	uintptr_t top;                         /* end of RAM, if known; set
	                                          once before any range */
	size_t narenas;                        /* one past the highest arena set;
	                                          written under lock, read racily */
	struct mspanlist free[NFREE];          /* lock */
	struct mspanlist large;                /* lock */
	uint64_t freemask[NFREE / 64];         /* lock */
	struct mspan *spanfree;                /* dead structs; lock */
	uint64_t *bitsfree[NBITORDERS];        /* lock */
	uint64_t sys_pages, free_pages, inuse_pages, manual_pages, meta_pages, nfree;
	uint64_t stack_mmu_pages;              /* atomic */
	uint8_t *pt_cache;                     /* other half of a page-table page */
} heap __attribute__((section(".bss.noscan.mm")));

static void heap_lock(void)
{
	stack_nofault_enter();
	spin_lock(&heap.lock);
}

static void heap_unlock(void)
{
	spin_unlock(&heap.lock);
	stack_nofault_exit();
}

/* ---- span map --------------------------------------------------------- */

struct spanmap mheap_map;               /* mheap.h */

void mheap_spanmap(uintptr_t *base, struct heapArena *const **arenas)
{
	*base = mheap_map.base;
	*arenas = mheap_map.arenas;
}

static void setspan(uintptr_t p, struct mspan *s)
{
	struct mspan **slot = spanmap_slot(p);
	ASSERT(slot != NULL);
	/* relaxed: readers are free() of objects in s, which got them after
	 * the span was handed out through a lock (release/acquire there). */
	__atomic_store_n(slot, s, __ATOMIC_RELAXED);
}

static void setspan_all(struct mspan *s)
{
	for (uintptr_t i = 0; i < s->npages; i++)
		setspan(s->startAddr + i * PAGE_SIZE, s);
}

size_t mheap_narenas(void)
{
	/* acquire; pairs with the release in the range's set-up */
	return __atomic_load_n(&heap.narenas, __ATOMIC_ACQUIRE);
}

void mheap_arena_spans(size_t ai, void (*fn)(struct mspan *s, void *arg), void *arg)
{
	struct heapArena *a = __atomic_load_n(&mheap_map.arenas[ai], __ATOMIC_ACQUIRE);
	if (a == NULL)
		return;
	uintptr_t base = mheap_map.base + ai * ARENA_SIZE;
	for (uintptr_t i = 0; i < PAGES_PER_ARENA; ) {
		/* relaxed: setspan's stores, made while the walk runs */
		struct mspan *s = __atomic_load_n(&a->spans[i], __ATOMIC_RELAXED);
		/* a free span's inner pages may name stale structs: only a span
		 * in use that starts exactly here is one. acquire: pairs with
		 * span_publish (a concurrent mark walks while spans are made).
		 *
		 * A stale entry's struct may be re-initialised meanwhile for
		 * another span (struct_get, mheap_alloc_span, coalescing). That
		 * is safe, not a benign race: its state changes only by atomic
		 * stores (span_setstate), and to mSpanInUse only by
		 * span_publish, after every field is set; struct_get's memset
		 * leaves the state alone. So the load below sees either a
		 * state other than mSpanInUse (skipped, no other field read)
		 * or a published span whose fields happen before it. Those
		 * fields do not change while a mark runs: no span in use goes
		 * back to the heap then (mcentral.c, file_unlock); so the
		 * startAddr test then tells the span at this page from a
		 * struct now describing another one. */
		if (s != NULL && __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == mSpanInUse &&
		    s->startAddr == base + i * PAGE_SIZE) {
			fn(s, arg);
			i += s->npages;
		} else {
			i++;
		}
	}
}

void mheap_bounds(uintptr_t *lo, uintptr_t *hi)
{
	*lo = mheap_map.base;
	*hi = mheap_map.base + mheap_narenas() * ARENA_SIZE;
}

/* ---- free lists --------------------------------------------------------- */

static void free_insert(struct mspan *s)
{
	span_setstate(s, mSpanFree);
	if (s->npages < NFREE) {
		spanlist_insert(&heap.free[s->npages], s);
		heap.freemask[s->npages / 64] |= 1ULL << (s->npages % 64);
	} else {
		spanlist_insert(&heap.large, s);
	}
	setspan(s->startAddr, s);
	setspan(s->startAddr + (s->npages - 1) * PAGE_SIZE, s);
	heap.free_pages += s->npages;
	heap.nfree++;
}

static void free_remove(struct mspan *s)
{
	spanlist_remove(s->npages < NFREE ? &heap.free[s->npages] : &heap.large, s);
	if (s->npages < NFREE && spanlist_empty(&heap.free[s->npages]))
		heap.freemask[s->npages / 64] &= ~(1ULL << (s->npages % 64));
	heap.free_pages -= s->npages;
	heap.nfree--;
}

/* The smallest free span of at least n pages, or NULL. */
static struct mspan *free_find(uintptr_t n)
{
	for (uintptr_t i = n; i < NFREE; ) {
		uint64_t m = heap.freemask[i / 64] & (~0ULL << (i % 64));
		if (m != 0)
			return heap.free[(i & ~63UL) + ctz64(m)].first;
		i = (i & ~63UL) + 64;
	}
	struct mspan *best = NULL;
	for (struct mspan *s = heap.large.first; s; s = s->next)
		if (s->npages >= n && (best == NULL || s->npages < best->npages ||
		    (s->npages == best->npages && s->startAddr < best->startAddr)))
			best = s;
	return best;
}

/* ---- metadata memory ---------------------------------------------------- */

/* Debug builds: the list field of a struct on heap.spanfree, which no
 * span list has (a struct put twice, or put while a list still holds it,
 * is caught by struct_put; one handed out while still on a list by
 * spanlist_insert's check, mspan.c). */
#define SPANFREE_MARK ((struct mspanlist *)0x5bf5bf5bf5bf0UL)

/* Fill all of s but its state with byte b. The state stays as it is: a
 * concurrent mark may be loading it through a stale span-map entry
 * (mheap_arena_spans), and it changes only by atomic stores. */
static void struct_fill(struct mspan *s, int b)
{
	size_t st = offsetof(struct mspan, state);
	memset(s, b, st);
	memset((char *)s + st + 1, b, sizeof *s - st - 1);
}

/* Zero all of s but its state (as struct_fill(s, 0)), in word stores the
 * compiler lays out one after the other: memset for the 167 bytes around
 * the state byte cost two calls and about 80 instructions on riscv64 on
 * every span made. The state's word holds the state and three small
 * fields, zeroed one by one. */
typedef uint64_t __attribute__((may_alias)) span_word_t;
#define STATE_WORD (offsetof(struct mspan, state) / 8)
_Static_assert(sizeof(struct mspan) % 8 == 0 &&
               offsetof(struct mspan, npages) + 8 <= STATE_WORD * 8 &&
               offsetof(struct mspan, elemsize) == STATE_WORD * 8 + 8 &&
               offsetof(struct mspan, state) == offsetof(struct mspan, collect) - 1 &&
               offsetof(struct mspan, spanclass) / 8 == STATE_WORD &&
               offsetof(struct mspan, nelems) / 8 == STATE_WORD,
               "struct_zero: the state's word holds state, collect, spanclass and nelems");
static void struct_zero(struct mspan *s)
{
	span_word_t *w = (span_word_t *)s;
#pragma GCC unroll 32
	for (size_t i = 0; i < sizeof *s / 8; i++)
		if (i != STATE_WORD)
			w[i] = 0;
	s->collect = false;
	s->spanclass = 0;
	s->nelems = 0;
}

static void struct_put(struct mspan *s)
{
	if (GORT_DEBUG) {
		/* on no list, free or not: a span list holding it, or
		 * heap.spanfree (a second put), would hand it out twice */
		if (s->list == SPANFREE_MARK)
			throw("runtime: span struct %p freed twice", (void *)s);
		if (s->list != NULL)
			throw("runtime: span struct %p [%#lx, +%lu pages) state %d freed while on list %p",
			      (void *)s, (unsigned long)s->startAddr, (unsigned long)s->npages,
			      (int)s->state, (void *)s->list);
		struct_fill(s, 0xdb);   /* a stale user reads garbage, not a span */
		s->list = SPANFREE_MARK;
	}
	span_setstate(s, mSpanDead);
	s->next = heap.spanfree;
	heap.spanfree = s;
}

/* One page for metadata: the last page of the smallest free span. */
static void *meta_page(void)
{
	struct mspan *s = free_find(1);
	if (s == NULL)
		return NULL;
	free_remove(s);
	uintptr_t p = s->startAddr + (s->npages - 1) * PAGE_SIZE;
	setspan(p, NULL);
	if (--s->npages > 0)
		free_insert(s);
	else
		struct_put(s);
	heap.meta_pages++;
	asan_unpoison((void *)p, PAGE_SIZE);    /* it may have held dead objects */
	return (void *)p;
}

/* A fresh metadata page cut into span structs, all put on heap.spanfree.
 * The page may hold old heap data: each struct's list is cleared first
 * (struct_put's debug check reads it). */
static void structs_carve(uint8_t *pg)
{
	for (size_t off = 0; off + sizeof(struct mspan) <= PAGE_SIZE; off += sizeof(struct mspan)) {
		struct mspan *s = (struct mspan *)(pg + off);
		s->list = NULL;
		struct_put(s);
	}
}

static struct mspan *struct_get(void)
{
	if (heap.spanfree == NULL) {
		uint8_t *pg = meta_page();
		if (pg == NULL)
			return NULL;
		structs_carve(pg);
	}
	struct mspan *s = heap.spanfree;
	if (GORT_DEBUG && (s->list != SPANFREE_MARK || s->state != mSpanDead))
		throw("runtime: span struct %p on the free-struct list is in use (state %d, list %p)",
		      (void *)s, (int)s->state, (void *)s->list);
	heap.spanfree = s->next;
	struct_zero(s);         /* the state stays mSpanDead (struct_put) */
	return s;
}

static int bits_order(uint32_t words)
{
	int k = 0;
	while ((1u << k) < words)
		k++;
	ASSERT(k < NBITORDERS);
	return k;
}

static uint64_t *alloc_bits_locked(uint32_t words)
{
	int k = bits_order(words);
	size_t bytes = (size_t)2 * 8 << k;
	if (heap.bitsfree[k] == NULL) {
		uint8_t *pg = meta_page();
		for (size_t off = 0; pg && off + bytes <= PAGE_SIZE; off += bytes) {
			*(uint64_t **)(pg + off) = heap.bitsfree[k];
			heap.bitsfree[k] = (uint64_t *)(pg + off);
		}
	}
	uint64_t *b = heap.bitsfree[k];
	if (b)
		heap.bitsfree[k] = *(uint64_t **)b;
	return b;
}

uint64_t *mheap_alloc_bits(uint32_t words)
{
	heap_lock();
	uint64_t *b = alloc_bits_locked(words);
	heap_unlock();
	return b;
}

void mheap_free_bits(uint64_t *b, uint32_t words)
{
	int k = bits_order(words);
	heap_lock();
	*(uint64_t **)b = heap.bitsfree[k];
	heap.bitsfree[k] = b;
	heap_unlock();
}

/* Put span s (not on any list) back as free, merged with free neighbours. */
static void coalesce_insert(struct mspan *s)
{
	/* the neighbours' state: relaxed, a span in use may be published
	 * (span_publish) outside the heap lock meanwhile; a free one is only
	 * changed under it */
	struct mspan *l = spanOf(s->startAddr - 1);
	if (l && __atomic_load_n(&l->state, __ATOMIC_RELAXED) == mSpanFree && l->startAddr + l->npages * PAGE_SIZE == s->startAddr) {
		free_remove(l);
		s->startAddr = l->startAddr;
		s->npages += l->npages;
		struct_put(l);
	}
	struct mspan *r = spanOf(s->startAddr + s->npages * PAGE_SIZE);
	if (r && __atomic_load_n(&r->state, __ATOMIC_RELAXED) == mSpanFree && r->startAddr == s->startAddr + s->npages * PAGE_SIZE) {
		free_remove(r);
		s->npages += r->npages;
		struct_put(r);
	}
	free_insert(s);
}

/* ---- growing the heap ----------------------------------------------------- */

void mheap_set_base(uintptr_t base)
{
	spin_lock_init(&heap.lock, LOCKRANK_MHEAP);
	mheap_map.base = base & ~(ARENA_SIZE - 1);
}

void mheap_set_top(uintptr_t top)
{
	heap.top = top;
}

/* Arena a's page map at lo (lock held); returns the address after it. */
static uintptr_t arena_meta(size_t a, uintptr_t lo)
{
	struct heapArena *ha = (struct heapArena *)lo;
	memset(ha, 0, sizeof *ha);
	heap.sys_pages += ARENA_META / PAGE_SIZE;
	heap.meta_pages += ARENA_META / PAGE_SIZE;
	/* release; pairs with the acquire in spanmap_slot. */
	__atomic_store_n(&mheap_map.arenas[a], ha, __ATOMIC_RELEASE);
	if (a + 1 > heap.narenas)
		/* release; pairs with the acquire in mheap_narenas: a
		 * reader of the count sees every arena below it. */
		__atomic_store_n(&heap.narenas, a + 1, __ATOMIC_RELEASE);
	return lo + ARENA_META;
}

void mheap_add_range(uintptr_t lo, uintptr_t hi)
{
	lo = (lo + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	hi &= ~(PAGE_SIZE - 1);
	if (hi <= lo || lo < mheap_map.base)
		return;
	if (hi - mheap_map.base > (uintptr_t)MAX_ARENAS * ARENA_SIZE)
		hi = mheap_map.base + (uintptr_t)MAX_ARENAS * ARENA_SIZE;
	heap_lock();
	/* Arena metadata first, carved from the bottom of the range itself:
	 * on the first range, if mheap_set_top said where RAM ends and it
	 * has room, every arena's in one block (a flat span map). */
	if (heap.narenas == 0 && heap.top > mheap_map.base) {
		size_t n = (heap.top - mheap_map.base + ARENA_SIZE - 1) >> ARENA_SHIFT;
		if (n <= MAX_ARENAS && hi - lo >= n * ARENA_META + PAGE_SIZE)
			for (size_t a = 0; a < n; a++)
				lo = arena_meta(a, lo);
	}
	for (uintptr_t a = (lo - mheap_map.base) >> ARENA_SHIFT;
	     a <= (hi - 1 - mheap_map.base) >> ARENA_SHIFT; a++) {
		if (mheap_map.arenas[a] != NULL)
			continue;
		if (hi - lo < ARENA_META + PAGE_SIZE)
			break;                  /* too small to be worth it */
		lo = arena_meta(a, lo);
	}
	/* Then the pages, one free span per arena piece with metadata. */
	while (lo < hi) {
		uintptr_t end = ((lo - mheap_map.base) | (ARENA_SIZE - 1)) + mheap_map.base + 1;
		if (end > hi)
			end = hi;
		if (mheap_map.arenas[(lo - mheap_map.base) >> ARENA_SHIFT] != NULL) {
			struct mspan *s = struct_get();
			if (s == NULL) {                /* first span: bootstrap */
				uint8_t *pg = (uint8_t *)lo;
				lo += PAGE_SIZE;
				heap.sys_pages++;
				heap.meta_pages++;
				structs_carve(pg);
				s = struct_get();
				if (lo >= end) {
					struct_put(s);
					continue;
				}
			}
			s->startAddr = lo;
			s->npages = (end - lo) / PAGE_SIZE;
			heap.sys_pages += s->npages;
			coalesce_insert(s);     /* merges with a touching earlier range */
		}
		lo = end;
	}
	heap_unlock();
}

/* ---- spans -------------------------------------------------------------- */

/* Take npages from the front of free span f (heap lock held) for the new
 * span s (a struct from struct_get). f keeps the rest, and stays free:
 * no state change, no struct to file, and only its first page's map entry
 * moves (its last page's is f already; s's pages are mapped by the
 * caller). Cut from a run on the large list that stays large (every small
 * span cut from the big free run RAM starts as), f stays where it is;
 * otherwise it moves to the list of its new size. */
static void free_cut_front(struct mspan *f, struct mspan *s, uintptr_t npages)
{
	uintptr_t n = f->npages, rest = n - npages;
	s->startAddr = f->startAddr;
	s->npages = npages;
	f->startAddr += npages * PAGE_SIZE;
	f->npages = rest;
	heap.free_pages -= npages;
	setspan(f->startAddr, f);
	if (rest < NFREE) {
		struct mspanlist *from = n < NFREE ? &heap.free[n] : &heap.large;
		spanlist_remove(from, f);
		if (n < NFREE && spanlist_empty(from))
			heap.freemask[n / 64] &= ~(1ULL << (n % 64));
		spanlist_insert(&heap.free[rest], f);
		heap.freemask[rest / 64] |= 1ULL << (rest % 64);
	}
}

static struct mspan *alloc_span_locked(size_t npages, int state)
{
	ASSERT(npages > 0 && (state == mSpanInUse || state == mSpanManual));
	struct mspan *s = struct_get();        /* before choosing: may take a page */
	struct mspan *f = s ? free_find(npages) : NULL;
	if (f == NULL) {
		if (s)
			struct_put(s);
		return NULL;
	}
	if (f->npages > npages) {
		free_cut_front(f, s, npages);  /* the tail stays free, in f */
	} else {                               /* all of f: its struct is the span */
		free_remove(f);
		struct_put(s);
		s = f;
	}
	/* an in-use span stays mSpanInit until its creator publishes it */
	span_setstate(s, state == mSpanInUse ? mSpanInit : state);
	s->list = NULL;
	s->next = s->prev = NULL;
	setspan_all(s);
	/* Live to ASan as a whole: pages freed with dead (poisoned) objects
	 * in them get a new life here; small-object slots are poisoned again
	 * only when they are freed (kernel/lib/asan.h). */
	asan_unpoison((void *)s->startAddr, npages * PAGE_SIZE);
	if (state == mSpanInUse)
		heap.inuse_pages += npages;
	else
		heap.manual_pages += npages;
	return s;
}

struct mspan *mheap_alloc_span(size_t npages, int state)
{
	heap_lock();
	struct mspan *s = alloc_span_locked(npages, state);
	heap_unlock();
	return s;
}

static void free_span_locked(struct mspan *s);

struct mspan *mheap_alloc_span_bits(size_t npages, uint32_t words)
{
	heap_lock();
	struct mspan *s = alloc_span_locked(npages, mSpanInUse);
	if (s != NULL) {
		s->allocBits = alloc_bits_locked(words);
		if (s->allocBits == NULL) {
			free_span_locked(s);
			s = NULL;
		}
	}
	heap_unlock();
	return s;
}

void mheap_free_span(struct mspan *s)
{
	heap_lock();
	free_span_locked(s);
	heap_unlock();
}

static void free_span_locked(struct mspan *s)
{
	/* An mSpanInit span (its creator gave up on it) counts as in use,
	 * without being stored so: it was never published (span_publish) */
	int st = s->state == mSpanInit ? mSpanInUse : s->state;
	if (st != mSpanInUse && st != mSpanManual)
		throw("runtime: mheap_free_span: span %p [%#lx, +%lu pages) in state %d",
		      (void *)s, (unsigned long)s->startAddr, (unsigned long)s->npages, st);
	if (st == mSpanInUse)
		heap.inuse_pages -= s->npages;
	else
		heap.manual_pages -= s->npages;
	s->allocBits = s->gcmarkBits = NULL;
	s->manualFreeList = NULL;
	coalesce_insert(s);
}

void *mheap_alloc_pages(size_t npages)
{
	struct mspan *s = mheap_alloc_span(npages, mSpanManual);
	return s ? (void *)s->startAddr : NULL;
}

void mheap_free_pages(void *p, size_t npages)
{
	struct mspan *s = spanOf((uintptr_t)p);
	if (s == NULL || s->startAddr != (uintptr_t)p || s->npages != npages ||
	    s->state != mSpanManual)
		throw("runtime: mheap_free_pages: %p (%zu pages) was not allocated by mheap_alloc_pages",
		      p, npages);
	mheap_free_span(s);
}

void *pt_alloc_page(void)
{
	heap_lock();
	uint8_t *p = heap.pt_cache;
	if (p != NULL) {
		heap.pt_cache = NULL;
	} else if ((p = meta_page()) != NULL) {
		heap.pt_cache = p + MMU_PAGE_SIZE;   /* keep the other half */
	}
	heap_unlock();
	if (p == NULL)
		throw("runtime: out of memory allocating a page table");
	/* Zeroed and used through the identity map only: the page's window
	 * alias is never written, so the barrier never sees it dirty. */
	void *pt = (void *)heap_phys(p);
	memset(pt, 0, MMU_PAGE_SIZE);
	return pt;
}

void mheap_account_stack(int64_t delta)
{
	/* relaxed: a statistic. */
	__atomic_fetch_add(&heap.stack_mmu_pages, (uint64_t)delta, __ATOMIC_RELAXED);
}

void mheap_stats(struct heapstats *st)
{
	heap_lock();
	st->sys_pages = heap.sys_pages;
	st->free_pages = heap.free_pages;
	st->nruns = heap.nfree;
	st->inuse_pages = heap.inuse_pages;
	st->manual_pages = heap.manual_pages;
	st->meta_pages = heap.meta_pages;
	heap_unlock();
	st->stack_pages = __atomic_load_n(&heap.stack_mmu_pages, __ATOMIC_RELAXED);
}
