// TEST: smp=1,2,4 status=0 timeout=120
// EXPECT: ^timers: After, NewTimer, Stop and Reset behave$
// EXPECT: ^context: cancel, propagation and deadlines behave$
// EXPECT: ^pool: get/put, stealing and the victim cache behave$
// EXPECT: ^PASS$
/*
 * chan_timers - the helpers built on channels:
 *   timers:  time_After in a select as a timeout; a Timer's value is the
 *            firing time and never early; Stop prevents delivery; Reset
 *            re-arms and leaves no stale value.
 *   context: WithCancel propagates to children and grandchildren, Done is
 *            closed exactly when Err becomes non-zero, WithTimeout fires
 *            DeadlineExceeded, a child of a canceled parent is born
 *            canceled, 16 goroutines stop when their context is canceled.
 *   pool:    Put/Get return the same objects, New fills an empty pool,
 *            objects Put on one P can be got on another, pool_cleanup
 *            moves objects to the victim cache and a second one drops them.
 */
#include "tests/qemu/testing.h"
#include <stdlib.h>
#include "gort.h"

static void test_timers(void)
{
	chan_t *never = make_chan(0, 0);
	int64_t t0 = nanotime();
	int64_t when;
	struct SelectCase cs[2] = {
		{ SelectRecv, never, NULL, NULL },
		{ SelectRecv, time_After(5 * Millisecond), &when, NULL },
	};
	CHECK(Select(cs, 2, false) == 1, "timeout case not chosen");
	CHECK(when >= t0 + 5 * Millisecond && nanotime() >= t0 + 5 * Millisecond,
	      "time_After fired early");

	Timer *t = NewTimer(3 * Millisecond);
	CHECK(chan_recv(t->C, &when) && when >= t0, "NewTimer value");
	CHECK(!Timer_Stop(t), "Stop of a fired timer reports pending");

	t = NewTimer(50 * Millisecond);
	CHECK(Timer_Stop(t), "Stop of a pending timer");
	Sleep(60 * Millisecond);
	CHECK(!chan_tryrecv(t->C, &when, NULL), "a stopped timer delivered");

	t = NewTimer(Millisecond);
	Sleep(5 * Millisecond);                  /* fired, value waiting in C */
	int64_t r0 = nanotime();
	Timer_Reset(t, 10 * Millisecond);
	CHECK(!chan_tryrecv(t->C, &when, NULL), "stale value after Reset");
	CHECK(chan_recv(t->C, &when) && when >= r0 + 10 * Millisecond, "Reset fired early");
	printf("timers: After, NewTimer, Stop and Reset behave\n");
}

static WaitGroup ctx_wg;
static int64_t stopped;

static void ctx_worker(void *arg)
{
	Context *ctx = arg;
	chan_t *tick = make_chan(0, 0);   /* never ready: only Done can end it */
	struct SelectCase cs[2] = {
		{ SelectRecv, Context_Done(ctx), NULL, NULL },
		{ SelectRecv, tick, NULL, NULL },
	};
	CHECK(Select(cs, 2, false) == 0, "worker woke on the wrong case");
	CHECK(Context_Err(ctx) == Canceled, "worker: Err after Done");
	atomic_add64(&stopped, 1);
	WaitGroup_Done(&ctx_wg);
}

static void test_context(void)
{
	Context *bg = Background();
	CHECK(Context_Done(bg) == NULL && Context_Err(bg) == ContextOK, "Background");
	Context *a = WithCancel(bg), *b = WithCancel(a), *c = WithCancel(b);
	Context *side = WithCancel(bg);
	bool ok;
	CHECK(!chan_tryrecv(Context_Done(c), NULL, &ok), "fresh context already done");
	WaitGroup_Add(&ctx_wg, 16);
	for (int i = 0; i < 16; i++)
		go(ctx_worker, i % 2 ? c : b);
	Sleep(2 * Millisecond);
	Cancel(a);
	WaitGroup_Wait(&ctx_wg);
	CHECK(stopped == 16, "%lld workers stopped", (long long)stopped);
	CHECK(Context_Err(a) == Canceled && Context_Err(c) == Canceled, "propagation");
	CHECK(Context_Err(side) == ContextOK, "an unrelated context was canceled");
	Cancel(a);                                /* idempotent */
	Context *late = WithCancel(c);
	CHECK(Context_Err(late) == Canceled, "child of canceled parent");

	int64_t t0 = nanotime();
	Context *to = WithTimeout(side, 5 * Millisecond);
	Context *under = WithCancel(to);
	int64_t dl;
	CHECK(Context_Deadline(under, &dl) && dl >= t0 + 5 * Millisecond, "deadline inherited");
	chan_recv(Context_Done(under), NULL);
	CHECK(nanotime() >= t0 + 5 * Millisecond, "deadline fired early");
	CHECK(Context_Err(to) == DeadlineExceeded && Context_Err(under) == DeadlineExceeded,
	      "deadline err: %s", Context_ErrString(Context_Err(under)));
	Context *past = WithDeadline(side, nanotime() - 1);
	CHECK(Context_Err(past) == DeadlineExceeded, "past deadline");
	Cancel(side);
	printf("context: cancel, propagation and deadlines behave\n");
}

static int64_t news;
static void *pool_new(void) { atomic_add64(&news, 1); return malloc(32); }
static Pool pool = { .New = pool_new };
static void *put_elsewhere[5];   /* one lands in a private slot */
static void pool_putter(void *arg)
{
	for (int i = 0; i < 5; i++)
		Pool_Put(&pool, put_elsewhere[i]);
	WaitGroup_Done(&ctx_wg);
}

static void test_pool(void)
{
	Pool empty = { 0 };
	CHECK(Pool_Get(&empty) == NULL, "empty pool without New");
	void *x = Pool_Get(&pool);
	CHECK(x && news == 1, "New");
	Pool_Put(&pool, x);
	CHECK(Pool_Get(&pool) == x, "Get after Put");
	/* many objects: private + shared */
	void *objs[20];
	for (int i = 0; i < 20; i++)
		objs[i] = malloc(32);
	for (int i = 0; i < 20; i++)
		Pool_Put(&pool, objs[i]);
	int found = 0;
	for (int i = 0; i < 20; i++) {
		void *y = Pool_Get(&pool);
		for (int j = 0; j < 20; j++)
			if (y == objs[j])
				found++;
	}
	CHECK(found == 20, "got back %d of 20", found);
	/* objects put by other goroutines (maybe on other Ps) are found */
	for (int i = 0; i < 5; i++)
		put_elsewhere[i] = malloc(32);
	WaitGroup_Add(&ctx_wg, 1);
	go(pool_putter, NULL);
	WaitGroup_Wait(&ctx_wg);
	int64_t before = news;
	for (int i = 0; i < 4; i++)
		CHECK(Pool_Get(&pool) != NULL, "get");
	CHECK(news == before, "objects put elsewhere were not found (%lld News)",
	      (long long)(news - before));
	/* victim cache: survives one cleanup, not two */
	Pool_Put(&pool, objs[0]);
	pool_cleanup();
	CHECK(Pool_Get(&pool) == objs[0], "victim cache");
	Pool_Put(&pool, objs[1]);
	pool_cleanup();
	pool_cleanup();
	before = news;
	CHECK(Pool_Get(&pool) != objs[1] && news == before + 1, "two cleanups drop");
	printf("pool: get/put, stealing and the victim cache behave\n");
}

int main(void)
{
	test_timers();
	test_context();
	test_pool();
	printf("PASS\n");
	return 0;
}
