/*
 * fdt_check.h - what the two device-tree host tests share: loading a blob,
 * big-endian words, the error-message check, parsing an exact-size copy,
 * and random corruptions (every result must be a parse or a clean error).
 * test_fdt.c checks QEMU's real blobs and the boards' trees;
 * test_fdt_build.c builds synthetic trees with a small FDT writer.
 */
#ifndef TESTS_HOST_FDT_CHECK_H
#define TESTS_HOST_FDT_CHECK_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/dt/bootinfo.h"
#include "kernel/dt/fdt_walk.h"
#include "check.h"

#define CHECK_EQ(a, b) do { \
	unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
	CHECK(_a == _b, "%s = %#llx, want %#llx", #a, _a, _b); \
} while (0)

static inline uint8_t *load(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("FAIL: cannot open %s (run from the repo root)\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		printf("FAIL: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*size = (size_t)n;
	return p;
}

static inline uint32_t be32(const uint8_t *p) { return fdt_rd32(p); }
static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Error text sanity: one printable line with the common prefix. */
static inline void check_msg(const char *err, const char *ctx)
{
	CHECK(err != NULL, "%s: no message", ctx);
	if (!err)
		return;
	CHECK(strncmp(err, "device tree: ", 13) == 0, "%s: message '%s'", ctx, err);
	CHECK(strlen(err) < 240, "%s: long message", ctx);
	for (const char *c = err; *c; c++)
		if (*c < 0x20 || *c > 0x7e) {
			CHECK(0, "%s: non-printable char in message", ctx);
			break;
		}
}

/* Parse a copy of blob in an exactly-sized heap buffer. */
static inline int parse_copy(const uint8_t *blob, size_t len, uint64_t avail,
                      struct bootinfo *bi, const char **err)
{
	uint8_t *p = malloc(len ? len : 1);
	memcpy(p, blob, len);
	*err = NULL;
	int r = fdt_parse_bounded(p, avail, bi, err);
	free(p);
	return r;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static inline uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static inline void test_corruptions(const uint8_t *b, size_t n, const char *name, int iters)
{
	struct bootinfo bi;
	const char *err;
	int bad = 0, ok = 0;

	for (int it = 0; it < iters; it++) {
		uint8_t *p = malloc(n);
		memcpy(p, b, n);
		int flips = it % 8 == 7 ? 1 + (int)(rnd() % 8) : 1;
		for (int k = 0; k < flips; k++) {
			/* Half the time hit the first 64 bytes: header + rsvmap. */
			size_t pos = rnd() % 2 ? rnd() % (n < 64 ? n : 64) : rnd() % n;
			uint8_t v = (uint8_t)rnd();
			p[pos] = v == p[pos] ? (uint8_t)~v : v;
		}
		err = NULL;
		int r = fdt_parse_bounded(p, n, &bi, &err);
		if (r == 0) {
			ok++;
			if (bi.ncpu < 1 || bi.ncpu > BI_MAX_CPU || bi.nmem < 1 ||
			    bi.nmem > BI_MAX_MEM || bi.nreserved > BI_MAX_RESERVED ||
			    strlen(bi.bootargs) >= BI_BOOTARGS_MAX) {
				if (bad++ < 5)
					printf("FAIL: %s corruption %d: inconsistent success\n", name, it);
			}
		} else if (!err || strncmp(err, "device tree: ", 13) || strchr(err, '\n')) {
			if (bad++ < 5)
				printf("FAIL: %s corruption %d: r=%d bad message\n", name, it, r);
		}
		free(p);
	}
	nchecks++;
	if (bad)
		nfail++;
	printf("# %s: %d corruptions, %d still parse\n", name, iters, ok);
}


#endif
