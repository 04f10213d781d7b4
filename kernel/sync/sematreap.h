/*
 * sematreap.h - the per-semaRoot treap of waiting addresses (sematreap.c).
 * No runtime dependencies: tests/host/test_treap.c links it directly.
 */
#ifndef KERNEL_SYNC_SEMATREAP_H
#define KERNEL_SYNC_SEMATREAP_H

#include "kernel/chan/sudog.h"

/* Queue s as a waiter on addr. The first waiter of an address becomes a
 * treap node with priority `ticket` (odd, random); later ones join its FIFO
 * (lifo: at the front, taking over the node). */
void semtreap_queue(struct sudog **root, void *addr, struct sudog *s, bool lifo,
                    uint32_t ticket);
/* Remove and return the first waiter on addr, or NULL. Its ticket is 0. */
struct sudog *semtreap_dequeue(struct sudog **root, void *addr);
/* The treap node for addr (the first waiter), or NULL. */
struct sudog *semtreap_find(struct sudog *root, void *addr);

#endif
