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

/* The same, with a stack of stack_bytes (rounded up to 8 KiB, at least
 * 8 KiB, at most 1 MiB - 8 KiB). The default is 16 KiB (bootarg
 * stacksize=KiB changes it). Overflowing it is a fatal "stack overflow". */
uint64_t go_stack(void (*fn)(void *arg), void *arg, size_t stack_bytes);

void Gosched(void);                 /* runtime.Gosched: yield the CPU */
_Noreturn void Goexit(void);        /* runtime.Goexit: end this goroutine */
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

/* panic(msg): "panic: msg", traceback, exit status 2 (no recover yet). */
_Noreturn void panic(const char *msg);

/* The integer boot flag `test=N` (see docs/bootargs.md), for test programs. */
int64_t BootFlagTest(void);

/* Print one schedtrace line now, in Go's format (bootargs schedtrace=MS
 * prints one every MS milliseconds). */
void SchedTrace(void);

/* Scheduler statistics, for tests and demos. */
struct SchedStats {
	uint64_t preemptions[8];   /* async preemptions taken, per CPU */
	uint64_t started[8];       /* goroutines started, per P */
	uint64_t ipis[8];          /* IPIs received, per CPU */
};
void ReadSchedStats(struct SchedStats *st);

/* Memory statistics (runtime.MemStats, first cut). */
struct MemStats {
	uint64_t HeapSys;          /* bytes managed by the page heap */
	uint64_t HeapIdle;         /* free bytes in the page heap */
	uint64_t StackInuse;       /* bytes mapped as goroutine stacks */
};
void ReadMemStats(struct MemStats *ms);

#endif
