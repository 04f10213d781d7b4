/*
 * sizeclasses.h - Go's 67 size classes for small objects (<= 32 KiB).
 *
 * Class 0 means "large object" (whole pages from mheap). Classes 1..66 have
 * an object size, a span length in runtime pages and so an object count per
 * span. The sizes and page counts are the facts of Go's
 * runtime/sizeclasses.go; the lookup tables and divisors are derived from
 * them here at compile time or by sizeclasses_init().
 *
 * Span class = size class * 2 + noscan: a span holds objects of one size
 * that either may contain pointers (scan) or are known not to (noscan), so
 * the future GC can skip noscan spans without looking inside.
 */
#ifndef KERNEL_MM_SIZECLASSES_H
#define KERNEL_MM_SIZECLASSES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define NUM_SIZE_CLASSES 67
#define MAX_SMALL_SIZE   32768
#define NUM_SPAN_CLASSES (NUM_SIZE_CLASSES * 2)
#define SMALL_SIZE_DIV   8
#define SMALL_SIZE_MAX   1024
#define LARGE_SIZE_DIV   128
#define TINY_SIZE        16          /* tiny allocator block */

extern const uint16_t class_to_size[NUM_SIZE_CLASSES];
extern const uint8_t class_to_allocnpages[NUM_SIZE_CLASSES];
extern uint16_t class_to_nelems[NUM_SIZE_CLASSES];
/* ceil(2^32 / size): (offset * divmul) >> 32 == offset / size for every
 * offset inside a span of that class (checked by the host test). */
extern uint32_t class_to_divmul[NUM_SIZE_CLASSES];
extern uint8_t size_to_class8[SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1];
extern uint8_t size_to_class128[(MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1];

/* Build the derived tables. Idempotent; call once before any allocation. */
void sizeclasses_init(void);

/* Smallest class whose objects hold size bytes (1 <= size <= 32 KiB). */
static inline int size_to_class(size_t size)
{
	if (size <= SMALL_SIZE_MAX - 8)
		return size_to_class8[(size + SMALL_SIZE_DIV - 1) / SMALL_SIZE_DIV];
	return size_to_class128[(size - SMALL_SIZE_MAX + LARGE_SIZE_DIV - 1) / LARGE_SIZE_DIV];
}

typedef uint8_t spanclass_t;
static inline spanclass_t make_spanclass(int sizeclass, bool noscan)
{
	return (spanclass_t)(sizeclass << 1 | (noscan ? 1 : 0));
}
static inline int spanclass_sizeclass(spanclass_t sc) { return sc >> 1; }
static inline bool spanclass_noscan(spanclass_t sc) { return sc & 1; }

#endif
