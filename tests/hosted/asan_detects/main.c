/*
 * asan_detects - a program with a memory bug on purpose, run only by
 * tests/make/asan_detects.sh in the hosted AddressSanitizer build, which
 * checks that ASan reports it (and that test=0, which has no bug, runs
 * with no report):
 *   test=0 no bug: allocate, use, free, collect, and a panic recovered by
 *          a goroutine function's own deferred call (arch_longjmp to a
 *          fresh context: asan.c) - the control;
 *   test=1 a load from a runtime heap object after free() (the allocator
 *          poisoned it: kernel/lib/asan.h);
 *   test=2 a load from a collected object: the only reference is hidden
 *          from the collector (XOR-ed), so the sweep frees the object and
 *          poisons it;
 *   test=3 a store past the end of a local array on a goroutine stack
 *          (the compiler's stack redzones; asan.c's fibers).
 * One CPU (-smp 1): with more, another CPU may allocate the freed object
 * again between the bad load and ASan's report (an "unknown-crash").
 * Not in tests/qemu/: on a board, or without ASan, the bad accesses
 * would go unseen and the program would print its "BUG NOT SEEN" line.
 */
#include <stdio.h>
#include <stdlib.h>
#include "gort.h"

#define MASK ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

static uintptr_t hidden;
static volatile int made, finalized;

static void on_finalize(void *obj)
{
	(void)obj;
	finalized = 1;
}

/* In a goroutine of its own, which exits: no copy of the pointer stays in
 * a frame or a register the collector scans. */
static void make_hidden(void *arg)
{
	(void)arg;
	long *p = mallocgc(64);
	p[0] = 42;
	SetFinalizer(p, on_finalize);
	hidden = (uintptr_t)p ^ MASK;
	made = 1;
}

static volatile int recovered;

static void do_recover(void *arg)
{
	(void)arg;
	recovered = recover() != NULL;
}

static void panicker(void *arg)
{
	(void)arg;
	Defer(do_recover, NULL);
	panic("recovered at the goroutine's base");
}

/* Collect until the hidden object's finalizer ran (at most 2 s), then
 * twice more: the cycle after its finalizer ran frees it. */
static void collect_hidden(void)
{
	go(make_hidden, NULL);
	while (!made)
		Sleep(Millisecond);
	Sleep(10 * Millisecond);        /* let make_hidden's goroutine exit */
	for (int i = 0; i < 200 && !finalized; i++) {
		GC();
		Sleep(10 * Millisecond);
	}
	GC();
	GC();
}

static __attribute__((noinline)) void overflow(int i)
{
	volatile char buf[16];
	volatile char *q = buf;
	__asm__("" : "+r"(q));          /* hides the array from UBSan, which would see it first */
	q[i] = 1;
	printf("asan_detects: buf[%d] = %d\n", i, buf[0]);
}

int main(void)
{
	volatile long *p;
	switch (BootFlagTest()) {
	case 0:
		p = malloc(48);
		p[5] = 7;
		free((void *)p);
		collect_hidden();
		overflow(15);
		go(panicker, NULL);
		for (int i = 0; i < 1000 && !recovered; i++)
			Sleep(Millisecond);
		printf("asan_detects: no bug, no report (finalizer ran: %d, recovered: %d)\n",
		       finalized, recovered);
		return 0;
	case 1:
		p = malloc(48);
		p[5] = 7;
		printf("asan_detects: reading a freed malloc block\n");
		free((void *)p);
		printf("asan_detects: BUG NOT SEEN (%ld)\n", p[5]);
		return 1;
	case 2:
		collect_hidden();
		printf("asan_detects: reading a collected object (finalizer ran: %d)\n", finalized);
		p = (long *)(hidden ^ MASK);
		printf("asan_detects: BUG NOT SEEN (%ld)\n", p[0]);
		return 1;
	case 3:
		printf("asan_detects: writing past a stack array\n");
		overflow(16);
		printf("asan_detects: BUG NOT SEEN\n");
		return 1;
	}
	return 2;
}
