// TEST: smp=1,2,4 bootargs="gccheckmark=1 test=1" status=2 timeout=120
// EXPECT: ^runtime: checkmark found unmarked object 0x[0-9a-f]+ \(size [0-9]+, span class [0-9]+\), reachable from
// EXPECT: ^fatal error: checkmark found unmarked object$
// REJECT: ^PASS
// REJECT: ^FAIL
// TEST: smp=1,2,4 bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=120
// EXPECT: ^gc_checkmark_detect: [0-9]+ nodes intact after [0-9]+ checked cycles$
// EXPECT: ^PASS$
// REJECT: fatal error
// TEST: smp=1 bootargs="gcpoison=1 test=2" status=0 timeout=120
// EXPECT: ^gc_checkmark_detect: without checkmark the dropped marks freed live nodes: [0-9]+ of [0-9]+ nodes poisoned or reused$
// EXPECT: ^PASS$
/*
 * gc_checkmark_detect - proves that gccheckmark=1 can fail, and that a
 * missed mark is visible to the structure checks other tests use.
 *
 * The runtime exports a debug hook, gc_debug_drop_marks(every), that makes
 * the parallel mark drop every Nth grey object on purpose (0 = off). The
 * test builds a big linked structure (a list of NLIST nodes plus a tree of
 * depth TREE_DEPTH, all mallocgc objects, each node carrying a magic word
 * derived from its address and a checksummed payload), then:
 *   test=1: sets the hook to 7 and calls GC() with gccheckmark=1: the
 *           checkmark pass must find the dropped objects and die (status 2)
 *           with "runtime: checkmark found unmarked object 0x... (size N,
 *           span class C), reachable from <root>" and "fatal error:
 *           checkmark found unmarked object". If GC() returns, the test
 *           prints FAIL and exits 1.
 *   test=0: the same without the hook: GC() several times (each cycle
 *           verified by checkmark), then every node must be intact: PASS.
 *   test=2: the hook without checkmark, with gcpoison=1: the dropped nodes
 *           are freed while reachable; the check must notice that some
 *           nodes are poisoned or reused (the same magic/checksum checks
 *           gc_churn relies on), and then the program exits at once (the
 *           heap is known to be broken). The hook is turned off right
 *           after the one damaged cycle.
 */
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"

void gc_debug_drop_marks(int every);     /* runtime debug hook (kernel/gc) */

#define NLIST 20000
#define TREE_DEPTH 14                    /* 32767 nodes */
#define NMAGIC 0xc4ec3a4bdeadf00dull

struct node {
	uint64_t magic;                  /* NMAGIC ^ address */
	struct node *a, *b;              /* list: a = next; tree: children */
	uint64_t val, sum;               /* sum = a function of val */
	uint64_t pad[3];                 /* 64 bytes in all */
};

static struct node *list_head, *tree_root;

static uint64_t h(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static struct node *new_node(uint64_t v)
{
	struct node *n = mallocgc(sizeof *n);
	n->magic = NMAGIC ^ (uintptr_t)n;
	n->val = v;
	n->sum = h(v);
	return n;
}

static struct node *build_tree(int depth, uint64_t *v)
{
	struct node *n = new_node((*v)++);
	if (depth > 0) {
		n->a = build_tree(depth - 1, v);
		n->b = build_tree(depth - 1, v);
	}
	return n;
}

static bool node_ok(const struct node *n)
{
	return n->magic == (NMAGIC ^ (uintptr_t)n) && n->sum == h(n->val);
}

/* Count bad nodes; do not follow pointers out of a bad node. */
static uint64_t check_tree(const struct node *n, uint64_t *seen)
{
	(*seen)++;
	if (!node_ok(n))
		return 1;
	uint64_t bad = 0;
	if (n->a)
		bad += check_tree(n->a, seen);
	if (n->b)
		bad += check_tree(n->b, seen);
	return bad;
}

static uint64_t check_all(uint64_t *seen)
{
	uint64_t bad = 0;
	*seen = 0;
	for (const struct node *n = list_head; n; n = n->a) {
		(*seen)++;
		if (!node_ok(n)) {
			bad++;
			break;                   /* the rest of the list is unreachable */
		}
	}
	bad += check_tree(tree_root, seen);
	return bad;
}

static __attribute__((noinline)) void build(void)
{
	uint64_t v = 1;
	for (int i = 0; i < NLIST; i++) {
		struct node *n = new_node(v++);
		n->a = list_head;
		list_head = n;
	}
	tree_root = build_tree(TREE_DEPTH, &v);
}

int main(void)
{
	int64_t mode = BootFlagTest();
	const uint64_t total = NLIST + (1u << (TREE_DEPTH + 1)) - 1;
	build();
	uint64_t seen, bad = check_all(&seen);
	CHECK(bad == 0 && seen == total, "structure broken before any GC: %llu bad, %llu seen",
	      (unsigned long long)bad, (unsigned long long)seen);

	if (mode == 1) {
		gc_debug_drop_marks(7);
		GC();
		gc_debug_drop_marks(0);
		FAILF("GC() returned: checkmark did not notice the dropped marks");
	}
	if (mode == 2) {
		gc_debug_drop_marks(7);
		GC();
		gc_debug_drop_marks(0);
		bad = check_all(&seen);
		CHECK(bad > 0, "the dropped marks went unnoticed: all %llu nodes intact",
		      (unsigned long long)seen);
		printf("gc_checkmark_detect: without checkmark the dropped marks freed live nodes: "
		       "%llu of %llu nodes poisoned or reused\n", (unsigned long long)bad,
		       (unsigned long long)seen);
		printf("PASS\n");
		Exit(0);                         /* the heap is broken: stop here */
	}
	struct MemStats m0, m1;
	ReadMemStats(&m0);
	for (int i = 0; i < 5; i++)
		GC();
	ReadMemStats(&m1);
	bad = check_all(&seen);
	CHECK(bad == 0 && seen == total, "%llu bad nodes, %llu of %llu seen", (unsigned long long)bad,
	      (unsigned long long)seen, (unsigned long long)total);
	printf("gc_checkmark_detect: %llu nodes intact after %u checked cycles\n",
	       (unsigned long long)total, m1.NumGC - m0.NumGC);
	printf("PASS\n");
	return 0;
}
