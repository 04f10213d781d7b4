/*
 * runq.h - a P's local run queue: 256 slots, lock-free, plus runnext.
 *
 * Single producer (the owner P), multiple consumers (the owner and thieves
 * on other CPUs). Portable and free of runtime dependencies so that the
 * host tests can drive it under ThreadSanitizer.
 */
#ifndef KERNEL_SCHED_RUNQ_H
#define KERNEL_SCHED_RUNQ_H

#include <stdint.h>
#include <stdbool.h>
#include "arch/atomic.h"

#ifndef RUNQ_SIZE
#define RUNQ_SIZE 256
#endif

struct g;

/* runnext before the ring, and the ring last in struct p: every field a
 * switch touches is then within a load's 12-bit offset on riscv64 (after
 * a 2 KiB ring each took a lui and an add more). */
struct runq {
	struct g *runnext;             /* atomic: owner stores, thieves CAS */
	/* runnext alone in its cache line: the owner exchanges it at every
	 * goready, and a thief on another CPU polls head and tail - sharing a
	 * line, each poll would take it from the owner (Go keeps runnext
	 * apart too, after its ring). */
	uint32_t head __attribute__((aligned(64))); /* atomic: consumers CAS it */
	uint32_t tail;                 /* atomic: only the owner stores it */
	struct g *buf[RUNQ_SIZE];      /* atomic (relaxed) slot accesses */
};

/* Owner only. Put gp at the tail (or in runnext if next, bumping the old
 * runnext to the tail). Returns NULL on success; if the queue is full,
 * moves half of it plus the overflow G into overflow[] (which must hold
 * RUNQ_SIZE/2 + 1 entries), sets *n, and returns overflow. */
struct g **runq_put(struct runq *q, struct g *gp, bool next,
                    struct g **overflow, uint32_t *n);

/* The owner's paths of every switch are inline (a call, its frame and the
 * caller's saved registers cost more than they do); runq.c has the rest
 * and the ordering argument (slot accesses are relaxed atomics). */
static inline struct g *runq_slot_load(const struct runq *q, uint32_t i)
{
	return __atomic_load_n(&q->buf[i % RUNQ_SIZE], __ATOMIC_RELAXED);
}

static inline void runq_slot_store(struct runq *q, uint32_t i, struct g *gp)
{
	__atomic_store_n(&q->buf[i % RUNQ_SIZE], gp, __ATOMIC_RELAXED);
}

/* Owner only. Put gp at the tail if the ring has room (false if full:
 * runq_put moves half of it out). */
static inline bool runq_put_tail(struct runq *q, struct g *gp)
{
	/* acquire; pairs with the release CAS of a consumer. */
	uint32_t h = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	uint32_t t = q->tail;           /* owner only: plain read is fine */
	if (t - h >= RUNQ_SIZE)
		return false;
	runq_slot_store(q, t, gp);
	/* seq_cst (so release): pairs with the acquire load of tail in
	 * runq_grab - the slot is visible before the new tail - and with
	 * runq_empty's seq_cst loads (the store-buffering pair, runq.c). */
	__atomic_store_n(&q->tail, t + 1, __ATOMIC_SEQ_CST);
	return true;
}

/* Owner only. Put gp in runnext; returns the G it displaced (NULL if the
 * slot was empty), which the caller puts at the tail (runq_put). Inline:
 * goready's every wake-up, with no call and no overflow frame. */
static inline struct g *runq_put_next(struct runq *q, struct g *gp)
{
	/* seq_cst: as runq_put's exchange (release publishes gp to a thief
	 * that takes runnext; acquire pairs with a thief's release of the
	 * old one; seq_cst is the store-buffering half, runq.c). */
	return __atomic_exchange_n(&q->runnext, gp, __ATOMIC_SEQ_CST);
}

/* Owner only. Take runnext, if a thief has not (NULL if none). */
static inline struct g *runq_take_runnext(struct runq *q)
{
	struct g *next = __atomic_load_n(&q->runnext, __ATOMIC_RELAXED);
	/* acquire; pairs with the release exchange in runq_put. A failed
	 * CAS means a thief took it (runq_grab's last pass). */
	if (next != NULL &&
	    arch_cas(&q->runnext, &next, NULL,
	             __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return next;
	return NULL;
}

/* Owner only. runnext first, then the head. NULL if empty. *inherit says
 * whether it came from runnext (it then shares the current time slice,
 * Go's inheritTime). */
static inline struct g *runq_get_inherit(struct runq *q, bool *inherit)
{
	struct g *next = runq_take_runnext(q);
	*inherit = true;
	if (next != NULL)
		return next;
	*inherit = false;
	for (;;) {
		/* acquire; pairs with the release CAS of other consumers. */
		uint32_t h = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		uint32_t t = q->tail;
		if (t == h)
			return NULL;
		struct g *gp = runq_slot_load(q, h);
		/* release; pairs with the acquire load of head in runq_put. */
		if (arch_cas(&q->head, &h, h + 1,
		             __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return gp;
	}
}

static inline struct g *runq_get(struct runq *q)
{
	bool inherit;
	return runq_get_inherit(q, &inherit);
}

/* Thief: move about half of src's Gs into dst (which must be empty enough;
 * it is the thief's own queue) and return one of them to run, or NULL.
 * steal_runnext lets it take src's runnext when the queue is empty. */
struct g *runq_steal(struct runq *dst, struct runq *src, bool steal_runnext);

/* Racy size estimate (for heuristics and tracing). */
uint32_t runq_len(const struct runq *q);
bool runq_empty(const struct runq *q);

#endif
