// TEST: smp=1,2 bootargs="test=0" status=0 timeout=60
// EXPECT: ^lock_rank: legal orders pass the checks$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=1,2 bootargs="test=1" status=2 timeout=60
// EXPECT: ^fatal error: lock ordering problem: acquiring sched \(rank [0-9]+, 0x[0-9a-f]+\) while holding timers \(rank [0-9]+, 0x[0-9a-f]+\)$
// EXPECT: ^goroutine 1 \[running
// EXPECT: lockrank_debug_test
// REJECT: ^PASS
// TEST: smp=1 bootargs="test=2" status=2 timeout=60
// EXPECT: ^fatal error: lock not held: globrunqput requires sched \(0x[0-9a-f]+\)$
// REJECT: ^PASS
// TEST: smp=1 bootargs="test=3" status=2 timeout=60
// EXPECT: ^fatal error: unlock of unlocked lock: sched \(0x[0-9a-f]+\) on cpu 0$
// REJECT: ^PASS
// TEST: smp=1,2 bootargs="test=4" status=2 timeout=60
// EXPECT: ^fatal error: lock ordering problem: acquiring hchan \(rank [0-9]+, 0x[0-9a-f]+\) while holding hchan \(rank [0-9]+, 0x[0-9a-f]+\): same rank, not in address order$
// REJECT: ^PASS
// TEST: smp=1,2 bootargs="test=5" status=2 timeout=60
// EXPECT: ^fatal error: Gosched: holding runtime lock gFree \(rank [0-9]+, 0x[0-9a-f]+\)$
// REJECT: ^PASS
/*
 * lock_rank - the lock discipline of debug builds (docs/locks.md) catches
 * each kind of mistake, with real runtime locks, through the runtime's
 * debug hook lockrank_debug_test (kernel/lib/lockrank.h):
 *   test=0: legal orders (channels in address order, sched.lock then a
 *           timer heap, releases in any order) pass: PASS;
 *   test=1: sched.lock taken while holding a timer heap's lock: the fatal
 *           error names both locks, with ranks and addresses;
 *   test=2: globrunqput called without sched.lock: assert_lock_held;
 *   test=3: sched.lock released without being held;
 *   test=4: two channel locks against address order (what select avoids);
 *   test=5: a goroutine gives up the CPU (Gosched) holding sched.gflock.
 * Each broken case must end in Go's "fatal error:" report, exit status 2.
 */
#include "tests/qemu/testing.h"

bool lockrank_debug_test(int what);     /* runtime debug hook (kernel/lib) */

int main(void)
{
	int what = (int)BootFlagTest();
	if (!lockrank_debug_test(what))
		FAILF("lockrank_debug_test(%d): not a debug build", what);
	printf("lock_rank: legal orders pass the checks\n");
	printf("PASS\n");
	return 0;
}
