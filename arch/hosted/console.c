/*
 * console.c - the hosted console: stdout, through the portable console.
 *
 * drivers/console/console.c (portable, unchanged) serialises whole lines
 * and hands them to a UART driver's putc. The hosted build leaves the
 * hardware UART drivers out (drivers/uart/, mk/hosted.mk) and provides
 * their driver tables here, all as one "UART" that collects a line and
 * write(2)s it to fd 1 at its newline (or when full): one system call per
 * line, lines never interleave, and the '\r' a serial line wants is
 * dropped. The exit path flushes a last line left without its newline,
 * owning the buffer by a flag with a bounded wait (out_busy), so the exit
 * never hangs on a stopped CPU. Input: stdin, through the receive side
 * of the same tables (getc, rx_irq: uart_rx.c, a device thread and an
 * interrupt line, so that drivers/console/input.c works unchanged).
 *
 * Also here: the application-facing stdio. On a board, kernel/lib/stdio.c
 * wires picolibc's stdout to the console, buffering per goroutine. glibc's
 * stdio cannot be wired that way (its FILE locks belong to the thread, and
 * a goroutine changes threads), so the hosted build renames the few stdio
 * functions the runtime's programs use (printf, vprintf, puts, putchar,
 * fflush: -Dprintf=gort_printf ..., mk/hosted.mk) and defines them here,
 * with the same per-goroutine line buffer (g->linebuf). Formatting is
 * glibc's vsnprintf, which takes no lock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "arch/atomic.h"
#include "hosted.h"
#include "drivers/uart/uart.h"
#include "drivers/console/console.h"
#include "kernel/sched/runtime2.h"
#include "kernel/lib/spinlock.h"
#include "gort.h"

static char line[512];
static size_t nline;             /* out_busy protects both */

/* The buffer's owner, 1 while a CPU uses line and nline. The console lock
 * (drivers/console) already serialises every writer's putc; this flag is
 * for the one caller outside it, the exit path's flush (arch_poweroff),
 * which may run on any CPU while another is half-way through a line. The
 * wait is bounded, as the board console's is in panic mode: a CPU that
 * stopped while it held the flag (a fatal trap in the middle of a line on
 * this very CPU, its thread never scheduled again) costs a garbled line,
 * never a hang of the exit. */
static uint32_t out_busy;

static bool out_acquire(void)
{
	for (int i = 0; i < 1000000; i++) {
		uint32_t free = 0;
		/* acquire; pairs with the release in out_release */
		if (arch_cas(&out_busy, &free, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
		arch_cpu_relax();
	}
	return false;                    /* the holder is stopped: go on */
}

static void out_release(bool held)
{
	/* release: this CPU's use of the buffer before the next owner's */
	if (held)
		__atomic_store_n(&out_busy, 0, __ATOMIC_RELEASE);
}

static void out_flush(void)
{
	size_t off = 0;
	while (off < nline) {
		long r = hosted_syscall(SYS_write, 1, (long)(line + off), (long)(nline - off), 0, 0, 0);
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	nline = 0;
}

/* The exit path: what is left of a line without its newline goes out. */
void hosted_console_flush(void)
{
	bool held = out_acquire();
	out_flush();
	out_release(held);
}

static void out_init(uintptr_t base, uint32_t shift)
{
}

static void out_putc(uintptr_t base, uint32_t shift, char c)
{
	if (c == '\r')
		return;
	bool held = out_acquire();
	line[nline++] = c;
	if (c == '\n' || nline == sizeof line)
		out_flush();
	out_release(held);
}

static int in_getc(uintptr_t base, uint32_t shift)
{
	return hosted_rx_getc();
}

static void in_rx_irq(uintptr_t base, uint32_t shift, bool on)
{
	hosted_rx_irq(on);
}

const struct uart_ops ns16550_ops = { "stdio", out_init, out_putc, in_getc, in_rx_irq };
const struct uart_ops pl011_ops = { "stdio", out_init, out_putc, in_getc, in_rx_irq };
const struct uart_ops sifive_uart_ops = { "stdio", out_init, out_putc, in_getc, in_rx_irq };

/* ---- stdio for programs (renamed: see the file comment) ------------------ */

static void flush_line(struct g *gp)
{
	if (gp->linelen > 0) {
		console_write(gp->linebuf, gp->linelen);
		gp->linelen = 0;
	}
}

static void put_bytes(const char *s, size_t n)
{
	/* The buffer belongs to the running G: no preemption while we use it. */
	acquirem();
	struct g *gp = getg();
	for (size_t i = 0; i < n; i++) {
		gp->linebuf[gp->linelen++] = s[i];
		if (s[i] == '\n' || gp->linelen == LINEBUF_SIZE)
			flush_line(gp);
	}
	releasem();
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[1024];
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(buf, sizeof buf, fmt, aq);
	va_end(aq);
	if (n < 0)
		return n;
	if ((size_t)n < sizeof buf) {
		put_bytes(buf, (size_t)n);
		return n;
	}
	char *big = mallocgc_noscan((size_t)n + 1);   /* long output: rare */
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	put_bytes(big, (size_t)n);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	put_bytes(s, strlen(s));
	put_bytes("\n", 1);
	return 1;
}

int putchar(int c)
{
	char ch = (char)c;
	put_bytes(&ch, 1);
	return (unsigned char)c;
}

int fflush(FILE *f)
{
	acquirem();
	flush_line(getg());
	releasem();
	return 0;
}
