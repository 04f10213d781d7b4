/*
 * bootargs.h - runtime flags from the kernel command line (/chosen/bootargs).
 *
 * The bare-metal counterpart of Go's GODEBUG/GOGC/GOMAXPROCS environment:
 * `key=value` tokens separated by spaces (or commas, GODEBUG style:
 * "gctrace=1,schedtrace=1000"). docs/bootargs.md has the flag table.
 *
 * rtflags holds the defaults from program start, is written only by
 * bootargs_parse on the boot CPU before other CPUs start, and is read-only
 * afterwards (no locks, no atomics needed).
 */
#ifndef KERNEL_LIB_BOOTARGS_H
#define KERNEL_LIB_BOOTARGS_H

#include <stdint.h>

struct runtime_flags {
	int64_t gomaxprocs;     /* 0 = number of CPUs, else 1..256 */
	int64_t schedtrace;     /* ms between scheduler trace lines, 0 = off */
	int64_t scheddetail;    /* 0/1: per-P/M/G detail with schedtrace */
	int64_t gctrace;        /* 0/1/2 */
	int64_t gogc;           /* GC target percent, -1 = "off" */
	int64_t gccheckmark;    /* 0/1/2 (2: report the roots retaining most) */
	int64_t gcconc;         /* 0/1: concurrent mark (kernel/gc/mgcconc.c) */
	int64_t gcpoison;       /* 0/1 */
	int64_t forcegc;        /* ms without a cycle before sysmon forces one */
	int64_t memstats;       /* 0/1 */
	int64_t trace;          /* 0/1: execution trace from boot (kernel/trace) */
	int64_t leakcheck;      /* 0/1: list blocked goroutines at exit */
	int64_t slice;          /* scheduler time slice, ms, 1..1000 */
	int64_t stacksize;      /* reserved goroutine stack, KiB, 16..65536 */
	int64_t debug;          /* 0/1 */
	int64_t test;           /* any integer, for test programs */
	int64_t testshort;      /* 0/1: BootFlagTestShort */
	int64_t dtbtest;        /* 0/1 */
	int64_t quitexit;       /* 0/1: Ctrl-\ dumps, then exits with status 2 */
	int64_t gcbarrier;      /* GCBARRIER_AUTO/HW/FAULT (kernel/gc/barrier.h) */
	int64_t gcsatb;         /* 0/1: gcconc's snapshot barrier (kernel/gc/mgcsatb.c) */
	int64_t gcsatbring;     /* KiB per CPU ring of that barrier, 4..65536 */
	int64_t blktimeout;     /* ms before a block request's device is checked, 0 = never */
	int64_t blkfault;       /* test fault on block device 0 (drivers/virtio/fault.c) */
	int64_t blkfaultn;      /* ... at its Nth used entry or request */
};

extern struct runtime_flags rtflags;

/* Reset rtflags to the defaults, then apply the flags in s (NULL or "" =
 * defaults only). Never prints: each unknown flag or bad value is reported
 * as one line (no newline) through warn, if warn is not NULL, and leaves
 * that flag at its default. Not thread-safe; call once at boot. */
void bootargs_parse(const char *s, void (*warn)(const char *msg));

/* One line per flag (no newlines): name, accepted values, default, help. */
void bootargs_print_help(void (*out)(const char *line));

#endif
