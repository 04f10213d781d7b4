// TEST: smp=1,2 bootargs="gctrace=1" status=0 timeout=180
// EXPECT: ^gc [0-9]+ @[0-9.]+s [0-9]+%: .* MB goal, [0-9]+ P
// EXPECT: ^GOGC=50 +: +[0-9]+ cycles
// EXPECT: ^GOGC=off +: +0 cycles
// EXPECT: ^more GOGC, fewer cycles: yes$
// EXPECT: ^finalizer: held: not run; dropped: ran after [0-9]+ GC\(\) call\(s\)$
// EXPECT: ^KeepAlive: the file was still open at every read: yes; closed by the finalizer afterwards: yes$
/*
 * gc_tour - what GOGC does, and finalizers with KeepAlive (docs/gc.md).
 *
 * What to look for (run with BOOTARGS=gctrace=1 to see one line per cycle,
 * in Go's format: "gc N @T s P%: clock times, cpu times, heap
 * start->end->marked MB, goal MB, Ps"):
 *  1. GOGC: with 8 MiB live, the program allocates 64 MiB of garbage
 *     under GOGC=50, 100, 200 and off. The next cycle starts when the heap
 *     reaches live * (1 + GOGC/100) (at least 4 MiB): so about 16, 8 and
 *     4 cycles, and none when the collector is off (the heap just grows).
 *     Fewer cycles cost memory: the peak heap is printed too.
 *  2. A finalizer (SetFinalizer) runs on the finalizer goroutine once the
 *     collector finds its object unreachable - never while a reference is
 *     held.
 *  3. KeepAlive: the seed notes' "File" story. A finalizer closes the
 *     file; code that still uses f->fd after its last use of f needs
 *     KeepAlive(f) at the end, or the collector may find f unreachable
 *     and close the file under its feet. (This collector scans
 *     conservatively, so a stale copy of f often hides the bug - that is
 *     luck, KeepAlive is the guarantee.)
 */
#include <stdio.h>
#include <string.h>
#include "gort.h"

#define LIVE_CHUNKS 128                 /* 128 x 64 KiB = 8 MiB live */
#define CHUNK (64 * 1024)

static void *live[LIVE_CHUNKS];
static volatile void *sink;

static void churn(int percent, const char *name, uint32_t *cycles)
{
	struct MemStats ms;
	SetGCPercent(percent);
	GC();
	ReadMemStats(&ms);
	uint32_t n0 = ms.NumGC;
	uint64_t peak = 0;
	for (int i = 0; i < 1024; i++) {                /* 64 MiB of garbage */
		sink = mallocgc_noscan(CHUNK);
		if (i % 16 == 0) {
			ReadMemStats(&ms);
			if (ms.HeapAlloc > peak)
				peak = ms.HeapAlloc;
		}
	}
	ReadMemStats(&ms);
	*cycles = ms.NumGC - n0;
	printf("GOGC=%-4s: %2u cycles while allocating 64 MiB, heap peak %3llu MiB\n", name,
	       *cycles, (unsigned long long)(peak >> 20));
}

/* ---- finalizers ---------------------------------------------------------- */

struct file { int fd; };
static bool closed[4];
static struct file *holder;

static void close_file(void *obj)
{
	closed[((struct file *)obj)->fd] = true;
}

static WaitGroup wg;
static void open_file(void *arg)        /* in a goroutine that exits: no stale
                                         * copy of the pointer on our stack */
{
	holder = mallocgc(sizeof(struct file));
	holder->fd = (int)(intptr_t)arg;
	SetFinalizer(holder, close_file);
	WaitGroup_Done(&wg);
}

static void open_in_goroutine(int fd)
{
	WaitGroup_Add(&wg, 1);
	go(open_file, (void *)(intptr_t)fd);
	WaitGroup_Wait(&wg);
	Sleep(Millisecond);
}

/* Use the file after the last use of f: fd stays valid only because of
 * KeepAlive(f) at the end. */
static __attribute__((noinline)) bool read_file(void)
{
	open_in_goroutine(2);
	struct file *f = holder;
	holder = NULL;
	int fd = f->fd;                 /* the last use of f itself */
	bool open_throughout = true;
	for (int i = 0; i < 3; i++) {   /* "read" fd, collecting meanwhile */
		GC();
		Sleep(2 * Millisecond);
		open_throughout = open_throughout && !closed[fd];
	}
	KeepAlive(f);                   /* f is live up to here */
	return open_throughout;
}

static __attribute__((noinline)) void scrub_stack(void)
{
	volatile char buf[4096];
	memset((void *)buf, 0, sizeof buf);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

static uint64_t finalizers(void)
{
	struct MemStats ms;
	ReadMemStats(&ms);
	return ms.Finalizers;
}

int main(void)
{
	for (int i = 0; i < LIVE_CHUNKS; i++)
		live[i] = mallocgc_noscan(CHUNK);

	uint32_t c50, c100, c200, coff;
	churn(50, "50", &c50);
	churn(100, "100", &c100);
	churn(200, "200", &c200);
	churn(-1, "off", &coff);
	SetGCPercent(100);
	KeepAlive(live);        /* the live chunks are live up to here */
	printf("more GOGC, fewer cycles: %s\n", c50 > c100 && c100 > c200 && c200 > coff ? "yes" : "no");

	/* 2. */
	open_in_goroutine(1);
	uint64_t f0 = finalizers();
	GC();
	GC();
	Sleep(5 * Millisecond);
	bool ran_held = finalizers() != f0 || closed[1];
	holder = NULL;
	int calls = 0;
	while (!closed[1] && calls < 10) {
		GC();
		calls++;
		for (int i = 0; i < 50 && !closed[1]; i++)
			Sleep(Millisecond);
	}
	printf("finalizer: held: %s; dropped: %s after %d GC() call(s)\n",
	       ran_held ? "RAN (wrong)" : "not run", closed[1] ? "ran" : "did not run", calls);

	/* 3. */
	bool open_throughout = read_file();
	scrub_stack();                  /* no stale copy of f below us */
	for (int i = 0; i < 10 && !closed[2]; i++) {
		GC();
		Sleep(10 * Millisecond);
	}
	printf("KeepAlive: the file was still open at every read: %s; closed by the finalizer afterwards: %s\n",
	       open_throughout ? "yes" : "no", closed[2] ? "yes" : "no");
	return 0;
}
