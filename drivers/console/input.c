/*
 * input.c - console input: the UART's receive interrupt fills a ring
 * buffer, and Console_Read parks in "IO wait" until a byte is there.
 *
 * Objects: one ring of RING_SIZE bytes, single producer (the receive
 * interrupt handler; the line goes to one CPU, and the controller never
 * runs one line's handler on two CPUs at once) and single consumer (the
 * reader holding `readers`). head and tail are free-running counters:
 * head written by the handler, tail by the reader, each read by the other
 * with acquire (the bytes travel with them).
 *
 * Flow control instead of loss: when the ring is full the handler turns
 * the receive interrupt off and leaves the bytes in the UART's FIFO (QEMU
 * then stops taking input from its host side). Every Console_Read turns it
 * back on before it looks at the ring - the "arm, check, park" order of
 * kernel/io/io.h - so a full ring never stalls input for good.
 *
 * End of input: a UART whose getc says UART_RX_END (the hosted port's,
 * at the end of stdin; a board's never) ends it for good: Console_Read
 * returns what the ring still holds, then 0 on every call, as read(2).
 *
 * Ctrl-\ (0x1c, what a terminal sends as SIGQUIT) is not input: it asks
 * for the goroutine dump (kernel/io/sigquit.c), as Go's SIGQUIT handler.
 *
 * Bare metal, unlike Go's os.Stdin: no terminal line discipline; bytes
 * arrive as typed, '\r' included.
 */
#include "gort.h"
#include "drivers/console/console.h"
#include "drivers/uart/uart.h"
#include "kernel/io/io.h"

#define RING_SIZE 1024          /* a power of two */
#define CTRL_BACKSLASH 0x1c

static struct {
	const struct uart_ops *uart;
	uintptr_t base;
	uint32_t shift;
	bool irq;               /* the receive interrupt is routed; set at boot */
	uint8_t buf[RING_SIZE];
	uint32_t head;          /* bytes ever put; atomic, handler writes */
	uint32_t tail;          /* bytes ever taken; atomic, reader writes */
	bool ended;             /* getc said UART_RX_END; atomic, handler writes */
	struct iowait wait;     /* the reader's slot */
	Mutex readers;          /* one reader at a time: the ring's consumer */
} in;

static void rx_isr(void *arg)
{
	(void)arg;
	bool got = false;
	for (;;) {
		uint32_t head = in.head;        /* only we write it */
		/* acquire; pairs with the release store in Console_Read: the
		 * reader is done with the slots it freed */
		if (head - __atomic_load_n(&in.tail, __ATOMIC_ACQUIRE) == RING_SIZE) {
			in.uart->rx_irq(in.base, in.shift, false);  /* full: hold */
			break;
		}
		int c = in.uart->getc(in.base, in.shift);
		if (c == UART_RX_END) {
			/* release: after every byte's head; pairs with
			 * the acquire load in Console_Read */
			__atomic_store_n(&in.ended, true, __ATOMIC_RELEASE);
			got = true;
			break;
		}
		if (c < 0)
			break;
		if (c == CTRL_BACKSLASH) {
			sigquit_raise();
			continue;
		}
		in.buf[head % RING_SIZE] = (uint8_t)c;
		/* release; pairs with the acquire load in ring_take */
		__atomic_store_n(&in.head, head + 1, __ATOMIC_RELEASE);
		got = true;
	}
	if (got)
		iowait_ready(&in.wait);
}

static int ring_take(uint8_t *dst, int n)
{
	uint32_t tail = in.tail;        /* only we (holding readers) write it */
	uint32_t avail = __atomic_load_n(&in.head, __ATOMIC_ACQUIRE) - tail;
	int k = 0;
	for (; k < n && (uint32_t)k < avail; k++)
		dst[k] = in.buf[(tail + (uint32_t)k) % RING_SIZE];
	/* release; pairs with the acquire load in rx_isr */
	__atomic_store_n(&in.tail, tail + (uint32_t)k, __ATOMIC_RELEASE);
	return k;
}

void console_input_init(void)
{
	uintptr_t base;
	uint32_t shift;
	const struct uart_ops *u = console_uart(&base, &shift);
	if (u == NULL || u->rx_irq == NULL)
		return;
	in.uart = u;
	in.base = base;
	in.shift = shift;
	if (irq_register(&bootinfo.uart_irq, rx_isr, NULL) < 0)
		return;                 /* no interrupt: Console_Read returns -1 */
	in.irq = true;
	u->rx_irq(base, shift, true);
}

int Console_Read(void *buf, int n)
{
	if (!in.irq)
		return -1;
	if (n <= 0)
		return 0;
	Mutex_Lock(&in.readers);
	int got;
	for (;;) {
		in.uart->rx_irq(in.base, in.shift, true);       /* arm */
		if ((got = ring_take(buf, n)) > 0)              /* check */
			break;
		/* acquire; pairs with rx_isr's release: the last bytes'
		 * head is visible, take them (0 if none: the end) */
		if (__atomic_load_n(&in.ended, __ATOMIC_ACQUIRE)) {
			got = ring_take(buf, n);
			break;
		}
		iowait_park(&in.wait);                          /* park */
	}
	Mutex_Unlock(&in.readers);
	return got;
}
