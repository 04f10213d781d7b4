/*
 * timers.c - per-P timer heaps (Go's runtime/time.go, simplified).
 *
 * Objects: struct timer, owned by its creator; while pending it sits on
 * exactly one P's heap. Each heap is a 4-ary min-heap ordered by `when`,
 * under its own spinlock, and publishes its earliest `when` in when0 so that
 * the scheduler and idle CPUs can look without the lock.
 *
 * Firing: timers_run, on g0, pops every due timer, drops the lock, and calls
 * f(arg, now). Periodic timers are pushed back first. Timers fire from the
 * scheduler loop; the timer interrupt preempts the running goroutine when a
 * timer of its P is due, and idle CPUs program their hardware timer for the
 * earliest timer of any P (kernel/sched/idle.c), so a timer is late by at
 * most the interrupt latency plus one scheduling pass.
 *
 * Bare-metal difference: Go keeps timer status words for lock-free
 * modification from any P; here every change takes the owning heap's lock,
 * which is short and uncontended in practice.
 */
#include <string.h>
#include "kernel/time/timer.h"
#include "kernel/sched/sched.h"
#include "kernel/mm/mheap.h"
#include "kernel/lib/print.h"

void timers_init(struct timers *ts)
{
	spin_lock_init(&ts->lock, LOCKRANK_TIMERS);
	ts->heap = ts->inline_heap;
	ts->cap = sizeof ts->inline_heap / sizeof ts->inline_heap[0];
	ts->len = 0;
	ts->when0 = INT64_MAX;
	ts->when0_ticks = UINT64_MAX;
}

/* when0, and when0_ticks converted here, at a heap change, so that the
 * switch path (arm_timer_lazy) compares counter values without converting. */
static void publish_when0(struct timers *ts)
{
	int64_t when = ts->len ? ts->heap[0]->when : INT64_MAX;
	/* relaxed: read only for its value by arm_timer_lazy (sched.h) */
	__atomic_store_n(&ts->when0_ticks,
	                 when == INT64_MAX ? UINT64_MAX : ns_to_ticks(when) + sched.start_ticks,
	                 __ATOMIC_RELAXED);
	/* release; pairs with the acquire in timers_next. */
	__atomic_store_n(&ts->when0, when, __ATOMIC_RELEASE);
}

static void place(struct timers *ts, int i, struct timer *t)
{
	ts->heap[i] = t;
	t->idx = i;
}

static void sift_up(struct timers *ts, int i)
{
	/* LAB timer_heap sift_up { */
	struct timer *t = ts->heap[i];
	while (i > 0) {
		int parent = (i - 1) / 4;
		if (ts->heap[parent]->when <= t->when)
			break;
		place(ts, i, ts->heap[parent]);
		i = parent;
	}
	place(ts, i, t);
	/* } LAB timer_heap sift_up */
}

static void sift_down(struct timers *ts, int i)
{
	/* LAB timer_heap sift_down { */
	struct timer *t = ts->heap[i];
	for (;;) {
		int c = 4 * i + 1, best = -1;
		int64_t bw = t->when;
		for (int k = c; k < c + 4 && k < ts->len; k++) {
			if (ts->heap[k]->when < bw) {
				bw = ts->heap[k]->when;
				best = k;
			}
		}
		if (best < 0)
			break;
		place(ts, i, ts->heap[best]);
		i = best;
	}
	place(ts, i, t);
	/* } LAB timer_heap sift_down */
}

static void grow(struct timers *ts)
{
	size_t bytes = (size_t)ts->cap * 2 * sizeof(struct timer *);
	size_t npages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	struct timer **nh = mheap_alloc_pages(npages);
	if (nh == NULL)
		throw("runtime: out of memory growing a timer heap");
	memcpy(nh, ts->heap, (size_t)ts->len * sizeof(struct timer *));
	if (ts->heap != ts->inline_heap) {
		size_t old = ((size_t)ts->cap * sizeof(struct timer *) + PAGE_SIZE - 1) / PAGE_SIZE;
		mheap_free_pages(ts->heap, old);
	}
	ts->heap = nh;
	ts->cap = (int32_t)(npages * PAGE_SIZE / sizeof(struct timer *));
}

static void push_locked(struct timers *ts, struct p *pp, struct timer *t)
{
	assert_lock_held(&ts->lock);
	if (ts->len == ts->cap)
		grow(ts);
	__atomic_store_n(&t->pp, pp, __ATOMIC_RELEASE);
	place(ts, ts->len++, t);
	sift_up(ts, t->idx);
	if (!t->system)
		__atomic_fetch_add(&ts->nuser, 1, __ATOMIC_RELAXED);
	publish_when0(ts);
}

static void remove_locked(struct timers *ts, struct timer *t)
{
	assert_lock_held(&ts->lock);
	int i = t->idx;
	struct timer *last = ts->heap[--ts->len];
	if (i != ts->len) {
		place(ts, i, last);
		sift_down(ts, i);
		sift_up(ts, last->idx);
	}
	__atomic_store_n(&t->pp, NULL, __ATOMIC_RELEASE);
	t->idx = -1;
	if (!t->system)
		__atomic_fetch_sub(&ts->nuser, 1, __ATOMIC_RELAXED);
	publish_when0(ts);
}

void timer_add(struct timer *t)
{
	acquirem();                     /* stay on this P */
	struct p *pp = getm()->p;
	ASSERT(pp != NULL && t->pp == NULL);
	spin_lock(&pp->timers.lock);
	push_locked(&pp->timers, pp, t);
	spin_unlock(&pp->timers.lock);
	releasem();
}

bool timer_del(struct timer *t)
{
	for (;;) {
		struct p *pp = __atomic_load_n(&t->pp, __ATOMIC_ACQUIRE);
		if (pp == NULL)
			return false;
		spin_lock(&pp->timers.lock);
		if (t->pp == pp) {      /* still there: remove it */
			remove_locked(&pp->timers, t);
			spin_unlock(&pp->timers.lock);
			return true;
		}
		spin_unlock(&pp->timers.lock);  /* it moved or fired: retry */
	}
}

int timers_run(struct p *pp, int64_t now)
{
	struct timers *ts = &pp->timers;
	int n = 0;
	while (timers_next(ts) <= now) {
		spin_lock(&ts->lock);
		if (ts->len == 0 || ts->heap[0]->when > now) {
			spin_unlock(&ts->lock);
			break;
		}
		struct timer *t = ts->heap[0];
		remove_locked(ts, t);
		if (t->period > 0) {
			t->when += t->period;
			if (t->when <= now)
				t->when = now + t->period;
			push_locked(ts, pp, t);
		}
		spin_unlock(&ts->lock);
		t->f(t->arg, now);
		n++;
	}
	return n;
}

/* Both heaps are locked at once, in address order (the timers rank allows
 * two so), so a timer is never seen on neither heap by timer_del. */
void timers_move(struct timers *dst, struct timers *src)
{
	ASSERT(dst != src);
	struct p *dpp = (struct p *)((char *)dst - offsetof(struct p, timers));
	struct timers *lo = dst < src ? dst : src, *hi = dst < src ? src : dst;
	spin_lock(&lo->lock);
	spin_lock(&hi->lock);
	while (src->len > 0) {
		struct timer *t = src->heap[src->len - 1];
		remove_locked(src, t);
		push_locked(dst, dpp, t);
	}
	spin_unlock(&hi->lock);
	spin_unlock(&lo->lock);
}
