/*
 * vs_ring - 503 goroutines in a ring of unbuffered channels pass a token
 * that starts at N and is decremented at every hop; the goroutine that
 * receives 0 reports its number (1-based), as the benchmarks game's
 * "thread ring". Every hop is a receive that parks and a send that readies
 * the next goroutine. Twin: main.go.
 */
#include "bench/vs-go/vsgo.h"

#define NRING 503

static chan_t *ring[NRING];     /* ring[i]: goroutine i receives on it */
static chan_t *done;            /* the winner's number */

static void member(void *arg)
{
	int64_t id = (int64_t)(intptr_t)arg;
	chan_t *in = ring[id], *out = ring[(id + 1) % NRING];
	for (;;) {
		int64_t token;
		chan_recv(in, &token);
		if (token == 0) {
			int64_t who = id + 1;
			chan_send(done, &who);
			return;
		}
		token--;
		chan_send(out, &token);
	}
}

int main(void)
{
	int64_t n = vsgo_size(5000000);
	done = make_chan(sizeof(int64_t), 0);
	for (int i = 0; i < NRING; i++)
		ring[i] = make_chan(sizeof(int64_t), 0);
	for (int i = 0; i < NRING; i++)
		go(member, (void *)(intptr_t)i);
	chan_send(ring[0], &n);
	int64_t who;
	chan_recv(done, &who);
	printf("result: ring %" PRId64 " %" PRId64 "\n", n, who);
	return 0;
}
