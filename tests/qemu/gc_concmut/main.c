// TEST: smp=2,4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=600 mem=256M
// EXPECT: ^gc_concmut: [0-9]+ moves over [0-9]+ cycles \([0-9]+ moves during a concurrent mark\), every object intact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: arch=riscv64 smp=2 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcbarrier=fault" status=0 timeout=600 mem=256M
// EXPECT: ^gc_concmut: [0-9]+ moves over [0-9]+ cycles \([0-9]+ moves during a concurrent mark\), every object intact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: arch=aarch64 cpu=max smp=2 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=600 mem=256M
// EXPECT: ^gc_concmut: [0-9]+ moves over [0-9]+ cycles \([0-9]+ moves during a concurrent mark\), every object intact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=2 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcsatbring=4 gctrace=2" status=0 timeout=600 mem=256M
// EXPECT: ^gc [0-9]+: snapshot at the beginning: .*; a ring overflowed: written pages rescanned$
// EXPECT: ^gc_concmut: [0-9]+ moves over [0-9]+ cycles \([0-9]+ moves during a concurrent mark\), every object intact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: arch=hosted smp=2 mapfail=50 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=600 mem=256M
// EXPECT: ^gc_concmut: [0-9]+ moves over [0-9]+ cycles \([0-9]+ moves during a concurrent mark\), every object intact$
// EXPECT: ^PASS$
// EXPECT: ^hosted: [1-9][0-9]* barrier fallbacks$
// REJECT: fatal error
// TEST: arch=hosted smp=2 mapfail=50 bootargs="gcconc=1 gcsatb=0 gccheckmark=1 gcpoison=1" status=0 timeout=600 mem=256M
// EXPECT: ^gc_concmut: [0-9]+ moves over [0-9]+ cycles \([0-9]+ moves during a concurrent mark\), every object intact$
// EXPECT: ^PASS$
// EXPECT: ^hosted: [1-9][0-9]* barrier fallbacks$
// REJECT: fatal error
// TEST: smp=2 bootargs="gcconc=1 gcsatb=0 gccheckmark=1 gcpoison=1" status=0 timeout=600 mem=256M
// EXPECT: ^gc_concmut: [0-9]+ moves over [0-9]+ cycles \([0-9]+ moves during a concurrent mark\), every object intact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=2 bootargs="gcconc=1 gcsatb=0 gccheckmark=1 test=4" status=2 timeout=600 mem=256M
// EXPECT: ^runtime: checkmark found unmarked object 0x[0-9a-f]+
// EXPECT: ^fatal error: checkmark found unmarked object$
// REJECT: ^PASS
// TEST: smp=2 bootargs="gcconc=1 gccheckmark=1 test=1" status=2 timeout=600 mem=256M
// EXPECT: ^runtime: checkmark found unmarked object 0x[0-9a-f]+
// EXPECT: ^fatal error: checkmark found unmarked object$
// REJECT: ^PASS
// TEST: smp=2 bootargs="gcconc=1 gccheckmark=1 test=2" status=2 timeout=600 mem=256M
// EXPECT: ^runtime: checkmark found unmarked object 0x[0-9a-f]+
// EXPECT: ^fatal error: checkmark found unmarked object$
// REJECT: ^PASS
// TEST: smp=2 bootargs="gcconc=1 gccheckmark=1 test=3" status=2 timeout=600 mem=256M
// EXPECT: ^runtime: checkmark found unmarked object 0x[0-9a-f]+
// EXPECT: ^fatal error: checkmark found unmarked object$
// REJECT: ^PASS
// TEST: smp=2 bootargs="gcconc=1 gccheckmark=1 test=4" status=2 timeout=600 mem=256M
// EXPECT: ^runtime: checkmark found unmarked object 0x[0-9a-f]+
// EXPECT: ^fatal error: checkmark found unmarked object$
// REJECT: ^PASS
/*
 * gc_concmut - the concurrent mark (gcconc=1) under mutators that move the
 * only reference to an object around while the collector marks: the
 * page-dirty barrier must make every such move visible to the mark.
 *
 * NM mutator goroutines each own NV victims: objects (filled with a
 * pattern derived from the id) with a child object reachable only through
 * them. The only pointer to a victim moves, again and again, between slots
 * of five kinds:
 *   old    - a slot of one of NOLD old nodes (allocated at the start, kept
 *            live by a .bss array; scanning them all takes the mark a
 *            while, so some are black and some still white);
 *   new    - a slot of a node allocated just now, itself reachable only
 *            through an old node's slot (allocated black during a mark);
 *   stack  - a slot of an array on the mutator's stack;
 *   global - a slot in a .bss array;
 *   malloc - a slot of the mutator's malloc block.
 * A move takes the pointer out and stores it elsewhere: either directly
 * (move_ptr(): the pointer never lands on the mutator's stack or in a register
 * that survives the next call, so no stale copy keeps it alive) or holding
 * it only in a local while allocating garbage (hold_move(): a cycle may
 * start or end meanwhile). A victim lives for about RENEW moves, across
 * many cycles: at each cycle's start it is white, and a move from a slot
 * the mark has not scanned yet into one it has scanned (a black old node,
 * a black new node) hides it - exactly what a concurrent mark without a
 * barrier loses. The garbage (4 KiB a move) keeps the collector busy, and
 * a cycler goroutine calls GC() back to back, so that the mutators run
 * inside a concurrent mark most of the time; the moves go on until both
 * MOVES per mutator and CYCLES cycles were done.
 *
 * test=1..4: the same with the barrier ignored for one kind of page
 * (gc_debug_barrier_ignore: 1 GC heap, 2 malloc blocks, 3 globals, 4
 * stacks): a victim moved into a slot of that kind behind the mark is
 * lost, and checkmark must say so (status 2) before the moves are done.
 *
 * Hosted, mapfail=50 makes every 50th write-protect change of the barrier
 * fail as at Linux's map-count limit: the port's fallback (every tracked
 * page writable and reported, arch/hosted/dirty.c) must keep every object
 * intact too.
 *
 * Run at 2 and 4 CPUs: at 1 the cycler, the worker and four mutators take
 * turns on one CPU and a run took 140-220 s, too long for make test.
 *
 * After every move the victim and its child must be intact: with
 * gcpoison=1 a wrongly freed object is overwritten with a poison pattern,
 * or reused and filled by the garbage (0x5a). gccheckmark=1 re-marks with
 * the world stopped after every cycle and fails on any object the
 * concurrent mark left white. Moves made while a concurrent mark runs are
 * counted: there must be some, or the test tested nothing.
 */
#include <stdlib.h>
#include <string.h>
#include "tests/qemu/testing.h"
#include "tests/qemu/gcmut.h"
#include "gort.h"
#include "kernel/gc/gc.h"

#define NM 4                    /* mutators */
#define NV 8                    /* victims per mutator */
#define NOLD 2048               /* old nodes per mutator */
#define NSLOT (2 * NV + 1)      /* victim k: slots 2k, 2k+1; the last: garbage */
#define MOVES 12000             /* per mutator, at least */
#define CYCLES 30               /* at least, during the moves */
/* testshort=1 (docs/testing.md): a quarter of both, where nothing must
 * be caught (test=0); a test=1..4 run keeps all its moves to catch it. */
static uint64_t moves = MOVES, cycles_min = CYCLES;
#define RENEW 4096              /* moves between two renewals of a victim */
#define GARBAGE 4096            /* bytes of garbage per move */
#define BODY 13                 /* pattern words per object */

struct node { void *slot[NSLOT]; };

struct obj {
	uint64_t id;
	struct obj *child;      /* the victim's child; NULL in the child */
	uint64_t body[BODY];
};

enum { L_OLD, L_NEW, L_STACK, L_GLOBAL, L_MALLOC, NLOC };

/* One victim: where its only pointer is, and (L_NEW) the new node holding
 * it, which a later L_NEW must not replace. Kept in a malloc block that
 * the collector scans, so the fields hold no pointer to the victim itself. */
struct victim { void **where; struct node *holder; uint64_t id; };

static struct node *olds[NM][NOLD];     /* .bss: the old nodes' root */
static void *gslot[NM][NV];             /* .bss: global locations */
static struct node *mblk[NM];           /* malloc blocks (roots themselves) */
static int64_t nmoves, nduring, ndone, ngc, stop;      /* atomics */

static uint64_t pat(uint64_t id, int i) { return id * 0x9E3779B97F4A7C15ull + (uint64_t)i; }

static struct obj *new_obj(uint64_t id, struct obj *child)
{
	struct obj *o = mallocgc(sizeof *o);
	o->id = id;
	o->child = child;
	for (int i = 0; i < BODY; i++)
		o->body[i] = pat(id, i);
	return o;
}

static void *new_victim(uint64_t id)
{
	return new_obj(id, new_obj(id | 1ull << 63, NULL));
}

static void check_obj(const struct obj *o, uint64_t id, int m, uint64_t move)
{
	CHECK(o != NULL, "mutator %d move %llu: victim %#llx: pointer lost", m,
	      (unsigned long long)move, (unsigned long long)id);
	CHECK(o->id == id, "mutator %d move %llu: object %p id %#llx, want %#llx (freed and reused?)",
	      m, (unsigned long long)move, (const void *)o, (unsigned long long)o->id,
	      (unsigned long long)id);
	for (int i = 0; i < BODY; i++)
		CHECK(o->body[i] == pat(id, i), "mutator %d move %llu: object %p (id %#llx) word %d "
		      "is %#llx: freed while reachable", m, (unsigned long long)move, (const void *)o,
		      (unsigned long long)id, i, (unsigned long long)o->body[i]);
}

static __attribute__((noinline)) void check_victim(const struct obj *v, uint64_t id, int m,
                                                   uint64_t move)
{
	check_obj(v, id, m, move);
	check_obj(v->child, id | 1ull << 63, m, move);
}

/* Allocate and drop garbage, filled so that a wrongly freed slot that is
 * reused shows. Some of it is linked into an old node for a while (a
 * subgraph dropped on a later call). */
static void garbage(int m, uint64_t *rs)
{
	size_t left = GARBAGE;
	while (left > 0) {
		size_t n = 32 + rnd(rs) % 480;
		if (n > left)
			n = left;
		uint8_t *p = mallocgc(n);
		memset(p, 0x5a, n);
		left -= n;
	}
	struct node *old = olds[m][rnd(rs) % NOLD];
	struct node *g = mallocgc(sizeof *g);
	g->slot[0] = mallocgc(64);
	__atomic_store_n(&old->slot[NSLOT - 1], g, __ATOMIC_RELAXED);
}

/* A slot of the given kind to move victim k to. */
static void **locate(struct victim *vk, int k, int kind, int m, uint64_t *rs, void **stk)
{
	struct node *h = vk->holder;
	vk->holder = NULL;
	switch (kind) {
	case L_OLD:
		return &olds[m][rnd(rs) % NOLD]->slot[2 * k];
	case L_NEW: {
		struct node *n = mallocgc(sizeof *n), *old;
		do
			old = olds[m][rnd(rs) % NOLD];
		while (h != NULL && old->slot[2 * k + 1] == h);
		__atomic_store_n(&old->slot[2 * k + 1], n, __ATOMIC_RELAXED);
		vk->holder = n;
		return &n->slot[rnd(rs) % NSLOT];
	}
	case L_STACK:
		return &stk[k];
	case L_GLOBAL:
		return &gslot[m][k];
	default:
		return &mblk[m]->slot[2 * k];
	}
}

/* Take the pointer out, hold it only in a local while allocating garbage
 * (a cycle may start or end meanwhile), then store it elsewhere. */
static __attribute__((noinline)) void hold_move(struct victim *vk, int k, int m, uint64_t *rs,
                                                void **stk, uint64_t mv)
{
	struct obj *v = __atomic_exchange_n(vk->where, NULL, __ATOMIC_RELAXED);
	garbage(m, rs);
	check_victim(v, vk->id, m, mv);
	vk->where = locate(vk, k, (int)(rnd(rs) % NLOC), m, rs, stk);
	__atomic_store_n(vk->where, v, __ATOMIC_RELAXED);
}

static void mutator(void *arg)
{
	int m = (int)(uintptr_t)arg;
	uint64_t rs = 0x1234567ull * (uint64_t)(m + 1);
	void *volatile stk[NV] = { 0 };
	struct victim *vs = malloc(NV * sizeof *vs);
	for (int k = 0; k < NV; k++) {
		vs[k] = (struct victim){ .id = ((uint64_t)m << 40) | ((uint64_t)k << 32) };
		vs[k].where = locate(&vs[k], k, (int)(rnd(&rs) % NLOC), m, &rs, (void **)stk);
		*vs[k].where = new_victim(vs[k].id);
	}
	uint64_t mv;
	for (mv = 0; mv < moves || !atomic_load64(&stop); mv++) {
		int k = (int)(rnd(&rs) % NV);
		struct victim *vk = &vs[k];
		check_victim(*vk->where, vk->id, m, mv);
		if (rnd(&rs) % RENEW == 0) {     /* drop it; a new one */
			vk->id++;
			__atomic_store_n(vk->where, new_victim(vk->id), __ATOMIC_RELAXED);
		}
		if (mv % 4 == 0) {
			hold_move(vk, k, m, &rs, (void **)stk, mv);
		} else {
			void **to = locate(vk, k, (int)(rnd(&rs) % NLOC), m, &rs, (void **)stk);
			move_ptr(vk->where, to);
			vk->where = to;
			garbage(m, &rs);
		}
		if (__atomic_load_n(&gc_marking, __ATOMIC_RELAXED))
			atomic_add64(&nduring, 1);
		atomic_add64(&nmoves, 1);
		if (mv % 16 == 0)
			Gosched();
	}
	for (int k = 0; k < NV; k++)
		check_victim(*vs[k].where, vs[k].id, m, mv);
	atomic_add64(&ndone, 1);
}

static void cycler(void *arg)
{
	(void)arg;
	while (!atomic_load64(&stop)) {
		GC();
		atomic_add64(&ngc, 1);
	}
}

int main(void)
{
	if (BootFlagTest() >= 1 && BootFlagTest() <= 4)
		gc_debug_barrier_ignore(1u << (BootFlagTest() - 1));
	else if (BootFlagTestShort()) {
		moves /= 4;
		cycles_min /= 4;
	}
	for (int m = 0; m < NM; m++) {
		for (int i = 0; i < NOLD; i++)
			olds[m][i] = mallocgc(sizeof(struct node));
		mblk[m] = malloc(sizeof(struct node));
		memset(mblk[m], 0, sizeof(struct node));
	}
	struct MemStats ms;
	ReadMemStats(&ms);
	uint32_t gc0 = ms.NumGC;
	for (int m = 0; m < NM; m++)
		go(mutator, (void *)(uintptr_t)m);
	go(cycler, NULL);
	wait_for(&ngc, (int64_t)cycles_min, 500000, "cycles");
	wait_for(&nmoves, (int64_t)(NM * moves), 500000, "moves");
	ReadMemStats(&ms);
	uint32_t cycles = ms.NumGC - gc0;
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	wait_for(&ndone, NM, 500000, "mutators");
	CHECK(atomic_load64(&nduring) > 0, "no move was made during a concurrent mark");
	printf("gc_concmut: %lld moves over %u cycles (%lld moves during a concurrent mark), "
	       "every object intact\n", (long long)atomic_load64(&nmoves), cycles,
	       (long long)atomic_load64(&nduring));
	printf("PASS\n");
	return 0;
}
