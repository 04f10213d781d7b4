// EXPECT: ^gc_finalizers: 1000 finalizers ran exactly once, objects freed by the next cycle$
// EXPECT: ^gc_finalizers: resurrected object intact after [0-9]+ more cycles, finalizer ran once$
// EXPECT: ^gc_finalizers: SetFinalizer\(obj, NULL\): object reclaimed, finalizer never ran$
// EXPECT: ^gc_finalizers: Pool: victim cache survives one GC, two GCs empty it, [0-9]+ of 8 pooled objects finalized$
// EXPECT: ^PASS$
// TEST: smp=1,2,4 bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=180
// TEST: smp=1,2,4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=180
/*
 * gc_finalizers - SetFinalizer, resurrection, and sync.Pool's GC hook.
 *
 * 1. N = 1000 objects of 4 KiB, each with an id, a pattern, and a finalizer
 *    that checks the pattern and counts its run in a per-id counter (a
 *    malloc'd array) and a global atomic. They are made by a goroutine that
 *    exits and held only by a malloc'd array of pointers (a root):
 *      - GC() while held: no finalizer may run;
 *      - drop the array, GC(): every finalizer must run within 5 s, each
 *        exactly once, and each must see its object intact (an object freed
 *        before its finalizer ran would be poisoned by gcpoison=1); up to
 *        LATE_MAX objects held by a stale word (the scan is conservative)
 *        may be finalized a few cycles later instead, never not at all;
 *      - the objects stay allocated until the cycle after the one that
 *        found them unreachable (HeapAlloc drops by < N*4 KiB/4 in that
 *        cycle, then by >= 90% of N*4 KiB in the next GC());
 *      - three more GC(): no finalizer runs twice; MemStats.Finalizers
 *        counts them.
 * 2. Resurrection: a finalizer stores its object into a global. The
 *    object must stay intact through 3 more GC() cycles with churn of the
 *    same size class in between (reuse or poison of its memory would
 *    show), and its finalizer must not run again, also after the global is
 *    cleared and the object really dies.
 * 3. SetFinalizer(obj, NULL) removes the finalizer: a 1 MiB object whose
 *    finalizer was removed is reclaimed (HeapAlloc drops by 1 MiB) and the
 *    finalizer never runs.
 * 4. Pool: 8 objects (with finalizers) are Put. After one GC() Get still
 *    finds one in the victim cache (8 Puts leave at least one in a shared
 *    queue, which Get on any P searches); after two more GC() calls Get
 *    returns only New()'s fresh values, and the pooled objects are now
 *    garbage: their finalizers must run (all 8, 1 stated slack for a stale
 *    copy of the one Get returned).
 */
#include <stdlib.h>
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"

#define N 1000
#define OBJ 4096
#define LATE_MAX 2      /* finalizers a stale word may delay a cycle */
#define LATE_CYCLES 4   /* ... by at most this many cycles */
#define FMAGIC 0xf1a1f1a1f1a1f1a1ull

struct fobj {
	uint64_t magic;
	uint32_t id, pad;
	uint8_t pat[OBJ - 16];
};

static inline uint8_t pat(uint32_t id, size_t i) { return (uint8_t)(id * 7 + i * 3 + 5); }

static struct fobj *new_fobj(uint32_t id)
{
	struct fobj *o = mallocgc(sizeof *o);
	o->magic = FMAGIC;
	o->id = id;
	for (size_t i = 0; i < sizeof o->pat; i++)
		o->pat[i] = pat(id, i);
	return o;
}

static bool fobj_intact(const struct fobj *o, uint32_t id)
{
	if (o->magic != FMAGIC || o->id != id) {
		printf("gc_finalizers: object %p: magic %#llx id %u, want id %u\n", (const void *)o,
		       (unsigned long long)o->magic, o->id, id);
		return false;
	}
	for (size_t i = 0; i < sizeof o->pat; i++)
		if (o->pat[i] != pat(id, i)) {
			printf("gc_finalizers: object %p (id %u): byte %zu is %#x, want %#x\n",
			       (const void *)o, id, i, o->pat[i], pat(id, i));
			return false;
		}
	return true;
}

static __attribute__((noinline)) void scrub_stack(void)
{
	volatile uint8_t buf[8192];
	memset((void *)buf, 0, sizeof buf);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

static unsigned long long kib(uint64_t b) { return (unsigned long long)(b >> 10); }

static WaitGroup wg;
static void run(void (*fn)(void *), void *arg)   /* fn in a goroutine that exits */
{
	WaitGroup_Add(&wg, 1);
	go(fn, arg);
	WaitGroup_Wait(&wg);
	Sleep(5 * Millisecond);
}

/* ---- 1. N objects --------------------------------------------------------- */
static int32_t *counts;                 /* malloc'd: runs per id */
static int64_t fin_total, fin_bad;
static struct fobj **holders;           /* malloc'd: the only references */

static void fin_count(void *obj)
{
	struct fobj *o = obj;
	if (o->id >= N || !fobj_intact(o, o->id)) {
		atomic_add64(&fin_bad, 1);
		return;
	}
	__atomic_fetch_add(&counts[o->id], 1, __ATOMIC_RELAXED);
	atomic_add64(&fin_total, 1);
}

static void make_objs(void *arg)
{
	for (uint32_t i = 0; i < N; i++) {
		holders[i] = new_fobj(i);
		SetFinalizer(holders[i], fin_count);
	}
	WaitGroup_Done(&wg);
}

/* Out of line: a pointer it loads must not stay in test_many's registers
 * (saved into the G's context at the next switch, a precise root: under
 * ThreadSanitizer's instrumentation the last one, object 999's, did and
 * was never finalized). Its dead frame is scrub_stack's to clear. */
static __attribute__((noinline)) void check_held(void)
{
	for (uint32_t i = 0; i < N; i++)
		CHECK(fobj_intact(holders[i], i), "held object %u damaged", i);
}

static void test_many(void)
{
	struct MemStats a0, a1, a2, a3, a4;
	counts = calloc(N, sizeof *counts);
	holders = calloc(N, sizeof *holders);
	run(make_objs, NULL);
	GC();
	Sleep(100 * Millisecond);
	CHECK(atomic_load64(&fin_total) == 0, "%lld finalizers ran for reachable objects",
	      (long long)fin_total);
	check_held();

	memset(holders, 0, N * sizeof *holders);
	free(holders);
	holders = NULL;
	scrub_stack();
	ReadMemStats(&a0);
	GC();
	ReadMemStats(&a1);
	int64_t deadline = nanotime() + 5 * Second;
	while (atomic_load64(&fin_total) < N && nanotime() < deadline)
		Sleep(5 * Millisecond);
	ReadMemStats(&a2);
	printf("gc_finalizers: HeapAlloc %llu KiB before, %llu KiB after the cycle that found them "
	       "unreachable, %llu KiB when the finalizers ran\n", kib(a0.HeapAlloc), kib(a1.HeapAlloc),
	       kib(a2.HeapAlloc));
	CHECK(fin_bad == 0, "%lld finalizers saw a damaged object", (long long)fin_bad);
	/* The scan is conservative: a stale word (a register saved at a
	 * preemption, a dead slot in a live frame) may hold an object one
	 * more cycle. Up to LATE_MAX may be late, but each must then be
	 * finalized within LATE_CYCLES more cycles; a lost finalizer never
	 * is. (Seen once in CI: 999 of 1000 in 5 s, aarch64 smp 4 under load.) */
	int64_t late = N - atomic_load64(&fin_total);
	if (late > 0) {
		int shown = 0;
		for (uint32_t i = 0; i < N && shown < 10; i++)
			if (counts[i] == 0) {
				printf("gc_finalizers: object %u not finalized by the cycle that dropped it\n", i);
				shown++;
			}
	}
	CHECK(late <= LATE_MAX, "only %lld of %d finalizers ran within 5 s", (long long)fin_total, N);
	CHECK(a1.HeapAlloc + (uint64_t)N * OBJ / 4 > a0.HeapAlloc,
	      "objects with finalizers freed by the cycle that found them unreachable "
	      "(HeapAlloc %llu -> %llu KiB)", kib(a0.HeapAlloc), kib(a1.HeapAlloc));
	GC();
	ReadMemStats(&a3);
	printf("gc_finalizers: HeapAlloc %llu KiB after the next cycle\n", kib(a3.HeapAlloc));
	CHECK(a3.HeapAlloc + (uint64_t)N * OBJ * 9 / 10 <= a2.HeapAlloc,
	      "objects not freed by the cycle after their finalizers ran (HeapAlloc %llu -> %llu KiB)",
	      kib(a2.HeapAlloc), kib(a3.HeapAlloc));
	for (int c = 1; late > 0 && atomic_load64(&fin_total) < N; c++) {
		int64_t deadline2 = nanotime() + Second;
		while (atomic_load64(&fin_total) < N && nanotime() < deadline2)
			Sleep(5 * Millisecond);
		if (atomic_load64(&fin_total) == N) {
			printf("gc_finalizers: %lld late finalizer(s) ran after %d more cycle(s)\n",
			       (long long)late, c);
			break;
		}
		CHECK(c < LATE_CYCLES, "%lld finalizer(s) never ran, %d cycles after their objects were "
		      "dropped", (long long)(N - atomic_load64(&fin_total)), c + 1);
		scrub_stack();
		GC();
	}
	for (int i = 0; i < 3; i++)
		GC();
	Sleep(100 * Millisecond);
	ReadMemStats(&a4);
	CHECK(atomic_load64(&fin_total) == N, "%lld finalizer runs for %d objects",
	      (long long)fin_total, N);
	for (uint32_t i = 0; i < N; i++)
		CHECK(counts[i] == 1, "object %u: finalizer ran %d times", i, counts[i]);
	CHECK(a4.Finalizers - a0.Finalizers == N, "MemStats.Finalizers grew by %llu, want %d",
	      (unsigned long long)(a4.Finalizers - a0.Finalizers), N);
	printf("gc_finalizers: %d finalizers ran exactly once, objects freed by the next cycle\n", N);
}

/* ---- 2. resurrection --------------------------------------------------------- */
static struct fobj *resurrected;
static int64_t res_runs;
#define RES_ID 4242

static void fin_resurrect(void *obj)
{
	resurrected = obj;
	atomic_add64(&res_runs, 1);
}

static void make_res(void *arg)
{
	struct fobj *o = new_fobj(RES_ID);
	SetFinalizer(o, fin_resurrect);
	WaitGroup_Done(&wg);
}

static __attribute__((noinline)) void churn_same_class(void)
{
	for (int i = 0; i < 2048; i++) {             /* 8 MiB of 4 KiB objects */
		uint8_t *p = mallocgc(OBJ);
		memset(p, 0x33, OBJ);
	}
}

static void test_resurrect(void)
{
	run(make_res, NULL);
	scrub_stack();
	GC();
	wait_for(&res_runs, 1, 5000, "the resurrecting finalizer");
	CHECK(resurrected != NULL, "finalizer ran but resurrected nothing");
	CHECK(fobj_intact(resurrected, RES_ID), "resurrected object damaged at once");
	int cycles = 0;
	for (int i = 0; i < 3; i++) {
		churn_same_class();
		scrub_stack();
		GC();
		cycles++;
		CHECK(fobj_intact(resurrected, RES_ID), "resurrected object damaged after %d cycles",
		      cycles);
	}
	Sleep(100 * Millisecond);
	CHECK(atomic_load64(&res_runs) == 1, "resurrecting finalizer ran %lld times",
	      (long long)res_runs);
	resurrected = NULL;
	scrub_stack();
	GC();
	GC();
	Sleep(100 * Millisecond);
	CHECK(atomic_load64(&res_runs) == 1, "finalizer ran again after resurrection (%lld runs)",
	      (long long)res_runs);
	printf("gc_finalizers: resurrected object intact after %d more cycles, finalizer ran once\n",
	       cycles);
}

/* ---- 3. SetFinalizer(obj, NULL) ------------------------------------------------ */
#define BIG (1u << 20)
static int64_t never_runs;
static void fin_never(void *obj) { atomic_add64(&never_runs, 1); }

static void make_removed(void *arg)
{
	uint8_t *o = mallocgc(BIG);
	memset(o, 0x44, BIG);
	SetFinalizer(o, fin_never);
	SetFinalizer(o, NULL);
	WaitGroup_Done(&wg);
}

static void test_remove(void)
{
	struct MemStats b0, b1, b2;
	GC();
	GC();
	ReadMemStats(&b0);
	run(make_removed, NULL);
	ReadMemStats(&b1);
	scrub_stack();
	GC();
	GC();
	Sleep(200 * Millisecond);
	ReadMemStats(&b2);
	printf("gc_finalizers: HeapAlloc %llu -> %llu -> %llu KiB around the 1 MiB object\n",
	       kib(b0.HeapAlloc), kib(b1.HeapAlloc), kib(b2.HeapAlloc));
	CHECK(atomic_load64(&never_runs) == 0, "a removed finalizer ran");
	CHECK(b1.HeapAlloc >= b0.HeapAlloc + BIG, "1 MiB object not counted?");
	CHECK(b2.HeapAlloc + BIG - (64u << 10) <= b1.HeapAlloc,
	      "object with a removed finalizer not reclaimed");
	printf("gc_finalizers: SetFinalizer(obj, NULL): object reclaimed, finalizer never ran\n");
}

/* ---- 4. Pool ------------------------------------------------------------------- */
#define NPOOL 8
#define POOLED 0x9001ed00u
#define FRESH 0xf7e54000u
struct pobj { uint32_t kind, serial; uint64_t fill[6]; };
static int64_t pool_fins, pool_news;
static void *pool_new(void)
{
	struct pobj *p = mallocgc(sizeof *p);
	p->kind = FRESH;
	p->serial = (uint32_t)__atomic_add_fetch(&pool_news, 1, __ATOMIC_RELAXED);
	return p;
}
static Pool pool = { .New = pool_new };
static void fin_pool(void *obj)
{
	struct pobj *p = obj;
	if (p->kind != POOLED)
		FAILF("pool finalizer got kind %#x", p->kind);
	atomic_add64(&pool_fins, 1);
}

static void put_pooled(void *arg)
{
	for (uint32_t i = 0; i < NPOOL; i++) {
		struct pobj *p = mallocgc(sizeof *p);
		p->kind = POOLED;
		p->serial = i;
		SetFinalizer(p, fin_pool);
		Pool_Put(&pool, p);
	}
	WaitGroup_Done(&wg);
}

/* Get once: 1 = a pooled object, 0 = New()'s fresh value, -1 = junk. */
static __attribute__((noinline)) int get_one(void)
{
	struct pobj *p = Pool_Get(&pool);
	int r = p == NULL ? -1 : p->kind == POOLED ? 1 : p->kind == FRESH ? 0 : -1;
	p = NULL;
	return r;
}

static void test_pool(void)
{
	run(put_pooled, NULL);
	GC();
	CHECK(get_one() == 1, "after one GC, Get did not find a pooled object in the victim cache");
	GC();
	GC();
	int64_t news0 = atomic_load64(&pool_news);
	for (int i = 0; i < NPOOL; i++) {
		int r = get_one();
		CHECK(r == 0, "after two more GCs, Get #%d returned %s", i,
		      r == 1 ? "a pooled object" : "junk");
	}
	CHECK(atomic_load64(&pool_news) == news0 + NPOOL, "New() called %lld times, want %d",
	      (long long)(pool_news - news0), NPOOL);
	scrub_stack();
	GC();
	int64_t deadline = nanotime() + 5 * Second;
	while (atomic_load64(&pool_fins) < NPOOL && nanotime() < deadline) {
		Sleep(50 * Millisecond);
		if (atomic_load64(&pool_fins) < NPOOL - 1) {
			scrub_stack();
			GC();
		}
	}
	CHECK(atomic_load64(&pool_fins) >= NPOOL - 1, "only %lld of %d pooled objects finalized",
	      (long long)pool_fins, NPOOL);
	printf("gc_finalizers: Pool: victim cache survives one GC, two GCs empty it, %lld of %d pooled "
	       "objects finalized\n", (long long)pool_fins, NPOOL);
}

int main(void)
{
	test_many();
	test_resurrect();
	test_remove();
	test_pool();
	printf("PASS\n");
	return 0;
}
