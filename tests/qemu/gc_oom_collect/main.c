// TEST: smp=1,2 status=0 timeout=120 mem=128M bootargs="gogc=off"
// EXPECT: ^gc_oom_collect: 1024 MiB of garbage through a 128 MiB machine with gogc=off, [0-9]+ cycles run for lack of memory$
// EXPECT: ^PASS$
/*
 * gc_oom_collect - running out of memory collects before it kills. With
 * the pacer off (gogc=off) no cycle ever starts by itself; the program
 * allocates 1 GiB of garbage - large (1 MiB) and small (1000 B) GC objects,
 * dropped at once - on a 128 MiB machine. Each time the heap is full the
 * failing allocation runs a full cycle and tries again, so the program
 * finishes, and NumGC counts those cycles. A live list of small objects is
 * kept throughout and checked at the end: collecting for memory must not
 * free what is reachable. It fails with "fatal error: runtime: out of
 * memory" if the allocator dies without collecting, and on a corrupt list.
 */
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"

struct node { struct node *next; uint64_t v; };

int main(void)
{
	struct node *live = NULL;
	for (int i = 0; i < 1000; i++) {
		struct node *n = mallocgc(sizeof *n);
		n->v = (uint64_t)i * 2654435761u;
		n->next = live;
		live = n;
	}
	struct MemStats ms;
	ReadMemStats(&ms);
	uint32_t gc0 = ms.NumGC;
	uint64_t total = 0;
	for (int i = 0; total < (1ull << 30); i++) {
		size_t n = i % 8 == 0 ? (1u << 20) : 1000;
		volatile char *p = mallocgc_noscan(n);
		p[0] = 1;
		p[n - 1] = 2;
		total += n;
	}
	ReadMemStats(&ms);
	int k = 1000;
	for (struct node *n = live; n; n = n->next) {
		k--;
		CHECK(n->v == (uint64_t)k * 2654435761u, "live node %d corrupt", k);
	}
	CHECK(k == 0, "live list lost %d nodes", k);
	CHECK(ms.NumGC - gc0 > 0, "no cycle ran: NumGC %u -> %u", gc0, ms.NumGC);
	CHECK(ms.GCPercent == -1, "GCPercent %d, want -1 (gogc=off)", ms.GCPercent);
	printf("gc_oom_collect: %llu MiB of garbage through a 128 MiB machine with gogc=off, %u cycles run for lack of memory\n",
	       (unsigned long long)(total >> 20), ms.NumGC - gc0);
	printf("PASS\n");
	return 0;
}
