/*
 * mgcsatb.h - the snapshot barrier's rings (mgcsatb.c), for the concurrent
 * mark (mgcconc.c). Private to kernel/gc.
 */
#ifndef KERNEL_GC_MGCSATB_H
#define KERNEL_GC_MGCSATB_H

#include "kernel/gc/mgcmark.h"

/* The rings and the stack-copy buffer, taken once with the world
 * running (the cycle's starter, before the arm): taking them and
 * untracking their pages inside the first start pause made it 69-77
 * thousand instructions instead of 21-29 (bench/gc test=4). Any context
 * that may take heap pages; idempotent; satb_begin retries a failure. */
void satb_alloc(void);
/* World stopped, start pause: every CPU's ring ready and empty, the
 * overflow flag clear. False if memory for a ring ran out (no snapshot
 * this cycle). */
bool satb_begin(void);
/* World stopped: turn the fault path's greying on (start pause, after
 * gc_barrier_snapshot) or off (termination, after the last pull). */
void satb_set(bool on);
/* Scan (conservatively, into mk's buffers) every word the rings hold and
 * free them. The coordinator, or termination with the world stopped (then
 * every word any fault path wrote is in). Returns how many words. */
size_t satb_pull(struct marker *mk);
/* The coordinator, inside its drains: satb_pull for the rings a quarter
 * full or more, so that none fills during a long drain (the first one,
 * the bulk of the heap, takes most of the mark). */
size_t satb_pull_full(struct marker *mk);
/* A ring was full this cycle: the snapshot does not hold. */
bool satb_overflowed(void);
/* World stopped, start pause: copy the words of [lo, hi) (a goroutine's
 * stack) that lie in the heap's bounds into the stack buffer, to be
 * scanned by satb_pull_stacks. False, copying nothing, if they might not
 * fit: the caller scans the range itself. */
bool satb_stack_copy(uintptr_t lo, uintptr_t hi);
/* The coordinator, before its first drain: scan the stack buffer's words
 * into mk's buffers and empty it. Returns how many words. */
size_t satb_pull_stacks(struct marker *mk);

#endif
