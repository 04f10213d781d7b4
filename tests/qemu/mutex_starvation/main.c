// TEST: smp=1,2,4 bootargs="gomaxprocs=1" status=0 timeout=120 icount=1
// EXPECT: ^mutex_starvation: waiter got the lock 10 times, longest wait [0-9]+ us, starvation mode seen$
// EXPECT: ^PASS$
// TEST: smp=2,4 status=0 timeout=120
// EXPECT: ^mutex_starvation: waiter got the lock 10 times, longest wait [0-9]+ us
// EXPECT: ^PASS$
/*
 * mutex_starvation - Go's TestMutexFairness. A hog goroutine takes the lock,
 * holds it for 100 us, releases it and immediately takes it again. In
 * normal mode the hog, already running, would win every race against the
 * woken waiter. Once the waiter has waited over 1 ms the mutex switches to
 * starvation mode and Unlock hands the lock straight to it. Pass: the
 * waiter gets the lock 10 times within the deadline (a select on a
 * time_After channel).
 *
 * With one P (first TEST line) the run is deterministic: the hog always
 * wins in normal mode, so the starving bit must be observed, and each Lock
 * must complete within 50 ms of virtual time (icount). The wait is
 * dominated by the scheduler, not the mutex: the normal-mode wake-up puts
 * the waiter in runnext of the hog's P, and it first runs when the hog's
 * 10 ms time slice ends; from then on the 1 ms threshold and the hand-off
 * take well under a millisecond. With several Ps the waiter may also win
 * in normal mode, so only completion (within 5 s per Lock) is required.
 * That line runs without icount: under -icount QEMU runs the vCPUs round
 * robin, switching only every 100 ms of virtual time, so a waiter on
 * another vCPU would not even run while the hog spins.
 */
#include "tests/qemu/testing.h"
#include "gort.h"

static Mutex mu;
static chan_t *stop, *done;
static int64_t starving_seen, max_wait;

static void hog(void *arg)
{
	for (;;) {
		Mutex_Lock(&mu);
		int64_t t0 = nanotime();
		while (nanotime() - t0 < 100 * Microsecond)
			if (__atomic_load_n(&mu.state, __ATOMIC_RELAXED) & 4)
				starving_seen = 1;
		Mutex_Unlock(&mu);
		if (chan_tryrecv(stop, NULL, NULL))
			return;
	}
}

static void waiter(void *arg)
{
	for (int i = 0; i < 10; i++) {
		Sleep(100 * Microsecond);
		int64_t t0 = nanotime();
		Mutex_Lock(&mu);
		if (nanotime() - t0 > max_wait)
			max_wait = nanotime() - t0;
		Mutex_Unlock(&mu);
	}
	bool t = true;
	chan_send(done, &t);
}

int main(void)
{
	stop = make_chan(0, 0);
	done = make_chan(sizeof(bool), 1);
	go(hog, NULL);
	go(waiter, NULL);
	bool v;
	struct SelectCase cs[2] = {
		{ SelectRecv, done, &v, NULL },
		{ SelectRecv, time_After(20 * Second), NULL, NULL },
	};
	int r = Select(cs, 2, false);
	CHECK(r == 0, "the waiter could not get the Mutex in 20 seconds");
	chan_close(stop);
	bool one_p = GOMAXPROCS(0) == 1;
	CHECK(max_wait < (one_p ? 50 * Millisecond : 5 * Second),
	      "the waiter waited %lld us for the lock", (long long)(max_wait / Microsecond));
	CHECK(starving_seen || !one_p, "starvation mode was never entered");
	printf("mutex_starvation: waiter got the lock 10 times, longest wait %lld us%s\n",
	       (long long)(max_wait / Microsecond),
	       starving_seen ? ", starvation mode seen" : "");
	printf("PASS\n");
	return 0;
}
