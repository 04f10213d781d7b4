// SOURCES: kernel/sched/runq.c
/*
 * test_runq.c - the local run queue, single-threaded, on the model of Go's
 * RunSchedLocalQueueTest and RunSchedLocalQueueStealTest:
 *   - FIFO order, runnext first, and the full-queue overflow hand-off;
 *   - for every length 0..256, one steal takes half (i/2 or i/2+1) and
 *     every G is seen exactly once across thief and victim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/sched/runq.h"

struct g { int id; int seen; };

static int checks, failures;
#define CHECK(c, ...) do { checks++; if (!(c)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static struct g gs[RUNQ_SIZE * 2 + 2];
static struct g *overflow[RUNQ_SIZE / 2 + 1];

static void test_fifo(void)
{
	static struct runq q;
	memset(&q, 0, sizeof q);
	uint32_t n;
	CHECK(runq_get(&q) == NULL, "empty queue returned a G");
	for (int round = 0; round < 3; round++) {       /* wraps the counters */
		for (int i = 0; i < 100; i++)
			CHECK(runq_put(&q, &gs[i], false, overflow, &n) == NULL, "put %d overflowed", i);
		for (int i = 0; i < 100; i++)
			CHECK(runq_get(&q) == &gs[i], "round %d: get %d out of order", round, i);
		CHECK(runq_empty(&q), "queue not empty after draining");
	}
	runq_put(&q, &gs[1], false, overflow, &n);
	runq_put(&q, &gs[2], true, overflow, &n);        /* runnext */
	runq_put(&q, &gs[3], true, overflow, &n);        /* kicks 2 to the tail */
	CHECK(runq_get(&q) == &gs[3], "runnext not first");
	CHECK(runq_get(&q) == &gs[1], "head not second");
	CHECK(runq_get(&q) == &gs[2], "kicked runnext not at tail");
	CHECK(runq_get(&q) == NULL, "queue not empty");
}

static void test_overflow(void)
{
	static struct runq q;
	memset(&q, 0, sizeof q);
	uint32_t n = 0;
	for (int i = 0; i < RUNQ_SIZE; i++)
		CHECK(runq_put(&q, &gs[i], false, overflow, &n) == NULL, "put %d overflowed early", i);
	struct g **ov = runq_put(&q, &gs[RUNQ_SIZE], false, overflow, &n);
	CHECK(ov == overflow, "full queue did not overflow");
	CHECK(n == RUNQ_SIZE / 2 + 1, "overflow moved %u, want %d", n, RUNQ_SIZE / 2 + 1);
	for (uint32_t i = 0; i < n - 1; i++)
		CHECK(ov[i] == &gs[i], "overflow[%u] is not the queue head", i);
	CHECK(ov[n - 1] == &gs[RUNQ_SIZE], "the new G is not last in the overflow");
	CHECK(runq_len(&q) == RUNQ_SIZE / 2, "queue keeps %u, want %d", runq_len(&q), RUNQ_SIZE / 2);
	CHECK(runq_get(&q) == &gs[RUNQ_SIZE / 2], "remaining queue does not start at the middle");
}

static void test_steal(void)
{
	static struct runq victim, thief;
	for (int i = 0; i <= RUNQ_SIZE; i++) {
		memset(&victim, 0, sizeof victim);
		memset(&thief, 0, sizeof thief);
		for (int j = 0; j < i; j++) {
			gs[j].seen = 0;
			uint32_t n;
			runq_put(&victim, &gs[j], false, overflow, &n);
		}
		int stolen = 0;
		struct g *gp = runq_steal(&thief, &victim, true);
		if (gp) {
			gp->seen++;
			stolen++;
			while ((gp = runq_get(&thief)) != NULL) {
				gp->seen++;
				stolen++;
			}
		}
		while ((gp = runq_get(&victim)) != NULL)
			gp->seen++;
		for (int j = 0; j < i; j++)
			CHECK(gs[j].seen == 1, "len %d: G %d seen %d times", i, j, gs[j].seen);
		CHECK(stolen == i / 2 || stolen == i / 2 + 1,
		      "len %d: stole %d, want %d or %d", i, stolen, i / 2, i / 2 + 1);
	}
	/* An empty ring with a runnext: the thief takes runnext only if asked. */
	memset(&victim, 0, sizeof victim);
	memset(&thief, 0, sizeof thief);
	uint32_t n;
	runq_put(&victim, &gs[7], true, overflow, &n);
	CHECK(runq_steal(&thief, &victim, false) == NULL, "stole runnext without permission");
	CHECK(runq_steal(&thief, &victim, true) == &gs[7], "did not steal runnext");
	CHECK(runq_empty(&victim), "victim not empty after runnext steal");
}

int main(void)
{
	for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++)
		gs[i].id = (int)i;
	test_fifo();
	test_overflow();
	test_steal();
	if (failures) {
		printf("%d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("ok %d checks\n", checks);
	return 0;
}
