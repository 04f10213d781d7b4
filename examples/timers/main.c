// TEST: smp=1,2 status=0 timeout=60 icount=1
// EXPECT: ^1\. 8 sleepers woke in deadline order: 10 20 30 40 50 60 70 80 ms \(in order: yes, each late by < 2 ms: yes\)$
// EXPECT: ^2\. Timer_Stop before it fired: true, nothing delivered: yes$
// EXPECT: ^3\. Timer_Reset\(30 ms\) of a 10 ms timer: fired after 3[0-9] ms$
// EXPECT: ^4\. select with time_After\(15 ms\): timed out after 1[5-9] ms$
// EXPECT: ^5\. 1000 timers, random deadlines: fired in deadline order: yes$
/*
 * timers - Sleep, Timer and time_After on the per-P timer heaps (docs/
 * scheduler.md, "Timers").
 *
 * What to look for:
 *  1. Eight goroutines sleep 80, 70, ..., 10 ms, started in that order,
 *     and wake in deadline order, each on time: Sleep puts a timer on its
 *     P's 4-ary min-heap (timers.c: sift_up), the heap's earliest deadline
 *     (when0) programs the CPU's timer, and the scheduler runs due timers
 *     (timers_run pops them in order, sift_down).
 *  2. Timer_Stop removes a pending timer from the heap: it never fires.
 *  3. Timer_Reset moves a pending timer to a new deadline.
 *  4. time_After(d) in a select: Go's timeout idiom.
 *  5. 1000 timers with pseudo-random deadlines fire in deadline order
 *     (ties aside), so the heap really is ordered.
 * The test runs under icount (virtual time is exact); under `make run`
 * host load can make wake-ups later, never earlier.
 */
#include <stdio.h>
#include "gort.h"

static int order[8], norder;
static int64_t t0, late_max;
static Mutex mu;

static void sleeper(void *arg)
{
	int ms = (int)(intptr_t)arg;
	Sleep(ms * Millisecond);
	int64_t late = nanotime() - t0 - ms * Millisecond;
	Mutex_Lock(&mu);
	order[norder++] = ms;
	if (late > late_max)
		late_max = late;
	Mutex_Unlock(&mu);
}

#define NT 1000
static int64_t deadline[NT], delivered[NT], ndone;

struct fire_arg { Timer *t; int i; };
static void waiter(void *arg)          /* receives the time the timer fired */
{
	struct fire_arg *fa = arg;
	chan_recv(fa->t->C, &delivered[fa->i]);
	__atomic_fetch_add(&ndone, 1, __ATOMIC_RELEASE);
}

int main(void)
{
	GOMAXPROCS(1);                  /* one heap, one order */
	t0 = nanotime();
	for (int ms = 80; ms >= 10; ms -= 10)
		go(sleeper, (void *)(intptr_t)ms);
	while (__atomic_load_n(&norder, __ATOMIC_ACQUIRE) < 8)
		Sleep(5 * Millisecond);
	bool inorder = true;
	printf("1. 8 sleepers woke in deadline order:");
	for (int i = 0; i < 8; i++) {
		printf(" %d", order[i]);
		inorder = inorder && order[i] == (i + 1) * 10;
	}
	printf(" ms (in order: %s, each late by < 2 ms: %s)\n", inorder ? "yes" : "no",
	       late_max < 2 * Millisecond ? "yes" : "no");

	Timer *t = NewTimer(10 * Millisecond);
	bool stopped = Timer_Stop(t);
	Sleep(20 * Millisecond);
	printf("2. Timer_Stop before it fired: %s, nothing delivered: %s\n", stopped ? "true" : "false",
	       chan_len(t->C) == 0 ? "yes" : "no");

	int64_t s = nanotime();
	t = NewTimer(10 * Millisecond);
	Timer_Reset(t, 30 * Millisecond);
	chan_recv(t->C, NULL);
	printf("3. Timer_Reset(30 ms) of a 10 ms timer: fired after %lld ms\n",
	       (long long)((nanotime() - s) / Millisecond));

	s = nanotime();
	chan_t *never = make_chan(sizeof(int), 0);
	struct SelectCase cs[2] = {
		{ SelectRecv, never, NULL, NULL },
		{ SelectRecv, time_After(15 * Millisecond), NULL, NULL },
	};
	int r = Select(cs, 2, false);
	printf("4. select with time_After(15 ms): %s after %lld ms\n", r == 1 ? "timed out" : "received",
	       (long long)((nanotime() - s) / Millisecond));

	/* 5. deadlines 5..55 ms ahead from a linear congruential sequence */
	static struct fire_arg fa[NT];
	uint32_t x = 12345;
	int64_t base = nanotime() + 5 * Millisecond;
	for (int i = 0; i < NT; i++) {
		x = x * 1103515245u + 12345u;
		deadline[i] = base + (int64_t)((x >> 8) % 1000) * 50 * Microsecond;
		fa[i].t = NewTimer(deadline[i] - nanotime());
		fa[i].i = i;
	}
	/* The receivers after the timers: a timer's channel holds one value,
	 * so it need not wait for its receiver, and all 1000 deadlines are
	 * set within the first 5 ms even where new goroutines are slow to
	 * make (hosted: 41 ms for the 1000 timers and goroutines made in one
	 * loop - most timers were then set after their deadline and fired
	 * out of order). */
	for (int i = 0; i < NT; i++)
		go(waiter, &fa[i]);
	while (__atomic_load_n(&ndone, __ATOMIC_ACQUIRE) < NT)
		Sleep(5 * Millisecond);
	/* In deadline order: an earlier deadline never fired after a later
	 * one, and none fired early. */
	bool sorted = true;
	for (int i = 0; i < NT; i++) {
		sorted = sorted && delivered[i] >= deadline[i];
		for (int j = 0; j < NT; j++)
			if (deadline[i] < deadline[j] && delivered[i] > delivered[j])
				sorted = false;
	}
	printf("5. 1000 timers, random deadlines: fired in deadline order: %s\n", sorted ? "yes" : "no");
	return 0;
}
