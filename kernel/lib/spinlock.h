/*
 * spinlock.h - the runtime's internal lock (Go's runtime.mutex on bare metal).
 *
 * A ticket lock: FIFO, so no CPU starves under contention, and one atomic
 * fetch-add to take it. Holding a spinlock defers async preemption of the
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
	uint32_t next;   /* atomic: ticket dispenser */
	uint32_t owner;  /* atomic: ticket now served */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
bool spin_trylock(spinlock_t *l);
bool spin_is_locked(spinlock_t *l);
unsigned long spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);
struct g;
void spin_unlock_park(spinlock_t *l, struct g *gp);

/* Defer / re-allow async preemption of the running goroutine (Go's
 * acquirem/releasem). releasem yields if a preemption arrived meanwhile. */
void acquirem(void);
void releasem(void);

#endif
