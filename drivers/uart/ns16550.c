/*
 * ns16550.c - polled driver for the 16550-compatible UART (QEMU riscv virt,
 * SiFive/StarFive boards' DesignWare 8250, most PC-style UARTs).
 *
 * Registers are 8 bits wide, spaced 1 << reg_shift bytes apart (the device
 * tree's "reg-shift"). The firmware has already set the baud rate, so init
 * only enables the FIFOs and leaves the line settings alone.
 */
#include "drivers/uart/uart.h"

enum { RBR = 0, THR = 0, IER = 1, FCR = 2, LSR = 5 };
enum { LSR_DR = 0x01, LSR_THRE = 0x20 };

static inline volatile uint8_t *reg(uintptr_t base, uint32_t shift, int r)
{
	return (volatile uint8_t *)(base + ((uintptr_t)r << shift));
}

static void ns16550_init(uintptr_t base, uint32_t shift)
{
	*reg(base, shift, IER) = 0x00;  /* no interrupts until input is armed */
	*reg(base, shift, FCR) = 0x05;  /* FIFOs on; clear transmit only: keep what was typed */
}

static void ns16550_putc(uintptr_t base, uint32_t shift, char c)
{
	while ((*reg(base, shift, LSR) & LSR_THRE) == 0)
		;
	*reg(base, shift, THR) = (uint8_t)c;
}

static int ns16550_getc(uintptr_t base, uint32_t shift)
{
	if ((*reg(base, shift, LSR) & LSR_DR) == 0)
		return -1;
	return *reg(base, shift, RBR);
}

/* IER bit 0: "received data available" (which also covers the FIFO's
 * character timeout); the only interrupt we use, so the register is
 * written whole. Reading RBR until LSR.DR clears lowers the line. */
static void ns16550_rx_irq(uintptr_t base, uint32_t shift, bool on)
{
	*reg(base, shift, IER) = on ? 0x01 : 0x00;
}

const struct uart_ops ns16550_ops = {
	.name = "ns16550a", .init = ns16550_init, .putc = ns16550_putc, .getc = ns16550_getc,
	.rx_irq = ns16550_rx_irq,
};
