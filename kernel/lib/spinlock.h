/*
 * spinlock.h - the runtime's internal lock (Go's runtime.mutex on bare metal).
 *
 * A test-and-test-and-set lock: wait until it looks free (plain loads, no
 * cache-line ping-pong), then try one compare-and-swap. It is not FIFO. A
 * ticket lock would be fair, but on virtual CPUs (QEMU with more vCPUs than
 * host cores, or any hypervisor) it hands the lock to the next waiter in
 * line even when that vCPU is not running, and every other waiter spins for
 * a whole host time slice: contended channels ran a thousand times slower
 * at -smp 4 on a 2-core host. Runtime critical sections are short, so
 * fairness is not worth that. Holding a spinlock defers async preemption of the
 * holding goroutine (g->nopreempt), because a goroutine preempted while
 * holding a runtime lock would make every other CPU spin until it ran again.
 * Spinlocks are never taken in trap handlers except on the fatal path, so
 * they do not mask interrupts; spin_lock_irqsave does, for the few locks a
 * trap handler may take.
 */
#ifndef KERNEL_LIB_SPINLOCK_H
#define KERNEL_LIB_SPINLOCK_H

#include <stdint.h>
#include <stdbool.h>

typedef struct {
	uint32_t locked; /* atomic: 0 free, 1 held */
} spinlock_t;

#define SPINLOCK_INIT { 0 }

void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
bool spin_trylock(spinlock_t *l);
bool spin_is_locked(spinlock_t *l);
unsigned long spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);
struct g;
/* gopark hand-offs, on g0, for a goroutine gp that parked holding runtime
 * locks: first drop gp->nopreempt by the number of locks it holds (while
 * gp cannot run: nobody else touches the count), then release each lock
 * with spin_unlock_parked. In the other order, releasing a lock lets a
 * waker make gp run on another CPU, whose own nopreempt++ would race with
 * this CPU's decrement: a lost update left a goroutine preemptible while it
 * held channel locks, and every CPU spun on them for ever. */
void spin_unlock_parked(spinlock_t *l);

/* Defer / re-allow async preemption of the running goroutine (Go's
 * acquirem/releasem). releasem yields if a preemption arrived meanwhile. */
void acquirem(void);
void releasem(void);

#endif
