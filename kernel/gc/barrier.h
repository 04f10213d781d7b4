/*
 * barrier.h - the collector's page-dirty barrier: which pages were written
 * since they were last cleaned (kernel/gc/barrier.c; docs/gc.md, "The
 * page-dirty barrier").
 */
#ifndef KERNEL_GC_BARRIER_H
#define KERNEL_GC_BARRIER_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* rtflags.gcbarrier (bootarg gcbarrier=auto|hw|fault) and the chosen mode. */
enum { GCBARRIER_AUTO, GCBARRIER_HW, GCBARRIER_FAULT };

/* Boot CPU, after mheap_init, before other CPUs start: choose the mode,
 * map the tracked ranges with 4 KiB pages (the heap, .data/.bss; stack
 * pages are tracked as they are mapped). Every tracked page starts dirty. */
void gc_barrier_init(void);

/* GCBARRIER_HW or GCBARRIER_FAULT, and its name ("hw", "fault"). */
int gc_barrier_mode(void);
const char *gc_barrier_mode_name(void);

/* Make every tracked page clean and empty the stack set (below); returns
 * after every CPU's TLB dropped its translations, so any later store
 * marks its page again. */
void gc_barrier_arm(void);

/* The snapshot-at-the-beginning mark's arm (docs/gc.md, "Snapshot at the
 * beginning"): gc_barrier_arm, and every non-stack tracked page
 * write-protected in hardware mode too, so that the first store to each
 * after it faults (the port calls gc_barrier_prefault first). False if
 * the port cannot take write faults (then nothing was protected). In
 * hardware mode the pages stay protected from cycle to cycle: the arm and
 * gc_barrier_snapshot take the faulted bitmap alone and protect what they
 * find again, until a gc_barrier_collect* gives them back to the hardware. */
bool gc_barrier_arm_protect(void);
/* With the world stopped, after gc_barrier_arm_protect: write-protect
 * again every non-stack page that faulted since (the faulted bitmap;
 * stack pages are left alone), then the shootdown. From its return until
 * a collect, every non-stack tracked page written went through
 * gc_barrier_prefault first. */
size_t gc_barrier_snapshot(void);    /* returns the pages protected again */
/* The same collect with the world running, between gc_barrier_arm_protect
 * and the start pause (docs/gc.md, "Protecting again before the stop"):
 * the pages faulted since the arm or the last pre-pass are write-protected
 * again, without a shootdown (the pause's gc_barrier_snapshot does it), so
 * the pause finds only those written after it. Must be followed by
 * gc_barrier_snapshot before the snapshot is used. Returns the pages
 * protected again. */
size_t gc_barrier_presnapshot(void);
/* Add the stack pages written since the last collect to the stack set
 * (gc_barrier_collect_more's part for stacks; the other pages are left
 * alone). The snapshot mark's termination. */
void gc_barrier_collect_stacks(void);

/* The dirty set: the pages written since the last arm or collect, and
 * clean them again. Returns how many. A store that completed before the
 * call began is in this set or (if it raced with the clean) it is visible
 * to whatever the caller reads after the call returns, and every store
 * made after the call returned is in the next set. Fault mode adds one
 * race: a store through a page another CPU's fault handler has made
 * writable but not yet recorded may be in the next set instead (never
 * with the world stopped: no handler is half-way then). One caller at a
 * time (a second concurrent caller is a fatal error). In fault mode, after
 * the first collect since boot, the cost follows the pages faulted since
 * the last collect (the faulted bitmap), not the tracked RAM. */
size_t gc_barrier_collect(void);

/* The concurrent mark's collect (gcconc=1; same contract as
 * gc_barrier_collect): every page, replacing the set of the other pages
 * but adding the stack pages to theirs, so that the stack set holds every
 * stack page written since gc_barrier_arm. Returns the pages in the new
 * non-stack set. */
size_t gc_barrier_collect_more(void);
/* The concurrent mark's last round: gc_barrier_collect_more, and in
 * hardware mode also write-protect every non-stack page (where the port
 * can), so that every store to one faults and the next collect (mark
 * termination's) takes the faulted bitmap alone, as in fault mode. That
 * collect gives the pages it finds back to the hardware; the others stay
 * protected until a later collect walks them (the next cycle's arm). */
size_t gc_barrier_collect_last(void);
size_t gc_barrier_stack_pages(void);    /* pages in the stack set */

/* Was va's page in the last collected set (for a stack page: in the stack
 * set)? Is any page of [lo, hi)? (Only the collector asks.) */
bool gc_barrier_dirty(uintptr_t va);
bool gc_barrier_dirty_range(uintptr_t lo, uintptr_t hi);
/* fn(page) for every page of the last collected non-stack set. */
void gc_barrier_foreach_dirty(void (*fn)(uintptr_t page, void *arg), void *arg);

/* Write faults taken so far (fault mode; in hardware mode only the
 * boot-time probe or a core that traps on D = 0 takes any). */
uint64_t gc_barrier_faults(void);

#endif
