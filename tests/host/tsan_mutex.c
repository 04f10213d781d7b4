// SOURCES: kernel/sync/mutex.c kernel/sync/rwmutex.c kernel/sync/waitgroup.c kernel/sync/sema.c kernel/sync/sematreap.c kernel/lib/spinlock.c kernel/sched/runq.c tests/host/stubs_sched.c -Iarch
/*
 * tsan_mutex.c - the real sync.Mutex, RWMutex and WaitGroup over the real
 * semaphore (kernel/sync/{mutex,rwmutex,waitgroup,sema,sematreap}.c and the
 * real spinlock.c) under ThreadSanitizer. Only the scheduler is a stand-in:
 * tests/host/stubs_sched.c parks and readies pthreads (gopark/goready keep
 * the runtime's contract, and fail the test on a double wake-up).
 *
 * 1. Mutex: 8 threads, 3,000 rounds each; Lock (or a TryLock loop every
 *    5th round), then plain writes: holder = id, count++; re-read holder
 *    before Unlock. Every 50th round the holder sleeps 1.5 ms inside, so
 *    that waiters wait past the 1 ms threshold: the mutex must enter
 *    starvation mode (a holder sees mutexStarving in the state: it got the
 *    lock by hand-off, the only way in while starving) and must leave it
 *    again (the state is 0 at the end). sync_canSpin says yes here (4 Ps,
 *    none idle, empty run queue), so the spinning/mutexWoken path runs too.
 * 2. RWMutex: 2 writers (Lock, or a TryLock loop) increment a and then b
 *    with a yield in between; 6 readers (RLock, or a TryRLock loop) must
 *    always see a == b. Writers' counts are exact.
 * 3. WaitGroup: 200 rounds; in each, 4 workers wake from one WaitGroup
 *    (4 waiters released by one Done: one semrelease per waiter), write a
 *    plain slot and Done a second one, on which main Waits and then reads
 *    every slot (TSan: Done -> Wait orders the writes). Both are reused
 *    every round, which also exercises the reuse checks.
 * 4. sema directly: 6 threads pass a token round a ring of 6 semaphore
 *    words that all hash to one semaRoot (one treap holding 6 addresses):
 *    thread i semacquires word i, increments a plain counter, semreleases
 *    word i+1 (every third time with hand-off). 1,500 rounds each.
 * Asserted: exact counts, no torn reads, both modes seen, every
 * semaphore word back to 0, some goroutines really parked (the slow
 * paths ran), no TSan report, no hang (a lost wake-up trips the 120 s
 * watchdog), no fatal error from the runtime's own consistency checks.
 *
 * Can fail: an Unlock with a relaxed add (no release) makes TSan report the
 * plain counter; a semrelease that skips the wake-up when it should not
 * hangs the test (watchdog); a mutex that never hands off never shows
 * starvation mode.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include "check.h"
#include "gort.h"
#include "kernel/sched/sched.h"
#include "kernel/sync/sema.h"
#include "stubs_sched.h"

/* ---- 1. Mutex ------------------------------------------------------------ */

#define MT      8
#define MROUNDS 3000
#define mutexStarving 4                 /* mutex.c's state bit */

static Mutex mu;
static uint64_t count;                  /* mu */
static long holder;                     /* mu */
static uint64_t saw_starving, bad_holder; /* atomic */

static void sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };
	nanosleep(&ts, NULL);
}

static void *mutex_worker(void *arg)
{
	long id = (long)arg;
	host_thread_enter();
	for (int i = 0; i < MROUNDS; i++) {
		if (i % 5 == 4) {
			while (!Mutex_TryLock(&mu))
				sched_yield();
		} else {
			Mutex_Lock(&mu);
		}
		holder = id;
		count++;
		if (__atomic_load_n(&mu.state, __ATOMIC_RELAXED) & mutexStarving)
			__atomic_add_fetch(&saw_starving, 1, __ATOMIC_RELAXED);
		if (i % 50 == 49)
			sleep_ns(1500000);
		else
			sched_yield();
		if (holder != id)
			__atomic_add_fetch(&bad_holder, 1, __ATOMIC_RELAXED);
		Mutex_Unlock(&mu);
	}
	host_thread_exit();
	return NULL;
}

static void test_mutex(void)
{
	pthread_t th[MT];
	for (long i = 0; i < MT; i++)
		pthread_create(&th[i], NULL, mutex_worker, (void *)i);
	for (int i = 0; i < MT; i++)
		pthread_join(th[i], NULL);
	CHECK(count == (uint64_t)MT * MROUNDS, "count %lu, want %lu",
	      (unsigned long)count, (unsigned long)MT * MROUNDS);
	CHECK(bad_holder == 0, "another holder wrote inside the mutex %lu times",
	      (unsigned long)bad_holder);
	CHECK(saw_starving > 0, "starvation mode never seen by a holder");
	CHECK(mu.state == 0, "final state %#x, want 0 (unlocked, normal mode, no waiters)",
	      (unsigned)mu.state);
	CHECK(mu.sema == 0, "final sema %u, want 0", mu.sema);
	printf("mutex: %lu holds in starvation mode, %lu parks\n",
	       (unsigned long)saw_starving, (unsigned long)host_nparks);
}

/* ---- 2. RWMutex ---------------------------------------------------------- */

#define RW_WRITERS 2
#define RW_READERS 6
#define WROUNDS 1500
#define RROUNDS 3000

static RWMutex rw;
static uint64_t a, b;                   /* rw */
static uint64_t torn, reads;            /* atomic */

static void *rw_writer(void *arg)
{
	host_thread_enter();
	for (int i = 0; i < WROUNDS; i++) {
		if (i % 7 == 6) {
			while (!RWMutex_TryLock(&rw))
				sched_yield();
		} else {
			RWMutex_Lock(&rw);
		}
		a++;
		sched_yield();
		b++;
		RWMutex_Unlock(&rw);
	}
	host_thread_exit();
	return arg;
}

static void *rw_reader(void *arg)
{
	host_thread_enter();
	for (int i = 0; i < RROUNDS; i++) {
		if (i % 5 == 4) {
			while (!RWMutex_TryRLock(&rw))
				sched_yield();
		} else {
			RWMutex_RLock(&rw);
		}
		uint64_t x = a;
		sched_yield();
		if (b != x)
			__atomic_add_fetch(&torn, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED);
		RWMutex_RUnlock(&rw);
	}
	host_thread_exit();
	return arg;
}

static void test_rwmutex(void)
{
	pthread_t th[RW_WRITERS + RW_READERS];
	uint64_t parks = host_nparks;
	for (int i = 0; i < RW_WRITERS + RW_READERS; i++)
		pthread_create(&th[i], NULL, i < RW_WRITERS ? rw_writer : rw_reader, NULL);
	for (int i = 0; i < RW_WRITERS + RW_READERS; i++)
		pthread_join(th[i], NULL);
	CHECK(a == (uint64_t)RW_WRITERS * WROUNDS && b == a, "a %lu b %lu, want %lu",
	      (unsigned long)a, (unsigned long)b, (unsigned long)RW_WRITERS * WROUNDS);
	CHECK(torn == 0, "%lu of %lu reads saw a writer half-way", (unsigned long)torn,
	      (unsigned long)reads);
	CHECK(rw.readerCount == 0 && rw.readerWait == 0 && rw.w.state == 0,
	      "final readerCount %d readerWait %d w.state %#x", rw.readerCount,
	      rw.readerWait, (unsigned)rw.w.state);
	CHECK(rw.readerSem == 0 && rw.writerSem == 0 && rw.w.sema == 0,
	      "semaphore words left non-zero");
	printf("rwmutex: %lu reads, %lu parks\n", (unsigned long)reads,
	       (unsigned long)(host_nparks - parks));
}

/* ---- 3. WaitGroup -------------------------------------------------------- */

#define WG_WORKERS 4
#define WG_ROUNDS 200

static WaitGroup start[2], done;
static int slot[WG_WORKERS];            /* written by worker i, read after done */

static void *wg_worker(void *arg)
{
	long id = (long)arg;
	host_thread_enter();
	for (int r = 1; r <= WG_ROUNDS; r++) {
		WaitGroup_Wait(&start[r % 2]);
		slot[id] = r;
		WaitGroup_Done(&done);
	}
	host_thread_exit();
	return NULL;
}

static void test_waitgroup(void)
{
	pthread_t th[WG_WORKERS];
	uint64_t parks = host_nparks;
	int bad = 0;
	WaitGroup_Add(&start[1], 1);            /* round 1's gate */
	for (long i = 0; i < WG_WORKERS; i++)
		pthread_create(&th[i], NULL, wg_worker, (void *)i);
	for (int r = 1; r <= WG_ROUNDS; r++) {
		/* Every worker has left start[(r+1)%2]'s last Wait (it was Done
		 * on `done` since): re-arm it for the next round. */
		if (r < WG_ROUNDS)
			WaitGroup_Add(&start[(r + 1) % 2], 1);
		WaitGroup_Add(&done, WG_WORKERS);
		if (r % 3 == 0)
			sleep_ns(200000);       /* let the workers park on the gate */
		WaitGroup_Done(&start[r % 2]);  /* release every worker at once */
		WaitGroup_Wait(&done);
		for (int i = 0; i < WG_WORKERS; i++)
			bad += slot[i] != r;
	}
	for (int i = 0; i < WG_WORKERS; i++)
		pthread_join(th[i], NULL);
	CHECK(bad == 0, "%d slots not written when Wait returned", bad);
	CHECK(done.state == 0 && start[0].state == 0 && start[1].state == 0,
	      "a WaitGroup's state is not 0 at the end");
	CHECK(done.sema == 0 && start[0].sema == 0 && start[1].sema == 0,
	      "a WaitGroup's sema is not 0 at the end");
	CHECK(host_nparks - parks > 0, "no goroutine ever parked in WaitGroup_Wait");
	printf("waitgroup: %d rounds, %lu parks\n", WG_ROUNDS,
	       (unsigned long)(host_nparks - parks));
}

/* ---- 4. sema directly: a token ring ------------------------------------ */

#define RING 6
#define RING_ROUNDS 1500
#define SEMTAB 251                      /* sema.c's table size (a prime) */

/* RING semaphore words 251 * 8 bytes apart: (addr >> 3) % 251 is the same
 * for all, so they share one semaRoot (one lock, one treap with RING
 * addresses, one nwait for all of them). */
static uint32_t ringsem[RING * SEMTAB * 2] __attribute__((aligned(8)));
static uint64_t token;                  /* passed around the ring: plain */

static uint32_t *ring_word(int i) { return &ringsem[i * SEMTAB * 2]; }

static void *ring_worker(void *arg)
{
	long id = (long)arg;
	host_thread_enter();
	for (int r = 0; r < RING_ROUNDS; r++) {
		semacquire(ring_word((int)id));
		token++;
		/* every third pass hands the count straight to the waiter */
		semrelease1(ring_word((int)(id + 1) % RING), r % 3 == 2);
	}
	host_thread_exit();
	return NULL;
}

static void test_sema(void)
{
	pthread_t th[RING];
	uint64_t parks = host_nparks;
	for (long i = 0; i < RING; i++)
		pthread_create(&th[i], NULL, ring_worker, (void *)i);
	semrelease(ring_word(0));               /* the token starts at 0 */
	for (int i = 0; i < RING; i++)
		pthread_join(th[i], NULL);
	/* The last pass released ring_word(0) once more than it was taken. */
	CHECK(token == (uint64_t)RING * RING_ROUNDS, "token %lu, want %lu",
	      (unsigned long)token, (unsigned long)RING * RING_ROUNDS);
	CHECK(*ring_word(0) == 1, "ring word 0 is %u, want 1", *ring_word(0));
	for (int i = 1; i < RING; i++)
		CHECK(*ring_word(i) == 0, "ring word %d is %u, want 0", i, *ring_word(i));
	CHECK(host_nparks - parks > 0, "no goroutine ever parked in semacquire");
	printf("sema: %d passes around a ring of %d, %lu parks\n", RING * RING_ROUNDS,
	       RING, (unsigned long)(host_nparks - parks));
}

int main(void)
{
	host_watchdog(120, "tsan_mutex did not finish within 120 s (lost wake-up?)");
	host_thread_enter();                    /* main is a goroutine too */
	test_mutex();
	CHECK(host_nparks > 0, "no goroutine ever parked in Mutex_Lock");
	test_rwmutex();
	test_waitgroup();
	test_sema();
	host_thread_exit();
	return check_summary();
}
