/*
 * heapwindow.h - heap addresses and physical addresses.
 *
 * RAM at physical address pa is mapped at HEAP_REGION_BASE + pa (arch.h,
 * arch_mmu_init), and every heap pointer is such an address: the heap lives
 * far from the small integers, tick counts and nanosecond times that a
 * conservative scan would otherwise take for pointers (docs/memory.md,
 * "The heap window"). heap_phys gives the physical address of a heap
 * pointer (what a page-table entry holds), heap_va the heap address of a
 * physical one. Devices need physical addresses too: drivers get them from
 * arch_translate, which works for every mapped address.
 */
#ifndef KERNEL_MM_HEAPWINDOW_H
#define KERNEL_MM_HEAPWINDOW_H

#include <stdint.h>
#include "arch/arch.h"       /* HEAP_REGION_BASE (from host tests too) */

static inline uintptr_t heap_phys(const void *p)
{
	return (uintptr_t)p - HEAP_REGION_BASE;
}

static inline void *heap_va(uintptr_t pa)
{
	return (void *)(pa + HEAP_REGION_BASE);
}

#endif
