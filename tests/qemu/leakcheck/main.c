// TEST: smp=2 bootargs="leakcheck=1" status=0 timeout=60
// EXPECT: ^leakcheck: goroutine [0-9]+ \[select, [1-9][0-9]+ ms\]:$
// EXPECT: ^leakcheck: goroutine [0-9]+ \[chan receive, [1-9][0-9]+ ms\]:$
// EXPECT: ^created by start_consumer\+0x[0-9a-f]+ in goroutine 1$
// EXPECT: ^created by start_orphan\+0x[0-9a-f]+ in goroutine [0-9]+$
// EXPECT: ^leakcheck: 2 goroutines still blocked at exit$
// REJECT: ^leakcheck: goroutine [0-9]+ \[sleep
// TEST: smp=1 status=0 timeout=60
// REJECT: ^leakcheck
// EXPECT: ^PASS$
/*
 * leakcheck - bootargs leakcheck=1 lists, at exit, the goroutines still
 * blocked, with wait reason, wait time and creator, as goleak does.
 *
 * The leak is the seed notes' time.After in a loop: a consumer selects on
 * its input and on a fresh time.After(1 hour) each round. The producer
 * stops sending, so the consumer waits in select for the hour, long after
 * anyone cares (and each round's timer stays pending until it fires).
 * Second, the plain form: a goroutine receiving from a channel nobody
 * will ever send on, created by another goroutine. A goroutine that is
 * merely sleeping when the program ends is blocked too, so the program
 * lets its sleeper finish: the REJECT line checks it is not listed.
 */
#include "tests/qemu/testing.h"

#define Hour (3600 * Second)

static chan_t *in;
static int64_t received;

static void consumer(void *arg)
{
	for (;;) {
		int v;
		bool ok;
		struct SelectCase cs[2] = {
			{ SelectRecv, in, &v, &ok },
			{ SelectRecv, time_After(Hour), NULL, NULL },
		};
		if (Select(cs, 2, false) == 1)
			return;                 /* an hour without input */
		atomic_add64(&received, 1);
	}
}

static volatile uint64_t consumer_id;

/* Not inlined and go() not in tail position: the creator reported is the
 * function holding the return address of the go() call. */
__attribute__((noinline)) static void start_consumer(void)
{
	consumer_id = go(consumer, NULL);
}

static void orphan(void *arg)
{
	chan_recv((chan_t *)arg, NULL);  /* nobody sends: blocked for ever */
}

__attribute__((noinline)) static void start_orphan(void *arg)
{
	go(orphan, make_chan(sizeof(int), 0));
	WaitGroup_Done(arg);
}

static void sleeper(void *arg)
{
	Sleep(Millisecond);
	WaitGroup_Done(arg);
}

int main(void)
{
	in = make_chan(sizeof(int), 0);
	start_consumer();
	for (int i = 0; i < 5; i++)
		chan_send(in, &i);
	WaitGroup wg = {0};
	WaitGroup_Add(&wg, 2);
	go(start_orphan, &wg);
	go(sleeper, &wg);
	WaitGroup_Wait(&wg);
	Sleep(50 * Millisecond);         /* the leaks have waited >= 50 ms */
	CHECK(atomic_load64(&received) == 5, "received %lld", (long long)atomic_load64(&received));
	printf("PASS\n");
	return 0;
}
