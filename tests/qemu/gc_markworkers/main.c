// TEST: smp=1 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=300
// EXPECT: ^gc_markworkers: at most 1 CPUs marked a cycle, every node intact$
// EXPECT: ^gc_markworkers: GOMAXPROCS 1: fractional worker, 250000 ppm, yielded over budget$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=2 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=300
// EXPECT: ^gc_markworkers: at most 2 CPUs marked a cycle, every node intact$
// EXPECT: ^gc_markworkers: GOMAXPROCS 2: fractional worker, 500000 ppm, (yielded over budget|never yielded)$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=300
// EXPECT: ^gc_markworkers: at most [34] CPUs marked a cycle, every node intact$
// EXPECT: ^gc_markworkers: GOMAXPROCS 4: dedicated worker, never yielded$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gomaxprocs=2" status=0 timeout=300
// EXPECT: ^gc_markworkers: at most 2 CPUs marked a cycle, every node intact$
// EXPECT: ^gc_markworkers: GOMAXPROCS 2: fractional worker, 500000 ppm, (yielded over budget|never yielded)$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: arch=riscv64 smp=4 bootargs="gcconc=1 gccheckmark=1 gcbarrier=fault" status=0 timeout=300
// EXPECT: ^gc_markworkers: at most [34] CPUs marked a cycle, every node intact$
// EXPECT: ^PASS$
// REJECT: fatal error
/*
 * gc_markworkers - idle CPUs join the concurrent mark's drains
 * (kernel/gc/mgcmark.c, "drain phases that idle CPUs join").
 *
 * main builds a tree of 2^16 nodes (about 2.5 MiB, kept alive by a
 * global), then runs GC() several times. While a cycle's mark runs, main
 * sleeps (GC() waits for the cycle's end) and the only runnable goroutine
 * is the mark's coordinator: the other CPUs are idle and must join its
 * drains, so gc_last_cycle().nworkers must reach the number of CPUs
 * GOMAXPROCS allows (the whole machine at smp 2 and 4, or 2 of 4 with
 * gomaxprocs=2) - and never more. A cycle's drains are short (the
 * snapshot leaves little to rescan) and a loaded host may not run an idle
 * vCPU in time: after CYCLES cycles it keeps collecting, up to MAX_CYCLES,
 * until one cycle had them all. The worker itself follows Go's 25 %
 * budget (kernel/gc/pacerrule.h, pacer_mark_workers): dedicated at
 * GOMAXPROCS 4, never yielding; fractional below (a quarter of the CPUs'
 * time: 250000 millionths of one CPU at 1, 500000 at 2). At GOMAXPROCS 1
 * the re-linker always waits for the worker's P, so the worker must have
 * gone over budget and yielded it; at 2 the re-linker mostly has a P of
 * its own, so whether the worker yielded depends on timing. A goroutine re-linking the tree's
 * leaves meanwhile gives the helpers pages to race with; gccheckmark=1
 * checks their marks against a stop-the-world re-mark, and the tree's
 * checksum at the end checks that nothing live was freed (gcpoison=1
 * would scribble over it).
 */
#include <stdint.h>
#include "tests/qemu/testing.h"
#include "gort.h"
#include "kernel/gc/gc.h"

#define DEPTH 16
#define CYCLES 8
#define MAX_CYCLES 64           /* more while no cycle had every CPU marking,
                                   or (GOMAXPROCS 1) the worker never yielded */

struct node {
	struct node *left, *right;
	uint64_t key;
	uint64_t pad;
};

static struct node *root;
static uint32_t stop;                   /* atomic: the re-linker's signal */
static int64_t relinks;                 /* atomic */

static struct node *build(int depth, uint64_t *key)
{
	struct node *n = mallocgc(sizeof *n);
	n->key = (*key)++;
	if (depth > 0) {
		n->left = build(depth - 1, key);
		n->right = build(depth - 1, key);
	}
	return n;
}

static uint64_t sum(const struct node *n, uint64_t *count)
{
	uint64_t s = 0;
	while (n != NULL) {
		(*count)++;
		s += n->key;
		if (n->right != NULL)
			s += sum(n->right, count);
		n = n->left;
	}
	return s;
}

/* Swap the children of nodes just above the leaves, over and over: every
 * store moves a live pointer from one place to another during the mark. */
static void relinker(void *arg)
{
	(void)arg;
	uint64_t x = 88172645463325252ULL;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct node *n = root;
		for (int d = 0; d < DEPTH - 1; d++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			n = (x & 1) ? n->left : n->right;
		}
		struct node *t = n->left;
		n->left = n->right;
		n->right = t;
		atomic_add64(&relinks, 1);
		if ((x & 255) == 0)
			Sleep(Microsecond * 100);
	}
	atomic_add64(&relinks, -1000000000);    /* done */
}

int main(void)
{
	uint64_t key = 1;
	root = build(DEPTH, &key);
	uint64_t n0 = 0, want = sum(root, &n0);
	go(relinker, NULL);
	int most = 0, dedicated = 0;
	uint32_t frac = 0;
	uint64_t yields = 0;
	int cap = GOMAXPROCS(0) < NumCPU() ? GOMAXPROCS(0) : NumCPU();
	/* At GOMAXPROCS 1 it also keeps collecting until the worker yielded
	 * once: on a loaded host a cycle can end with the worker taken off
	 * by its time slice rather than by its budget (CI saw 8 such cycles
	 * in a row once, aarch64-lse-clang). */
	for (int i = 0; i < MAX_CYCLES && (i < CYCLES || most < cap || (cap == 1 && yields == 0)); i++) {
		GC();
		struct gc_cycle_stats st;
		gc_last_cycle(&st);
		if (st.nworkers > most)
			most = st.nworkers;
		dedicated = st.dedicated;
		frac = st.frac_ppm;
		yields += st.budget_yields;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	while (atomic_load64(&relinks) >= 0)
		Sleep(Millisecond);
	uint64_t n1 = 0, got = sum(root, &n1);
	CHECK(n1 == n0 && got == want, "tree changed: %llu nodes (want %llu), checksum %llu (want %llu)",
	      (unsigned long long)n1, (unsigned long long)n0, (unsigned long long)got,
	      (unsigned long long)want);
	CHECK(most <= cap, "%d CPUs marked a cycle, more than GOMAXPROCS/NumCPU allow (%d)", most, cap);
	printf("gc_markworkers: at most %d CPUs marked a cycle, every node intact\n", most);
	if (dedicated)
		printf("gc_markworkers: GOMAXPROCS %d: dedicated worker, %s\n", GOMAXPROCS(0),
		       yields ? "yielded" : "never yielded");
	else
		printf("gc_markworkers: GOMAXPROCS %d: fractional worker, %u ppm, %s\n", GOMAXPROCS(0),
		       frac, yields ? "yielded over budget" : "never yielded");
	printf("PASS\n");
	return 0;
}
