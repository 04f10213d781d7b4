// TEST: smp=1,2 status=0 timeout=60
// EXPECT: ^1\. two ready channels, 10000 selects: a=[0-9]+ b=[0-9]+ \(each within 45-55 %: yes\)$
// EXPECT: ^2\. three ready channels \+ a nil one, 9000 selects: a=[0-9]+ b=[0-9]+ c=[0-9]+ nil=0 \(each within 30-37 %: yes\)$
// EXPECT: ^3\. nothing ready, with default: Select returned -1; without default a receiver woke on case 1$
/*
 * select_fair - select picks uniformly among the ready cases (docs/
 * channels.md, "select").
 *
 * What to look for:
 *  1. Two buffered channels that are always ready. If select took the
 *     first ready case in source order, case a would win every time; it
 *     polls the cases in a random order (pollorder, a fresh permutation on
 *     every call), so each wins about half the time.
 *  2. The same with three channels plus a nil channel: about a third each,
 *     and the nil channel (never ready, as in Go) is never chosen.
 *  3. Nothing ready: with a default, Select returns -1 at once (Go's
 *     `default:`); without one, the goroutine enqueues a sudog on every
 *     channel and parks until one of them is ready (selectgo's pass 2);
 *     a send on the second channel wakes it with index 1.
 */
#include <stdio.h>
#include "gort.h"

static chan_t *ch[3];
static volatile int woken_case = -2;

static void refill(int i)
{
	int v = i;
	if (!chan_trysend(ch[i], &v))
		printf("refill: channel %d full?\n", i);
}

static void waiter(void *arg)
{
	int v;
	struct SelectCase cs[2] = {
		{ SelectRecv, ch[0], &v, NULL },
		{ SelectRecv, ch[1], &v, NULL },
	};
	woken_case = Select(cs, 2, false);
}

int main(void)
{
	for (int i = 0; i < 3; i++)
		ch[i] = make_chan(sizeof(int), 1);

	/* 1. */
	int wins[4] = { 0 };
	refill(0), refill(1);
	for (int n = 0; n < 10000; n++) {
		int v;
		struct SelectCase cs[2] = {
			{ SelectRecv, ch[0], &v, NULL },
			{ SelectRecv, ch[1], &v, NULL },
		};
		int k = Select(cs, 2, false);
		wins[k]++;
		refill(k);                      /* both stay ready */
	}
	bool fair = wins[0] >= 4500 && wins[0] <= 5500 && wins[1] >= 4500 && wins[1] <= 5500;
	printf("1. two ready channels, 10000 selects: a=%d b=%d (each within 45-55 %%: %s)\n",
	       wins[0], wins[1], fair ? "yes" : "no");

	/* 2. */
	int w3[4] = { 0 };
	refill(2);
	for (int n = 0; n < 9000; n++) {
		int v;
		struct SelectCase cs[4] = {
			{ SelectRecv, ch[0], &v, NULL },
			{ SelectRecv, ch[1], &v, NULL },
			{ SelectRecv, ch[2], &v, NULL },
			{ SelectRecv, NULL, &v, NULL },  /* a nil channel: never ready */
		};
		int k = Select(cs, 4, false);
		w3[k]++;
		refill(k);
	}
	fair = true;
	for (int i = 0; i < 3; i++)
		fair = fair && w3[i] >= 2700 && w3[i] <= 3330;
	printf("2. three ready channels + a nil one, 9000 selects: a=%d b=%d c=%d nil=%d (each within 30-37 %%: %s)\n",
	       w3[0], w3[1], w3[2], w3[3], fair ? "yes" : "no");

	/* 3. empty every channel, then select on two of them */
	for (int i = 0; i < 3; i++)
		chan_tryrecv(ch[i], NULL, NULL);
	int v;
	struct SelectCase cs[2] = {
		{ SelectRecv, ch[0], &v, NULL },
		{ SelectRecv, ch[1], &v, NULL },
	};
	int r = Select(cs, 2, true);
	go(waiter, NULL);
	Sleep(5 * Millisecond);                 /* the waiter parks on both */
	refill(1);
	while (woken_case == -2)
		Sleep(Millisecond);
	printf("3. nothing ready, with default: Select returned %d; without default a receiver woke on case %d\n",
	       r, woken_case);
	return 0;
}
