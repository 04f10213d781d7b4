// EXPECT: ^gc_reclaim: round 1: 32 MiB allocated and dropped, HeapAlloc back within [0-9]+ KiB of the start, [0-9]+ MiB of pages back to the page heap$
// EXPECT: ^gc_reclaim: round 3: 32 MiB allocated and dropped, HeapAlloc back within [0-9]+ KiB of the start, [0-9]+ MiB of pages back to the page heap$
// EXPECT: ^gc_reclaim: no creep over 3 rounds$
// EXPECT: ^PASS$
// TEST: smp=1,2,4 bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=240
// TEST: smp=1,2,4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=240
// TEST: smp=4 status=0 timeout=120
// TEST: smp=4 board=sifive_u status=0 timeout=120
// TEST: smp=2 board=sifive_u bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=240
// TEST: smp=4 board=raspi3b bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=240
/*
 * gc_reclaim - garbage is reclaimed, and the memory goes back to the page
 * heap. Three rounds of:
 *   - GC() twice; record MemStats (start);
 *   - a goroutine allocates TOTAL bytes of GC objects - 90% small (16 B ..
 *     2 KiB, scan and noscan), 10% large (33 .. 233 KiB) - each hung off a
 *     list of mallocgc'd items, touches them, records MemStats at the peak,
 *     drops the list and exits (so no stack frame or register of a live
 *     goroutine can still hold a pointer into it);
 *   - main scrubs its own dead stack, runs GC() twice and records MemStats.
 * Asserted, each round:
 *   - HeapAlloc is back within SLACK (256 KiB) of the start: everything
 *     was found unreachable and freed (the slack covers a stale pointer in
 *     some dead stack slot or runtime structure keeping a few objects);
 *   - HeapInuse fell and HeapIdle rose by at least TOTAL/2 from the peak:
 *     the emptied spans were released to the page heap, not just marked
 *     free inside their spans;
 * and across rounds (no creep): round 3's HeapAlloc is within SLACK of
 * round 1's, and its HeapInuse within INUSE_SLACK (spans cached by Ps).
 * It fails if the collector misses garbage, leaks spans after sweeping, or
 * keeps memory cycle after cycle.
 */
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"

#define TOTAL (32u << 20)
#define SLACK (256u << 10)
#define INUSE_SLACK (1u << 20)
#define ROUNDS 3

struct item { struct item *next; uint64_t *payload; size_t n; };

static WaitGroup wg;
static struct MemStats peak;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void build(void *arg)
{
	uint64_t r = 0x2545F4914F6CDD1Dull * ((uintptr_t)arg + 1);
	struct item *head = NULL;
	size_t bytes = 0, count = 0;
	while (bytes < TOTAL) {
		uint64_t k = rnd(&r) % 100;
		size_t n = k < 90 ? 16 + rnd(&r) % 2033 : 33 * 1024 + rnd(&r) % (200 * 1024);
		uint64_t *p = (k & 1) ? mallocgc_noscan(n) : mallocgc(n);
		p[0] = count;                           /* touch it */
		p[n / 8 - 1] = ~count;
		struct item *it = mallocgc(sizeof *it);
		it->next = head;
		it->payload = p;
		it->n = n;
		head = it;
		bytes += n + sizeof *it;
		count++;
	}
	size_t seen = 0;
	for (struct item *it = head; it; it = it->next, seen++)
		if (it->payload[0] != count - 1 - seen || it->payload[it->n / 8 - 1] != ~(count - 1 - seen))
			FAILF("item %zu damaged while reachable", seen);
	CHECK(seen == count, "list has %zu items, built %zu", seen, count);
	ReadMemStats(&peak);
	head = NULL;
	WaitGroup_Done(&wg);
}

static __attribute__((noinline)) void scrub_stack(void)
{
	volatile uint8_t buf[8192];
	memset((void *)buf, 0, sizeof buf);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

static unsigned long long kib(uint64_t b) { return (unsigned long long)(b >> 10); }

int main(void)
{
	struct MemStats s, e, first = { 0 };
	for (int round = 1; round <= ROUNDS; round++) {
		GC();
		GC();
		ReadMemStats(&s);
		WaitGroup_Add(&wg, 1);
		go(build, (void *)(uintptr_t)round);
		WaitGroup_Wait(&wg);
		Sleep(5 * Millisecond);         /* let it exit */
		scrub_stack();
		GC();
		GC();
		ReadMemStats(&e);
		printf("gc_reclaim: round %d: HeapAlloc %llu -> %llu -> %llu KiB, HeapInuse %llu -> %llu "
		       "-> %llu KiB (cached %llu), HeapIdle %llu -> %llu -> %llu KiB, NumGC %u -> %u\n",
		       round, kib(s.HeapAlloc), kib(peak.HeapAlloc), kib(e.HeapAlloc), kib(s.HeapInuse),
		       kib(peak.HeapInuse), kib(e.HeapInuse), kib(e.HeapCached), kib(s.HeapIdle),
		       kib(peak.HeapIdle), kib(e.HeapIdle), s.NumGC, e.NumGC);
		CHECK(peak.HeapAlloc >= s.HeapAlloc + TOTAL, "peak HeapAlloc %llu KiB: not all allocated?",
		      kib(peak.HeapAlloc));
		CHECK(e.HeapAlloc <= s.HeapAlloc + SLACK,
		      "round %d: HeapAlloc %llu KiB after GC, started at %llu KiB (slack %llu KiB): "
		      "garbage not reclaimed", round, kib(e.HeapAlloc), kib(s.HeapAlloc), kib(SLACK));
		CHECK(e.HeapInuse + TOTAL / 2 <= peak.HeapInuse,
		      "round %d: HeapInuse %llu KiB after GC, %llu KiB at the peak: spans not released",
		      round, kib(e.HeapInuse), kib(peak.HeapInuse));
		CHECK(e.HeapIdle >= peak.HeapIdle + TOTAL / 2,
		      "round %d: HeapIdle %llu KiB after GC, %llu KiB at the peak: pages not returned",
		      round, kib(e.HeapIdle), kib(peak.HeapIdle));
		CHECK(e.HeapSys == e.HeapIdle + e.HeapInuse + e.StackSys + e.OtherSys,
		      "pages do not add up");
		int64_t over = (int64_t)e.HeapAlloc - (int64_t)s.HeapAlloc;
		printf("gc_reclaim: round %d: %u MiB allocated and dropped, HeapAlloc back within %lld KiB "
		       "of the start, %llu MiB of pages back to the page heap\n", round, TOTAL >> 20,
		       (long long)(over < 0 ? 0 : over) >> 10,
		       (unsigned long long)((e.HeapIdle - peak.HeapIdle) >> 20));
		if (round == 1)
			first = e;
	}
	CHECK(e.HeapAlloc <= first.HeapAlloc + SLACK,
	      "HeapAlloc creeps: %llu KiB after round 1, %llu KiB after round %d", kib(first.HeapAlloc),
	      kib(e.HeapAlloc), ROUNDS);
	CHECK(e.HeapInuse <= first.HeapInuse + INUSE_SLACK,
	      "HeapInuse creeps: %llu KiB after round 1, %llu KiB after round %d", kib(first.HeapInuse),
	      kib(e.HeapInuse), ROUNDS);
	printf("gc_reclaim: no creep over %d rounds\n", ROUNDS);
	printf("PASS\n");
	return 0;
}
