/*
 * mgcsatb.c - the concurrent mark's snapshot-at-the-beginning barrier:
 * Yuasa's deletion barrier at page granularity (docs/gc.md, "Snapshot at
 * the beginning").
 *
 * In the start pause every non-stack tracked page is write-protected
 * (gc_barrier_arm_protect before it, gc_barrier_snapshot in it): the
 * snapshot. The first store to such a page afterwards faults, and before
 * the port makes the page writable it calls gc_barrier_prefault, which
 * calls gc_satb_page: every word of the page that may point to a white GC
 * object is copied into the faulting CPU's ring. What the page held at
 * the snapshot is thus greyed before any of it can be overwritten - the
 * deletion barrier - and the mark, which sees each word either as it was
 * at the snapshot or after that value was greyed, marks everything
 * reachable at the snapshot. Objects allocated since are black. So mark
 * termination rescans no page: it empties the rings and drains.
 *
 * Objects:
 *   ring    - per CPU, ring_words words in untracked pages (512 KiB;
 *             boot flag gcsatbring), filled by that
 *             CPU only (its fault path, interrupts masked, and free() of
 *             an object during the mark, pinned and with interrupts
 *             masked: the two never overlap), emptied by the mark's
 *             coordinator (satb_pull) or, world stopped, by termination:
 *             a single-producer single-consumer queue. head: producer's
 *             (release store, after the words), tail: consumer's (release
 *             store, after reading the words it frees). The words are
 *             scanned as a conservative root block, so a word that no
 *             longer points to a white object costs one filter.
 *   overflow- a ring was full: its CPU dropped a word it should have
 *             greyed. The snapshot no longer holds for this cycle, and
 *             the mark falls back on the page-dirty barrier's insertion
 *             argument: every page written since the snapshot (the
 *             faulted bitmap records them all, as in every mode) is
 *             rescanned - in concurrent rounds if the coordinator sees
 *             the overflow, as gcsatb=0 does, and the rest at termination
 *             - with every goroutine that ran. Correct, only slower.
 *   stackbuf- the goroutine stacks' words at the snapshot that lie in the
 *             heap's bounds, copied in the start pause (satb_stack_copy)
 *             and scanned by the coordinator once the world runs
 *             (satb_pull_stacks): the snapshot needs the stacks' values
 *             at T0, not their reading at T0, and no object they name is
 *             freed before the mark ends (no span is, while gc_marking).
 *             Filled and emptied by one side at a time: the pause, then
 *             the coordinator, which the start of the world orders.
 * The fault path writes only the ring and .bss.noscan; it reads the page
 * and, to skip marked objects, the span map and mark bits - no lock.
 * It reads every word of the page, redzones and freed objects included,
 * as the conservative scan does: NO_SANITIZE_ADDRESS (kernel/lib/asan.h).
 * It can run inside ThreadSanitizer's runtime (a fault in its atomic
 * store): NO_SANITIZE_THREAD, so TSan sees none of it - nor of
 * gc_satb_free, which shares shade_range.
 */
#include <string.h>
#include "kernel/gc/mgcmark.h"
#include "kernel/gc/mgcsatb.h"
#include "kernel/gc/barrier.h"
#include "kernel/mm/mheap.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/lib/asan.h"
#include "arch.h"

/* Words per ring: a power of two (head and tail wrap at 2^32), set from
 * gcsatbring at the first satb_alloc, before that cycle's arm. */
static uint32_t ring_words GC_NOSCAN;
#define RING_WORDS ring_words
#define RING_PAGES ((RING_WORDS * sizeof(uintptr_t) + PAGE_SIZE - 1) / PAGE_SIZE)
#define STACKBUF_WORDS (16 * 1024)      /* 128 KiB; beyond it stacks are scanned */
#define STACKBUF_PAGES (STACKBUF_WORDS * sizeof(uintptr_t) / PAGE_SIZE)

struct satbring {
	uintptr_t *buf;                 /* RING_WORDS, untracked; set once */
	uint32_t head;                  /* next word to fill; atomic (producer) */
	uint32_t tail;                  /* next word to scan; atomic (consumer) */
};

uint32_t gc_satb_on GC_NOSCAN;          /* gc.h */
/* Counts the snapshot marks, bumped at each one's T0 (in the start pause,
 * after the protect: hence .bss.noscan). span_publish stamps it into the
 * span (mspan.h). Atomic: written with the world stopped, read anywhere. */
uint32_t gc_satb_epoch GC_NOSCAN;
static struct satbring rings[MAXCPU] GC_NOSCAN;
static uint32_t overflow GC_NOSCAN;     /* atomic: a ring was full this cycle */
static struct {
	uintptr_t *buf;                 /* STACKBUF_WORDS, untracked; set once */
	uint32_t n;                     /* words held */
} stackbuf GC_NOSCAN;

/* May v point to a white GC object? Read-only: the span map, the span's
 * state (acquire: pairs with span_publish), its bounds and bits. A stale
 * "no" is impossible for a marked object (mark bits only get set during
 * the mark); a stale "yes" only costs a ring word. */
NO_SANITIZE_ADDRESS NO_SANITIZE_THREAD static bool maybe_white(uintptr_t v)
{
	struct mspan *s = spanOf(v);
	if (s == NULL || __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != mSpanInUse || !s->collect)
		return false;
	uintptr_t off = v - s->startAddr;
	if (off >= s->npages * PAGE_SIZE)
		return false;
	uint32_t idx = span_objindex(s, v);
	if (idx >= s->nelems)
		return false;
	/* relaxed: see greyobject */
	uint64_t mark = __atomic_load_n(&s->gcmarkBits[idx / 64], __ATOMIC_RELAXED);
	uint64_t alloc = __atomic_load_n(&s->allocBits[idx / 64], __ATOMIC_RELAXED);
	return ((alloc & ~mark) >> (idx % 64)) & 1;
}

/* Copy the words of [lo, hi) that may point to white objects into this
 * CPU's ring. Interrupts masked, on the ring's CPU. */
NO_SANITIZE_ADDRESS NO_SANITIZE_THREAD static void shade_range(uintptr_t lo, uintptr_t hi)
{
	struct satbring *r = &rings[getm()->id];
	if (r->buf == NULL) {
		/* relaxed: read with the world stopped at termination */
		__atomic_store_n(&overflow, 1, __ATOMIC_RELAXED);
		return;
	}
	/* relaxed: only this CPU writes head */
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	/* acquire: pairs with satb_pull's release store of tail - its reads
	 * of the words we may now overwrite came first */
	uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	uintptr_t hlo = heap_lo, hspan = heap_span;
	for (uintptr_t p = (lo + 7) & ~(uintptr_t)7; p + sizeof(uintptr_t) <= hi; p += sizeof(uintptr_t)) {
		/* relaxed: one read of each word (the page is still
		 * write-protected: nobody stores to it meanwhile) */
		uintptr_t v = __atomic_load_n((uintptr_t *)p, __ATOMIC_RELAXED);
		if (v - hlo >= hspan || !maybe_white(v))
			continue;
		if (head - tail == RING_WORDS) {
			tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
			if (head - tail == RING_WORDS) {
				__atomic_store_n(&overflow, 1, __ATOMIC_RELAXED);
				break;
			}
		}
		r->buf[head % RING_WORDS] = v;
		head++;
	}
	/* release: the words before the consumer's acquire load of head */
	__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
}

NO_SANITIZE_ADDRESS NO_SANITIZE_THREAD static void shade_clip(uintptr_t lo, uintptr_t hi, uintptr_t a, uintptr_t b)
{
	if (a < lo)
		a = lo;
	if (b > hi)
		b = hi;
	if (a < b)
		shade_range(a, b);
}

NO_SANITIZE_ADDRESS NO_SANITIZE_THREAD void gc_satb_page(uintptr_t page)
{
	uintptr_t end = page + MMU_PAGE_SIZE;
	if (page < (uintptr_t)__bss_end && end > (uintptr_t)__data_start) {
		if (ignored(GC_PAGES_GLOBALS))
			return;
		shade_clip(page, end, (uintptr_t)__data_start, (uintptr_t)__data_end);
		shade_clip(page, end, (uintptr_t)__bss_start, (uintptr_t)__noscan_start);
		shade_clip(page, end, (uintptr_t)__noscan_end, (uintptr_t)__bss_end);
		return;
	}
	if (page - heap_lo >= heap_span)
		return;
	/* The page's own words of an in-use span that holds pointers (GC
	 * objects or malloc blocks), free slots included (floating garbage
	 * at worst). Other pages (manual: stacks' metadata, timer heaps,
	 * work buffers; free pages; spans being made) hold nothing the
	 * snapshot needs: the start pause scanned the timer heaps. */
	struct mspan *s = spanOf(page);
	if (s == NULL || __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != mSpanInUse ||
	    spanclass_noscan(s->spanclass) || ignored(s->collect ? GC_PAGES_HEAP : GC_PAGES_MALLOC))
		return;
	/* A span published since T0 (its epoch is this mark's; read after
	 * the acquire above, so the one its publication stamped): at T0 its
	 * pages were free or a span being made, so none of their words then
	 * was a pointer the snapshot needs - what they hold now is the stale
	 * contents of objects freed before the mark, whose greying only
	 * kept garbage and cost the faulting mutator a filter of 512 words
	 * (docs/gc.md, "Snapshot at the beginning"). No span in use at T0
	 * is freed before the mark ends without free() greying it first, so
	 * these pages held nothing else at T0. */
	if (__atomic_load_n(&s->satbEpoch, __ATOMIC_RELAXED) ==
	    __atomic_load_n(&gc_satb_epoch, __ATOMIC_RELAXED))
		return;
	shade_clip(page, end, s->startAddr, s->startAddr + s->npages * PAGE_SIZE);
}

NO_SANITIZE_ADDRESS NO_SANITIZE_THREAD void gc_satb_free(uintptr_t p, size_t size)
{
	if (!gc_satb_active())
		return;
	/* The object's contents at the snapshot may be the only path to
	 * objects the program still holds; free() drops them without a
	 * store the barrier would see (or a pointer to the object found
	 * later would no longer mark it: its alloc bit is clear). Masked:
	 * a fault path on this CPU shares the ring. */
	unsigned long f = arch_irq_save();
	shade_range(p, p + size);
	arch_irq_restore(f);
}

NO_SANITIZE_THREAD void gc_barrier_lost(void)
{
	__atomic_store_n(&overflow, 1, __ATOMIC_RELAXED);
}

NO_SANITIZE_ADDRESS bool satb_stack_copy(uintptr_t lo, uintptr_t hi)
{
	lo = (lo + sizeof(uintptr_t) - 1) & ~(sizeof(uintptr_t) - 1);
	if (hi < lo)
		return true;
	uintptr_t n = (hi - lo) / sizeof(uintptr_t);
	if (stackbuf.buf == NULL || n > STACKBUF_WORDS - stackbuf.n)
		return false;
	uintptr_t hlo = heap_lo, hspan = heap_span;
	uintptr_t *out = stackbuf.buf + stackbuf.n;
	const uintptr_t *p = (const uintptr_t *)lo, *end = p + n;
	/* Two words per turn: most are not heap pointers, and for them the
	 * loop's own compare would be a third of the work (as scanwords). */
	if (n & 1) {
		uintptr_t v = *p++;
		if (v - hlo < hspan)
			*out++ = v;
	}
	for (; p < end; p += 2) {
		uintptr_t v0 = p[0], v1 = p[1];
		if (v0 - hlo < hspan)
			*out++ = v0;
		if (v1 - hlo < hspan)
			*out++ = v1;
	}
	stackbuf.n = (uint32_t)(out - stackbuf.buf);
	return true;
}

size_t satb_pull_stacks(struct marker *mk)
{
	size_t n = stackbuf.n;
	if (n != 0)
		scanblock(mk, (uintptr_t)stackbuf.buf, (uintptr_t)(stackbuf.buf + n));
	stackbuf.n = 0;
	return n;
}

void satb_alloc(void)
{
	if (ring_words == 0) {
		uint64_t words = (uint64_t)rtflags.gcsatbring * 1024 / sizeof(uintptr_t);
		ring_words = 1u << (63 - __builtin_clzll(words));
	}
	if (stackbuf.buf == NULL) {
		/* Optional: without it the pause scans the stacks itself. */
		stackbuf.buf = mheap_alloc_pages(STACKBUF_PAGES);
		if (stackbuf.buf != NULL)
			arch_dirty_untrack((uintptr_t)stackbuf.buf, STACKBUF_PAGES * PAGE_SIZE);
	}
	for (int i = 0; i < ncpu; i++) {
		struct satbring *r = &rings[i];
		if (r->buf == NULL) {
			r->buf = mheap_alloc_pages(RING_PAGES);
			if (r->buf == NULL)
				return;
			arch_dirty_untrack((uintptr_t)r->buf, RING_PAGES * PAGE_SIZE);
		}
	}
}

bool satb_begin(void)
{
	satb_alloc();           /* done already, unless memory ran out then */
	stackbuf.n = 0;
	for (int i = 0; i < ncpu; i++) {
		struct satbring *r = &rings[i];
		if (r->buf == NULL)
			return false;
		/* relaxed: the world is stopped; starting it publishes */
		__atomic_store_n(&r->head, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&r->tail, 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&overflow, 0, __ATOMIC_RELAXED);
	return true;
}

void satb_set(bool on)
{
	/* relaxed: world stopped (gc_satb_active); starting it publishes
	 * both to every CPU */
	if (on)
		__atomic_store_n(&gc_satb_epoch, gc_satb_epoch + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&gc_satb_on, on ? 1 : 0, __ATOMIC_RELAXED);
}

bool satb_overflowed(void)
{
	return __atomic_load_n(&overflow, __ATOMIC_RELAXED) != 0;
}

/* Pull the rings that hold at least min words. */
static size_t pull(struct marker *mk, uint32_t min)
{
	size_t n = 0;
	for (int i = 0; i < ncpu; i++) {
		struct satbring *r = &rings[i];
		if (r->buf == NULL)
			continue;
		/* acquire: pairs with shade_range's release store of head */
		uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);   /* ours */
		if (head - tail < min)
			continue;
		while (tail != head) {
			uint32_t at = tail % RING_WORDS, k = head - tail;
			if (k > RING_WORDS - at)
				k = RING_WORDS - at;
			scanblock(mk, (uintptr_t)&r->buf[at], (uintptr_t)&r->buf[at + k]);
			tail += k;
			n += k;
		}
		/* release: our reads of the words before the producer reuses them */
		__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	}
	return n;
}

size_t satb_pull(struct marker *mk)
{
	return pull(mk, 1);
}

size_t satb_pull_full(struct marker *mk)
{
	return pull(mk, RING_WORDS / 4);
}
