/*
 * sizeclasses.c - the size-class table (Go's runtime/sizeclasses.go facts).
 *
 * Only two columns are data: the object size of each class and the pages
 * of each span. Everything else (objects per span, the division
 * multipliers, the size -> class lookup tables) is computed from them by
 * sizeclasses_init, so the table cannot disagree with itself. The host test
 * tests/host/test_sizeclasses.c checks Go's invariants: sizes grow, are
 * 8/16-byte aligned as Go's are, every span wastes at most 12.5% of itself
 * on the tail, and each class is the smallest that fits.
 */
#include "kernel/mm/sizeclasses.h"
#include "kernel/mm/mheap.h"

const uint16_t class_to_size[NUM_SIZE_CLASSES] = {
	0, 8, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208,
	224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704,
	768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072,
	3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
	10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760,
	24576, 27264, 28672, 32768,
};

const uint8_t class_to_allocnpages[NUM_SIZE_CLASSES] = {
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 1, 3, 2, 3, 1, 3, 2,
	3, 4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4,
};

uint16_t class_to_nelems[NUM_SIZE_CLASSES];
uint32_t class_to_divmul[NUM_SIZE_CLASSES];
uint8_t size_to_class8[SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1];
uint8_t size_to_class128[(MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1];

void sizeclasses_init(void)
{
	for (int c = 1; c < NUM_SIZE_CLASSES; c++) {
		uint32_t size = class_to_size[c];
		class_to_nelems[c] = (uint16_t)(class_to_allocnpages[c] * PAGE_SIZE / size);
		class_to_divmul[c] = (uint32_t)(0xffffffffu / size + 1);
	}
	/* For each lookup bucket, the first class whose size covers the
	 * bucket's largest request. */
	int c = 1;
	for (size_t i = 0; i < sizeof size_to_class8; i++) {
		size_t want = i * SMALL_SIZE_DIV;
		while (c < NUM_SIZE_CLASSES - 1 && class_to_size[c] < want)
			c++;
		size_to_class8[i] = (uint8_t)(i == 0 ? 0 : c);
	}
	size_to_class8[0] = 0;
	c = 1;
	for (size_t i = 0; i < sizeof size_to_class128; i++) {
		size_t want = SMALL_SIZE_MAX + i * LARGE_SIZE_DIV;
		while (c < NUM_SIZE_CLASSES - 1 && class_to_size[c] < want)
			c++;
		size_to_class128[i] = (uint8_t)c;
	}
}
