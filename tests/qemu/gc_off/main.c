// EXPECT: ^gc_off: GC\(\) still collects: HeapAlloc back within [0-9]+ KiB$
// EXPECT: ^gc_off: SetGCPercent\(100\): [0-9]+ cycles started by allocation$
// EXPECT: ^PASS$
// TEST: smp=1,2,4 bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=120
// EXPECT: ^gc_off: SetGCPercent\(-1\): no cycle while [0-9]+ MiB were allocated$
// TEST: smp=1,4 bootargs="gogc=off gccheckmark=1 gcpoison=1" status=0 timeout=120
// EXPECT: ^gc_off: gogc=off: no cycle while [0-9]+ MiB were allocated$
/*
 * gc_off - GOGC=off. With the collector off (SetGCPercent(-1), or the boot
 * flag gogc=off), allocating GARBAGE bytes of garbage (4x the 4 MiB
 * minimum goal) starts no cycle: NumGC is unchanged and HeapAlloc grows by
 * all of it. GC() still runs a full cycle and reclaims it (HeapAlloc back
 * within SLACK of the start). Turning the collector back on
 * (SetGCPercent(100) returns -1) makes the same allocation start cycles
 * again - the positive control that the allocation would have triggered
 * cycles. MemStats.GCPercent follows the setting.
 */
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"

#define GARBAGE (16u << 20)
#define SLACK (256u << 10)

static WaitGroup wg;

/* In a goroutine that exits, so no live stack keeps any of it. */
static void make_garbage(void *arg)
{
	for (size_t done = 0; done < GARBAGE;) {
		size_t n = (done / 4096) % 8 == 7 ? 48 * 1024 : 256;
		uint64_t *p = (done & 4096) ? mallocgc(n) : mallocgc_noscan(n);
		p[0] = done;
		done += n;
	}
	WaitGroup_Done(&wg);
}

static void garbage(void)
{
	WaitGroup_Add(&wg, 1);
	go(make_garbage, NULL);
	WaitGroup_Wait(&wg);
	Sleep(5 * Millisecond);
}

static unsigned long long kib(uint64_t b) { return (unsigned long long)(b >> 10); }

int main(void)
{
	struct MemStats a, b, c, d;
	ReadMemStats(&a);
	const char *how;
	if (a.GCPercent == -1) {
		how = "gogc=off";
	} else {
		CHECK(a.GCPercent == 100, "GCPercent %d at boot, want 100", a.GCPercent);
		int prev = SetGCPercent(-1);
		CHECK(prev == 100, "SetGCPercent(-1) returned %d, want 100", prev);
		how = "SetGCPercent(-1)";
	}
	GC();
	ReadMemStats(&a);
	CHECK(a.GCPercent == -1, "MemStats.GCPercent %d, want -1", a.GCPercent);
	garbage();
	ReadMemStats(&b);
	printf("gc_off: NumGC %u -> %u, HeapAlloc %llu -> %llu KiB, NextGC %llu KiB\n", a.NumGC,
	       b.NumGC, kib(a.HeapAlloc), kib(b.HeapAlloc), kib(b.NextGC));
	CHECK(b.NumGC == a.NumGC, "%u cycles ran with the collector off", b.NumGC - a.NumGC);
	CHECK(b.HeapAlloc >= a.HeapAlloc + GARBAGE, "HeapAlloc grew by only %llu KiB",
	      kib(b.HeapAlloc - a.HeapAlloc));
	printf("gc_off: %s: no cycle while %u MiB were allocated\n", how, GARBAGE >> 20);

	GC();
	ReadMemStats(&c);
	CHECK(c.NumGC == b.NumGC + 1, "GC() ran %u cycles, want 1", c.NumGC - b.NumGC);
	CHECK(c.NumForcedGC == b.NumForcedGC + 1, "NumForcedGC grew by %u, want 1",
	      c.NumForcedGC - b.NumForcedGC);
	CHECK(c.HeapAlloc <= a.HeapAlloc + SLACK, "after GC(): HeapAlloc %llu KiB, was %llu KiB",
	      kib(c.HeapAlloc), kib(a.HeapAlloc));
	printf("gc_off: GC() still collects: HeapAlloc back within %llu KiB\n", kib(SLACK));

	int prev = SetGCPercent(100);
	CHECK(prev == -1, "SetGCPercent(100) returned %d, want -1", prev);
	garbage();
	ReadMemStats(&d);
	CHECK(d.GCPercent == 100, "MemStats.GCPercent %d, want 100", d.GCPercent);
	CHECK(d.NumGC >= c.NumGC + 2, "only %u cycles while %u MiB were allocated with GOGC=100",
	      d.NumGC - c.NumGC, GARBAGE >> 20);
	CHECK(d.NumForcedGC == c.NumForcedGC, "allocation-triggered cycles counted as forced");
	printf("gc_off: SetGCPercent(100): %u cycles started by allocation\n", d.NumGC - c.NumGC);
	printf("PASS\n");
	return 0;
}
