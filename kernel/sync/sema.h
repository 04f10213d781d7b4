/*
 * sema.h - the runtime's sleep queue for the sync package (sema.c).
 */
#ifndef KERNEL_SYNC_SEMA_H
#define KERNEL_SYNC_SEMA_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/sched/runtime2.h"

/* Wait until *addr > 0, then decrement it. lifo: queue at the front (a
 * waiter that already waited once). r: what the goroutine list shows. */
void semacquire1(uint32_t *addr, bool lifo, enum waitreason r);
/* Increment *addr and wake one waiter. handoff: give the count straight to
 * that waiter and yield to it (Mutex starvation mode). */
void semrelease1(uint32_t *addr, bool handoff);

/* Boot, before any goroutine: the table's locks get their rank. */
void sema_init(void);

static inline void semacquire(uint32_t *addr) { semacquire1(addr, false, waitReasonSemacquire); }
static inline void semrelease(uint32_t *addr) { semrelease1(addr, false); }

/* For Mutex spinning (Go's sync_runtime_canSpin/doSpin). */
bool sync_canSpin(int iter);
void sync_doSpin(void);

/* Cond's ticket list (notifylist.c). */
struct notifyList;
uint32_t notifyListAdd(struct notifyList *l);
void notifyListWait(struct notifyList *l, uint32_t t);
void notifyListNotifyOne(struct notifyList *l);
void notifyListNotifyAll(struct notifyList *l);

#endif
