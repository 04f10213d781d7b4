/*
 * stubs_mm.c - host stand-ins for the runtime pieces kernel/mm links with:
 * one mutex standing in for every spinlock, and throw() that prints and
 * aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <pthread.h>
#include "kernel/lib/spinlock.h"

/* One host mutex for every runtime lock: the page heap's code never nests
 * two, and this keeps the stub independent of spinlock_t's layout. */
static pthread_mutex_t big = PTHREAD_MUTEX_INITIALIZER;

void spin_lock(spinlock_t *l)
{
	(void)l;
	pthread_mutex_lock(&big);
}

void spin_unlock(spinlock_t *l)
{
	(void)l;
	pthread_mutex_unlock(&big);
}

void throw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("fatal error: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);         /* abort() does not flush: keep the message in the log */
	abort();
}

/* The host has no growable goroutine stacks: nothing to probe. */
void stack_nofault_enter(void) {}
void stack_nofault_exit(void) {}

/* span_publish stamps the snapshot mark's epoch (kernel/gc/mgcsatb.c). */
uint32_t gc_satb_epoch;
