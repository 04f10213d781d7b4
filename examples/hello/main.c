// TEST: smp=1,2 status=0 timeout=60
// EXPECT: ^hello from goroutine [0-9]+ on cpu [0-9]+$
// TEST: smp=2 boot=uboot bootargs="gomaxprocs=1" status=0 timeout=90
// EXPECT: ^gort: [a-z0-9]+, 2 CPUs, .*gomaxprocs=1$
// EXPECT: ^gort: bootargs "gomaxprocs=1"$
// EXPECT: ^hello from goroutine [0-9]+ on cpu [0-9]+$
/*
 * hello - the smallest program: goroutines on every CPU say hello.
 * make run APP=examples/hello
 */
#include <stdio.h>
#include <stdlib.h>
#include "gort.h"

static WaitGroup wg;

static void hello(void *arg)
{
	printf("hello from goroutine %llu on cpu %d\n", (unsigned long long)Goid(), CPU());
	free(arg);
	WaitGroup_Done(&wg);
}

int main(void)
{
	WaitGroup_Add(&wg, 8);
	for (int i = 0; i < 8; i++)
		go(hello, malloc(32));
	WaitGroup_Wait(&wg);    /* not a Sleep: a slow host can make any sleep too short */
	return 0;
}
