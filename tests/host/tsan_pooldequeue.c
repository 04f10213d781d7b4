// SOURCES: kernel/sync/pooldequeue.c
/*
 * tsan_pooldequeue - ThreadSanitizer stress of the Pool's lock-free
 * single-producer multi-consumer dequeue (kernel/sync/pooldequeue.c).
 * One producer pushes 1..N at the head and sometimes pops its own head;
 * three thieves pop the tail. Every value must come out exactly once, and
 * TSan must see no data race on the slots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include "kernel/sync/pooldequeue.h"

#define N 400000
#define THIEVES 3

static struct poolDequeue d;
static unsigned char seen[N + 1];
static int producer_done;

static void take(void *x)
{
	uintptr_t v = (uintptr_t)x;
	if (v == 0 || v > N) {
		fprintf(stderr, "FAIL: garbage %lu\n", (unsigned long)v);
		exit(1);
	}
	if (__atomic_fetch_add(&seen[v], 1, __ATOMIC_RELAXED) != 0) {
		fprintf(stderr, "FAIL: %lu seen twice\n", (unsigned long)v);
		exit(1);
	}
}

static void *thief(void *arg)
{
	for (;;) {
		void *x = poolDequeue_popTail(&d);
		if (x) {
			take(x);
			continue;
		}
		if (__atomic_load_n(&producer_done, __ATOMIC_ACQUIRE))
			break;
	}
	return NULL;
}

int main(void)
{
	pthread_t th[THIEVES];
	for (int i = 0; i < THIEVES; i++)
		pthread_create(&th[i], NULL, thief, NULL);
	for (uintptr_t v = 1; v <= N; v++) {
		while (!poolDequeue_pushHead(&d, (void *)v)) {
			void *x = poolDequeue_popHead(&d);   /* full: drain one ourselves */
			if (x)
				take(x);
		}
		if (v % 5 == 0) {
			void *x = poolDequeue_popHead(&d);
			if (x)
				take(x);
		}
	}
	__atomic_store_n(&producer_done, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < THIEVES; i++)
		pthread_join(th[i], NULL);
	void *x;
	while ((x = poolDequeue_popHead(&d)) != NULL)
		take(x);
	for (int v = 1; v <= N; v++)
		if (seen[v] != 1) {
			fprintf(stderr, "FAIL: %d seen %d times\n", v, seen[v]);
			return 1;
		}
	printf("pooldequeue: %d values, each exactly once, 3 thieves\n", N);
	return 0;
}
