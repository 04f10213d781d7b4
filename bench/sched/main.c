// TEST: smp=1 status=0 timeout=120
// EXPECT: ^bench: [a-z0-9]+ yield_switch [0-9.]+ instructions baseline=raw_switch
// EXPECT: ^bench: [a-z0-9]+ timer_writes_per_switch_yield [0-9.]+ writes
// EXPECT: ^bench: [a-z0-9]+ go_create_exit [0-9.]+ instructions
// EXPECT: ^bench: [a-z0-9]+ sleep_overshoot_1ms [0-9.-]+ ns
// EXPECT: ^bench: [a-z0-9]+ defer_call [0-9.-]+ instructions baseline=call_frame
/*
 * bench/sched - scheduler figures (issue: benchmark suite):
 *   raw_switch      baseline: one arch_switch between two stacks, the floor
 *                   for any goroutine switch (callee-saved registers only);
 *   atomic_cas      baseline: one uncontended compare-and-swap;
 *   yield_switch    Gosched with one other ready goroutine, 1 CPU, per yield;
 *   timer_writes_per_switch_yield  timer deadlines written per goroutine
 *                   switch in that loop (the slice timer is lazy: ~0);
 *   go_create_exit  spawn an empty goroutine, run it, let it exit (stack
 *                   reused from the free-G cache), per goroutine;
 *   sleep_overshoot Sleep(50 us) and Sleep(1 ms): how late, in virtual ns;
 *   preempt_path    instructions from a time-slice interrupt to the other
 *                   goroutine running (measured around a spinning hog);
 *   call_frame      Call(fn) of an empty function: a frame that a panic can
 *                   unwind to (arch_setjmp), per call (docs/panic.md);
 *   defer_call      one Defer plus running it at the normal return: Call of
 *                   a function that defers an empty call, minus call_frame
 *                   (issue 14's target: <= 60 instructions).
 * The `TEST:` line lets `make test` smoke-run it (figures not asserted).
 */
#include "bench/bench.h"
#include "kernel/sched/sched.h"

#define N 20000

/* ---- raw_switch ---------------------------------------------------------- */
static struct context main_ctx, other_ctx;
static uint8_t other_stack[8192] __attribute__((aligned(16)));
static volatile long raw_count;

static _Noreturn void raw_other(void *arg)
{
	for (;;) {
		raw_count++;
		arch_switch(&other_ctx, &main_ctx);
	}
}

static double bench_raw_switch(void)
{
	arch_context_init(&other_ctx, (uintptr_t)&other_stack[sizeof other_stack], raw_other, NULL);
	arch_switch(&main_ctx, &other_ctx);          /* warm up */
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++)
		arch_switch(&main_ctx, &other_ctx);  /* there and back: 2 switches */
	uint64_t t = bench_instret() - t0 - bench_empty_loop(N);
	return (double)t / N / 2;
}

/* ---- yield_switch ---------------------------------------------------------- */
static volatile int yield_stop;
static void yielder(void *arg)
{
	while (!yield_stop)
		Gosched();
}

static double yield_timer_writes;     /* per switch, in the timed loop */

static double bench_yield(void)
{
	yield_stop = 0;
	go(yielder, NULL);
	Gosched();
	uint64_t w0 = bench_timer_writes();
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++)
		Gosched();                   /* main yields, yielder yields back */
	uint64_t t = bench_instret() - t0 - bench_empty_loop(N);
	yield_timer_writes = (double)(bench_timer_writes() - w0) / N / 2;
	yield_stop = 1;
	Gosched();
	return (double)t / N / 2;            /* per yield */
}

/* ---- go_create_exit -------------------------------------------------------- */
static int64_t created;
static void empty(void *arg)
{
	created++;
}

static double bench_go(void)
{
	for (int i = 0; i < 100; i++)        /* warm the free-G cache */
		go(empty, NULL);
	while (__atomic_load_n(&created, __ATOMIC_ACQUIRE) < 100)
		Gosched();
	created = 0;
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++) {
		go(empty, NULL);
		Gosched();                   /* it runs (runnext) and exits */
	}
	uint64_t t = bench_instret() - t0 - bench_empty_loop(N);
	if (created != N)
		printf("bench: warning: %lld of %d goroutines ran\n", (long long)created, N);
	return (double)t / N;
}

/* ---- sleep_overshoot ---------------------------------------------------- */
static double bench_sleep(int64_t d)
{
	int64_t worst = 0, sum = 0;
	for (int i = 0; i < 20; i++) {
		int64_t t0 = nanotime();
		Sleep(d);
		int64_t late = nanotime() - t0 - d;
		sum += late;
		if (late > worst)
			worst = late;
	}
	return (double)sum / 20;
}

/* ---- preempt_path --------------------------------------------------------
 * Two call-free hogs share the only P and keep storing (their id, the
 * instruction counter). When one of them sees the other's id, the CPU went
 * from the other straight to it: the difference is the whole preemption
 * path - timer interrupt, trap entry, frame copy, asyncPreempt, the
 * scheduler, and the switch back into asyncPreempt's restore (plus at most
 * one iteration of the loop). The median of those samples is reported.
 * Samples that are not the path are left out: a hog preempted between
 * reading the counter and storing it leaves a stale value, which makes a
 * sample a whole slice long, or negative (the other hog stored a later
 * one meanwhile); a path is a few thousand instructions at most. (The
 * minimum, reported before, was one short first sample.) */
#define PP_MAX_PATH 100000
static volatile uint64_t last_ins;
static volatile int last_id = -1, hogs_stop;
static uint64_t pp_samples[64], pp_count;

static void pp_hog(void *arg)
{
	int me = (int)(intptr_t)arg;
	while (!hogs_stop) {
		uint64_t now = bench_instret();
		int l = last_id;
		if (l >= 0 && l != me && pp_count < 64)
			pp_samples[pp_count++] = now - last_ins;
		last_id = me;
		last_ins = now;
	}
}

static double bench_preempt_path(void)
{
	go(pp_hog, (void *)0);
	go(pp_hog, (void *)1);
	Sleep(300 * Millisecond);            /* ~30 slices of hog ping-pong */
	last_id = -1;                        /* main ran: not a hog-to-hog switch */
	hogs_stop = 1;
	Sleep(30 * Millisecond);
	uint64_t v[64];
	int n = 0;
	for (uint64_t i = 0; i < pp_count; i++)
		if (pp_samples[i] < PP_MAX_PATH)
			v[n++] = pp_samples[i];
	for (int i = 1; i < n; i++)          /* insertion sort: n <= 63 */
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
		}
	if (n == 0)
		return 0;
	return n % 2 ? (double)v[n / 2] : (double)(v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- call_frame, defer_call ------------------------------------------------ */

static void empty_fn(void *arg) { (void)arg; }
static void defers_one(void *arg) { Defer(empty_fn, arg); }

/* Instructions per Call(fn, NULL). */
static double bench_call(void (*fn)(void *))
{
	Call(fn, NULL);                 /* warm the P's record cache */
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++)
		Call(fn, NULL);
	uint64_t t = bench_instret() - t0 - bench_empty_loop(N);
	return (double)t / N;
}

int main(void)
{
	GOMAXPROCS(1);
	double raw = bench_raw_switch();
	double cas = bench_atomic_cas(N);
	bench_report("raw_switch", raw, "instructions", NULL, 0);
	bench_report("atomic_cas", cas, "instructions", NULL, 0);
	bench_report("yield_switch", bench_yield(), "instructions", "raw_switch", raw);
	bench_report("timer_writes_per_switch_yield", yield_timer_writes, "writes", NULL, 0);
	bench_report("go_create_exit", bench_go(), "instructions", NULL, 0);
	bench_report("sleep_overshoot_50us", bench_sleep(50 * Microsecond), "ns", NULL, 0);
	bench_report("sleep_overshoot_1ms", bench_sleep(Millisecond), "ns", NULL, 0);
	bench_report("preempt_path", bench_preempt_path(), "instructions", "raw_switch", raw);
	double frame = bench_call(empty_fn);
	bench_report("call_frame", frame, "instructions", NULL, 0);
	bench_report("defer_call", bench_call(defers_one) - frame, "instructions", "call_frame", frame);
	return 0;
}
