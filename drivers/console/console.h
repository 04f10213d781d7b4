/*
 * console.h - the system console: one UART, written a whole line at a time.
 */
#ifndef DRIVERS_CONSOLE_H
#define DRIVERS_CONSOLE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct bootinfo;

/* Use the UART the device tree names. */
void console_init(const struct bootinfo *bi);
/* Use the architecture's documented fallback UART (QEMU virt's), for
 * reporting a broken device tree. */
void console_init_fallback(void);
/* Write n bytes atomically with respect to other CPUs. */
void console_write(const char *s, size_t n);
/* Fatal path: stop honouring the lock after a bounded wait, so that a CPU
 * that died holding it cannot silence the fatal report. */
void console_panic_mode(void);
/* The console UART's driver and registers (NULL before console_init). */
struct uart_ops;
const struct uart_ops *console_uart(uintptr_t *base, uint32_t *shift);

/* Console input (input.c): route the UART's receive interrupt and arm it.
 * Boot CPU, after every CPU is online. Console_Read (gort.h) reads. */
void console_input_init(void);

#endif
