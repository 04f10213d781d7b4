/*
 * tsan_detects - a data race on purpose, run only by
 * tests/make/tsan_detects.sh in the hosted ThreadSanitizer build, which
 * checks that TSan reports it (and that test=0, without the race, runs
 * with no report):
 *   test=0 no race: two goroutines add to a counter with atomic adds,
 *          hand values over a channel, and meet at a WaitGroup - the
 *          runtime's own synchronisation, which TSan must see as such;
 *   test=1 the same two goroutines add to a plain int: a data race;
 *   test=2 one goroutine writes a plain int and "publishes" it with a
 *          relaxed store of a flag; the other spins on the flag (relaxed)
 *          and reads the int: a race the hardware may even hide on x86.
 * Run at -smp 2 (two Ms). The goroutines first wait until both run at
 * once, on two CPUs, so that the race is between two Ms, where TSan can
 * see it (goroutines that take turns on one M are ordered by the fiber
 * switch: docs/hosted.md).
 * Not in tests/qemu/: on a board, or without TSan, the race goes unseen
 * and the program prints its "RACE NOT SEEN" line.
 */
#include <stdio.h>
#include "gort.h"

#define ROUNDS 100000

static int plain;                 /* test=1, 2: raced on purpose */
static int counter;               /* atomic */
static int started;               /* atomic: goroutines running */
static int flag;                  /* test=2: relaxed, on purpose */
static WaitGroup wg;

/* Both goroutines running at once: each spins until the other started. */
static void meet(void)
{
	__atomic_add_fetch(&started, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&started, __ATOMIC_RELAXED) < 2)
		;
}

static void adder(void *arg)
{
	int racy = (int)(intptr_t)arg;
	meet();
	for (int i = 0; i < ROUNDS; i++) {
		if (racy)
			plain++;
		else
			__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	}
	WaitGroup_Done(&wg);
}

static void writer(void *arg)
{
	(void)arg;
	meet();
	plain = 42;
	__atomic_store_n(&flag, 1, __ATOMIC_RELAXED);
	WaitGroup_Done(&wg);
}

static void reader(void *arg)
{
	int *got = arg;
	meet();
	while (__atomic_load_n(&flag, __ATOMIC_RELAXED) == 0)
		;
	*got = plain;
	WaitGroup_Done(&wg);
}

/* test=0's hand-over: each value written to a plain slot, then its index
 * sent on an unbuffered channel; the receiver reads the slot. */
static int slots[1001];

static void sender(void *arg)
{
	chan_t *ch = arg;
	for (int i = 1; i <= 1000; i++) {
		slots[i] = i;                    /* before the send: ordered */
		chan_send(ch, &i);
	}
	WaitGroup_Done(&wg);
}

int main(void)
{
	int64_t t = BootFlagTest();
	int got = 0;
	WaitGroup_Add(&wg, 2);
	if (t == 2) {
		go(writer, NULL);
		go(reader, &got);
	} else {
		go(adder, (void *)(intptr_t)(t == 1));
		go(adder, (void *)(intptr_t)(t == 1));
	}
	WaitGroup_Wait(&wg);
	if (t != 0) {
		printf("RACE NOT SEEN (plain=%d got=%d)\n", plain, got);
		return 1;
	}
	chan_t *ch = make_chan(sizeof(int), 0);
	WaitGroup_Add(&wg, 1);
	go(sender, ch);
	int sum = 0;
	for (int i = 1; i <= 1000; i++) {
		int v;
		chan_recv(ch, &v);
		sum += slots[v];                 /* written before the send */
	}
	WaitGroup_Wait(&wg);
	printf("no race: counter %d, sum %d\n", __atomic_load_n(&counter, __ATOMIC_RELAXED), sum);
	return 0;
}
