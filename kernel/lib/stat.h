/*
 * stat.h - a statistic counter that only its owner (an M, a P's holder, an
 * mcache) writes and any CPU reads (ReadSchedStats, ReadMemStats).
 */
#ifndef KERNEL_LIB_STAT_H
#define KERNEL_LIB_STAT_H

#include <stdint.h>

/* Add d. Relaxed load and store: a count orders nothing; the readers'
 * relaxed loads pair with this store only for atomicity (no torn value,
 * and no data race for ThreadSanitizer). One writer, so no read-modify-
 * write instruction is needed; readers sum racily. */
static inline void stat_add(uint64_t *p, uint64_t d)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

#endif
