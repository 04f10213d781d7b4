// TEST: smp=2 bootargs="gomaxprocs=1 foo=1 gogc=abc slice=5" status=0 timeout=30
// EXPECT: warning: unknown boot flag "foo"
// EXPECT: warning: bad value "abc" for boot flag "gogc"
// EXPECT: ^gomaxprocs 1$
// EXPECT: ^PASS$
/*
 * bootargs_warn - Go-style runtime flags from /chosen/bootargs: known ones
 * take effect (gomaxprocs=1 on a 2-CPU machine), an unknown flag and a bad
 * value each get a warning that names them, and boot goes on.
 */
#include "tests/qemu/testing.h"

int main(void)
{
	printf("gomaxprocs %d\n", GOMAXPROCS(0));
	CHECK(GOMAXPROCS(0) == 1, "gomaxprocs=1 ignored");
	printf("PASS\n");
	return 0;
}
