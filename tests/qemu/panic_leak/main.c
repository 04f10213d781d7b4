// TEST: smp=1,2 status=0 timeout=120
// EXPECT: ^PASS
// REJECT: ^(FAIL|panic:|fatal error:)
/*
 * panic_leak - a goroutine that recovers 10,000 panics in a loop (Go's
 * test/recover*.go do the same to catch leaks) leaves nothing behind: after
 * it ends and a GC, HeapAlloc and NumGoroutine are back where they were.
 * The panics mix plain ones, nil dereferences (a fault each) and channel
 * misuse (a channel allocated and dropped each time), with deferred calls
 * pending in outer frames, so records, frames and panics all cycle. A
 * warm-up round first fills the per-P caches of deferred-call records,
 * which stay allocated by design (kernel/panic/defer.c).
 */
#include "tests/qemu/testing.h"

#define ROUNDS 10000

static int64_t recovered_count, finished;
static volatile int *volatile nilp;

static void recoverer(void *arg)
{
	if (recover() != NULL)
		atomic_add64(&recovered_count, 1);
}

static void nop(void *arg) { (void)arg; }

static void one(void *arg)
{
	long i = (long)(intptr_t)arg;
	Defer(nop, NULL);
	Defer(recoverer, NULL);
	Defer(nop, NULL);
	switch (i % 3) {
	case 0:
		panic("loop");
	case 1:
		nilp[i & 7] = 1;
		break;
	case 2: {
		chan_t *c = make_chan(sizeof(long), 1);
		chan_close(c);
		chan_close(c);
		break;
	}
	}
}

static void outer(void *arg)
{
	Defer(nop, NULL);               /* pending in an outer frame */
	Call(one, arg);
}

static void looper(void *arg)
{
	long n = (long)(intptr_t)arg;
	for (long i = 0; i < n; i++)
		Call(outer, (void *)(intptr_t)i);
	atomic_add64(&finished, 1);
}

static void run(long n)
{
	int64_t f = atomic_load64(&finished);
	go(looper, (void *)(intptr_t)n);
	wait_for(&finished, f + 1, 100000, "the panic loop");
}

int main(void)
{
	run(300);                       /* warm-up */
	while (NumGoroutine() != 1)
		Sleep(Millisecond);
	GC();
	struct MemStats a, b;
	ReadMemStats(&a);
	int ng = NumGoroutine();
	int64_t r0 = atomic_load64(&recovered_count);

	run(ROUNDS);
	while (NumGoroutine() != ng)
		Sleep(Millisecond);
	GC();
	ReadMemStats(&b);
	int64_t r = atomic_load64(&recovered_count) - r0;
	CHECK(r == ROUNDS, "recovered %lld of %d panics", (long long)r, ROUNDS);
	CHECK(NumGoroutine() == ng, "NumGoroutine %d, was %d", NumGoroutine(), ng);
	int64_t grew = (int64_t)b.HeapAlloc - (int64_t)a.HeapAlloc;
	printf("HeapAlloc %llu -> %llu (%+lld bytes over %d panics)\n",
	       (unsigned long long)a.HeapAlloc, (unsigned long long)b.HeapAlloc,
	       (long long)grew, ROUNDS);
	/* A leak of one record or one channel per panic would be >= 160 KB;
	 * what may differ is a few cached records on another P and what a
	 * conservative scan still sees. */
	CHECK(grew < 8192, "HeapAlloc grew by %lld bytes", (long long)grew);
	printf("PASS\n");
	return 0;
}
