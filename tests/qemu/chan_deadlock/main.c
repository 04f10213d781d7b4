// TEST: smp=1,2,4 status=2 timeout=30
// EXPECT: ^fatal error: all goroutines are asleep - deadlock!
// EXPECT: ^goroutine 1 \[chan receive\]:
// EXPECT: ^goroutine [0-9]+ \[sync.Mutex.Lock
// EXPECT: ^goroutine [0-9]+ \[chan send
// EXPECT: ^goroutine [0-9]+ \[select
// EXPECT: ^goroutine [0-9]+ \[sync.WaitGroup.Wait
// REJECT: ^PASS
/*
 * chan_deadlock - goroutines blocked forever on channels and locks count as
 * asleep: when nothing can wake any of them the runtime reports Go's
 * deadlock error and lists each with its wait reason.
 */
#include "tests/qemu/testing.h"
#include "gort.h"

static Mutex mu;
static WaitGroup wg;
static chan_t *c, *d;

static void locker(void *arg) { Mutex_Lock(&mu); }
static void sender(void *arg) { int64_t v = 1; chan_send(d, &v); }
static void selector(void *arg)
{
	struct SelectCase cs[2] = { { SelectRecv, c, NULL, NULL }, { SelectRecv, NULL, NULL, NULL } };
	Select(cs, 2, false);
}
static void waiter(void *arg) { WaitGroup_Wait(&wg); }

int main(void)
{
	c = make_chan(sizeof(int64_t), 0);
	d = make_chan(sizeof(int64_t), 0);
	Mutex_Lock(&mu);
	WaitGroup_Add(&wg, 1);
	go(locker, NULL);
	go(sender, NULL);
	go(selector, NULL);
	go(waiter, NULL);
	int64_t v;
	chan_recv(c, &v);        /* nobody will ever send */
	printf("PASS\n");
	return 0;
}
