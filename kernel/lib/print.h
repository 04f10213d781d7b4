/*
 * print.h - console output and fatal errors, for runtime code.
 *
 * printk formats one message and writes it to the console under the console
 * lock, so messages from different CPUs never interleave within a line.
 * throw() is Go's runtime.throw: "fatal error: <msg>", the CPU and goroutine,
 * a symbolized traceback, the goroutine list, then power-off with status 2.
 */
#ifndef KERNEL_LIB_PRINT_H
#define KERNEL_LIB_PRINT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>

struct trapframe;

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);

/* fatal error: <formatted message>; traceback; goroutine list; power off. */
_Noreturn void throw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Go's panic(msg) raised by the runtime ("send on closed channel"): a
 * recoverable panic (kernel/panic/panic.c; panic() in gort.h is the same).
 * msg must outlive the panic: a string literal. */
_Noreturn void gopanic(const char *msg);

/* Like throw, for a trap: also prints the trap cause and registers. */
_Noreturn void fatal_trap(struct trapframe *tf, const char *cause,
                          uintptr_t addr, bool addr_valid);

/* The fatal path's two halves, for the unrecovered-panic report:
 * fatal_enter makes this CPU the one that reports (others stop) and
 * returns false if it already was (a fault inside the fatal path);
 * fatal_report_tail prints the goroutine line, the traceback from pc/fp
 * (or tf) and powers off with status 2. For a fatal error it names the
 * CPU and lists every other goroutine too; for a panic (panicking) it
 * prints Go's "goroutine N [running]:" and only that goroutine, as Go's
 * default GOTRACEBACK=single does. */
bool fatal_enter(void);
_Noreturn void fatal_report_tail(uintptr_t pc, uintptr_t fp, struct trapframe *tf,
                                 bool panicking);

/* Print a frame-pointer traceback, symbolized: pc is a return address in
 * the frame whose frame pointer is fp; then every caller. */
void traceback(uintptr_t pc, uintptr_t fp, uintptr_t stack_lo, uintptr_t stack_hi);

/* The same from a trap: the trapped pc, then its callers. */
void traceback_trap(const struct trapframe *tf, uintptr_t stack_lo, uintptr_t stack_hi);

/* Name of the function containing pc and the offset into it, or NULL. */
const char *symbolize(uintptr_t pc, uintptr_t *offset);

/* The Makefile always sets GORT_DEBUG; the host unit tests (tests/host)
 * compile single runtime files without it, as a release build would. */
#ifndef GORT_DEBUG
#define GORT_DEBUG 0
#endif

/* Debug-build assertion: checks a precondition, throws with its text. */
#if GORT_DEBUG
#define ASSERT(c) do { if (!(c)) throw("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); } while (0)
#else
#define ASSERT(c) do { (void)sizeof(c); } while (0)
#endif

#endif
