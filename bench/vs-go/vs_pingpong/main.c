/*
 * vs_pingpong - main and one other goroutine bounce a counter over two
 * unbuffered channels N times: main sends i on ping, the partner answers
 * i+1 on pong. Every send finds the other side parked (or parks itself):
 * the cost of a synchronous hand-off. Twin: main.go.
 */
#include "bench/vs-go/vsgo.h"

static chan_t *ping, *pong;

static void partner(void *arg)
{
	int64_t v;
	while (chan_recv(ping, &v)) {
		v++;
		chan_send(pong, &v);
	}
}

int main(void)
{
	int64_t n = vsgo_size(1000000), sum = 0;
	ping = make_chan(sizeof(int64_t), 0);
	pong = make_chan(sizeof(int64_t), 0);
	go(partner, NULL);
	for (int64_t i = 0; i < n; i++) {
		int64_t v;
		chan_send(ping, &i);
		chan_recv(pong, &v);
		sum += v;
	}
	chan_close(ping);
	printf("result: pingpong %" PRId64 " %" PRId64 "\n", n, sum);
	return 0;
}
