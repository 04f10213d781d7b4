// SOURCES: kernel/sync/sematreap.c
/*
 * test_treap - the semaRoot treap (kernel/sync/sematreap.c) against a
 * reference model: random queue/dequeue of waiters on a few hundred
 * addresses, FIFO and LIFO, checking after every step that the tree is a
 * binary search tree on the address, a min-heap on the ticket, that parent
 * links agree, and that each address's waiters come out in the order the
 * model predicts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "kernel/sync/sematreap.h"
#include "kernel/lib/print.h"

void throw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fatal error: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

#define NADDR 300
#define NSUDOG 4000
#define MAXQ NSUDOG

static char addrs[NADDR];                 /* the "semaphore words" */
static struct sudog pool[NSUDOG];
static int freelist[NSUDOG], nfree;
/* model: per address, a deque of sudog indices */
static int model[NADDR][MAXQ / 4];
static int mhead[NADDR], mlen[NADDR];
static int nodes_seen, waiters_seen;

#define FAIL(...) do { fprintf(stderr, "FAIL: " __VA_ARGS__); fprintf(stderr, "\n"); exit(1); } while (0)

static void check(struct sudog *t, struct sudog *parent, uintptr_t lo, uintptr_t hi)
{
	if (t == NULL)
		return;
	uintptr_t a = (uintptr_t)t->elem;
	if (t->parent != parent)
		FAIL("parent link");
	if (a < lo || a >= hi)
		FAIL("BST order");
	if (parent && parent->ticket > t->ticket)
		FAIL("heap order");
	if ((t->ticket & 1) == 0)
		FAIL("ticket must be odd");
	nodes_seen++;
	int n = 1;
	struct sudog *last = t;
	for (struct sudog *w = t->waitlink; w; w = w->waitlink) {
		if (w->elem != t->elem)
			FAIL("FIFO holds another address");
		n++;
		last = w;
	}
	if (n > 1 && t->waittail != last)
		FAIL("waittail");
	if ((uint32_t)(n - 1) != t->waiters)
		FAIL("waiters count %u, want %d", t->waiters, n - 1);
	int idx = (int)((char *)t->elem - addrs);
	if (n != mlen[idx])
		FAIL("address %d: %d waiters, model %d", idx, n, mlen[idx]);
	waiters_seen += n;
	check(t->prev, t, lo, a);
	check(t->next, t, a + 1, hi);
}

int main(void)
{
	struct sudog *root = NULL;
	srand(12345);
	for (int i = 0; i < NSUDOG; i++)
		freelist[nfree++] = i;
	int total = 0;
	for (int step = 0; step < 200000; step++) {
		int ai = rand() % NADDR;
		bool enqueue = nfree > 0 && (rand() % 100) < (total < 1000 ? 60 : 45);
		if (enqueue && mlen[ai] < MAXQ / 4 - 1) {
			int si = freelist[--nfree];
			struct sudog *s = &pool[si];
			memset(s, 0, sizeof *s);
			bool lifo = rand() % 4 == 0;
			semtreap_queue(&root, &addrs[ai], s, lifo, (uint32_t)rand());
			/* model: ring deque */
			int cap = MAXQ / 4;
			if (lifo) {
				mhead[ai] = (mhead[ai] + cap - 1) % cap;
				model[ai][mhead[ai]] = si;
			} else {
				model[ai][(mhead[ai] + mlen[ai]) % cap] = si;
			}
			mlen[ai]++;
			total++;
		} else {
			struct sudog *s = semtreap_dequeue(&root, &addrs[ai]);
			if (mlen[ai] == 0) {
				if (s != NULL)
					FAIL("dequeued from an address with no waiters");
			} else {
				int want = model[ai][mhead[ai]];
				if (s != &pool[want])
					FAIL("address %d: wrong waiter out", ai);
				if (s->elem || s->parent || s->prev || s->next || s->waitlink || s->ticket)
					FAIL("dequeued sudog not clean");
				mhead[ai] = (mhead[ai] + 1) % (MAXQ / 4);
				mlen[ai]--;
				freelist[nfree++] = want;
				total--;
			}
		}
		if (step % 97 == 0 || total < 8) {
			nodes_seen = waiters_seen = 0;
			check(root, NULL, 0, UINTPTR_MAX);
			if (waiters_seen != total)
				FAIL("%d waiters in tree, model %d", waiters_seen, total);
			for (int i = 0; i < NADDR; i++)
				if ((mlen[i] > 0) != (semtreap_find(root, &addrs[i]) != NULL))
					FAIL("find");
		}
	}
	/* depth stays logarithmic-ish: drain and check emptiness */
	for (int i = 0; i < NADDR; i++)
		while (semtreap_dequeue(&root, &addrs[i]))
			;
	if (root != NULL)
		FAIL("tree not empty after draining");
	printf("treap: 200000 random operations consistent with the model\n");
	return 0;
}
