// EXPECT: ^stretch tree of depth 17	 check: 262143$
// EXPECT: ^65536	 trees of depth 4	 check: 2031616$
// EXPECT: ^16384	 trees of depth 6	 check: 2080768$
// EXPECT: ^4096	 trees of depth 8	 check: 2093056$
// EXPECT: ^1024	 trees of depth 10	 check: 2096128$
// EXPECT: ^256	 trees of depth 12	 check: 2096896$
// EXPECT: ^64	 trees of depth 14	 check: 2097088$
// EXPECT: ^16	 trees of depth 16	 check: 2097136$
// EXPECT: ^long lived tree of depth 16	 check: 131071$
// EXPECT: ^gc_binarytrees: [0-9]+ GC cycles, peak HeapInuse [0-9]+ KiB <= bound [0-9]+ KiB$
// EXPECT: ^PASS$
// TEST: smp=1,2,4 bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=600 mem=256M
// TEST: smp=1,2,4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=600 mem=256M
// TEST: smp=4 status=0 timeout=300 mem=256M
// TEST: smp=4 board=raspi3b status=0 timeout=300
/*
 * gc_binarytrees - the benchmarks-game binary-trees program (the Go
 * version's structure) at max depth 16: a stretch tree of depth 17, a
 * long-lived tree of depth 16 kept for the whole run, and for each depth
 * d = 4, 6, ..., 16 one goroutine building and checking 2^(16-d+4) trees of
 * depth d (WaitGroup). Nodes are mallocgc(16) objects with two child
 * pointers and are never freed by hand: only the collector reclaims them.
 * The EXPECT lines are the program's known output (for depth d and n
 * iterations the check is n * (2^(d+1) - 1)).
 *
 * What it asserts and why it can fail:
 *   - the check values: a node freed while still reachable (a missed
 *     mark) is poisoned by gcpoison=1 or handed out again by the allocator
 *     and rewritten, which breaks the tree shape and the count (or faults);
 *     gccheckmark=1 re-marks every cycle and dies on any missed object;
 *   - the heap stays bounded: 228 MiB of nodes are allocated in all
 *     (without a collector the heap would end near that), and the peak
 *     HeapInuse (sampled every 5 ms by a monitor goroutine and by each
 *     worker after its depth) must stay under BOUND_MULT x (long-lived
 *     tree bytes + 4 MiB minimum goal) above the heap in use at the start.
 *     The live heap at any moment is the long-lived tree (2 MiB) plus one
 *     tree in progress per worker (at most 2+0.5+0.125+... MiB) plus the
 *     stretch tree early on (4 MiB): about 5-6 MiB. With GOGC=100 the
 *     goal is about twice that; partly used spans in every P's mcache and
 *     cycles that start late while workers keep allocating add to that
 *     (see BOUND_MULT for the measured figures);
 *   - NumGC grew by at least MIN_GC = 20 cycles (228 MiB allocated / a goal
 *     of 4..12 MiB; 62..70 measured).
 */
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"
#include "arch/atomic.h"

#define MIN_DEPTH 4
#define MAX_DEPTH 16
/* Peak HeapInuse above the start must stay under BOUND_MULT x (the
 * long-lived tree's bytes + the 4 MiB minimum goal) = 4 x 6 MiB = 24 MiB.
 * Measured (riscv64 and aarch64, gcc and clang, smp 1/2/4, with and
 * without gccheckmark/gcpoison, on a loaded 2-core host): 1.47x .. 2.06x
 * (9.0 .. 12.6 MiB). 4x leaves about 2x of headroom for late cycle starts
 * on a loaded host, yet fails as soon as garbage survives a few cycles
 * (each cycle allocates ~4-10 MiB; without collection the peak passes
 * 24 MiB within the first depth). */
#define BOUND_MULT 4
#define MIN_GC 20

struct node { struct node *left, *right; };

static struct node *bottom_up_tree(int depth)
{
	struct node *n = mallocgc(sizeof *n);
	if (depth > 0) {
		n->left = bottom_up_tree(depth - 1);
		n->right = bottom_up_tree(depth - 1);
	}
	return n;
}

static int64_t item_check(const struct node *n)
{
	if (n->left == NULL)
		return 1;
	return 1 + item_check(n->left) + item_check(n->right);
}

static int64_t result_trees[MAX_DEPTH + 1], result_check[MAX_DEPTH + 1];
static WaitGroup wg;
static uint64_t peak_inuse;           /* atomic max */
static volatile int monitor_stop;
static int64_t monitor_done;

static void sample(void)
{
	struct MemStats m;
	ReadMemStats(&m);
	uint64_t old = __atomic_load_n(&peak_inuse, __ATOMIC_RELAXED);
	while (m.HeapInuse > old &&
	       !arch_cas(&peak_inuse, &old, m.HeapInuse,
	                 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void monitor(void *arg)
{
	while (!__atomic_load_n(&monitor_stop, __ATOMIC_RELAXED)) {
		sample();
		Sleep(5 * Millisecond);
	}
	atomic_add64(&monitor_done, 1);
}

static void worker(void *arg)
{
	int depth = (int)(intptr_t)arg;
	int64_t iterations = (int64_t)1 << (MAX_DEPTH - depth + MIN_DEPTH);
	int64_t check = 0;
	for (int64_t i = 1; i <= iterations; i++)
		check += item_check(bottom_up_tree(depth));
	result_trees[depth] = iterations;
	result_check[depth] = check;
	sample();
	WaitGroup_Done(&wg);
}

int main(void)
{
	struct MemStats m0, m1;
	GC();
	ReadMemStats(&m0);
	peak_inuse = m0.HeapInuse;
	go(monitor, NULL);

	int stretch = MAX_DEPTH + 1;
	printf("stretch tree of depth %d\t check: %lld\n", stretch,
	       (long long)item_check(bottom_up_tree(stretch)));
	sample();

	struct node *long_lived = bottom_up_tree(MAX_DEPTH);

	for (int d = MIN_DEPTH; d <= MAX_DEPTH; d += 2) {
		WaitGroup_Add(&wg, 1);
		go(worker, (void *)(intptr_t)d);
	}
	WaitGroup_Wait(&wg);
	for (int d = MIN_DEPTH; d <= MAX_DEPTH; d += 2)
		printf("%lld\t trees of depth %d\t check: %lld\n", (long long)result_trees[d], d,
		       (long long)result_check[d]);
	printf("long lived tree of depth %d\t check: %lld\n", MAX_DEPTH,
	       (long long)item_check(long_lived));
	KeepAlive(long_lived);

	__atomic_store_n(&monitor_stop, 1, __ATOMIC_RELAXED);
	wait_for(&monitor_done, 1, 10000, "the monitor");
	sample();
	ReadMemStats(&m1);

	uint64_t long_lived_bytes = (((uint64_t)1 << (MAX_DEPTH + 1)) - 1) * sizeof(struct node);
	uint64_t bound = BOUND_MULT * (long_lived_bytes + 4 * 1024 * 1024);
	uint64_t peak = peak_inuse - m0.HeapInuse;
	uint32_t ncycles = m1.NumGC - m0.NumGC;
	printf("gc_binarytrees: heap in use at start %llu KiB, peak above it %llu KiB = %llu.%02llu x "
	       "(long-lived %llu KiB + 4 MiB); TotalAlloc %llu MiB, HeapAlloc now %llu KiB\n",
	       (unsigned long long)(m0.HeapInuse >> 10), (unsigned long long)(peak >> 10),
	       (unsigned long long)(peak / (long_lived_bytes + 4 * 1024 * 1024)),
	       (unsigned long long)(peak * 100 / (long_lived_bytes + 4 * 1024 * 1024) % 100),
	       (unsigned long long)(long_lived_bytes >> 10),
	       (unsigned long long)((m1.TotalAlloc - m0.TotalAlloc) >> 20),
	       (unsigned long long)(m1.HeapAlloc >> 10));
	CHECK(ncycles >= MIN_GC, "only %u GC cycles (want >= %d)", ncycles, MIN_GC);
	CHECK(peak <= bound, "peak HeapInuse %llu KiB above the start exceeds the bound %llu KiB",
	      (unsigned long long)(peak >> 10), (unsigned long long)(bound >> 10));
	printf("gc_binarytrees: %u GC cycles, peak HeapInuse %llu KiB <= bound %llu KiB\n", ncycles,
	       (unsigned long long)(peak >> 10), (unsigned long long)(bound >> 10));
	printf("PASS\n");
	return 0;
}
