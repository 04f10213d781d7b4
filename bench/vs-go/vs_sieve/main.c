/*
 * vs_sieve - the concurrent prime sieve of Go's tour and of the Go
 * language's early talks: a generator goroutine sends 2, 3, 4, ... on an
 * unbuffered channel; each prime found adds a filter goroutine that passes
 * on what its prime does not divide. Finds the first N primes; prints the
 * last and their sum. A chain of N goroutines, every number a channel
 * hand-off per filter it passes. Twin: main.go.
 */
#include "bench/vs-go/vsgo.h"

struct filter {
	chan_t *in, *out;
	int64_t prime;
};

static void generate(void *arg)
{
	chan_t *out = arg;
	for (int64_t i = 2;; i++)
		chan_send(out, &i);
}

static void filter(void *arg)
{
	struct filter *f = arg;         /* a GC object: on this stack, alive */
	for (;;) {
		int64_t v;
		chan_recv(f->in, &v);
		if (v % f->prime != 0)
			chan_send(f->out, &v);
	}
}

int main(void)
{
	int64_t n = vsgo_size(3000), sum = 0, prime = 0;
	chan_t *ch = make_chan(sizeof(int64_t), 0);
	go(generate, ch);
	for (int64_t i = 0; i < n; i++) {
		chan_recv(ch, &prime);
		sum += prime;
		struct filter *f = mallocgc(sizeof *f);
		f->in = ch;
		f->out = make_chan(sizeof(int64_t), 0);
		f->prime = prime;
		go(filter, f);
		ch = f->out;
	}
	printf("result: sieve %" PRId64 " %" PRId64 " %" PRId64 "\n", n, prime, sum);
	return 0;
}
