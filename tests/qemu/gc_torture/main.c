// TEST: arch=riscv64 smp=1,2 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcbarrier=fault" status=0 timeout=600 mem=256M
// EXPECT: ^gc_torture: cycles=[1-9][0-9]* mutators=[23] ops=[0-9]+ during_mark=[1-9][0-9]* checksums=[1-9][0-9]* exact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: arch=riscv64 smp=4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcbarrier=fault test=2" status=0 timeout=600 mem=256M
// EXPECT: ^gc_torture: cycles=[0-9]+ mutators=[0-9] ops=[0-9]+ during_mark=[1-9][0-9]* checksums=[1-9][0-9]* exact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: arch=aarch64 smp=1,2 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcbarrier=fault" status=0 timeout=600 mem=256M
// EXPECT: ^gc_torture: cycles=[1-9][0-9]* mutators=[23] ops=[0-9]+ during_mark=[1-9][0-9]* checksums=[1-9][0-9]* exact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: arch=aarch64 smp=4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcbarrier=fault test=2" status=0 timeout=600 mem=256M
// EXPECT: ^gc_torture: cycles=[0-9]+ mutators=[0-9] ops=[0-9]+ during_mark=[1-9][0-9]* checksums=[1-9][0-9]* exact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=2 bootargs="gcconc=1 gcsatb=0 gccheckmark=1 gcpoison=1 gcbarrier=fault test=2" status=0 timeout=600 mem=256M
// EXPECT: ^gc_torture: cycles=[0-9]+ mutators=[0-9] ops=[0-9]+ during_mark=[1-9][0-9]* checksums=[1-9][0-9]* exact$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: arch=riscv64 smp=1 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcbarrier=hw" status=0 timeout=600 mem=256M
// EXPECT: ^gc_torture: cycles=[1-9][0-9]* mutators=[23] ops=[0-9]+ during_mark=[1-9][0-9]* checksums=[1-9][0-9]* exact$
// EXPECT: ^PASS$
// REJECT: fatal error
// REJECT: warning: gcbarrier=hw
// TEST: arch=riscv64 smp=2,4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcbarrier=hw test=2" status=0 timeout=600 mem=256M
// EXPECT: ^gc_torture: cycles=[0-9]+ mutators=[0-9] ops=[0-9]+ during_mark=[1-9][0-9]* checksums=[1-9][0-9]* exact$
// EXPECT: ^PASS$
// REJECT: fatal error
// REJECT: warning: gcbarrier=hw
// TEST: arch=aarch64 cpu=max smp=1 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcbarrier=hw" status=0 timeout=600 mem=256M
// EXPECT: ^gc_torture: cycles=[1-9][0-9]* mutators=[23] ops=[0-9]+ during_mark=[1-9][0-9]* checksums=[1-9][0-9]* exact$
// EXPECT: ^PASS$
// REJECT: fatal error
// REJECT: warning: gcbarrier=hw
// TEST: arch=aarch64 cpu=max smp=2,4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 gcbarrier=hw test=2" status=0 timeout=600 mem=256M
// EXPECT: ^gc_torture: cycles=[0-9]+ mutators=[0-9] ops=[0-9]+ during_mark=[1-9][0-9]* checksums=[1-9][0-9]* exact$
// EXPECT: ^PASS$
// REJECT: fatal error
// REJECT: warning: gcbarrier=hw
// TEST: smp=2 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 test=1" status=2 timeout=600 mem=256M
// EXPECT: ^runtime: checkmark found unmarked object 0x[0-9a-f]+
// EXPECT: ^fatal error: checkmark found unmarked object$
// REJECT: ^PASS
/*
 * gc_torture - the concurrent mark (gcconc=1) through 1,000 cycles under
 * GOMAXPROCS + 1 goroutines that keep re-linking a graph: every object
 * the program can still reach must survive, with its contents.
 *
 * Each mutator owns NCHAIN chains: singly linked lists of nodes (an id, a
 * value, the next node, a leaf object with an id and a value of its own),
 * at most MAXLEN long. The only pointer to a chain's first node sits in a
 * slot of one of five kinds, as in gc_concmut:
 *   old    - a slot of one of NOLD old anchors (allocated at the start,
 *            kept live by a .bss array),
 *   new    - a slot of an anchor allocated just now, itself reachable only
 *            through an old anchor (allocated black during a mark),
 *   stack  - a slot of an array in the mutator's frame,
 *   global - a slot of a .bss array,
 *   malloc - a slot of the mutator's malloc block.
 * The operations, chosen at random:
 *   move    - a chain's head to a slot of another kind (move_ptr: no copy
 *             of the pointer stays behind);
 *   hold    - the head held only in a local across allocation and Gosched,
 *             then stored elsewhere (a cycle may start or end meanwhile);
 *   splice  - cut a chain after its k-th node and append the rest to
 *             another chain: a pointer moves from one old node into
 *             another (or from a head slot to a node, or back);
 *   swap    - two nodes exchange their leaves;
 *   value   - a node's and its leaf's values change;
 *   releaf  - a node gets a new leaf (the old one is garbage);
 *   renew   - a whole chain is dropped and a new one built in its place,
 *             its head in a local while its nodes are allocated.
 * Each op also allocates a little garbage filled with 0x5a, so that an
 * object freed while reachable is soon reused and overwritten (gcpoison=1
 * overwrites it at once).
 *
 * The check: each node and leaf adds mix(id, value) to a checksum. The
 * mutator keeps the checksum and the chain lengths it expects, updated by
 * every op from what it did (not from what it reads), and every VERIFY
 * ops it walks all its chains: each must have exactly its length and the
 * sum must be exactly the expected one. The mutator's own bookkeeping
 * holds no pointer the collector can see (slot addresses are kept
 * xor-masked), so only the graph keeps the graph alive.
 *
 * A driver goroutine calls GC() until CYCLES cycles ran, each after the
 * mutators made PACE ops apiece since the previous one started; a
 * mutator makes at most BUDGET ops per cycle outside a mark and BUDGET
 * during it, sleeping when the kind it may do now is spent, so that a
 * cycle stays short (1,000 of them take seconds, not minutes), on one CPU
 * the driver and the mark still get their turn, and however the host
 * schedules the vCPUs some ops fall inside the marks;
 * gccheckmark=1 re-marks with the world stopped after each one and fails
 * on any object the concurrent mark left white. Ops made while a mark
 * runs are counted: there must be some.
 *
 * 1,000 cycles at -smp 1 in both modes and at -smp 2 in fault mode;
 * test=2 runs SHORT cycles instead, for the other lines, and testshort=1
 * a quarter (make test's clang and LSE builds: docs/testing.md), to keep
 * make test's time (the count is the program's CHECK, not the EXPECT's):
 * a 1,000-cycle run took 5 s at -smp 1, 35-80 s at -smp 2 on a loaded
 * 2-core host (5 s on a quiet one) and more at -smp 4.
 *
 * Every line names its arch: the hosted port takes no write faults, and
 * gcbarrier=fault there loses objects (the checkmark catches it within a
 * second; the runtime should refuse that mode there, as it refuses
 * gcbarrier=hw without dirty bits). Hosted, the default mode passes; the
 * program is not in tests/hosted.sh's set (nor is gc_concmut).
 *
 * test=1: the barrier ignores dirty GC heap pages
 * (gc_debug_barrier_ignore(GC_PAGES_HEAP)): a splice behind the mark
 * hides a chain's tail, and the checkmark must say so (status 2).
 */
#include <stdlib.h>
#include <string.h>
#include "tests/qemu/testing.h"
#include "tests/qemu/gcmut.h"
#include "gort.h"
#include "kernel/gc/gc.h"

#define MAXMUT 9                /* GOMAXPROCS + 1 mutators; GOMAXPROCS <= 8 */
#define NCHAIN 12               /* chains per mutator */
#define MAXLEN 40               /* nodes per chain at most */
#define NOLD 128                /* old anchors per mutator */
#define VERIFY 64               /* ops between two checksums */
#define CYCLES 1000             /* GC cycles, at least */
#define SHORT 250               /* test=2: that many instead */
#define PACE 2                  /* ops per mutator between two cycles, at least */
#define BUDGET 24               /* and at most (>= PACE), in and out of a mark each */
#define MASK 0xa5a5a5a5a5a5a5a5ull

struct leaf { uint64_t id, val; };
struct node { uint64_t id, val; struct node *next; struct leaf *leaf; };
struct anchor { void *slot[NCHAIN]; struct anchor *fresh[NCHAIN]; };

enum { L_OLD, L_NEW, L_STACK, L_GLOBAL, L_MALLOC, NLOC };

/* One mutator's bookkeeping, in a malloc block: no visible pointers. */
struct mut {
	int m;
	uint64_t rs;                    /* random state */
	uint64_t nextid;
	uint64_t sum;                   /* expected checksum of all chains */
	int len[NCHAIN];                /* expected length of each chain */
	uintptr_t where[NCHAIN];        /* head slot ^ MASK */
	uintptr_t holder[NCHAIN];       /* kind new: its anchor ^ MASK, else MASK */
	void **stk;                     /* the stack slots (in the frame) */
};

static struct anchor *olds[MAXMUT][NOLD];      /* .bss: the old anchors' root */
static void *gslot[MAXMUT][NCHAIN];            /* .bss: global slots */
static struct anchor *mblk[MAXMUT];            /* malloc blocks (roots themselves) */
static int64_t nops, nduring, nchecks, ndone, ngc, stop;       /* atomics */

static uint64_t mix(uint64_t id, uint64_t val)
{
	uint64_t x = id * 0x9E3779B97F4A7C15ull ^ (val + 0x632BE59BD9B4E019ull);
	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	return x ^ x >> 32;
}

static uint64_t weight(const struct node *n)
{
	return mix(n->id, n->val) + mix(n->leaf->id, n->leaf->val);
}

static void **slot_of(struct mut *u, int c) { return (void **)(u->where[c] ^ MASK); }

static struct leaf *new_leaf(struct mut *u, uint64_t id)
{
	struct leaf *l = mallocgc(sizeof *l);
	l->id = id | 1ull << 63;
	l->val = rnd(&u->rs);
	return l;
}

static struct node *new_node(struct mut *u)
{
	struct node *n = mallocgc(sizeof *n);
	n->id = u->nextid++;
	n->val = rnd(&u->rs);
	n->leaf = new_leaf(u, n->id);
	return n;
}

static void garbage(struct mut *u)
{
	size_t n = 16 + rnd(&u->rs) % 240;
	memset(mallocgc(n), 0x5a, n);
}

/* Walk chain c: it must have exactly its expected length and only this
 * mutator's nodes and leaves (a leaf moves between nodes: its id is its
 * first node's). Returns its checksum. */
static uint64_t walk(struct mut *u, int c, const char *when)
{
	uint64_t s = 0, mine = (uint64_t)(u->m + 1) << 48;
	int k = 0;
	for (const struct node *n = *slot_of(u, c); n != NULL; n = n->next, k++) {
		CHECK(k < u->len[c], "mutator %d %s: chain %d longer than %d nodes (node %p id %#llx)",
		      u->m, when, c, u->len[c], (const void *)n, (unsigned long long)n->id);
		CHECK((n->id & ~0xffffffffffffull) == mine && n->leaf != NULL &&
		      (n->leaf->id & ~0xffffffffffffull) == (mine | 1ull << 63),
		      "mutator %d %s: chain %d node %d at %p: id %#llx leaf %p: freed while reachable?",
		      u->m, when, c, k, (const void *)n, (unsigned long long)n->id,
		      (const void *)n->leaf);
		s += weight(n);
	}
	CHECK(k == u->len[c], "mutator %d %s: chain %d has %d nodes, want %d",
	      u->m, when, c, k, u->len[c]);
	return s;
}

static void verify(struct mut *u, const char *when)
{
	uint64_t s = 0;
	for (int c = 0; c < NCHAIN; c++)
		s += walk(u, c, when);
	CHECK(s == u->sum, "mutator %d %s: checksum %#llx, want %#llx: a reachable node changed",
	      u->m, when, (unsigned long long)s, (unsigned long long)u->sum);
	atomic_add64(&nchecks, 1);
}

/* The i-th node of chain c (i < len). */
static struct node *nth(struct mut *u, int c, int i)
{
	struct node *n = *slot_of(u, c);
	while (i-- > 0)
		n = n->next;
	return n;
}

/* A free slot of the given kind for chain c; records it as c's slot. */
static void **locate(struct mut *u, int c, int kind)
{
	struct anchor *h = (struct anchor *)(u->holder[c] ^ MASK), *old;
	void **to;
	u->holder[c] = MASK;
	switch (kind) {
	case L_OLD:
		to = &olds[u->m][rnd(&u->rs) % NOLD]->slot[c];
		break;
	case L_NEW: {
		struct anchor *a = mallocgc(sizeof *a);
		do      /* not the anchor that holds the chain now */
			old = olds[u->m][rnd(&u->rs) % NOLD];
		while (h != NULL && old->fresh[c] == h);
		__atomic_store_n(&old->fresh[c], a, __ATOMIC_RELAXED);
		u->holder[c] = (uintptr_t)a ^ MASK;
		to = &a->slot[c];
		break;
	}
	case L_STACK:
		to = &u->stk[c];
		break;
	case L_GLOBAL:
		to = &gslot[u->m][c];
		break;
	default:
		to = &mblk[u->m]->slot[c];
		break;
	}
	return to;
}

static void op_move(struct mut *u, int c)
{
	void **from = slot_of(u, c);
	void **to = locate(u, c, (int)(rnd(&u->rs) % NLOC));
	move_ptr(from, to);
	u->where[c] = (uintptr_t)to ^ MASK;
}

static __attribute__((noinline)) void op_hold(struct mut *u, int c)
{
	void *head = __atomic_exchange_n(slot_of(u, c), NULL, __ATOMIC_RELAXED);
	for (int i = 0; i < 8; i++)
		garbage(u);
	Gosched();
	void **to = locate(u, c, (int)(rnd(&u->rs) % NLOC));
	__atomic_store_n(to, head, __ATOMIC_RELAXED);
	u->where[c] = (uintptr_t)to ^ MASK;
}

/* Chain a's nodes from k on go to the end of chain b. */
static void op_splice(struct mut *u, int a, int b)
{
	int k = (int)(rnd(&u->rs) % (uint64_t)u->len[a]);
	int moved = u->len[a] - k;
	if (a == b || u->len[b] + moved > MAXLEN)
		return;
	void **from = k == 0 ? slot_of(u, a) : (void **)&nth(u, a, k - 1)->next;
	void **to = u->len[b] == 0 ? slot_of(u, b) : (void **)&nth(u, b, u->len[b] - 1)->next;
	move_ptr(from, to);
	u->len[a] -= moved;
	u->len[b] += moved;
}

static void op_swap(struct mut *u, int a, int b)
{
	struct node *x = nth(u, a, (int)(rnd(&u->rs) % (uint64_t)u->len[a]));
	struct node *y = nth(u, b, (int)(rnd(&u->rs) % (uint64_t)u->len[b]));
	if (x == y)
		return;
	struct leaf *l = __atomic_exchange_n(&x->leaf, NULL, __ATOMIC_RELAXED);
	l = __atomic_exchange_n(&y->leaf, l, __ATOMIC_RELAXED);
	__atomic_store_n(&x->leaf, l, __ATOMIC_RELAXED);
}

static void op_value(struct mut *u, int c, bool releaf)
{
	struct node *n = nth(u, c, (int)(rnd(&u->rs) % (uint64_t)u->len[c]));
	u->sum -= weight(n);
	if (releaf) {
		__atomic_store_n(&n->leaf, new_leaf(u, n->id), __ATOMIC_RELAXED);
	} else {
		n->val = rnd(&u->rs);
		n->leaf->val++;
	}
	u->sum += weight(n);
}

/* Drop chain c and build a new one; its head only in a local meanwhile. */
static __attribute__((noinline)) void op_renew(struct mut *u, int c)
{
	u->sum -= walk(u, c, "renew");
	__atomic_store_n(slot_of(u, c), NULL, __ATOMIC_RELAXED);
	int len = 1 + (int)(rnd(&u->rs) % (MAXLEN / 2));
	struct node *head = NULL;
	for (int i = 0; i < len; i++) {
		struct node *n = new_node(u);
		n->next = head;
		head = n;
		u->sum += weight(n);
		garbage(u);
	}
	void **to = locate(u, c, (int)(rnd(&u->rs) % NLOC));
	__atomic_store_n(to, head, __ATOMIC_RELAXED);
	u->where[c] = (uintptr_t)to ^ MASK;
	u->len[c] = len;
}

static void op(struct mut *u)
{
	int a = (int)(rnd(&u->rs) % NCHAIN), b = (int)(rnd(&u->rs) % NCHAIN);
	switch (rnd(&u->rs) % 16) {
	case 0: case 1: case 2: case 3:
		op_move(u, a);
		break;
	case 4: case 5:
		op_hold(u, a);
		break;
	case 6: case 7: case 8: case 9:
		if (u->len[a] > 0)
			op_splice(u, a, b);
		break;
	case 10: case 11:
		if (u->len[a] > 0 && u->len[b] > 0)
			op_swap(u, a, b);
		break;
	case 12:
	case 13:
		if (u->len[a] > 0)
			op_value(u, a, rnd(&u->rs) & 1);
		break;
	default:
		op_renew(u, a);
		break;
	}
	garbage(u);
}

static void mutator(void *arg)
{
	void *volatile stk[NCHAIN] = { 0 };
	struct mut *u = malloc(sizeof *u);
	memset(u, 0, sizeof *u);
	u->m = (int)(uintptr_t)arg;
	u->rs = 0x9E3779B97F4A7C15ull * (uint64_t)(u->m + 1);
	u->nextid = (uint64_t)(u->m + 1) << 48;
	u->stk = (void **)stk;
	for (int c = 0; c < NCHAIN; c++) {
		u->holder[c] = MASK;
		u->where[c] = (uintptr_t)&gslot[u->m][c] ^ MASK;
		op_renew(u, c);
	}
	int64_t cyc = -1, budget[2] = { 0, 0 };  /* ops left: [0] outside a mark, [1] in it */
	for (int64_t n = 1; !atomic_load64(&stop); n++) {
		int marking;
		for (;;) {      /* this cycle's ops of this kind done: wait */
			if (atomic_load64(&ngc) != cyc) {
				cyc = atomic_load64(&ngc);
				budget[0] = budget[1] = BUDGET;
			}
			marking = __atomic_load_n(&gc_marking, __ATOMIC_RELAXED) != 0;
			if (budget[marking] > 0 || atomic_load64(&stop))
				break;
			Sleep(20 * Microsecond);
		}
		budget[marking]--;
		op(u);
		atomic_add64(&nops, 1);
		if (__atomic_load_n(&gc_marking, __ATOMIC_RELAXED))
			atomic_add64(&nduring, 1);
		if (n % VERIFY == 0)
			verify(u, "during the cycles");
		if (n % 16 == 0)
			Gosched();
	}
	verify(u, "at the end");
	atomic_add64(&ndone, 1);
	free(u);
}

/* Cycles back to back, but each after the mutators made PACE ops apiece
 * since the last one: on one CPU the driver would otherwise take nearly
 * all of it. */
static void driver(void *arg)
{
	int64_t nmut = (int64_t)(uintptr_t)arg;
	while (!atomic_load64(&stop)) {
		int64_t want = atomic_load64(&nops) + nmut * PACE;
		GC();
		atomic_add64(&ngc, 1);
		while (atomic_load64(&nops) < want && !atomic_load64(&stop))
			Gosched();
	}
}

int main(void)
{
	if (BootFlagTest() == 1)
		gc_debug_barrier_ignore(GC_PAGES_HEAP);
	int nmut = GOMAXPROCS(0) + 1;
	CHECK(nmut <= MAXMUT, "GOMAXPROCS %d: at most %d", nmut - 1, MAXMUT - 1);
	for (int m = 0; m < nmut; m++) {
		for (int i = 0; i < NOLD; i++)
			olds[m][i] = mallocgc(sizeof(struct anchor));
		mblk[m] = malloc(sizeof(struct anchor));
		memset(mblk[m], 0, sizeof(struct anchor));
	}
	struct MemStats ms;
	ReadMemStats(&ms);
	uint32_t gc0 = ms.NumGC;
	int64_t t0 = nanotime();
	for (int m = 0; m < nmut; m++)
		go(mutator, (void *)(uintptr_t)m);
	go(driver, (void *)(uintptr_t)nmut);
	int64_t want = BootFlagTest() == 2 ? SHORT : CYCLES;
	if (BootFlagTestShort())
		want /= 4;
	wait_for(&ngc, want, 500000, "cycles");
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	wait_for(&ndone, nmut, 500000, "mutators");
	ReadMemStats(&ms);
	uint32_t cycles = ms.NumGC - gc0;
	CHECK(cycles >= want, "%u cycles, want %lld", cycles, (long long)want);
	CHECK(atomic_load64(&nduring) > 0, "no op was made during a concurrent mark");
	printf("gc_torture: %lld ms, %llu KiB heap in use\n", (long long)((nanotime() - t0) / Millisecond),
	       (unsigned long long)ms.HeapAlloc / 1024);
	printf("gc_torture: cycles=%u mutators=%d ops=%lld during_mark=%lld checksums=%lld exact\n",
	       cycles, nmut, (long long)atomic_load64(&nops), (long long)atomic_load64(&nduring),
	       (long long)atomic_load64(&nchecks));
	for (int m = 0; m < nmut; m++)
		free(mblk[m]);
	printf("PASS\n");
	return 0;
}
