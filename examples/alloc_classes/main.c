// TEST: smp=1,2 status=0 timeout=60
// EXPECT: ^67 size classes \(class 0 = large objects\), 8 B to 32768 B: Go's table before 1\.16$
// EXPECT: ^mallocgc\(   17\) -> class  3 \(   32 B slots, 15 B lost\)$
// EXPECT: ^mallocgc\( 1025\) -> class 32 \( 1152 B slots, 127 B lost\)$
// EXPECT: ^mallocgc\(32769\) -> large: a span of its own \(5 pages of 8 KiB\)$
// EXPECT: ^tiny: 1000 objects of 4 B took [0-9]+ blocks of 16 B; [0-9]+ were folded into a block \(4 per block: yes\)$
// EXPECT: ^tiny: 1000 objects of 4 B with pointers \(mallocgc\) took 1000 slots of 8 B \(no tiny allocator: yes\)$
/*
 * alloc_classes - size classes and the tiny allocator (docs/memory.md).
 *
 * What to look for:
 *  1. The class table: every small request (<= 32 KiB) is rounded up to
 *     one of 66 object sizes (plus class 0, "large"), so that a span holds
 *     objects of one size and a bitmap can track them. The table is Go's
 *     runtime/sizeclasses.go from before Go 1.16 (67 classes; 1.16 added
 *     a 24-byte class).
 *  2. Where a request lands: the per-class counters of MemStats.BySize
 *     tell which class served each mallocgc, and the bytes lost to
 *     rounding. A request over 32 KiB gets a span of whole pages.
 *  3. The tiny allocator: pointer-free (noscan) objects under 16 B are
 *     packed into one 16-byte block (mcache.tiny), so four 4-byte objects
 *     cost one allocation; MemStats.TinyAllocs counts the ones folded into
 *     an existing block. Objects that may hold pointers never share.
 */
#include <stdio.h>
#include <stdlib.h>
#include "gort.h"

static struct MemStats a, b;
static void *keep[1000];

static int class_used(void)     /* the class whose Mallocs grew from a to b */
{
	for (int c = 0; c < 67; c++)
		if (b.BySize[c].Mallocs != a.BySize[c].Mallocs)
			return c;
	return -1;
}

static void where(size_t size)
{
	ReadMemStats(&a);
	void *p = mallocgc(size);
	ReadMemStats(&b);
	int c = class_used();
	if (c > 0)
		printf("mallocgc(%5zu) -> class %2d (%5u B slots, %u B lost)\n", size, c,
		       b.BySize[c].Size, (unsigned)(b.BySize[c].Size - size));
	else
		printf("mallocgc(%5zu) -> large: a span of its own (%llu pages of 8 KiB)\n", size,
		       (unsigned long long)((b.TotalAlloc - a.TotalAlloc) / 8192));
	free(p);
}

int main(void)
{
	GOMAXPROCS(1);          /* one mcache: the counters move only for us */
	ReadMemStats(&a);
	printf("67 size classes (class 0 = large objects), %u B to %u B: Go's table before 1.16\n",
	       a.BySize[1].Size, a.BySize[66].Size);
	printf("classes:");
	for (int c = 1; c < 67; c++)
		printf("%s%u", c % 16 == 1 ? "\n  " : " ", a.BySize[c].Size);
	printf("\n");

	size_t sizes[] = { 1, 8, 9, 17, 100, 1000, 1025, 5000, 32768, 32769 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		where(sizes[i]);

	ReadMemStats(&a);
	for (int i = 0; i < 1000; i++)
		keep[i] = mallocgc_noscan(4);
	ReadMemStats(&b);
	uint64_t blocks = b.BySize[2].Mallocs - a.BySize[2].Mallocs;
	uint64_t folded = b.TinyAllocs - a.TinyAllocs;
	printf("tiny: 1000 objects of 4 B took %llu blocks of 16 B; %llu were folded into a block (4 per block: %s)\n",
	       (unsigned long long)blocks, (unsigned long long)folded,
	       blocks + folded == 1000 && blocks >= 250 && blocks <= 251 ? "yes" : "no");

	ReadMemStats(&a);
	for (int i = 0; i < 1000; i++)
		keep[i] = mallocgc(4);
	ReadMemStats(&b);
	printf("tiny: 1000 objects of 4 B with pointers (mallocgc) took %llu slots of 8 B (no tiny allocator: %s)\n",
	       (unsigned long long)(b.BySize[1].Mallocs - a.BySize[1].Mallocs),
	       b.TinyAllocs == a.TinyAllocs ? "yes" : "no");
	KeepAlive(keep);
	return 0;
}
