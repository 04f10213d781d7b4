/*
 * stw.c - stopping and starting the world (Go's stopTheWorldWithSema and
 * startTheWorldWithSema, proc.go).
 *
 * The GC (and GOMAXPROCS) need every P stopped at a safe point: no
 * goroutine running, none half-way through a runtime critical section.
 *
 * Stopping, on g0 of the M that owns the world (worldsema):
 *   1. under sched.lock: set gcwaiting; stop our own P; take every idle P
 *      off the idle list and stop it there - its CPU sleeps on, nobody is
 *      woken for it; count the Ps still running (stopwait);
 *   2. ask each running P's CPU to preempt its goroutine (preemptone: an
 *      IPI, the same signal-style path as the time slice). The goroutine
 *      yields at its next safe point - at once, or at releasem if it holds
 *      a runtime lock - and its M, back in the scheduler, sees gcwaiting,
 *      stops the P (Pgcstop, stopwait--) and goes to sleep (stopm);
 *   3. wait for stopwait to reach 0 (in wfi; the M that stops the last P
 *      sends us an IPI), re-sending the IPIs now and then (a goroutine
 *      the first one found at an unsafe point is only flagged, and may
 *      not reach a safe point soon), and dying with a clear message if a
 *      P never stops. An M that takes the IPI on g0, between goroutines,
 *      finds nothing to preempt; execute() looks at gcwaiting again with
 *      interrupts masked before it runs the next goroutine
 *      (request_missed, proc.c), so that request is not lost.
 *
 * Starting: every stopped P goes back to work - handed straight to a
 * sleeping M if it has goroutines or timers queued, else on the idle
 * list - and wakep starts a spinner for anything else.
 *
 * Who may stop the world: one goroutine at a time, holding worldsema
 * (acquired in goroutine context, so a goroutine waiting for it can itself
 * be stopped by the current owner).
 */
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"
#include "kernel/trace/trace.h"
#include "arch/atomic.h"

#define STW_RESEND_NS   (200 * 1000)            /* re-send IPIs every 200 us */
#define CPU_WAIT_NS     (20 * 1000)             /* cpu_wait_short */
#define STW_TIMEOUT_NS  (10LL * 1000 * 1000 * 1000)

/* Wait a few microseconds in wfi instead of spinning. On a board the core
 * idles; under QEMU's single-threaded round-robin TCG (-icount) a busy
 * loop would keep every other vCPU from running - the very CPUs being
 * waited for - and the wait would never end. Leaves this CPU's timer
 * disarmed: callers are on g0, and the scheduler re-arms it. */
void cpu_wait_short(void)
{
	unsigned long flags = arch_irq_save();
	struct m *m = getm();
	timer_program(m, arch_ticks() + ns_to_ticks(CPU_WAIT_NS));
	arch_wfi();
	timer_program(m, UINT64_MAX);   /* also clears the pending interrupt */
	arch_irq_restore(flags);
}

bool worldsema_tryacquire(void)
{
	uint32_t zero = 0;
	/* acquire; pairs with the release in worldsema_release. */
	return arch_cas(&sched.worldsema, &zero, 1,
	                __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void worldsema_acquire(void)
{
	while (!worldsema_tryacquire())
		Gosched();      /* the owner is stopping the world: let it */
}

void worldsema_release(void)
{
	__atomic_store_n(&sched.worldsema, 0, __ATOMIC_RELEASE);
}

/* The CPU waiting in stopTheWorld for the Ps to stop (sched.lock). In
 * .bss.noscan, as sched: written inside the GC's pauses, it must not sit
 * on a page the snapshot barrier write-protects (a fault, and the page
 * greyed, in every termination pause). */
static int stopper __attribute__((section(".bss.noscan.sched")));

/* Stop pp, which its M (or nobody) holds, for the STW. */
static void stop_p_locked(struct p *pp)
{
	assert_lock_held(&sched.lock);
	p_setstatus(pp, Pgcstop);
	sched.stopped |= 1ULL << pp->id;
}

void gcstopm_locked(struct m *m)
{
	assert_lock_held(&sched.lock);
	struct p *pp = m->p;
	ASSERT(pp != NULL && pp->status == Prunning);
	stop_p_locked(pp);
	pp->m = NULL;
	m_setp(m, NULL);
	/* release; pairs with the acquire loads in stopTheWorld: whatever
	 * this M did with the P happens before the world counts as stopped.
	 * The last P to stop wakes the stopper at once rather than at its
	 * next poll (under -icount a poll's 20 us of sleep cost 20,000
	 * instructions of every pause; docs/gc.md, "Where the pauses go"). */
	if (__atomic_sub_fetch(&sched.stopwait, 1, __ATOMIC_RELEASE) == 0)
		arch_send_ipi(stopper);
}

/* Ask every CPU whose P still runs to preempt its goroutine. */
static void preempt_running(void)
{
	struct m *ms[MAXCPU];
	int n = 0;
	spin_lock(&sched.lock);
	for (int i = 0; i < MAXCPU; i++)
		if (allp[i].status == Prunning && allp[i].m != NULL)
			ms[n++] = allp[i].m;
	spin_unlock(&sched.lock);
	for (int i = 0; i < n; i++)
		preemptone(ms[i]);
}

void stopTheWorld(void)
{
	struct m *m = getm();
	struct p *me = m->p;
	ASSERT(getg()->is_g0 && me != NULL);
	ASSERT(__atomic_load_n(&sched.worldsema, __ATOMIC_RELAXED) == 1);
	spin_lock(&sched.lock);
	sched.stopped = 0;
	stopper = m->id;
	int32_t running = 0;
	for (int i = 0; i < MAXCPU; i++)
		if (allp[i].status == Prunning && &allp[i] != me)
			running++;
	__atomic_store_n(&sched.stopwait, running, __ATOMIC_RELAXED);
	/* seq_cst; pairs with the acquire loads in findrunnable: an M that
	 * misses it has not yet passed its check, and will see it there. */
	__atomic_store_n(&sched.gcwaiting, 1, __ATOMIC_SEQ_CST);
	stop_p_locked(me);
	while (sched.pidle != NULL) {   /* idle Ps: stopped where they lie */
		struct p *pp = sched.pidle;
		sched.pidle = pp->link;
		__atomic_sub_fetch(&sched.npidle, 1, __ATOMIC_SEQ_CST);
		stop_p_locked(pp);
	}
	spin_unlock(&sched.lock);
	int64_t start = nanotime(), last = start;
	if (running > 0)
		preempt_running();
	while (__atomic_load_n(&sched.stopwait, __ATOMIC_ACQUIRE) > 0) {
		/* Masked from the check to the wfi: the last stopping M's IPI
		 * stays pending and ends the wait (a plain wake-up in trap_ipi). */
		unsigned long flags = arch_irq_save();
		/* acquire: as the loop's */
		if (__atomic_load_n(&sched.stopwait, __ATOMIC_ACQUIRE) > 0)
			cpu_wait_short();
		arch_irq_restore(flags);
		int64_t now = nanotime();
		if (now - last < STW_RESEND_NS)
			continue;
		last = now;
		/* A P held by an Exit never stops: no error, the machine is
		 * powering off (Exit may be writing out a trace, which can
		 * take longer than the timeout on a slow console). */
		if (now - start > STW_TIMEOUT_NS && !exit_started()) {
			for (int i = 0; i < MAXCPU; i++)
				if (p_status(&allp[i]) == Prunning)
					printk("runtime: stopTheWorld: P%d (cpu %d) did not stop in %lld s\n",
					       i, allp[i].m ? allp[i].m->id : -1,
					       (long long)(STW_TIMEOUT_NS / 1000000000));
			throw("stopTheWorld: timed out waiting for a P to stop");
		}
		preempt_running();
	}
}

void startTheWorld(void)
{
	struct m *m = getm();
	struct p *me = m->p;
	struct m *wake[MAXCPU];
	int nwake = 0;
	int64_t now = nanotime();
	spin_lock(&sched.lock);
	uint64_t stopped = sched.stopped;
	sched.stopped = 0;
	__atomic_store_n(&sched.gcwaiting, 0, __ATOMIC_SEQ_CST);
	p_setstatus(me, Prunning);
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	for (int i = 0; i < MAXCPU; i++) {
		struct p *pp = &allp[i];
		if (!(stopped & (1ULL << i)) || pp == me)
			continue;
		if (i >= np) {          /* retired while stopped */
			p_retire(pp);
			continue;
		}
		struct m *mp = NULL;
		if (!runq_empty(&pp->runq) || timers_next(&pp->timers) <= now)
			mp = mget();
		if (mp != NULL) {
			/* running from now on, as pidleget would make it: a
			 * stop-the-world that comes before mp wakes must count
			 * it (mp then stops it in findrunnable) */
			p_setstatus(pp, Prunning);
			handoff(mp, pp, false);
			wake[nwake++] = mp;
		} else {
			pidleput(pp);
		}
	}
	spin_unlock(&sched.lock);
	for (int i = 0; i < nwake; i++)
		arch_wake_cpu(wake[i]->id);     /* asleep in stopm */
	wakep();
}

/* ---- a goroutine stops the world around one function ----------------- */

/* The function and its argument: written and read by worldsema's owner. */
static void (*stw_fn)(void *);
static void *stw_arg;

static void stw_run_m(struct g *gp)
{
	struct m *m = getm();
	traceGoStop(gp, StopWorld);
	stopTheWorld();
	stw_fn(stw_arg);
	startTheWorld();
	casgstatus(gp, Grunning, Grunnable);
	gp->m = NULL;
	runqput(m->p, gp, true);
}

void stw_run(void (*fn)(void *), void *arg)
{
	worldsema_acquire();
	stw_fn = fn;
	stw_arg = arg;
	mcall(stw_run_m);
	worldsema_release();
}
