/*
 * timerchan.c - timers that deliver on a channel: time.NewTimer, Stop,
 * Reset, time.After (Go's time/sleep.go on top of runtime timers).
 *
 * Objects: a Timer (gort.h) is a channel C of capacity 1 carrying an
 * int64_t (the nanotime at which it fired) plus a runtime timer (struct
 * timer, kernel/time) whose callback does a non-blocking send on C. The
 * callback runs on g0 from the scheduler's timer pass, so it must never
 * block: if nobody took the previous value, the new one is dropped, as Go
 * drops it.
 *
 * Stop and Reset remove the runtime timer from its heap (timer_del) and
 * drain a value already sitting in C, so that a receive after Stop/Reset
 * never sees a stale time - Go 1.23's guarantee. The one window left open:
 * a callback that was already running on another CPU when timer_del ran
 * can still deliver afterwards.
 *
 * Lifetime: a Timer is a GC object. While it is pending, the timer heap
 * (a GC root) points into it, so it lives at least until it fires or is
 * stopped; after that it is collected once unreachable, channel included.
 */
#include <stdlib.h>
#include "kernel/chan/chan.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

struct gort_timer_impl {
	struct timer t;
	Timer pub;
};

static void send_time(void *arg, int64_t now)
{
	struct gort_timer_impl *ti = arg;
	chansend(ti->pub.C, &now, false);     /* never blocks (on g0) */
}

static void drain(Timer *t)
{
	int64_t stale;
	bool ok;
	chan_tryrecv(t->C, &stale, &ok);
}

Timer *NewTimer(int64_t d)
{
	struct gort_timer_impl *ti = mallocgc(sizeof *ti);      /* a GC object */
	if (ti == NULL)
		throw("NewTimer: out of memory");
	ti->pub.C = make_chan(sizeof(int64_t), 1);
	ti->pub.impl = ti;
	ti->t.f = send_time;
	ti->t.arg = ti;
	ti->t.idx = -1;
	ti->t.when = nanotime() + (d > 0 ? d : 0);
	timer_add(&ti->t);
	return &ti->pub;
}

bool Timer_Stop(Timer *t)
{
	bool pending = timer_del(&t->impl->t);
	drain(t);
	return pending;
}

bool Timer_Reset(Timer *t, int64_t d)
{
	bool pending = timer_del(&t->impl->t);
	drain(t);
	t->impl->t.when = nanotime() + (d > 0 ? d : 0);
	timer_add(&t->impl->t);
	return pending;
}

chan_t *time_After(int64_t d)
{
	return NewTimer(d)->C;
}
