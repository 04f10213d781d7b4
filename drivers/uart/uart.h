/*
 * uart.h - the console UART drivers (ns16550a, pl011, sifive,uart0).
 *
 * The console picks one driver from bootinfo. Output is polled: putc
 * waits for room in the transmit FIFO. Input is interrupt-driven: rx_irq
 * turns the receive interrupt (data waiting, or the receive timeout) on or
 * off, and getc drains the FIFO, which also lowers the line. They take no
 * locks; the console (drivers/console/) serialises whole lines, and
 * rx_irq writes the whole interrupt-mask register (no read-modify-write),
 * so the reader arming it and the handler disarming it need no lock.
 */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdint.h>
#include <stdbool.h>

struct uart_ops {
	const char *name;
	void (*init)(uintptr_t base, uint32_t reg_shift);
	void (*putc)(uintptr_t base, uint32_t reg_shift, char c);
	int  (*getc)(uintptr_t base, uint32_t reg_shift); /* -1 if none waiting,
	                                                    UART_RX_END if none will come */
	void (*rx_irq)(uintptr_t base, uint32_t reg_shift, bool on);
};

/* getc: the input has ended, no byte will ever come. A board's UART
 * never says it; the hosted port's does at the end of stdin
 * (arch/hosted/uart_rx.c). */
#define UART_RX_END (-2)

extern const struct uart_ops ns16550_ops;
extern const struct uart_ops pl011_ops;
extern const struct uart_ops sifive_uart_ops;

#endif
