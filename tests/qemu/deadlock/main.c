// TEST: smp=1,2,4 status=2 timeout=30
// EXPECT: ^fatal error: all goroutines are asleep - deadlock!
// EXPECT: ^goroutine 1 \[test
// EXPECT: ^goroutine [0-9]+ \[test
// REJECT: ^PASS
/*
 * deadlock - when every goroutine is blocked and nothing (no timer, no
 * device) could ever wake one, the runtime says so in Go's words, lists
 * the goroutines, and exits with status 2 instead of hanging.
 */
#include "tests/qemu/testing.h"
#include "kernel/sched/sched.h"

static void block_forever(void *arg)
{
	gopark(NULL, NULL, waitReasonTest);
}

int main(void)
{
	go(block_forever, NULL);
	Sleep(10 * Millisecond);     /* a pending timer is not a deadlock */
	gopark(NULL, NULL, waitReasonTest);
	printf("PASS\n");
	return 0;
}
