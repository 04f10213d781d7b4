/*
 * runq.c - the local run queue (Go's runqput/runqget/runqgrab/runqsteal).
 *
 * A ring of RUNQ_SIZE G pointers indexed by free-running 32-bit head and
 * tail counters (their difference is the length; wrap-around is harmless).
 *
 * Ownership and ordering:
 *   - Only the owner P writes slots and stores tail. It publishes a slot with
 *     a release store of tail; a thief's acquire load of tail pairs with it,
 *     so the thief sees the slot contents.
 *   - Every consumer (owner or thief) claims slots by CAS on head. The
 *     claim is a release CAS; it pairs with the owner's acquire load of head
 *     in runq_put, so the owner never overwrites a slot that a thief is
 *     still reading.
 *   - A thief copies slots before its CAS; if the CAS fails the copies are
 *     discarded. Slot accesses are relaxed atomics: they may race with the
 *     owner refilling a slot, which is harmless because the CAS then fails,
 *     and atomics keep that race defined (and quiet under TSan).
 *   - runnext is a single slot the owner fills with an exchange (release
 *     at least), and anyone empties with an acquire CAS to NULL.
 *   - Publishing a G (the tail store, the runnext exchange) is seq_cst,
 *     and so are runq_empty's loads: they are the run-queue halves of the
 *     scheduler's store-buffering pair between a goroutine that submits
 *     work and then calls wakep, and a spinning M that gives up and then
 *     re-checks every queue (kernel/sched/proc.c, findrunnable). A seq_cst
 *     store is the release store's own code on aarch64 (stlr) and with
 *     clang on riscv64 (fence rw,w; sd); GCC 12 on riscv64 emits a fence
 *     and an amoswap.aq, a little dearer.
 * Mirrors runtime/proc.go; the memory orders are the ones its comments ask
 * for, written out as C11 orders.
 */
#include <stddef.h>
#include "kernel/sched/runq.h"
#include "arch/atomic.h"

#define slot_load runq_slot_load
#define slot_store runq_slot_store

/* Owner: move half the queue (and gp) into out[]. False if a thief raced
 * us and the queue is no longer full. */
static bool put_slow(struct runq *q, struct g *gp, uint32_t h, uint32_t t,
                     struct g **out, uint32_t *n)
{
	uint32_t half = (t - h) / 2;
	if (half != RUNQ_SIZE / 2)
		return false;
	for (uint32_t i = 0; i < half; i++)
		out[i] = slot_load(q, h + i);
	/* release; pairs with the acquire loads of head (runq_put) - the
	 * slots we read are handed back to the owner only after our reads. */
	if (!arch_cas(&q->head, &h, h + half,
	              __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return false;
	out[half] = gp;
	*n = half + 1;
	return true;
}

struct g **runq_put(struct runq *q, struct g *gp, bool next,
                    struct g **overflow, uint32_t *n)
{
	if (next) {
		struct g *old = runq_put_next(q, gp);   /* orders: runq.h */
		if (old == NULL)
			return NULL;
		gp = old;               /* kick the old runnext to the tail */
	}
	for (;;) {
		if (runq_put_tail(q, gp))
			return NULL;
		/* acquire; pairs with the release CAS of a consumer. */
		uint32_t h = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		if (put_slow(q, gp, h, q->tail, overflow, n))
			return overflow;
		/* a thief took some: there is room now, retry */
	}
}

/* Thief: copy about half of src into dst's ring starting at dst_tail.
 * Returns how many were claimed. */
static uint32_t runq_grab(struct runq *src, struct runq *dst, uint32_t dst_tail,
                          bool steal_runnext)
{
	/* LAB runq_steal grab { */
	for (;;) {
		/* acquire; pairs with the release CAS of other consumers. */
		uint32_t h = __atomic_load_n(&src->head, __ATOMIC_ACQUIRE);
		/* acquire; pairs with the owner's release store of tail. */
		uint32_t t = __atomic_load_n(&src->tail, __ATOMIC_ACQUIRE);
		uint32_t n = t - h;
		n = n - n / 2;
		if (n == 0) {
			if (!steal_runnext)
				return 0;
			struct g *next = __atomic_load_n(&src->runnext, __ATOMIC_ACQUIRE);
			if (next == NULL)
				return 0;
			/* acquire; pairs with the owner's release exchange. */
			if (!arch_cas(&src->runnext, &next, NULL,
			              __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				continue;
			slot_store(dst, dst_tail, next);
			return 1;
		}
		if (n > RUNQ_SIZE / 2)  /* h and t read inconsistently: retry */
			continue;
		for (uint32_t i = 0; i < n; i++)
			slot_store(dst, dst_tail + i, slot_load(src, h + i));
		/* release; pairs with the owner's acquire load of head. */
		if (arch_cas(&src->head, &h, h + n,
		             __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return n;
	}
	/* } LAB runq_steal grab */
}

struct g *runq_steal(struct runq *dst, struct runq *src, bool steal_runnext)
{
	uint32_t t = dst->tail;         /* dst is ours */
	uint32_t n = runq_grab(src, dst, t, steal_runnext);
	if (n == 0)
		return NULL;
	n--;
	struct g *gp = slot_load(dst, t + n);
	if (n == 0)
		return gp;
	/* release; pairs with thieves' acquire load of tail. */
	__atomic_store_n(&dst->tail, t + n, __ATOMIC_RELEASE);
	return gp;
}

uint32_t runq_len(const struct runq *q)
{
	uint32_t h = __atomic_load_n(&q->head, __ATOMIC_RELAXED);
	uint32_t t = __atomic_load_n(&q->tail, __ATOMIC_RELAXED);
	return t - h + (__atomic_load_n(&q->runnext, __ATOMIC_RELAXED) != NULL);
}

/* A consistent "is it empty": tail is read twice around head and runnext,
 * so a G moving from runnext to the ring (runq_put kicking it) is never
 * missed by both reads. seq_cst loads: they pair with the seq_cst
 * publication in runq_put (the store-buffering pair named at the top);
 * acquire alone would let them be satisfied before the caller's earlier
 * seq_cst decrement of nmspinning is visible. */
bool runq_empty(const struct runq *q)
{
	for (;;) {
		uint32_t h = __atomic_load_n(&q->head, __ATOMIC_SEQ_CST);
		uint32_t t = __atomic_load_n(&q->tail, __ATOMIC_SEQ_CST);
		struct g *next = __atomic_load_n(&q->runnext, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&q->tail, __ATOMIC_SEQ_CST) == t)
			return h == t && next == NULL;
	}
}
