// TEST: smp=1,4 status=0 timeout=90
// EXPECT: ^cas: 10 probes, every order, 32 and 64 bits$
// EXPECT: ^contended: 8 goroutines x 20000 = 160000$
// EXPECT: ^PASS$
/*
 * atomic_orders - arch_cas and the C11 atomics the runtime uses, checked for
 * what they compute: each CAS probe (every memory order, 32 and 64 bits)
 * succeeds exactly when the value matches and hands back the value found
 * when it does not, also for 32-bit values with the top bit set (lr.w
 * sign-extends what it loads: a compare against a zero-extended expected
 * value would fail for ever). Then goroutines on every CPU increment one
 * counter through CAS loops of every order, and guard a pair of plain
 * counters with a lock made of an acquire CAS and a release store: the
 * totals must be exact.
 *
 * What the orders produce in the instructions is checked on the image, not
 * here (QEMU on x86 is close to TSO and shows no missing fence):
 * scripts/check-atomics.sh reads this image's probes (probes.c).
 */
#include "tests/qemu/testing.h"
#include "probes.h"

typedef bool (*cas32_fn)(uint32_t *, uint32_t *, uint32_t);
typedef bool (*cas64_fn)(uint64_t *, uint64_t *, uint64_t);
#define ENTRY32(bits, order) probe_cas32_##order,
#define ENTRY64(bits, order) probe_cas64_##order,
static cas32_fn cas32[] = { ORDERS(ENTRY32, 32) };
static cas64_fn cas64[] = { ORDERS(ENTRY64, 64) };
#define NORDERS 5

static void check_cas32(cas32_fn cas, int i, uint32_t start)
{
	uint32_t word = start, old = start + 1;
	CHECK(!cas(&word, &old, 7), "cas32[%d] succeeded on a mismatch", i);
	CHECK(old == start && word == start, "cas32[%d] failure: old %x word %x, want %x",
	      i, old, word, start);
	CHECK(cas(&word, &old, start ^ 0x80000001u), "cas32[%d] failed on a match (%x)", i, start);
	CHECK(word == (start ^ 0x80000001u) && old == start, "cas32[%d] success: word %x", i, word);
}

static void check_cas64(cas64_fn cas, int i, uint64_t start)
{
	uint64_t word = start, old = start - 1;
	CHECK(!cas(&word, &old, 7), "cas64[%d] succeeded on a mismatch", i);
	CHECK(old == start && word == start, "cas64[%d] failure: old %llx", i,
	      (unsigned long long)old);
	CHECK(cas(&word, &old, ~start), "cas64[%d] failed on a match", i);
	CHECK(word == ~start, "cas64[%d] success: word %llx", i, (unsigned long long)word);
}

static void check_semantics(void)
{
	static const uint32_t v32[] = { 0, 1, 0x7fffffffu, 0x80000000u, 0xfffffffeu };
	static const uint64_t v64[] = { 1, 0xffffffffull, 0x8000000000000000ull,
	                                0x123456789abcdef0ull };
	for (int i = 0; i < NORDERS; i++) {
		for (unsigned k = 0; k < sizeof v32 / sizeof v32[0]; k++)
			check_cas32(cas32[i], i, v32[k]);
		for (unsigned k = 0; k < sizeof v64 / sizeof v64[0]; k++)
			check_cas64(cas64[i], i, v64[k]);
	}
	printf("cas: %d probes, every order, 32 and 64 bits\n", 2 * NORDERS);

	uint32_t w = 5;
	CHECK(probe_load32_acquire(&w) == 5 && probe_load32_seq_cst(&w) == 5, "load");
	probe_store32_release(&w, 6);
	CHECK(w == 6, "store release");
	probe_store32_seq_cst(&w, 7);
	CHECK(w == 7, "store seq_cst");
	CHECK(probe_xchg32_acquire(&w, 8) == 7 && probe_xchg32_release(&w, 9) == 8 &&
	      probe_xchg32_seq_cst(&w, 10) == 9 && w == 10, "exchange");
	CHECK(probe_add32_release(&w, 1) == 10 && probe_add32_acq_rel(&w, 1) == 11 &&
	      probe_add32_seq_cst(&w, 1) == 12 && w == 13, "fetch_add");
	probe_fence_acquire();
	probe_fence_release();
	probe_fence_seq_cst();
}

/* ---- contended ----------------------------------------------------------- */

#define WORKERS 8
#define ROUNDS  20000
static uint32_t counter32;
static uint64_t counter64;
static uint32_t lock;
static uint64_t plain_a, plain_b;   /* guarded by lock; must stay equal */
static WaitGroup wg;

static void worker(void *arg)
{
	int order = (int)(uintptr_t)arg % NORDERS;
	for (int i = 0; i < ROUNDS; i++) {
		uint32_t o32 = __atomic_load_n(&counter32, __ATOMIC_RELAXED);
		while (!cas32[order](&counter32, &o32, o32 + 1))
			;
		uint64_t o64 = __atomic_load_n(&counter64, __ATOMIC_RELAXED);
		while (!cas64[order](&counter64, &o64, o64 + 1))
			;
		uint32_t free = 0;
		while (!probe_cas32_acquire(&lock, &free, 1))
			free = 0;
		plain_a++;
		plain_b++;
		probe_store32_release(&lock, 0);
		if (i % 1000 == 0)
			Gosched();
	}
	WaitGroup_Done(&wg);
}

int main(void)
{
	check_semantics();
	WaitGroup_Add(&wg, WORKERS);
	for (int i = 0; i < WORKERS; i++)
		go(worker, (void *)(uintptr_t)i);
	WaitGroup_Wait(&wg);
	uint64_t want = (uint64_t)WORKERS * ROUNDS;
	CHECK(counter32 == want && counter64 == want, "CAS counters %u %llu, want %llu",
	      counter32, (unsigned long long)counter64, (unsigned long long)want);
	CHECK(plain_a == want && plain_b == want, "lock-guarded counters %llu %llu, want %llu",
	      (unsigned long long)plain_a, (unsigned long long)plain_b, (unsigned long long)want);
	printf("contended: %d goroutines x %d = %llu\n", WORKERS, ROUNDS, (unsigned long long)want);
	printf("PASS\n");
	return 0;
}
