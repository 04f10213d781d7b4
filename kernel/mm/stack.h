/*
 * stack.h - goroutine stacks in their own virtual window.
 */
#ifndef KERNEL_MM_STACK_H
#define KERNEL_MM_STACK_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Each goroutine owns one slot of the stack window. The top `size` bytes
 * are mapped; everything below them in the slot stays unmapped and acts as
 * the guard: touching it is reported as a stack overflow. */
#define STACK_SLOT_SIZE (1UL << 20)           /* 1 MiB of address space */
#define STACK_MIN       (8 * 1024)
#define STACK_DEFAULT   (16 * 1024)

struct stack {
	uintptr_t slot;   /* base of the slot (lowest address, unmapped) */
	uintptr_t lo;     /* lowest mapped byte */
	uintptr_t hi;     /* one past the top */
};

/* Reserve a slot and map its top `size` bytes (rounded up to 4 KiB).
 * Returns false when memory or address space runs out. */
bool stack_alloc(size_t size, struct stack *st);
/* Unmap the pages and release the slot. */
void stack_free(struct stack *st);
/* Is addr inside some slot's guard area (unmapped part)? Returns the slot
 * base, or 0. */
uintptr_t stack_guard_hit(uintptr_t addr);

#endif
