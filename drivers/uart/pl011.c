/*
 * pl011.c - polled driver for the ARM PrimeCell PL011 UART (QEMU aarch64
 * virt, Raspberry Pi's UART0).
 *
 * Registers are 32 bits wide. The firmware has set the baud rate; init
 * enables the FIFOs, 8N1, and the transmitter and receiver.
 */
#include "drivers/uart/uart.h"

enum { DR = 0x00, FR = 0x18, LCRH = 0x2c, CR = 0x30, IMSC = 0x38 };
enum { INT_RX = 1 << 4, INT_RT = 1 << 6 };
enum { FR_RXFE = 1 << 4, FR_TXFF = 1 << 5 };

static inline volatile uint32_t *reg(uintptr_t base, int off)
{
	return (volatile uint32_t *)(base + (uintptr_t)off);
}

static void pl011_init(uintptr_t base, uint32_t shift)
{
	*reg(base, IMSC) = 0;                 /* none until input is armed */
	*reg(base, LCRH) = (3u << 5) | (1u << 4); /* 8 bits, FIFOs on */
	*reg(base, CR) = (1u << 0) | (1u << 8) | (1u << 9); /* UART, TX, RX on */
}

static void pl011_putc(uintptr_t base, uint32_t shift, char c)
{
	while (*reg(base, FR) & FR_TXFF)
		;
	*reg(base, DR) = (uint8_t)c;
}

static int pl011_getc(uintptr_t base, uint32_t shift)
{
	if (*reg(base, FR) & FR_RXFE)
		return -1;
	return (int)(*reg(base, DR) & 0xff);
}

/* Receive (FIFO level) and receive-timeout interrupts: together they
 * signal any byte waiting. Draining the FIFO lowers them. IMSC is written
 * whole. (Never ICR here: clearing a raised receive interrupt while bytes
 * wait would leave them there until the next byte arrives.) */
static void pl011_rx_irq(uintptr_t base, uint32_t shift, bool on)
{
	*reg(base, IMSC) = on ? INT_RX | INT_RT : 0;
}

const struct uart_ops pl011_ops = {
	.name = "pl011", .init = pl011_init, .putc = pl011_putc, .getc = pl011_getc,
	.rx_irq = pl011_rx_irq,
};
