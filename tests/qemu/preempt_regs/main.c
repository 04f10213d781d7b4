// TEST: smp=1,2 status=0 timeout=120
// EXPECT: ^preempt_regs: 3 loops, [1-9][0-9]* rounds, 0 wrong, [1-9][0-9]* async preemptions$
// EXPECT: ^PASS$
/*
 * preempt_regs - an async preemption gives a goroutine back every register
 * as it was: the integer and the floating-point ones, at whatever
 * instruction the signal or interrupt landed.
 *
 * Three goroutines share one P (GOMAXPROCS(1)) and run the same call-free
 * round: 12 integer and 12 double accumulators, all live in registers
 * across a loop of ROUND_ITERS steps that mixes them. Only async preemption
 * lets them take turns (and lets main wake from its sleeps), so each is
 * preempted in the middle of rounds, many times. After every round a
 * goroutine compares its 24 results with the reference main computed
 * alone before it started them: a register that came back wrong - one not
 * saved, one restored from the wrong slot, an FP register taken for its
 * lower half, a flag - changes the result. main stops them once at least
 * MIN_PREEMPTS preemptions were taken (or after 5 s), and checks that each
 * loop finished a round and none was wrong.
 *
 * The port's asyncPreempt and trap frame are what it tests (on a board,
 * trap.S; hosted, the signal frame and its return: docs/hosted.md).
 */
#include <stdint.h>
#include "gort.h"
#include "../testing.h"

#define NLOOPS 3
#define ROUND_ITERS 200000
#define MIN_PREEMPTS 30

struct state {
	uint64_t x[12];
	double f[12];
};

static struct state reference;
static volatile int stop;
static int64_t rounds[NLOOPS], wrong[NLOOPS], exited;

/* One round from the fixed seed. always_inline and call-free: the 24
 * accumulators stay in registers for the whole loop. */
static inline __attribute__((always_inline)) void round_run(struct state *out)
{
	uint64_t a = 1, b = 2, c = 3, d = 5, e = 7, f = 11, g = 13, h = 17;
	uint64_t i = 19, j = 23, k = 29, l = 31;
	double p = 0.5, q = 0.25, r = 0.125, s = 1.5, t = 2.5, u = 3.5;
	double v = 0.75, w = 1.25, x = 1.75, y = 2.25, z = 2.75, o = 3.25;
	for (uint32_t n = 0; n < ROUND_ITERS; n++) {
		a += b ^ n;  b = (b << 7 | b >> 57) + c;  c ^= d + a;
		d += e * 3;  e = (e >> 3) ^ f;            f += g ^ (a >> 5);
		g -= h + n;  h ^= i << 1;                 i += j ^ c;
		j = (j << 13 | j >> 51) ^ k;              k += l * 5;  l ^= a + e;
		p = p * 0.999 + q * 0.001;  q = q * 0.998 + r * 0.002;
		r = r * 0.997 + s * 0.003;  s = s * 0.996 + t * 0.004;
		t = t * 0.995 + u * 0.005;  u = u * 0.994 + v * 0.006;
		v = v * 0.993 + w * 0.007;  w = w * 0.992 + x * 0.008;
		x = x * 0.991 + y * 0.009;  y = y * 0.990 + z * 0.010;
		z = z * 0.989 + o * 0.011;  o = o * 0.988 + p * 0.012 + (double)(n & 7);
	}
	uint64_t xs[12] = { a, b, c, d, e, f, g, h, i, j, k, l };
	double fs[12] = { p, q, r, s, t, u, v, w, x, y, z, o };
	for (int m = 0; m < 12; m++) {
		out->x[m] = xs[m];
		out->f[m] = fs[m];
	}
}

static bool same(const struct state *a, const struct state *b)
{
	for (int m = 0; m < 12; m++)
		if (a->x[m] != b->x[m] || a->f[m] != b->f[m])
			return false;
	return true;
}

static void loop(void *arg)
{
	int me = (int)(intptr_t)arg;
	struct state st;
	while (!stop) {
		round_run(&st);
		if (!same(&st, &reference))
			atomic_add64(&wrong[me], 1);
		atomic_add64(&rounds[me], 1);
	}
	atomic_add64(&exited, 1);
}

static uint64_t preemptions(void)
{
	struct SchedStats st;
	ReadSchedStats(&st);
	uint64_t n = 0;
	for (int m = 0; m < 8; m++)
		n += st.preemptions[m];
	return n;
}

int main(void)
{
	GOMAXPROCS(1);
	round_run(&reference);
	uint64_t pre0 = preemptions();
	for (int m = 0; m < NLOOPS; m++)
		go(loop, (void *)(intptr_t)m);
	int64_t deadline = nanotime() + 5000 * Millisecond;
	while (preemptions() - pre0 < MIN_PREEMPTS && nanotime() < deadline)
		Sleep(20 * Millisecond);
	/* Every loop finishes at least one round after the count was reached. */
	int64_t want[NLOOPS];
	for (int m = 0; m < NLOOPS; m++)
		want[m] = atomic_load64(&rounds[m]) + 1;
	for (int m = 0; m < NLOOPS; m++)
		wait_for(&rounds[m], want[m], 60000, "a round of every loop");
	stop = 1;
	wait_for(&exited, NLOOPS, 60000, "the loops to stop");
	int64_t total = 0, bad = 0;
	for (int m = 0; m < NLOOPS; m++) {
		total += rounds[m];
		bad += wrong[m];
	}
	printf("preempt_regs: %d loops, %lld rounds, %lld wrong, %llu async preemptions\n",
	       NLOOPS, (long long)total, (long long)bad,
	       (unsigned long long)(preemptions() - pre0));
	CHECK(bad == 0, "%lld rounds came out wrong after preemption", (long long)bad);
	printf("PASS\n");
	return 0;
}
