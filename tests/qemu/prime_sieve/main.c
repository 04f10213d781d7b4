// TEST: smp=1,2,4 status=0 timeout=180 mem=512M
// EXPECT: ^prime_sieve: first 1000 primes correct, the 1000th is 7919$
// EXPECT: ^PASS$
/*
 * prime_sieve - the classic concurrent prime sieve from the Go tour: a
 * generator sends 2, 3, 4, ... down a channel; each prime found starts a
 * filter goroutine that passes on only the numbers it does not divide. A
 * chain of 1,000 goroutines and channels. The primes must match a plain
 * sieve of Eratosthenes.
 */
#include "tests/qemu/testing.h"
#include "gort.h"

#define NPRIMES 1000

static void generate(void *arg)
{
	chan_t *ch = arg;
	for (int64_t i = 2;; i++)
		chan_send(ch, &i);
}

struct filter { chan_t *in, *out; int64_t prime; };

static void filter(void *arg)
{
	struct filter *f = arg;
	int64_t v;
	for (;;) {
		chan_recv(f->in, &v);
		if (v % f->prime != 0)
			chan_send(f->out, &v);
	}
}

static struct filter filters[NPRIMES];

int main(void)
{
	static bool composite[8000];
	int64_t want[NPRIMES];
	int n = 0;
	for (int i = 2; i < 8000 && n < NPRIMES; i++) {
		if (composite[i])
			continue;
		want[n++] = i;
		for (int j = 2 * i; j < 8000; j += i)
			composite[j] = true;
	}
	chan_t *ch = make_chan(sizeof(int64_t), 0);
	go(generate, ch);
	for (int i = 0; i < NPRIMES; i++) {
		int64_t prime;
		chan_recv(ch, &prime);
		CHECK(prime == want[i], "prime %d: got %lld, want %lld", i, (long long)prime,
		      (long long)want[i]);
		chan_t *ch1 = make_chan(sizeof(int64_t), 0);
		filters[i] = (struct filter){ ch, ch1, prime };
		go_stack(filter, &filters[i], 8192);
		ch = ch1;
	}
	printf("prime_sieve: first %d primes correct, the 1000th is %lld\n", NPRIMES,
	       (long long)want[NPRIMES - 1]);
	printf("PASS\n");
	return 0;
}
