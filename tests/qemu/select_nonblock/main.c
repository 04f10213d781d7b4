// TEST: smp=1,2,4 status=0 timeout=180
// EXPECT: ^select_nonblock: 100000 iterations, 0 wrong defaults$
// EXPECT: ^PASS$
/*
 * select_nonblock - non-blocking select must take default only when no case
 * can proceed. A helper goroutine sends value i on a buffered channel
 * (capacity 1) and then says "i sent" on an unbuffered ack channel; main
 * receives that, and then
 * a select {case <-c; default} must receive exactly i - never default,
 * though the helper may be racing to send i+1 on another CPU. The same
 * iteration also checks the other side: a select-send on a channel with
 * room never defaults, a select on an empty open channel always defaults,
 * and a closed channel is always ready (ok = false), via Select and via
 * chan_tryrecv/chan_trysend.
 */
#include "tests/qemu/testing.h"
#include "gort.h"

#define ITERS 100000

static chan_t *c, *ack, *empty, *closed, *room;

static void helper(void *arg)
{
	for (int64_t i = 0; i < ITERS; i++) {
		chan_send(c, &i);
		chan_send(ack, NULL);
	}
}

int main(void)
{
	c = make_chan(sizeof(int64_t), 1);
	ack = make_chan(0, 0);
	empty = make_chan(sizeof(int64_t), 1);
	closed = make_chan(sizeof(int64_t), 0);
	room = make_chan(sizeof(int64_t), 1);
	chan_close(closed);
	go(helper, NULL);
	int64_t wrong = 0;
	for (int64_t i = 0; i < ITERS; i++) {
		chan_recv(ack, NULL);
		int64_t v = -1, e = 7;
		bool ok = false, eok;
		struct SelectCase cs[2] = {
			{ SelectRecv, empty, &e, &eok },
			{ SelectRecv, c, &v, &ok },
		};
		int r;
		if (i % 2 == 0) {
			r = Select(cs, 2, true);
		} else {
			r = chan_tryrecv(c, &v, &ok) ? 1 : -1;
		}
		if (r != 1 || !ok || v != i) {
			if (wrong++ < 5)
				printf("iteration %lld: chose %d ok=%d v=%lld\n", (long long)i, r, ok, (long long)v);
		}
		/* empty and open: default, always */
		if (Select(cs, 1, true) != -1 || chan_tryrecv(empty, &e, NULL))
			wrong++;
		/* room for one: the send case, never default; then full: default */
		struct SelectCase sc = { SelectSend, room, &i, NULL };
		if (Select(&sc, 1, true) != 0)
			wrong++;
		if (chan_trysend(room, &i))
			wrong++;
		if (!chan_tryrecv(room, &v, &ok) || !ok || v != i)
			wrong++;
		/* closed: ready, zero value, ok = false */
		struct SelectCase cc = { SelectRecv, closed, &v, &ok };
		v = 5;
		if (Select(&cc, 1, true) != 0 || ok || v != 0)
			wrong++;
	}
	printf("select_nonblock: %d iterations, %lld wrong defaults\n", ITERS, (long long)wrong);
	CHECK(wrong == 0, "wrong defaults");
	printf("PASS\n");
	return 0;
}
