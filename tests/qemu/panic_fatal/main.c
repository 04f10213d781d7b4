// TEST: smp=1 status=2 timeout=30 bootargs="test=0"
// EXPECT: ^fatal error: sync: unlock of unlocked mutex$
// REJECT: ^(PASS|recovered)
// TEST: smp=1,2 status=2 timeout=30 bootargs="test=1"
// EXPECT: ^fatal error: unexpected signal during runtime execution$
// EXPECT: ^\[signal .* addr=0x[0-9a-f]{1,3} pc=0x[0-9a-f]+ spin_lock
// REJECT: ^(PASS|recovered|panic:)
// TEST: smp=1 status=2 timeout=30 bootargs="test=2"
// EXPECT: ^fatal error: stack overflow$
// REJECT: ^(PASS|recovered|panic:)
// TEST: smp=1 status=2 timeout=30 bootargs="test=3"
// EXPECT: ^fatal error: all goroutines are asleep - deadlock!$
// REJECT: ^(PASS|recovered|panic:)
/*
 * panic_fatal - fatal errors stay fatal, as in Go: a deferred call that
 * would recover never runs, the report is "fatal error: ...", status 2.
 *   test=0 sync: unlock of unlocked mutex (a throw, not a panic);
 *   test=1 a fault inside the runtime with a runtime lock being taken
 *          (nopreempt raised): chan_close on a wild channel pointer faults
 *          inside spin_lock, where unwinding would leave the runtime in
 *          a broken state - "unexpected signal during runtime execution";
 *   test=2 stack overflow in a goroutine;
 *   test=3 deadlock.
 */
#include "tests/qemu/testing.h"

static void recoverer(void *arg)
{
	const char *r = recover();
	if (r)
		printf("recovered %s\n", r);
}

static int64_t deep(int64_t n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	return n == 0 ? pad[0] : deep(n - 1) + pad[0];
}

static void overflow(void *arg)
{
	Defer(recoverer, NULL);
	printf("%lld\n", (long long)deep(1 << 20));
}

int main(void)
{
	Defer(recoverer, NULL);
	switch (BootFlagTest()) {
	case 0: {
		Mutex mu = {0};
		Mutex_Unlock(&mu);
		break;
	}
	case 1: {
		int v = 1;
		chan_close((chan_t *)0x10);
		(void)v;
		break;
	}
	case 2:
		go_stack(overflow, NULL, 64 * 1024);
		Sleep(Second);
		break;
	case 3:
		chan_recv(make_chan(0, 0), NULL);
		break;
	}
	printf("PASS\n");
	return 0;
}
