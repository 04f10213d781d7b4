// TEST: smp=1 bootargs="gcconc=1 gccheckmark=1" status=0 timeout=300
// EXPECT: ^gc_assist: GOMAXPROCS 1: [0-9]+ cycles checked, heap within the goal, [0-9]+ assists scanned [0-9]+ words$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=2 bootargs="gcconc=1 gccheckmark=1" status=0 timeout=300
// EXPECT: ^gc_assist: GOMAXPROCS 2: [0-9]+ cycles checked, heap within the goal, [0-9]+ assists scanned [0-9]+ words$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=2 bootargs="gcconc=1 gcsatb=0 gccheckmark=1" status=0 timeout=300
// EXPECT: ^gc_assist: GOMAXPROCS 2: [0-9]+ cycles checked, heap within the goal, [0-9]+ assists scanned [0-9]+ words$
// EXPECT: ^PASS$
// REJECT: fatal error
/*
 * gc_assist - mark assists (kernel/gc/mgcassist.c; docs/gc.md, "Mark
 * assists"). A 12 MiB live tree keeps the mark busy; one goroutine
 * allocates garbage as fast as it can (lists of 32-byte nodes with
 * pointers) while concurrent cycles come one after another. Each cycle:
 *   - the heap the mark ends with (marked_bytes: the live tree plus all
 *     allocated black during the mark) must stay within the goal the
 *     cycle ran under (NextGC when it started) plus a slack of one 64 KiB
 *     span per P: the pacer's hard limit is that goal, assists are priced
 *     to finish the mark by it, and an allocation past it waits;
 *   - allocating goroutines must have paid: over the run, assists must
 *     have scanned words themselves (gc_last_cycle: assist_words; the
 *     background worker's credit, assist_credit, pays the rest). At
 *     GOMAXPROCS 1 the mark worker has 25 % of the one CPU, so a fast
 *     allocator outruns it unless it assists.
 * Checkmark verifies every cycle's marks, assists' included.
 */
#include <stdint.h>
#include "tests/qemu/testing.h"
#include "gort.h"
#include "kernel/gc/gc.h"

struct tnode { struct tnode *l, *r; uint64_t v, pad; };
struct lnode { struct lnode *next; uint64_t v[3]; };

static struct tnode *tree;
static int64_t stop, spins;

static struct tnode *build(int d, uint64_t *sum)
{
	struct tnode *n = mallocgc(sizeof *n);
	n->v = (uint64_t)d * 7919 + *sum;
	*sum += n->v;
	if (d > 0) {
		n->l = build(d - 1, sum);
		n->r = build(d - 1, sum);
	}
	return n;
}

static uint64_t sum_tree(const struct tnode *n)
{
	return n ? n->v + sum_tree(n->l) + sum_tree(n->r) : 0;
}

static void allocator(void *arg)
{
	(void)arg;
	while (!atomic_load64(&stop)) {
		struct lnode *h = NULL;
		for (int i = 0; i < 4096; i++) {
			struct lnode *x = mallocgc(sizeof *x);
			x->next = h;
			x->v[0] = (uint64_t)i;
			h = x;
		}
		KeepAlive(h);
		atomic_add64(&spins, 1);
	}
}

int main(void)
{
	uint64_t sum = 0;
	tree = build(18, &sum);         /* 2^19 - 1 nodes of 32 B: 16 MiB */
	int np = GOMAXPROCS(0);
	struct MemStats ms;
	ReadMemStats(&ms);
	uint32_t n0 = ms.NumGC, last = n0;
	uint64_t goal = ms.NextGC, checked = 0, assists = 0, words = 0, credit = 0;
	go(allocator, NULL);
	int64_t deadline = nanotime() + 120 * Second;
	uint64_t want = BootFlagTestShort() ? 8 : 20;   /* cycles to check */
	while (checked < want && nanotime() < deadline) {
		Sleep(Millisecond);
		ReadMemStats(&ms);
		if (ms.NumGC == last)
			continue;
		struct gc_cycle_stats st;
		gc_last_cycle(&st);
		if (st.cycle == last + 1 && last > n0) {  /* goal known: it started at last */
			uint64_t slack = (uint64_t)np * 64 * 1024;
			CHECK(st.marked_bytes <= goal + slack,
			      "cycle %u: the mark ended with %llu KiB, goal %llu KiB + %llu KiB",
			      st.cycle, (unsigned long long)(st.marked_bytes >> 10),
			      (unsigned long long)(goal >> 10), (unsigned long long)(slack >> 10));
			checked++;
			assists += st.assists;
			words += st.assist_words;
			credit += st.assist_credit;
		}
		last = st.cycle;
		ReadMemStats(&ms);
		goal = ms.NextGC;
		if (ms.NumGC != last)
			last = 0;       /* another cycle meanwhile: resynchronise */
		if (last == 0)
			last = ms.NumGC;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	CHECK(checked >= want / 2, "only %llu cycles checked in 120 s", (unsigned long long)checked);
	CHECK(atomic_load64(&spins) > 0, "the allocator never ran");
	CHECK(words > 0, "no assist scanned anything (%llu assists, %llu words of credit)",
	      (unsigned long long)assists, (unsigned long long)credit);
	uint64_t s2 = sum_tree(tree);
	CHECK(s2 == sum, "tree sum %#llx, want %#llx", (unsigned long long)s2, (unsigned long long)sum);
	printf("gc_assist: GOMAXPROCS %d: %llu cycles checked, heap within the goal, "
	       "%llu assists scanned %llu words\n", np, (unsigned long long)checked,
	       (unsigned long long)assists, (unsigned long long)words);
	printf("gc_assist: %llu words of background credit taken\n", (unsigned long long)credit);
	printf("PASS\n");
	return 0;
}
