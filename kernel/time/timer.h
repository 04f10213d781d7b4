/*
 * timer.h - runtime timers: per-P 4-ary min-heaps (Go's time.go).
 */
#ifndef KERNEL_TIME_TIMER_H
#define KERNEL_TIME_TIMER_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/lib/spinlock.h"

struct p;

struct timer {
	int64_t when;                 /* nanotime at which f runs; heap lock */
	int64_t period;               /* >0: re-arm every period ns */
	void (*f)(void *arg, int64_t now); /* runs on g0 with no locks held */
	void *arg;
	struct p *pp;                 /* heap it is on, or NULL; heap lock */
	int32_t idx;                  /* index in that heap */
	bool system;                  /* runtime's own (schedtrace): does not
	                                 keep the program alive for deadlock
	                                 detection */
};

struct timers {
	spinlock_t lock;
	struct timer **heap;          /* 4-ary min-heap on when; lock */
	int32_t len, cap;             /* lock */
	int32_t nuser;                /* non-system timers; atomic */
	int64_t when0;                /* heap[0]->when or INT64_MAX; atomic */
	uint64_t when0_ticks;         /* the same as a timer-counter value (what
	                                 the CPU's timer compares against),
	                                 UINT64_MAX if none; atomic */
	struct timer *inline_heap[8]; /* first storage, before any growth */
};

void timers_init(struct timers *ts);
/* Add t to the current P's heap. t must not be on a heap. */
void timer_add(struct timer *t);
/* Remove t from whatever heap holds it. True if it was pending. */
bool timer_del(struct timer *t);
/* Run every timer of pp due at now. Returns how many ran. g0 only. */
int timers_run(struct p *pp, int64_t now);
/* Earliest pending when on pp, INT64_MAX if none (racy read). */
static inline int64_t timers_next(struct timers *ts)
{
	return __atomic_load_n(&ts->when0, __ATOMIC_ACQUIRE);
}
/* Move every timer of src to dst (GOMAXPROCS shrinking). */
void timers_move(struct timers *dst, struct timers *src);

#endif
