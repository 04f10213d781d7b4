// TEST: smp=1,2,4 status=0 timeout=180
// EXPECT: ^chan_close: 10000 rounds, 40000 receivers woken with ok=false$
// EXPECT: ^PASS$
/*
 * chan_close - close wakes every blocked receiver with the zero value and
 * ok = false. Each round, three goroutines receive on a fresh unbuffered
 * channel (one through a select that also waits on a channel that is never
 * ready, one on a buffered channel that is drained first), main yields so
 * they block, then closes the channels. Every receiver must report
 * ok = false and a zeroed variable. 10,000 rounds.
 * (A blocked *sender* panics when its channel is closed: chan_close_send.)
 */
#include "tests/qemu/testing.h"
#include "gort.h"

#define ROUNDS 10000
#define NRECV 4

static chan_t *cur, *curbuf, *curz, *never;
static WaitGroup wg;
static int64_t bad, woken;

static void receiver(void *arg)
{
	int kind = (int)(uintptr_t)arg;
	int64_t v = 0x5555;
	bool ok = true;
	if (kind == 0) {
		ok = chan_recv(cur, &v);
	} else if (kind == 1) {
		struct SelectCase cs[2] = {
			{ SelectRecv, never, NULL, NULL },
			{ SelectRecv, cur, &v, &ok },
		};
		if (Select(cs, 2, false) != 1)
			atomic_add64(&bad, 1);
	} else if (kind == 2) {
		ok = chan_recv(curbuf, &v);
	} else {
		/* zero-size elements (chan struct{}) */
		ok = chan_recv(curz, NULL);
		v = 0;
	}
	if (ok || v != 0)
		atomic_add64(&bad, 1);
	atomic_add64(&woken, 1);
	WaitGroup_Done(&wg);
}

int main(void)
{
	never = make_chan(0, 0);
	for (int r = 0; r < ROUNDS; r++) {
		cur = make_chan(sizeof(int64_t), 0);
		curbuf = make_chan(sizeof(int64_t), 3);
		curz = make_chan(0, 0);
		int64_t x = 9;
		chan_send(curbuf, &x);          /* a value before close is still delivered */
		chan_recv(curbuf, &x);
		WaitGroup_Add(&wg, NRECV);
		for (int k = 0; k < NRECV; k++)
			go(receiver, (void *)(uintptr_t)k);
		for (int y = 0; y < 3; y++)
			Gosched();
		chan_close(cur);
		chan_close(curbuf);
		chan_close(curz);
		WaitGroup_Wait(&wg);
		bool ok = true;
		CHECK(!chan_recv(cur, &x) && x == 0, "recv after close");
		CHECK(chan_tryrecv(cur, &x, &ok) && !ok, "tryrecv after close");
		chan_free(cur);
		chan_free(curbuf);
		chan_free(curz);
	}
	/* buffered values survive close: received first, then ok = false */
	chan_t *b = make_chan(sizeof(int64_t), 4);
	for (int64_t i = 1; i <= 3; i++)
		chan_send(b, &i);
	chan_close(b);
	int64_t v;
	for (int64_t i = 1; i <= 3; i++)
		CHECK(chan_recv(b, &v) && v == i, "buffered value %lld after close", (long long)i);
	CHECK(!chan_recv(b, &v) && v == 0, "drained closed channel");
	CHECK(bad == 0, "%lld receivers saw ok=true or a non-zero value", (long long)bad);
	printf("chan_close: %d rounds, %lld receivers woken with ok=false\n", ROUNDS, (long long)woken);
	printf("PASS\n");
	return 0;
}
