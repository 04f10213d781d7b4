// TEST: smp=1,2,4 status=0 timeout=180
// EXPECT: ^mutex_torture: [0-9]+ writers x 20000 increments, counter exact, never two owners$
// EXPECT: ^PASS$
// TEST: smp=4 board=sifive_u status=0 timeout=180
// EXPECT: ^mutex_torture: [0-9]+ writers x 20000 increments, counter exact, never two owners$
// EXPECT: ^PASS$
// TEST: smp=2 board=sifive_u bootargs="test=1" status=1 timeout=60
// EXPECT: ^FAIL: owner check: two goroutines inside the lock
// REJECT: ^PASS
// TEST: smp=1,2,4 bootargs="test=1" status=1 timeout=60
// EXPECT: ^FAIL: owner check: two goroutines inside the lock
// REJECT: ^PASS
// TEST: smp=1 bootargs="test=2" status=2 timeout=30
// EXPECT: ^fatal error: sync: unlock of unlocked mutex
// TEST: smp=2 board=sifive_u bootargs="test=2" status=2 timeout=30
// EXPECT: ^fatal error: sync: unlock of unlocked mutex
// TEST: smp=4 board=raspi3b status=0 timeout=180
// EXPECT: ^mutex_torture: [0-9]+ writers x 20000 increments, counter exact, never two owners$
// EXPECT: ^PASS$
/*
 * mutex_torture - writers = 2 x CPUs goroutines each take a Mutex 20,000
 * times and increment a shared counter, which must end exact. Inside the
 * lock each writer also claims an owner word with a CAS (0 -> its id) and
 * releases it (id -> 0) before unlocking: if the CAS ever fails, two
 * goroutines were inside the lock at once. Some writers try TryLock first.
 *
 * test=1 swaps in a deliberately broken lock (check-then-set with a yield
 * in between, so two goroutines can both see it free), compiled only into
 * this test: the owner check must catch it and FAIL, which proves the check
 * can fail. test=2: unlocking an unlocked Mutex is a fatal error.
 */
#include "tests/qemu/testing.h"
#include "gort.h"
#include "arch/atomic.h"

#define ITERS 20000

static Mutex mu;
static int64_t counter;          /* protected by mu */
static uint64_t owner;           /* atomic: the goroutine inside mu, or 0 */
static int64_t collisions;
static WaitGroup wg;
static bool broken;

/* The broken lock: looks free, yields (another goroutine also sees it
 * free), then takes it. Not atomic: exactly the bug the check must find. */
static volatile int broken_state;
static void broken_lock(void)
{
	while (broken_state != 0)
		Gosched();
	Gosched();
	broken_state = 1;
}
static void broken_unlock(void) { broken_state = 0; }

static void lock(int id, int i)
{
	if (broken)
		broken_lock();
	else if (id % 3 == 0 && i % 2 == 0) {
		if (!Mutex_TryLock(&mu))
			Mutex_Lock(&mu);
	} else
		Mutex_Lock(&mu);
}

static void unlock(void)
{
	if (broken)
		broken_unlock();
	else
		Mutex_Unlock(&mu);
}

static void writer(void *arg)
{
	uint64_t me = (uint64_t)(uintptr_t)arg;
	for (int i = 0; i < ITERS; i++) {
		lock((int)me, i);
		uint64_t zero = 0;
		/* acq_rel CAS: the owner word is the independent witness. */
		if (!arch_cas(&owner, &zero, me,
		              __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			FAILF("owner check: two goroutines inside the lock (%llu and %llu)",
			      (unsigned long long)me, (unsigned long long)zero);
		counter++;
		if (i % 256 == 0)
			Gosched();       /* hold it across a reschedule sometimes */
		uint64_t mine = me;
		if (!arch_cas(&owner, &mine, 0,
		              __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			FAILF("owner check: two goroutines inside the lock (%llu and %llu)",
			      (unsigned long long)me, (unsigned long long)mine);
		unlock();
	}
	WaitGroup_Done(&wg);
}

int main(void)
{
	if (BootFlagTest() == 2) {
		Mutex_Lock(&mu);
		Mutex_Unlock(&mu);
		Mutex_Unlock(&mu);
	}
	broken = BootFlagTest() == 1;
	int n = 2 * NumCPU();
	WaitGroup_Add(&wg, n);
	for (int i = 1; i <= n; i++)
		go(writer, (void *)(uintptr_t)i);
	WaitGroup_Wait(&wg);
	CHECK(counter == (int64_t)n * ITERS, "counter %lld, want %lld",
	      (long long)counter, (long long)n * ITERS);
	CHECK(collisions == 0, "collisions");
	CHECK(mu.state == 0, "mutex state %d after the run", mu.state);
	printf("mutex_torture: %d writers x %d increments, counter exact, never two owners\n", n, ITERS);
	printf("PASS\n");
	return 0;
}
