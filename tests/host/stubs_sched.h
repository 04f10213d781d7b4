/*
 * stubs_sched.h - the scheduler on pthreads, for host tests of the real
 * kernel/lib/spinlock.c and kernel/sync/ code (stubs_sched.c).
 *
 * Every test thread calls host_thread_enter() first: it becomes one M with
 * one P running one G, so getg()/getm() work, and gopark/goready put the
 * thread to sleep and wake it.
 */
#ifndef TESTS_HOST_STUBS_SCHED_H
#define TESTS_HOST_STUBS_SCHED_H

#include <stdint.h>

void host_thread_enter(void);
void host_thread_exit(void);            /* checks nopreempt is back to 0 */

/* Statistics the tests read (atomic). */
extern uint64_t host_nparks;            /* gopark calls that slept */
extern uint64_t host_npreempt;          /* gopreempt calls */

/* Kill the process with msg if it is still running after sec seconds
 * (a hang is a lost wake-up or a lock never released). */
void host_watchdog(unsigned sec, const char *msg);

#endif
