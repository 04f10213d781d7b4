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
	/* Counter is 0 with waiters: nobody may touch state now but us. */
	if (__atomic_load_n(&wg->state, __ATOMIC_SEQ_CST) != state)
		gopanic("sync: WaitGroup misuse: Add called concurrently with Wait");
	__atomic_store_n(&wg->state, 0, __ATOMIC_SEQ_CST);
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
			if (__atomic_load_n(&wg->state, __ATOMIC_SEQ_CST) != 0)
				gopanic("sync: WaitGroup is reused before previous Wait has returned");
			return;
		}
	}
}
