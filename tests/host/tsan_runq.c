// SOURCES: kernel/sched/runq.c
/*
 * tsan_runq.c - the run queue under ThreadSanitizer: one owner thread puts
 * and gets (sometimes via runnext, sometimes overflowing), three thieves
 * steal into their own queues and drain them. Every G must be consumed
 * exactly once, and TSan must see no data race.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/sched/runq.h"

#define NG 200000
#define NTHIEF 3

struct g { int seen; };

static struct g gs[NG];
static struct runq owner_q, thief_q[NTHIEF];
static int done;                /* atomic */
static long consumed;           /* atomic */

static void consume(struct g *gp)
{
	__atomic_fetch_add(&gp->seen, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&consumed, 1, __ATOMIC_RELAXED);
}

static void *owner(void *arg)
{
	static struct g *overflow[RUNQ_SIZE / 2 + 1];
	unsigned r = 12345;
	for (int i = 0; i < NG; i++) {
		uint32_t n;
		r = r * 1103515245 + 12345;
		struct g **ov = runq_put(&owner_q, &gs[i], (r >> 16) % 4 == 0, overflow, &n);
		if (ov)                 /* "global queue": consume directly */
			for (uint32_t k = 0; k < n; k++)
				consume(ov[k]);
		if ((r >> 8) % 3 == 0) {
			struct g *gp = runq_get(&owner_q);
			if (gp)
				consume(gp);
		}
	}
	struct g *gp;
	while ((gp = runq_get(&owner_q)) != NULL)
		consume(gp);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *thief(void *arg)
{
	struct runq *mine = arg;
	for (;;) {
		int fin = __atomic_load_n(&done, __ATOMIC_ACQUIRE);
		struct g *gp = runq_steal(mine, &owner_q, true);
		if (gp) {
			consume(gp);
			while ((gp = runq_get(mine)) != NULL)
				consume(gp);
		} else if (fin) {
			return NULL;
		}
	}
}

int main(void)
{
	pthread_t o, t[NTHIEF];
	for (int i = 0; i < NTHIEF; i++)
		pthread_create(&t[i], NULL, thief, &thief_q[i]);
	pthread_create(&o, NULL, owner, NULL);
	pthread_join(o, NULL);
	for (int i = 0; i < NTHIEF; i++)
		pthread_join(t[i], NULL);
	int bad = 0;
	for (int i = 0; i < NG; i++)
		if (gs[i].seen != 1) {
			if (bad++ < 10)
				printf("FAIL: G %d consumed %d times\n", i, gs[i].seen);
		}
	if (bad || consumed != NG) {
		printf("FAIL: %d bad, consumed %ld of %d\n", bad, consumed, NG);
		return 1;
	}
	printf("ok %d Gs each consumed once by 1 owner + %d thieves\n", NG, NTHIEF);
	return 0;
}
