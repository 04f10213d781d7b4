// TEST: smp=1,2 status=0 timeout=120
// EXPECT: ^bench: [a-z0-9]+ ring_hop_wall_ns [0-9.]+ ns baseline=raw_switch_wall_ns
// EXPECT: ^bench: [a-z0-9]+ ring_insn_per_hop [0-9.]+ instructions_summed_over_[0-9]+_CPUs$
/*
 * bench/ring - the token ring of the issue that measured QEMU wall clock
 * (issue 12): 503 goroutines in a ring of unbuffered channels pass a token
 * 200,000 hops (the "thread ring" of the benchmarks game). Every hop is a
 * receive that parks and a send that readies the next goroutine: the
 * scheduler's hand-off path, end to end.
 *   ring_hop_wall_ns   wall-clock ns per hop, without -icount, with the
 *                      wall ns of one raw arch_switch measured in the same
 *                      boot as the baseline: the ratio, not the ns, is the
 *                      figure that survives a busy or slower host;
 *   ring_insn_per_hop  guest instructions per hop summed over every CPU.
 *                      Under -icount QEMU's instruction counter of every
 *                      vCPU (instret, the PMU's event 0x08) reads one
 *                      global count, the instructions of all vCPUs: one
 *                      read before and after is the sum (adding every
 *                      CPU's reading would count it NumCPU times - an
 *                      earlier version of this program did). Without
 *                      -icount the figure means nothing. bench/run.sh runs
 *                      it under -icount at -smp 1 and -smp 2 and reports
 *                      ring_insn_smp2_over_smp1: what the second CPU adds
 *                      (wake-ups, spinning, stealing).
 */
#include "bench/bench.h"

#define NRING 503
#define HOPS 200000
#define NRAW 20000

/* ---- baseline: one raw arch_switch, wall clock ------------------------- */
static struct context main_ctx, other_ctx;
static uint8_t other_stack[8192] __attribute__((aligned(16)));

static _Noreturn void raw_other(void *arg)
{
	for (;;)
		arch_switch(&other_ctx, &main_ctx);
}

static double raw_switch_wall_ns(void)
{
	arch_context_init(&other_ctx, (uintptr_t)&other_stack[sizeof other_stack], raw_other, NULL);
	arch_switch(&main_ctx, &other_ctx);          /* warm up */
	int64_t t0 = nanotime();
	for (long i = 0; i < NRAW; i++)
		arch_switch(&main_ctx, &other_ctx);  /* there and back */
	return (double)(nanotime() - t0) / NRAW / 2;
}

/* ---- the ring ------------------------------------------------------------ */
static chan_t *link[NRING];
static chan_t *done;

static void member(void *arg)
{
	long i = (long)arg;
	int64_t token;
	while (chan_recv(link[i], &token)) {
		if (token == 0) {
			chan_send(done, &token);
			continue;
		}
		token--;
		chan_send(link[(i + 1) % NRING], &token);
	}
}

int main(void)
{
	double raw = raw_switch_wall_ns();
	done = make_chan(sizeof(int64_t), 0);
	for (long i = 0; i < NRING; i++)
		link[i] = make_chan(sizeof(int64_t), 0);
	for (long i = 0; i < NRING; i++)
		go(member, (void *)i);
	int64_t token = 1000;                       /* warm up: every member runs */
	chan_send(link[0], &token);
	chan_recv(done, &token);
	Sleep(Millisecond);                         /* other CPUs go idle */
	uint64_t i0 = bench_instret();
	int64_t t0 = nanotime();
	token = HOPS;
	chan_send(link[0], &token);
	chan_recv(done, &token);
	uint64_t insn = bench_instret() - i0;
	int64_t wall = nanotime() - t0;
	for (long i = 0; i < NRING; i++)
		chan_close(link[i]);
	bench_report("ring_hop_wall_ns", (double)wall / HOPS, "ns", "raw_switch_wall_ns", raw);
	char unit[48];
	snprintf(unit, sizeof unit, "instructions_summed_over_%d_CPUs", NumCPU());
	bench_report("ring_insn_per_hop", (double)insn / HOPS, unit, NULL, 0);
	return 0;
}
