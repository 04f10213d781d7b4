/*
 * context.c - cancellation in the style of Go's context package:
 * Background, WithCancel, WithDeadline, WithTimeout, Cancel, Done, Err.
 *
 * Objects: a Context is a node in a tree. Background is the never-canceled
 * root (its Done channel is nil, so receiving from it blocks forever, as
 * in Go). Every other context owns an unbuffered Done channel that is
 * closed exactly once, when the context is canceled - by Cancel, by its
 * deadline timer, or because its parent was canceled. A select on Done is
 * how a goroutine learns it should stop.
 *
 * State and locking: each context's lock (a spinlock, because cancellation
 * can run from a timer callback on g0, which must not sleep) protects err,
 * the children list and the timer. err goes from ContextOK to Canceled or
 * DeadlineExceeded once. A cancel closes Done, detaches the children list
 * and cancels each child outside its own lock (locks are only ever taken
 * parent before child: a parent links a child under its own lock, the child
 * never holds its lock while taking the parent's).
 *
 * Lifetime: contexts and their Done channels are GC objects, collected once
 * unreachable; a parent reaches its children until they are canceled, and
 * Cancel detaches a context from its parent, so a long-lived parent does
 * not keep canceled children alive.
 */
#include <stdlib.h>
#include "gort.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

struct Context {
	Context *parent;
	chan_t *done;           /* NULL for Background; immutable */
	spinlock_t lock;
	int err;                /* lock to write; atomic to read */
	bool has_deadline;      /* immutable */
	int64_t deadline;       /* nanotime; immutable */
	Context *children;      /* lock (linked by sibling) */
	Context *sibling;       /* parent's lock */
	struct timer timer;     /* deadline; lock */
};

static Context background = { .lock = SPINLOCK_INIT(LOCKRANK_CONTEXT) };

Context *Background(void)
{
	return &background;
}

static void cancel_ctx(Context *c, bool remove, int err);

static void remove_child(Context *parent, Context *child)
{
	if (parent == NULL || parent->done == NULL)
		return;
	spin_lock(&parent->lock);
	for (Context **pp = &parent->children; *pp; pp = &(*pp)->sibling) {
		if (*pp == child) {
			*pp = child->sibling;
			child->sibling = NULL;
			break;
		}
	}
	spin_unlock(&parent->lock);
}

static void cancel_ctx(Context *c, bool remove, int err)
{
	spin_lock(&c->lock);
	if (c->err != ContextOK) {
		spin_unlock(&c->lock);
		return;                 /* already canceled */
	}
	/* release; pairs with the acquire in Context_Err. */
	__atomic_store_n(&c->err, err, __ATOMIC_RELEASE);
	chan_close(c->done);            /* wakes every goroutine selecting on it */
	Context *kids = c->children;
	c->children = NULL;
	if (c->has_deadline)
		timer_del(&c->timer);   /* false if it is what is running us */
	spin_unlock(&c->lock);
	while (kids) {
		Context *next = kids->sibling;
		kids->sibling = NULL;
		cancel_ctx(kids, false, err);
		kids = next;
	}
	if (remove)
		remove_child(c->parent, c);
}

static void deadline_fired(void *arg, int64_t now)
{
	cancel_ctx(arg, true, DeadlineExceeded);   /* on g0: nothing here sleeps */
}

static Context *new_child(Context *parent)
{
	if (parent == NULL)
		gopanic("cannot create context from nil parent");
	Context *c = mallocgc(sizeof *c);       /* a GC object */
	if (c == NULL)
		throw("context: out of memory");
	spin_lock_init(&c->lock, LOCKRANK_CONTEXT);
	c->parent = parent;
	c->done = make_chan(0, 0);
	return c;
}

/* Link c under parent, or cancel it now if the parent is already done. */
static void propagate(Context *parent, Context *c)
{
	if (parent->done == NULL)
		return;                 /* Background: never canceled */
	spin_lock(&parent->lock);
	int perr = parent->err;
	if (perr == ContextOK) {
		c->sibling = parent->children;
		parent->children = c;
	}
	spin_unlock(&parent->lock);
	if (perr != ContextOK)
		cancel_ctx(c, false, perr);
}

Context *WithCancel(Context *parent)
{
	Context *c = new_child(parent);
	propagate(parent, c);
	return c;
}

Context *WithDeadline(Context *parent, int64_t d)
{
	int64_t cur;
	if (Context_Deadline(parent, &cur) && cur < d)
		return WithCancel(parent);   /* the parent's deadline comes first */
	Context *c = new_child(parent);
	c->has_deadline = true;
	c->deadline = d;
	c->timer.f = deadline_fired;
	c->timer.arg = c;
	c->timer.idx = -1;
	propagate(parent, c);
	if (d <= nanotime()) {
		cancel_ctx(c, true, DeadlineExceeded);
		return c;
	}
	spin_lock(&c->lock);
	if (c->err == ContextOK) {
		c->timer.when = d;
		timer_add(&c->timer);
	}
	spin_unlock(&c->lock);
	return c;
}

Context *WithTimeout(Context *parent, int64_t timeout)
{
	return WithDeadline(parent, nanotime() + timeout);
}

void Cancel(Context *c)
{
	if (c->done != NULL)
		cancel_ctx(c, true, Canceled);
}

chan_t *Context_Done(Context *c)
{
	return c->done;
}

int Context_Err(Context *c)
{
	/* acquire; pairs with the release in cancel_ctx. */
	return __atomic_load_n(&c->err, __ATOMIC_ACQUIRE);
}

bool Context_Deadline(Context *c, int64_t *deadline)
{
	for (; c; c = c->parent) {
		if (c->has_deadline) {
			*deadline = c->deadline;
			return true;
		}
	}
	return false;
}

const char *Context_ErrString(int err)
{
	switch (err) {
	case Canceled: return "context canceled";
	case DeadlineExceeded: return "context deadline exceeded";
	default: return "<nil>";
	}
}
