/*
 * findrunnable.c - where an M without a G looks for one (Go's findRunnable
 * and its helpers in runtime/proc.go: stealWork, runqgrab's grace for
 * runnext, resetspinning).
 *
 * schedule_loop (proc.c) calls findrunnable on g0 with interrupts on. The
 * order, as Go's:
 *   1. every 61st schedule, one G from the global queue (fairness);
 *   2. expired timers of this P, goroutines readied by device interrupts
 *      (kernel/io: Go's netpoll, looked at first here because an
 *      interrupt may have preempted the running G just to get its waiter
 *      run), then the local queue (runnext first);
 *   3. the global queue;
 *   4. expired timers of every P;
 *   5. stealing half of a random victim's queue, 4 passes over all Ps, the
 *      last one also taking runnext - by spinning Ms only; an M starts
 *      spinning only while twice the spinners are fewer than the busy Ps
 *      (so one spinner is always allowed, and with 2 busy Ps only one);
 *   6. otherwise give the P back and sleep (idle.c) until handed one.
 *
 * Spinning Ms and wakep (idle.c) are a store-buffering pair: a spinner
 * that gives up looks at every queue again after it stops counting
 * itself, with seq_cst on all four sides (any_runq_work; docs/
 * memory-model.md, 7.4). The stop-the-world flag is read here too
 * (gcwaiting; 7.8).
 *
 * Bare metal: the M is the CPU, so "sleep" is wfi until an IPI (idle.c),
 * not a futex; there is no netpoller thread - device interrupts ready
 * their waiters (kernel/io).
 */
#include "kernel/sched/sched.h"
#include "kernel/io/io.h"
#include "arch/atomic.h"
#include "kernel/trace/trace.h"

static uint64_t fastrand(struct m *m)
{
	/* xorshift64*, per M, no sharing */
	uint64_t x = m->fastrand;
	x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
	m->fastrand = x;
	return x * 0x2545F4914F6CDD1DULL;
}


/* Go's runqgrab: the runnext of a running P was most likely just readied
 * by the G running there, which is about to block (a channel ping-pong, a
 * token ring), and the owner will run it next. A thief gives the owner
 * about 3 us to do so before taking it: taken at once, every hand-off of
 * such a pair would move to another CPU and back. Spinning Ms only.
 * Where a waiting CPU may sleep (ARCH_WAIT_SLEEPS: hosted) the thief naps
 * instead of polling, as Go's usleep(3) there: the host stretches it to
 * tens of microseconds, in which the owner's CPU runs its goroutines
 * without a second CPU pulling their channels' cache lines (a select
 * fan-in at two CPUs: bench/README.md, "Side-by-side with Go"). */
#define RUNNEXT_GRACE_NS 3000

static void runnext_grace(struct p *victim)
{
	/* relaxed: hints; runq_grab's loads and CAS decide. It takes runnext
	 * only from a P whose ring is empty. */
	struct g *next = __atomic_load_n(&victim->runq.runnext, __ATOMIC_RELAXED);
	if (next == NULL || p_status(victim) != Prunning ||
	    __atomic_load_n(&victim->runq.head, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&victim->runq.tail, __ATOMIC_RELAXED))
		return;
	if (ARCH_WAIT_SLEEPS) {
		arch_nap(RUNNEXT_GRACE_NS);
		return;
	}
	uint64_t end = arch_ticks() + (((uint64_t)RUNNEXT_GRACE_NS * ticks_per_ns_32) >> 32);
	while (__atomic_load_n(&victim->runq.runnext, __ATOMIC_RELAXED) == next &&
	       arch_ticks() < end)
		arch_cpu_relax();
}

static struct g *steal_work(struct m *m)
{
	struct p *pp = m->p;
	int n = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	for (int pass = 0; pass < 4; pass++) {
		bool last = pass == 3;
		/* Visit every P once, from a random start with a stride coprime
		 * to n (n <= 8: any odd stride except multiples of n's factors). */
		uint32_t start = (uint32_t)fastrand(m) % (uint32_t)n;
		uint32_t stride = 1;
		if (n > 2) {
			static const uint32_t strides[] = { 1, 3, 5, 7 };
			do stride = strides[fastrand(m) % 4]; while (n % stride == 0 && stride != 1);
		}
		for (int i = 0; i < n; i++) {
			struct p *victim = &allp[(start + (uint32_t)i * stride) % (uint32_t)n];
			if (victim == pp)
				continue;
			uint32_t t0 = pp->runq.tail;    /* ours: plain read */
			if (last)
				runnext_grace(victim);
			struct g *gp = runq_steal(&pp->runq, &victim->runq, last);
			if (gp) {
				traceSteal(m, victim, pp->runq.tail - t0 + 1, gp);
				return gp;
			}
		}
	}
	return NULL;
}

/* A spinner found work: stop spinning, and if it was the last spinner,
 * hand on the baton (there may be more work than it took). */
static void resetspinning(struct m *m)
{
	if (dropspinning(m) == 0)
		wakep();
}

static int run_all_timers(int64_t now)
{
	int n = 0, np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	for (int i = 0; i < np; i++)
		if (timers_next(&allp[i].timers) <= now)
			n += timers_run(&allp[i], now);
	return n;
}

/* Is any G queued anywhere? Called after dropspinning: every load is
 * seq_cst (here and in runq_empty), pairing with the seq_cst publication
 * in globrunqput and runq_put - see findrunnable. */
static bool any_runq_work(void)
{
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	if (__atomic_load_n(&sched.runqsize, __ATOMIC_SEQ_CST) > 0)
		return true;
	for (int i = 0; i < np; i++)
		if (!runq_empty(&allp[i].runq))
			return true;
	return false;
}

struct g *findrunnable(struct m *m, bool *inherit, uint64_t *ticks)
{
	/* Where this M's g0 stack is in use while it has no P: a collection
	 * scans it from here up (nothing above changes until the M runs a
	 * goroutine again, which needs a P). Stored before the M can give up
	 * its P below - gcstopm_locked's release decrement of stopwait, or
	 * pidleput/p_retire under sched.lock - so a stop-the-world that has
	 * seen the P handed in (acquire) reads this value. relaxed: those
	 * releases order it (markroot names the reader's side). */
	__atomic_store_n(&m->g0_scan_sp, (uintptr_t)__builtin_frame_address(0),
	                 __ATOMIC_RELAXED);
	/* Interrupts stay masked, as the G that gave up the CPU left them,
	 * through the local fast path (timers, runnext, the local queue):
	 * a switch that finds its next G there toggles the interrupt mask
	 * twice instead of four times (each toggle ends a QEMU translation
	 * block). Searching further, they are on, so that IPIs get in. Every
	 * way back to the top with them masked passes stopm, which turns
	 * them on. */
	for (;;) {
		if (m->p != NULL && gcwaiting()) {
			/* the world is stopping: hand in the P, sleep */
			spin_lock(&sched.lock);
			if (gcwaiting()) {
				if (m->spinning)
					dropspinning(m);
				gcstopm_locked(m);
			}
			spin_unlock(&sched.lock);
		}
		/* acquire; pairs with the release store in GOMAXPROCS */
		if (m->p != NULL && m->p->id >= __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE))
			gomaxprocs_apply(m);    /* gives up the retired P */
		if (m->p == NULL) {
			stopm(m);
			continue;
		}
		struct p *pp = m->p;
		struct g *gp = NULL;
		/* One time read per switch: execute starts the slice from it */
		*ticks = arch_ticks();
		int64_t now = ticks_to_nanotime(*ticks);
		*inherit = false;
		if (pp->schedtick % 61 == 0 &&
		    __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) > 0) {
			spin_lock(&sched.lock);
			gp = globrunqget(pp, 1);
			spin_unlock(&sched.lock);
		}
		if (gp == NULL && timers_next(&pp->timers) <= now)
			timers_run(pp, now);
		if (gp == NULL)
			gp = ioready_get(pp);
		if (gp == NULL)
			gp = runq_get_inherit(&pp->runq, inherit);
		if (gp == NULL)
			arch_irq_enable();
		if (gp == NULL && __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) > 0) {
			spin_lock(&sched.lock);
			gp = globrunqget(pp, 0);
			spin_unlock(&sched.lock);
		}
		if (gp == NULL && run_all_timers(now) > 0)
			gp = runq_get(&pp->runq);
		if (gp == NULL) {
			int busy = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED) -
			           __atomic_load_n(&sched.npidle, __ATOMIC_RELAXED);
			if (!m->spinning &&
			    2 * __atomic_load_n(&sched.nmspinning, __ATOMIC_RELAXED) < busy) {
				m->spinning = true;
				__atomic_add_fetch(&sched.nmspinning, 1, __ATOMIC_SEQ_CST);
			}
			if (m->spinning)
				gp = steal_work(m);
		}
		if (gp != NULL) {
			if (m->spinning)
				resetspinning(m);
			return gp;
		}
		/* Nothing anywhere: give the P back and sleep. */
		spin_lock(&sched.lock);
		if (gcwaiting()) {
			spin_unlock(&sched.lock);
			continue;               /* stop it at the top instead */
		}
		if (sched.runqsize > 0) {
			gp = globrunqget(pp, 0);
			spin_unlock(&sched.lock);
			if (m->spinning)
				resetspinning(m);
			return gp;
		}
		pidleput(pp);
		m_setp(m, NULL);
		pp->m = NULL;
		spin_unlock(&sched.lock);
		if (m->spinning) {
			/* Store buffering, as Go's spinning protocol:
			 *   submitter: publish a G (seq_cst: runq_put's tail
			 *     store or runnext exchange, globrunqput's runqsize
			 *     store), then wakep loads npidle and nmspinning
			 *     (seq_cst);
			 *   this M: pidleput's npidle increment and
			 *     dropspinning's decrement (seq_cst), then
			 *     any_runq_work loads every queue (seq_cst).
			 * All of them in one total order: either we see the G,
			 * or wakep sees an idle P and no spinner, and wakes an
			 * M. With release/acquire only, both loads could read
			 * the old values and the G would wait with Ps idle. */
			dropspinning(m);
			if (any_runq_work()) {
				spin_lock(&sched.lock);
				struct p *p2 = pidleget();
				/* pidleget made it Prunning; p->m under sched.lock,
				 * as stopTheWorld's preempt_running reads it */
				if (p2)
					p2->m = m;
				spin_unlock(&sched.lock);
				if (p2) {
					m_setp(m, p2);
					m->spinning = true;
					__atomic_add_fetch(&sched.nmspinning, 1, __ATOMIC_SEQ_CST);
					continue;
				}
			}
		}
		stopm(m);
	}
}
