/*
 * g.c - allocating goroutines: G structs, their stacks, the free-G caches,
 * and the list of all Gs (Go's malg, gfget, gfput, allgs).
 *
 * A G lives at the top of its own stack slot (kernel/mm/stack.c): one
 * allocation gives both, the first 4 KiB page holds the G and the start of
 * the stack, and an overflowing stack runs down into the guard, away from
 * the G. Stacks grow on demand (trap_fault); the limit (g->stack_lo) is the
 * whole reservation for go(), or what go_stack asked for.
 *
 * Dead Gs keep their slot and STACK_KEEP bytes of mapped stack and are
 * cached per P (owner P only), so spawning a goroutine on a warm P touches
 * no lock and maps nothing: these caches are the per-P stack caches.
 * Whatever a dead G had grown beyond STACK_KEEP goes back to the stack pool
 * and the heap in gfput. Gs are never freed, as in Go. The common cases of
 * gfget and gfput are inline, in gfree.h. allgs is a singly linked list
 * under allglock, read by the fatal-error path to print every goroutine.
 *
 * Batches. A P's cache is a list of up to GFREE_BATCH Gs (pp->gfree) and
 * one full batch of GFREE_BATCH more (pp->gfull). A put to a full list
 * makes it the full batch, and a full batch already there goes to the
 * global list (sched.gfree, under sched.gflock); a get from an empty list
 * takes the full batch, or else a batch from the global list. The global
 * list is a stack of batches, each a NULL-terminated schedlink chain whose
 * first G links the next batch (gfnext). So a move between a P and the
 * global list is a push or a pop of one batch: it reads one G, not the 32
 * that Go's gfget and gfput move one at a time. That mattered: a dead G
 * sits at the top of its own stack slot, a page of its own, so walking a
 * list of Gs freed long ago was a cache and TLB miss per G (hosted
 * vs_spawn spent 15% of its time in such a walk; bench/README.md).
 */
#include <string.h>
#include "kernel/sched/gfree.h"
#include "kernel/lib/print.h"

/* stack_reserve(), the slot size, fixed at boot before the first G is
 * made; kept here so that recycling a G calls nothing. Written (the same
 * value each time) by malg, which every G passes through before gfput or
 * gfget can see it; relaxed atomics: the run queue's release/acquire that
 * hands the G over orders the value, the atomics only keep the
 * concurrent writes and reads defined (ThreadSanitizer saw them). */
size_t g_slot_size;

/* Set gp's stack limit for a goroutine that asked for stacksize bytes
 * (0 = the default: the whole reservation). A recycled G asking for the
 * limit it had - the common case - needs nothing: its mapped stack was
 * cut back to STACK_KEEP, never below its old (and new) limit. */
static inline void stack_setlimit(struct g *gp, size_t stacksize)
{
	size_t max = slot_size_get() - STACK_GUARD;
	size_t lim = max;
	if (stacksize != 0) {
		lim = (stacksize + STACK_MIN - 1) & ~(STACK_MIN - 1);
		if (lim < STACK_MIN)
			lim = STACK_MIN;
		if (lim > max)
			lim = max;
	}
	if (lim == gp->stacksize)
		return;
	gp->stacksize = lim;
	gp->stack_lo = gp->stack_slot + slot_size_get() - lim;
	if (gp->stack_mapped < gp->stack_lo)    /* a recycled G mapped deeper */
		stack_shrink(&gp->stack_mapped, gp->stack_lo);
}

struct g *malg(size_t stacksize)
{
	struct stack st;
	if (!stack_alloc(&st))
		throw("runtime: out of memory: cannot allocate a goroutine stack");
	__atomic_store_n(&g_slot_size, stack_reserve(), __ATOMIC_RELAXED);
	struct g *gp = (struct g *)((st.hi - sizeof(struct g)) & ~(uintptr_t)63);
	_Static_assert(sizeof(struct g) + 64 < STACK_INITIAL, "G must fit the first stack page");
	memset(gp, 0, sizeof *gp);
	gp->stack_hi = (uintptr_t)gp;
	gp->stack_slot = st.slot;
	gp->stack_mapped = st.lo;
	stack_setlimit(gp, stacksize);
	gp->status = Gdead;
	gp->sleeptimer.idx = -1;
	baseframe_init(gp);
	spin_lock(&sched.allglock);
	gp->alllink = sched.allgs;
	sched.allgs = gp;
	sched.nallgs++;
	spin_unlock(&sched.allglock);
	return gp;
}

/* sched.ngfree: written under gflock, and read without it by gfget's
 * "anything there?" peek (relaxed: a hint, rechecked under the lock). So
 * the writes are relaxed atomic stores; the plain reads beside them are
 * under gflock, like every write. */
static void ngfree_store(int32_t n)
{
	__atomic_store_n(&sched.ngfree, n, __ATOMIC_RELAXED);
}

/* gfput's uncommon cases (gfree.h has the common one): a stack to cut
 * back, a full list. */
void gfput_slow(struct p *pp, struct g *gp)
{
	/* Give back what the stack grew beyond STACK_KEEP. */
	uintptr_t keep_lo = gp->stack_slot + slot_size_get() - STACK_KEEP;
	if (gp->stack_mapped < keep_lo)
		stack_shrink(&gp->stack_mapped, keep_lo);
	if (pp->ngfree >= GFREE_BATCH) {
		struct g *full = pp->gfull;
		if (full != NULL) {     /* the older batch goes global */
			spin_lock(&sched.gflock);
			full->gfnext = sched.gfree;
			sched.gfree = full;
			ngfree_store(sched.ngfree + GFREE_BATCH);
			spin_unlock(&sched.gflock);
		}
		pp->gfull = pp->gfree;
		pp->gfree = NULL;
		pp->ngfree = 0;
	}
	gp->schedlink = pp->gfree;
	pp->gfree = gp;
	pp->ngfree++;
}

/* gfget's uncommon cases (gfree.h has the common one): an empty list to
 * refill with a whole batch, a stack limit to set. */
struct g *gfget_slow(struct p *pp, size_t stacksize)
{
	if (pp->gfree == NULL) {
		struct g *batch = pp->gfull;
		pp->gfull = NULL;
		if (batch == NULL && __atomic_load_n(&sched.ngfree, __ATOMIC_RELAXED) > 0) {
			spin_lock(&sched.gflock);
			batch = sched.gfree;
			if (batch != NULL) {
				sched.gfree = batch->gfnext;
				ngfree_store(sched.ngfree - GFREE_BATCH);
			}
			spin_unlock(&sched.gflock);
		}
		if (batch == NULL)
			return NULL;
		pp->gfree = batch;
		pp->ngfree = GFREE_BATCH;
	}
	struct g *gp = pp->gfree;
	pp->gfree = gp->schedlink;
	pp->ngfree--;
	stack_setlimit(gp, stacksize);
	return gp;
}
