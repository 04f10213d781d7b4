/*
 * once.c - sync.Once (Go's sync/once.go).
 *
 * done becomes 1 only after f has returned, so a caller that sees done == 1
 * (acquire) also sees everything f wrote. The fast path is that one load.
 * The slow path serialises callers on a Mutex: the first runs f, the rest
 * wait for it and then see done == 1. (A CAS on done alone would be wrong:
 * a loser would return before f had finished.)
 */
#include "gort.h"

void Once_Do(Once *o, void (*f)(void *arg), void *arg)
{
	/* acquire; pairs with the release store below. */
	if (__atomic_load_n(&o->done, __ATOMIC_ACQUIRE) != 0)
		return;
	Mutex_Lock(&o->m);
	if (__atomic_load_n(&o->done, __ATOMIC_RELAXED) == 0) {   /* m held */
		f(arg);
		/* release; pairs with the acquire load of the fast path. */
		__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
	}
	Mutex_Unlock(&o->m);
}
