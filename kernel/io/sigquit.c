/*
 * sigquit.c - the debug console: Ctrl-\ on the console prints every
 * goroutine, as SIGQUIT does to a Go program (runtime/signal_unix.go's
 * sighandler with _SigThrow, and the traceback it prints).
 *
 * The receive interrupt must not print a dump (it would hold its CPU with
 * interrupts masked for as long as the console takes, and read other
 * goroutines' stacks while they run). It only readies a runtime goroutine
 * parked here; that goroutine stops the world, prints "SIGQUIT: quit" and
 * the goroutine list in Go's format (state, wait reason, wait time from
 * one minute on, symbolized traceback), starts the world again, and - with
 * the boot flag quitexit=1 - exits with status 2 as Go does. Without it
 * the program goes on: the dump is a look, not an end.
 *
 * State: one iowait slot and the helper G, set once at boot.
 */
#include "kernel/io/io.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"

static struct iowait quit_wait;

void sigquit_raise(void)
{
	iowait_ready(&quit_wait);
}

/* On g0, the world stopped around the list; self is the dumping goroutine. */
static void sigquit_dump(void *self)
{
	/* Go's header also names the interrupted PC and M; here the
	 * "signal" interrupted the UART's CPU, whose PC says nothing. */
	printk("SIGQUIT: quit\n");
	sched_dump_goroutines(self);
}

static void sigquit_main(void *arg)
{
	(void)arg;
	for (;;) {
		iowait_park(&quit_wait);
		stw_run(sigquit_dump, getg());
		if (rtflags.quitexit)
			Exit(2);
	}
}

void sigquit_init(void)
{
	newproc_system(sigquit_main, NULL);
}
