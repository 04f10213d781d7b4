/*
 * g.c - allocating goroutines: G structs, their stacks, the free-G caches,
 * and the list of all Gs (Go's malg, gfget, gfput, allgs).
 *
 * A G lives at the top of its own stack slot (kernel/mm/stack.c): one
 * allocation gives both, and an overflowing stack runs down into the guard,
 * away from the G. Dead Gs keep their stacks and are cached per P (owner P
 * only), spilling half to a global list (sched.gflock) past 64 entries, so
 * spawning a goroutine on a warm P touches no lock.
 *
 * Gs are never freed, as in Go, except those with a non-default stack size,
 * whose stacks go back to the heap when they exit (they would not fit the
 * next spawn anyway). allgs is a singly linked list under allglock, read by
 * the fatal-error path to print every goroutine.
 */
#include <string.h>
#include "kernel/sched/sched.h"
#include "kernel/mm/stack.h"
#include "kernel/lib/print.h"

#define GFREE_MAX 64

struct g *malg(size_t stacksize)
{
	struct stack st;
	if (!stack_alloc(stacksize + sizeof(struct g), &st))
		throw("runtime: out of memory: cannot allocate %zu-byte goroutine stack", stacksize);
	struct g *gp = (struct g *)((st.hi - sizeof(struct g)) & ~(uintptr_t)63);
	memset(gp, 0, sizeof *gp);
	gp->stack_hi = (uintptr_t)gp;
	gp->stack_lo = st.lo;
	gp->stack_reserve_lo = st.slot;
	gp->stack_slot = st.slot;
	gp->stacksize = stacksize;
	gp->status = Gdead;
	gp->sleeptimer.idx = -1;
	spin_lock(&sched.allglock);
	gp->alllink = sched.allgs;
	sched.allgs = gp;
	sched.nallgs++;
	spin_unlock(&sched.allglock);
	return gp;
}

static void gfree_stack(struct g *gp)
{
	spin_lock(&sched.allglock);
	struct g **pp = &sched.allgs;
	while (*pp != gp)
		pp = &(*pp)->alllink;
	*pp = gp->alllink;
	sched.nallgs--;
	spin_unlock(&sched.allglock);
	struct stack st = { gp->stack_slot, gp->stack_lo,
	                    gp->stack_slot + STACK_SLOT_SIZE };
	stack_free(&st);     /* gp itself lives in this stack: gone now */
}

void gfput(struct p *pp, struct g *gp)
{
	if (gp->stacksize != sched.stacksize) {
		gfree_stack(gp);
		return;
	}
	gp->schedlink = pp->gfree;
	pp->gfree = gp;
	if (++pp->ngfree < GFREE_MAX)
		return;
	spin_lock(&sched.gflock);       /* move half to the global list */
	while (pp->ngfree > GFREE_MAX / 2) {
		struct g *g1 = pp->gfree;
		pp->gfree = g1->schedlink;
		pp->ngfree--;
		g1->schedlink = sched.gfree;
		sched.gfree = g1;
		sched.ngfree++;
	}
	spin_unlock(&sched.gflock);
}

struct g *gfget(struct p *pp, size_t stacksize)
{
	if (stacksize != sched.stacksize)
		return NULL;
	if (pp->gfree == NULL && __atomic_load_n(&sched.ngfree, __ATOMIC_RELAXED) > 0) {
		spin_lock(&sched.gflock);
		while (pp->ngfree < GFREE_MAX / 2 && sched.gfree) {
			struct g *g1 = sched.gfree;
			sched.gfree = g1->schedlink;
			sched.ngfree--;
			g1->schedlink = pp->gfree;
			pp->gfree = g1;
			pp->ngfree++;
		}
		spin_unlock(&sched.gflock);
	}
	struct g *gp = pp->gfree;
	if (gp) {
		pp->gfree = gp->schedlink;
		pp->ngfree--;
	}
	return gp;
}
