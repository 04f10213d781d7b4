/*
 * waitgroup.c - sync.WaitGroup (Go's sync/waitgroup.go).
 *
 * state packs the counter (high 32 bits, signed) and the number of waiters
 * (low 32 bits) in one atomic word, so that "counter reached zero" and "who
 * is waiting" are read together. Wait increments the waiter count with a
 * CAS only while the counter is non-zero, then sleeps on sema. The Add that
 * brings the counter to zero resets the whole word to 0 and releases sema
 * once per waiter.
 *
 * Misuse is a panic, in Go's words: a negative counter, Add racing with
 * Wait on a zero counter, or reuse before the previous Wait returned.
 */
#include "gort.h"
#include "kernel/sync/sema.h"
#include "kernel/lib/print.h"
#include "arch/atomic.h"

void WaitGroup_Add(WaitGroup *wg, int delta)
{
	/* seq_cst (acq_rel would do): Done publishes the worker's writes to
	 * the waiter, which reads state after waking. */
	uint64_t state = __atomic_add_fetch(&wg->state, (uint64_t)(int64_t)delta << 32,
	                                    __ATOMIC_SEQ_CST);
	int32_t v = (int32_t)(state >> 32);
	uint32_t w = (uint32_t)state;
	if (v < 0)
		gopanic("sync: negative WaitGroup counter");
	if (w != 0 && delta > 0 && v == delta)
		gopanic("sync: WaitGroup misuse: Add called concurrently with Wait");
	if (v > 0 || w == 0)
		return;
	/* Counter is 0 with waiters: nobody may touch state now but us.
	 * Relaxed, the check and the reset both: the load only compares
	 * with what our own read-modify-write returned (coherence gives it
	 * that value or a later one), and the waiters read the reset only
	 * after semrelease1 wakes them, whose hand-off (a lock release, then
	 * the waiter's acquire) orders it before their read. On riscv64
	 * seq_cst cost a fence either side of the load and one before the
	 * store (waitgroup_wake, bench/chan). */
	if (__atomic_load_n(&wg->state, __ATOMIC_RELAXED) != state)
		gopanic("sync: WaitGroup misuse: Add called concurrently with Wait");
	__atomic_store_n(&wg->state, 0, __ATOMIC_RELAXED);
	for (; w != 0; w--)
		semrelease1(&wg->sema, false);
}

void WaitGroup_Done(WaitGroup *wg)
{
	WaitGroup_Add(wg, -1);
}

void WaitGroup_Wait(WaitGroup *wg)
{
	uint64_t state = __atomic_load_n(&wg->state, __ATOMIC_SEQ_CST);
	for (;;) {
		if ((int32_t)(state >> 32) == 0)
			return;
		if (arch_cas(&wg->state, &state, state + 1,
		             __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			semacquire1(&wg->sema, false, waitReasonSyncWaitGroupWait);
			/* relaxed: the wake-up ordered Add's reset before us
			 * (the sema hand-off, as in WaitGroup_Add) */
			if (__atomic_load_n(&wg->state, __ATOMIC_RELAXED) != 0)
				gopanic("sync: WaitGroup is reused before previous Wait has returned");
			return;
		}
	}
}
