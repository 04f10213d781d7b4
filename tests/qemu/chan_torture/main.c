// EXPECT: ^chan_torture: cap=0 64000 messages, 0 lost, 0 dup, FIFO per producer$
// EXPECT: ^chan_torture: cap=64 64000 messages, 0 lost, 0 dup, FIFO per producer$
// EXPECT: ^PASS$
// TEST: smp=1,2,4 status=0 timeout=120
// TEST: smp=4 board=sifive_u status=0 timeout=120
// TEST: smp=4 board=raspi3b status=0 timeout=120
/*
 * chan_torture - 4 producers and 4 consumers on one channel, for
 * capacities 0, 1, 7 and 64. Every message is tagged (producer, sequence).
 * Consumers record what they get; at the end every tag must have arrived
 * exactly once (0 lost, 0 duplicated), and each consumer must have seen
 * each producer's messages in increasing sequence (the channel is FIFO, so
 * a producer's messages leave in the order they entered). The producers
 * finish, then main closes the channel, which ends the consumers' loops
 * (receive on a closed, drained channel gives ok = false).
 */
#include "tests/qemu/testing.h"
#include "gort.h"

#define NPROD 4
#define NCONS 4
#define PER_PROD 16000

struct msg { uint32_t producer, seq; };

static chan_t *ch;
static WaitGroup prod_wg, cons_wg;
static uint32_t seen[NPROD][PER_PROD];
static int64_t dup, order_bad, received;

static void producer(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	for (uint32_t s = 0; s < PER_PROD; s++) {
		struct msg m = { id, s };
		chan_send(ch, &m);
	}
	WaitGroup_Done(&prod_wg);
}

static void consumer(void *arg)
{
	int64_t last[NPROD];
	for (int i = 0; i < NPROD; i++)
		last[i] = -1;
	struct msg m;
	int64_t n = 0;
	while (chan_recv(ch, &m)) {
		if (m.producer >= NPROD || m.seq >= PER_PROD)
			FAILF("garbage message %u/%u", m.producer, m.seq);
		if (__atomic_fetch_add(&seen[m.producer][m.seq], 1, __ATOMIC_RELAXED) != 0)
			atomic_add64(&dup, 1);
		if ((int64_t)m.seq <= last[m.producer])
			atomic_add64(&order_bad, 1);
		last[m.producer] = m.seq;
		n++;
	}
	if (m.producer != 0 || m.seq != 0)
		FAILF("receive on closed channel did not give the zero value");
	atomic_add64(&received, n);
	WaitGroup_Done(&cons_wg);
}

int main(void)
{
	static const int caps[] = { 0, 1, 7, 64 };
	for (unsigned k = 0; k < sizeof caps / sizeof caps[0]; k++) {
		ch = make_chan(sizeof(struct msg), caps[k]);
		CHECK(chan_cap(ch) == caps[k], "cap");
		for (int p = 0; p < NPROD; p++)
			for (int s = 0; s < PER_PROD; s++)
				seen[p][s] = 0;
		dup = order_bad = received = 0;
		WaitGroup_Add(&prod_wg, NPROD);
		WaitGroup_Add(&cons_wg, NCONS);
		for (int i = 0; i < NCONS; i++)
			go(consumer, NULL);
		for (int i = 0; i < NPROD; i++)
			go(producer, (void *)(uintptr_t)i);
		WaitGroup_Wait(&prod_wg);
		chan_close(ch);
		WaitGroup_Wait(&cons_wg);
		int64_t lost = 0;
		for (int p = 0; p < NPROD; p++)
			for (int s = 0; s < PER_PROD; s++)
				if (seen[p][s] == 0)
					lost++;
		CHECK(lost == 0 && dup == 0 && order_bad == 0 && received == NPROD * PER_PROD,
		      "cap=%d: %lld lost, %lld dup, %lld out of order, %lld received",
		      caps[k], (long long)lost, (long long)dup, (long long)order_bad,
		      (long long)received);
		CHECK(chan_len(ch) == 0, "len after drain");
		printf("chan_torture: cap=%d %d messages, 0 lost, 0 dup, FIFO per producer\n",
		       caps[k], NPROD * PER_PROD);
		chan_free(ch);
	}
	printf("PASS\n");
	return 0;
}
