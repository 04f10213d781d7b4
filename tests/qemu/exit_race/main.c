// TEST: smp=1,2,4 status=3 timeout=30
// EXPECT: ^exiting$
/*
 * exit_race - goroutines on every CPU call Exit at the same moment. Exactly
 * one powers the machine off with its status; none hangs the others (each
 * Exit stops the other CPUs with IPIs, so the first one must win cleanly).
 */
#include "tests/qemu/testing.h"

static int go_now;              /* atomic */

static void exiter(void *arg)
{
	while (!__atomic_load_n(&go_now, __ATOMIC_RELAXED))
		;
	Exit(3);
}

int main(void)
{
	for (int i = 0; i < 2 * NumCPU(); i++)
		go(exiter, NULL);
	printf("exiting\n");
	Sleep(Millisecond);
	__atomic_store_n(&go_now, 1, __ATOMIC_RELAXED);
	Exit(3);
}
