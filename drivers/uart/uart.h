/*
 * uart.h - the console UART drivers (ns16550a, pl011).
 *
 * The console picks one driver from bootinfo. Drivers are polled: putc
 * waits for room in the transmit FIFO. They take no locks; the console
 * (drivers/console/console.c) serialises whole lines.
 */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdint.h>

struct uart_ops {
	const char *name;
	void (*init)(uintptr_t base, uint32_t reg_shift);
	void (*putc)(uintptr_t base, uint32_t reg_shift, char c);
	int  (*getc)(uintptr_t base, uint32_t reg_shift); /* -1 if none waiting */
};

extern const struct uart_ops ns16550_ops;
extern const struct uart_ops pl011_ops;

#endif
