// TEST: smp=4 bootargs="schedtrace=20" status=0 timeout=60
// EXPECT: ^SCHED [0-9]+ms: gomaxprocs=4 idleprocs=[0-4] threads=4 spinningthreads=[0-4] idlethreads=[0-4] runqueue=[0-9]+ \[[0-9]+ [0-9]+ [0-9]+ [0-9]+\]$
// EXPECT: ^PASS$
/*
 * schedtrace - bootargs schedtrace=MS prints Go's SCHED line every MS ms,
 * from a system timer that does not keep the program alive.
 */
#include "tests/qemu/testing.h"

static volatile int stop;
static void spin(void *arg)
{
	while (!stop)
		Gosched();
}

int main(void)
{
	for (int i = 0; i < 6; i++)
		go(spin, NULL);
	Sleep(100 * Millisecond);
	stop = 1;
	printf("PASS\n");
	return 0;
}
