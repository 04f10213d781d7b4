/*
 * mgcmark.c - the mark phase: roots, conservative scanning, grey objects,
 * parallel draining, and checkmark verification (Go's mgcmark.go, with
 * conservative pointer finding in place of Go's pointer maps).
 *
 * Colours: an object is white while its mark bit is clear, grey once its
 * bit is set and its address is in some worker's buffer (mgcwork.c), black
 * once it has been scanned. The tri-colour invariant holds trivially here:
 * the world is stopped, so no black object gains a pointer to a white one.
 * The concurrent mark (gcconc=1, mgcconc.c) keeps it instead
 * by rescanning every page written after it was scanned.
 *
 * Pointer identification is conservative: a word is a pointer if it lands
 * inside an allocated object of a GC span (gc_find_object): the arena's
 * page-to-span map gives the span in two loads (one in the mark's inner
 * loop, where the map is flat), the span's divisor the object index with a
 * multiply and a shift, and the alloc bit says whether an object lives
 * there. Interior pointers keep their object alive.
 * noscan objects are marked but never scanned.
 *
 * Roots (one job each, or one per chunk, claimed by workers with an atomic
 * counter):
 *   - .data and .bss, except the .bss.noscan section (boot and trap stacks,
 *     scanned below only where in use);
 *   - every goroutine's stack from its saved sp up to its G, which sits at
 *     the top of the slot (registers saved by asyncPreempt for a preempted
 *     G are on that stack), then the G's pointer fields precisely: the
 *     registers saved by the context switch, its entry argument, its
 *     sudogs, its thread-locals. 16 goroutines per job;
 *   - each M's g0 stack from where it parked for the stop;
 *   - every allocated malloc object (malloc's spans, found by walking each
 *     arena's span map; one job per arena): explicitly managed memory that
 *     may hold GC pointers, scanned and never collected;
 *   - runtime structures outside the heap: the per-P timer heaps, entry by
 *     entry (the scheduler's tables are in .bss.noscan: full of
 *     timestamps that look like heap addresses, and no pointer the GC
 *     needs);
 *   - finalizers: the contents of every object with a finalizer (not the
 *     object: it must be able to become unreachable) and the queue of
 *     finalizers waiting to run (mfinal.c).
 *
 * Parallelism: the coordinator (the M that stopped the world) opens the
 * mark and IPIs every other CPU; idle Ms join from their sleep loop
 * (gc_markhelp), up to GOMAXPROCS workers in all. Each drains roots, then
 * objects, balancing buffers through the pool; the pool decides when the
 * mark is over. Large objects are scanned in 128 KiB oblets so that one
 * big array spreads over the workers (Go's maxObletBytes). The concurrent
 * mark's drains are parallel the same way, with the world running: idle
 * CPUs join them ("drain phases", mgcconc.c).
 *
 * Checkmark (gccheckmark=1): after the parallel mark, one CPU marks again
 * from the same roots into separate bits, depth-first, remembering the root
 * each path started from. An object it reaches that the parallel mark left
 * white is a collector bug: a fatal error names the object and the root.
 *
 * AddressSanitizer (hosted builds, kernel/lib/asan.h): a conservative scan
 * reads every word of a stack or an object, redzones and freed objects
 * included, on purpose. The functions that do (scanwords, greyobject that
 * it inlines, everything it is inlined into, check_scanblock) are
 * NO_SANITIZE_ADDRESS (an always_inline function must match its caller's
 * sanitizer attributes); the rest of the mark is checked as usual.
 */
#include <stdio.h>
#include <string.h>
#include "kernel/gc/mgc.h"
#include "kernel/gc/mgcmark.h"
#include "kernel/gc/mgcsatb.h"
#include "kernel/mm/stack.h"
#include "kernel/gc/barrier.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/lib/asan.h"
#include "arch/atomic.h"

#define OBLET_BYTES (128 * 1024)
#define GS_PER_JOB 16

struct rootjobs markroots GC_NOSCAN;
uint32_t gc_markhelp_wanted;
uint32_t nhelping;                      /* mgcmark.h */
static uint32_t nslots;                 /* workers admitted; atomic */
struct workpool markpool GC_NOSCAN;
struct gcwork gcws[MAXCPU] GC_NOSCAN;
uintptr_t heap_lo, heap_span;
/* The span map (mheap_spanmap), copied here once per cycle so that the
 * inner loop finds a span in two loads without a call. Its arena 0 starts
 * at heap_lo. When the arenas' page maps lie one after the other in memory
 * (mheap_set_top: at boot the largest piece of RAM holds them all, in one
 * block), they form one flat array indexed by (v - heap_lo) / PAGE_SIZE,
 * and the inner loop finds a span in one load (flatmap; NULL otherwise).
 * Arenas are made at boot only, so this is decided once per cycle. */
static struct heapArena *const *arenas;
static struct mspan *const *flatmap;
uint64_t gc_bytesMarked;
uint32_t drop_every;                    /* mgcmark.h */
static struct m *coordinator;           /* the M that stopped the world */

static void check_grey(struct marker *mk, uintptr_t v, uintptr_t where);
static void check_push(struct marker *mk, uintptr_t obj);

void gc_debug_drop_marks(int every)
{
	drop_every = every > 0 ? (uint32_t)every : 0;
}

bool gc_find_object(uintptr_t p, struct mspan **sp, uint32_t *idxp, uintptr_t *basep)
{
	struct mspan *s = spanOf(p);
	if (s == NULL || s->state != mSpanInUse || !s->collect)
		return false;
	uintptr_t off = p - s->startAddr;
	if (off >= s->npages * PAGE_SIZE)
		return false;
	uint32_t idx = span_objindex(s, p);     /* large: divmul 0, index 0 */
	if (idx >= s->nelems || !span_is_alloc(s, idx))
		return false;
	*sp = s;
	*idxp = idx;
	*basep = s->startAddr + idx * s->elemsize;
	return true;
}

/* A grey object in a work buffer: its address, and in the top 16 bits its
 * size in words (small objects: at most 4096; 0 for a large object or an
 * oblet), so that scanobject knows where the object ends without looking
 * up the span that greyobject has just found. Heap addresses lie below
 * 128 GiB (arch.h). */
#define GREY_WORDS_SHIFT 48
#define GREY_ADDR_MASK (((uintptr_t)1 << GREY_WORDS_SHIFT) - 1)
/* greytag[spanclass]: what greyobject ORs into an object's address to
 * make its grey entry (words << GREY_WORDS_SHIFT; 0 for a large object),
 * or GREY_NOSCAN (top bit: never an address or a size) for a noscan class,
 * whose objects turn black at once. One table load replaces the noscan
 * test, the size class test and the division by the word size.
 * Built once by gc_mark_init from class_to_size, read-only after. */
#define GREY_NOSCAN ((uintptr_t)1 << 63)
static uintptr_t greytag[NUM_SPAN_CLASSES];

static void greytag_init(void)
{
	for (int c = 0; c < NUM_SPAN_CLASSES; c++) {
		int sc = spanclass_sizeclass((spanclass_t)c);
		uintptr_t words = sc != 0 ? class_to_size[sc] / sizeof(uintptr_t) : 0;
		greytag[c] = spanclass_noscan((spanclass_t)c) ? GREY_NOSCAN
		                                               : words << GREY_WORDS_SHIFT;
	}
}

/* What the inner loop keeps in registers for a whole drain: copies of the
 * globals (the compiler would reload them after every atomic), the
 * worker's first buffer as a cursor, and the bytes and words counted,
 * added to the worker's totals once at the end (scanner_flush).
 *
 * The cursor: while a scanner runs, wbuf1's fill level lives in top (the
 * next free slot), not in wbuf1->nobj, so that a push is a compare, a
 * store and an add, and a pop the same. Before any call that works on
 * the buffers themselves (mgcwork.c's slow paths, gcw_balance, a nested
 * scanblock) the scanner writes nobj back (scanner_putbuf) and takes the
 * buffer again afterwards (scanner_getbuf): the buffers are the worker's
 * own, so nothing else looks at nobj meanwhile. */
struct scanner {
	uintptr_t hlo, hspan;           /* heap bounds filter; hlo is also
	                                   arena 0's address (mheap_bounds) */
	struct heapArena *const *arenas;        /* span map, two levels */
	struct mspan *const *flatmap;           /* the same, if flat (FLAT) */
	const uintptr_t *greytag;
	uintptr_t *bot, *top, *lim;     /* wbuf1: obj[0], obj[nobj], obj[N] */
	struct gcwork *w;
	uint64_t bytes, words;          /* marked, scanned; not yet in w */
	struct marker *mk;
};

static inline void scanner_getbuf(struct scanner *sc)
{
	struct workbuf *b = sc->w->wbuf1;
	sc->bot = b->obj;
	sc->top = b->obj + b->nobj;
	sc->lim = b->obj + WORKBUF_N;
}

static inline void scanner_putbuf(struct scanner *sc)
{
	/* bot is wbuf1->obj: the struct's start is 16 bytes before it */
	struct workbuf *b = (struct workbuf *)((char *)sc->bot - offsetof(struct workbuf, obj));
	b->nobj = (uint32_t)(sc->top - sc->bot);
}

static inline void scanner_init(struct scanner *sc, struct marker *mk)
{
	*sc = (struct scanner){
		.hlo = heap_lo, .hspan = heap_span, .arenas = arenas, .flatmap = flatmap,
		.greytag = greytag,
		.w = mk->w, .mk = mk,
	};
	scanner_getbuf(sc);
}

static inline void scanner_flush(struct scanner *sc)
{
	scanner_putbuf(sc);
	sc->w->bytesMarked += sc->bytes;
	sc->w->scanWords += sc->words;
	sc->bytes = sc->words = 0;
}

/* Add grey object b to the worker's buffers. */
static inline __attribute__((always_inline)) void scanner_put(struct scanner *sc, uintptr_t b)
{
	if (__builtin_expect(sc->top < sc->lim, 1)) {
		*sc->top++ = b;
		return;
	}
	scanner_putbuf(sc);
	gcw_put_slow(sc->w, b);
	scanner_getbuf(sc);
}


/* A span's state and collect in one load (mspan.state_collect; the
 * arches are little-endian): this value if the span holds GC objects. */
#define GC_SPAN_IN_USE (mSpanInUse | 1 << 8)
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "state_collect's layout");

/* Shade v grey if it points into a white GC object (v passed the heap
 * bounds filter; u is v - hlo). gc_find_object's steps, inline, with the
 * mark bit tested before the alloc bit: a marked object was allocated,
 * and most pointers a mark follows a second time lead to marked objects. */
static inline __attribute__((always_inline)) NO_SANITIZE_ADDRESS void
greyobject(struct scanner *sc, uintptr_t v, uintptr_t u, const int how)
{
	/* relaxed: the arena and the span are reached through an address
	 * dependency on the loaded pointer (ordered on both ISAs). With the
	 * world stopped neither changes during the mark. In a concurrent mark
	 * spans are being made: the state is loaded with acquire, pairing
	 * with span_publish's release, so an mSpanInUse span's fields are
	 * complete; and no in-use span is freed (or its struct reused) while
	 * gc_marking is set (mcentral.c), so they stay so. */
	struct mspan *s;
	if (how & FLAT) {
		s = sc->flatmap[u >> PAGE_SHIFT];
	} else {
		struct heapArena *a = __atomic_load_n(&sc->arenas[u >> ARENA_SHIFT], __ATOMIC_RELAXED);
		if (a == NULL)
			return;
		s = a->spans[(u >> PAGE_SHIFT) & (PAGES_PER_ARENA - 1)];
	}
	if (s == NULL)
		return;
	if (how & CONC) {
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != mSpanInUse || !s->collect)
			return;
	} else if (s->state_collect != GC_SPAN_IN_USE) {
		return;
	}
	uintptr_t start = s->startAddr;
	uintptr_t off = v - start;
	if (off >= s->npages << PAGE_SHIFT)
		return;
	/* off < 2^32 for a small span (divmul != 0): the product fits */
	uintptr_t idx = (off * s->divmul) >> 32;        /* large: 0 */
	if (idx >= s->nelems)
		return;
	uint64_t *mw = &s->gcmarkBits[idx / 64];
	/* A relaxed test before the atomic OR keeps black objects off the
	 * read-modify-write (Go does the same). A stale 0 only sends us to
	 * the OR, which decides. A 1 was set in this mark (by a worker, or
	 * allocate-black): every span's mark bits were cleared by its sweep
	 * before this cycle began, which the cycle's start orders before
	 * any worker's load. */
	if ((__atomic_load_n(mw, __ATOMIC_RELAXED) >> (idx % 64)) & 1)
		return;                 /* marked already */
	/* span_is_alloc, sharing the word offset of the mark bit's word */
	if (!((__atomic_load_n(&s->allocBits[idx / 64], __ATOMIC_RELAXED) >> (idx % 64)) & 1))
		return;                 /* a free slot: not an object */
	uint64_t bit = 1ULL << (idx % 64);
	/* relaxed: see span_mark */
	if (__atomic_fetch_or(mw, bit, __ATOMIC_RELAXED) & bit)
		return;                 /* another worker got there first */
	uintptr_t size = s->elemsize;
	sc->bytes += size;
	uintptr_t tag = sc->greytag[s->spanclass];
	if ((intptr_t)tag < 0)  /* GREY_NOSCAN */
		return;                 /* black at once: nothing inside to scan */
	if ((how & DROP) && ++sc->mk->dropctr % drop_every == 0)
		return;                 /* deliberately lost (gc_debug_drop_marks) */
	scanner_put(sc, (start + idx * size) | tag);
}

/* Scan the word at p conservatively. */
static inline __attribute__((always_inline)) NO_SANITIZE_ADDRESS void
scanword(struct scanner *sc, const uintptr_t *p, const int how)
{
	/* A concurrent mark reads words mutators may be writing: each
	 * aligned word is read once (never torn); a stale value was stored
	 * once, and a newer one dirtied the page. */
	uintptr_t v = (how & CONC) ? __atomic_load_n(p, __ATOMIC_RELAXED) : *p;
	uintptr_t u = v - sc->hlo;
	if (u < sc->hspan)              /* one compare filters most words */
		greyobject(sc, v, u, how);
}

/* Scan the n words from p conservatively, two per turn of the loop: most
 * words are not heap pointers, and for them the loop's own compare and
 * branch would be a third of the work. */
static inline __attribute__((always_inline)) NO_SANITIZE_ADDRESS void
scanwords(struct scanner *sc, const uintptr_t *p, uintptr_t n, const int how)
{
	sc->words += n;
	if (n & 1)
		scanword(sc, p++, how);
	for (const uintptr_t *end = p + (n & ~(uintptr_t)1); p < end; p += 2) {
		scanword(sc, p, how);
		scanword(sc, p + 1, how);
	}
}

/* The checkmark pass's scan of [lo, hi) (lo aligned): out of line, so that
 * the parallel mark's loop saves no registers for it. */
static __attribute__((noinline)) NO_SANITIZE_ADDRESS void
check_scanblock(struct marker *mk, uintptr_t lo, uintptr_t hi)
{
	for (uintptr_t p = lo; p + sizeof(uintptr_t) <= hi; p += sizeof(uintptr_t)) {
		uintptr_t v = *(const uintptr_t *)p;
		if (v - heap_lo < heap_span)
			check_grey(mk, v, p);
	}
}

/* Scan the words of [lo, hi) conservatively: a root, or (checkmark) an
 * object. */
NO_SANITIZE_ADDRESS void scanblock(struct marker *mk, uintptr_t lo, uintptr_t hi)
{
	lo = (lo + sizeof(uintptr_t) - 1) & ~(sizeof(uintptr_t) - 1);
	if (mk->check) {
		check_scanblock(mk, lo, hi);
		return;
	}
	if (hi < lo + sizeof(uintptr_t))
		return;
	struct scanner sc;
	scanner_init(&sc, mk);
	uintptr_t n = (hi - lo) / sizeof(uintptr_t);
	const uintptr_t *p = (const uintptr_t *)lo;
	if (__builtin_expect(drop_every != 0, 0))
		mk->conc ? scanwords(&sc, p, n, DROP | CONC) : scanwords(&sc, p, n, DROP);
	else if (sc.flatmap != NULL)
		mk->conc ? scanwords(&sc, p, n, FLAT | CONC) : scanwords(&sc, p, n, FLAT);
	else
		mk->conc ? scanwords(&sc, p, n, CONC) : scanwords(&sc, p, n, 0);
	scanner_flush(&sc);
}

static void push(struct marker *mk, uintptr_t b)
{
	if (mk->check)
		check_push(mk, b);
	else
		gcw_put(mk->w, b);
}

/* A grey object found through its span: a large object (or one of its
 * oblets), or any object the checkmark pass pushed. */
static void scanobject_span(struct marker *mk, uintptr_t b)
{
	struct mspan *s = spanOf(b);
	uintptr_t end = s->startAddr + s->npages * PAGE_SIZE;
	if (spanclass_sizeclass(s->spanclass) == 0 && s->elemsize > OBLET_BYTES) {
		if (b == s->startAddr)          /* split the rest into oblets */
			for (uintptr_t o = b + OBLET_BYTES; o < end; o += OBLET_BYTES)
				push(mk, o);
		scanblock(mk, b, b + OBLET_BYTES < end ? b + OBLET_BYTES : end);
		return;
	}
	scanblock(mk, b, b + s->elemsize);
}

/* Scan the grey object (or oblet) b from a work buffer. A small object's
 * size comes with it (GREY_WORDS_SHIFT): no span lookup. */
static inline __attribute__((always_inline)) NO_SANITIZE_ADDRESS void
scanobject(struct scanner *sc, uintptr_t b, const int how)
{
	uintptr_t n = b >> GREY_WORDS_SHIFT;
	if (__builtin_expect(n != 0, 1)) {
		scanwords(sc, (const uintptr_t *)(b & GREY_ADDR_MASK), n, how);
	} else {
		scanner_putbuf(sc);     /* scanblock pushes through its own */
		scanobject_span(sc->mk, b);
		scanner_getbuf(sc);
	}
}

/* Take grey objects and scan them until the mark is over (or, for a
 * helper, until it found nothing for a while). */
static inline __attribute__((always_inline)) NO_SANITIZE_ADDRESS void
drain_loop(struct marker *mk, uint32_t spins, const int how)
{
	struct gcwork *w = mk->w;
	struct scanner sc;
	scanner_init(&sc, mk);
	uint32_t balance = 64;          /* objects until the next look */
	uint64_t credited = 0;          /* of sc.words, published as credit */
	for (;;) {
		uintptr_t b;
		if (__builtin_expect(sc.top != sc.bot, 1)) {
			b = *--sc.top;
		} else {
			uintptr_t slow;         /* its address escapes: kept apart */
			bool left;
			scanner_putbuf(&sc);
			bool ok = gcw_get_or_leave(w, &slow, spins, &left);
			scanner_getbuf(&sc);
			if (!ok)
				break;
			b = slow;
		}
		scanobject(&sc, b, how);
		if (__builtin_expect(--balance == 0, 0)) {
			balance = 64;
			scanner_putbuf(&sc);
			gcw_balance(w);
			bool leave = (how & HELPER) && sched_wants_me();
			/* relaxed: a count assists take from (CAS); none
			 * when no assist is owed (GOGC off: the ratio is 0) */
			if ((how & (HELPER | BUDGET)) &&
			    __atomic_load_n(&gc_assist_ratio, __ATOMIC_RELAXED) != 0) {
				__atomic_fetch_add(&gc_bgScanCredit, (int64_t)(sc.words - credited),
				                   __ATOMIC_RELAXED);
				credited = sc.words;
			}
			if ((how & ASSIST) && sc.words >= mk->quota)
				leave = true;
			if (how & BUDGET)
				coordinator_check(mk);
			scanner_getbuf(&sc);
			if (leave)
				break;
		}
	}
	scanner_flush(&sc);
}

static inline __attribute__((always_inline)) NO_SANITIZE_ADDRESS void
drain(struct marker *mk, uint32_t spins, const int how)
{
	if (!(how & DROP) && flatmap != NULL)
		drain_loop(mk, spins, how | FLAT);
	else
		drain_loop(mk, spins, how);
}

/* One out-of-line function per mode: each loop gets the registers of a
 * function to itself. Inlined side by side into mark_drain they shared
 * one register allocation, and the mark assists' loop (a72d3ad) made the
 * stop-the-world loop keep its byte count on the stack: aarch64's mark
 * cost 20.0 -> 20.4 instructions a word. */
#define DRAIN_FN(name, how)                                                   \
	static __attribute__((noinline)) NO_SANITIZE_ADDRESS void                 \
	name(struct marker *mk, uint32_t spins, bool drop)                    \
	{                                                                      \
		drop ? drain(mk, spins, DROP | (how)) : drain(mk, spins, (how)); \
	}
DRAIN_FN(drain_stw, 0)
DRAIN_FN(drain_helper, CONC | HELPER)
DRAIN_FN(drain_budget, CONC | BUDGET)
DRAIN_FN(drain_assist, CONC | ASSIST)

NO_SANITIZE_ADDRESS void mark_drain(struct marker *mk, uint32_t spins, int how)
{
	bool drop = __builtin_expect(drop_every != 0, 0);
	switch (how) {
	case 0:
		drain_stw(mk, spins, drop);
		break;
	case CONC | HELPER:
		drain_helper(mk, spins, drop);
		break;
	case CONC | BUDGET:
		drain_budget(mk, spins, drop);
		break;
	case CONC | ASSIST:
		drain_assist(mk, spins, drop);
		break;
	default:
		throw("gc: mark_drain: no loop compiled for mode %d", how);
	}
}

/* ---- roots ------------------------------------------------------------- */

static void scan_malloc_span(struct mspan *s, void *arg)
{
	struct marker *mk = arg;
	if (s->collect)
		return;
	for (uint32_t i = 0; i < s->nelems; i++) {
		if (!span_is_alloc(s, i))
			continue;
		uintptr_t obj = s->startAddr + i * s->elemsize;
		scanblock(mk, obj, obj + s->elemsize);
	}
}

/* A root block read in the start pause: with mk->stackcopy its
 * heap-range words are only copied, to be greyed once the world runs (as
 * the stacks'; satb_stack_copy); else (or if the buffer is full) greyed now. */
static void scan_or_copy(struct marker *mk, uintptr_t lo, uintptr_t hi)
{
	if (!(mk->stackcopy && satb_stack_copy(lo, hi)))
		scanblock(mk, lo, hi);
}

#define SCANFIELD(mk, gp, f) scan_or_copy(mk, (uintptr_t)&(gp)->f, (uintptr_t)(&(gp)->f + 1))

/* A goroutine: its stack conservatively from the saved sp up to the G
 * (which sits at the top of the slot), then the G's own fields that may
 * hold pointers - precisely: the G's layout is the runtime's, and its
 * other fields are timestamps and counters that would look like heap
 * addresses. With mk->stackcopy (the snapshot's start pause) the heap-range
 * words of the stack and of those fields are only copied, to be scanned
 * once the world runs. */
void scan_g(struct marker *mk, struct g *gp)
{
	if (gstatus(gp) == Gdead)
		return;
	uintptr_t sp = arch_context_sp(&gp->ctx);
	uintptr_t top = (uintptr_t)gp;
	if (sp < gp->stack_mapped || sp > top)
		throw("gc: goroutine %llu: saved sp %#lx outside its stack [%#lx, %#lx)",
		      (unsigned long long)gp->goid, (unsigned long)sp,
		      (unsigned long)gp->stack_mapped, (unsigned long)top);
	scan_or_copy(mk, sp, top);
	SCANFIELD(mk, gp, ctx);         /* callee-saved registers, int and FP */
	SCANFIELD(mk, gp, arg);         /* the entry argument */
	SCANFIELD(mk, gp, waiting);     /* sudogs: on this stack, or from the sudog cache (large selects) */
	SCANFIELD(mk, gp, param);
	SCANFIELD(mk, gp, park_lock);
	SCANFIELD(mk, gp, tls);         /* picolibc's thread-locals */
	SCANFIELD(mk, gp, sleeptimer.arg);
}

static void scan_runtime(struct marker *mk)
{
	/* Timer heaps live in raw pages: each entry points into the object
	 * holding the timer (a Timer, a sleeping G, a Context). */
	for (int i = 0; i < MAXCPU; i++) {
		struct timers *ts = &allp[i].timers;
		if (ts->heap != NULL)
			scanblock(mk, (uintptr_t)ts->heap, (uintptr_t)(ts->heap + ts->len));
	}
}

static void fin_scan_cb(uintptr_t lo, uintptr_t hi, void *arg)
{
	scanblock(arg, lo, hi);
}

void markroot(struct marker *mk, uint32_t j)
{
	mk->job = j;
	mk->pathroot = 0;
	if (j == ROOT_DATA) {
		scanblock(mk, (uintptr_t)__data_start, (uintptr_t)__data_end);
	} else if (j == ROOT_BSS) {
		scanblock(mk, (uintptr_t)__bss_start, (uintptr_t)__noscan_start);
		scanblock(mk, (uintptr_t)__noscan_end, (uintptr_t)__bss_end);
	} else if (j == ROOT_RUNTIME) {
		scan_runtime(mk);
	} else if (j == ROOT_FINALIZERS) {
		fin_mark_roots(fin_scan_cb, mk);
	} else if (j < markroots.mbase && markroots.walkallgs) {
		for (struct g *gp = sched.allgs; gp; gp = gp->alllink)  /* world stopped */
			scan_g(mk, gp);
	} else if (j < markroots.mbase) {
		uint32_t first = (j - markroots.gbase) * GS_PER_JOB;
		for (uint32_t i = first; i < first + GS_PER_JOB && i < markroots.nallg; i++)
			scan_g(mk, markroots.allg[i]);
	} else if (j < markroots.abase) {
		struct m *m = &allm[j - markroots.mbase];
		/* relaxed, yet ordered after the store: m stored it before
		 * handing in its P (findrunnable), the coordinator saw every
		 * P handed in (acquire: stopwait, sched.lock) before the
		 * seq_cst store that opened the mark, and a helper joined by
		 * an acquire load of that flag. */
		uintptr_t sp = __atomic_load_n(&m->g0_scan_sp, __ATOMIC_RELAXED);
		if (__atomic_load_n(&m->online, __ATOMIC_RELAXED) && sp != 0)
			scanblock(mk, sp, m->g0.stack_hi);
	} else {
		mheap_arena_spans(j - markroots.abase, scan_malloc_span, mk);
	}
}

/* Snapshot allgs into raw pages (grown as needed) and lay out the jobs. */
void roots_prepare(void)
{
	spin_lock(&sched.allglock);
	uint32_t n = (uint32_t)sched.nallgs;
	size_t need = ((size_t)n * sizeof(struct g *) + PAGE_SIZE - 1) / PAGE_SIZE;
	if (need == 0)
		need = 1;
	if (need > markroots.allgpages) {
		struct g **t = mheap_alloc_pages(need * 2);
		if (t != NULL) {
			if (markroots.allg)
				mheap_free_pages(markroots.allg, markroots.allgpages);
			markroots.allg = t;
			markroots.allgpages = (uint32_t)(need * 2);
		}
	}
	uint32_t i = 0;
	if (need <= markroots.allgpages)
		for (struct g *gp = sched.allgs; gp && i < n; gp = gp->alllink)
			markroots.allg[i++] = gp;
	markroots.nallg = i;
	markroots.walkallgs = i < n;        /* out of memory: one job walks the list */
	spin_unlock(&sched.allglock);
	markroots.narenas = mheap_narenas();
	markroots.gbase = ROOT_FIXED;
	markroots.mbase = markroots.gbase + (markroots.walkallgs ? 1 : (markroots.nallg + GS_PER_JOB - 1) / GS_PER_JOB);
	markroots.abase = markroots.mbase + (uint32_t)ncpu;
	markroots.njobs = markroots.abase + (uint32_t)markroots.narenas;
	uintptr_t hi;
	mheap_bounds(&heap_lo, &hi);
	heap_span = hi - heap_lo;
	uintptr_t arena_base;
	mheap_spanmap(&arena_base, &arenas);
	if (arena_base != heap_lo)      /* the scan loop uses one for the other */
		throw("gc: span map base %#lx is not the heap's start %#lx",
		      (unsigned long)arena_base, (unsigned long)heap_lo);
	flatmap = NULL;
	size_t na = heap_span >> ARENA_SHIFT;
	bool flat = na > 0 && arenas[0] != NULL;
	for (size_t i = 1; flat && i < na; i++)
		flat = arenas[i] == arenas[0] + i;
	if (flat)
		flatmap = arenas[0]->spans;
}

/* ---- parallel mark --------------------------------------------------------- */

static NO_SANITIZE_ADDRESS void mark_worker(struct m *m)
{
	struct gcwork *w = &gcws[m->id];
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	/* relaxed: only counts admissions; the pool's lock orders the rest */
	if (__atomic_fetch_add(&nslots, 1, __ATOMIC_RELAXED) >= (uint32_t)np)
		return;
	w->bytesMarked = 0;
	w->scanWords = 0;
	w->should_leave = NULL;         /* the world is stopped: nothing calls us away */
	if (!gcw_join(w, &markpool))
		return;
	int64_t t0 = nanotime();
	struct marker mk = { .w = w };
	for (;;) {
		uint32_t j = __atomic_fetch_add(&markroots.next, 1, __ATOMIC_RELAXED);
		if (j >= markroots.njobs)
			break;
		markroot(&mk, j);
		gcw_balance(w);
	}
	/* The coordinator waits for the end of the mark; a helper with
	 * nothing to do for a while goes back to sleep. */
	uint32_t spins = m == coordinator ? 0 : HELPER_IDLE_SPINS;
	mark_drain(&mk, spins, 0);
	gcw_leave(w);
	__atomic_fetch_add(&gc.markCpuNs, (uint64_t)(nanotime() - t0), __ATOMIC_RELAXED);
	__atomic_fetch_add(&gc_bytesMarked, w->bytesMarked, __ATOMIC_RELAXED);
	__atomic_fetch_add(&gc.scanWords, w->scanWords, __ATOMIC_RELAXED);
	__atomic_fetch_add(&gc.nworkers, 1, __ATOMIC_RELAXED);
}

void gc_markhelp(struct m *m)
{
	/* Store buffering with gc_mark's end: we increment nhelping then
	 * load wanted; the coordinator stores wanted = 0 then loads nhelping.
	 * All four are seq_cst, so they fall in one total order and at least
	 * one side sees the other: either the coordinator sees us counted and
	 * waits for us, or we see the mark closed and leave. */
	__atomic_add_fetch(&nhelping, 1, __ATOMIC_SEQ_CST);
	uint32_t want = __atomic_load_n(&gc_markhelp_wanted, __ATOMIC_SEQ_CST);
	if (want == HELP_STW)
		mark_worker(m);
	else if (want == HELP_CONC)
		conc_help(m);
	/* release: our marks and counters before the coordinator goes on */
	__atomic_sub_fetch(&nhelping, 1, __ATOMIC_RELEASE);
}

#define ASSIST_SPINS 32                 /* idle polls before an assist gives up:
                                           under 64, so it never waits in
                                           pool->wait (Gosched, while pinned) */

NO_SANITIZE_ADDRESS uint64_t mark_assist(struct m *m, uint64_t quota)
{
	uint64_t did = 0;
	/* gc_markhelp's store buffering with phase_close: counted in
	 * nhelping (seq_cst) before reading wanted (seq_cst), so either the
	 * coordinator waits for us or we see the phase closed. */
	__atomic_add_fetch(&nhelping, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&gc_markhelp_wanted, __ATOMIC_SEQ_CST) == HELP_CONC) {
		struct gcwork *w = &gcws[m->id];       /* free: m runs us, not stopm */
		w->bytesMarked = w->scanWords = 0;
		w->should_leave = NULL;
		if (gcw_join(w, &markpool)) {
			struct marker mk = { .w = w, .conc = true, .quota = quota };
			mark_drain(&mk, ASSIST_SPINS, CONC | ASSIST);
			gcw_leave(w);
			/* relaxed: read after the coordinator saw us leave */
			__atomic_fetch_add(&gc_bytesMarked, w->bytesMarked, __ATOMIC_RELAXED);
			__atomic_fetch_add(&gc.scanWords, w->scanWords, __ATOMIC_RELAXED);
			did = w->scanWords;
		}
	}
	/* release: our marks and counters before the coordinator goes on */
	__atomic_sub_fetch(&nhelping, 1, __ATOMIC_RELEASE);
	return did;
}

/* How a worker waits for work between polls: an M's g0 (the
 * stop-the-world mark, an idle CPU) sleeps a few microseconds in wfi; the
 * concurrent mark's coordinator, a goroutine, lets others run on its P
 * (it must not reprogram its M's timer, which preempts it). */
void pool_wait(void)
{
	if (getg()->is_g0)
		cpu_wait_short();
	else
		Gosched();
}

void gc_mark_init(void)
{
	spin_lock_init(&markpool.lock, LOCKRANK_GCWORK);
	markpool.wait = pool_wait;
	/* The mark's own memory must not depend on a free page (mgcwork.c):
	 * a reserve of buffers, kept for every cycle, taken now - 1/1024 of
	 * the heap's arenas (256 KiB for 256 MiB), between 8 pages and
	 * 2 MiB; 8 pages are 32 buffers, more than two for each of the
	 * MAXCPU + 1 workers there can be. */
	_Static_assert(8 * (8192 / WORKBUF_BYTES) > 2 * (MAXCPU + 1), "the reserve");
	size_t rpages = mheap_narenas() * ARENA_SIZE / 1024 / PAGE_SIZE;
	workpool_reserve(&markpool, rpages < 8 ? 8 : rpages > 256 ? 256 : (int)rpages);
	greytag_init();
	roots_prepare();                /* and a first goroutine table */
}

void gc_mark(void)
{
	struct m *me = getm();
	coordinator = me;
	roots_prepare();
	__atomic_store_n(&markroots.next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&nslots, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&gc_bytesMarked, 0, __ATOMIC_RELAXED);   /* as every access */
	gc.scanWords = 0;
	gc.markCpuNs = 0;
	gc.nworkers = 0;
	workpool_reset(&markpool);
	/* seq_cst (so release): pairs with the acquire load in stopm and the
	 * seq_cst one in gc_markhelp - the roots and the pool are ready before
	 * anyone joins. */
	__atomic_store_n(&gc_markhelp_wanted, HELP_STW, __ATOMIC_SEQ_CST);
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	for (int i = 0, sent = 1; i < ncpu && sent < np; i++)
		if (&allm[i] != me && __atomic_load_n(&allm[i].online, __ATOMIC_RELAXED)) {
			arch_send_ipi(i);
			sent++;
		}
	mark_worker(me);
	/* seq_cst store, then seq_cst loads: the other half of the store
	 * buffering pair in gc_markhelp (its seq_cst increment of nhelping,
	 * then its seq_cst load of wanted). An acquire load here could be
	 * satisfied before the store is visible (C11 allows it; clang on
	 * riscv64 emits no full fence between them), and a helper could then
	 * join a mark we think is over. The loads are also acquire: they pair
	 * with the helpers' release decrement, so their marks are visible. */
	__atomic_store_n(&gc_markhelp_wanted, HELP_NONE, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&nhelping, __ATOMIC_SEQ_CST) != 0)
		cpu_wait_short();
	/* acquire; pairs with the release that set done: every mark bit set
	 * by any worker is visible from here on (sweeping reads them). */
	(void)__atomic_load_n(&markpool.done, __ATOMIC_ACQUIRE);
	struct gcwork *w = &gcws[me->id];
	w->bytesMarked = w->scanWords = 0;
	mark_overflow_recover(w);       /* nothing to do unless it overflowed */
	__atomic_fetch_add(&gc_bytesMarked, w->bytesMarked, __ATOMIC_RELAXED);
	gc.scanWords += w->scanWords;
}

/* ---- mark-stack overflow ------------------------------------------------- *
 * A worker that found no buffer and no page dropped a grey object
 * (mgcwork.c): it is marked, but its contents were never scanned. Once
 * the pool is done and every worker gone, the owner of the mark scans
 * every marked object of every scan span again (Boehm's recovery from a
 * mark-stack overflow) and drains, with the reserve's buffers. That may
 * overflow again, but only by dropping objects it has just marked: the
 * marked set grows each round, so the rounds end. Slow, and only when
 * the heap had no page for the mark: never a fatal error. */

static NO_SANITIZE_ADDRESS void rescan_marked_span(struct mspan *s, void *arg)
{
	struct marker *mk = arg;
	if (!s->collect || spanclass_noscan(s->spanclass))
		return;
	for (uint32_t i = 0; i < s->nelems; i++)
		if (span_is_marked(s, i)) {
			uintptr_t obj = s->startAddr + i * s->elemsize;
			scanblock(mk, obj, obj + s->elemsize);
		}
}

void gc_debug_workbuf_starve(bool on)
{
	/* relaxed: a test hook; a mark under way sees it sooner or later */
	__atomic_store_n(&markpool.starve, on ? 1 : 0, __ATOMIC_RELAXED);
}

void mark_overflow_recover(struct gcwork *w)
{
	while (workpool_take_overflow(&markpool)) {
		gc.markOverflows++;
		workpool_reset(&markpool);
		if (!gcw_join(w, &markpool))
			throw("gc: the work pool is closed after an overflow");
		struct marker mk = { .w = w };
		size_t n = mheap_narenas();
		for (size_t a = 0; a < n; a++)
			mheap_arena_spans(a, rescan_marked_span, &mk);
		mark_drain(&mk, 0, 0);
		gcw_leave(w);
	}
}

/* ---- checkmark ------------------------------------------------------------ */

struct centry { uintptr_t obj, pathroot; uint32_t job; };

static struct {
	struct centry *e;
	size_t n, cap, pages;
} cstack GC_NOSCAN;

static void check_push(struct marker *mk, uintptr_t obj)
{
	if (cstack.n == cstack.cap) {
		size_t pages = cstack.pages ? cstack.pages * 2 : 4;
		struct centry *ne = mheap_alloc_pages(pages);
		if (ne == NULL)
			throw("runtime: out of memory: checkmark stack");
		if (cstack.e) {
			memcpy(ne, cstack.e, cstack.n * sizeof *ne);
			mheap_free_pages(cstack.e, cstack.pages);
		}
		cstack.e = ne;
		cstack.pages = pages;
		cstack.cap = pages * PAGE_SIZE / sizeof *ne;
	}
	cstack.e[cstack.n++] = (struct centry){ obj, mk->pathroot, mk->job };
}

static const char *root_kind(uint32_t job, uintptr_t word, char *buf, size_t len)
{
	if (job == ROOT_DATA)
		return "the data segment";
	if (job == ROOT_BSS)
		return "the bss segment";
	if (job == ROOT_RUNTIME)
		return "a timer heap";
	if (job == ROOT_FINALIZERS)
		return "a finalizer";
	if (job < markroots.mbase) {
		for (uint32_t i = 0; i < markroots.nallg; i++) {
			struct g *gp = markroots.allg[i];
			if (word >= gp->stack_slot && word < gp->stack_slot + stack_reserve()) {
				snprintf(buf, len, "the stack of goroutine %llu (saved sp %#lx, status %u, pc %#lx)",
				         (unsigned long long)gp->goid, (unsigned long)arch_context_sp(&gp->ctx),
				         gp->status, (unsigned long)arch_context_pc(&gp->ctx));
				return buf;
			}
		}
		return "a goroutine stack";
	}
	if (job < markroots.abase) {
		snprintf(buf, len, "the g0 stack of M%u", job - markroots.mbase);
		return buf;
	}
	return "a malloc block";
}

/* gccheckmark=2: bytes reachable through each root word (first path
 * found), to answer "what keeps this memory alive?". */
#define RETAIN_SLOTS 1024
static struct retain { uintptr_t root; uint64_t bytes; uint32_t job; } retain[RETAIN_SLOTS] GC_NOSCAN;

static void retain_add(uintptr_t root, uint32_t job, uint64_t bytes)
{
	uint32_t h = (uint32_t)((root * 0x9E3779B97F4A7C15ULL) >> 54);
	for (uint32_t i = 0; i < RETAIN_SLOTS; i++, h = (h + 1) % RETAIN_SLOTS) {
		if (retain[h].root == root || retain[h].root == 0) {
			retain[h].root = root;
			retain[h].job = job;
			retain[h].bytes += bytes;
			return;
		}
	}
}

static void retain_report(void)
{
	printk("gc %u: checkmark: roots keeping the most memory alive:\n", gc.cycles + 1);
	for (int k = 0; k < 8; k++) {
		int best = -1;
		for (int i = 0; i < RETAIN_SLOTS; i++)
			if (retain[i].root && (best < 0 || retain[i].bytes > retain[best].bytes))
				best = i;
		if (best < 0)
			break;
		char buf[160];
		printk("    %8llu bytes from %s (root word at %#lx)\n",
		       (unsigned long long)retain[best].bytes,
		       root_kind(retain[best].job, retain[best].root, buf, sizeof buf),
		       (unsigned long)retain[best].root);
		retain[best].root = 0;
	}
	memset(retain, 0, sizeof retain);
}

static void check_grey(struct marker *mk, uintptr_t v, uintptr_t where)
{
	struct mspan *s;
	uint32_t idx;
	uintptr_t base;
	if (!gc_find_object(v, &s, &idx, &base))
		return;
	uint32_t words = span_bitwords(s->nelems);
	if (s->checkmarkBits == NULL) {
		s->checkmarkBits = mheap_alloc_bits(words);
		if (s->checkmarkBits == NULL)
			throw("runtime: out of memory: checkmark bits");
		memset(s->checkmarkBits, 0, words * sizeof(uint64_t));
	}
	uint64_t bit = 1ULL << (idx % 64);
	if (s->checkmarkBits[idx / 64] & bit)
		return;
	s->checkmarkBits[idx / 64] |= bit;
	uintptr_t root = mk->pathroot ? mk->pathroot : where;
	if (rtflags.gccheckmark > 1)
		retain_add(root, mk->job, s->elemsize);
	if (!span_is_marked(s, idx)) {
		char buf[160];
		printk("runtime: checkmark found unmarked object %#lx (size %lu, span class %d), "
		       "reachable from %s (root word at %#lx)\n",
		       (unsigned long)base, (unsigned long)s->elemsize, (int)s->spanclass,
		       root_kind(mk->job, root, buf, sizeof buf), (unsigned long)root);
		throw("checkmark found unmarked object");
	}
	if (spanclass_noscan(s->spanclass))
		return;
	uintptr_t saved = mk->pathroot;
	mk->pathroot = root;
	check_push(mk, base);
	mk->pathroot = saved;
}

static void free_checkbits(struct mspan *s, void *arg)
{
	(void)arg;
	if (s->checkmarkBits) {
		mheap_free_bits(s->checkmarkBits, span_bitwords(s->nelems));
		s->checkmarkBits = NULL;
	}
}

void gc_checkmark(void)
{
	struct marker mk = { .check = true };
	cstack.n = 0;
	for (uint32_t j = 0; j < markroots.njobs; j++) {
		markroot(&mk, j);
		while (cstack.n > 0) {
			struct centry e = cstack.e[--cstack.n];
			mk.job = e.job;
			mk.pathroot = e.pathroot;
			scanobject_span(&mk, e.obj);
		}
	}
	for (size_t a = 0; a < markroots.narenas; a++)
		mheap_arena_spans(a, free_checkbits, NULL);
	if (rtflags.gccheckmark > 1)
		retain_report();
}
