// TEST: smp=1,2,4 status=0 timeout=120
// EXPECT: ^fp_switch: 4 FP loops, 0 wrong$
// EXPECT: ^PASS$
/*
 * fp_switch - floating-point values a goroutine keeps in registers across
 * its own switches (Gosched, a channel hand-off, a WaitGroup wait, the
 * spawn of a goroutine) come back as they were, whoever ran in between.
 *
 * The registers the calling convention keeps across a call (riscv64
 * fs0-fs11, aarch64 d8-d15) are the ones a switch must save and load; a
 * port may move them lazily (riscv64: arch/riscv/context.S saves them
 * only when sstatus.FS is Dirty and skips the load into the context whose
 * values the hart still holds). Each FP loop here keeps 12 double
 * accumulators live across a call that switches, so the compiler holds
 * them in those registers; between its turns run other FP loops (other
 * values in the same registers), goroutines that touch no FP register,
 * and short-lived goroutines that write FP registers and end (their
 * values are dropped, not saved). With several CPUs the loops move
 * between harts. Every loop's result is compared with the one main
 * computed with the same function and no switches: a register that came
 * back with another goroutine's value, a stale one, or one never loaded
 * changes the result.
 */
#include <stdint.h>
#include "gort.h"
#include "../testing.h"

#define NFP 4            /* FP loops */
#define NPLAIN 2         /* loops that use no FP register */
#define ROUNDS 3000

static chan_t *ping[NFP], *pong[NFP];
static int64_t wrong, fp_done, plain_done, dying;
static volatile int stop;

/* A goroutine that writes FP registers (callee-saved ones among them)
 * and ends: its values must not reach anyone. */
static void fp_dier(void *arg)
{
	volatile double seed = (double)(intptr_t)arg;
	double a = seed, b = seed * 3, c = seed * 5, d = seed * 7;
	for (int i = 0; i < 50; i++) {
		a = a * 1.5 + b;  b = b * 0.5 - c;  c = c * 1.25 + d;  d = d * 0.75 + a;
	}
	volatile double sink = a + b + c + d;
	(void)sink;
	atomic_add64(&dying, 1);
}

/* The switch in the middle of each step; its kind changes with the step. */
static __attribute__((noinline)) void switch_point(int me, int n)
{
	int v = n;
	switch (n & 3) {
	case 0:
		Gosched();
		break;
	case 1:                 /* hand-off through the partner (pinger) */
		chan_send(ping[me], &v);
		chan_recv(pong[me], &v);
		break;
	case 2: {
		WaitGroup wg = {0};
		WaitGroup_Add(&wg, 1);
		go(fp_dier, (void *)(intptr_t)(n + 1));
		WaitGroup_Done(&wg);
		WaitGroup_Wait(&wg);
		Gosched();      /* the dier probably runs here */
		break;
	}
	default:
		break;
	}
}

/* Twelve accumulators live across every call to switch_point. */
static __attribute__((noinline)) double fp_run(int me, double seed, bool switches)
{
	double p = seed, q = seed * 0.5, r = seed * 0.25, s = seed + 1.5;
	double t = seed + 2.5, u = seed + 3.5, v = seed * 0.75, w = seed * 1.25;
	double x = seed * 1.75, y = seed * 2.25, z = seed * 2.75, o = seed * 3.25;
	for (int n = 0; n < ROUNDS; n++) {
		p = p * 0.999 + q * 0.001;  q = q * 0.998 + r * 0.002;
		r = r * 0.997 + s * 0.003;  s = s * 0.996 + t * 0.004;
		t = t * 0.995 + u * 0.005;  u = u * 0.994 + v * 0.006;
		if (switches)
			switch_point(me, n);
		v = v * 0.993 + w * 0.007;  w = w * 0.992 + x * 0.008;
		x = x * 0.991 + y * 0.009;  y = y * 0.990 + z * 0.010;
		z = z * 0.989 + o * 0.011;  o = o * 0.988 + p * 0.012 + (double)(n & 7);
	}
	return p + 2 * q + 3 * r + 5 * s + 7 * t + 11 * u + 13 * v + 17 * w +
	       19 * x + 23 * y + 29 * z + 31 * o;
}

static double reference[NFP];

static double seed_of(int me)
{
	return 1.0 + (double)me * 0.3125;
}

static void fp_loop(void *arg)
{
	int me = (int)(intptr_t)arg;
	if (fp_run(me, seed_of(me), true) != reference[me])
		atomic_add64(&wrong, 1);
	int v = -1;
	chan_send(ping[me], &v);        /* the pinger stops */
	atomic_add64(&fp_done, 1);
}

/* The partner of an FP loop's channel hand-off: FP-free, so it runs on
 * whatever the hart's FP registers hold. */
static void pinger(void *arg)
{
	int me = (int)(intptr_t)arg;
	int v;
	while (chan_recv(ping[me], &v) && v >= 0)
		chan_send(pong[me], &v);
}

static void plain_loop(void *arg)
{
	(void)arg;
	while (!stop)
		Gosched();
	atomic_add64(&plain_done, 1);
}

int main(void)
{
	for (int m = 0; m < NFP; m++)
		reference[m] = fp_run(m, seed_of(m), false);
	for (int m = 0; m < NFP; m++) {
		ping[m] = make_chan(sizeof(int), 0);
		pong[m] = make_chan(sizeof(int), 0);
		go(pinger, (void *)(intptr_t)m);
	}
	for (int m = 0; m < NPLAIN; m++)
		go(plain_loop, NULL);
	for (int m = 0; m < NFP; m++)
		go(fp_loop, (void *)(intptr_t)m);
	wait_for(&fp_done, NFP, 60000, "the FP loops");
	stop = 1;
	wait_for(&plain_done, NPLAIN, 60000, "the plain loops");
	printf("fp_switch: %d FP loops, %lld wrong\n", NFP, (long long)atomic_load64(&wrong));
	CHECK(atomic_load64(&wrong) == 0, "an FP loop's registers came back changed");
	CHECK(atomic_load64(&dying) > 0, "no FP goroutine ended");
	printf("PASS\n");
	return 0;
}
