/*
 * vs_fanin - 4 producers each send 1..N on their own unbuffered channel and
 * close it; main receives with a 4-way select until all four are closed
 * (a closed channel's case is then disabled by making it nil, as in Go),
 * and prints the count and the sum. Every value is one Select that finds
 * a producer parked or parks on all four. Twin: main.go.
 */
#include "bench/vs-go/vsgo.h"

#define NPROD 4

static int64_t per;             /* values per producer, set before they start */

static void producer(void *arg)
{
	chan_t *out = arg;
	for (int64_t i = 1; i <= per; i++)
		chan_send(out, &i);
	chan_close(out);
}

int main(void)
{
	per = vsgo_size(250000);
	struct SelectCase cases[NPROD];
	int64_t v, count = 0, sum = 0;
	bool ok;
	for (int i = 0; i < NPROD; i++) {
		cases[i] = (struct SelectCase){ SelectRecv, make_chan(sizeof(int64_t), 0), &v, &ok };
		go(producer, cases[i].c);
	}
	for (int open = NPROD; open > 0;) {
		int k = Select(cases, NPROD, false);
		if (!ok) {
			cases[k].c = NULL;
			open--;
			continue;
		}
		count++;
		sum += v;
	}
	printf("result: fanin %" PRId64 " %" PRId64 " %" PRId64 "\n", per, count, sum);
	return 0;
}
