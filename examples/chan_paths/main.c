// TEST: smp=1,2 status=0 timeout=60
// EXPECT: ^a\. direct hand-off: send returned; the receiver has (not run yet|run \(a time slice ended right after the send\)), but its variable already holds 42$
// EXPECT: ^b\. buffer: 3 sends without a receiver, len 1 2 3, nobody blocked$
// EXPECT: ^c\. park: the 4th send blocked \(sender waiting: yes\), len 3$
// EXPECT: ^d\. receive from a full buffer with a parked sender: got 100, len still 3, sender released: yes$
// EXPECT: ^order received: 100 101 102 103$
// EXPECT: ^counted: 1 direct hand-off, 3 through the buffer, 1 parked sender$
/*
 * chan_paths - the three ways a channel send completes (docs/channels.md,
 * "Send and receive").
 *
 * What to look for (GOMAXPROCS(1), so every step happens in a known order):
 *  a. Direct hand-off: a receiver is already parked on an unbuffered
 *     channel (its sudog on recvq). chan_send finds it and copies the value
 *     straight into the receiver's variable (chan_handoff_send), readies it
 *     and returns without blocking: the variable holds 42 before the
 *     receiver has even run.
 *  b. Buffer: a channel with capacity 3 and no receiver: the value is
 *     copied into the ring at sendx (chan_buf_put); len grows.
 *  c. Park: the buffer is full and nobody receives: the sender puts a
 *     sudog (pointing at its value) on sendq and parks (chan_park) -
 *     "chan send" in a goroutine dump.
 *  d. A receive from that full channel takes the head of the buffer and
 *     moves the parked sender's value into the freed slot at the tail,
 *     then readies the sender: len stays 3 and FIFO order holds.
 * Go's runtime/chan.go has the same three paths (send, the buffer branch,
 * gopark); the seed notes draw them as "direct send / buffer / park".
 */
#include <stdio.h>
#include "gort.h"

static chan_t *unbuf, *buf3;
static int recv_var;                 /* where the receiver in (a) receives */
static volatile int receiver_returned, sender_done;
static int direct, buffered, parked;

static void receiver(void *arg)
{
	chan_recv(unbuf, &recv_var);   /* parks: nobody has sent yet */
	receiver_returned = 1;
}

static void late_sender(void *arg)
{
	int v = 103;
	chan_send(buf3, &v);           /* the buffer is full: parks */
	sender_done = 1;
}

int main(void)
{
	GOMAXPROCS(1);
	unbuf = make_chan(sizeof(int), 0);
	buf3 = make_chan(sizeof(int), 3);

	/* a. */
	go(receiver, NULL);
	Gosched();                     /* the receiver runs and parks on recvq */
	int v = 42;
	chan_send(unbuf, &v);
	direct++;
	/* With one P the receiver runs before this line only if main lost
	 * the CPU in between: a time-slice preemption, rare but possible. */
	printf("a. direct hand-off: send returned; the receiver has %s, but its variable already holds %d\n",
	       receiver_returned ? "run (a time slice ended right after the send)" : "not run yet", recv_var);
	Gosched();                     /* now it runs */

	/* b. */
	printf("b. buffer: 3 sends without a receiver, len");
	for (int i = 100; i < 103; i++) {
		chan_send(buf3, &i);
		buffered++;
		printf(" %d", chan_len(buf3));
	}
	printf(", nobody blocked\n");

	/* c. */
	go(late_sender, NULL);
	Gosched();                     /* it runs, finds the buffer full, parks */
	parked += !sender_done;
	printf("c. park: the 4th send blocked (sender waiting: %s), len %d\n",
	       sender_done ? "no" : "yes", chan_len(buf3));

	/* d. */
	int got[4];
	chan_recv(buf3, &got[0]);
	printf("d. receive from a full buffer with a parked sender: got %d, len still %d, ",
	       got[0], chan_len(buf3));
	Gosched();                     /* the readied sender returns from chan_send */
	printf("sender released: %s\n", sender_done ? "yes" : "no");
	for (int i = 1; i < 4; i++)
		chan_recv(buf3, &got[i]);
	printf("order received: %d %d %d %d\n", got[0], got[1], got[2], got[3]);
	printf("counted: %d direct hand-off, %d through the buffer, %d parked sender\n",
	       direct, buffered, parked);
	return 0;
}
