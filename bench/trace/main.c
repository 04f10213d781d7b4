// TEST: smp=1 status=0 timeout=120
// EXPECT: ^bench: [a-z0-9]+ trace_event [0-9.]+ instructions
// EXPECT: ^bench: [a-z0-9]+ trace_per_event_yield -?[0-9.]+ instructions
// EXPECT: ^bench: [a-z0-9]+ trace_off_hook [0-9.]+ instructions
/*
 * bench/trace - what the execution tracer costs (docs/trace.md).
 *
 *   trace_event            one event recorded (trace_event: interrupts
 *                          masked, nanotime, 24 bytes, a release store),
 *                          per event, tracing on;
 *   trace_per_event_yield  yield_switch with tracing on minus the same
 *                          loop with it off, per event recorded (each
 *                          yield records a stop and a start): what a
 *                          traced program pays for each event, hooks
 *                          included;
 *   trace_off_hook         one hook with tracing off (the flag test), per
 *                          hook: what every scheduling point pays.
 * The tracing-off cost in the real paths is read from yield_switch and
 * chan_pingpong_roundtrip (bench/sched, bench/chan) before and after the
 * hooks went in: bench/README.md.
 * Each StopTrace writes the recorded events to the console ("#T " lines).
 * Only the -icount figures (bench/run.sh) mean anything: make test's smoke
 * run takes interrupts inside the loops (a difference can even be negative).
 */
#include "bench/bench.h"
#include "kernel/trace/trace.h"

#define N 1000                  /* yields: 2 events each, well inside a buffer */

static volatile int yield_stop;
static void yielder(void *arg)
{
	while (!yield_stop)
		Gosched();
}

static uint64_t yield_loop(void)
{
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++)
		Gosched();
	return bench_instret() - t0 - bench_empty_loop(N);
}

__attribute__((noinline)) static double bench_event(void)
{
	StartTrace();
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++)
		trace_event(EvHeap, 0, 0, 0, (uint64_t)i);
	uint64_t t = bench_instret() - t0 - bench_empty_loop(N);
	StopTrace();
	return (double)t / N;
}

__attribute__((noinline)) static double bench_off_hook(void)
{
	struct g *gp = (struct g *)__builtin_frame_address(0);  /* never read: tracing is off */
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++) {
		traceGoStart(gp, NULL);
		__asm__ volatile("" ::: "memory");
	}
	return (double)(bench_instret() - t0 - bench_empty_loop(N)) / N;
}

int main(void)
{
	double ev = bench_event();
	double off = bench_off_hook();
	yield_stop = 0;
	go(yielder, NULL);
	Gosched();
	uint64_t t_off = yield_loop();
	StartTrace();
	uint64_t t_on = yield_loop();
	StopTrace();
	yield_stop = 1;
	Gosched();
	/* each yield: main stops and starts, so the yielder does: 2 yields
	 * per iteration, 4 events */
	double per_event = ((double)t_on - (double)t_off) / (4.0 * N);
	bench_report("trace_event", ev, "instructions", NULL, 0);
	bench_report("trace_per_event_yield", per_event, "instructions", NULL, 0);
	bench_report("trace_off_hook", off, "instructions", NULL, 0);
	return 0;
}
