// TEST: smp=1,2 status=2 timeout=30 bootargs="test=0"
// EXPECT: ^main deferred ran$
// EXPECT: ^worker done$
// EXPECT: ^fatal error: no goroutines \(main called runtime.Goexit\) - deadlock!$
// REJECT: ^(PASS|after Goexit)
// TEST: smp=1 status=2 timeout=30 bootargs="test=1"
// EXPECT: ^main deferred ran$
// EXPECT: ^fatal error: all goroutines are asleep - deadlock!$
// REJECT: ^(PASS|after Goexit|worker done)
/*
 * goexit_main - Goexit from main, as in Go: main's deferred calls run, main
 * never returns (no exit), the other goroutines go on; when the last one
 * ends, deadlock detection reports "no goroutines (main called
 * runtime.Goexit) - deadlock!" (test=0). If the others are blocked for
 * ever instead, it is the usual deadlock (test=1).
 */
#include "tests/qemu/testing.h"

static void say(void *s)
{
	printf("%s\n", (const char *)s);
}

static void worker(void *arg)
{
	Sleep(50 * Millisecond);
	printf("worker done\n");
}

static void blocked(void *arg)
{
	chan_recv(make_chan(0, 0), NULL);
	printf("worker done\n");
}

int main(void)
{
	Defer(say, "main deferred ran");
	go(BootFlagTest() == 0 ? worker : blocked, NULL);
	Goexit();
	printf("after Goexit\n");
	return 0;
}
