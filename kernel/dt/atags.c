/*
 * atags.c - the command line from an ARM Linux ATAG list (see atags.h).
 *
 * Format: a list of tags, each { u32 size in words, u32 tag, data }, little
 * endian, starting with ATAG_CORE and ending with ATAG_NONE (size 0).
 * Only ATAG_CMDLINE (a NUL-terminated string) is read; memory and the
 * rest come from the built-in device tree. The walk stays inside a 4 KiB
 * window so that a pointer that is not an ATAG list at all cannot send it
 * far.
 */
#include <stdint.h>
#include <string.h>
#include "kernel/dt/atags.h"

#define ATAG_NONE    0x00000000u
#define ATAG_CORE    0x54410001u
#define ATAG_CMDLINE 0x54410009u
#define ATAG_WINDOW  4096u

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int atags_cmdline(const void *p, char *out, size_t size)
{
	const uint8_t *base = p;
	if (!base || size == 0 || rd32(base + 4) != ATAG_CORE)
		return 0;
	for (uint32_t off = 0; off + 8 <= ATAG_WINDOW;) {
		uint32_t words = rd32(base + off), tag = rd32(base + off + 4);
		if (tag == ATAG_NONE || words < 2 || words > (ATAG_WINDOW - off) / 4)
			return 0;
		if (tag == ATAG_CMDLINE) {
			const char *s = (const char *)base + off + 8;
			size_t max = words * 4 - 8, n = 0;
			while (n < max && n < size - 1 && s[n])
				n++;
			memcpy(out, s, n);
			out[n] = 0;
			return 1;
		}
		off += words * 4;
	}
	return 0;
}
