// TEST: smp=1,2,4 status=2 timeout=30
// EXPECT: ^panic: send on closed channel
// REJECT: ^PASS
// TEST: smp=1 bootargs="test=1" status=2 timeout=30
// EXPECT: ^panic: close of closed channel
// TEST: smp=1 bootargs="test=2" status=2 timeout=30
// EXPECT: ^panic: close of nil channel
/*
 * chan_close_send - Go's rule for a sender blocked on a channel that gets
 * closed: it wakes up and panics with "send on closed channel" (without
 * recover: the message, a traceback, exit status 2). test=1 and test=2
 * check the two other close panics.
 */
#include "tests/qemu/testing.h"
#include "gort.h"

static chan_t *c;

static void sender(void *arg)
{
	int64_t v = 1;
	chan_send(c, &v);            /* blocks: nobody receives */
	printf("sender returned\n");
}

int main(void)
{
	c = make_chan(sizeof(int64_t), 0);
	if (BootFlagTest() == 1) {
		chan_close(c);
		chan_close(c);
	} else if (BootFlagTest() == 2) {
		chan_close(NULL);
	}
	go(sender, NULL);
	Sleep(20 * Millisecond);
	chan_close(c);
	Sleep(100 * Millisecond);
	printf("PASS\n");
	return 0;
}
