/*
 * sifive.c - driver for the SiFive UART (compatible "sifive,uart0": the
 * HiFive Unleashed's FU540, the HiFive Unmatched's FU740, QEMU sifive_u).
 *
 * Seven 32-bit registers, each with one job (FU540-C000 manual, ch. 13):
 *   txdata 0x00  write: the byte to send; read: bit 31 "full" - the
 *                transmit FIFO has no room (the byte written is dropped)
 *   rxdata 0x04  read: bit 31 "empty", else bits 7:0 are the next byte;
 *                reading pops it from the receive FIFO
 *   txctrl 0x08  bit 0 txen, bit 1 nstop, bits 18:16 txcnt (watermark)
 *   rxctrl 0x0c  bit 0 rxen, bits 18:16 rxcnt (watermark)
 *   ie     0x10  bit 0 txwm, bit 1 rxwm: which watermarks interrupt
 *   ip     0x14  the same bits, pending (read-only: they follow the FIFOs)
 *   div    0x18  baud-rate divisor from the bus clock
 * Unlike a 16550 there is no line-status register and no interrupt
 * identification: "is a byte there" is the answer of the read itself, and
 * the receive interrupt is level-triggered on "more than rxcnt bytes wait".
 * With rxcnt = 0 that is "any byte waits", and draining the FIFO lowers
 * the line - the contract of uart.h.
 *
 * The firmware (OpenSBI) has set div for its own console; init keeps it,
 * turns the transmitter and receiver on with one stop bit, and no
 * interrupt. The transmit watermark interrupt is never enabled: the FIFO
 * is almost always below it, so it would fire forever.
 * reg_shift is unused: the spacing is fixed.
 */
#include "drivers/uart/uart.h"

enum { TXDATA = 0x00, RXDATA = 0x04, TXCTRL = 0x08, RXCTRL = 0x0c, IE = 0x10 };
enum { FIFO_FULL = 1u << 31, FIFO_EMPTY = 1u << 31 };
enum { CTRL_EN = 1u << 0, IE_RXWM = 1u << 1 };

static inline volatile uint32_t *reg(uintptr_t base, int off)
{
	return (volatile uint32_t *)(base + (uintptr_t)off);
}

static void sifive_init(uintptr_t base, uint32_t shift)
{
	*reg(base, IE) = 0;             /* no interrupts until input is armed */
	*reg(base, TXCTRL) = CTRL_EN;   /* txcnt 0, one stop bit */
	*reg(base, RXCTRL) = CTRL_EN;   /* rxcnt 0: "a byte waits" is the watermark */
}

static void sifive_putc(uintptr_t base, uint32_t shift, char c)
{
	while (*reg(base, TXDATA) & FIFO_FULL)
		;
	*reg(base, TXDATA) = (uint8_t)c;
}

/* One read both tests and pops: never read rxdata twice per byte. */
static int sifive_getc(uintptr_t base, uint32_t shift)
{
	uint32_t v = *reg(base, RXDATA);
	if (v & FIFO_EMPTY)
		return -1;
	return (int)(v & 0xff);
}

/* ie is written whole (receive watermark only), as uart.h requires. */
static void sifive_rx_irq(uintptr_t base, uint32_t shift, bool on)
{
	*reg(base, IE) = on ? IE_RXWM : 0;
}

const struct uart_ops sifive_uart_ops = {
	.name = "sifive,uart0", .init = sifive_init, .putc = sifive_putc,
	.getc = sifive_getc, .rx_irq = sifive_rx_irq,
};
