/*
 * mgcmark.c - the mark phase: roots, conservative scanning, grey objects,
 * parallel draining, and checkmark verification (Go's mgcmark.go, with
 * conservative pointer finding in place of Go's pointer maps).
 *
 * Colours: an object is white while its mark bit is clear, grey once its
 * bit is set and its address is in some worker's buffer (mgcwork.c), black
 * once it has been scanned. The tri-colour invariant holds trivially here:
 * the world is stopped, so no black object gains a pointer to a white one.
 * The concurrent mark (gcconc=1, at the end of this file) keeps it instead
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
 * CPUs join them ("drain phases", below).
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
#include "kernel/mm/stack.h"
#include "kernel/gc/barrier.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/lib/asan.h"
#include "arch/atomic.h"

extern char __data_start[], __data_end[];
extern char __bss_start[], __noscan_start[], __noscan_end[], __bss_end[];

#define OBLET_BYTES (128 * 1024)
#define GS_PER_JOB 16
#define HELPER_IDLE_SPINS 4096          /* idle polls before a helper leaves */

enum { ROOT_DATA, ROOT_BSS, ROOT_RUNTIME, ROOT_FINALIZERS, ROOT_FIXED };

static struct {
	uint32_t njobs;
	uint32_t next;                  /* atomic: next job to claim */
	uint32_t gbase, mbase, abase;   /* first job of each kind */
	struct g **allg;                /* snapshot of allgs (manual pages) */
	uint32_t nallg, allgpages;
	size_t narenas;
	bool walkallgs;                 /* no snapshot (out of memory): walk allgs */
} roots GC_NOSCAN;

/* What an idle M is wanted for (gc_markhelp): nothing, the stop-the-world
 * mark, or a drain phase of the concurrent mark. atomic */
enum { HELP_NONE, HELP_STW, HELP_CONC };
uint32_t gc_markhelp_wanted;
static uint32_t nhelping;               /* Ms inside gc_markhelp; atomic */
static uint32_t nslots;                 /* workers admitted; atomic */
static struct workpool pool GC_NOSCAN;
static struct gcwork gcws[MAXCPU] GC_NOSCAN;    /* per M */
static uintptr_t heap_lo, heap_span;
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
static uint32_t drop_every;             /* debug: lose every Nth grey object */
static struct m *coordinator;           /* the M that stopped the world */

/* One marking context: a parallel worker, the concurrent mark's worker,
 * or the checkmark pass. */
struct marker {
	struct gcwork *w;               /* parallel or concurrent mark */
	bool check;                     /* checkmark pass */
	bool conc;                      /* the world may be running (gcconc=1) */
	uint32_t job;                   /* root job being scanned (checkmark) */
	uintptr_t pathroot;             /* checkmark: root word of the path, 0 = scanning a root */
	uint32_t dropctr;
};

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

/* How a scan loop is compiled (a constant at each call site, so that the
 * normal loop pays for neither): DROP - the test hook
 * gc_debug_drop_marks; CONC - the world may be running; FLAT - the span
 * map is flat (flatmap; chosen inside scanblock and drain). */
enum { DROP = 1, CONC = 2, FLAT = 4, HELPER = 8, BUDGET = 16 };
/* In a concurrent drain phase (below), drain's look every 64 objects
 * also asks: HELPER - an idle CPU leaves once the scheduler wants it;
 * BUDGET - the coordinator checks its 25 % budget (it may Gosched: its
 * gcwork is the goroutine's, and the cursor is written back first). */
static bool sched_wants_me(void);
static void budget_check(void);

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
static NO_SANITIZE_ADDRESS void scanblock(struct marker *mk, uintptr_t lo, uintptr_t hi)
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
			if (how & BUDGET)
				budget_check();
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

#define SCANFIELD(mk, gp, f) scanblock(mk, (uintptr_t)&(gp)->f, (uintptr_t)(&(gp)->f + 1))

/* A goroutine: its stack conservatively from the saved sp up to the G
 * (which sits at the top of the slot), then the G's own fields that may
 * hold pointers - precisely: the G's layout is the runtime's, and its
 * other fields are timestamps and counters that would look like heap
 * addresses. */
static void scan_g(struct marker *mk, struct g *gp)
{
	if (gstatus(gp) == Gdead)
		return;
	uintptr_t sp = arch_context_sp(&gp->ctx);
	uintptr_t top = (uintptr_t)gp;
	if (sp < gp->stack_mapped || sp > top)
		throw("gc: goroutine %llu: saved sp %#lx outside its stack [%#lx, %#lx)",
		      (unsigned long long)gp->goid, (unsigned long)sp,
		      (unsigned long)gp->stack_mapped, (unsigned long)top);
	scanblock(mk, sp, top);
	SCANFIELD(mk, gp, ctx);         /* callee-saved registers, int and FP */
	SCANFIELD(mk, gp, arg);         /* the entry argument */
	SCANFIELD(mk, gp, waiting);     /* sudogs (malloc blocks) */
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

static void markroot(struct marker *mk, uint32_t j)
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
	} else if (j < roots.mbase && roots.walkallgs) {
		for (struct g *gp = sched.allgs; gp; gp = gp->alllink)  /* world stopped */
			scan_g(mk, gp);
	} else if (j < roots.mbase) {
		uint32_t first = (j - roots.gbase) * GS_PER_JOB;
		for (uint32_t i = first; i < first + GS_PER_JOB && i < roots.nallg; i++)
			scan_g(mk, roots.allg[i]);
	} else if (j < roots.abase) {
		struct m *m = &allm[j - roots.mbase];
		/* relaxed, yet ordered after the store: m stored it before
		 * handing in its P (findrunnable), the coordinator saw every
		 * P handed in (acquire: stopwait, sched.lock) before the
		 * seq_cst store that opened the mark, and a helper joined by
		 * an acquire load of that flag. */
		uintptr_t sp = __atomic_load_n(&m->g0_scan_sp, __ATOMIC_RELAXED);
		if (__atomic_load_n(&m->online, __ATOMIC_RELAXED) && sp != 0)
			scanblock(mk, sp, m->g0.stack_hi);
	} else {
		mheap_arena_spans(j - roots.abase, scan_malloc_span, mk);
	}
}

/* Snapshot allgs into raw pages (grown as needed) and lay out the jobs. */
static void roots_prepare(void)
{
	spin_lock(&sched.allglock);
	uint32_t n = (uint32_t)sched.nallgs;
	size_t need = ((size_t)n * sizeof(struct g *) + PAGE_SIZE - 1) / PAGE_SIZE;
	if (need == 0)
		need = 1;
	if (need > roots.allgpages) {
		struct g **t = mheap_alloc_pages(need * 2);
		if (t != NULL) {
			if (roots.allg)
				mheap_free_pages(roots.allg, roots.allgpages);
			roots.allg = t;
			roots.allgpages = (uint32_t)(need * 2);
		}
	}
	uint32_t i = 0;
	if (need <= roots.allgpages)
		for (struct g *gp = sched.allgs; gp && i < n; gp = gp->alllink)
			roots.allg[i++] = gp;
	roots.nallg = i;
	roots.walkallgs = i < n;        /* out of memory: one job walks the list */
	spin_unlock(&sched.allglock);
	roots.narenas = mheap_narenas();
	roots.gbase = ROOT_FIXED;
	roots.mbase = roots.gbase + (roots.walkallgs ? 1 : (roots.nallg + GS_PER_JOB - 1) / GS_PER_JOB);
	roots.abase = roots.mbase + (uint32_t)ncpu;
	roots.njobs = roots.abase + (uint32_t)roots.narenas;
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
	if (!gcw_join(w, &pool))
		return;
	int64_t t0 = nanotime();
	struct marker mk = { .w = w };
	for (;;) {
		uint32_t j = __atomic_fetch_add(&roots.next, 1, __ATOMIC_RELAXED);
		if (j >= roots.njobs)
			break;
		markroot(&mk, j);
		gcw_balance(w);
	}
	/* The coordinator waits for the end of the mark; a helper with
	 * nothing to do for a while goes back to sleep. */
	uint32_t spins = m == coordinator ? 0 : HELPER_IDLE_SPINS;
	if (__builtin_expect(drop_every != 0, 0))
		drain(&mk, spins, DROP);
	else
		drain(&mk, spins, 0);
	gcw_leave(w);
	__atomic_fetch_add(&gc.markCpuNs, (uint64_t)(nanotime() - t0), __ATOMIC_RELAXED);
	__atomic_fetch_add(&gc_bytesMarked, w->bytesMarked, __ATOMIC_RELAXED);
	__atomic_fetch_add(&gc.scanWords, w->scanWords, __ATOMIC_RELAXED);
	__atomic_fetch_add(&gc.nworkers, 1, __ATOMIC_RELAXED);
}

static void conc_help(struct m *m);

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

/* How a worker waits for work between polls: an M's g0 (the
 * stop-the-world mark, an idle CPU) sleeps a few microseconds in wfi; the
 * concurrent mark's coordinator, a goroutine, lets others run on its P
 * (it must not reprogram its M's timer, which preempts it). */
static void pool_wait(void)
{
	if (getg()->is_g0)
		cpu_wait_short();
	else
		Gosched();
}

void gc_mark_init(void)
{
	spin_lock_init(&pool.lock, LOCKRANK_GCWORK);
	pool.wait = pool_wait;
	/* A first cycle run because memory ran out must still find work
	 * buffers: take them now (they are kept for every cycle). */
	workpool_reserve(&pool, 4);
	greytag_init();
	roots_prepare();                /* and a first goroutine table */
}

void gc_mark(void)
{
	struct m *me = getm();
	coordinator = me;
	roots_prepare();
	__atomic_store_n(&roots.next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&nslots, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&gc_bytesMarked, 0, __ATOMIC_RELAXED);   /* as every access */
	gc.scanWords = 0;
	gc.markCpuNs = 0;
	gc.nworkers = 0;
	workpool_reset(&pool);
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
	(void)__atomic_load_n(&pool.done, __ATOMIC_ACQUIRE);
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
	if (job < roots.mbase) {
		for (uint32_t i = 0; i < roots.nallg; i++) {
			struct g *gp = roots.allg[i];
			if (word >= gp->stack_slot && word < gp->stack_slot + stack_reserve()) {
				snprintf(buf, len, "the stack of goroutine %llu (saved sp %#lx, status %u, pc %#lx)",
				         (unsigned long long)gp->goid, (unsigned long)arch_context_sp(&gp->ctx),
				         gp->status, (unsigned long)arch_context_pc(&gp->ctx));
				return buf;
			}
		}
		return "a goroutine stack";
	}
	if (job < roots.abase) {
		snprintf(buf, len, "the g0 stack of M%u", job - roots.mbase);
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
	for (uint32_t j = 0; j < roots.njobs; j++) {
		markroot(&mk, j);
		while (cstack.n > 0) {
			struct centry e = cstack.e[--cstack.n];
			mk.job = e.job;
			mk.pathroot = e.pathroot;
			scanobject_span(&mk, e.obj);
		}
	}
	for (size_t a = 0; a < roots.narenas; a++)
		mheap_arena_spans(a, free_checkbits, NULL);
	if (rtflags.gccheckmark > 1)
		retain_report();
}


/* ---- the concurrent mark (gcconc=1) ------------------------------------------
 *
 * Go's gcStart / gcBgMarkWorker / gcMarkDone, in phase 1 (one dedicated
 * background worker, the coordinator, whose drains idle CPUs join; no
 * 25 % budget or assists yet):
 *   arm (world running, gc_barrier_arm by the cycle's starter): every
 *     tracked page clean, every TLB flushed, before anything is scanned;
 *   start (world stopped, gc_mark_conc_start): every goroutine's stack and
 *     G scanned, gc_marking set: allocate black, no span freed;
 *   concurrent (the worker goroutine, gc_mark_concurrent): .data, .bss and
 *     malloc blocks scanned, everything grey drained; then rounds: collect
 *     the pages written meanwhile, rescan the marked objects on them (and
 *     the root pages among them), drain; while the set shrinks; then a
 *     last round that also write-protects every page in hardware mode
 *     (gc_barrier_collect_last), so termination takes the fault bitmap;
 *   termination (world stopped, gc_mark_conc_done): the pages still dirty,
 *     every goroutine with a stack page or G written since the start, the
 *     roots in untracked memory (g0 stacks, timer heaps, finalizers),
 *     drain. Then the cycle ends as a stop-the-world one does.
 * Why it is complete: docs/gc.md, "The concurrent mark".
 *
 * Drain phases (Go's idle mark worker; docs/gc.md, "Who marks: drain
 * phases"): the serial steps (collect, rescan_page's pushes) are the
 * coordinator's alone, with no helper joined. Each drain is a phase:
 *   open  (phase_open): pool reset and bgw joined before; phase++, root
 *         jobs set, then gc_markhelp_wanted = HELP_CONC (seq_cst), and an
 *         IPI to each M asleep in stopm;
 *   join  (conc_help, from stopm's loop via gc_markhelp): nhelping++ then
 *         the seq_cst load of wanted; once per phase per M (helped[]), and
 *         only while fewer helpers than idle Ps; gcw_join refuses a pool
 *         already done. The helper claims root jobs, drains with its M's
 *         gcwork, and leaves when the pool is done, when it has found no
 *         work for HELPER_IDLE_SPINS polls, or as soon as the scheduler
 *         wants its CPU (idle_m_wanted) - handing back any grey objects;
 *   end   the pool's termination check (mgcwork.c): every joined worker
 *         waits and no full buffer is left;
 *   close (phase_close): wanted = HELP_NONE (seq_cst), then wait for
 *         nhelping == 0 (seq_cst loads, acquire against the helpers'
 *         release decrements): store buffering with the join, so no
 *         helper is still marking when the coordinator collects again. */

#define MAX_ROUNDS 8                    /* concurrent rescan rounds per cycle */
#define ROUND_ENOUGH_PAGES 32           /* a set this small: terminate */

uint32_t gc_marking;                    /* gc.h */
static struct gcwork bgw GC_NOSCAN;     /* the background worker's buffers */
/* Bytes allocated black, per M (its allocations only; atomic adds, read
 * with the world stopped). */
static uint64_t blackBytes[MAXCPU] GC_NOSCAN;

void gc_marknewobject(struct mspan *s, uint32_t idx)
{
	if (span_mark(s, idx))
		/* relaxed: a total read after the world stops */
		__atomic_fetch_add(&blackBytes[getm()->id], s->elemsize, __ATOMIC_RELAXED);
}

/* ---- drain phases that idle CPUs join ----
 * conc_drain is one phase: open, mark, close. Shared state: */
static uint32_t phase;                  /* drain phases opened this boot; written
                                           by the coordinator while closed */
static uint32_t helped[MAXCPU] GC_NOSCAN; /* per M: the last phase it joined; own M */
static uint32_t phase_next, phase_njobs; /* root jobs of the open phase (conc_job);
                                           next: atomic claims */
static uint32_t nconchelpers;           /* idle CPUs inside a phase now; atomic */
static uint32_t nmarking;               /* of them, joined to the pool; atomic */
static uint32_t peakhelpers;            /* most joined at once this cycle; atomic */

/* Root job i of the first phase: .data, .bss, then one per arena's malloc
 * blocks. */
static uint32_t conc_job(uint32_t i)
{
	return i == 0 ? ROOT_DATA : i == 1 ? ROOT_BSS : roots.abase + (i - 2);
}

static void claim_roots(struct marker *mk, bool helper)
{
	for (;;) {
		/* relaxed: only hands out numbers; the jobs are read-only */
		uint32_t j = __atomic_fetch_add(&phase_next, 1, __ATOMIC_RELAXED);
		if (j >= phase_njobs)
			return;
		markroot(mk, conc_job(j));
		gcw_balance(mk->w);
		if (!helper)
			budget_check();
	}
}

/* An idle CPU leaves as soon as the scheduler wants it: it was handed a
 * P (a goroutine is runnable), or an idle P's timer is due. */
static bool sched_wants_me(void)
{
	return idle_m_wanted(getm());
}

/* ---- the coordinator's budget (Go's 25 %: pacer_mark_workers) ----
 * The coordinator is the one dedicated worker when GOMAXPROCS >= 4; below
 * that it is the fractional worker: every 64 objects it compares its mark
 * time this cycle with its share of the time since the mark began, and
 * over budget it yields its P (Gosched) if another goroutine waits for
 * one (in its P's run queue or the global one). If none does, it marks
 * on, as Go's idle worker would, without paying for a trip through the
 * scheduler. Its mark time is counted between checks, less the time it
 * spent yielded: an approximation (a preemption between two checks counts
 * as marking). The budget holds for the first phase (roots and the bulk
 * of the graph) only: the rescan rounds run flat out, because whatever is
 * written while a round is slow is dirty for the next round, and the
 * last round's slowness would be paid in the termination pause. Owner:
 * the coordinator; read at termination. */
static struct {
	uint32_t frac_ppm;              /* 0: dedicated, or in a rescan round */
	int64_t start, last;            /* nanotime: the mark's start, the last check */
	int64_t markNs;                 /* marked so far */
	uint64_t yields;                /* over budget with others waiting: yielded */
} budget GC_NOSCAN;

static void budget_start(void)
{
	uint32_t frac;
	int ded = pacer_mark_workers(__atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED), &frac);
	budget.frac_ppm = ded > 0 ? 0 : frac;
	budget.start = budget.last = nanotime();
	budget.markNs = 0;
	budget.yields = 0;
	gc.dedicated = ded > 0 ? 1 : 0;
	gc.fracPpm = budget.frac_ppm;
}

/* Does a goroutine wait for our P? (racy reads: a hint, checked again
 * at the next look) */
static bool others_runnable(void)
{
	struct p *pp = getm()->p;
	return (pp != NULL && !runq_empty(&pp->runq)) ||
	       __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) > 0;
}

static void budget_check(void)
{
	if (budget.frac_ppm == 0)
		return;
	int64_t now = nanotime();
	budget.markNs += now - budget.last;
	budget.last = now;
	if ((uint64_t)budget.markNs * 1000000 <= (uint64_t)(now - budget.start) * budget.frac_ppm ||
	    !others_runnable())
		return;
	budget.yields++;
	Gosched();
	budget.last = nanotime();
}

/* Go's idle mark worker: an M with no P, from its sleep loop
 * (gc_markhelp), joins the open phase once, with its own gcwork. At most
 * as many as there are idle Ps (Go runs it on an idle P; here the M has
 * given its P back, and counting idle Ps keeps the total within
 * GOMAXPROCS). */
static NO_SANITIZE_ADDRESS void conc_help(struct m *m)
{
	/* relaxed: written before the seq_cst store that opened the phase,
	 * which our seq_cst load of gc_markhelp_wanted saw */
	uint32_t ph = __atomic_load_n(&phase, __ATOMIC_RELAXED);
	if (helped[m->id] == ph)
		return;                 /* this phase had us: sleep till the next */
	helped[m->id] = ph;
	struct gcwork *w = &gcws[m->id];
	/* relaxed: an admission count, like nslots */
	if (__atomic_fetch_add(&nconchelpers, 1, __ATOMIC_RELAXED) <
	    (uint32_t)__atomic_load_n(&sched.npidle, __ATOMIC_RELAXED)) {
		w->bytesMarked = w->scanWords = 0;
		w->should_leave = sched_wants_me;
		if (gcw_join(w, &pool)) {
			/* relaxed: statistics */
			uint32_t k = __atomic_add_fetch(&nmarking, 1, __ATOMIC_RELAXED);
			uint32_t peak = __atomic_load_n(&peakhelpers, __ATOMIC_RELAXED);
			while (k > peak && !arch_cas(&peakhelpers, &peak, k, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				;
			int64_t t0 = nanotime();
			struct marker mk = { .w = w, .conc = true };
			claim_roots(&mk, true);
			if (__builtin_expect(drop_every != 0, 0))
				drain(&mk, HELPER_IDLE_SPINS, DROP | CONC | HELPER);
			else
				drain(&mk, HELPER_IDLE_SPINS, CONC | HELPER);
			gcw_leave(w);
			/* relaxed: totals read after the coordinator saw us
			 * leave (nhelping's release) */
			__atomic_fetch_add(&gc.markCpuNs, (uint64_t)(nanotime() - t0), __ATOMIC_RELAXED);
			__atomic_fetch_add(&gc_bytesMarked, w->bytesMarked, __ATOMIC_RELAXED);
			__atomic_fetch_add(&gc.scanWords, w->scanWords, __ATOMIC_RELAXED);
			__atomic_fetch_sub(&nmarking, 1, __ATOMIC_RELAXED);
		}
	}
	__atomic_fetch_sub(&nconchelpers, 1, __ATOMIC_RELAXED);
}

/* Open a phase with njobs root jobs (conc_job): the pool is fresh and bgw
 * joined; wake the idle CPUs (those asleep in stopm) to join. */
static void phase_open(uint32_t njobs)
{
	__atomic_store_n(&phase_next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&phase_njobs, njobs, __ATOMIC_RELAXED);
	__atomic_store_n(&phase, phase + 1, __ATOMIC_RELAXED);
	/* seq_cst (so release): the jobs, the phase number and the pool
	 * before any helper's seq_cst load in gc_markhelp sees it open */
	__atomic_store_n(&gc_markhelp_wanted, HELP_CONC, __ATOMIC_SEQ_CST);
	/* An M that goes idle after this joins from stopm's loop itself. */
	spin_lock(&sched.lock);
	uint64_t idle = sched.midle;
	spin_unlock(&sched.lock);
	int npidle = __atomic_load_n(&sched.npidle, __ATOMIC_RELAXED);
	for (int i = 0; i < ncpu && npidle > 0; i++)
		if (idle & (1ULL << i)) {
			arch_send_ipi(i);
			npidle--;
		}
}

/* Close the phase after the pool said done: no new helper joins, and
 * every one that did has left - so the coordinator alone owns the graph's
 * grey set again, for the next collect and rescan. The seq_cst store
 * then loads are gc_mark's store-buffering pair with gc_markhelp; the
 * loads are also acquire against each helper's release decrement. */
static void phase_close(void)
{
	__atomic_store_n(&gc_markhelp_wanted, HELP_NONE, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&nhelping, __ATOMIC_SEQ_CST) != 0)
		pool_wait();
	/* acquire; pairs with the release that set done */
	(void)__atomic_load_n(&pool.done, __ATOMIC_ACQUIRE);
}

/* One phase: open it, claim root jobs, drain everything grey with whoever
 * joined, close it, and open the pool again for the coordinator's next
 * pushes. The pool's termination check ends the drain. */
static NO_SANITIZE_ADDRESS void conc_drain(struct marker *mk, uint32_t njobs)
{
	phase_open(njobs);
	claim_roots(mk, false);
	if (__builtin_expect(drop_every != 0, 0))
		drain(mk, 0, DROP | CONC | BUDGET);
	else
		drain(mk, 0, CONC | BUDGET);
	gcw_leave(mk->w);
	phase_close();
	workpool_reset(&pool);
	if (!gcw_join(mk->w, &pool))
		throw("gc: the concurrent mark's work pool is closed");
}

static uint32_t barrier_ignore;         /* debug: GC_PAGES_* the rescan skips */

void gc_debug_barrier_ignore(uint32_t kinds)
{
	/* relaxed: read by the mark worker; a cycle begun before the call
	 * may or may not see it, as a test expects */
	__atomic_store_n(&barrier_ignore, kinds, __ATOMIC_RELAXED);
}

static inline bool ignored(uint32_t kind)
{
	return __builtin_expect(__atomic_load_n(&barrier_ignore, __ATOMIC_RELAXED) & kind, 0);
}

static void scan_clip(struct marker *mk, uintptr_t lo, uintptr_t hi, uintptr_t a, uintptr_t b)
{
	if (a < lo)
		a = lo;
	if (b > hi)
		b = hi;
	if (a < b)
		scanblock(mk, a, b);
}

/* A page written since its last collect: scan what of it the mark must
 * see again - the roots on it (.data, .bss), or the words on it of every
 * marked object (a GC span) or allocated block (a malloc span). Only the
 * page's own words: the rest of each object was not written, or is on a
 * page of its own in the set. Other pages (manual spans: stacks, work
 * buffers, timer heaps; free pages) hold nothing the mark reads here. */
static void rescan_page(uintptr_t page, void *arg)
{
	struct marker *mk = arg;
	uintptr_t end = page + MMU_PAGE_SIZE;
	if (page < (uintptr_t)__bss_end && end > (uintptr_t)__data_start) {
		if (ignored(GC_PAGES_GLOBALS))
			return;
		scan_clip(mk, page, end, (uintptr_t)__data_start, (uintptr_t)__data_end);
		scan_clip(mk, page, end, (uintptr_t)__bss_start, (uintptr_t)__noscan_start);
		scan_clip(mk, page, end, (uintptr_t)__noscan_end, (uintptr_t)__bss_end);
		return;
	}
	if (page - heap_lo >= heap_span)
		return;
	struct mspan *s = spanOf(page);
	/* acquire: pairs with span_publish (see greyobject) */
	if (s == NULL || __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != mSpanInUse ||
	    spanclass_noscan(s->spanclass))
		return;
	uintptr_t send = s->startAddr + s->npages * PAGE_SIZE;
	if (page < s->startAddr || page >= send)
		return;
	if (ignored(s->collect ? GC_PAGES_HEAP : GC_PAGES_MALLOC))
		return;
	if (spanclass_sizeclass(s->spanclass) == 0) {
		if (s->collect ? span_is_marked(s, 0) : span_is_alloc(s, 0))
			scanblock(mk, page, end);
		return;
	}
	uint32_t last = span_objindex(s, end - 1);
	for (uint32_t i = span_objindex(s, page); i <= last && i < s->nelems; i++) {
		if (!(s->collect ? span_is_marked(s, i) : span_is_alloc(s, i)))
			continue;
		uintptr_t o = s->startAddr + i * s->elemsize;
		scan_clip(mk, page, end, o, o + s->elemsize);
	}
}

void gc_mark_conc_start(void)
{
	roots_prepare();
	__atomic_store_n(&gc_bytesMarked, 0, __ATOMIC_RELAXED);   /* as every access */
	memset(blackBytes, 0, sizeof blackBytes);
	gc.scanWords = 0;
	gc.markCpuNs = 0;
	gc.nworkers = 1;
	__atomic_store_n(&peakhelpers, 0, __ATOMIC_RELAXED);
	gc.rounds = 0;
	gc.rescanPages = 0;
	gc.rescanGs = 0;
	workpool_reset(&pool);
	if (!gcw_join(&bgw, &pool))
		throw("gc: the concurrent mark's work pool is closed");
	bgw.bytesMarked = bgw.scanWords = 0;
	/* Goroutine stacks now, with the world stopped: a running
	 * goroutine's stack cannot be read from another CPU, and each
	 * stack page or G written since the arm is in the barrier's stack
	 * set, which mark termination rescans. */
	struct marker mk = { .w = &bgw };
	if (roots.walkallgs)
		markroot(&mk, roots.gbase);
	else
		for (uint32_t i = 0; i < roots.nallg; i++)
			scan_g(&mk, roots.allg[i]);
	/* relaxed: starting the world publishes it to every CPU */
	__atomic_store_n(&gc_marking, 1, __ATOMIC_RELAXED);
}

/* One concurrent round: collect the pages written since the last one,
 * rescan them, drain. Returns how many pages. */
static size_t rescan_round(struct marker *mk, size_t (*collect)(void))
{
	size_t n = collect();
	gc.rounds++;
	gc.rescanPages += n;
	gc_barrier_foreach_dirty(rescan_page, mk);
	conc_drain(mk, 0);
	return n;
}

void gc_mark_concurrent(void)
{
	int64_t t0 = nanotime();
	budget_start();
	struct marker mk = { .w = &bgw, .conc = true };
	conc_drain(&mk, 2 + (uint32_t)roots.narenas);  /* .data, .bss, malloc blocks */
	budget.frac_ppm = 0;            /* rescan rounds: flat out */
	size_t prev = SIZE_MAX;
	for (int r = 0; r < MAX_ROUNDS - 1; r++) {
		size_t n = rescan_round(&mk, gc_barrier_collect_more);
		if (n <= ROUND_ENOUGH_PAGES || n > prev / 2)
			break;          /* small enough, or no longer shrinking */
		prev = n;
	}
	/* The last round also write-protects every page in hardware mode,
	 * so termination takes the fault bitmap alone (barrier.h). */
	rescan_round(&mk, gc_barrier_collect_last);
	/* relaxed: as the helpers' adds */
	__atomic_fetch_add(&gc.markCpuNs, (uint64_t)(nanotime() - t0), __ATOMIC_RELAXED);
}

/* Was gp's stack or G written since the start of the mark? */
static bool g_dirty(struct g *gp)
{
	if (ignored(GC_PAGES_STACKS))
		return false;
	uintptr_t lo = __atomic_load_n(&gp->stack_mapped, __ATOMIC_RELAXED);
	return gc_barrier_dirty_range(lo, (uintptr_t)(gp + 1));
}

NO_SANITIZE_ADDRESS void gc_mark_conc_done(void)
{
	int64_t t0 = nanotime();
	roots_prepare();        /* every goroutine, for the rescan and checkmark */
	struct marker mk = { .w = &bgw };
	gc.termPages = gc_barrier_collect_more();
	gc.rescanPages += gc.termPages;
	gc_barrier_foreach_dirty(rescan_page, &mk);
	for (struct g *gp = sched.allgs; gp; gp = gp->alllink)  /* world stopped */
		if (gstatus(gp) != Gdead && g_dirty(gp)) {
			scan_g(&mk, gp);
			gc.rescanGs++;
		}
	/* Roots outside tracked pages: g0 stacks, timer heaps, finalizers. */
	for (uint32_t j = roots.mbase; j < roots.abase; j++)
		markroot(&mk, j);
	markroot(&mk, ROOT_RUNTIME);
	markroot(&mk, ROOT_FINALIZERS);
	if (__builtin_expect(drop_every != 0, 0))
		drain(&mk, 0, DROP);
	else
		drain(&mk, 0, 0);
	gcw_leave(&bgw);
	/* relaxed: starting the world publishes it */
	__atomic_store_n(&gc_marking, 0, __ATOMIC_RELAXED);
	mcentral_release_deferred();
	uint64_t black = 0;
	for (int i = 0; i < MAXCPU; i++)
		black += __atomic_load_n(&blackBytes[i], __ATOMIC_RELAXED);
	gc.blackBytes = black;
	/* relaxed: the helpers' shares were added before the coordinator
	 * saw them leave (phase_close) */
	__atomic_fetch_add(&gc_bytesMarked, bgw.bytesMarked + black, __ATOMIC_RELAXED);
	gc.scanWords += bgw.scanWords;
	gc.nworkers = 1 + (int)__atomic_load_n(&peakhelpers, __ATOMIC_RELAXED);
	gc.budgetYields = budget.yields;
	gc.markCpuNs += (uint64_t)(nanotime() - t0);
}
