// TEST: smp=1,2,4 status=0 timeout=240
// EXPECT: ^malloc_stress: [0-9]+ workers, [0-9]+ allocations, every pattern intact$
// EXPECT: ^malloc_stress: heap accounting back to start$
// EXPECT: ^PASS$
/*
 * malloc_stress - every P allocates and frees random sizes, small and large,
 * across all size classes, scan and noscan, through malloc, mallocgc and
 * realloc. Each live object is filled with a pattern derived from its
 * owner and serial number and checked before it is freed, so any overlap
 * between objects or corruption of one shows up. Every new object must be
 * zeroed. At the end everything is freed, each worker flushes its P's
 * mcache, and the heap's accounting must be back where it started: live
 * bytes and objects exactly, pages of spans not cached by any P at most
 * where they were, and a second round must not grow the heap.
 */
#include <stdlib.h>
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"

#define SLOTS 192
#define ITERS 4000

struct obj { uint8_t *p; size_t n; uint8_t pat; };

static int64_t done, allocs, bad;

static uint64_t rnd_next(uint64_t *s) { *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17; return *s; }

static size_t pick_size(uint64_t *r)
{
	uint64_t k = rnd_next(r) % 100;
	if (k < 40)
		return 1 + rnd_next(r) % 64;             /* tiny and small classes */
	if (k < 80)
		return 1 + rnd_next(r) % 2048;
	if (k < 97)
		return 1 + rnd_next(r) % 32768;          /* every class */
	return 32769 + rnd_next(r) % (96 * 1024);    /* large */
}

static bool check(struct obj *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->p[i] != (uint8_t)(o->pat + i * 7)) {
			printf("FAIL: object %p (%zu B) byte %zu is %#x, want %#x\n", (void *)o->p,
			       o->n, i, o->p[i], (uint8_t)(o->pat + i * 7));
			return false;
		}
	return true;
}

static void fill(struct obj *o)
{
	for (size_t i = 0; i < o->n; i++)
		o->p[i] = (uint8_t)(o->pat + i * 7);
}

static void worker(void *arg)
{
	intptr_t id = (intptr_t)arg;
	uint64_t r = 0x9E3779B97F4A7C15ULL * (uint64_t)(id + 1);
	struct obj *objs = calloc(SLOTS, sizeof *objs);
	int64_t n = 0;
	for (int it = 0; it < ITERS; it++) {
		struct obj *o = &objs[rnd_next(&r) % SLOTS];
		if (o->p != NULL) {
			if (!check(o))
				atomic_add64(&bad, 1);
			if (rnd_next(&r) % 4 == 0) {     /* realloc keeps the prefix */
				size_t m = pick_size(&r);
				uint8_t *q = realloc(o->p, m);
				size_t keep = m < o->n ? m : o->n;
				for (size_t i = 0; i < keep; i++)
					if (q[i] != (uint8_t)(o->pat + i * 7)) {
						printf("FAIL: realloc lost byte %zu\n", i);
						atomic_add64(&bad, 1);
						break;
					}
				o->p = q;
				o->n = m;
				fill(o);
				n++;
				continue;
			}
			free(o->p);
			o->p = NULL;
			continue;
		}
		size_t m = pick_size(&r);
		uint64_t how = rnd_next(&r) % 3;
		o->p = how == 0 ? malloc(m) : how == 1 ? mallocgc(m) : mallocgc_noscan(m < 16 ? 16 : m);
		o->n = m;
		o->pat = (uint8_t)(id * 31 + it);
		for (size_t i = 0; i < m; i++)
			if (o->p[i] != 0) {
				printf("FAIL: new %zu-byte object %p not zeroed at %zu\n", m, (void *)o->p, i);
				atomic_add64(&bad, 1);
				break;
			}
		fill(o);
		n++;
		if ((it & 255) == 0)
			Gosched();                       /* move between Ps */
	}
	for (int i = 0; i < SLOTS; i++) {
		if (objs[i].p) {
			if (!check(&objs[i]))
				atomic_add64(&bad, 1);
			free(objs[i].p);
		}
	}
	free(objs);
	FlushMCache();
	atomic_add64(&allocs, n);
	atomic_add64(&done, 1);
}

static void round_(int workers)
{
	done = 0;
	for (intptr_t i = 0; i < workers; i++)
		go(worker, (void *)i);
	wait_for(&done, workers, 150000, "the workers");
	FlushMCache();
}

int main(void)
{
	int workers = 2 * NumCPU();
	struct MemStats m0, m1, m2;
	FlushMCache();
	ReadMemStats(&m0);
	round_(workers);
	CHECK(bad == 0, "%lld corrupted objects", (long long)bad);
	printf("malloc_stress: %d workers, %lld allocations, every pattern intact\n", workers,
	       (long long)allocs);
	ReadMemStats(&m1);
	printf("start: HeapAlloc=%llu objects=%llu HeapInuse=%llu cached=%llu\n",
	       (unsigned long long)m0.HeapAlloc, (unsigned long long)m0.HeapObjects,
	       (unsigned long long)m0.HeapInuse, (unsigned long long)m0.HeapCached);
	printf("end:   HeapAlloc=%llu objects=%llu HeapInuse=%llu cached=%llu\n",
	       (unsigned long long)m1.HeapAlloc, (unsigned long long)m1.HeapObjects,
	       (unsigned long long)m1.HeapInuse, (unsigned long long)m1.HeapCached);
	CHECK(m1.HeapAlloc == m0.HeapAlloc, "HeapAlloc %llu, was %llu",
	      (unsigned long long)m1.HeapAlloc, (unsigned long long)m0.HeapAlloc);
	CHECK(m1.HeapObjects == m0.HeapObjects, "HeapObjects %llu, was %llu",
	      (unsigned long long)m1.HeapObjects, (unsigned long long)m0.HeapObjects);
	CHECK(m1.HeapInuse - m1.HeapCached <= m0.HeapInuse - m0.HeapCached,
	      "uncached span pages %llu, were %llu",
	      (unsigned long long)(m1.HeapInuse - m1.HeapCached),
	      (unsigned long long)(m0.HeapInuse - m0.HeapCached));
	CHECK(m1.HeapSys == m1.HeapIdle + m1.HeapInuse + m1.StackSys + m1.OtherSys,
	      "pages do not add up");
	round_(workers);
	CHECK(bad == 0, "%lld corrupted objects", (long long)bad);
	ReadMemStats(&m2);
	CHECK(m2.HeapAlloc == m0.HeapAlloc &&
	      m2.HeapInuse - m2.HeapCached <= m0.HeapInuse - m0.HeapCached,
	      "second round: HeapAlloc %llu, uncached span pages %llu",
	      (unsigned long long)m2.HeapAlloc, (unsigned long long)(m2.HeapInuse - m2.HeapCached));
	printf("malloc_stress: heap accounting back to start\n");
	printf("PASS\n");
	return 0;
}
