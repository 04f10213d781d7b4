// TEST: smp=1,2,4 status=0 timeout=180
// EXPECT: ^rwmutex: readers and writers never overlapped
// EXPECT: ^waitgroup: 200 rounds, 3 waiters each, all woken after the last Done$
// EXPECT: ^once: f ran once for 16 callers, all saw its effect$
// EXPECT: ^cond: 20000 items through a Cond queue, broadcast woke 8 of 8$
// EXPECT: ^PASS$
// TEST: smp=1 bootargs="test=1" status=2 timeout=30
// EXPECT: ^panic: sync: negative WaitGroup counter
/*
 * sync_contention - RWMutex, WaitGroup, Once and Cond under contention.
 *   rwmutex:   2 x CPUs readers and 2 writers; readers check no writer is
 *              inside, writers check no reader and no other writer is.
 *   waitgroup: 200 rounds of 16 workers and 3 waiters; a waiter must not
 *              return before the 16th Done.
 *   once:      16 goroutines race into Once_Do; f (slow) runs once and
 *              every caller returns only after it finished.
 *   cond:      a bounded queue with a Cond for "not empty" and one for
 *              "not full", 4 producers x 4 consumers; then 8 waiters and
 *              one Broadcast.
 * test=1: WaitGroup_Add taking the counter negative panics.
 */
#include "tests/qemu/testing.h"
#include "gort.h"

/* ---- RWMutex ------------------------------------------------------------ */
static RWMutex rw;
static int64_t readers_in, writers_in, rw_bad, rw_reads, rw_writes;
static WaitGroup rwg;

static void rw_reader(void *arg)
{
	for (int i = 0; i < 5000; i++) {
		if (i % 7 == 0 && RWMutex_TryRLock(&rw)) {
			/* fine */
		} else {
			RWMutex_RLock(&rw);
		}
		atomic_add64(&readers_in, 1);
		if (atomic_load64(&writers_in) != 0)
			atomic_add64(&rw_bad, 1);
		if (i % 50 == 0)
			Gosched();
		atomic_add64(&readers_in, -1);
		atomic_add64(&rw_reads, 1);
		RWMutex_RUnlock(&rw);
	}
	WaitGroup_Done(&rwg);
}

static void rw_writer(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		RWMutex_Lock(&rw);
		if (atomic_load64(&readers_in) != 0 || atomic_load64(&writers_in) != 0)
			atomic_add64(&rw_bad, 1);
		atomic_add64(&writers_in, 1);
		if (i % 10 == 0)
			Gosched();
		atomic_add64(&writers_in, -1);
		atomic_add64(&rw_writes, 1);
		RWMutex_Unlock(&rw);
	}
	WaitGroup_Done(&rwg);
}

static void test_rwmutex(void)
{
	int nr = 2 * NumCPU();
	WaitGroup_Add(&rwg, nr + 2);
	for (int i = 0; i < nr; i++)
		go(rw_reader, NULL);
	go(rw_writer, NULL);
	go(rw_writer, NULL);
	WaitGroup_Wait(&rwg);
	CHECK(rw_bad == 0, "rwmutex: %lld overlaps", (long long)rw_bad);
	CHECK(rw_reads == nr * 5000 && rw_writes == 2000, "rwmutex counts");
	CHECK(RWMutex_TryLock(&rw), "rwmutex TryLock when free");
	CHECK(!RWMutex_TryRLock(&rw), "rwmutex TryRLock while write-locked");
	RWMutex_Unlock(&rw);
	printf("rwmutex: readers and writers never overlapped (%lld reads, %lld writes)\n",
	       (long long)rw_reads, (long long)rw_writes);
}

/* ---- WaitGroup ---------------------------------------------------------- */
static WaitGroup wg, waiters_wg;
static int64_t wg_done, wg_bad;

static void wg_worker(void *arg)
{
	if ((uintptr_t)arg % 3 == 0)
		Gosched();
	atomic_add64(&wg_done, 1);
	WaitGroup_Done(&wg);
}

static void wg_waiter(void *arg)
{
	WaitGroup_Wait(&wg);
	if (atomic_load64(&wg_done) != 16)
		atomic_add64(&wg_bad, 1);
	WaitGroup_Done(&waiters_wg);
}

static void test_waitgroup(void)
{
	for (int r = 0; r < 200; r++) {
		wg_done = 0;
		WaitGroup_Add(&wg, 16);
		WaitGroup_Add(&waiters_wg, 3);
		for (int i = 0; i < 3; i++)
			go(wg_waiter, NULL);
		for (uintptr_t i = 0; i < 16; i++)
			go(wg_worker, (void *)i);
		WaitGroup_Wait(&waiters_wg);
	}
	CHECK(wg_bad == 0, "waitgroup: %lld waiters returned early", (long long)wg_bad);
	printf("waitgroup: 200 rounds, 3 waiters each, all woken after the last Done\n");
}

/* ---- Once --------------------------------------------------------------- */
static Once once;
static int64_t once_runs, once_effect, once_bad;
static WaitGroup owg;

static void once_f(void *arg)
{
	atomic_add64(&once_runs, 1);
	Sleep(2 * Millisecond);          /* others must wait for this */
	once_effect = 42;
}

static void once_caller(void *arg)
{
	Once_Do(&once, once_f, NULL);
	if (once_effect != 42)
		atomic_add64(&once_bad, 1);
	WaitGroup_Done(&owg);
}

static void test_once(void)
{
	WaitGroup_Add(&owg, 16);
	for (int i = 0; i < 16; i++)
		go(once_caller, NULL);
	WaitGroup_Wait(&owg);
	CHECK(once_runs == 1 && once_bad == 0, "once: ran %lld times, %lld early returns",
	      (long long)once_runs, (long long)once_bad);
	printf("once: f ran once for 16 callers, all saw its effect\n");
}

/* ---- Cond --------------------------------------------------------------- */
#define QCAP 8
#define ITEMS 5000
static Mutex qmu;
static Cond notempty = { .L = &qmu }, notfull = { .L = &qmu };
static int64_t q[QCAP], qhead, qlen, qsum, qgot;
static WaitGroup cwg;

static void cond_producer(void *arg)
{
	for (int64_t i = 1; i <= ITEMS; i++) {
		Mutex_Lock(&qmu);
		while (qlen == QCAP)
			Cond_Wait(&notfull);
		q[(qhead + qlen++) % QCAP] = i;
		Cond_Signal(&notempty);
		Mutex_Unlock(&qmu);
	}
	WaitGroup_Done(&cwg);
}

static void cond_consumer(void *arg)
{
	for (int i = 0; i < ITEMS; i++) {
		Mutex_Lock(&qmu);
		while (qlen == 0)
			Cond_Wait(&notempty);
		qsum += q[qhead];
		qhead = (qhead + 1) % QCAP;
		qlen--;
		qgot++;
		Cond_Signal(&notfull);
		Mutex_Unlock(&qmu);
	}
	WaitGroup_Done(&cwg);
}

static Cond gate = { .L = &qmu };
static bool gate_open;
static int64_t gate_waiting, gate_passed;

static void gate_waiter(void *arg)
{
	Mutex_Lock(&qmu);
	gate_waiting++;
	while (!gate_open)
		Cond_Wait(&gate);
	gate_passed++;
	Mutex_Unlock(&qmu);
	WaitGroup_Done(&cwg);
}

static void test_cond(void)
{
	WaitGroup_Add(&cwg, 8);
	for (int i = 0; i < 4; i++) {
		go(cond_producer, NULL);
		go(cond_consumer, NULL);
	}
	WaitGroup_Wait(&cwg);
	CHECK(qgot == 4 * ITEMS && qsum == 4 * (int64_t)ITEMS * (ITEMS + 1) / 2,
	      "cond queue: got %lld sum %lld", (long long)qgot, (long long)qsum);
	WaitGroup_Add(&cwg, 8);
	for (int i = 0; i < 8; i++)
		go(gate_waiter, NULL);
	for (;;) {
		Mutex_Lock(&qmu);
		int64_t w = gate_waiting;
		Mutex_Unlock(&qmu);
		if (w == 8)
			break;
		Sleep(Millisecond);
	}
	Mutex_Lock(&qmu);
	gate_open = true;
	Cond_Broadcast(&gate);
	Mutex_Unlock(&qmu);
	WaitGroup_Wait(&cwg);
	printf("cond: %d items through a Cond queue, broadcast woke %lld of 8\n",
	       4 * ITEMS, (long long)gate_passed);
}

int main(void)
{
	if (BootFlagTest() == 1) {
		WaitGroup w = { 0 };
		WaitGroup_Add(&w, 1);
		WaitGroup_Done(&w);
		WaitGroup_Done(&w);
	}
	test_rwmutex();
	test_waitgroup();
	test_once();
	test_cond();
	printf("PASS\n");
	return 0;
}
