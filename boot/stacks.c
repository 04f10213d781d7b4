/*
 * stacks.c - per-CPU boot and trap stacks.
 *
 * Each CPU starts on its boot stack, which then serves as its M's g0 stack
 * (the scheduler's own stack). Traps run on a separate per-CPU trap stack,
 * so that a fault caused by an exhausted goroutine stack can still be
 * reported. Both live in .bss; the image's size does not grow with them.
 */
#include "arch.h"

/* In .bss.noscan: the GC scans only the in-use part of a g0 stack. */
static uint8_t boot_stacks[MAXCPU][BOOT_STACK_SIZE]
	__attribute__((aligned(16), section(".bss.noscan.boot")));
static uint8_t trap_stacks[MAXCPU][TRAP_STACK_SIZE]
	__attribute__((aligned(16), section(".bss.noscan.trap")));

uintptr_t boot_stack_top(int cpu)
{
	return (uintptr_t)&boot_stacks[cpu][BOOT_STACK_SIZE];
}

uintptr_t trap_stack_top(int cpu)
{
	return (uintptr_t)&trap_stacks[cpu][TRAP_STACK_SIZE];
}
