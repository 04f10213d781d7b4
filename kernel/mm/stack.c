/*
 * stack.c - goroutine stacks: 1 MiB slots of virtual address space, mapped
 * from the top, with an unmapped guard below.
 *
 * Objects: slots in the stack window [STACK_REGION_BASE, +SIZE), numbered
 * from 0. A slot is free (on the free list, nothing mapped) or in use (its
 * top pages mapped to physical pages from the page heap). Slots are handed
 * out by a bump index and recycled through a free list (stack.lock).
 *
 * Go allocates contiguous stacks and copies them to grow; here we own the
 * page tables, so a stack is a fixed virtual slot whose mapped part can
 * later grow downwards on a page fault without moving (the memory issue).
 * Until then the mapped size is fixed at spawn and a fault below it is a
 * stack overflow, reported with the goroutine's name.
 */
#include "kernel/mm/stack.h"
#include "kernel/mm/mheap.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/print.h"
#include "arch.h"

static struct {
	spinlock_t lock;
	uint64_t next;          /* next never-used slot index; stack.lock */
	uintptr_t freelist[4096]; /* recycled slot bases; stack.lock */
	int nfree;
} stk;

#define NSLOTS (STACK_REGION_SIZE / STACK_SLOT_SIZE)

static uintptr_t slot_get(void)
{
	uintptr_t base = 0;
	spin_lock(&stk.lock);
	if (stk.nfree > 0)
		base = stk.freelist[--stk.nfree];
	else if (stk.next < NSLOTS)
		base = STACK_REGION_BASE + (stk.next++) * STACK_SLOT_SIZE;
	spin_unlock(&stk.lock);
	return base;
}

static void slot_put(uintptr_t base)
{
	spin_lock(&stk.lock);
	if (stk.nfree < (int)(sizeof stk.freelist / sizeof stk.freelist[0]))
		stk.freelist[stk.nfree++] = base;
	/* else: the slot's address space is leaked; 128 GiB of window makes
	 * that harmless in practice. */
	spin_unlock(&stk.lock);
}

static void unmap_range(uintptr_t lo, uintptr_t hi)
{
	for (uintptr_t va = lo; va < hi; va += MMU_PAGE_SIZE) {
		uintptr_t pa = arch_unmap_page(va);
		if (pa == 0)
			continue;
		/* Two 4 KiB halves make one runtime page; free it when we
		 * reach its lower half (slots are runtime-page aligned). */
		if ((va & (PAGE_SIZE - 1)) == 0)
			mheap_free_pages((void *)pa, 1);
		mheap_account_stack(-1);
	}
}

bool stack_alloc(size_t size, struct stack *st)
{
	size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (size < STACK_MIN)
		size = STACK_MIN;
	if (size > STACK_SLOT_SIZE - PAGE_SIZE)
		size = STACK_SLOT_SIZE - PAGE_SIZE;
	uintptr_t base = slot_get();
	if (base == 0)
		return false;
	uintptr_t hi = base + STACK_SLOT_SIZE, lo = hi - size;
	for (uintptr_t va = lo; va < hi; va += PAGE_SIZE) {
		uint8_t *pg = mheap_alloc_pages(1);
		if (pg == NULL) {
			unmap_range(lo, va);
			slot_put(base);
			return false;
		}
		arch_map_page(va, (uintptr_t)pg);
		arch_map_page(va + MMU_PAGE_SIZE, (uintptr_t)pg + MMU_PAGE_SIZE);
		mheap_account_stack(2);
	}
	st->slot = base;
	st->lo = lo;
	st->hi = hi;
	return true;
}

void stack_free(struct stack *st)
{
	unmap_range(st->lo, st->hi);
	slot_put(st->slot);
	st->slot = st->lo = st->hi = 0;
}

uintptr_t stack_guard_hit(uintptr_t addr)
{
	if (addr < STACK_REGION_BASE || addr >= STACK_REGION_BASE + STACK_REGION_SIZE)
		return 0;
	uintptr_t base = addr & ~(STACK_SLOT_SIZE - 1);
	return arch_translate(addr) == 0 ? base : 0;
}
