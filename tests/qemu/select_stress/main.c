// TEST: smp=1,2,4 status=0 timeout=180
// EXPECT: ^select_stress: 4 channels x 100000 values, all received in order$
// EXPECT: ^PASS$
/*
 * select_stress - 4 producers, each sending 100,000 sequence numbers on its
 * own channel (capacities 0, 1, 4, 16) through a select that also waits on
 * a quit channel that never fires; 2 consumers each select over all four
 * channels plus that quit channel. Closed channels are replaced by nil in
 * the case list (a nil channel's case is never chosen), as Go programs do.
 * Pass: every value of every channel arrives exactly once, each consumer
 * sees each channel's values in increasing order, and the random poll
 * order lets every channel make progress (no channel starves).
 */
#include "tests/qemu/testing.h"
#include "gort.h"

#define NCH 4
#define PER 100000
#define NCONS 2

static chan_t *chs[NCH], *quit;
static WaitGroup prod_wg, cons_wg;
static int64_t count[NCH], sum[NCH], order_bad;

static void producer(void *arg)
{
	int id = (int)(uintptr_t)arg;
	for (int64_t v = 0; v < PER; v++) {
		struct SelectCase cs[2] = {
			{ .dir = SelectRecv, .c = quit },
			{ .dir = SelectSend, .c = chs[id], .val = &v },
		};
		int r = Select(cs, 2, false);
		if (r != 1)
			FAILF("producer %d: select chose %d", id, r);
	}
	chan_close(chs[id]);
	WaitGroup_Done(&prod_wg);
}

static void consumer(void *arg)
{
	int64_t last[NCH] = { -1, -1, -1, -1 };
	int64_t vals[NCH];
	bool oks[NCH];
	struct SelectCase cs[NCH + 1];
	for (int i = 0; i < NCH; i++)
		cs[i] = (struct SelectCase){ SelectRecv, chs[i], &vals[i], &oks[i] };
	cs[NCH] = (struct SelectCase){ SelectRecv, quit, NULL, NULL };
	int open = NCH;
	while (open > 0) {
		int r = Select(cs, NCH + 1, false);
		if (r < 0 || r >= NCH)
			FAILF("consumer: select chose %d", r);
		if (!oks[r]) {
			cs[r].c = NULL;          /* closed: never again */
			open--;
			continue;
		}
		if (vals[r] <= last[r])
			atomic_add64(&order_bad, 1);
		last[r] = vals[r];
		atomic_add64(&count[r], 1);
		atomic_add64(&sum[r], vals[r]);
	}
	WaitGroup_Done(&cons_wg);
}

int main(void)
{
	static const int caps[NCH] = { 0, 1, 4, 16 };
	for (int i = 0; i < NCH; i++)
		chs[i] = make_chan(sizeof(int64_t), caps[i]);
	quit = make_chan(0, 0);
	WaitGroup_Add(&prod_wg, NCH);
	WaitGroup_Add(&cons_wg, NCONS);
	for (int i = 0; i < NCONS; i++)
		go(consumer, NULL);
	for (int i = 0; i < NCH; i++)
		go(producer, (void *)(uintptr_t)i);
	WaitGroup_Wait(&prod_wg);
	WaitGroup_Wait(&cons_wg);
	for (int i = 0; i < NCH; i++)
		CHECK(count[i] == PER && sum[i] == (int64_t)PER * (PER - 1) / 2,
		      "channel %d: %lld values, sum %lld", i, (long long)count[i], (long long)sum[i]);
	CHECK(order_bad == 0, "%lld values out of order", (long long)order_bad);
	printf("select_stress: %d channels x %d values, all received in order\n", NCH, PER);
	printf("PASS\n");
	return 0;
}
