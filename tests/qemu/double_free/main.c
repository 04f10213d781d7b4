// TEST: smp=1 status=2 timeout=30 bootargs="test=0"
// EXPECT: ^fatal error: free: double free of 0x[0-9a-f]+$
// EXPECT: ^goroutine 1 \[running
// REJECT: ^PASS
// TEST: smp=1 status=2 timeout=30 bootargs="test=1"
// EXPECT: ^fatal error: free: (double free of|double free or invalid pointer) 0x[0-9a-f]+
// REJECT: ^PASS
// TEST: smp=1 status=2 timeout=30 bootargs="test=2"
// EXPECT: ^fatal error: free: invalid pointer 0x[0-9a-f]+ \(not from the heap\)$
// REJECT: ^PASS
// TEST: smp=1 status=2 timeout=30 bootargs="test=3"
// EXPECT: ^fatal error: free: invalid pointer 0x[0-9a-f]+ \(not the start of an object\)$
// REJECT: ^PASS
// TEST: smp=2 status=2 timeout=30 bootargs="test=4"
// EXPECT: ^fatal error: free: double free of 0x[0-9a-f]+$
// REJECT: ^PASS
/*
 * double_free - freeing what is not a live heap object is a clear fatal
 * error, not silent corruption:
 *   test=0 a small object freed twice (its span still holds others);
 *   test=1 a large object freed twice (its pages are already back);
 *   test=2 a pointer to static data;
 *   test=3 a pointer into the middle of an object;
 *   test=4 a small object freed twice by two goroutines, in turn.
 */
#include <stdlib.h>
#include "tests/qemu/testing.h"

static char not_heap[64];
static void *shared;
static int64_t step;

static void second(void *arg)
{
	wait_for(&step, 1, 5000, "the first free");
	free(shared);
	atomic_add64(&step, 1);
}

int main(void)
{
	void *keep = malloc(40);
	void *p;
	switch (BootFlagTest()) {
	case 0:
		p = malloc(40);
		free(p);
		free(p);
		break;
	case 1:
		p = malloc(100000);
		free(p);
		free(p);
		break;
	case 2:
		free(not_heap + 16);
		break;
	case 3:
		p = malloc(100);
		free((char *)p + 8);
		break;
	case 4:
		shared = malloc(24);
		go(second, NULL);
		free(shared);
		atomic_add64(&step, 1);
		wait_for(&step, 2, 5000, "the second free");
		break;
	}
	free(keep);
	printf("PASS\n");
	return 0;
}
