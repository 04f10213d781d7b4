// EXPECT: ^gc_barrier: [0-9]+ exact rounds, [0-9]+ pages written, dirty sets exact$
// EXPECT: ^gc_barrier: [0-9]+ racing collects, [0-9]+ stores, none lost$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: arch=riscv64 smp=1,2,4 bootargs="gcbarrier=hw" status=0 timeout=300
// EXPECT: ^gc_barrier: mode hw, 0 faults$
// TEST: arch=riscv64 smp=1,2,4 bootargs="gcbarrier=fault" status=0 timeout=300
// EXPECT: ^gc_barrier: mode fault, [1-9][0-9]* faults$
// TEST: arch=riscv64 smp=2 status=0 timeout=300
// EXPECT: ^gc_barrier: mode hw, 0 faults$
// TEST: board=sifive_u smp=2 status=0 timeout=300
// EXPECT: ^gc_barrier: mode hw, 0 faults$
// TEST: board=sifive_u smp=4 bootargs="gcbarrier=fault" status=0 timeout=300
// EXPECT: ^gc_barrier: mode fault, [1-9][0-9]* faults$
// TEST: arch=aarch64 cpu=max smp=1,2,4 status=0 timeout=300
// EXPECT: ^gc_barrier: mode hw, 0 faults$
// TEST: arch=aarch64 cpu=max smp=2 bootargs="gcbarrier=fault" status=0 timeout=300
// EXPECT: ^gc_barrier: mode fault, [1-9][0-9]* faults$
// TEST: arch=aarch64 cpu=cortex-a72 smp=1,2,4 status=0 timeout=300
// EXPECT: ^gc_barrier: mode fault, [1-9][0-9]* faults$
// TEST: arch=riscv64 smp=1,2,4 bootargs="gcconc=1 gccheckmark=1" status=0 timeout=300
// EXPECT: ^gc_barrier: mode hw, [0-9]+ faults$
// TEST: arch=aarch64 cpu=cortex-a72 smp=1,2,4 bootargs="gcconc=1 gccheckmark=1" status=0 timeout=300
// EXPECT: ^gc_barrier: mode fault, [1-9][0-9]* faults$
// TEST: arch=aarch64 cpu=max smp=2 bootargs="gcconc=1 gccheckmark=1" status=0 timeout=300
// EXPECT: ^gc_barrier: mode hw, [0-9]+ faults$
// TEST: arch=hosted smp=1,2,4 status=0 timeout=300
// EXPECT: ^gc_barrier: mode fault, [1-9][0-9]* faults$
// TEST: arch=hosted smp=2 bootargs="gcbarrier=fault gcconc=1 gccheckmark=1" status=0 timeout=300
// EXPECT: ^gc_barrier: mode fault, [1-9][0-9]* faults$
/*
 * gc_barrier - the page-dirty barrier (kernel/gc/barrier.c) reports exactly
 * the pages written, in both modes (hardware dirty bits, write-protect and
 * fault), for every kind of page that can hold pointers.
 *
 * NW writer goroutines each own NP pages of every kind:
 *   heap   - a large mallocgc object (its own span, page-aligned);
 *   malloc - a large malloc block;
 *   data   - a page-aligned array in .data;
 *   bss    - a page-aligned array in .bss;
 *   stack  - the page-aligned middle of an array on the writer's own stack
 *            (callees' frames lie below it, so only the writer stores there).
 * Nothing else stores into these pages (the collector only reads them).
 *
 * Exact rounds: the main goroutine draws a random subset of the pages,
 * the writers (on several CPUs when smp > 1) store into their pages of it,
 * then main collects: the dirty set restricted to these pages must be
 * exactly the subset - no page missed, no page reported that was not
 * written since the previous collect.
 *
 * Racing collects: the writers store continuously while main collects over
 * and over. Epoch E counts completed collects. A writer stores to a page
 * only once its previous store there was confirmed: it reads e1 = E,
 * stores, fences, reads e2 = E, then publishes pending[page] = e1 and
 * deadline[page] = e2 + 2. The store came after collect e1 returned, so
 * the page was marked dirty after that collect's clean (by this store, or
 * - through a stale translation - by nothing, but then an earlier store
 * since collect e1 marked it), and it must be reported by some collect
 * from e1+1 on. The fence and e2 bound it from above: main fences between
 * publishing E = e2+1 and the next collect's clean (store buffering: one
 * side sees the other), so collect e2+2 at the latest finds the mark
 * (docs/gc.md, "The page-dirty barrier"). Main checks that after every
 * collect; a page found dirty confirms its pending store.
 *
 * Fault mode must take faults (at least one per page per exact round);
 * hardware mode must take none - except with gcconc=1, whose GC() below
 * ends its concurrent mark in fault mode (docs/gc.md, "Hardware mode's
 * last stretch in fault mode"): the runtime's own stores after it fault
 * once per page until the next arm; after racing_collects' arm, which
 * gives every page back to the hardware, nothing may fault. Hosted
 * (arch=hosted) there is fault mode only: mprotect and SIGSEGV
 * (arch/hosted/dirty.c). On sifive_u too: QEMU's U54 sets D in
 * hardware, so gcbarrier=auto finds hw there, where a real U54 or U74
 * (Svade: a store to a page with D clear faults) makes the boot probe
 * find fault mode; gcbarrier=fault runs that mode on the SBI-timer board. The collector is off (SetGCPercent(-1))
 * but for one explicit GC() between the two parts: each GC pause collects
 * the barrier too, and would take pages the test is waiting for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"
#include "kernel/gc/barrier.h"

#define NW 4                    /* writers */
#define NP 6                    /* pages per writer per kind */
#define PG 4096
#define EXACT_ROUNDS 40
#define RACE_COLLECTS 200
#define SHORT_DIV 4             /* testshort=1: a quarter of each */
static int exact_n = EXACT_ROUNDS, race_n = RACE_COLLECTS;
#define NONE INT64_MAX

enum { K_HEAP, K_MALLOC, K_DATA, K_BSS, K_STACK, NK };
static const char *const kname[NK] = { "heap", "malloc", "data", "bss", "stack" };

static char data_area[NW * NP * PG] __attribute__((aligned(PG))) = { 1 };
static char bss_area[NW * NP * PG] __attribute__((aligned(PG)));
static char *heap_area, *malloc_area;
static char *stack_area[NW];            /* published by each writer (release) */

/* Commands from main: cmd changes -> writers act, then bump done. */
enum { C_NONE, C_EXACT, C_RACE, C_QUIT };
static int64_t cmd, cmdseq, done;       /* atomics */
static uint8_t want[NK][NW][NP];        /* the exact round's subset */
static int64_t epoch;                   /* completed racing collects */
static int64_t pending[NK][NW][NP];     /* e1 of an unconfirmed store */
static int64_t deadline[NK][NW][NP];    /* e2 + 2 of it */
static int64_t nstores;

static char *page(int k, int w, int p)
{
	char *base = k == K_HEAP ? heap_area : k == K_MALLOC ? malloc_area :
	             k == K_DATA ? data_area : k == K_BSS ? bss_area : NULL;
	if (k == K_STACK)
		return __atomic_load_n(&stack_area[w], __ATOMIC_ACQUIRE) + p * PG;
	return base + ((size_t)w * NP + p) * PG;
}

static void store(char *pg, int64_t v)
{
	/* A pointer-sized store somewhere in the page. */
	volatile int64_t *q = (volatile int64_t *)(pg + (size_t)(v & 63) * 64);
	*q = v;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17;
	return *s;
}

static void race(int w, uint64_t *seed)
{
	int64_t seq = __atomic_load_n(&cmdseq, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&cmdseq, __ATOMIC_ACQUIRE) == seq) {
		int k = (int)(rnd(seed) % NK), p = (int)(rnd(seed) % NP);
		/* acquire: pairs with main's release of NONE after the confirm */
		if (__atomic_load_n(&pending[k][w][p], __ATOMIC_ACQUIRE) != NONE) {
			Gosched();
			continue;
		}
		/* acquire: the store below comes after collect e returned */
		int64_t e1 = __atomic_load_n(&epoch, __ATOMIC_ACQUIRE);
		store(page(k, w, p), e1);
		/* seq_cst fence: the store (and its mark) before the read of e2;
		 * pairs with main's fence after publishing an epoch. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		int64_t e2 = __atomic_load_n(&epoch, __ATOMIC_RELAXED);
		__atomic_store_n(&deadline[k][w][p], e2 + 2, __ATOMIC_RELAXED);
		/* release: pairs with main's acquire of pending (and orders the
		 * deadline before it) */
		__atomic_store_n(&pending[k][w][p], e1, __ATOMIC_RELEASE);
		__atomic_fetch_add(&nstores, 1, __ATOMIC_RELAXED);
		if (rnd(seed) % 8 == 0)
			Gosched();
	}
}

static void writer(void *arg)
{
	int w = (int)(intptr_t)arg;
	char area[(NP + 1) * PG];
	char *st = (char *)(((uintptr_t)area + PG - 1) & ~(uintptr_t)(PG - 1));
	memset(st, 0, NP * PG);                 /* map the pages now */
	/* release: pairs with page()'s acquire */
	__atomic_store_n(&stack_area[w], st, __ATOMIC_RELEASE);
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(w + 1);
	int64_t seen = 0;
	atomic_add64(&done, 1);
	for (;;) {
		int64_t s = __atomic_load_n(&cmdseq, __ATOMIC_ACQUIRE);
		if (s == seen) {
			Gosched();
			continue;
		}
		seen = s;
		int64_t c = __atomic_load_n(&cmd, __ATOMIC_RELAXED);
		if (c == C_QUIT)
			break;
		if (c == C_EXACT) {
			for (int k = 0; k < NK; k++)
				for (int p = 0; p < NP; p++)
					if (want[k][w][p])
						store(page(k, w, p), s);
		} else if (c == C_RACE) {
			race(w, &seed);
		}
		atomic_add64(&done, 1);
	}
	KeepAlive(area);
	atomic_add64(&done, 1);
}

/* Tell the writers to do c and wait until all have finished. */
static void command(int64_t c, bool wait)
{
	int64_t before = atomic_load64(&done);
	__atomic_store_n(&cmd, c, __ATOMIC_RELAXED);
	/* release: publishes want[] and cmd */
	__atomic_fetch_add(&cmdseq, 1, __ATOMIC_RELEASE);
	if (wait)
		wait_for(&done, before + NW, 60000, "writers");
}

static void exact_rounds(void)
{
	uint64_t seed = 12345;
	int64_t written = 0;
	uint64_t f0 = gc_barrier_faults();
	gc_barrier_arm();                       /* every page starts dirty */
	for (int r = 0; r < exact_n; r++) {
		for (int k = 0; k < NK; k++)
			for (int w = 0; w < NW; w++)
				for (int p = 0; p < NP; p++) {
					want[k][w][p] = rnd(&seed) % 3 == 0;
					written += want[k][w][p];
				}
		command(C_EXACT, true);
		gc_barrier_collect();
		for (int k = 0; k < NK; k++)
			for (int w = 0; w < NW; w++)
				for (int p = 0; p < NP; p++) {
					bool d = gc_barrier_dirty((uintptr_t)page(k, w, p));
					CHECK(d == want[k][w][p],
					      "round %d: %s page %d of writer %d (%p) %s", r,
					      kname[k], p, w, (void *)page(k, w, p),
					      d ? "reported dirty but not written" :
					          "written but not reported dirty");
				}
	}
	uint64_t nf = gc_barrier_faults() - f0;
	if (gc_barrier_mode() == GCBARRIER_FAULT)
		CHECK(nf >= (uint64_t)written, "fault mode: %llu faults for %lld page writes",
		      (unsigned long long)nf, (long long)written);
	printf("gc_barrier: %d exact rounds, %lld pages written, dirty sets exact\n",
	       exact_n, (long long)written);
}

static void racing_collects(void)
{
	static int64_t lastrep[NK][NW][NP];
	for (int k = 0; k < NK; k++)
		for (int w = 0; w < NW; w++)
			for (int p = 0; p < NP; p++) {
				pending[k][w][p] = NONE;
				lastrep[k][w][p] = -1;
			}
	gc_barrier_arm();                       /* collect 0 */
	uint64_t f0 = gc_barrier_faults();      /* hw mode: none from here on */
	__atomic_store_n(&epoch, 0, __ATOMIC_RELEASE);
	command(C_RACE, false);
	for (int64_t c = 1; c <= race_n; c++) {
		gc_barrier_collect();
		/* release: stores that read c come after collect c returned */
		__atomic_store_n(&epoch, c, __ATOMIC_RELEASE);
		/* seq_cst fence: the epoch before the next collect's cleans;
		 * pairs with the writers' fence (store buffering). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		for (int k = 0; k < NK; k++)
			for (int w = 0; w < NW; w++)
				for (int p = 0; p < NP; p++) {
					if (gc_barrier_dirty((uintptr_t)page(k, w, p)))
						lastrep[k][w][p] = c;
					int64_t t = __atomic_load_n(&pending[k][w][p], __ATOMIC_ACQUIRE);
					if (t == NONE || t >= c)
						continue;
					if (lastrep[k][w][p] >= t + 1)
						/* release: pairs with the writer's acquire */
						__atomic_store_n(&pending[k][w][p], NONE, __ATOMIC_RELEASE);
					else
						CHECK(c < __atomic_load_n(&deadline[k][w][p], __ATOMIC_RELAXED),
						      "%s page %d of writer %d: a store after collect %lld "
						      "not reported by collects %lld..%lld", kname[k], p, w,
						      (long long)t, (long long)t + 1, (long long)c);
				}
		Gosched();
	}
	int64_t before = atomic_load64(&done);
	command(C_RACE + 100, false);           /* any new command ends race() */
	wait_for(&done, before + NW, 60000, "writers");
	if (gc_barrier_mode() == GCBARRIER_HW)
		CHECK(gc_barrier_faults() == f0, "hardware mode: %llu write faults after the arm",
		      (unsigned long long)(gc_barrier_faults() - f0));
	printf("gc_barrier: %d racing collects, %lld stores, none lost\n",
	       race_n, (long long)__atomic_load_n(&nstores, __ATOMIC_RELAXED));
}

int main(void)
{
	/* The dirty set has one consumer: a collection would take the dirty
	 * pages this test is waiting for. Only the explicit GC() below runs. */
	SetGCPercent(-1);
	if (BootFlagTestShort()) {
		exact_n /= SHORT_DIV;
		race_n /= SHORT_DIV;
	}
	heap_area = mallocgc((NW * NP + 1) * PG);
	malloc_area = aligned_alloc(PG, NW * NP * PG);
	CHECK(heap_area && malloc_area, "out of memory");
	CHECK(((uintptr_t)heap_area & (PG - 1)) == 0, "large object %p not page-aligned",
	      (void *)heap_area);
	for (int w = 0; w < NW; w++)
		go(writer, (void *)(intptr_t)w);
	wait_for(&done, NW, 60000, "writers to start");

	exact_rounds();
	GC();                                   /* the collector reads, never dirties */
	racing_collects();
	command(C_QUIT, true);
	printf("gc_barrier: mode %s, %llu faults\n", gc_barrier_mode_name(),
	       (unsigned long long)gc_barrier_faults());
	KeepAlive(heap_area);
	free(malloc_area);
	printf("PASS\n");
	return 0;
}
