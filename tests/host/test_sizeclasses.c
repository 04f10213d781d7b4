// SOURCES: kernel/mm/sizeclasses.c
/*
 * test_sizeclasses.c - the size-class table's invariants (Go's
 * mksizeclasses.go states the same ones):
 *   - 67 classes, class 0 is "large", sizes strictly increase to 32 KiB;
 *   - alignment: every size is a multiple of 8, sizes >= 16 of 16 (so
 *     malloc's 16-byte alignment holds), power-of-two sizes exist for
 *     aligned_alloc;
 *   - objects per span = span bytes / size >= 1, and the tail wasted at
 *     the end of a span is at most 1/8 of the span;
 *   - size_to_class gives, for every size 1..32768, the smallest class that
 *     fits (checked against a linear search);
 *   - the division multiplier gives offset / size exactly for every object
 *     offset inside a span (checked exhaustively for object starts and the
 *     bytes inside them).
 */
#include <stdio.h>
#include "kernel/mm/sizeclasses.h"
#include "kernel/mm/mheap.h"

static int checks, failures;
#define CHECK(c, ...) do { checks++; if (!(c)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

int main(void)
{
	sizeclasses_init();
	CHECK(class_to_size[0] == 0, "class 0 is not the large class");
	CHECK(class_to_size[NUM_SIZE_CLASSES - 1] == MAX_SMALL_SIZE, "last class is not 32 KiB");
	for (int c = 1; c < NUM_SIZE_CLASSES; c++) {
		uint32_t size = class_to_size[c];
		uint32_t span = class_to_allocnpages[c] * PAGE_SIZE;
		CHECK(size > class_to_size[c - 1], "class %d: size %u does not grow", c, size);
		CHECK(size % 8 == 0, "class %d: size %u not 8-aligned", c, size);
		CHECK(size < 16 || size % 16 == 0, "class %d: size %u not 16-aligned", c, size);
		CHECK(class_to_nelems[c] == span / size && class_to_nelems[c] >= 1,
		      "class %d: %u objects per span", c, class_to_nelems[c]);
		CHECK(span % size <= span / 8, "class %d: tail waste %u of %u", c, span % size, span);
		CHECK(class_to_nelems[c] <= 1024, "class %d: more objects than a 16-word bitmap", c);
		for (uint32_t i = 0; i < class_to_nelems[c]; i++) {
			uint32_t off = i * size;
			uint32_t q1 = (uint32_t)(((uint64_t)off * class_to_divmul[c]) >> 32);
			uint32_t q2 = (uint32_t)(((uint64_t)(off + size - 1) * class_to_divmul[c]) >> 32);
			if (q1 != i || q2 != i) {
				CHECK(0, "class %d: divmul wrong at object %u", c, i);
				break;
			}
		}
	}
	for (uint32_t p = 8; p <= MAX_SMALL_SIZE; p <<= 1) {
		int c = size_to_class(p);
		CHECK(class_to_size[c] == p, "no class of power-of-two size %u", p);
	}
	for (size_t size = 1; size <= MAX_SMALL_SIZE; size++) {
		int want = 1;
		while (class_to_size[want] < size)
			want++;
		int got = size_to_class(size);
		if (got != want) {
			CHECK(0, "size %zu: class %d, want %d", size, got, want);
			break;
		}
	}
	printf("%d checks, %d failures\n", checks, failures);
	return failures != 0;
}
