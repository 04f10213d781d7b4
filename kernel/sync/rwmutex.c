/*
 * rwmutex.c - sync.RWMutex (Go's sync/rwmutex.go): many readers or one
 * writer, writer-preferring.
 *
 * readerCount counts active readers. A writer first takes w (excluding
 * other writers), then subtracts rwmutexMaxReaders from readerCount: from
 * then on arriving readers see a negative count and sleep on readerSem, so
 * a steady flow of readers cannot starve the writer. The writer moves the
 * number of readers still active into readerWait and sleeps on writerSem;
 * the last of those readers to leave wakes it. Unlock adds
 * rwmutexMaxReaders back and wakes every reader that queued meanwhile.
 *
 * Memory order: every update is a seq_cst read-modify-write; the hand-offs
 * through the semaphores are ordered by the sema protocol.
 */
#include "gort.h"
#include "kernel/sync/sema.h"
#include "kernel/lib/print.h"
#include "arch/atomic.h"

#define rwmutexMaxReaders (1 << 30)

void RWMutex_RLock(RWMutex *rw)
{
	if (__atomic_add_fetch(&rw->readerCount, 1, __ATOMIC_SEQ_CST) < 0)
		semacquire1(&rw->readerSem, false, waitReasonSyncRWMutexRLock);
}

bool RWMutex_TryRLock(RWMutex *rw)
{
	int32_t c = __atomic_load_n(&rw->readerCount, __ATOMIC_SEQ_CST);
	for (;;) {
		if (c < 0)
			return false;        /* a writer is pending or active */
		if (arch_cas(&rw->readerCount, &c, c + 1,
		             __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return true;
	}
}

static void rUnlockSlow(RWMutex *rw, int32_t r)
{
	if (r + 1 == 0 || r + 1 == -rwmutexMaxReaders)
		throw("sync: RUnlock of unlocked RWMutex");
	/* A writer is pending: the last departing reader wakes it. */
	if (__atomic_sub_fetch(&rw->readerWait, 1, __ATOMIC_SEQ_CST) == 0)
		semrelease1(&rw->writerSem, false);
}

void RWMutex_RUnlock(RWMutex *rw)
{
	int32_t r = __atomic_sub_fetch(&rw->readerCount, 1, __ATOMIC_SEQ_CST);
	if (r < 0)
		rUnlockSlow(rw, r);
}

void RWMutex_Lock(RWMutex *rw)
{
	Mutex_Lock(&rw->w);
	/* Announce the writer; r = readers still active. */
	int32_t r = __atomic_add_fetch(&rw->readerCount, -rwmutexMaxReaders, __ATOMIC_SEQ_CST) +
	            rwmutexMaxReaders;
	if (r != 0 && __atomic_add_fetch(&rw->readerWait, r, __ATOMIC_SEQ_CST) != 0)
		semacquire1(&rw->writerSem, false, waitReasonSyncRWMutexLock);
}

bool RWMutex_TryLock(RWMutex *rw)
{
	if (!Mutex_TryLock(&rw->w))
		return false;
	int32_t zero = 0;
	if (!arch_cas(&rw->readerCount, &zero, -rwmutexMaxReaders,
	              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		Mutex_Unlock(&rw->w);
		return false;
	}
	return true;
}

void RWMutex_Unlock(RWMutex *rw)
{
	int32_t r = __atomic_add_fetch(&rw->readerCount, rwmutexMaxReaders, __ATOMIC_SEQ_CST);
	if (r >= rwmutexMaxReaders)
		throw("sync: Unlock of unlocked RWMutex");
	for (int32_t i = 0; i < r; i++)
		semrelease1(&rw->readerSem, false);
	Mutex_Unlock(&rw->w);
}
