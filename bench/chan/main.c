// TEST: smp=1 status=0 timeout=120
// EXPECT: ^bench: [a-z0-9]+ chan_pingpong_roundtrip [0-9.]+ instructions
// EXPECT: ^bench: [a-z0-9]+ chan_pingpong_roundtrip_recvfirst [0-9.]+ instructions
// EXPECT: ^bench: [a-z0-9]+ timer_writes_per_switch_pingpong [0-9.]+ writes
// EXPECT: ^bench: [a-z0-9]+ mutex_lock_unlock [0-9.]+ instructions baseline=atomic_cas
// EXPECT: ^bench: [a-z0-9]+ waitgroup_wake [0-9.]+ instructions
/*
 * bench/chan - channel and sync figures, in guest instructions per op:
 *   atomic_cas               baseline: one uncontended compare-and-swap;
 *   chan_pingpong_roundtrip  unbuffered ping-pong between 2 goroutines on
 *                            1 CPU: send, switch, send back, switch;
 *   chan_pingpong_roundtrip_recvfirst  the same with the receiver parked
 *                            first (a Gosched before the loop): the pair's
 *                            other steady state (bench/README.md, "The
 *                            ping-pong's two steady states");
 *   timer_writes_per_switch_pingpong  timer deadlines written per goroutine
 *                            switch in that loop (2 switches a round trip);
 *   chan_buffered_pair       chan_send + chan_recv on a buffered channel,
 *                            neither blocks;
 *   select2_one_ready        Select over 2 receive cases, one ready;
 *   select_default           Select over 1 empty channel with default;
 *   mutex_lock_unlock        uncontended Mutex_Lock + Mutex_Unlock;
 *   waitgroup_wake           from the WaitGroup_Done that releases a
 *                            parked waiter to the waiter running (includes
 *                            the Gosched that gives it the CPU).
 * The `TEST:` line lets `make test` smoke-run it (figures not asserted).
 */
#include "bench/bench.h"
#include "gort.h"

#define N 20000

/* ---- ping-pong ------------------------------------------------------------ */
static chan_t *ping, *pong;
static void ponger(void *arg)
{
	int64_t v;
	while (chan_recv(ping, &v))
		chan_send(pong, &v);
}

static double pingpong_timer_writes;  /* per switch, in the timed loop */

/* Two steady states: after the warm-up the sender parks first (the
 * ponger, readied by our receive, has not run when we send again);
 * recv_first yields once before the loop, so that the ponger parks in its
 * receive first, and then each side finds the other parked in its
 * receive. A slice tick inside the loop can move the pair from the first
 * to the second. */
static double bench_pingpong(bool recv_first)
{
	ping = make_chan(sizeof(int64_t), 0);
	pong = make_chan(sizeof(int64_t), 0);
	go(ponger, NULL);
	int64_t v = 0;
	for (int i = 0; i < 100; i++) {        /* warm up */
		chan_send(ping, &v);
		chan_recv(pong, &v);
	}
	if (recv_first)
		Gosched();
	uint64_t w0 = bench_timer_writes();
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++) {
		chan_send(ping, &v);
		chan_recv(pong, &v);
	}
	uint64_t t = bench_instret() - t0 - bench_empty_loop(N);
	pingpong_timer_writes = (double)(bench_timer_writes() - w0) / N / 2;
	chan_close(ping);
	return (double)t / N;
}

/* ---- buffered pair ---------------------------------------------------------- */
static double bench_buffered(void)
{
	chan_t *c = make_chan(sizeof(int64_t), 1);
	int64_t v = 1, w;
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++) {
		chan_send(c, &v);
		chan_recv(c, &w);
	}
	return (double)(bench_instret() - t0 - bench_empty_loop(N)) / N;
}

/* ---- select ---------------------------------------------------------------- */
static double bench_select2(void)
{
	chan_t *empty = make_chan(sizeof(int64_t), 1);
	chan_t *full = make_chan(sizeof(int64_t), N);
	int64_t v = 1;
	for (long i = 0; i < N; i++)
		chan_send(full, &v);
	struct SelectCase cs[2] = {
		{ SelectRecv, empty, &v, NULL },
		{ SelectRecv, full, &v, NULL },
	};
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++)
		Select(cs, 2, false);
	return (double)(bench_instret() - t0 - bench_empty_loop(N)) / N;
}

static double bench_select_default(void)
{
	chan_t *empty = make_chan(sizeof(int64_t), 1);
	int64_t v;
	struct SelectCase cs[1] = { { SelectRecv, empty, &v, NULL } };
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++)
		Select(cs, 1, true);
	return (double)(bench_instret() - t0 - bench_empty_loop(N)) / N;
}

/* ---- Mutex ----------------------------------------------------------------- */
static double bench_mutex(void)
{
	static Mutex mu;
	uint64_t t0 = bench_instret();
	for (long i = 0; i < N; i++) {
		Mutex_Lock(&mu);
		Mutex_Unlock(&mu);
	}
	return (double)(bench_instret() - t0 - bench_empty_loop(N)) / N;
}

/* ---- WaitGroup wake -------------------------------------------------------- */
static WaitGroup wg;
static uint64_t wake_t0, wake_total;
static volatile long wakes, round_no;

/* Each round: wait for main to open it, then block in Wait until main's
 * Done, and record how long the wake took. */
static void wg_waiter(void *arg)
{
	long seen = 0;
	for (;;) {
		while (round_no == seen)
			Gosched();
		seen = round_no;
		WaitGroup_Wait(&wg);
		wake_total += bench_instret() - wake_t0;
		wakes = seen;
	}
}

static double bench_wg_wake(void)
{
	go(wg_waiter, NULL);
	const long n = N / 4;
	for (long i = 1; i <= n; i++) {
		WaitGroup_Add(&wg, 1);
		round_no = i;
		/* until the waiter is parked in Wait (low word: waiters) */
		while ((uint32_t)__atomic_load_n(&wg.state, __ATOMIC_ACQUIRE) == 0)
			Gosched();
		wake_t0 = bench_instret();
		WaitGroup_Done(&wg);
		while (wakes != i)
			Gosched();           /* the waiter runs */
	}
	return (double)wake_total / n;
}

int main(void)
{
	double cas = bench_atomic_cas(N);
	bench_report("atomic_cas", cas, "instructions", NULL, 0);
	bench_report("chan_pingpong_roundtrip", bench_pingpong(false), "instructions", NULL, 0);
	bench_report("timer_writes_per_switch_pingpong", pingpong_timer_writes, "writes", NULL, 0);
	bench_report("chan_pingpong_roundtrip_recvfirst", bench_pingpong(true), "instructions", NULL, 0);
	bench_report("chan_buffered_pair", bench_buffered(), "instructions", NULL, 0);
	bench_report("select2_one_ready", bench_select2(), "instructions", NULL, 0);
	bench_report("select_default", bench_select_default(), "instructions", NULL, 0);
	bench_report("mutex_lock_unlock", bench_mutex(), "instructions", "atomic_cas", cas);
	bench_report("waitgroup_wake", bench_wg_wake(), "instructions", NULL, 0);
	return 0;
}
