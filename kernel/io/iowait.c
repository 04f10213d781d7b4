/*
 * iowait.c - goroutines parked on devices and readied by interrupts: the
 * bare-metal counterpart of Go's netpoll (runtime/netpoll.go's pollDesc,
 * netpollblock/netpollunblock, and findrunnable's netpoll step).
 *
 * Objects:
 *   struct iowait  - one wait slot, Go's pollDesc.rg: IOW_NONE, IOW_READY
 *                    or the parked G. Changed only by atomic exchange/CAS.
 *   ioready        - a lock-free stack of Gs that interrupt handlers have
 *                    readied (linked by g->schedlink), drained whole by the
 *                    scheduler. Go's netpoll returns such a list from
 *                    epoll_wait; here the interrupt handler builds it.
 *   nwaitirq       - user Gs parked in IO wait or sitting on ioready:
 *                    Go's netpollWaiters. Deadlock detection treats them as
 *                    alive (a device may still wake them).
 *
 * States of a slot, and who moves it:
 *   NONE  --park (g0, after the G is saved)-->      G
 *   NONE  --ready (interrupt)-->                    READY
 *   G     --ready (interrupt): G pushed on ioready-> READY
 *   READY --park: the G does not sleep-->           NONE
 *   READY --the woken G, leaving iowait_park-->     NONE
 *
 * Why nothing is lost: the driver arms the device, then checks its
 * condition, then parks (io.h). An event after the check either finds the
 * G in the slot (and readies it) or leaves READY, which the park's CAS
 * sees. The park's CAS runs after the G's registers are saved (on g0, or
 * on the next G when the park hands off directly: docs/scheduler.md), so a
 * handler on another CPU may ready it the instant it is published.
 *
 * Bare metal: an interrupt handler cannot take sched.lock (it does not
 * mask interrupts, so the interrupted code may hold it), nor touch a P's
 * run queue (the interrupted code may be its owner, mid-update). So it
 * pushes on ioready and makes sure some CPU's scheduler looks soon
 * (ioready_kick): an idle CPU in the idle loop, or the interrupted
 * goroutine's, by a soft preemption.
 */
#include "kernel/io/io.h"
#include "kernel/trace/trace.h"
#include "kernel/sched/sched.h"
#include "arch/atomic.h"

struct g *ioready;               /* stack of readied Gs; atomic (io.h) */
static int32_t nwaitirq;         /* see above; atomic */

/* The latency probe (bench/devio). on: set (release, publishing samples
 * and cap) and cleared by the benchmark around its loop; read relaxed in
 * the interrupt path, acquire where a sample is stored.
 * irq_entry[cpu]: written by that CPU's trap_devirq. samples/n: the
 * waking goroutines, n claimed atomically. */
static struct {
	bool on;
	int64_t irq_entry[MAXCPU];
	int64_t *samples;
	int cap;
	int n;                  /* atomic */
} lat;

void io_latency_start(int64_t *samples, int cap)
{
	lat.samples = samples;
	lat.cap = cap;
	__atomic_store_n(&lat.n, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&lat.on, true, __ATOMIC_RELEASE);
}

int io_latency_stop(void)
{
	__atomic_store_n(&lat.on, false, __ATOMIC_RELAXED);
	int n = __atomic_load_n(&lat.n, __ATOMIC_ACQUIRE);
	return n < lat.cap ? n : lat.cap;
}

void io_latency_irq_entry(void)
{
	if (__atomic_load_n(&lat.on, __ATOMIC_RELAXED))
		lat.irq_entry[getm()->id] = nanotime();
}

static void latency_record(struct iowait *w)
{
	/* acquire; pairs with the release store in io_latency_start */
	if (!__atomic_load_n(&lat.on, __ATOMIC_ACQUIRE))
		return;
	/* relaxed: the exchange that consumed the event ordered it */
	int64_t t = __atomic_load_n(&w->irq_ns, __ATOMIC_RELAXED);
	if (t == 0)
		return;
	int i = __atomic_fetch_add(&lat.n, 1, __ATOMIC_RELAXED);
	if (i < lat.cap)
		lat.samples[i] = nanotime() - t;
}

int32_t io_nwait(void)
{
	/* seq_cst: check_deadlock's loads of the run queues and this are
	 * ordered with ioready_get's queueing before its decrement */
	return __atomic_load_n(&nwaitirq, __ATOMIC_SEQ_CST);
}


/* On g0: publish the parked G in the slot, unless an event came first. */
static bool iowait_commit(struct g *gp, void *arg)
{
	struct iowait *w = arg;
	uintptr_t old = IOW_NONE;
	if (!gp->system)
		__atomic_add_fetch(&nwaitirq, 1, __ATOMIC_SEQ_CST);
	/* release: the G's saved state is published with it (an interrupt
	 * on another CPU may ready it at once); acquire on failure: the
	 * handler's record of the event (pairs with its acq_rel exchange). */
	if (arch_cas(&w->state, &old, (uintptr_t)gp, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
		return true;
	if (!gp->system)
		__atomic_sub_fetch(&nwaitirq, 1, __ATOMIC_SEQ_CST);
	return false;           /* READY: run on, the event is consumed below */
}

void iowait_park(struct iowait *w)
{
	__atomic_store_n(&w->irq_ns, 0, __ATOMIC_RELAXED);    /* probe only */
	gopark(iowait_commit, w, waitReasonIOWait);
	/* Woken, or never slept: consume the event. acquire; pairs with the
	 * handler's exchange (what it recorded before is visible). */
	__atomic_exchange_n(&w->state, IOW_NONE, __ATOMIC_ACQUIRE);
	latency_record(w);
}

static void ioready_push(struct g *gp)
{
	struct g *old = __atomic_load_n(&ioready, __ATOMIC_RELAXED);
	do {
		gp->schedlink = old;
		/* release: gp->schedlink (and the G) before the G is seen;
		 * pairs with the acquire exchange in ioready_get */
	} while (!arch_cas(&ioready, &old, gp, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/* Some CPU's scheduler must look at ioready soon. */
static void ioready_kick(void)
{
	struct m *m = getm();
	bool idle_p = __atomic_load_n(&sched.npidle, __ATOMIC_SEQ_CST) > 0;
	if (m->curg->is_g0 && (m->p != NULL || idle_p))
		return;         /* findrunnable / stopm look before they sleep */
	if (idle_p) {
		/* relaxed: a hint; a woken M that finds no P sleeps again,
		 * and whoever holds the P runs findrunnable soon */
		uint64_t idle = __atomic_load_n(&sched.midle, __ATOMIC_RELAXED);
		if (idle != 0) {
			arch_send_ipi(__builtin_ctzll(idle));
			return;
		}
	}
	if (m->p != NULL && !m->curg->is_g0) {
		/* Every P busy: this CPU's goroutine yields (keeping its place
		 * in the local queue, as for a due timer) and the scheduler
		 * here runs the readied one. The self-IPI is taken as soon as
		 * this interrupt returns. */
		m->curg->preempt_soft = true;
		preemptone(m);
		return;
	}
	for (int i = 0; i < ncpu; i++)          /* idle CPU, every P busy */
		if (&allm[i] != m && __atomic_load_n(&allm[i].p, __ATOMIC_RELAXED) != NULL) {
			preemptone(&allm[i]);
			return;
		}
}

void iowait_ready(struct iowait *w)
{
	/* acq_rel: release publishes what the handler recorded (the data,
	 * the status) to the waiter; acquire pairs with iowait_commit's
	 * release, so the G's saved state is visible before we queue it. */
	if (__atomic_load_n(&lat.on, __ATOMIC_RELAXED))
		__atomic_store_n(&w->irq_ns, lat.irq_entry[getm()->id], __ATOMIC_RELAXED);
	uintptr_t old = __atomic_exchange_n(&w->state, IOW_READY, __ATOMIC_ACQ_REL);
	if (old == IOW_NONE || old == IOW_READY)
		return;
	ioready_push((struct g *)old);
	ioready_kick();
}

struct g *ioready_take(struct p *pp)
{
	/* acquire; pairs with the release CAS in ioready_push */
	struct g *list = __atomic_exchange_n(&ioready, NULL, __ATOMIC_ACQUIRE);
	struct g *fifo = NULL;
	while (list) {                  /* the stack is newest first */
		struct g *next = list->schedlink;
		list->schedlink = fifo;
		fifo = list;
		list = next;
	}
	struct g *first = fifo;
	bool more = first != NULL && first->schedlink != NULL;
	for (struct g *gp = fifo; gp; ) {
		struct g *next = gp->schedlink;
		traceGoUnblock(gp);     /* woken by a device: waker 0 (g0) */
		casgstatus(gp, Gwaiting, Grunnable);
		if (gp != first)
			runqput(pp, gp, false);
		if (!gp->system)
			__atomic_sub_fetch(&nwaitirq, 1, __ATOMIC_SEQ_CST);
		gp = next;
	}
	if (more)
		wakep();                /* more than one: let idle Ps help */
	return first;
}
