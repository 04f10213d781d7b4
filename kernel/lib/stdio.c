/*
 * stdio.c - picolibc's stdin/stdout/stderr, wired to the console.
 *
 * Output is buffered per goroutine (g->linebuf) and written to the console
 * a whole line at a time, so printf lines from goroutines on different CPUs
 * never interleave, even when a goroutine is preempted mid-line and resumes
 * on another CPU. A full buffer is written out as is; fflush writes a
 * partial line. Input polls the console UART, yielding between polls.
 */
#include <stdio.h>
#include "kernel/sched/runtime2.h"
#include "kernel/sched/sched.h"
#include "drivers/console/console.h"

static void flush_line(struct g *gp)
{
	if (gp->linelen > 0) {
		console_write(gp->linebuf, gp->linelen);
		gp->linelen = 0;
	}
}

static int gort_putc(char c, FILE *f)
{
	/* The buffer belongs to the running G; preemption is deferred so the
	 * G pointer and the buffer stay consistent while we touch them. */
	acquirem();
	struct g *gp = getg();
	gp->linebuf[gp->linelen++] = c;
	if (c == '\n' || gp->linelen == LINEBUF_SIZE)
		flush_line(gp);
	releasem();
	return (unsigned char)c;
}

static int gort_flush(FILE *f)
{
	acquirem();
	flush_line(getg());
	releasem();
	return 0;
}

/* stdin: parks in IO wait until the console has a byte (drivers/console/input.c). */
static int gort_getc(FILE *f)
{
	unsigned char c;
	if (Console_Read(&c, 1) != 1)
		return EOF;
	return c;
}

static FILE console_stream = FDEV_SETUP_STREAM(gort_putc, gort_getc, gort_flush, _FDEV_SETUP_RW);
FILE *const stdin = &console_stream;
FILE *const stdout = &console_stream;
FILE *const stderr = &console_stream;
