/*
 * gort.h - the public API of the runtime: goroutines in C on bare metal.
 *
 * An application is a directory of C files with an `int main(void)`. The
 * runtime boots every CPU, then runs main in the first goroutine (goroutine
 * 1). When main returns, the machine powers off with main's return value as
 * the exit status, as a Go program exits when main returns.
 *
 * Names follow Go's runtime and time packages so that a Go programmer finds
 * them at once: go() is the `go` statement, Gosched is runtime.Gosched, and
 * so on. Durations are int64 nanoseconds, as Go's time.Duration.
 */
#ifndef GORT_H
#define GORT_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* ---- goroutines ------------------------------------------------------- */

/* go fn(arg): start a goroutine. Returns its goroutine id. */
uint64_t go(void (*fn)(void *arg), void *arg);

/* The same, with a stack limit of stack_bytes (rounded up to 8 KiB, at
 * least 8 KiB, at most the reservation). Every goroutine reserves 1 MiB of
 * address space (bootarg stacksize=KiB) with a guard page below; only its
 * top 4 KiB is mapped at first and pages are mapped on demand as it grows.
 * The default limit is the whole reservation minus the guard. Growing past
 * the limit is a fatal "stack overflow". */
uint64_t go_stack(void (*fn)(void *arg), void *arg, size_t stack_bytes);

void Gosched(void);                 /* runtime.Gosched: yield the CPU */
/* runtime.Goexit: run every pending deferred call of this goroutine, then
 * end it. From main, the other goroutines go on; when none is left, that
 * is Go's fatal "no goroutines (main called runtime.Goexit) - deadlock!". */
_Noreturn void Goexit(void);
uint64_t Goid(void);                /* this goroutine's id (1 = main) */
int NumGoroutine(void);             /* runtime.NumGoroutine */
int NumCPU(void);                   /* runtime.NumCPU: CPUs online */
/* runtime.GOMAXPROCS: set the number of Ps if n > 0; returns the old value.
 * Shrinking takes effect at each affected P's next scheduling point. */
int GOMAXPROCS(int n);
int CPU(void);                      /* the CPU running the caller (racy) */

/* ---- time ------------------------------------------------------------- */

#define Nanosecond  ((int64_t)1)
#define Microsecond ((int64_t)1000)
#define Millisecond ((int64_t)1000000)
#define Second      ((int64_t)1000000000)

int64_t nanotime(void);             /* monotonic ns since boot */
void Sleep(int64_t ns);             /* time.Sleep: never wakes early */

/* ---- program ---------------------------------------------------------- */

/* os.Exit: power off with this status (0 = success). */
_Noreturn void Exit(int status);

/* ---- defer, panic, recover (docs/panic.md) ----------------------------- */

/* Run fn(arg) as one Go function call: calls deferred inside it run, last
 * deferred first, when it returns, when a panic unwinds through it, or when
 * the goroutine calls Goexit. If one of them recovers a panic, Call returns
 * normally. A goroutine's function and main are frames of their own. */
void Call(void (*fn)(void *arg), void *arg);
/* defer fn(arg): attach to the innermost frame of this goroutine. */
void Defer(void (*fn)(void *arg), void *arg);
/* panic(msg): unwind, running deferred calls. Recoverable. Unrecovered, it
 * prints "panic: msg" (with the panics it interrupted) and the goroutine's
 * traceback, and exits with status 2. panic(NULL) panics with "panic called
 * with nil argument". msg must stay valid until the panic is over. */
_Noreturn void panic(const char *msg);
/* In a deferred call run by a panic: stop the panic and return its message.
 * Otherwise (no panic, or during Goexit): NULL. It must be called from the
 * deferred function or a plain C function it calls - not inside a Call it
 * makes (that is a new frame, as a new function is in Go). */
const char *recover(void);
/* Runtime errors are panics with Go's messages, recoverable like any
 * other: "runtime error: invalid memory address or nil pointer dereference"
 * (a goroutine's bad load, store or jump), "runtime error: misaligned
 * memory access" (where the CPU traps it), "send on closed channel",
 * "close of closed channel", "close of nil channel", "sync: negative
 * WaitGroup counter". Fatal errors are not: a fault inside the runtime or
 * while it holds a lock, stack overflow, out of memory, deadlock, "sync:
 * unlock of unlocked mutex", a double free. */

/* ---- devices (docs/devices.md) ----------------------------------------- */

/* Read up to n bytes typed on the console into buf. Parks ("IO wait")
 * until at least one byte has arrived; returns how many were read (n <= 0:
 * 0 at once; -1 if the console has no receive interrupt; 0 once the input
 * has ended - hosted, at the end of stdin; a board's UART never ends). Concurrent
 * readers take turns; each byte goes to one of them. Ctrl-\ is not input:
 * it prints every goroutine, as SIGQUIT does to a Go program. */
int Console_Read(void *buf, int n);

/* Block storage: virtio block devices found in the device tree, in its
 * order (`make run DISK=file` attaches one; hosted, the file of -disk:
 * docs/hosted.md). Sectors are 512 bytes. Many
 * goroutines may have requests in flight at once; each caller parks (IO
 * wait) until its request completes. buf may be anywhere (heap, stack,
 * .data). Results: 0, or one of the negative BlockErr codes below. */
typedef struct BlockDev BlockDev;
BlockDev *Block_Open(int index);      /* the index-th block device; NULL if there is none */
uint64_t Block_Sectors(BlockDev *d);  /* capacity in 512-byte sectors */
int Block_Read(BlockDev *d, uint64_t sector, void *buf, uint32_t count);
int Block_Write(BlockDev *d, uint64_t sector, const void *buf, uint32_t count);
int Block_Flush(BlockDev *d);         /* everything written before is durable when it returns 0 */
enum {
	BlockErrInvalid = -1,       /* count 0, NULL device or buffer, unmapped buffer */
	BlockErrRange = -2,         /* sectors past the end of the device */
	BlockErrReadOnly = -3,      /* a write to a read-only device */
	BlockErrIO = -4,            /* the device reported an I/O error */
	BlockErrUnsupported = -5,   /* the device does not support the request */
	BlockErrDevice = -6,        /* the device failed, vanished, stopped answering
	                               (boot flag blktimeout) or broke the protocol:
	                               it is dead, unusable from now on */
};

/* The integer boot flag `test=N` (see docs/bootargs.md), for test programs. */
int64_t BootFlagTest(void);

/* The boot flag `testshort=1`: run a shorter workload (Go's testing.Short;
 * make test sets it on the builds that repeat gcc's: docs/testing.md). */
bool BootFlagTestShort(void);

/* Print one schedtrace line now, in Go's format (bootargs schedtrace=MS
 * prints one every MS milliseconds). */
void SchedTrace(void);

/* Scheduler statistics, for tests and demos. */
struct SchedStats {
	uint64_t preemptions[8];   /* async preemptions taken, per CPU */
	uint64_t started[8];       /* goroutines started, per P */
	uint64_t ipis[8];          /* IPIs received, per CPU */
	uint64_t timer_writes[8];  /* deadlines written to the CPU's timer, per CPU */
	uint64_t steals[8];        /* steals that took work from another P, per CPU */
	uint64_t stolen[8];        /* goroutines those steals took, per CPU */
	uint64_t runq_overflows[8];/* full local run queue: half moved to the global, per CPU */
	uint64_t spinning[8];      /* spinning episodes (an M looking for work), per CPU */
};
void ReadSchedStats(struct SchedStats *st);

/* Execution trace (docs/trace.md): StartTrace records scheduler and GC
 * events in per-CPU buffers (as bootargs trace=1 does from boot);
 * StopTrace stops and writes them to the console as "#T " lines, which
 * `make trace` turns into Perfetto JSON and a picture. Exit writes out a
 * trace still recording. */
void StartTrace(void);
void StopTrace(void);

/* Memory statistics (runtime.MemStats; docs/memory.md). Byte counts. */
struct MemStats {
	uint64_t HeapSys;          /* RAM managed by the page heap */
	uint64_t HeapIdle;         /* free pages of the page heap */
	uint64_t StackInuse;       /* mapped goroutine stack pages */
	uint64_t HeapAlloc;        /* live heap objects */
	uint64_t HeapInuse;        /* pages of spans holding heap objects */
	uint64_t HeapCached;       /* of HeapInuse: spans cached by Ps' mcaches */
	uint64_t StackSys;         /* pages taken from the heap for stacks */
	uint64_t OtherSys;         /* heap metadata, page tables, raw pages */
	uint64_t TotalAlloc;       /* bytes ever allocated (objects) */
	uint64_t Mallocs;          /* objects ever allocated */
	uint64_t Frees;            /* objects ever freed */
	uint64_t HeapObjects;      /* Mallocs - Frees */
	uint64_t TinyAllocs;       /* tiny objects folded into another's block */
	/* Garbage collector (docs/gc.md). */
	uint64_t NextGC;           /* heap goal: a cycle starts when the GC heap reaches it */
	uint64_t LastGC;           /* nanotime() at the end of the last cycle, 0 = none yet */
	uint64_t HeapMarked;       /* GC-heap bytes found live by the last mark */
	uint64_t PauseTotalNs;     /* stop-the-world pauses, summed */
	uint64_t PauseNs[256];     /* recent pauses; the last is PauseNs[(NumGC+255)%256] */
	uint32_t NumGC;            /* cycles completed */
	uint32_t NumForcedGC;      /* of them: GC() calls and sysmon's 2-minute cycles */
	int32_t GCPercent;         /* GOGC; -1 = off */
	uint64_t Finalizers;       /* finalizers run so far */
	struct {
		uint32_t Size;     /* object size; 0 = large objects */
		uint64_t Mallocs, Frees;
	} BySize[67];              /* per size class, as Go's size classes */
};
void ReadMemStats(struct MemStats *ms);

/* ====================================================================== */
/*
 * Memory. Two kinds of heap objects share one size-classed heap:
 *
 * GC objects, Go's `new`/`make` in C: mallocgc returns zeroed memory that
 * may hold pointers; mallocgc_noscan returns zeroed memory the caller
 * promises holds no pointers into the GC heap (the collector never looks
 * inside; tiny ones, < 16 B, may share a 16-byte block). The garbage
 * collector frees them once nothing points at them (docs/gc.md). Pointers
 * are found conservatively: any word anywhere in a root or a scanned object
 * that points into a live GC object - at its start or inside it - keeps it
 * alive. Roots are .data/.bss, every goroutine's stack and saved registers,
 * runtime structures, and every live malloc block. free() on a GC object is
 * allowed (it is freed at once), except on mallocgc_noscan ones under 16 B.
 *
 * malloc objects: malloc, calloc, realloc, aligned_alloc, posix_memalign -
 * the standard C functions, replacing picolibc's (declared by <stdlib.h>).
 * The collector never frees them (free() does) but scans them as roots, so
 * a GC pointer stored in a malloc block keeps its object alive, as Boehm's
 * uncollectable objects do. Memory is always zeroed. Freeing twice, or a
 * pointer that is not the start of a live heap object, is a fatal error.
 *
 * Running out of memory is fatal, as in Go: "fatal error: runtime: out of
 * memory", after a line with the request and the heap totals. malloc
 * returns NULL only for requests that cannot be represented (calloc
 * overflow) or alignments it does not support (> 8 KiB).
 *
 * ReadMemStats (gort.h) reports the counters.
 */

void *mallocgc(size_t size);          /* zeroed, may hold pointers */
void *mallocgc_noscan(size_t size);   /* zeroed, holds no heap pointers */

/* Print the memory statistics (as the memstats=1 boot flag does at exit). */
void PrintMemStats(void);

/* Give the calling P's cached spans back to mcentral (tests use it to make
 * the page accounting exact). */
void FlushMCache(void);

/* ---- garbage collector (docs/gc.md) ------------------------------------ */

/* Run a full collection and finish sweeping; blocks the caller until the
 * cycle is complete, as runtime.GC. Finalizers it queues run afterwards on
 * the finalizer goroutine. */
void GC(void);
/* GOGC: the heap may grow by percent% of the live heap before the next
 * cycle (minimum goal 4 MiB). A negative value turns the collector off.
 * Returns the previous setting (bootargs gogc= sets the initial one). */
int SetGCPercent(int percent);
/* Run fn(obj) on the finalizer goroutine once obj is found unreachable;
 * obj itself is freed only by a later cycle (fn may store it somewhere to
 * resurrect it). obj must be the start of a GC object; fn NULL removes the
 * finalizer. Each finalizer runs at most once. */
void SetFinalizer(void *obj, void (*fn)(void *obj));
/* Keep p reachable up to this call (runtime.KeepAlive). */
void KeepAlive(const void *p);

/* ====================================================================== */
/*
 * Channels, select, timers as channels, and the sync package:
 * Mutex, RWMutex, WaitGroup, Once, Cond, Pool, plus a context-like
 * cancellation helper. Semantics are Go's (docs/channels.md, docs/sync.md).
 *
 * Values travel by copy: chan_send copies elemsize bytes from *v into the
 * channel (or straight into a blocked receiver's variable); chan_recv copies
 * them out. A NULL chan_t * is Go's nil channel: it blocks forever.
 *
 * Panics are Go's, and recoverable (see recover above): send on a closed
 * channel, close of a closed or nil channel, a negative WaitGroup counter.
 * Unlock of an unlocked mutex is a fatal error, as in Go.
 *
 * Zero values are ready to use, as in Go: `Mutex mu = {0};`,
 * `WaitGroup wg = {0};` and so on need no init call (Cond needs its L).
 */

/* ---- channels --------------------------------------------------------- */

typedef struct hchan chan_t;

/* make(chan T, cap): elemsize may be 0 (chan struct{}). A channel is a GC
 * object: collected once unreachable; chan_free frees it at once. */
chan_t *make_chan(size_t elemsize, int cap);
void chan_free(chan_t *c);              /* explicit free; no waiters allowed */

void chan_send(chan_t *c, const void *v);       /* c <- *v */
bool chan_recv(chan_t *c, void *v);             /* *v, ok = <-c (v may be NULL) */
void chan_close(chan_t *c);                     /* close(c) */
/* select { case c <- *v: return true; default: return false } */
bool chan_trysend(chan_t *c, const void *v);
/* select { case *v, *ok = <-c: return true; default: return false } */
bool chan_tryrecv(chan_t *c, void *v, bool *ok);
int chan_len(chan_t *c);
int chan_cap(chan_t *c);

/* select: cases in source order; Select returns the index of the case that
 * ran, or -1 if has_default and none was ready. A receive case stores the
 * value at val (if not NULL) and ok at *ok (if not NULL). A case with a nil
 * channel is never chosen. With n == 0 and no default it blocks forever. */
enum { SelectSend = 1, SelectRecv = 2 };
struct SelectCase {
	int dir;            /* SelectSend or SelectRecv */
	chan_t *c;
	void *val;          /* value to send / where to receive */
	bool *ok;           /* receive: false if the channel was closed */
};
int Select(struct SelectCase *cases, int n, bool has_default);

/* ---- timers as channels (package time) -------------------------------- */

/* A Timer delivers the time (nanotime, int64_t) on C when it fires. C has
 * capacity 1. Stop and Reset also drain a value that was delivered but not
 * received, as Go 1.23's timers do, so no stale value is seen afterwards
 * (unless the timer was firing at that very moment on another CPU). */
typedef struct Timer {
	chan_t *C;
	struct gort_timer_impl *impl;
} Timer;
Timer *NewTimer(int64_t d);
bool Timer_Stop(Timer *t);              /* true if it stopped a pending timer */
bool Timer_Reset(Timer *t, int64_t d);  /* true if it was pending */
chan_t *time_After(int64_t d);          /* NewTimer(d)->C; collected after it fires */

/* ---- Mutex ------------------------------------------------------------ */

typedef struct Mutex {
	int32_t state;      /* locked | woken | starving | waiters << 3; atomic */
	uint32_t sema;      /* sleep queue word (semacquire/semrelease) */
} Mutex;
void Mutex_Lock(Mutex *m);
void Mutex_Unlock(Mutex *m);
bool Mutex_TryLock(Mutex *m);

/* ---- RWMutex (writer-preferring) -------------------------------------- */

typedef struct RWMutex {
	Mutex w;              /* held by a pending or active writer */
	uint32_t writerSem;   /* the writer waits here for departing readers */
	uint32_t readerSem;   /* readers wait here for the writer */
	int32_t readerCount;  /* readers; minus 1<<30 while a writer is pending */
	int32_t readerWait;   /* departing readers the writer waits for */
} RWMutex;
void RWMutex_Lock(RWMutex *rw);
void RWMutex_Unlock(RWMutex *rw);
void RWMutex_RLock(RWMutex *rw);
void RWMutex_RUnlock(RWMutex *rw);
bool RWMutex_TryLock(RWMutex *rw);
bool RWMutex_TryRLock(RWMutex *rw);

/* ---- WaitGroup -------------------------------------------------------- */

typedef struct WaitGroup {
	uint64_t state;     /* counter << 32 | waiters; atomic */
	uint32_t sema;
} WaitGroup;
void WaitGroup_Add(WaitGroup *wg, int delta);
void WaitGroup_Done(WaitGroup *wg);
void WaitGroup_Wait(WaitGroup *wg);

/* ---- Once ------------------------------------------------------------- */

typedef struct Once {
	uint32_t done;      /* atomic */
	Mutex m;
} Once;
void Once_Do(Once *o, void (*f)(void *arg), void *arg);

/* ---- Cond ------------------------------------------------------------- */

struct notifyList {
	uint32_t wait;      /* next ticket handed to a waiter; atomic */
	uint32_t notify;    /* next ticket to be notified; atomic, lock to write */
	uint64_t lock;      /* a runtime spinlock (spinlock_t: word, owner, rank) */
	struct sudog *head, *tail; /* waiters in ticket order; lock */
};
typedef struct Cond {
	Mutex *L;           /* held while checking the condition and in Wait */
	struct notifyList notify;
} Cond;
void Cond_Wait(Cond *c);        /* c->L must be held; re-held on return */
void Cond_Signal(Cond *c);
void Cond_Broadcast(Cond *c);

/* ---- Pool ------------------------------------------------------------- */

typedef struct Pool {
	void *(*New)(void);         /* optional: makes a value when empty */
	struct poolLocal *local;    /* per-P, allocated on first use */
	struct poolLocal *victim;   /* the previous cycle's local */
	struct Pool *next;          /* allPools list */
	uint32_t registered;        /* atomic */
} Pool;
void *Pool_Get(Pool *p);
void Pool_Put(Pool *p, void *x);
/* Move every pool's contents to its victim cache and drop the old victims.
 * The GC calls this at each cycle, with the world stopped. */
void pool_cleanup(void);

/* ---- Context (cancellation) ------------------------------------------- */

typedef struct Context Context;
enum { ContextOK = 0, Canceled = 1, DeadlineExceeded = 2 };
Context *Background(void);                      /* never canceled */
Context *WithCancel(Context *parent);
Context *WithDeadline(Context *parent, int64_t deadline_ns); /* nanotime */
Context *WithTimeout(Context *parent, int64_t timeout_ns);
void Cancel(Context *ctx);                      /* the CancelFunc */
chan_t *Context_Done(Context *ctx);             /* closed when canceled */
int Context_Err(Context *ctx);                  /* ContextOK or why */
bool Context_Deadline(Context *ctx, int64_t *deadline);
const char *Context_ErrString(int err);

#endif
