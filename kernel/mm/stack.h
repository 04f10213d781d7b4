/*
 * stack.h - goroutine stacks: fixed virtual slots that grow on demand.
 */
#ifndef KERNEL_MM_STACK_H
#define KERNEL_MM_STACK_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Each goroutine owns one slot of the stack window (arch.h). The slot's
 * size is the reservation (bootarg stacksize=KiB, default 1 MiB, rounded up
 * to a power of two). Its lowest runtime page is never mapped: the guard.
 * Stack pages are 4 KiB MMU pages; at first only the top one is mapped
 * (the G struct sits at its top), and a fault below the mapped part, above
 * the goroutine's limit, maps the missing pages (trap_fault). */
#define STACK_GUARD   8192UL          /* unmapped bottom of every slot */
#define STACK_INITIAL 4096UL          /* mapped when a goroutine is made */
#define STACK_KEEP    16384UL         /* a dead G keeps this much mapped */
#define STACK_MIN     8192UL          /* smallest limit go_stack accepts */

struct stack {
	uintptr_t slot;   /* base of the slot (lowest address, the guard) */
	uintptr_t lo;     /* lowest mapped byte */
	uintptr_t hi;     /* one past the top of the slot */
};

/* Boot: set the reservation from the stacksize flag (KiB). */
void stack_init(size_t reserve_kib);
size_t stack_reserve(void);               /* slot size in bytes */

/* Reserve a slot and map its top STACK_INITIAL bytes. False when memory or
 * address space runs out. */
bool stack_alloc(struct stack *st);
/* Map the pages from *mapped_lo down to the one holding addr; updates
 * *mapped_lo. Callable from the fault handler (see stack.c). False when out
 * of memory. */
bool stack_grow(uintptr_t *mapped_lo, uintptr_t addr);
/* Unmap [*mapped_lo, keep_lo) and give the pages back; *mapped_lo = keep_lo. */
void stack_shrink(uintptr_t *mapped_lo, uintptr_t keep_lo);
/* The slot containing addr if addr is in the stack window, else 0. */
uintptr_t stack_slot_of(uintptr_t addr);
/* End of the part of the stack window ever handed out as slots (the GC
 * barrier's stack range is [STACK_REGION_BASE, this)). Lock-free. */
uintptr_t stack_window_end(void);

#endif
