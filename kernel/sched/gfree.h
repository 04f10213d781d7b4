/*
 * gfree.h - the common case of the per-P free-G cache, inline (Go's
 * gfget/gfput fast paths): a spawn takes a dead G that kept its default
 * stack limit from its own P's list, an exit gives back one whose stack
 * did not grow past STACK_KEEP to a list with room. A pop or a push, no
 * lock, no call (a call with its frame was about a third of each).
 * Everything else - an empty list, a stack limit to change, a stack to
 * cut back, a list to spill - is g.c's gfget_slow/gfput_slow.
 * Owner P only, interrupts masked or the M acquired: plain accesses.
 */
#ifndef KERNEL_SCHED_GFREE_H
#define KERNEL_SCHED_GFREE_H
#include "kernel/sched/sched.h"
#include "kernel/mm/stack.h"

/* Gs on a P's gfree list at most; as many again wait in pp->gfull, and
 * the global list takes and gives whole batches of this many (g.c). */
#define GFREE_BATCH 32

/* The stack slot's size (stack_reserve(), fixed at boot before the first
 * G is made), kept in g.c so that recycling a G calls nothing. */
extern size_t g_slot_size;

static inline size_t slot_size_get(void)
{
	/* relaxed: see g_slot_size in g.c */
	return __atomic_load_n(&g_slot_size, __ATOMIC_RELAXED);
}

struct g *gfget_slow(struct p *pp, size_t stacksize);
void gfput_slow(struct p *pp, struct g *gp);

/* A dead G for a new goroutine asking for stacksize bytes (0: the
 * default limit, the whole reservation), or NULL: call malg. */
static inline __attribute__((always_inline)) struct g *gfget(struct p *pp, size_t stacksize)
{
	struct g *gp = pp->gfree;
	if (__builtin_expect(gp == NULL || stacksize != 0 ||
	                     gp->stacksize != slot_size_get() - STACK_GUARD, 0))
		return gfget_slow(pp, stacksize);
	pp->gfree = gp->schedlink;
	pp->ngfree--;
	return gp;
}

/* Cache the dead G gp on pp. */
static inline __attribute__((always_inline)) void gfput(struct p *pp, struct g *gp)
{
	if (__builtin_expect(pp->ngfree >= GFREE_BATCH ||
	                     gp->stack_mapped < gp->stack_slot + slot_size_get() - STACK_KEEP, 0)) {
		gfput_slow(pp, gp);
		return;
	}
	gp->schedlink = pp->gfree;
	pp->gfree = gp;
	pp->ngfree++;
}

#endif
