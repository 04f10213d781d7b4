// TEST: smp=1,2 status=2 timeout=30 bootargs="test=0"
// EXPECT: ^panic: first \[recovered\]$
// EXPECT: ^[[:space:]]panic: second$
// EXPECT: ^goroutine 1 \[running\]:$
// EXPECT: ^    repanicker[.a-z0-9]*\+0x
// EXPECT: ^    main[.a-z0-9]*\+0x
// REJECT: ^(PASS|returned)
// TEST: smp=1 status=2 timeout=30 bootargs="test=1"
// EXPECT: ^panic: first$
// EXPECT: ^[[:space:]]panic: second$
// EXPECT: ^goroutine 1 \[running\]:$
// REJECT: ^(PASS|returned)
// TEST: smp=1,2 status=2 timeout=30 bootargs="test=2"
// EXPECT: ^panic: runtime error: invalid memory address or nil pointer dereference$
// EXPECT: ^\[signal SIGSEGV: segmentation violation addr=0x8 pc=0x[0-9a-f]+\]$
// EXPECT: ^goroutine [2-9][0-9]* \[running\]:$
// EXPECT: ^    deref[.a-z0-9]*\+0x
// EXPECT: ^    worker[.a-z0-9]*\+0x
// EXPECT: ^deferred ran$
// REJECT: ^(PASS|returned)
// TEST: smp=1,2 status=2 timeout=30 bootargs="test=2 trace=1"
// EXPECT: ^panic: runtime error: invalid memory address or nil pointer dereference$
// EXPECT: ^goroutine [2-9][0-9]* \[running\]:$
// EXPECT: ^#T e lines=
// CHECK: scripts/trace/gort_trace.py check
// TEST: smp=1 status=2 timeout=30 bootargs="test=3"
// EXPECT: ^panic: close of nil channel$
// EXPECT: ^goroutine 1 \[running\]:$
// REJECT: ^(PASS|returned|\[signal)
// TEST: smp=1 status=0 timeout=30 bootargs="test=4"
// EXPECT: ^recovered in main: fourth$
// EXPECT: ^main's first deferred call ran$
// REJECT: ^(panic:|returned)
/*
 * panic_unrecovered - a panic nobody recovers prints as Go's does and
 * exits with status 2, after running every deferred call:
 *   test=0 a deferred call recovers "first", then panics "second":
 *          "panic: first [recovered]" then, indented, "panic: second",
 *          "goroutine 1 [running]:" and a symbolized traceback;
 *   test=1 a deferred call panics without recovering: both panics, the
 *          first not marked;
 *   test=2 a nil dereference in a goroutine: Go's runtime error, the
 *          "[signal ...]" line with the faulting address, the traceback
 *          through the faulting function; the goroutine's deferred call
 *          still ran first; with trace=1 the trace is written out after
 *          the report, whole (the checker verifies it);
 *   test=3 a runtime panic from a channel (no signal line);
 *   test=4 the contrast: main recovers its own panic, so main returns
 *          normally (status 0, as in Go) after its other deferred calls.
 */
#include "tests/qemu/testing.h"

static void repanicker(void *arg)
{
	recover();
	panic("second");
}

static void panicker(void *arg)
{
	panic("second");
}

static void say(void *s)
{
	printf("%s\n", (const char *)s);
}

static void recover_in_main(void *arg)
{
	const char *r = recover();
	printf("recovered in main: %s\n", r ? r : "NULL");
}

static volatile int *volatile nilp;
/* The barrier keeps the compiler from popping deref's frame record before
 * the load (both GCCs schedule the epilogue early), so that the traceback
 * from the fault goes through worker. */
__attribute__((noinline)) static int deref(void)
{
	int v = nilp[2];
	__asm__ volatile("" ::: "memory");
	return v + 1;
}

static void worker(void *arg)
{
	Defer(say, "deferred ran");
	int v = deref();
	printf("returned %d\n", v);
}

int main(void)
{
	switch (BootFlagTest()) {
	case 0:
		Defer(repanicker, NULL);
		panic("first");
	case 1:
		Defer(panicker, NULL);
		panic("first");
	case 2:
		go(worker, NULL);
		Sleep(Second);
		break;
	case 3:
		chan_close(NULL);
		break;
	case 4:
		Defer(say, "main's first deferred call ran");
		Defer(recover_in_main, NULL);
		panic("fourth");
	}
	printf("returned\n");
	return 0;
}
