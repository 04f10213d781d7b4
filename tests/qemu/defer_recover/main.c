// TEST: smp=1,2 status=0 timeout=60
// EXPECT: ^PASS$
// REJECT: ^(FAIL|panic:|fatal error:)
/*
 * defer_recover - defer, panic, recover and Goexit with Go's semantics:
 * the cases of Go's test/defer*.go and test/recover*.go that this C API
 * can express, each checked by the exact order of events it leaves in a
 * trace string.
 *
 *   lifo          deferred calls run last first, at a normal return too
 *   args          each deferred call gets its own argument (defer.go)
 *   recover_nil   recover() is NULL with no panic, in a plain function
 *                 and in a deferred call at a normal return
 *   recover_basic the frame whose deferred call recovers returns normally
 *                 to its caller's Call; its other deferred calls still run
 *   recover_outer a panic unwinds inner frames (their deferred calls run)
 *                 up to an outer frame that recovers (recover1.go)
 *   recover_once  a second recover() in the same call is NULL
 *   recover_deep  recover inside a nested Call of the deferred call is NULL
 *                 ("called directly by the deferred function")
 *   recover_helper recover from a plain C helper of the deferred call works
 *   repanic       a panic in a deferred call replaces the first; recovering
 *                 the second leaves nothing (recover2.go's shape)
 *   panic_in_defer_recover  recover, then panic again in the same call:
 *                 the new panic goes on and is recovered outside
 *   defer_in_defer a deferred call's own Defer runs when it returns
 *   recover_in_nested_defer a deferred call run at a normal return defers
 *                 a call that recovers a panic raised in it: the rest of
 *                 the outer frame's calls still run, the frame returns
 *   deferred_by_deferred the same one level down, inside a deferred call
 *                 a panic runs: recover() is NULL there, the recovery
 *                 returns into the panic's deferred call, the panic goes on
 *   nil_msg       panic(NULL) recovers as "panic called with nil argument"
 *   base frame    a goroutine's function recovers its own panic: its other
 *                 deferred calls run, the goroutine ends normally
 *   goexit        Goexit runs every pending deferred call of the goroutine,
 *                 recover() is NULL during Goexit, Goexit from a deferred
 *                 call, and a panic recovered during Goexit lets Goexit go on
 *   runtime errors nil dereference (load, store, call through a nil
 *                 function pointer), send on closed channel, close of
 *                 closed channel, close of nil channel, negative WaitGroup
 *                 counter, misaligned atomic: each recovered with Go's
 *                 message, and the goroutine keeps working
 */
#include <string.h>
#include "tests/qemu/testing.h"

static char trace[256];
static void T(const char *s) { strcat(trace, s); }
static void reset(void) { trace[0] = 0; }
static void want(const char *what, const char *w)
{
	CHECK(strcmp(trace, w) == 0, "%s: trace \"%s\", want \"%s\"", what, trace, w);
	reset();
}

static void mark(void *s) { T(s); }
static const char *recovered;
static void recoverer(void *tag)
{
	const char *r = recover();
	T(tag);
	if (r) {
		T("!");
		recovered = r;
	}
}

/* ---- lifo, args ---------------------------------------------------------- */

static void lifo(void *arg)
{
	Defer(mark, "a");
	Defer(mark, "b");
	Defer(mark, "c");
	T("body.");
}

static int order[5], norder;
static void record(void *arg) { order[norder++] = (int)(intptr_t)arg; }
static void args(void *arg)
{
	for (int i = 0; i < 5; i++)
		Defer(record, (void *)(intptr_t)i);
}

/* ---- recover --------------------------------------------------------------- */

static void check_nil_recover(void *tag)
{
	CHECK(recover() == NULL, "recover() outside a panic is not NULL");
	T(tag);
}

static void recover_nil(void *arg)
{
	CHECK(recover() == NULL, "recover() with no panic is not NULL");
	Defer(check_nil_recover, "n");
}

static void recover_basic(void *arg)
{
	Defer(mark, "1");
	Defer(recoverer, "r");
	Defer(mark, "2");
	T("body.");
	panic("boom");
	T("unreachable");
}

static void inner(void *arg)
{
	Defer(mark, "i");
	panic("deep");
}
static void middle(void *arg)
{
	Defer(mark, "m");
	Call(inner, NULL);
	T("unreachable");
}
static void recover_outer(void *arg)
{
	Defer(recoverer, "o");
	Call(middle, NULL);
	T("unreachable");
}

static void twice(void *arg)
{
	const char *a = recover(), *b = recover();
	CHECK(a && strcmp(a, "once") == 0, "first recover: %s", a ? a : "NULL");
	CHECK(b == NULL, "second recover is %s", b);
	T("t");
}
static void recover_once(void *arg)
{
	Defer(twice, NULL);
	panic("once");
}

static void nested_recover(void *arg)
{
	CHECK(recover() == NULL, "recover in a nested Call of a deferred call");
	T("n");
}
static void deferred_calls_nested(void *arg)
{
	Call(nested_recover, NULL);
	T("d");
}
static void recover_deep(void *arg)
{
	Defer(recoverer, "r");              /* the outer one recovers */
	Defer(deferred_calls_nested, NULL);
	panic("deep");
}

static __attribute__((noinline)) const char *helper(void) { return recover(); }
static void via_helper(void *arg)
{
	const char *r = helper();
	CHECK(r && strcmp(r, "helped") == 0, "recover via helper: %s", r ? r : "NULL");
	T("h");
}
static void recover_helper(void *arg)
{
	Defer(via_helper, NULL);
	panic("helped");
}

static void panic2(void *arg) { T("p2"); panic("second"); }
static void repanic(void *arg)
{
	Defer(recoverer, "r");
	Defer(panic2, NULL);
	panic("first");
}

static void recover_then_panic(void *arg)
{
	const char *r = recover();
	CHECK(r && strcmp(r, "one") == 0, "recover one: %s", r ? r : "NULL");
	T("x");
	panic("two");
}
static void panic_in_defer_recover(void *arg)
{
	Defer(recover_then_panic, NULL);
	panic("one");
}
static void outer_of_pidr(void *arg)
{
	Defer(recoverer, "r");
	Call(panic_in_defer_recover, NULL);
	T("unreachable");
}

static void defers_more(void *arg)
{
	Defer(mark, "y");
	T("x");
}
static void defer_in_defer(void *arg)
{
	Defer(mark, "z");
	Defer(defers_more, NULL);
	T("b");
}

/* A deferred call, run at a normal return, defers a recoverer and panics. */
static void panicky_deferred(void *arg)
{
	Defer(recoverer, "r");
	T("p");
	panic("late");
}
static void recover_in_nested_defer(void *arg)
{
	Defer(mark, "z");
	Defer(panicky_deferred, NULL);
	Defer(mark, "a");
	T("b");
}

/* A call deferred by a deferred call that a panic runs: recover() in it is
 * NULL (a normal return runs it); a panic it raises and its own deferred
 * call recovers makes it return normally into the first deferred call's
 * return, whose other deferred call still runs; the first panic then goes
 * on and is recovered outside. */
static void x_fn(void *arg)
{
	CHECK(recover() == NULL, "recover() in a call deferred by a deferred call");
	Defer(recoverer, "R");
	T("x");
	panic("P2");
}
static void d_fn(void *arg)
{
	Defer(mark, "d2");
	Defer(x_fn, NULL);
	T("d");
}
static void deferred_by_deferred(void *arg)
{
	Defer(recoverer, "o");
	Defer(d_fn, NULL);
	panic("P");
}

static void nil_msg(void *arg)
{
	Defer(recoverer, "r");
	panic(NULL);
}

/* ---- Goexit ----------------------------------------------------------------- */

static int64_t done;
static void goexit_recover_nil(void *tag)
{
	CHECK(recover() == NULL, "recover() during Goexit is not NULL");
	T(tag);
}
static void goexit_inner(void *arg)
{
	Defer(goexit_recover_nil, "i");
	Goexit();
}
static void goexit_g(void *arg)
{
	Defer(mark, "g");
	Defer(goexit_recover_nil, "o");
	Call(goexit_inner, NULL);
	T("unreachable");
}
static void set_done(void *arg) { atomic_add64(&done, 1); }
static void run_g(void (*fn)(void *), const char *what)
{
	int64_t before = atomic_load64(&done);
	go(fn, NULL);
	wait_for(&done, before + 1, 10000, what);
}
static void goexit_top(void *arg) { Defer(set_done, NULL); goexit_g(arg); }

static void goexit_in_defer(void *arg) { T("d"); Goexit(); }
static void goexit_from_defer_g(void *arg)
{
	Defer(set_done, NULL);
	Defer(mark, "a");
	Defer(goexit_in_defer, NULL);
	T("b");
}

static void panicker(void *arg) { T("p"); panic("during goexit"); }
static void goexit_recovered_panic_g(void *arg)
{
	Defer(set_done, NULL);
	Defer(mark, "z");
	Defer(recoverer, "r");       /* recovers the panic ... */
	Defer(panicker, NULL);       /* ... raised while Goexit runs this */
	Goexit();
}

/* The goroutine's function is the frame that recovers: its remaining
 * deferred calls run and the goroutine ends normally. */
static void base_recover_g(void *arg)
{
	Defer(set_done, NULL);
	Defer(mark, "z");
	Defer(recoverer, "r");
	T("p");
	panic("in the goroutine's own frame");
}

/* ---- runtime errors -------------------------------------------------------- */

static void expect_recovered(void (*fn)(void *), void *arg, const char *msg)
{
	recovered = NULL;
	Call(fn, arg);
	CHECK(recovered && strcmp(recovered, msg) == 0, "recovered \"%s\", want \"%s\"",
	      recovered ? recovered : "NULL", msg);
	want(msg, "r!");
}

static volatile int *volatile nilp;
static void nil_load(void *arg) { Defer(recoverer, "r"); T(nilp[1] ? "?" : "?"); }
static void nil_store(void *arg) { Defer(recoverer, "r"); nilp[3] = 1; }
static void (*volatile nilfn)(void);
static void nil_call(void *arg) { Defer(recoverer, "r"); nilfn(); }
static void send_closed(void *arg)
{
	Defer(recoverer, "r");
	chan_t *c = make_chan(sizeof(int), 1);
	chan_close(c);
	int v = 1;
	chan_send(c, &v);
}
static void close_closed(void *arg)
{
	Defer(recoverer, "r");
	chan_t *c = make_chan(0, 0);
	chan_close(c);
	chan_close(c);
}
static void close_nil(void *arg) { Defer(recoverer, "r"); chan_close(NULL); }
static void wg_negative(void *arg)
{
	Defer(recoverer, "r");
	static WaitGroup wg;
	WaitGroup_Done(&wg);
}
static uint64_t words[4];
static void misaligned(void *arg)
{
	Defer(recoverer, "r");
	uint64_t *p = (uint64_t *)((char *)words + 4);
	__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);   /* AMO / exclusive: traps */
}

static void runtime_errors(void)
{
	const char *mem = "runtime error: invalid memory address or nil pointer dereference";
	expect_recovered(nil_load, NULL, mem);
	expect_recovered(nil_store, NULL, mem);
	expect_recovered(nil_call, NULL, mem);
	expect_recovered(send_closed, NULL, "send on closed channel");
	expect_recovered(close_closed, NULL, "close of closed channel");
	expect_recovered(close_nil, NULL, "close of nil channel");
	expect_recovered(wg_negative, NULL, "sync: negative WaitGroup counter");
	expect_recovered(misaligned, NULL, "runtime error: misaligned memory access");
	/* The channel machinery is still sound after those panics. */
	chan_t *c = make_chan(sizeof(int), 1);
	int v = 7, w = 0;
	chan_send(c, &v);
	CHECK(chan_recv(c, &w) && w == 7, "channel after panics");
}

static void runtime_errors_g(void *arg)
{
	Defer(set_done, NULL);
	runtime_errors();
}

int main(void)
{
	Call(lifo, NULL);
	want("lifo", "body.cba");
	Call(args, NULL);
	CHECK(norder == 5 && order[0] == 4 && order[4] == 0, "args order");
	Call(recover_nil, NULL);
	want("recover_nil", "n");
	Call(recover_basic, NULL);
	want("recover_basic", "body.2r!1");
	CHECK(strcmp(recovered, "boom") == 0, "recovered %s", recovered);
	Call(recover_outer, NULL);
	want("recover_outer", "imo!");
	CHECK(strcmp(recovered, "deep") == 0, "recovered %s", recovered);
	Call(recover_once, NULL);
	want("recover_once", "t");
	Call(recover_deep, NULL);
	want("recover_deep", "ndr!");
	Call(recover_helper, NULL);
	want("recover_helper", "h");
	Call(repanic, NULL);
	want("repanic", "p2r!");
	CHECK(strcmp(recovered, "second") == 0, "repanic recovered %s", recovered);
	Call(outer_of_pidr, NULL);
	want("panic_in_defer_recover", "xr!");
	CHECK(strcmp(recovered, "two") == 0, "recovered %s", recovered);
	Call(defer_in_defer, NULL);
	want("defer_in_defer", "bxyz");
	Call(recover_in_nested_defer, NULL);
	want("recover_in_nested_defer", "bapr!z");
	CHECK(strcmp(recovered, "late") == 0, "recovered %s", recovered);
	Call(deferred_by_deferred, NULL);
	want("deferred_by_deferred", "dxR!d2o!");
	CHECK(strcmp(recovered, "P") == 0, "recovered %s", recovered);
	Call(nil_msg, NULL);
	want("nil_msg", "r!");
	CHECK(strcmp(recovered, "panic called with nil argument") == 0, "panic(NULL): %s", recovered);
	/* Deferred calls of main itself run when main's frame ends; here a
	 * frame of the test's own checks them. */

	run_g(goexit_top, "goexit");
	want("goexit", "iog");
	run_g(goexit_from_defer_g, "goexit from a deferred call");
	want("goexit from a deferred call", "bda");
	run_g(goexit_recovered_panic_g, "goexit after a recovered panic");
	want("goexit after a recovered panic", "pr!z");
	run_g(base_recover_g, "recovery in a goroutine's function");
	want("recovery in a goroutine's function", "pr!z");
	CHECK(strcmp(recovered, "in the goroutine's own frame") == 0, "recovered %s", recovered);

	runtime_errors();                   /* in main */
	run_g(runtime_errors_g, "runtime errors in a goroutine");
	printf("PASS\n");
	return 0;
}
