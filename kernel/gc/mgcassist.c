/*
 * mgcassist.c - mark assists (Go's gcAssistAlloc and the background scan
 * credit of mgcmark.go; the ratio is mgcpacer.go's assistWorkPerByte,
 * here pacer_assist_ratio in pacerrule.h): while a concurrent mark runs,
 * a goroutine that takes heap pays for it with scan work, so that a fast
 * allocator cannot outrun the mark.
 *
 *   Ratio. Set in the start pause (gc_assist_start): the last mark's scan
 *   work over the runway from the heap at the start to the mark's hard
 *   limit, in scan words per byte (16.16 fixed point). 0 outside a mark:
 *   nothing is owed.
 *   Debt. Charged where heapLive grows - an mcache taking a span (its free
 *   bytes, counted up front), a large object - never per object: the fast
 *   path is untouched. The bytes go on the M's account (assistBytes) and
 *   gc_want is raised, so the next allocation on the complete path that
 *   returns at a safe point pays (gc_maybe_start -> gc_assist_alloc).
 *   Per M, not per G as in Go: the goroutine that took the span normally
 *   pays, and if it moved, another goroutine of that M pays for it.
 *   Credit. The background worker and the idle CPUs that help it publish
 *   their scan work (gc_bgScanCredit, every 64 objects, mgcmark.c); an
 *   assist takes from it first, so an allocator that the background
 *   worker keeps up with pays nothing.
 *   Work. The rest the assist scans itself: it joins the open drain phase
 *   as an idle CPU does (mark_assist, mgcmark.c: nhelping's protocol, so
 *   the coordinator's phase_close waits for it), with its M's gcwork,
 *   pinned to its M, in chunks of ASSIST_CHUNK words with a preemption
 *   point between them. With no phase open (the coordinator is between
 *   drains) or no grey object left, the rest of the debt is forgiven: Go
 *   parks the assist until credit comes; here the hard limit
 *   (pacer_mark_limit, gc_mark_wait) stays the backstop.
 */
#include "kernel/gc/mgcmark.h"
#include "kernel/gc/pacerrule.h"
#include "kernel/lib/spinlock.h"
#include "arch/atomic.h"

#define ASSIST_CHUNK 16384              /* words per pinned stretch */

uint64_t gc_assist_ratio;               /* gc.h */
int64_t gc_bgScanCredit GC_NOSCAN;      /* mgcmark.h */
/* Bytes allocated on each M since its last assist; atomic (the owing
 * allocation adds, the paying goroutine swaps). */
static uint64_t assistBytes[MAXCPU] GC_NOSCAN;

void gc_assist_owe(uint64_t bytes)
{
	/* relaxed: an account, swapped whole by the payer */
	__atomic_fetch_add(&assistBytes[getm()->id], bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&gc_want, 1, __ATOMIC_RELAXED);
}

void gc_assist_start(uint64_t start, uint64_t limit)
{
	uint64_t expect = gc.scanWords ? gc.scanWords : start / sizeof(uintptr_t);
	for (int i = 0; i < MAXCPU; i++)
		__atomic_store_n(&assistBytes[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&gc_bgScanCredit, 0, __ATOMIC_RELAXED);
	gc.assistWords = gc.assistCredit = gc.assists = 0;
	/* relaxed: the world is stopped; starting it publishes */
	__atomic_store_n(&gc_assist_ratio, pacer_assist_ratio(expect, start, limit),
	                 __ATOMIC_RELAXED);
}

void gc_assist_stop(void)
{
	/* relaxed: the world is stopped */
	__atomic_store_n(&gc_assist_ratio, 0, __ATOMIC_RELAXED);
}

/* Take up to want words of the background's credit. */
static uint64_t steal_credit(uint64_t want)
{
	/* relaxed: a number; the CAS keeps two thieves from taking the
	 * same words (it pairs with the workers' relaxed adds, same word) */
	int64_t have = __atomic_load_n(&gc_bgScanCredit, __ATOMIC_RELAXED);
	while (have > 0) {
		int64_t take = (uint64_t)have < want ? have : (int64_t)want;
		if (arch_cas(&gc_bgScanCredit, &have, have - take, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return (uint64_t)take;
	}
	return 0;
}

void gc_assist_alloc(void)
{
	acquirem();                     /* our M's account and gcwork */
	uint64_t bytes = __atomic_exchange_n(&assistBytes[getm()->id], 0, __ATOMIC_RELAXED);
	uint64_t debt = pacer_assist_debt(bytes, __atomic_load_n(&gc_assist_ratio, __ATOMIC_RELAXED));
	if (debt == 0) {
		releasem();
		return;
	}
	uint64_t stolen = steal_credit(debt);
	debt -= stolen;
	/* relaxed: statistics, read with the world stopped */
	__atomic_fetch_add(&gc.assistCredit, stolen, __ATOMIC_RELAXED);
	__atomic_fetch_add(&gc.assists, 1, __ATOMIC_RELAXED);
	/* relaxed: 0 once termination stopped the world (we may have been
	 * preempted between chunks, and the mark be over) */
	while (debt > 0 && __atomic_load_n(&gc_assist_ratio, __ATOMIC_RELAXED) != 0) {
		uint64_t did = mark_assist(getm(), debt < ASSIST_CHUNK ? debt : ASSIST_CHUNK);
		if (did == 0)
			break;          /* nothing to do now: forgiven */
		__atomic_fetch_add(&gc.assistWords, did, __ATOMIC_RELAXED);
		debt -= did < debt ? did : debt;
		releasem();             /* a preemption point between chunks */
		acquirem();
	}
	releasem();
}
