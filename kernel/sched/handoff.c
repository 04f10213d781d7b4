/*
 * handoff.c - the deferred wake-up after a hand-off.
 *
 * goready puts the readied G in its P's runnext, and Go's ready() then
 * calls wakep: if a P is idle and no M is spinning, an idle M is woken to
 * look for work. Most of the time there is none for it: the goroutine that
 * readied the other blocks a few hundred instructions later (channel
 * ping-pong, a ring of goroutines, WaitGroup.Done then Wait, a Cond
 * signal), and the readied G runs next on the same P. The woken CPU takes
 * an IPI, spins through every run queue, finds nothing and sleeps again -
 * once per hand-off. bench/ring measured it: a 503-goroutine token ring
 * executed 2.0x (aarch64) to 2.6x (riscv64) the instructions at -smp 2
 * that it needed at -smp 1, for no speed-up.
 *
 * So when the readied G is the only one queued on this P (runnext, with
 * the queue behind it empty), the wake is deferred by HANDOFF_WAKE_NS: the
 * M records a deadline (m->handoff_when) that the lazy slice timer
 * includes (preempt.c, next_deadline). If this P runs the G from runnext
 * before then (execute with inherit), the deadline is dropped. If the
 * deadline passes first - the readying goroutine kept running - the timer
 * interrupt wakes an idle P (handoff_expired), which steals the G as Go's
 * spinning Ms do. The readied G waits at most HANDOFF_WAKE_NS longer than
 * under Go's rule, and only while its own P is busy.
 *
 * Anything more than one G queued, and every new goroutine (newproc),
 * still wakes at once: that is parallel work.
 *
 * State: m->handoff_when, own M with interrupts masked (the timer
 * interrupt reads and clears it on the same CPU).
 */
#include "kernel/sched/sched.h"

#define HANDOFF_WAKE_NS (20 * Microsecond)

static bool runnext_only(struct runq *q)
{
	/* relaxed: a heuristic on this P's own queue (the owner stores
	 * tail; thieves only advance head, which makes it look emptier) */
	return __atomic_load_n(&q->tail, __ATOMIC_RELAXED) ==
	       __atomic_load_n(&q->head, __ATOMIC_RELAXED);
}

/* After runqput(pp, gp, true): wake an idle P now, or later if the G is
 * still waiting then. Called with the M pinned (acquirem). */
void wakep_handoff(struct m *m, struct p *pp)
{
	/* relaxed: wakep re-reads it seq_cst; no idle P, nothing to defer */
	if (__atomic_load_n(&sched.npidle, __ATOMIC_RELAXED) == 0)
		return;
	if (!runnext_only(&pp->runq)) {
		wakep();
		return;
	}
	unsigned long flags = arch_irq_save();
	if (m->handoff_when == UINT64_MAX) {
		m->handoff_when = arch_ticks() + ns_to_ticks(HANDOFF_WAKE_NS);
		if (m->handoff_when < m->timer_when)
			timer_program(m, m->handoff_when);
	}
	arch_irq_restore(flags);
}

/* The timer interrupt, past m->handoff_when, interrupted gp (not g0). If
 * the G is still in runnext, wake an idle P for it - unless gp holds a
 * runtime lock (wakep takes sched.lock, which gp may hold): then look
 * again one window later. */
void handoff_expired(struct m *m, struct g *gp, uint64_t now)
{
	m->handoff_when = UINT64_MAX;
	struct p *pp = m->p;
	if (pp == NULL || __atomic_load_n(&pp->runq.runnext, __ATOMIC_RELAXED) == NULL)
		return;
	if (gp->nopreempt > 0) {
		m->handoff_when = now + ns_to_ticks(HANDOFF_WAKE_NS);
		return;
	}
	wakep();
}
