/*
 * sched.h - the scheduler's internal interface (for kernel/ code).
 * The public goroutine API is in include/gort.h.
 */
#ifndef KERNEL_SCHED_SCHED_H
#define KERNEL_SCHED_SCHED_H

#include <stddef.h>
#include <stdbool.h>
#include "kernel/sched/runtime2.h"
#include "arch/atomic.h"
#include "gort.h"

/* boot */
void sched_init(int ncpu, int nprocs);
void m_init(struct m *m, int cpu, uint64_t hwid);  /* per CPU, before traps */
_Noreturn void mstart(void);           /* become this CPU's scheduler */

/* goroutines */
struct g *newproc(void (*fn)(void *), void *arg, size_t stacksize);
/* A runtime goroutine (finalizers, sweeper): never counted as a user
 * goroutine for deadlock detection, left out of goroutine dumps. */
struct g *newproc_system(void (*fn)(void *), void *arg);
_Noreturn void goexit1(void);          /* end the running G (no defers left) */
void mcall(void (*fn)(struct g *));
/* Park the running G. On g0, after the G's state is saved, unlockf(gp,
 * lock) runs; if it returns false the G keeps running. */
void gopark(bool (*unlockf)(struct g *, void *), void *lock, enum waitreason r);
/* gopark that releases a spinlock once the G is parked. */
void goparkunlock(spinlock_t *lock, enum waitreason r);
/* Make a parked G runnable, on the current P, to run next. */
void goready(struct g *gp);
/* goready, then true: the last call of a fast path that returns true, made
 * as a tail call, so that the path needs no frame of its own (chan.c). */
bool goready_true(struct g *gp);
/* goready gp if *parked (set under lock before it parked with
 * goparkunlock(lock)); clears *parked. */
void goready_parked(spinlock_t *lock, bool *parked, struct g *gp);
void gopreempt(void);                  /* yield after a preemption request */

/* Ps, Ms, idling (idle.c) */
void runqput(struct p *pp, struct g *gp, bool next);
void globrunqput(struct g *gp);        /* sched.lock (asserted) */
struct g *globrunqget(struct p *pp, int max); /* sched.lock (asserted) */
void wakep_idle(void);
/* Wake an idle M with an idle P if none is spinning. seq_cst loads, after
 * the caller published a G with a seq_cst store (runq_put, globrunqput):
 * the submitter's half of the store-buffering pair with a spinner that
 * gives up its P (pidleput's and dropspinning's seq_cst decrements, then
 * any_runq_work's seq_cst loads; findrunnable). Either that spinner sees
 * the G, or these loads see the idle P and no spinner, and wake an M.
 * Inline: with no P idle (a busy machine, or one CPU) it is one load. */
static inline void wakep(void)
{
	if (__atomic_load_n(&sched.npidle, __ATOMIC_SEQ_CST) != 0)
		wakep_idle();
}
int32_t dropspinning(struct m *m);     /* m stops spinning; Ms still spinning */
struct g *findrunnable(struct m *m, bool *inherit, uint64_t *ticks); /* g0: findrunnable.c */
void stopm(struct m *m);               /* sleep until handed a P */
struct p *pidleget(void);              /* sched.lock (asserted) */
void pidleput(struct p *pp);           /* sched.lock (asserted) */
void check_deadlock(void);             /* sched.lock (asserted) */
void gomaxprocs_apply(struct m *m);    /* retire this M's P if shrunk */
void p_retire(struct p *pp);           /* Pdead, work moved away; sched.lock held */

struct m *mget(void);                  /* an idle M, or NULL; sched.lock (asserted) */
void handoff(struct m *m, struct p *pp, bool spinning); /* give pp to idle m; sched.lock (asserted) */

/* stop-the-world (stw.c) */
void worldsema_acquire(void);          /* goroutine context; may yield */
bool worldsema_tryacquire(void);       /* false: someone else owns it */
void worldsema_release(void);
void stopTheWorld(void);               /* g0, holding a P and worldsema */
void startTheWorld(void);
/* Goroutine context: fn(arg) on g0 with every other P stopped (no CPU is
 * between two steps of the scheduler), then the caller runs on. */
void stw_run(void (*fn)(void *), void *arg);
void gcstopm_locked(struct m *m);      /* stop m's P for the STW; sched.lock (asserted) */
void cpu_wait_short(void);             /* g0: idle ~20 us in wfi (not a spin) */
/* An idle M busy elsewhere than its sleep loop (helping the concurrent
 * mark from stopm) asks: should it go back to the loop now - was it
 * handed a P, or is an idle P's timer due? A racy hint: the loop rechecks. */
bool idle_m_wanted(struct m *m);
/* P status: every write is under sched.lock, but earliest_idle_timer and
 * the stop-the-world's timeout report read it without the lock, so writes
 * are relaxed atomic stores and those reads relaxed atomic loads (they
 * only need a value that held at some moment); reads under sched.lock may
 * stay plain. */
static inline void p_setstatus(struct p *pp, uint32_t s)
{
	__atomic_store_n(&pp->status, s, __ATOMIC_RELAXED);
}
static inline uint32_t p_status(const struct p *pp)
{
	return __atomic_load_n(&pp->status, __ATOMIC_RELAXED);
}

static inline bool gcwaiting(void)
{
	/* acquire; pairs with the seq_cst store in stopTheWorld */
	return __atomic_load_n(&sched.gcwaiting, __ATOMIC_ACQUIRE) != 0;
}

/* preemption (preempt.c) */
void preemptone(struct m *m);          /* ask CPU m to preempt its G */
void sched_stop_others(void);          /* fatal path: stop every other CPU */
bool exit_started(void);               /* an Exit is powering the machine off */
void timer_program(struct m *m, uint64_t when); /* write the CPU's timer */
void arm_timer(struct m *m);           /* program slice end / next timer */

/* The lazy slice timer, on every switch (preempt.c says why): write the
 * CPU's timer only if the slice end or the P's earliest timer comes before
 * the deadline it holds. Inline: the common case writes nothing. */
static inline __attribute__((always_inline)) void arm_timer_lazy(struct m *m)
{
	uint64_t when = m->slice_end;
	/* relaxed: only the value is used. Timers are added to a P's heap by
	 * the goroutines running on it (this CPU: program order); another CPU
	 * only removes them, and a stale earlier value costs one early
	 * interrupt, which trap_timer re-arms. */
	uint64_t t = __atomic_load_n(&m->p->timers.when0_ticks, __ATOMIC_RELAXED);
	if (t < when)
		when = t;
	if (when < m->timer_when)
		timer_program(m, when);
}

/* time (kernel/time) */
extern uint64_t ticks_per_ns_32;       /* time.c: ticks = ns * this >> 32 */
/* Ticks since boot at which nanotime() reaches ns (rounded up). */
static inline uint64_t ns_to_ticks(int64_t ns)
{
	if (ns <= 0)
		return 0;
	return (uint64_t)(((unsigned __int128)ns * ticks_per_ns_32) >> 32) + 1;
}
extern uint64_t ns_per_tick_32;        /* time.c: ns = ticks * this >> 32 */
/* What nanotime() returned when arch_ticks() read ticks (the scheduler and
 * the tracer read the counter once and convert). */
static inline int64_t ticks_to_nanotime(uint64_t ticks)
{
	return (int64_t)(((unsigned __int128)(ticks - sched.start_ticks) * ns_per_tick_32) >> 32);
}
void time_init(void);

/* observability (trace.c) */
void sched_dump_goroutines(struct g *skip);
void schedtrace_start(int64_t period_ms);
void leakcheck(void);                  /* bootargs leakcheck=1, at Exit */

/* G cache and allgs (g.c) */
struct g *malg(size_t stacksize);
uint32_t gstatus(struct g *gp);
_Noreturn void casgstatus_fail(struct g *gp, uint32_t old, uint32_t from, uint32_t to);
/* Move gp from status from to to; a fatal error if it was not in from.
 * Inline: every switch changes two statuses (a call each cost a third
 * more than the compare-and-swap). */
static inline __attribute__((always_inline)) void casgstatus(struct g *gp, uint32_t from, uint32_t to)
{
	uint32_t old = from;
	/* acq_rel: a status change publishes the G's fields to whoever
	 * observes the new status (pairs with the acquire in gstatus). */
	if (__builtin_expect(!arch_cas(&gp->status, &old, to,
	                               __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE), 0))
		casgstatus_fail(gp, old, from, to);
}

extern size_t tls_size;
extern size_t tls_words;   /* tls_size in 8-byte words, rounded up */

/* Copy a picolibc TLS block (errno: 4 bytes today) between a G and its M
 * on every switch: a word loop, not a memcpy call. */
static inline __attribute__((always_inline)) void tls_copy(uint8_t *dst, const uint8_t *src)
{
	uint64_t *d = (uint64_t *)(void *)dst;
	const uint64_t *s = (const uint64_t *)(const void *)src;
	size_t n = tls_words;
	if (__builtin_expect(n == 1, 1)) {   /* picolibc's: errno alone */
		d[0] = s[0];
		return;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

#endif
