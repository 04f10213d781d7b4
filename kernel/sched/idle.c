/*
 * idle.c - idle Ps and Ms: handing out Ps, sleeping, waking, and the global
 * deadlock check (Go's pidleget/pidleput, mget/mput, wakep, stopm,
 * checkdead).
 *
 * An M with no P sleeps in wfi with interrupts masked around the check, so
 * a wake-up IPI that lands between the check and the wfi is not lost: wfi
 * returns at once when an interrupt is pending. Its hardware timer is set
 * for the earliest timer of any idle P (busy Ps are covered by their own M's
 * timer interrupt), so due timers wake a CPU (one of sysmon's
 * duties); no CPU ever polls.
 *
 * wakep hands an idle P to an idle M and IPIs it; the M comes up spinning
 * (looking for work to steal). As in Go, at most one M is woken while
 * another is already spinning, and a spinner that finds work wakes the next.
 *
 * Shared state: sched.pidle, sched.midle under sched.lock; npidle and
 * nmspinning are atomics so that wakep's fast path needs no lock. m->nextp
 * is written under sched.lock and read by the sleeping M with an acquire
 * load (paired with the release store in wakep/handoff).
 */
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/gc/gc.h"
#include "kernel/io/io.h"
#include "arch/atomic.h"
#include "kernel/trace/trace.h"

void pidleput(struct p *pp)
{
	assert_lock_held(&sched.lock);
	p_setstatus(pp, Pidle);
	pp->link = sched.pidle;
	sched.pidle = pp;
	__atomic_add_fetch(&sched.npidle, 1, __ATOMIC_SEQ_CST);
}

struct p *pidleget(void)
{
	assert_lock_held(&sched.lock);
	struct p *pp = sched.pidle;
	if (pp) {
		sched.pidle = pp->link;
		p_setstatus(pp, Prunning);
		__atomic_sub_fetch(&sched.npidle, 1, __ATOMIC_SEQ_CST);
	}
	return pp;
}

/* sched.nmidle: written under sched.lock, read without it by schedtrace;
 * so relaxed atomic stores (the plain reads here are under the lock). */
static void nmidle_add(int32_t d)
{
	__atomic_store_n(&sched.nmidle, sched.nmidle + d, __ATOMIC_RELAXED);
}

/* sched.midle: written under sched.lock, read without it by ioready_kick
 * (a device interrupt's hint: kernel/io/iowait.c) and schedtrace; so
 * relaxed atomic stores too (the plain reads here are under the lock). */
static void midle_set(uint64_t v)
{
	__atomic_store_n(&sched.midle, v, __ATOMIC_RELAXED);
}

static void mput(struct m *m)
{
	assert_lock_held(&sched.lock);
	midle_set(sched.midle | 1ULL << m->id);
	nmidle_add(1);
}

struct m *mget(void)
{
	assert_lock_held(&sched.lock);
	if (sched.midle == 0)
		return NULL;
	int id = __builtin_ctzll(sched.midle);
	midle_set(sched.midle & ~(1ULL << id));
	nmidle_add(-1);
	return &allm[id];
}

static void mremove(struct m *m)
{
	assert_lock_held(&sched.lock);
	if (sched.midle & (1ULL << m->id)) {
		midle_set(sched.midle & ~(1ULL << m->id));
		nmidle_add(-1);
	}
}

/* Give pp to the idle M m and wake it. */
void handoff(struct m *m, struct p *pp, bool spinning)
{
	assert_lock_held(&sched.lock);
	pp->m = m;
	m->spinning = spinning;
	/* release; pairs with the acquire load in stopm. */
	__atomic_store_n(&m->nextp, pp, __ATOMIC_RELEASE);
}

/* m stops spinning; returns how many Ms still spin. The decrement is
 * seq_cst: a spinner that gives up its P loads every run queue after it
 * (findrunnable), the store-buffering pair with wakep described there. */
int32_t dropspinning(struct m *m)
{
	m->spinning = false;
	traceSpinDone(m);
	return __atomic_sub_fetch(&sched.nmspinning, 1, __ATOMIC_SEQ_CST);
}

/* wakep's slow path: a P is idle (sched.h has the fast path and the
 * ordering argument). */
void wakep_idle(void)
{
	int32_t zero = 0;
	if (__atomic_load_n(&sched.nmspinning, __ATOMIC_SEQ_CST) != 0 ||
	    !arch_cas(&sched.nmspinning, &zero, 1,
	              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	spin_lock(&sched.lock);
	struct p *pp = sched.pidle ? pidleget() : NULL;
	struct m *m = pp ? mget() : NULL;
	if (m == NULL) {
		if (pp)
			pidleput(pp);
		spin_unlock(&sched.lock);
		__atomic_sub_fetch(&sched.nmspinning, 1, __ATOMIC_SEQ_CST);
		return;
	}
	handoff(m, pp, true);
	spin_unlock(&sched.lock);
	arch_wake_cpu(m->id);           /* it sleeps in stopm: a wake-up */
}

/* Earliest timer of the idle Ps only: a P that an M holds is looked after
 * by that M's own timer interrupt, and counting it here would make idle
 * CPUs spin awake while a busy P runs a timer a little late. (Racy reads
 * of P status: a P that goes idle afterwards is handed in by an M that
 * then runs stopm itself, with a fresh look.) */
static int64_t earliest_idle_timer(void)
{
	int64_t w = INT64_MAX;
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	for (int i = 0; i < np; i++) {
		if (p_status(&allp[i]) != Pidle)
			continue;
		int64_t t = timers_next(&allp[i].timers);
		if (t < w)
			w = t;
	}
	return w;
}

bool idle_m_wanted(struct m *m)
{
	/* relaxed: a hint; stopm loads nextp again with acquire */
	return __atomic_load_n(&m->nextp, __ATOMIC_RELAXED) != NULL ||
	       earliest_idle_timer() <= nanotime();
}

static bool user_timers_pending(void)
{
	for (int i = 0; i < MAXCPU; i++)
		if (__atomic_load_n(&allp[i].timers.nuser, __ATOMIC_RELAXED) > 0)
			return true;
	return false;
}

/* Deadlock: no P is running, nothing is queued, no user timer is pending,
 * no goroutine waits on a device (an interrupt may still wake it), yet
 * goroutines exist - none can ever run.
 * Run by an M that has just given up its P. */
void check_deadlock(void)
{
	assert_lock_held(&sched.lock);
	if (gcwaiting())        /* the world is stopping, not stuck */
		return;
	/* Any P still running Go code - including one that GOMAXPROCS is
	 * retiring, which is not counted in gomaxprocs any more - means no. */
	for (int i = 0; i < MAXCPU; i++)
		if (p_status(&allp[i]) == Prunning)
			return;
	if (sched.runqsize > 0 || user_timers_pending() || io_nwait() > 0)
		return;
	for (int i = 0; i < MAXCPU; i++)
		if (!runq_empty(&allp[i].runq))
			return;
	if (__atomic_load_n(&sched.ngoroutines, __ATOMIC_SEQ_CST) == 0) {
		/* relaxed: ordered by the load above (see goexit_finish) */
		if (!__atomic_load_n(&sched.main_goexit, __ATOMIC_RELAXED))
			return;
		spin_unlock(&sched.lock);
		throw("no goroutines (main called runtime.Goexit) - deadlock!");
	}
	spin_unlock(&sched.lock);
	throw("all goroutines are asleep - deadlock!");
}

/* Sleep until some M hands us a P. */
void stopm(struct m *m)
{
	traceProcStop();
	spin_lock(&sched.lock);
	check_deadlock();
	mput(m);
	spin_unlock(&sched.lock);
	for (;;) {
		/* acquire; pairs with the release store that opens a mark */
		if (__atomic_load_n(&gc_markhelp_wanted, __ATOMIC_ACQUIRE))
			gc_markhelp(m);
		arch_irq_disable();
		/* acquire; pairs with the release store in handoff. */
		struct p *pp = __atomic_load_n(&m->nextp, __ATOMIC_ACQUIRE);
		if (pp != NULL) {
			/* relaxed: only this M clears it, and only handoff (under
			 * sched.lock, after mget/mremove took us off midle) sets it */
			__atomic_store_n(&m->nextp, NULL, __ATOMIC_RELAXED);
			/* already Prunning: pidleget, startTheWorld. relaxed:
			 * see struct m (the acquire above ordered the P) */
			m_setp(m, pp);
			arch_irq_enable();
			traceProcStart(pp);
			return;
		}
		int64_t wake = earliest_idle_timer();
		timer_program(m, wake == INT64_MAX ? UINT64_MAX : ns_to_ticks(wake) + sched.start_ticks);
		/* A device interrupt taken before the mask readied a G: no
		 * sleep if we can get a P to run it (kernel/io/iowait.c). */
		if (!ioready_pending() || __atomic_load_n(&sched.npidle, __ATOMIC_SEQ_CST) == 0)
			arch_wfi_parked();      /* masked, on g0, no store till it returns */
		arch_irq_enable();      /* the pending interrupt is taken here */
		timer_program(m, UINT64_MAX);
		/* Woken by a timer or a stray interrupt: if there is work, take
		 * a P ourselves rather than wait for a hand-off. */
		if (earliest_idle_timer() <= nanotime() || ioready_pending() ||
		    __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) > 0) {
			spin_lock(&sched.lock);
			if (m->nextp == NULL && sched.pidle != NULL) {
				mremove(m);
				handoff(m, pidleget(), false);
			}
			spin_unlock(&sched.lock);
		}
	}
}

/* Retire pp for good (GOMAXPROCS shrank below it): Pdead, its queued Gs
 * to the global queue, its timers to P0. pp is held by nobody or by the
 * calling M; sched.lock held. */
void p_retire(struct p *pp)
{
	struct g *gp;
	p_setstatus(pp, Pdead);
	while ((gp = runq_get(&pp->runq)) != NULL)
		globrunqput(gp);
	timers_move(&allp[0].timers, &pp->timers);
}

/* GOMAXPROCS shrank below this M's P: retire it and give it up. Called by
 * the M on g0. */
void gomaxprocs_apply(struct m *m)
{
	struct p *pp = m->p;
	if (pp == NULL || pp->id < __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE))
		return;
	spin_lock(&sched.lock);
	if (gcwaiting()) {      /* the STW counts this P: stop it there instead */
		spin_unlock(&sched.lock);
		return;
	}
	p_retire(pp);
	pp->m = NULL;
	m_setp(m, NULL);
	spin_unlock(&sched.lock);
	if (m->spinning)
		dropspinning(m);
	wakep();
}

int GOMAXPROCS(int n)
{
	/* No stop-the-world may run meanwhile (it would count the Ps while
	 * they change): hold the right to stop the world, as Go's GOMAXPROCS
	 * stops it. */
	worldsema_acquire();
	spin_lock(&sched.lock);
	int old = gomaxprocs;
	if (n > ncpu)
		n = ncpu;
	if (n > 0 && n != old) {
		if (n > old) {
			for (int i = old; i < n; i++)
				if (allp[i].status != Prunning)
					pidleput(&allp[i]);
		} else {
			/* drop retired Ps from the idle list; running ones
			 * retire at their next schedule (gomaxprocs_apply) */
			struct p **pp = &sched.pidle;
			while (*pp) {
				struct p *idle = *pp;
				if (idle->id >= n) {
					*pp = idle->link;
					__atomic_sub_fetch(&sched.npidle, 1, __ATOMIC_SEQ_CST);
					p_retire(idle);
				} else {
					pp = &idle->link;
				}
			}
		}
		/* release; pairs with the acquire in gomaxprocs_apply. */
		__atomic_store_n(&gomaxprocs, n, __ATOMIC_RELEASE);
	}
	spin_unlock(&sched.lock);
	worldsema_release();
	if (n > old)
		for (int i = old; i < n; i++)
			wakep();
	else if (n > 0 && n < old)
		for (int i = 0; i < ncpu; i++) {
			/* relaxed, after the lock is dropped: a hint. A P of
			 * id >= n is no longer handed out (it is off the idle
			 * list); an M seen without it (stale NULL) or with a
			 * P it is just giving up costs a missed or a useless
			 * preemption: the M still retires it at its next
			 * schedule (gomaxprocs_apply), at the latest when its
			 * time slice ends. Pairs with the owner's relaxed
			 * stores (struct m). */
			struct p *pp = __atomic_load_n(&allm[i].p, __ATOMIC_RELAXED);
			if (pp != NULL && pp->id >= n)
				preemptone(&allm[i]);
		}
	return old;
}
