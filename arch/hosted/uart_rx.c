/*
 * uart_rx.c - the hosted console's input: stdin as the receive side of the
 * UART, behind the same uart_ops (getc, rx_irq) that drivers/console/
 * input.c drives on a board (docs/hosted.md, "Console input").
 *
 * The device model, as for the disk (blk.c). A board's UART receives
 * bytes while the CPUs run goroutines, keeps them in its FIFO, and raises
 * its receive line while the FIFO holds data and the interrupt is on.
 * Here the hardware is one host thread (the "receiver", no M: it never runs
 * Go code) that reads stdin into a small FIFO of its own and raises
 * HOSTED_IRQ_CONS through signal.c's controller; the line's CPU runs
 * trap_devirq -> input.c's rx_isr, which pops the FIFO with getc into the
 * console's ring and readies the reader: the portable path, unchanged. No
 * goroutine ever blocks its M in read(2).
 *
 * Objects (static, in .bss.noscan: the receiver stores into them, and the
 * collector's barrier must never write-protect a page it stores into -
 * a fault on a thread that is no CPU is fatal, signal.c):
 *   rx.fifo - FIFO_SIZE bytes, one producer (the receiver: read(2) into
 *             its free part), one consumer (getc, in the line's handler:
 *             the line goes to one CPU, never two handlers at once);
 *             tail and head are free-running counters;
 *   rx.on   - the receive interrupt is enabled (rx_irq);
 *   rx.ended - stdin reached its end (read returned 0, or an error);
 *             set after the last byte's tail, never cleared;
 *   rx.waiting - the receiver sleeps for room (futex on head).
 *
 * Level-triggered, as the UART's line: the line is "up" while the FIFO
 * holds a byte (or the end is to be told) and the interrupt is on. The
 * receiver raises it after it put bytes, if on; rx_irq(true) raises it if
 * the FIFO holds bytes, which covers bytes put while it was off. The pair
 * is Dekker's: the receiver's seq_cst store of tail then load of on,
 * against rx_irq's seq_cst store of on then load of tail - one of them
 * sees the other, so no byte waits in the FIFO with the line on and down.
 *
 * Flow control: input.c turns the interrupt off when its ring is full;
 * the FIFO then fills and the receiver stops reading: the bytes wait in
 * the pipe or the terminal, as QEMU's serial port stops taking input.
 *
 * End of input (a board's UART never ends; stdin does: a pipe, a file,
 * Ctrl-D at a terminal): getc returns UART_RX_END once the FIFO is empty,
 * and input.c's Console_Read then returns 0, as read(2) does - a program
 * like examples/kvlog ends its read loop.
 *
 * Ctrl-\ at a terminal is not a byte but SIGQUIT (the terminal's line
 * discipline makes it one). Its handler (any thread) writes one byte into
 * a pipe the receiver polls beside stdin, and the receiver puts 0x1c into
 * the FIFO: input.c sees the byte a serial line would carry, and asks for
 * the goroutine dump (kernel/io/sigquit.c). `kill -QUIT` does the same.
 *
 * A terminal delivers what its line discipline gives: whole lines, ended
 * by '\n' (a board's serial line gives '\r'); readers accept both.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/futex.h>
#include "arch.h"
#include "hosted.h"
#include "drivers/uart/uart.h"

#define FIFO_SIZE 64            /* a power of two; a UART's is 16 to 64 */
#define CTRL_BACKSLASH 0x1c
#define NOSCAN __attribute__((section(".bss.noscan.hostrx")))

static struct {
	uint8_t fifo[FIFO_SIZE];
	uint32_t head;          /* bytes getc took; atomic, getc writes */
	uint32_t tail;          /* bytes the receiver put; atomic, it writes */
	uint32_t on;            /* the receive interrupt; atomic, rx_irq writes */
	uint32_t ended;         /* stdin ended; atomic, the receiver writes */
	uint32_t waiting;       /* the receiver waits for room; atomic */
	int quit_rd, quit_wr;   /* SIGQUIT's pipe; set at attach */
} rx NOSCAN;

/* ---- the device (the receiver thread) ------------------------------------- */

/* The line, if the interrupt is on. seq_cst: see the top (Dekker). */
static void line_raise(void)
{
	if (__atomic_load_n(&rx.on, __ATOMIC_SEQ_CST))
		hosted_irq_raise(HOSTED_IRQ_CONS);
}

/* Free room in the FIFO; sleeps while there is none. The waiting flag and
 * getc's head form a Dekker pair (seq_cst both sides): either getc sees
 * the flag and wakes us, or we see its new head and do not sleep; a wake
 * between our look and the futex call makes the call return (EAGAIN). */
static uint32_t wait_room(uint32_t tail)
{
	for (;;) {
		uint32_t head = __atomic_load_n(&rx.head, __ATOMIC_SEQ_CST);
		if (tail - head < FIFO_SIZE)
			return FIFO_SIZE - (tail - head);
		__atomic_store_n(&rx.waiting, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&rx.head, __ATOMIC_SEQ_CST) == head)
			syscall(SYS_futex, &rx.head, FUTEX_WAIT_PRIVATE, head, NULL, NULL, 0);
		__atomic_store_n(&rx.waiting, 0, __ATOMIC_RELAXED);
	}
}

/* Bytes put: publish them, then the line. release: the bytes read(2)
 * stored before getc's acquire load of tail; seq_cst for the Dekker pair
 * with rx_irq (see the top). */
static void put(uint32_t tail)
{
	__atomic_store_n(&rx.tail, tail, __ATOMIC_SEQ_CST);
	line_raise();
}

/* Read what stdin has, at most room bytes, into the FIFO at tail. Returns
 * the new tail; sets ended at end of file or on an error (EIO: a terminal
 * that hung up; EBADF: no stdin at all). */
static uint32_t take_stdin(uint32_t tail, uint32_t room)
{
	uint32_t at = tail % FIFO_SIZE;
	uint32_t n = room < FIFO_SIZE - at ? room : FIFO_SIZE - at;   /* no wrap */
	ssize_t r = read(0, &rx.fifo[at], n);
	if (r > 0)
		return tail + (uint32_t)r;
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return tail;
	/* release: after every byte's tail (put); pairs with getc's acquire */
	__atomic_store_n(&rx.ended, 1, __ATOMIC_RELEASE);
	return tail;
}

static void *receiver(void *arg)
{
	(void)arg;
	hosted_device_thread_init();
	uint32_t tail = 0;      /* only we write rx.tail */
	for (;;) {
		uint32_t room = wait_room(tail);
		bool ended = __atomic_load_n(&rx.ended, __ATOMIC_RELAXED);
		struct pollfd p[2] = {
			{ .fd = rx.quit_rd, .events = POLLIN },
			{ .fd = ended ? -1 : 0, .events = POLLIN },  /* -1: ignored */
		};
		if (poll(p, 2, -1) < 0)
			continue;       /* EINTR */
		if (p[0].revents & POLLIN) {
			char c;
			if (read(rx.quit_rd, &c, 1) == 1) {
				rx.fifo[tail % FIFO_SIZE] = CTRL_BACKSLASH;
				put(++tail);
				continue;       /* room again before stdin */
			}
		}
		if (p[1].revents) {     /* data, hang-up, or no such fd */
			tail = take_stdin(tail, room);
			put(tail);      /* also tells the end (ended) */
		}
	}
	return NULL;
}

/* SIGQUIT, on whatever thread the kernel picks: one byte into the pipe.
 * One raw system call, nothing else (it may interrupt the runtime, libc
 * or TSan's runtime; a raw call leaves errno alone). Installed past
 * TSan's interceptor (hosted_sigaction), as the interrupt handlers are. */
HOSTED_NO_TSAN static void on_sigquit(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	static const char b = CTRL_BACKSLASH;
	hosted_syscall(SYS_write, rx.quit_wr, (long)&b, 1, 0, 0, 0);
}

/* ---- attach: the firmware's part (__wrap_main) ------------------------------ */

void hosted_rx_attach(const char *prog)
{
	int q[2];
	/* non-blocking write end: a handler never blocks on a full pipe
	 * (the receiver is behind; those Ctrl-\ are dropped) */
	if (pipe2(q, O_CLOEXEC) != 0 || fcntl(q[1], F_SETFL, O_NONBLOCK) != 0) {
		fprintf(stderr, "%s: console input: %s\n", prog, strerror(errno));
		exit(2);
	}
	rx.quit_rd = q[0];
	rx.quit_wr = q[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigquit;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, HOSTED_SIG_TIMER);       /* no interrupt under it */
	sigaddset(&sa.sa_mask, HOSTED_SIG_IPI);
	sigaddset(&sa.sa_mask, HOSTED_SIG_DEV);
	hosted_sigaction(SIGQUIT, &sa);
	pthread_t th;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	int err = pthread_create(&th, &a, receiver, NULL);
	pthread_attr_destroy(&a);
	if (err) {
		fprintf(stderr, "%s: console input: %s\n", prog, strerror(err));
		exit(2);
	}
}

/* ---- the UART's registers (CPUs: input.c's reader and handler) ---------------- */

/* One byte from the FIFO, -1 if none waiting, UART_RX_END if none will
 * come. Only the line's handler calls it (input.c's rx_isr). */
int hosted_rx_getc(void)
{
	uint32_t head = __atomic_load_n(&rx.head, __ATOMIC_RELAXED);  /* ours */
	/* acquire; pairs with put's store: the bytes read(2) stored */
	if (head == __atomic_load_n(&rx.tail, __ATOMIC_ACQUIRE)) {
		/* acquire; pairs with take_stdin's release: then tail is final */
		if (!__atomic_load_n(&rx.ended, __ATOMIC_ACQUIRE) ||
		    head != __atomic_load_n(&rx.tail, __ATOMIC_ACQUIRE))
			return -1;      /* (bytes put meanwhile: the next raise) */
		return UART_RX_END;
	}
	int c = rx.fifo[head % FIFO_SIZE];
	/* seq_cst: the slot is free (release), and the Dekker pair with
	 * wait_room's flag */
	__atomic_store_n(&rx.head, head + 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&rx.waiting, __ATOMIC_SEQ_CST))
		hosted_syscall(SYS_futex, (long)&rx.head, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	return c;
}

/* The receive interrupt on or off. On: the line goes up at once if bytes
 * (or the end) wait - level-triggered, as a UART's (see the top). */
void hosted_rx_irq(bool on)
{
	/* seq_cst: the Dekker pair with put (see the top) */
	__atomic_store_n(&rx.on, on, __ATOMIC_SEQ_CST);
	if (on && (__atomic_load_n(&rx.tail, __ATOMIC_SEQ_CST) !=
	           __atomic_load_n(&rx.head, __ATOMIC_RELAXED) ||
	           __atomic_load_n(&rx.ended, __ATOMIC_RELAXED)))
		hosted_irq_raise(HOSTED_IRQ_CONS);
}
