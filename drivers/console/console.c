/*
 * console.c - line-atomic console output over the device tree's UART.
 *
 * Every writer hands over a complete line (printk formats into a buffer
 * first; stdio output is buffered per goroutine until '\n'), and the whole
 * line goes out under one spinlock, so lines from different CPUs never
 * interleave. The lock masks interrupts so that the fatal-trap path on the
 * same CPU cannot deadlock against an interrupted writer; in panic mode a
 * writer that cannot get the lock within a bounded spin writes anyway.
 */
#include "drivers/console/console.h"
#include "drivers/uart/uart.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/lib/spinlock.h"
#include "kernel/mm/mheap.h"
#include "arch.h"

static const struct uart_ops *uart;
static uintptr_t uart_base;
static uint32_t uart_shift;
static spinlock_t console_lock = SPINLOCK_INIT(LOCKRANK_CONSOLE);
static bool panicking;   /* set once by the fatal path; racy reads are fine */

void console_init(const struct bootinfo *bi)
{
	switch (bi->uart) {
	case UART_NS16550: uart = &ns16550_ops; break;
	case UART_PL011:   uart = &pl011_ops; break;
	case UART_SIFIVE:  uart = &sifive_uart_ops; break;
	default:           console_init_fallback(); return;
	}
	uart_base = (uintptr_t)bi->uart_base;
	uart_shift = bi->uart_reg_shift;
	uart->init(uart_base, uart_shift);
}

static void firmware_putc(uintptr_t base, uint32_t shift, char c)
{
	(void)base, (void)shift;
	arch_firmware_putc(c);
}

static void firmware_init(uintptr_t base, uint32_t shift)
{
	(void)base, (void)shift;
}

/* The firmware's console: output only, a trap per byte. */
static const struct uart_ops firmware_console_ops = {
	.name = "firmware", .init = firmware_init, .putc = firmware_putc,
};

/* No usable device tree: the firmware's console where the architecture
 * has one on every board, else QEMU virt's UART (a guess that is right
 * under QEMU). Only the report of the broken tree goes out here. */
void console_init_fallback(void)
{
	if (ARCH_HAS_FIRMWARE_CONSOLE) {
		uart = &firmware_console_ops;
		return;
	}
	uart = ARCH_FALLBACK_UART_PL011 ? &pl011_ops : &ns16550_ops;
	uart_base = ARCH_FALLBACK_UART_BASE;
	uart_shift = 0;
	uart->init(uart_base, uart_shift);
}

static void write_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart->putc(uart_base, uart_shift, '\r');
		uart->putc(uart_base, uart_shift, s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	if (uart == NULL)
		return;
	/* No stack fault while the console is held: the fault handler takes
	 * the stack and heap locks, which rank below the console (a printk is
	 * allowed under any lock). */
	stack_nofault_enter();
	unsigned long flags;
	bool locked = true;
	if (!panicking) {
		flags = spin_lock_irqsave(&console_lock);
	} else {
		flags = arch_irq_save();
		locked = false;
		for (int i = 0; i < 1000000 && !locked; i++)
			locked = spin_trylock(&console_lock);
	}
	write_raw(s, n);
	if (locked)
		spin_unlock_irqrestore(&console_lock, flags);
	else
		arch_irq_restore(flags);
	stack_nofault_exit();
}

void console_panic_mode(void)
{
	panicking = true;
}

const struct uart_ops *console_uart(uintptr_t *base, uint32_t *shift)
{
	*base = uart_base;
	*shift = uart_shift;
	return uart;
}
