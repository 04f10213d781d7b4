/*
 * mutex.c - sync.Mutex (Go's sync/mutex.go, the algorithm, in C).
 *
 * State word (atomic int32):
 *   bit 0  mutexLocked    - held
 *   bit 1  mutexWoken     - a waiter was woken (or a spinner is about to
 *                           take the lock): Unlock need not wake another
 *   bit 2  mutexStarving  - starvation mode
 *   bits 3.. waiters      - goroutines asleep on m->sema
 *
 * Normal mode: waiters queue FIFO, but a woken waiter competes with
 * newcomers, who usually win (they are already running). That is fast
 * but can starve a waiter, so a waiter that fails to get the lock for
 * more than 1 ms switches the mutex to starvation mode.
 *
 * Starvation mode: Unlock hands the lock straight to the waiter at the
 * head of the queue (semrelease with hand-off); newcomers neither spin nor
 * try to grab it, they queue at the tail. The waiter that receives it
 * leaves starvation mode if it is the last waiter or it waited under 1 ms.
 *
 * Spinning: a goroutine spins (at most 4 rounds of 30 pause hints) only on
 * a multi-CPU machine, while other Ps are running goroutines and its own
 * run queue is empty - otherwise spinning only delays the holder.
 *
 * Invariant: Unlock of an unlocked mutex is a fatal error.
 */
#include "gort.h"
#include "kernel/sync/sema.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"
#include "arch/atomic.h"

enum {
	mutexLocked = 1,
	mutexWoken = 2,
	mutexStarving = 4,
	mutexWaiterShift = 3,
};
#define starvationThresholdNs (1 * Millisecond)
#define active_spin 4
#define active_spin_cnt 30

bool sync_canSpin(int iter)
{
	if (iter >= active_spin || ncpu <= 1)
		return false;
	int np = __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED);
	if (np <= __atomic_load_n(&sched.npidle, __ATOMIC_RELAXED) +
	          __atomic_load_n(&sched.nmspinning, __ATOMIC_RELAXED) + 1)
		return false;
	acquirem();
	struct p *pp = getm()->p;
	bool empty = pp == NULL || runq_empty(&pp->runq);
	releasem();
	return empty;
}

void sync_doSpin(void)
{
	for (int i = 0; i < active_spin_cnt; i++)
		arch_cpu_relax();
}

/* All state transitions are acq_rel CASes or adds: acquire when they take
 * the lock (pairs with the release in Unlock), release when they give it. */
static bool cas_state(Mutex *m, int32_t *old, int32_t new)
{
	return arch_cas(&m->state, old, new,
	                __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

static void lockSlow(Mutex *m)
{
	int64_t waitStartTime = 0;
	bool starving = false, awoke = false;
	int iter = 0;
	int32_t old = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
	for (;;) {
		/* Spin while locked in normal mode, if spinning can pay off. */
		if ((old & (mutexLocked | mutexStarving)) == mutexLocked && sync_canSpin(iter)) {
			/* Set woken so that Unlock does not wake a sleeper who
			 * would only lose to us. */
			if (!awoke && (old & mutexWoken) == 0 && (old >> mutexWaiterShift) != 0 &&
			    cas_state(m, &old, old | mutexWoken))
				awoke = true;
			sync_doSpin();
			iter++;
			old = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
			continue;
		}
		int32_t new = old;
		if ((old & mutexStarving) == 0)
			new |= mutexLocked;          /* only grab it in normal mode */
		if ((old & (mutexLocked | mutexStarving)) != 0)
			new += 1 << mutexWaiterShift;
		/* Switch to starvation mode, but only if still locked (an
		 * unlocked mutex in starvation mode would have no one to hand
		 * it over). */
		/* LAB mutex_starvation enter { */
		if (starving && (old & mutexLocked) != 0)
			new |= mutexStarving;
		/* } LAB mutex_starvation enter */
		if (awoke) {
			if ((new & mutexWoken) == 0)
				throw("sync: inconsistent mutex state");
			new &= ~mutexWoken;
		}
		if (cas_state(m, &old, new)) {
			if ((old & (mutexLocked | mutexStarving)) == 0)
				break;               /* locked it */
			/* Waited before: go to the front of the queue. */
			bool queueLifo = waitStartTime != 0;
			if (waitStartTime == 0)
				waitStartTime = nanotime();
			semacquire1(&m->sema, queueLifo, waitReasonSyncMutexLock);
			/* LAB mutex_starvation measure { */
			starving = starving || nanotime() - waitStartTime > starvationThresholdNs;
			/* } LAB mutex_starvation measure */
			old = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
			if ((old & mutexStarving) != 0) {
				/* Handed to us: state says unlocked, one waiter
				 * (us) too many. Fix it up in one add. */
				if ((old & (mutexLocked | mutexWoken)) != 0 ||
				    (old >> mutexWaiterShift) == 0)
					throw("sync: inconsistent mutex state");
				int32_t delta = mutexLocked - (1 << mutexWaiterShift);
				if (!starving || (old >> mutexWaiterShift) == 1)
					delta -= mutexStarving;   /* leave starvation mode */
				/* acq_rel; the acquire pairs with the release in
				 * Unlock that handed the lock over. */
				__atomic_add_fetch(&m->state, delta, __ATOMIC_ACQ_REL);
				break;
			}
			awoke = true;
			iter = 0;
		}
		/* CAS failure reloaded old */
	}
}

void Mutex_Lock(Mutex *m)
{
	int32_t zero = 0;
	/* Fast path. acquire; pairs with the release in Mutex_Unlock. */
	if (arch_cas(&m->state, &zero, mutexLocked,
	             __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	lockSlow(m);
}

bool Mutex_TryLock(Mutex *m)
{
	int32_t old = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
	if ((old & (mutexLocked | mutexStarving)) != 0)
		return false;
	/* acquire on success; pairs with the release in Mutex_Unlock. A
	 * woken waiter may be about to take it: we may still race it, as in
	 * Go, and the CAS decides. */
	return arch_cas(&m->state, &old, old | mutexLocked,
	                __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static void unlockSlow(Mutex *m, int32_t new)
{
	if (((new + mutexLocked) & mutexLocked) == 0)
		throw("sync: unlock of unlocked mutex");
	if ((new & mutexStarving) == 0) {
		int32_t old = new;
		for (;;) {
			/* No waiters, or someone already woken/holding/handing
			 * over: nothing to wake. */
			if ((old >> mutexWaiterShift) == 0 ||
			    (old & (mutexLocked | mutexWoken | mutexStarving)) != 0)
				return;
			new = (old - (1 << mutexWaiterShift)) | mutexWoken;
			if (cas_state(m, &old, new)) {
				semrelease1(&m->sema, false);
				return;
			}
		}
	}
	/* Starvation mode: hand the lock to the head waiter. mutexLocked is
	 * not set: the waiter sets it. Newcomers see mutexStarving and queue. */
	semrelease1(&m->sema, true);
}

void Mutex_Unlock(Mutex *m)
{
	/* release; pairs with the acquire in Lock/TryLock. */
	int32_t new = __atomic_add_fetch(&m->state, -mutexLocked, __ATOMIC_RELEASE);
	if (new != 0)
		unlockSlow(m, new);
}
