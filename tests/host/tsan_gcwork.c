// SOURCES: kernel/gc/mgcwork.c -DGORT_DEBUG=1 -Iarch -DARCH_ARCH_H -include sched.h -Darch_cpu_relax()=sched_yield()
/*
 * tsan_gcwork.c - the mark phase's work buffers and termination protocol
 * (kernel/gc/mgcwork.c) under ThreadSanitizer, on a synthetic object graph.
 *
 * The graph: N = 1,000,000 nodes; node k points at 2k+1 and 2k+2 (if < N),
 * except that 1/64 of these tree edges are cut, plus one pseudo-random
 * extra edge from about 31% of the nodes (so about 4% of the nodes are
 * unreachable, and many are reached by several paths at once, by workers
 * racing to mark them). A sequential DFS gives the reference reachable set.
 *
 * A mark with T workers (T = 1, 2, 4, 8; several times each): the main
 * thread joins worker 0's gcwork and puts the root (node 0) before any
 * thread exists, so the root is in the pool's accounting (worker 0 is joined
 * and not waiting) before anyone can conclude the mark is over; worker 0's
 * thread then uses that gcwork, the others gcw_join themselves. Each worker
 * loops on gcw_get: for every child of the node, if it atomically marks the
 * child it writes the child's tag (a plain store) and gcw_puts it; every 64
 * nodes it calls gcw_balance; when gcw_get says false it checks its cache is
 * empty and gcw_leave's. Asserted:
 *   - every reachable node is marked, no other node is; each reachable node
 *     is taken from the pool and processed exactly once (per-node atomic
 *     counter == 1), no value outside 0..N-1 comes out;
 *   - the tag a marker wrote is seen by whichever worker takes the node
 *     (TSan: the buffer hand-off orders it), and every worker that sees the
 *     mark end sees every tag (TSan: termination orders all marking before
 *     it, as the sweeper needs);
 *   - every joined worker left gcw_get with false and an empty cache, done
 *     is set, pool->full is NULL, nfull 0, nwait == njoined;
 *   - every buffer is back on the empty list (none lost or duplicated:
 *     the list length == nbufs == 4 per page the pool allocated);
 *   - gcw_join after the mark is over returns false and leaves the gcwork
 *     untouched;
 *   - workpool_reset, then a second mark on the same pool and graph: the
 *     same results, the spare buffers are reused (with T = 1, which is
 *     deterministic, no page is allocated at all).
 * TSan must report no data race. A watchdog fails the test if a mark hangs
 * (a termination bug).
 *
 * Host stand-ins provided here: mheap_alloc_pages (aligned_alloc), spin
 * locks (test-and-test-and-set on __atomic builtins, which TSan
 * understands; assert_lock_held only checks the lock is taken), throw
 * (print, abort). mgcwork.c includes "arch.h" for
 * arch_cpu_relax, whose real definitions are RISC-V/ARM inline asm: the
 * SOURCES line finds arch/arch.h but predefines its include guard, and
 * defines arch_cpu_relax() as sched_yield() (the host may have fewer cores
 * than workers; spinning waiters must let the working thread run). It also
 * sets GORT_DEBUG=1 so that mgcwork.c's ASSERTs are live.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "kernel/gc/mgcwork.h"
#include "kernel/lib/print.h"

#define N       1000000
#define REPS    3
#define MAXT    8
#define BALANCE_EVERY 64
#define MAXPAGES 4096

/* ---- host stand-ins for the kernel ------------------------------------- */

static void *pages[MAXPAGES];
static int npages;                      /* atomic */

void *mheap_alloc_pages(size_t n)
{
	void *p = aligned_alloc(8192, n * 8192);
	int i = __atomic_fetch_add(&npages, 1, __ATOMIC_RELAXED);
	if (p == NULL || i >= MAXPAGES)
		throw("test: too many work buffer pages");
	pages[i] = p;
	return p;
}

void spin_lock(spinlock_t *l)
{
	for (int spins = 0;; spins++) {
		if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) == 0 &&
		    __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0)
			return;
		if (spins > 16)
			sched_yield();
	}
}

void spin_unlock(spinlock_t *l)
{
	if (__atomic_exchange_n(&l->locked, 0, __ATOMIC_RELEASE) != 1)
		throw("test: spin_unlock of a lock not held");
}

/* assert_lock_held: no owner here, only "held by someone". */
void spin_assert_held(const spinlock_t *l, const char *fn)
{
	if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 1)
		throw("test: %s: lock not held", fn);
}

void throw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("fatal error: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	abort();
}

static void watchdog(int sig)
{
	static const char msg[] = "FAIL: a mark did not terminate within 120 s (hang in gcw_get?)\n";
	(void)sig;
	(void)!write(1, msg, sizeof msg - 1);
	_exit(1);
}

/* ---- the graph ---------------------------------------------------------- */

static uint64_t gseed;

static uint64_t mix(uint64_t x)        /* splitmix64's finalizer */
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The children of node k (at most 4). */
static int children(uint32_t k, uint32_t out[4])
{
	uint64_t h = mix(k ^ gseed);
	int n = 0;
	for (uint32_t j = 1; j <= 2; j++) {
		uint64_t c = 2 * (uint64_t)k + j;
		if (c < N && ((h >> (8 * j)) & 63) != 0)        /* 1/64 cut */
			out[n++] = (uint32_t)c;
	}
	if ((h & 3) == 0)
		out[n++] = (uint32_t)((h >> 24) % N);
	if ((h & 15) == 1)
		out[n++] = (uint32_t)((h >> 44) % N);
	return n;
}

static uint8_t reach[N];                /* reference: reachable from 0 */
static uint32_t stack[N];

static uint32_t compute_reach(void)
{
	memset(reach, 0, sizeof reach);
	uint32_t sp = 0, nreach = 1;
	reach[0] = 1;
	stack[sp++] = 0;
	while (sp) {
		uint32_t x = stack[--sp], ch[4];
		int n = children(x, ch);
		for (int i = 0; i < n; i++)
			if (!reach[ch[i]]) {
				reach[ch[i]] = 1;
				nreach++;
				stack[sp++] = ch[i];
			}
	}
	return nreach;
}

/* ---- the mark ----------------------------------------------------------- */

static uint8_t marked[N];               /* atomic: the mark bit */
static uint32_t processed[N];           /* atomic: times taken from the pool */
static uint32_t tag[N];                 /* plain: written by the marker */
static long bad_value, bad_tag, ndup;    /* atomic error counters */

static uint32_t tagof(uint32_t k) { return k * 2654435761u + 1; }

static struct workpool *pool;

struct worker {
	pthread_t th;
	struct gcwork w;
	bool prejoined;                 /* main joined w for it */
	bool joined, got_false, empty_after, saw_done;
	long nprocessed;
	long tags_missing;              /* reachable nodes without their tag at the end */
};

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	if (!wk->prejoined && !gcw_join(&wk->w, pool))
		return NULL;            /* the mark was over before we came */
	wk->joined = true;
	uintptr_t x;
	while (gcw_get(&wk->w, &x)) {
		if (x >= N) {
			__atomic_fetch_add(&bad_value, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (tag[x] != tagof((uint32_t)x))
			__atomic_fetch_add(&bad_tag, 1, __ATOMIC_RELAXED);
		if (__atomic_fetch_add(&processed[x], 1, __ATOMIC_RELAXED) != 0)
			__atomic_fetch_add(&ndup, 1, __ATOMIC_RELAXED);
		uint32_t ch[4];
		int n = children((uint32_t)x, ch);
		for (int i = 0; i < n; i++)
			if (__atomic_exchange_n(&marked[ch[i]], 1, __ATOMIC_RELAXED) == 0) {
				tag[ch[i]] = tagof(ch[i]);
				gcw_put(&wk->w, ch[i]);
			}
		if (++wk->nprocessed % BALANCE_EVERY == 0)
			gcw_balance(&wk->w);
	}
	wk->got_false = true;
	wk->empty_after = !gcw_tryget_local(&wk->w, &x);
	wk->saw_done = __atomic_load_n(&pool->done, __ATOMIC_ACQUIRE) == 1;
	/* the mark is over: every tag written by any worker is visible */
	for (uint32_t i = 0; i < N; i++)
		if (reach[i] && tag[i] != tagof(i))
			wk->tags_missing++;
	gcw_leave(&wk->w);
	return NULL;
}

static uint32_t list_len(const struct workbuf *b)
{
	uint32_t n = 0;
	for (; b && n < 1000000; b = b->next)
		n++;
	return n;
}

/* One mark with T workers on the current graph; checks everything. */
static void mark(int T, const char *what, uint32_t nreach)
{
	static struct worker wk[MAXT];
	memset(marked, 0, sizeof marked);
	memset(processed, 0, sizeof processed);
	memset(tag, 0, sizeof tag);
	memset(wk, 0, sizeof wk);
	bad_value = bad_tag = ndup = 0;
	alarm(120);

	/* the root is in worker 0's cache, worker 0 joined, before any thread
	 * can take part */
	CHECK(gcw_join(&wk[0].w, pool), "%s: main's join of worker 0", what);
	wk[0].prejoined = true;
	marked[0] = 1;
	tag[0] = tagof(0);
	gcw_put(&wk[0].w, 0);
	for (int t = 0; t < T; t++)
		pthread_create(&wk[t].th, NULL, worker_main, &wk[t]);
	for (int t = 0; t < T; t++)
		pthread_join(wk[t].th, NULL);
	alarm(0);

	int njoined = 0, late = 0;
	long total = 0, most = 0;
	for (int t = 0; t < T; t++) {
		if (!wk[t].joined) {
			late++;
			continue;
		}
		njoined++;
		total += wk[t].nprocessed;
		if (wk[t].nprocessed > most)
			most = wk[t].nprocessed;
		CHECK(wk[t].got_false, "%s: worker %d did not end with gcw_get false", what, t);
		CHECK(wk[t].empty_after, "%s: worker %d's cache not empty after gcw_get false", what, t);
		CHECK(wk[t].saw_done, "%s: worker %d did not see done after gcw_get false", what, t);
		CHECK(wk[t].tags_missing == 0, "%s: worker %d missed %ld tags after the mark", what, t,
		      wk[t].tags_missing);
		CHECK(wk[t].w.wbuf1 == NULL && wk[t].w.wbuf2 == NULL, "%s: worker %d kept buffers", what, t);
	}
	CHECK(wk[0].joined, "%s: worker 0 (the root's) did not run", what);
	CHECK(__atomic_load_n(&pool->done, __ATOMIC_ACQUIRE) == 1, "%s: done not set", what);
	CHECK(pool->full == NULL, "%s: pool->full not NULL at the end", what);
	CHECK(pool->nfull == 0, "%s: nfull %d at the end", what, pool->nfull);
	CHECK(pool->njoined == njoined, "%s: njoined %d, want %d", what, pool->njoined, njoined);
	CHECK(pool->nwait == pool->njoined, "%s: nwait %d, njoined %d", what, pool->nwait,
	      pool->njoined);
	uint32_t nempty = list_len(pool->empty);
	CHECK(nempty == pool->nbufs, "%s: %u buffers on the empty list, nbufs %llu", what, nempty,
	      (unsigned long long)pool->nbufs);
	CHECK(bad_value == 0, "%s: %ld values out of range", what, bad_value);
	CHECK(bad_tag == 0, "%s: %ld nodes taken without their tag", what, bad_tag);
	CHECK(ndup == 0, "%s: %ld nodes processed twice", what, ndup);
	CHECK(total == (long)nreach, "%s: %ld nodes processed, %u reachable", what, total, nreach);
	int bad = 0;
	for (uint32_t i = 0; i < N && bad < 5; i++) {
		if (marked[i] != reach[i] || processed[i] != reach[i]) {
			bad++;
			CHECK(0, "%s: node %u reachable %d, marked %d, processed %u times", what, i, reach[i],
			      marked[i], processed[i]);
		}
	}

	/* the mark is over: a worker that comes now is turned away */
	struct gcwork latew;
	memset(&latew, 0x5a, sizeof latew);
	struct gcwork copy = latew;
	CHECK(!gcw_join(&latew, pool), "%s: gcw_join after the mark returned true", what);
	CHECK(memcmp(&latew, &copy, sizeof latew) == 0, "%s: a refused gcw_join changed the gcwork",
	      what);
	CHECK(pool->njoined == njoined, "%s: a refused gcw_join counted itself", what);
	printf("%s: %u reachable of %d, %d workers (%d joined late), busiest did %.0f%%, %llu buffers\n",
	       what, nreach, N, T, late, 100.0 * most / nreach, (unsigned long long)pool->nbufs);
}

static void run(int T, int rep)
{
	static struct workpool thepool;
	char what[64];
	memset(&thepool, 0, sizeof thepool);
	pool = &thepool;
	gseed = mix((uint64_t)T * 1000 + (uint64_t)rep);
	uint32_t nreach = compute_reach();
	int pages0 = npages;

	snprintf(what, sizeof what, "T=%d rep %d mark 1", T, rep);
	mark(T, what, nreach);

	/* a new cycle on the same pool: the spare buffers stay */
	uint64_t nbufs = pool->nbufs;
	workpool_reset(pool);
	CHECK(__atomic_load_n(&pool->done, __ATOMIC_RELAXED) == 0 && pool->njoined == 0 &&
	      pool->nwait == 0, "T=%d rep %d: workpool_reset left done %u njoined %d nwait %d", T, rep,
	      pool->done, pool->njoined, pool->nwait);
	CHECK(pool->nbufs == nbufs && list_len(pool->empty) == nbufs,
	      "T=%d rep %d: workpool_reset lost spare buffers", T, rep);
	int pages1 = npages;
	snprintf(what, sizeof what, "T=%d rep %d mark 2", T, rep);
	mark(T, what, nreach);
	if (T == 1)             /* same graph, one worker: the very same buffer use */
		CHECK(npages == pages1 && pool->nbufs == nbufs,
		      "T=1 rep %d: mark 2 allocated %d pages instead of reusing %llu buffers", rep,
		      npages - pages1, (unsigned long long)nbufs);
	CHECK(pool->nbufs == (uint64_t)(npages - pages0) * (8192 / WORKBUF_BYTES),
	      "T=%d rep %d: nbufs %llu for %d pages", T, rep, (unsigned long long)pool->nbufs,
	      npages - pages0);
	/* the pool is dropped: give its pages back */
	for (int i = pages0; i < npages; i++)
		free(pages[i]);
}

int main(void)
{
	signal(SIGALRM, watchdog);
	static const int ts[] = { 1, 2, 4, 8 };
	for (unsigned i = 0; i < sizeof ts / sizeof ts[0]; i++)
		for (int rep = 0; rep < REPS; rep++)
			run(ts[i], rep);
	return check_summary();
}
