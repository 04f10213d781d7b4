// SOURCES: kernel/mm/mspan.c kernel/mm/sizeclasses.c tests/host/stubs_mm.c
/*
 * test_markbits.c - the GC's per-span bit work (kernel/mm/mspan.h, mspan.c):
 *   - popcount64 against a bit loop for 0, ~0, every single bit, and many
 *     random words of low, medium and high density;
 *   - span_mark: for every class, objects marked in random order with
 *     repeats: true exactly on the first mark of an object in the cycle,
 *     span_is_marked agrees with a model bitmap, no other bit of gcmarkBits
 *     (tail bits past nelems included) and no allocBit changes;
 *   - span_sweep_bits, thousands of random rounds (fixed seed), each on a
 *     span of a random class whose bitmap is malloc'ed at exactly
 *     2 * span_bitwords(nelems) words (so ASan sees any overrun). A round
 *     runs two GC cycles on the span: allocate a random subset (through
 *     span_next_free and span_clear_alloc as the allocator and free() do,
 *     or by setting allocBits directly), mark a random subset of the
 *     allocated objects with span_mark, sweep, and check against a model:
 *       . the return value == allocated-but-unmarked;
 *       . the dead callback ran once for exactly those indices, with the
 *         span and arg it was given;
 *       . the new allocBits == the old mark bits, the new gcmarkBits are
 *         all zero, allocCount == the number marked;
 *       . span_bits_base stays the lower (malloc'ed) array while the two
 *         arrays swap at each sweep;
 *       . span_next_free then hands out exactly the freed and never
 *         allocated objects, each once, lowest first, nothing >= nelems.
 *     Between the two cycles some objects are allocated (a partial refill),
 *     so the second sweep works on bits that went through the first.
 *     Special rounds: nothing allocated, everything live, everything dead,
 *     and a large (one-object) span.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kernel/mm/mspan.h"
#include "kernel/mm/mheap.h"

#define ROUNDS 20000
#define MAXN   1024                      /* most objects of any class (class 1) */

static uint64_t rnd = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) { rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17; return rnd; }
static uint32_t below(uint32_t n) { return (uint32_t)(next() % n); }

static unsigned naive_popcount(uint64_t x)
{
	unsigned n = 0;
	for (int i = 0; i < 64; i++)
		n += (x >> i) & 1;
	return n;
}

static void test_popcount(void)
{
	CHECK(popcount64(0) == 0, "popcount64(0) = %u", popcount64(0));
	CHECK(popcount64(~0ULL) == 64, "popcount64(~0) = %u", popcount64(~0ULL));
	for (int i = 0; i < 64; i++) {
		CHECK(popcount64(1ULL << i) == 1, "popcount64(1<<%d)", i);
		CHECK(popcount64(~(1ULL << i)) == 63, "popcount64(~(1<<%d))", i);
		CHECK(popcount64((1ULL << i) - 1) == (unsigned)i, "popcount64(low %d bits)", i);
	}
	int bad = 0;
	for (int k = 0; k < 300000 && bad < 5; k++) {
		uint64_t x;
		switch (k % 3) {
		case 0: x = next() & next() & next(); break;   /* sparse */
		case 1: x = next(); break;
		default: x = next() | next() | next(); break;  /* dense */
		}
		if (popcount64(x) != naive_popcount(x)) {
			bad++;
			CHECK(0, "popcount64(%#llx) = %u, want %u", (unsigned long long)x,
			      popcount64(x), naive_popcount(x));
		}
	}
}

/* A small span of class c on a malloc'ed bitmap of exactly 2*w words. */
static uint64_t *new_span(struct mspan *s, int c)
{
	memset(s, 0, sizeof *s);
	s->startAddr = 0x40000000;
	s->npages = class_to_allocnpages[c];
	uint32_t w = span_bitwords(class_to_nelems[c]);
	if (class_to_nelems[c] > MAXN) {
		printf("FAIL: class %d has %u objects, the test models at most %d\n", c,
		       class_to_nelems[c], MAXN);
		exit(1);
	}
	uint64_t *bits = malloc(2 * w * sizeof(uint64_t));
	memset(bits, 0xa5, 2 * w * sizeof(uint64_t));     /* init must clear it */
	span_init_small(s, make_spanclass(c, c & 1), bits);
	return bits;
}

/* ---- span_mark --------------------------------------------------------- */

static void test_mark(int c)
{
	struct mspan s;
	uint64_t *bits = new_span(&s, c);
	uint32_t n = s.nelems, w = span_bitwords(n);
	static uint64_t model[MAXN / 64];
	memset(model, 0, sizeof model);
	CHECK(n > 0 && n <= MAXN, "class %d: %u objects", c, n);
	CHECK(s.allocBits == bits && s.gcmarkBits == bits + w, "class %d: bit arrays", c);
	for (uint32_t i = 0; i < 2 * w; i++)
		CHECK(bits[i] == 0, "class %d: bitmap word %u not cleared by init", c, i);
	CHECK(s.sweepgen == mheap_sweepgen, "class %d: sweepgen %u, want %u", c, s.sweepgen, mheap_sweepgen);

	/* 3n random marks: most objects get marked, many more than once */
	int bad = 0;
	for (uint32_t k = 0; k < 3 * n && bad < 5; k++) {
		uint32_t idx = below(n);
		bool was = (model[idx / 64] >> (idx % 64)) & 1;
		bool got = span_mark(&s, idx);
		model[idx / 64] |= 1ULL << (idx % 64);
		if (got == was || !span_is_marked(&s, idx)) {
			bad++;
			CHECK(0, "class %d: span_mark(%u) = %d, already marked %d, is_marked %d",
			      c, idx, got, was, span_is_marked(&s, idx));
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		bool want = (model[i / 64] >> (i % 64)) & 1;
		if (span_is_marked(&s, i) != want) {
			CHECK(0, "class %d: is_marked(%u) = %d, want %d", c, i, !want, want);
			break;
		}
	}
	/* every remaining object: marked exactly once, then never again */
	for (uint32_t i = 0; i < n; i++) {
		bool was = (model[i / 64] >> (i % 64)) & 1;
		if (!was)
			CHECK(span_mark(&s, i), "class %d: first mark of %u returned false", c, i);
		CHECK(!span_mark(&s, i), "class %d: second mark of %u returned true", c, i);
		model[i / 64] |= 1ULL << (i % 64);
	}
	for (uint32_t i = 0; i < w; i++) {
		CHECK(s.gcmarkBits[i] == model[i], "class %d: mark word %u = %#llx, want %#llx", c, i,
		      (unsigned long long)s.gcmarkBits[i], (unsigned long long)model[i]);
		CHECK(s.allocBits[i] == 0, "class %d: marking touched alloc word %u", c, i);
	}
	free(bits);
}

/* ---- span_sweep_bits ----------------------------------------------------- */

static uint8_t dead_seen[MAXN];
static uint32_t dead_calls;
static struct mspan *dead_span_want;
static int dead_arg_token;
static int dead_bad_args;

static void dead_cb(struct mspan *s, uint32_t idx, void *arg)
{
	dead_calls++;
	if (s != dead_span_want || arg != &dead_arg_token || idx >= MAXN) {
		dead_bad_args++;
		return;
	}
	dead_seen[idx]++;
}

static bool bit(const uint64_t *m, uint32_t i) { return (m[i / 64] >> (i % 64)) & 1; }
static void setbit(uint64_t *m, uint32_t i) { m[i / 64] |= 1ULL << (i % 64); }
static void clrbit(uint64_t *m, uint32_t i) { m[i / 64] &= ~(1ULL << (i % 64)); }

/* How the objects of a cycle are chosen. */
enum { SPARSE, DENSE, RANDOM, NONE, ALL, NMODES };

static bool pick(int mode, uint32_t p)  /* p: a per-cycle density 0..255 */
{
	switch (mode) {
	case NONE: return false;
	case ALL: return true;
	case SPARSE: return below(16) == 0;
	case DENSE: return below(16) != 0;
	default: return below(256) < p;
	}
}

/* One GC cycle on s against the model alloc bitmap: mark some of the
 * allocated objects, sweep, check. Returns false after a failure (the
 * caller stops the round: the model no longer describes the span). */
static bool cycle(struct mspan *s, uint64_t *base, uint64_t *alloc, int markmode, int sweepno,
                  const char *what)
{
	uint32_t n = s->nelems, w = span_bitwords(n);
	uint64_t mark[MAXN / 64] = { 0 };
	uint32_t p = below(256), nmarked = 0, nalloc = 0, ndead = 0;
	int c = spanclass_sizeclass(s->spanclass);
	int f0 = nfail;

	for (uint32_t i = 0; i < n; i++) {
		if (!bit(alloc, i))
			continue;
		nalloc++;
		if (pick(markmode, p)) {
			CHECK(span_mark(s, i), "%s class %d: mark %u", what, c, i);
			setbit(mark, i);
			nmarked++;
			if (below(4) == 0)     /* found again by another pointer */
				CHECK(!span_mark(s, i), "%s class %d: remark %u", what, c, i);
		}
	}
	ndead = nalloc - nmarked;

	memset(dead_seen, 0, sizeof dead_seen);
	dead_calls = 0;
	dead_bad_args = 0;
	dead_span_want = s;
	uint64_t *oldalloc = s->allocBits, *oldmark = s->gcmarkBits;
	uint32_t freed = span_sweep_bits(s, dead_cb, &dead_arg_token);

	CHECK(freed == ndead, "%s class %d: sweep freed %u, want %u (alloc %u, marked %u)", what, c,
	      freed, ndead, nalloc, nmarked);
	CHECK(dead_calls == ndead, "%s class %d: %u dead callbacks, want %u", what, c, dead_calls, ndead);
	CHECK(dead_bad_args == 0, "%s class %d: %d callbacks with a wrong span/arg/index", what, c,
	      dead_bad_args);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t want = bit(alloc, i) && !bit(mark, i);
		if (dead_seen[i] != want) {
			CHECK(0, "%s class %d: object %u dead-called %u times, want %u", what, c, i,
			      dead_seen[i], want);
			break;
		}
	}
	for (uint32_t i = n; i < MAXN; i++)
		if (dead_seen[i]) {
			CHECK(0, "%s class %d: dead callback for %u >= nelems %u", what, c, i, n);
			break;
		}
	/* the arrays swapped; the bitmap allocation is still found */
	CHECK(s->allocBits == oldmark && s->gcmarkBits == oldalloc, "%s class %d: arrays not swapped",
	      what, c);
	CHECK(span_bits_base(s) == base, "%s class %d: span_bits_base %p, want %p", what, c,
	      (void *)span_bits_base(s), (void *)base);
	uint64_t *want_alloc = (sweepno & 1) ? base + w : base;
	CHECK(s->allocBits == want_alloc, "%s class %d: after sweep %d allocBits is %s half", what, c,
	      sweepno, s->allocBits == base ? "the lower" : "the upper");
	for (uint32_t i = 0; i < w; i++) {
		CHECK(s->allocBits[i] == mark[i], "%s class %d: new alloc word %u = %#llx, want marks %#llx",
		      what, c, i, (unsigned long long)s->allocBits[i], (unsigned long long)mark[i]);
		CHECK(s->gcmarkBits[i] == 0, "%s class %d: new mark word %u = %#llx, want 0", what, c, i,
		      (unsigned long long)s->gcmarkBits[i]);
	}
	CHECK(s->allocCount == (int32_t)nmarked, "%s class %d: allocCount %d, want %u", what, c,
	      s->allocCount, nmarked);
	for (uint32_t i = 0; i < n; i++)
		CHECK(span_is_marked(s, i) == false, "%s class %d: %u still marked", what, c, i);
	memcpy(alloc, mark, w * sizeof(uint64_t));
	return nfail == f0;
}

/* span_next_free count times (or until -1 if count < 0): each result must be
 * the lowest object the model says is free. */
static bool allocate(struct mspan *s, uint64_t *alloc, int count, const char *what)
{
	uint32_t n = s->nelems;
	int c = spanclass_sizeclass(s->spanclass);
	uint32_t low = 0;
	for (int k = 0; count < 0 || k < count; k++) {
		while (low < n && bit(alloc, low))
			low++;
		int idx = span_next_free(s);
		if (low == n) {
			CHECK(idx == -1, "%s class %d: span_next_free gave %d on a full span (nelems %u)",
			      what, c, idx, n);
			return idx == -1;
		}
		if (idx != (int)low) {
			CHECK(0, "%s class %d: span_next_free gave %d, want the free object %u", what, c, idx,
			      low);
			return false;
		}
		if (!span_is_alloc(s, (uint32_t)idx)) {
			CHECK(0, "%s class %d: %d handed out without its alloc bit", what, c, idx);
			return false;
		}
		setbit(alloc, low);
	}
	return true;
}

/* Give the span an initial random population. */
static void populate(struct mspan *s, uint64_t *alloc, int mode)
{
	uint32_t n = s->nelems, p = below(256);
	if (below(2)) {
		/* as the allocator and free() do: take a prefix, free some */
		uint32_t k = mode == NONE ? 0 : mode == ALL ? n : below(n + 1);
		allocate(s, alloc, (int)k, "populate");
		if (mode != ALL)
			for (uint32_t i = 0; i < k; i++)
				if (!pick(mode, p)) {
					CHECK(span_clear_alloc(s, i), "populate: free %u", i);
					clrbit(alloc, i);
				}
		/* the owner gives the span back; the count is the live objects */
		uint32_t live = 0;
		for (uint32_t i = 0; i < n; i++)
			live += bit(alloc, i);
		s->ncache = 0;
		s->allocCount = (int32_t)live;
	} else {
		/* directly in the bitmap */
		for (uint32_t i = 0; i < n; i++)
			if (pick(mode, p)) {
				s->allocBits[i / 64] |= 1ULL << (i % 64);
				setbit(alloc, i);
			}
	}
}

static void sweep_round(int r)
{
	char what[32];
	int c = 1 + (int)below(NUM_SIZE_CLASSES - 1);
	int amode = (int)below(NMODES), mmode1 = (int)below(NMODES), mmode2 = (int)below(NMODES);
	if (r < 3 * (NUM_SIZE_CLASSES - 1)) {  /* first: every class, in each special case */
		c = 1 + r % (NUM_SIZE_CLASSES - 1);
		int kind = r / (NUM_SIZE_CLASSES - 1);
		amode = kind == 0 ? NONE : ALL;           /* empty span / full span */
		mmode1 = mmode2 = kind == 1 ? ALL : NONE; /* all live / all dead */
	}
	snprintf(what, sizeof what, "round %d", r);
	struct mspan s;
	uint64_t *base = new_span(&s, c);
	uint64_t alloc[MAXN / 64] = { 0 };
	populate(&s, alloc, amode);
	if (!cycle(&s, base, alloc, mmode1, 1, what))
		goto out;
	/* partial refill between the cycles */
	if (!allocate(&s, alloc, (int)below(s.nelems + 1), what))
		goto out;
	if (!cycle(&s, base, alloc, mmode2, 2, what))
		goto out;
	/* everything not allocated now: freed or never taken, each once */
	allocate(&s, alloc, -1, what);
	CHECK(span_next_free(&s) == -1, "%s class %d: span not exhausted", what, c);
out:
	free(base);
}

/* A large span: one object; dead if unmarked, kept if marked. */
static void test_large(void)
{
	for (int live = 0; live < 2; live++) {
		struct mspan s;
		uint64_t bits[2];
		memset(&s, 0, sizeof s);
		s.startAddr = 0x40000000;
		s.npages = 5;
		span_init_large(&s, make_spanclass(0, false), bits);
		CHECK(s.nelems == 1 && s.elemsize == 5 * PAGE_SIZE, "large: nelems %u size %lu", s.nelems,
		      (unsigned long)s.elemsize);
		CHECK(span_next_free(&s) == 0, "large: object 0");
		CHECK(span_next_free(&s) == -1, "large: a second object");
		if (live)
			CHECK(span_mark(&s, 0), "large: mark");
		memset(dead_seen, 0, sizeof dead_seen);
		dead_calls = 0;
		dead_span_want = &s;
		uint32_t freed = span_sweep_bits(&s, dead_cb, &dead_arg_token);
		CHECK(freed == (uint32_t)!live, "large live=%d: freed %u", live, freed);
		CHECK(dead_calls == (uint32_t)!live && dead_seen[0] == !live, "large live=%d: callbacks", live);
		CHECK(s.allocBits == bits + 1 && s.gcmarkBits == bits && span_bits_base(&s) == bits,
		      "large: swap");
		CHECK(bits[1] == (uint64_t)live && bits[0] == 0, "large live=%d: bits %#llx %#llx", live,
		      (unsigned long long)bits[0], (unsigned long long)bits[1]);
		CHECK(s.allocCount == live, "large live=%d: allocCount %d", live, s.allocCount);
		CHECK(span_next_free(&s) == (live ? -1 : 0), "large live=%d: reuse", live);
		/* allocated again (live: still), unmarked: a second sweep frees
		 * it, and a NULL callback is allowed */
		CHECK(span_sweep_bits(&s, NULL, NULL) == 1, "large live=%d: 2nd sweep", live);
		CHECK(s.allocBits == bits && span_bits_base(&s) == bits && bits[0] == 0 && bits[1] == 0,
		      "large live=%d: after the 2nd sweep", live);
	}
}

int main(void)
{
	sizeclasses_init();
	test_popcount();
	for (int c = 1; c < NUM_SIZE_CLASSES; c++)
		test_mark(c);
	for (int r = 0; r < ROUNDS; r++)
		sweep_round(r);
	test_large();
	return check_summary();
}
