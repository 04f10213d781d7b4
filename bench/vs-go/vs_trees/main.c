/*
 * vs_trees - the benchmarks game's binary-trees at depth N (16 by default):
 * a stretch tree of depth N+1, a long-lived tree of depth N, and for each
 * depth d = 4, 6, ..., N, 2^(N-d+4) trees of depth d built and walked, one
 * goroutine per depth (as the game's Go program). Every node is a 16-byte
 * GC object (mallocgc) left to the collector: the allocator's small-object
 * path and the collector's work. Prints N, the stretch tree's node count,
 * the sum of every depth's node counts and the long-lived tree's count.
 * Twin: main.go.
 */
#include "bench/vs-go/vsgo.h"

#define MINDEPTH 4

struct node {
	struct node *left, *right;
};

static struct node *bottom_up(int depth)
{
	struct node *n = mallocgc(sizeof *n);
	if (depth > 0) {
		n->left = bottom_up(depth - 1);
		n->right = bottom_up(depth - 1);
	}
	return n;
}

static int64_t check(const struct node *n)
{
	return n->left ? 1 + check(n->left) + check(n->right) : 1;
}

struct depth_job {
	int depth, maxdepth;
	int64_t checks;                 /* the result, read after the join */
};

static WaitGroup wg;

static void run_depth(void *arg)
{
	struct depth_job *j = arg;
	int64_t iters = (int64_t)1 << (j->maxdepth - j->depth + MINDEPTH);
	for (int64_t i = 0; i < iters; i++)
		j->checks += check(bottom_up(j->depth));
	WaitGroup_Done(&wg);
}

int main(void)
{
	int maxdepth = (int)vsgo_size(16);
	if (maxdepth < MINDEPTH + 2)
		maxdepth = MINDEPTH + 2;
	int64_t stretch = check(bottom_up(maxdepth + 1));
	struct node *longlived = bottom_up(maxdepth);
	struct depth_job jobs[(maxdepth - MINDEPTH) / 2 + 1];
	int njobs = 0;
	for (int d = MINDEPTH; d <= maxdepth; d += 2)
		jobs[njobs++] = (struct depth_job){ d, maxdepth, 0 };
	WaitGroup_Add(&wg, njobs);
	for (int i = 0; i < njobs; i++)
		go(run_depth, &jobs[i]);
	WaitGroup_Wait(&wg);
	int64_t total = 0;
	for (int i = 0; i < njobs; i++)
		total += jobs[i].checks;
	printf("result: trees %d %" PRId64 " %" PRId64 " %" PRId64 "\n",
	       maxdepth, stretch, total, check(longlived));
	return 0;
}
