// EXPECT: ^gc_churn: [0-9]+ cycles, [0-9]+ structures verified, 0 corrupt$
// EXPECT: ^PASS$
// REJECT: ^gc_churn: corrupt
// TEST: smp=1 bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=900 mem=256M
// TEST: smp=2,4 bootargs="gccheckmark=1 gcpoison=1 test=2" status=0 timeout=900 mem=256M
// TEST: arch=riscv64 smp=1 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=900 mem=256M
// TEST: arch=aarch64 smp=1 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=900 mem=256M
// TEST: arch=hosted smp=1 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 test=2" status=0 timeout=900 mem=256M
// TEST: smp=2,4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 test=2" status=0 timeout=900 mem=256M
// TEST: arch=hosted smp=4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1 test=3" status=0 timeout=900 mem=256M
/*
 * gc_churn - many goroutines build and drop pointer structures made of GC
 * objects while the collector runs over and over, until at least
 * MIN_CYCLES cycles have completed (MemStats.NumGC); with test=2, SHORT_CYCLES
 * (the smp 2 and 4 lines: 1,000 cycles there took most of make test's GC
 * time, 16-52 s a run, and gc_torture runs the concurrent mark's 1,000
 * cycles with mutators at smp 2). Hosted, the concurrent mark's barrier is
 * a signal and an mprotect per page written per cycle (docs/hosted.md):
 * 1,000 concurrent cycles took 127 s there, so hosted runs test=2 at smp 1
 * too. test=3 is TSAN_CYCLES, for the ThreadSanitizer pass
 * (tests/hosted.sh): the concurrent mark at smp 4 under TSan managed
 * about 0.45 cycles/s on a loaded 2-core host.
 *
 * Workers = 4 x NumCPU. Each builds, at random, one of:
 *   - a linked list of 8..64 nodes of 64..512 bytes;
 *   - a binary tree of depth 2..6 with nodes of 48..256 bytes;
 *   - an open-addressing hash table of 16..192 entries (GC objects) whose
 *     slot array is a separate GC object, 1 in 8 times a 40 KiB (large,
 *     scanned) one;
 * each, 1 in 3 times, with a 40 KiB mallocgc_noscan blob attached. Every
 * structure starts with a header (a GC object) holding its kind, seed, node
 * count and a checksum of its contents computed when it was built; every
 * node carries a magic word derived from its own address, so a node that
 * was freed and then poisoned (gcpoison=1) or handed out again is noticed
 * before any pointer in it is followed. Nothing is ever freed by hand.
 *
 * Each worker keeps a ring of RING structures it owns: a new structure
 * replaces a random slot (the old one is verified, then dropped); 1 in 4
 * times a structure is sent (chan_trysend on a chan of void *, capacity 4)
 * to the next worker and either kept or dropped by the sender; the receiver
 * verifies it and keeps or drops it; 1 in 8 iterations a random slot is
 * verified in place. So structures are shared between goroutines, live in
 * channel buffers, on stacks, in registers and in GC objects only.
 * At the end every worker's ring is handed to main (a .bss array), main
 * runs GC() twice, then verifies every kept structure and every one still
 * sitting in a channel buffer.
 *
 * It fails if any verification finds a wrong magic, count or checksum
 * (a reachable object was freed: poisoned or reused) or if the collector
 * dies (gccheckmark=1: the parallel mark missed an object). The work is
 * bounded (the cycles), not the time: a run that stops making progress
 * is the TEST line's timeout's to catch, with the last progress line
 * (every 10 s) in the log. (It also failed below 1,000 cycles in 600 s:
 * 682 under ThreadSanitizer on a loaded host - the host's speed, not the
 * runtime's fault.)
 * SetGCPercent(GOGC) keeps the heap goal at the 4 MiB minimum so that each
 * cycle needs only a few MiB of allocation.
 *
 * Measured with gccheckmark=1 gcpoison=1 on a 2-core host running two
 * QEMUs at once (as tests/run.sh does), both arches, gcc and clang:
 * 104-157 cycles/s at smp 1 (6-10 s), 50-82 at smp 2 (12-20 s), 38-60 at
 * smp 4 (16-26 s); an earlier runtime on a busier host managed 19-30 at
 * smp 4 (35-52 s), with the world stopped ~95% of the time as 4 vCPUs
 * share 2 host cores. Hence the generous timeout.
 */
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"

#define MIN_CYCLES 1000
#define SHORT_CYCLES 250       /* test=2 */
#define TSAN_CYCLES 40          /* test=3 */
#define SHORT_DIV 4             /* testshort=1: a quarter of the above */
#define GOGC 10
#define RING 4
#define BLOB_BYTES (40 * 1024)
#define BIGTAB_SLOTS (40 * 1024 / 8)

enum { K_LIST = 1, K_TREE, K_HASH };

#define HMAGIC 0x48445221c0ffee00ull       /* header */
#define NMAGIC 0x4e4f4445ba5eba11ull       /* list/tree node, hash entry, table */

struct shdr {                 /* every structure's header; a GC object */
	uint64_t magic;         /* HMAGIC ^ address */
	uint32_t kind, owner;
	uint64_t seed;
	uint64_t count;         /* nodes / entries */
	uint64_t sum;           /* checksum at build time */
	void *root;             /* list head, tree root, hash table */
	uint64_t *blob;         /* NULL or a BLOB_BYTES noscan object */
	uint64_t blobsum;
};

struct lnode {
	uint64_t magic;         /* NMAGIC ^ address */
	struct lnode *next;
	uint32_t nwords, idx;
	uint64_t data[];
};

struct tnode {
	uint64_t magic;
	struct tnode *l, *r;
	uint32_t nwords, idx;
	uint64_t data[];
};

struct hent {
	uint64_t magic;
	uint64_t key, val;
	uint32_t nwords, idx;
	uint64_t data[];
};

struct htab {
	uint64_t magic;
	uint32_t nslots, n;
	struct hent *slot[];
};

static inline uint64_t mix(uint64_t x)       /* splitmix64's finaliser */
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline uint64_t nmagic(const void *p) { return NMAGIC ^ (uintptr_t)p; }

/* ---- reporting ---------------------------------------------------------- */

static int64_t corrupt, verified, built, sent, received;
static int64_t reports;

static bool bad(const struct shdr *h, const char *what, const void *at, uint64_t got, uint64_t want)
{
	if (__atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED) < 10)
		printf("gc_churn: corrupt: structure %p (kind %u, owner %u, seed %#llx): %s at %p: "
		       "got %#llx, want %#llx\n", (void *)h, h ? h->kind : 0, h ? h->owner : 0,
		       h ? (unsigned long long)h->seed : 0ull, what, at, (unsigned long long)got,
		       (unsigned long long)want);
	atomic_add64(&corrupt, 1);
	return false;
}

/* ---- building ----------------------------------------------------------- */

static uint64_t fill_words(uint64_t *data, uint32_t n, uint64_t seed, uint32_t idx)
{
	uint64_t s = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = mix(seed ^ ((uint64_t)idx << 20) ^ i);
		data[i] = v;
		s += v;
	}
	return s;
}

static uint64_t sum_words(const uint64_t *data, uint32_t n)
{
	uint64_t s = 0;
	for (uint32_t i = 0; i < n; i++)
		s += data[i];
	return s;
}

static struct lnode *build_list(uint64_t *r, uint64_t seed, uint64_t *count, uint64_t *sum)
{
	uint32_t n = 8 + rnd(r) % 57;
	struct lnode *head = NULL;
	for (uint32_t i = 0; i < n; i++) {
		size_t bytes = 64 + rnd(r) % (512 - 64 + 1);
		uint32_t nw = (uint32_t)((bytes - sizeof(struct lnode)) / 8);
		struct lnode *x = mallocgc(sizeof *x + nw * 8);
		x->magic = nmagic(x);
		x->nwords = nw;
		x->idx = i;
		*sum += fill_words(x->data, nw, seed, i) + i;
		x->next = head;
		head = x;
	}
	*count = n;
	return head;
}

static struct tnode *build_tree(uint64_t *r, int depth, uint64_t seed, uint32_t *idx, uint64_t *sum)
{
	size_t bytes = 48 + rnd(r) % (256 - 48 + 1);
	uint32_t nw = (uint32_t)((bytes - sizeof(struct tnode)) / 8);
	struct tnode *x = mallocgc(sizeof *x + nw * 8);
	x->magic = nmagic(x);
	x->nwords = nw;
	x->idx = (*idx)++;
	*sum += fill_words(x->data, nw, seed, x->idx) + x->idx;
	if (depth > 0) {
		x->l = build_tree(r, depth - 1, seed, idx, sum);
		x->r = build_tree(r, depth - 1, seed, idx, sum);
	}
	return x;
}

static struct htab *build_hash(uint64_t *r, uint64_t seed, uint64_t *count, uint64_t *sum)
{
	uint32_t n = 16 + rnd(r) % 177;
	uint32_t nslots = rnd(r) % 8 == 0 ? BIGTAB_SLOTS - 1 : 2 * n + 1;
	struct htab *t = mallocgc(sizeof *t + nslots * sizeof(struct hent *));
	t->magic = nmagic(t);
	t->nslots = nslots;
	t->n = n;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t key = mix(seed + i) | 1;
		size_t bytes = 40 + rnd(r) % (256 - 40 + 1);
		uint32_t nw = (uint32_t)((bytes - sizeof(struct hent)) / 8);
		struct hent *e = mallocgc(sizeof *e + nw * 8);
		e->magic = nmagic(e);
		e->key = key;
		e->val = mix(key);
		e->nwords = nw;
		e->idx = i;
		*sum += fill_words(e->data, nw, seed, i) + e->val;
		uint32_t s = (uint32_t)(key % nslots);
		while (t->slot[s] != NULL)
			s = (s + 1) % nslots;
		t->slot[s] = e;
	}
	*count = n;
	return t;
}

static struct shdr *build(uint64_t *r, uint32_t owner)
{
	struct shdr *h = mallocgc(sizeof *h);
	h->magic = HMAGIC ^ (uintptr_t)h;
	h->owner = owner;
	h->seed = rnd(r);
	h->kind = 1 + rnd(r) % 3;
	uint64_t sum = 0, count = 0;
	switch (h->kind) {
	case K_LIST:
		h->root = build_list(r, h->seed, &count, &sum);
		break;
	case K_TREE: {
		uint32_t idx = 0;
		h->root = build_tree(r, 2 + (int)(rnd(r) % 5), h->seed, &idx, &sum);
		count = idx;
		break;
	}
	case K_HASH:
		h->root = build_hash(r, h->seed, &count, &sum);
		break;
	}
	h->count = count;
	h->sum = sum;
	if (rnd(r) % 3 == 0) {
		uint64_t *b = mallocgc_noscan(BLOB_BYTES);
		uint64_t bs = 0;
		/* every 8th word: enough to notice poison or reuse, cheap to write */
		for (size_t i = 0; i < BLOB_BYTES / 8; i += 8) {
			b[i] = mix(h->seed ^ 0xb10b ^ i);
			bs += b[i];
		}
		h->blob = b;
		h->blobsum = bs;
	}
	atomic_add64(&built, 1);
	return h;
}

/* ---- verifying ---------------------------------------------------------- */

static bool verify_tree(const struct shdr *h, const struct tnode *x, int depth, uint64_t *n,
			uint64_t *sum)
{
	if (depth > 16)
		return bad(h, "tree too deep", x, depth, 16);
	if (x->magic != nmagic(x))
		return bad(h, "tree node magic", x, x->magic, nmagic(x));
	(*n)++;
	*sum += sum_words(x->data, x->nwords) + x->idx;
	if ((x->l == NULL) != (x->r == NULL))
		return bad(h, "tree node with one child", x, (uintptr_t)x->l, (uintptr_t)x->r);
	if (x->l && !verify_tree(h, x->l, depth + 1, n, sum))
		return false;
	if (x->r && !verify_tree(h, x->r, depth + 1, n, sum))
		return false;
	return true;
}

static bool verify(const struct shdr *h)
{
	if (h->magic != (HMAGIC ^ (uintptr_t)h))
		return bad(h, "header magic", h, h->magic, HMAGIC ^ (uintptr_t)h);
	uint64_t n = 0, sum = 0;
	switch (h->kind) {
	case K_LIST:
		for (const struct lnode *x = h->root; x; x = x->next) {
			if (x->magic != nmagic(x))
				return bad(h, "list node magic", x, x->magic, nmagic(x));
			if (++n > h->count)
				return bad(h, "list too long", x, n, h->count);
			sum += sum_words(x->data, x->nwords) + x->idx;
		}
		break;
	case K_TREE:
		if (!verify_tree(h, h->root, 0, &n, &sum))
			return false;
		break;
	case K_HASH: {
		const struct htab *t = h->root;
		if (t->magic != nmagic(t))
			return bad(h, "hash table magic", t, t->magic, nmagic(t));
		for (uint32_t i = 0; i < t->nslots; i++) {
			const struct hent *e = t->slot[i];
			if (e == NULL)
				continue;
			if (e->magic != nmagic(e))
				return bad(h, "hash entry magic", e, e->magic, nmagic(e));
			if (e->val != mix(e->key))
				return bad(h, "hash entry value", e, e->val, mix(e->key));
			n++;
			sum += sum_words(e->data, e->nwords) + e->val;
		}
		break;
	}
	default:
		return bad(h, "kind", h, h->kind, 0);
	}
	if (n != h->count)
		return bad(h, "node count", h, n, h->count);
	if (sum != h->sum)
		return bad(h, "checksum", h, sum, h->sum);
	if (h->blob) {
		uint64_t bs = 0;
		for (size_t i = 0; i < BLOB_BYTES / 8; i += 8)
			bs += h->blob[i];
		if (bs != h->blobsum)
			return bad(h, "blob checksum", h->blob, bs, h->blobsum);
	}
	atomic_add64(&verified, 1);
	return true;
}

/* ---- workers ------------------------------------------------------------ */

#define MAXW 64
static int nworkers;
static chan_t *inbox[MAXW];
static struct shdr *final_ring[MAXW][RING];   /* handed over at the end */
static volatile int stop;
static WaitGroup wg;

static void worker(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	uint64_t r = mix(id + 1) | 1;
	struct shdr *ring[RING] = { 0 };
	chan_t *next = inbox[(id + 1) % nworkers];
	uint64_t it = 0;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		it++;
		struct shdr *s = build(&r, id);
		int k = (int)(rnd(&r) % RING);
		if (ring[k])
			verify(ring[k]);
		ring[k] = s;

		if (rnd(&r) % 4 == 0) {                 /* share or hand over a structure */
			k = (int)(rnd(&r) % RING);
			if (ring[k] && chan_trysend(next, &ring[k])) {
				atomic_add64(&sent, 1);
				if (rnd(&r) % 2)
					ring[k] = NULL;
			}
		}
		void *got;
		bool ok;
		if (chan_tryrecv(inbox[id], &got, &ok) && ok) {
			atomic_add64(&received, 1);
			verify(got);
			if (rnd(&r) % 2) {
				k = (int)(rnd(&r) % RING);
				if (ring[k])
					verify(ring[k]);
				ring[k] = got;
			}
			got = NULL;
		}
		if (rnd(&r) % 8 == 0) {
			k = (int)(rnd(&r) % RING);
			if (ring[k])
				verify(ring[k]);
		}
	}
	for (int i = 0; i < RING; i++)
		final_ring[id][i] = ring[i];
	WaitGroup_Done(&wg);
}

int main(void)
{
	int prev = SetGCPercent(GOGC);
	CHECK(prev == 100, "SetGCPercent returned %d, want the default 100", prev);
	nworkers = 4 * NumCPU();
	if (nworkers > MAXW)
		nworkers = MAXW;
	for (int i = 0; i < nworkers; i++)
		inbox[i] = make_chan(sizeof(void *), 4);

	struct MemStats m0, m1;
	ReadMemStats(&m0);
	CHECK(m0.GCPercent == GOGC, "MemStats.GCPercent %d, want %d", m0.GCPercent, GOGC);
	int64_t t0 = nanotime();
	WaitGroup_Add(&wg, nworkers);
	for (int i = 0; i < nworkers; i++)
		go(worker, (void *)(uintptr_t)i);

	int64_t last_print = t0;
	uint32_t want = BootFlagTest() == 2 ? SHORT_CYCLES :
	                BootFlagTest() == 3 ? TSAN_CYCLES : MIN_CYCLES;
	if (BootFlagTestShort())
		want /= SHORT_DIV;
	uint32_t cycles = 0;
	for (;;) {
		Sleep(20 * Millisecond);
		ReadMemStats(&m1);
		cycles = m1.NumGC - m0.NumGC;
		int64_t now = nanotime();
		if (cycles >= want || atomic_load64(&corrupt))
			break;
		if (now - last_print > 10 * Second) {
			printf("gc_churn: %u cycles after %lld s, %lld structures built\n", cycles,
			       (long long)((now - t0) / Second), (long long)atomic_load64(&built));
			last_print = now;
		}
	}
	int64_t t1 = nanotime();
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	WaitGroup_Wait(&wg);

	int64_t ms = (t1 - t0) / Millisecond;
	printf("gc_churn: %d workers, %u cycles in %lld.%03lld s = %lld cycles/s; %lld structures "
	       "built, %lld sent through channels, %lld received; HeapAlloc %llu KiB, NextGC %llu KiB, "
	       "PauseTotal %llu us\n", nworkers, cycles, (long long)(ms / 1000), (long long)(ms % 1000),
	       (long long)(ms ? cycles * 1000LL / ms : 0), (long long)built, (long long)sent,
	       (long long)received, (unsigned long long)(m1.HeapAlloc >> 10),
	       (unsigned long long)(m1.NextGC >> 10),
	       (unsigned long long)((m1.PauseTotalNs - m0.PauseTotalNs) / 1000));

	/* Everything still reachable: the rings and the channel buffers. */
	GC();
	GC();
	int64_t kept = 0;
	for (int w = 0; w < nworkers; w++)
		for (int i = 0; i < RING; i++)
			if (final_ring[w][i]) {
				verify(final_ring[w][i]);
				kept++;
			}
	for (int w = 0; w < nworkers; w++) {
		void *got;
		bool ok;
		while (chan_tryrecv(inbox[w], &got, &ok) && ok) {
			verify(got);
			kept++;
		}
	}
	CHECK(kept > 0, "nothing left to verify");
	printf("gc_churn: %u cycles, %lld structures verified, %lld corrupt\n", cycles,
	       (long long)verified, (long long)corrupt);
	CHECK(corrupt == 0, "%lld corrupt structures", (long long)corrupt);
	printf("PASS\n");
	return 0;
}
