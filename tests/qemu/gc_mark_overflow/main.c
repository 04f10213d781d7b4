// TEST: smp=1,2 bootargs="gcconc=1 gogc=800" status=0 timeout=300 mem=128M
// EXPECT: ^gc_mark_overflow: heap full: [0-9]+ cycles, [0-9]+ MiB allocated on a 128 MiB machine, every list intact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=1,2 bootargs="gcconc=1 gogc=800 gcsatb=0" status=0 timeout=300 mem=128M
// EXPECT: ^gc_mark_overflow: heap full: [0-9]+ cycles, [0-9]+ MiB allocated on a 128 MiB machine, every list intact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=1,2 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 test=1" status=0 timeout=300
// EXPECT: ^gc_mark_overflow: starved work buffers: [1-9][0-9]* heap rescans in [0-9]+ cycles, every list intact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=1,2 bootargs="gccheckmark=1 gcpoison=1 test=1" status=0 timeout=300
// EXPECT: ^gc_mark_overflow: starved work buffers: [1-9][0-9]* heap rescans in [0-9]+ cycles, every list intact$
// EXPECT: ^PASS$
// REJECT: fatal error
/*
 * gc_mark_overflow - the mark's own memory (kernel/gc/mgcwork.c, "Reserve"
 * and "Overflow"; docs/gc.md, "The mark's own memory"). The work buffers
 * come from the heap the mark marks: the mark must finish when that heap
 * is full, and never die for want of a buffer.
 *
 * Default (test=0): the heap fills during concurrent marks. GOGC=800 puts
 * the goal (9 x ~24 MiB live) above the 128 MiB of RAM, so the pacer
 * never starts a cycle: the heap fills, an allocation finds no memory and
 * runs GC() (gc_collect_for_oom), which starts a concurrent mark with
 * not a page free, while the other goroutines keep allocating into the
 * same full heap and wait for that mark. Before the reserve this ended in
 * "fatal error: runtime: out of memory allocating GC work buffers" (seen
 * in bench/gc test=9 at 256 MiB, about 1 run in 3 on aarch64 LSE). It
 * must end with every list intact and no fatal error.
 *
 * test=1: the pushes of the mark get no empty buffer at all
 * (gc_debug_workbuf_starve), as if the reserve were used up too: every
 * worker keeps two buffers and drops the rest of its grey objects, and
 * the mark must make up for it by rescanning the marked heap. A wide
 * table (8192 pointers) and long lists give it plenty to drop. Checkmark
 * (gccheckmark=1) verifies every cycle, gcpoison=1 makes any object freed
 * by mistake visible in the checksums, and the cycles must report the
 * rescans (gc_last_cycle().mark_overflows), or the hook did nothing.
 */
#include <stdint.h>
#include "tests/qemu/testing.h"
#include "gort.h"
#include "kernel/gc/gc.h"

#define NSLOTS 96
#define NWIDE 8192

struct node {
	struct node *next;
	struct node *kid;               /* a leaf, so every node has a child */
	uint64_t v;
	uint64_t pad;
};

struct slot {
	struct node *head;
	uint64_t sum, n;                /* what the list must add up to */
	uint32_t lock;
};

static struct slot slots[NSLOTS];
/* Per churner: a table of leaves, one large object that grows from 4,096
 * to 65,536 pointers as the run goes on. Scanning it pushes up to 16,384
 * leaves at once (one 128 KiB oblet), so the grey set, and with it the
 * buffers the mark needs, grows in cycles that start with the heap
 * full: buffers kept from earlier cycles are not enough. */
#define NCHURN 3
static struct node **big[NCHURN + 1];
static uint64_t bign[NCHURN + 1];
static struct node **wide;              /* NWIDE list heads, one object */
static uint64_t widesum[NWIDE];
static int64_t done, allocated;

static struct node *newlist(uint64_t seed, uint64_t n, uint64_t *sum)
{
	struct node *h = NULL;
	*sum = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct node *x = mallocgc(sizeof *x);
		x->kid = mallocgc(sizeof *x);
		x->v = seed * 2654435761u + i;
		x->kid->v = ~x->v;
		x->next = h;
		h = x;
		*sum += x->v;
	}
	return h;
}

static uint64_t listsum(const struct node *h, uint64_t *n)
{
	uint64_t s = 0;
	*n = 0;
	for (; h; h = h->next) {
		CHECK(h->kid && h->kid->v == ~h->v, "node %#llx lost its leaf",
		      (unsigned long long)h->v);
		s += h->v;
		(*n)++;
	}
	return s;
}

static void check_slot(struct slot *s)
{
	uint64_t n, sum = listsum(s->head, &n);
	CHECK(n == s->n && sum == s->sum, "list of %llu nodes: %llu nodes, sum %#llx want %#llx",
	      (unsigned long long)s->n, (unsigned long long)n, (unsigned long long)sum,
	      (unsigned long long)s->sum);
}

static void check_big(uint64_t seed)
{
	for (uint64_t i = 0; i < bign[seed]; i++)
		CHECK(big[seed][i]->v == (seed << 32 | i), "table %llu: leaf %llu lost",
		      (unsigned long long)seed, (unsigned long long)i);
}

static void new_big(uint64_t seed, uint64_t n)
{
	struct node **t = mallocgc(n * sizeof *t);
	for (uint64_t i = 0; i < n; i++) {
		t[i] = mallocgc(sizeof **t);
		t[i]->v = seed << 32 | i;
	}
	big[seed] = t;
	bign[seed] = n;
}

/* Replace slots' lists with fresh ones (each about 256 KiB: the heap
 * fills with dropped lists), checking the old one first. */
static void churner(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg, rounds = (uint64_t)BootFlagTest() ? 400 : 1600;
	uint64_t grow = 200;            /* rounds between two doublings of the table */
	if (BootFlagTestShort()) {      /* a quarter of the rounds, the same growth */
		rounds /= 4;
		grow /= 4;
	}
	for (uint64_t r = 0; r < rounds; r++) {
		if (r % 50 == 0) {
			uint64_t n = 4096ull << (r / grow < 4 ? r / grow : 4);
			check_big(seed);
			new_big(seed, n);
		}
		struct slot *s = &slots[(seed * 31 + r * 7) % NSLOTS];
		while (__atomic_exchange_n(&s->lock, 1, __ATOMIC_ACQUIRE))
			Gosched();
		check_slot(s);
		uint64_t sum, n = 2048 + (seed + r) % 2048;
		s->head = newlist(seed * 100000 + r, n, &sum);
		s->sum = sum;
		s->n = n;
		__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
		atomic_add64(&allocated, (int64_t)(n * 2 * 32));
	}
	atomic_add64(&done, 1);
}

int main(void)
{
	bool starve = BootFlagTest() == 1;
	wide = mallocgc(NWIDE * sizeof *wide);
	for (int i = 0; i < NWIDE; i++)
		wide[i] = newlist(1000000 + (uint64_t)i, 8, &widesum[i]);
	for (int i = 0; i < NSLOTS; i++) {
		slots[i].n = 2048;
		slots[i].head = newlist((uint64_t)i, 2048, &slots[i].sum);
	}
	if (starve)
		gc_debug_workbuf_starve(true);
	struct MemStats ms;
	ReadMemStats(&ms);
	uint32_t gc0 = ms.NumGC, rescans = 0;
	for (int i = 0; i < NCHURN; i++)
		go(churner, (void *)(uintptr_t)(i + 1));
	int forced = 0, nforced = BootFlagTestShort() ? 4 : 16;
	while (atomic_load64(&done) < NCHURN) {
		if (starve && forced++ < nforced) {  /* each rescans the heap often */
			GC();
			struct gc_cycle_stats st;
			gc_last_cycle(&st);
			rescans += st.mark_overflows;
		} else {
			Sleep(10 * Millisecond);
		}
	}
	gc_debug_workbuf_starve(false);
	GC();
	for (int i = 0; i < NSLOTS; i++)
		check_slot(&slots[i]);
	for (uint64_t i = 1; i <= NCHURN; i++)
		check_big(i);
	for (int i = 0; i < NWIDE; i++) {
		uint64_t n, sum = listsum(wide[i], &n);
		CHECK(n == 8 && sum == widesum[i], "wide list %d: %llu nodes", i, (unsigned long long)n);
	}
	ReadMemStats(&ms);
	if (starve) {
		CHECK(rescans > 0, "the starved mark never overflowed (%u cycles)", ms.NumGC - gc0);
		printf("gc_mark_overflow: starved work buffers: %u heap rescans in %u cycles, every list intact\n",
		       rescans, ms.NumGC - gc0);
	} else {
		CHECK(ms.NumGC - gc0 > 0, "no cycle ran");
		printf("gc_mark_overflow: heap full: %u cycles, %llu MiB allocated on a 128 MiB machine, every list intact\n",
		       ms.NumGC - gc0, (unsigned long long)(atomic_load64(&allocated) >> 20));
	}
	printf("PASS\n");
	return 0;
}
