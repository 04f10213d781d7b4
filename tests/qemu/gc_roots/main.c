// EXPECT: ^gc_roots: stack, registers, channel buffer, malloc block, interior pointers: 7 objects intact after [0-9]+ cycles$
// EXPECT: ^gc_roots: hidden pointer: object reclaimed \(finalizer ran\)$
// EXPECT: ^gc_roots: roots dropped: [67] of 7 objects reclaimed$
// EXPECT: ^PASS$
// TEST: smp=1,2,4 bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=180
// TEST: smp=1,2,4 bootargs="gcconc=1 gccheckmark=1 gcpoison=1" status=0 timeout=180
// TEST: smp=4 board=raspi3b bootargs="gccheckmark=1 gcpoison=1" status=0 timeout=180
/*
 * gc_roots - the collector finds every kind of root. Each object below is
 * reachable ONLY through the root named, is filled with a pattern, and has
 * a finalizer that records it ran:
 *   (a) stack:      a goroutine holds the pointer in a (volatile) local and
 *                   blocks on a channel receive;
 *   (b) registers:  a goroutine spins in a call-free loop with the pointer
 *                   pinned in a register (asm "+r"); it is async-preempted
 *                   by the timer (smp=1: main only runs because it is) or
 *                   stopped by the collector's stop-the-world, so the
 *                   pointer is only in its saved registers;
 *   (c) channel:    the only copy sits in the buffer of a chan of void *
 *                   (capacity 4) that nobody receives from yet;
 *   (d) malloc:     the only copy is in a malloc'd block, and the only
 *                   reference to that block is stored XOR-ed (hidden): a
 *                   live malloc block is a root by itself;
 *   (e) interior:   only a pointer into the middle of a 1 KiB object, only
 *                   a pointer to the last byte of another 1 KiB object,
 *                   and only a pointer into the middle of a 100 KiB
 *                   (large) object.
 * Then ROUNDS times: allocate and drop CHURN_BYTES of objects of the same
 * size classes (filled with 0x5a, so a wrongly freed slot is reused and
 * overwritten), GC(). With gcpoison=1 a wrongly freed object that is not
 * reused is poisoned. Then every pattern must be intact and no finalizer of
 * these objects may have run (a finalizer runs only for an object the
 * collector found unreachable). gccheckmark=1 also verifies each mark.
 *
 * Negative control, to show the test can fail: an object whose only
 * reference is stored XOR-ed with a mask (a hidden pointer the collector
 * cannot see) must be reclaimed: its finalizer must run. It is allocated by
 * a goroutine that has exited, so no stale copy on a stack keeps it.
 *
 * Finally every root is dropped (the goroutines exit, the channel is
 * drained, the malloc block is freed, the interior pointers cleared), and
 * the objects' finalizers must run: this shows that each root was what
 * kept its object alive. Conservative scanning may keep one object through
 * a stale copy in a dead stack slot or register, so 6 of 7 is accepted
 * (stated slack; which one is printed).
 */
#include <stdlib.h>
#include <string.h>
#include "tests/qemu/testing.h"
#include "gort.h"

#define ROUNDS 4
#define CHURN_BYTES (8u << 20)
#define SMALL 1024
#define LARGE (100 * 1024)
#define MASK ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

enum { O_STACK, O_REG, O_CHAN, O_MALLOC, O_MID, O_LAST, O_LARGE, NOBJ, O_HIDDEN = NOBJ, NALL };
static const char *const names[NALL] = {
	"stack", "registers", "channel buffer", "malloc block", "interior (middle, 1 KiB)",
	"interior (last byte, 1 KiB)", "interior (middle, 100 KiB)", "hidden pointer",
};
static const size_t sizes[NALL] = { SMALL, SMALL, SMALL, SMALL, SMALL, SMALL, LARGE, SMALL };

/* Objects: word 0 is the id, the rest a pattern derived from it. */
static inline uint8_t pat(int id, size_t i) { return (uint8_t)(id * 37 + i * 13 + 1); }

static int64_t fin_ran[NALL];          /* finalizer runs per object */
static int64_t fin_bad[NALL];          /* finalizer saw a broken pattern */
static int64_t fin_badid;              /* finalizer got an object with a bad id */

static bool intact(const uint8_t *p, int id)
{
	if (*(const uint64_t *)p != (uint64_t)id) {
		printf("gc_roots: %s object %p: id word %#llx, want %d\n", names[id], (void *)p,
		       (unsigned long long)*(const uint64_t *)p, id);
		return false;
	}
	for (size_t i = 8; i < sizes[id]; i++)
		if (p[i] != pat(id, i)) {
			printf("gc_roots: %s object %p: byte %zu is %#x, want %#x\n", names[id],
			       (void *)p, i, p[i], pat(id, i));
			return false;
		}
	return true;
}

static void finalizer(void *obj)
{
	uint64_t id = *(uint64_t *)obj;
	if (id >= NALL) {
		printf("gc_roots: finalizer for %p: bad id %#llx\n", obj, (unsigned long long)id);
		atomic_add64(&fin_badid, 1);
		return;
	}
	if (!intact(obj, (int)id))
		atomic_add64(&fin_bad[id], 1);
	atomic_add64(&fin_ran[id], 1);
}

static uint8_t *new_obj(int id)
{
	uint8_t *p = (id % 2) ? mallocgc_noscan(sizes[id]) : mallocgc(sizes[id]);
	*(uint64_t *)p = (uint64_t)id;
	for (size_t i = 8; i < sizes[id]; i++)
		p[i] = pat(id, i);
	SetFinalizer(p, finalizer);
	return p;
}

/* Overwrite the dead part of the stack below the caller, so that no stale
 * copy of a pointer from a returned frame stays there. */
static __attribute__((noinline)) void scrub_stack(void)
{
	volatile uint8_t buf[8192];
	memset((void *)buf, 0, sizeof buf);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

/* ---- (a) a blocked goroutine's stack ------------------------------------ */
static chan_t *a_ready, *a_wake;
static int64_t a_ok = -1;
static void stack_holder(void *arg)
{
	uint8_t *volatile p = new_obj(O_STACK);
	chan_send(a_ready, NULL);
	chan_recv(a_wake, NULL);           /* main runs the GCs meanwhile */
	__atomic_store_n(&a_ok, intact(p, O_STACK), __ATOMIC_RELEASE);
	p = NULL;
	chan_send(a_ready, NULL);
}

/* ---- (b) a preempted goroutine's registers ------------------------------ */
static volatile int b_spinning, b_stop;
static int64_t b_ok = -1;
static uint64_t b_spins;
static void reg_holder(void *arg)
{
	uint8_t *p = new_obj(O_REG);
	uint64_t n = 0;
	__atomic_store_n(&b_spinning, 1, __ATOMIC_RELEASE);
	/* No call, no store: p lives in a register only; the asm makes the
	 * compiler keep it there (and assume it may change) every iteration. */
	while (!__atomic_load_n(&b_stop, __ATOMIC_RELAXED)) {
		__asm__ volatile("" : "+r"(p));
		n++;
	}
	b_spins = n;
	__atomic_store_n(&b_ok, intact(p, O_REG), __ATOMIC_RELEASE);
}

/* ---- (c) a channel buffer ------------------------------------------------ */
static chan_t *cbuf;
static __attribute__((noinline)) void fill_channel(void)
{
	uint8_t *p = new_obj(O_CHAN);
	chan_send(cbuf, &p);
}
static __attribute__((noinline)) bool drain_channel(void)
{
	uint8_t *p = NULL;
	bool ok = chan_tryrecv(cbuf, &p, NULL) && p != NULL && intact(p, O_CHAN);
	p = NULL;
	return ok;
}

/* ---- (d) a malloc block ------------------------------------------------- */
struct holder { uint64_t pad; uint8_t *obj; uint64_t pad2; };
static uintptr_t hidden_holder;        /* (struct holder *) ^ MASK */
static __attribute__((noinline)) void fill_malloc(void)
{
	struct holder *h = malloc(sizeof *h);
	h->obj = new_obj(O_MALLOC);
	hidden_holder = (uintptr_t)h ^ MASK;
}
static __attribute__((noinline)) bool check_malloc(void)
{
	struct holder *h = (struct holder *)(hidden_holder ^ MASK);
	return intact(h->obj, O_MALLOC);
}
static __attribute__((noinline)) void drop_malloc(void)
{
	struct holder *h = (struct holder *)(hidden_holder ^ MASK);
	h->obj = NULL;
	free(h);
	hidden_holder = 0;
}

/* ---- (e) interior pointers ------------------------------------------------ */
static uint8_t *mid_small, *last_small, *mid_large;
static __attribute__((noinline)) void fill_interior(void)
{
	mid_small = new_obj(O_MID) + SMALL / 2;
	last_small = new_obj(O_LAST) + SMALL - 1;
	mid_large = new_obj(O_LARGE) + LARGE / 2;
}
static __attribute__((noinline)) bool check_interior(void)
{
	bool a = intact(mid_small - SMALL / 2, O_MID);
	bool b = intact(last_small - (SMALL - 1), O_LAST);
	bool c = intact(mid_large - LARGE / 2, O_LARGE);
	return a && b && c;
}

/* ---- the negative control: a hidden pointer ------------------------------ */
static uintptr_t hidden_obj;           /* (uint8_t *) ^ MASK */
static int64_t hidden_made;
static void make_hidden(void *arg)
{
	hidden_obj = (uintptr_t)new_obj(O_HIDDEN) ^ MASK;
	atomic_add64(&hidden_made, 1);
}

/* ---- churn: reuse the same size classes ---------------------------------- */
static __attribute__((noinline)) void churn(void)
{
	for (size_t done = 0; done < CHURN_BYTES;) {
		size_t n = (done / SMALL) % 16 == 15 ? LARGE : SMALL;
		uint8_t *p = (done / SMALL) % 2 ? mallocgc_noscan(n) : mallocgc(n);
		memset(p, 0x5a, n);
		done += n;
	}
}

int main(void)
{
	struct MemStats m0, m1;
	ReadMemStats(&m0);
	a_ready = make_chan(0, 0);
	a_wake = make_chan(0, 0);
	cbuf = make_chan(sizeof(void *), 4);

	go(stack_holder, NULL);
	chan_recv(a_ready, NULL);
	go(reg_holder, NULL);
	while (!__atomic_load_n(&b_spinning, __ATOMIC_ACQUIRE))
		Sleep(Millisecond);            /* smp=1: runs only when B is preempted */
	fill_channel();
	fill_malloc();
	fill_interior();
	go(make_hidden, NULL);
	wait_for(&hidden_made, 1, 5000, "the hidden object");
	Sleep(10 * Millisecond);           /* let make_hidden's goroutine exit */
	scrub_stack();

	for (int r = 0; r < ROUNDS; r++) {
		churn();
		scrub_stack();
		GC();
	}
	/* Give queued finalizers time to run (none of ours should be queued,
	 * except the hidden one's). */
	int64_t deadline = nanotime() + 5 * Second;
	while (atomic_load64(&fin_ran[O_HIDDEN]) == 0 && nanotime() < deadline)
		Sleep(10 * Millisecond);
	Sleep(50 * Millisecond);

	bool ok = true;
	chan_send(a_wake, NULL);
	chan_recv(a_ready, NULL);
	if (a_ok != 1) {
		printf("FAIL: (a) object held by a blocked goroutine's stack damaged\n");
		ok = false;
	}
	__atomic_store_n(&b_stop, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&b_ok, __ATOMIC_ACQUIRE) == -1)
		Sleep(Millisecond);
	if (b_ok != 1) {
		printf("FAIL: (b) object held in a preempted goroutine's register damaged\n");
		ok = false;
	}
	if (!drain_channel()) {
		printf("FAIL: (c) object held by a channel buffer damaged or missing\n");
		ok = false;
	}
	if (!check_malloc()) {
		printf("FAIL: (d) object held by a malloc block damaged\n");
		ok = false;
	}
	if (!check_interior()) {
		printf("FAIL: (e) object held by an interior pointer damaged\n");
		ok = false;
	}
	for (int i = 0; i < NOBJ; i++)
		if (atomic_load64(&fin_ran[i]) != 0) {
			printf("FAIL: the finalizer of the %s object ran: it was found unreachable\n",
			       names[i]);
			ok = false;
		}
	CHECK(ok, "a rooted object was collected");
	ReadMemStats(&m1);
	printf("gc_roots: register holder spun %llu times\n", (unsigned long long)b_spins);
	printf("gc_roots: stack, registers, channel buffer, malloc block, interior pointers: "
	       "%d objects intact after %u cycles\n", NOBJ, m1.NumGC - m0.NumGC);

	CHECK(atomic_load64(&fin_ran[O_HIDDEN]) == 1,
	      "hidden pointer: the object was not reclaimed (its finalizer did not run in 5 s)");
	CHECK(fin_bad[O_HIDDEN] == 0, "hidden object's pattern broken when its finalizer ran");
	printf("gc_roots: hidden pointer: object reclaimed (finalizer ran)\n");

	/* Drop every root; the objects must become collectable. */
	drop_malloc();
	mid_small = last_small = mid_large = NULL;
	Sleep(10 * Millisecond);           /* let the holders' goroutines exit */
	scrub_stack();
	GC();
	GC();
	int64_t freed = 0;
	deadline = nanotime() + 5 * Second;
	for (;;) {
		freed = 0;
		for (int i = 0; i < NOBJ; i++)
			freed += atomic_load64(&fin_ran[i]) != 0;
		if (freed == NOBJ || nanotime() > deadline)
			break;
		Sleep(10 * Millisecond);
	}
	CHECK(fin_badid == 0, "a finalizer got an object with a bad id word");
	for (int i = 0; i < NALL; i++) {
		CHECK(fin_ran[i] <= 1, "the %s object's finalizer ran %lld times", names[i],
		      (long long)fin_ran[i]);
		CHECK(fin_bad[i] == 0, "the %s object's pattern was broken when its finalizer ran",
		      names[i]);
		if (i < NOBJ && fin_ran[i] == 0)
			printf("gc_roots: note: the %s object was not reclaimed after its root was "
			       "dropped\n", names[i]);
	}
	printf("gc_roots: roots dropped: %lld of %d objects reclaimed\n", (long long)freed, NOBJ);
	CHECK(freed >= NOBJ - 1, "only %lld of %d objects reclaimed after their roots were dropped",
	      (long long)freed, NOBJ);
	printf("PASS\n");
	return 0;
}
