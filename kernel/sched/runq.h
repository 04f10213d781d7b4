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

#ifndef RUNQ_SIZE
#define RUNQ_SIZE 256
#endif

struct g;

struct runq {
	uint32_t head;                 /* atomic: consumers advance it by CAS */
	uint32_t tail;                 /* atomic: only the owner stores it */
	struct g *buf[RUNQ_SIZE];      /* atomic (relaxed) slot accesses */
	struct g *runnext;             /* atomic: owner stores, thieves CAS */
};

/* Owner only. Put gp at the tail (or in runnext if next, bumping the old
 * runnext to the tail). Returns NULL on success; if the queue is full,
 * moves half of it plus the overflow G into overflow[] (which must hold
 * RUNQ_SIZE/2 + 1 entries), sets *n, and returns overflow. */
struct g **runq_put(struct runq *q, struct g *gp, bool next,
                    struct g **overflow, uint32_t *n);

/* Owner only. runnext first, then the head. NULL if empty. *inherit says
 * whether it came from runnext (it then shares the current time slice,
 * Go's inheritTime). */
struct g *runq_get_inherit(struct runq *q, bool *inherit);
/* Owner only. Take runnext, if a thief has not (NULL if none). */
struct g *runq_take_runnext(struct runq *q);
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
