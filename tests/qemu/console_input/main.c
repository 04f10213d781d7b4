// TEST: smp=1,2 status=0 timeout=60
// INPUT: when=^reading after=1 hello\nworld\n\034
// INPUT: after=1 third line\nquit\n
// EXPECT: ^read 1: hello$
// EXPECT: ^read 2: world$
// EXPECT: ^read 3: third line$
// EXPECT: ^SIGQUIT: quit$
// EXPECT: ^goroutine [0-9]+ \[chan receive\]:$
// EXPECT: ^ +idler\+0x
// EXPECT: ^PASS$
// REJECT: read [0-9]+: .*\x1c
// TEST: smp=4 status=0 timeout=60 bootargs="schedtrace=100"
// INPUT: when=^reading after=1 hello\nworld\n\034
// INPUT: after=1 third line\nquit\n
// EXPECT: ^read 1: hello$
// EXPECT: ^read 3: third line$
// EXPECT: ^SIGQUIT: quit$
// EXPECT: ^SCHED [0-9]+ms: gomaxprocs=4 idleprocs=3 threads=4 spinningthreads=0 idlethreads=3 runqueue=0 \[0 0 0 0\]$
// EXPECT: ^PASS$
// TEST: smp=4 board=sifive_u status=0 timeout=60
// INPUT: when=^reading after=1 hello\nworld\n\034
// INPUT: after=1 third line\nquit\n
// EXPECT: ^read 1: hello$
// EXPECT: ^read 2: world$
// EXPECT: ^read 3: third line$
// EXPECT: ^SIGQUIT: quit$
// EXPECT: ^PASS$
// TEST: smp=2 arch=aarch64 machine=gic-version=3 status=0 timeout=60
// INPUT: when=^reading after=1 hello\nworld\n\034
// INPUT: after=1 third line\nquit\n
// EXPECT: ^read 1: hello$
// EXPECT: ^read 3: third line$
// EXPECT: ^SIGQUIT: quit$
// EXPECT: ^PASS$
// TEST: smp=2 status=2 timeout=60 bootargs="quitexit=1"
// INPUT: when=^reading after=1 a\n\034
// INPUT: after=1 b\n
// EXPECT: ^SIGQUIT: quit$
// EXPECT: ^goroutine [0-9]+ \[chan receive\]:$
// REJECT: ^PASS$
// TEST: smp=4 board=raspi3b status=0 timeout=60
// INPUT: when=^reading after=1 hello\nworld\n\034
// INPUT: after=1 third line\nquit\n
// EXPECT: ^read 1: hello$
// EXPECT: ^read 2: world$
// EXPECT: ^read 3: third line$
// EXPECT: ^SIGQUIT: quit$
// EXPECT: ^PASS$
// REJECT: read [0-9]+: .*\x1c
/*
 * console_input - bytes typed on the console reach Console_Read in order,
 * line after line, through the UART's receive interrupt; Ctrl-\ (0x1c) is
 * not input but the debug console: every goroutine is listed in Go's
 * SIGQUIT format (a goroutine blocked on a channel shows "[chan receive]"
 * and its traceback), and the program goes on - or, with the boot flag
 * quitexit=1, exits with status 2 as a Go program does.
 *
 * The input comes a second after the program says it is reading, so the
 * reader is parked in IO wait first, with every other goroutine blocked on a channel: no
 * deadlock may be reported meanwhile (a device can still wake the reader),
 * and the schedtrace lines taken meanwhile show every other CPU idle and
 * none spinning (the one running the trace timer holds the only busy P) -
 * a parked reader keeps no CPU busy. The last lines come a second after
 * the Ctrl-\, so that the dump is printed before the program ends.
 */
#include <string.h>
#include "tests/qemu/testing.h"

static chan_t *never;

static void idler(void *arg)
{
	chan_recv(never, NULL);
	FAILF("a receive from a channel nobody sends on returned");
}

/* One line (without '\n') into buf; false at the end of the input. */
static bool read_line(char *buf, int cap)
{
	int n = 0;
	for (;;) {
		char c;
		int r = Console_Read(&c, 1);
		if (r != 1)
			return false;
		if (c == '\n' || c == '\r') {
			buf[n] = 0;
			return true;
		}
		if (n < cap - 1)
			buf[n++] = c;
	}
}

int main(void)
{
	never = make_chan(0, 0);
	go(idler, NULL);
	char line[64];
	printf("reading\n");
	for (int i = 1;; i++) {
		if (!read_line(line, sizeof line))
			FAILF("Console_Read failed");
		if (strcmp(line, "quit") == 0)
			break;
		printf("read %d: %s\n", i, line);
	}
	printf("PASS\n");
	return 0;
}
