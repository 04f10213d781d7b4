/*
 * asan.c - goroutine stacks as AddressSanitizer fibers (docs/hosted.md,
 * "Sanitizers"). Compiled into every hosted build, empty unless
 * -fsanitize=address (kernel/lib/asan.h says which).
 *
 * ASan keeps, per thread, the bounds of the stack the thread runs on: its
 * reports name stack addresses by them, and __asan_handle_no_return (which
 * the compiler calls before every _Noreturn call, throw and arch_longjmp
 * among them) unpoisons the frames being abandoned, from sp to the stack's
 * top. The runtime moves threads between stacks behind its back - a
 * pthread to its CPU's boot stack (hosted_enter_stack), a CPU between g0
 * and goroutines (arch_switch), or to a fresh context on the same stack
 * (arch_longjmp) - so the port says so with ASan's fiber API:
 * __sanitizer_start_switch_fiber(save, bottom, size) before the switch,
 * __sanitizer_finish_switch_fiber(save, ...) once on the new stack.
 *
 * Objects: each struct context carries the bounds of its stack (stack_lo,
 * stack_hi), set by arch_context_init for a new goroutine context and by
 * arch_switch from this thread's current bounds when it saves one (g0's
 * context is only ever saved, never made); cur_lo/cur_hi are the bounds of
 * the stack this thread runs on, written only by this thread before it
 * switches (after the switch the goroutine may be on another thread, whose
 * copy the switcher already set).
 *
 * Why the fiber API and not only unpoisoning: a goroutine that exits, or a
 * panic that unwinds by arch_longjmp, leaves its instrumented frames'
 * redzones poisoned in the shadow; handle_no_return clears them only when
 * it knows the stack's top. With the bounds right, a reused stack starts
 * clean, and a report about a goroutine stack says "stack" of the right
 * goroutine. ASan's fake stacks (detect_stack_use_after_return, off by
 * default) must stay off: the switch passes none.
 */
#include "arch.h"
#include "hosted.h"

#if GORT_ASAN
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/asan_interface.h>

/* A goroutine stack's lowest usable byte is not known here (the slot size
 * is the portable stack code's); ASan needs it only to tell stack addresses
 * in reports and to bound handle_no_return, so a generous guess will do.
 * Below 64 MiB: ASan warns when asked to unpoison more than that. */
#define FIBER_SPAN (32UL << 20)

static __thread uintptr_t cur_lo, cur_hi;

void hosted_switch(struct context *from, struct context *to);

void arch_switch(struct context *from, struct context *to)
{
	void *fake_stack;
	from->stack_lo = cur_lo;
	from->stack_hi = cur_hi;
	cur_lo = to->stack_lo;
	cur_hi = to->stack_hi;
	__sanitizer_start_switch_fiber(&fake_stack, (void *)to->stack_lo,
	                               to->stack_hi - to->stack_lo);
	hosted_switch(from, to);
	__sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
}

/* arch_longjmp stays on the goroutine's stack, but a context made by
 * arch_context_init starts in fiber_start, which ends a switch: one must
 * have begun (the frames left behind are abandoned, hence NULL). */
void hosted_longjmp(const struct context *c);
void context_start(void);

_Noreturn void arch_longjmp(const struct context *c)
{
	if (c->rip == (uintptr_t)context_start)
		__sanitizer_start_switch_fiber(NULL, (void *)c->stack_lo,
		                               c->stack_hi - c->stack_lo);
	hosted_longjmp(c);
	__builtin_unreachable();
}

/* A recycled G's stack still holds the shadow poison of the frames its
 * last life never returned from (goexit1 and the hand-off under it, left
 * by their final switch, a few frames below the stack's top): fiber_start
 * clears this much below its own frame before the new frames land there. */
#define FIBER_STALE_SPAN (32UL << 10)

/* A fresh context's first code (context_start calls it with r12, r13):
 * the switch to it ends here. */
static _Noreturn void fiber_start(void *arg, void (*entry)(void *))
{
	__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	if (sp - FIBER_STALE_SPAN >= cur_lo)
		__asan_unpoison_memory_region((void *)(sp - FIBER_STALE_SPAN), FIBER_STALE_SPAN);
	entry(arg);
	__builtin_unreachable();
}

/* arch_context_init's ASan half: the bounds, and fiber_start first. */
void hosted_asan_context(struct context *c, uintptr_t stack_top)
{
	c->r13 = c->rbx;
	c->rbx = (uintptr_t)fiber_start;
	c->stack_hi = stack_top;
	c->stack_lo = stack_top - FIBER_SPAN;
	if (stack_top >= STACK_REGION_BASE && c->stack_lo < STACK_REGION_BASE)
		c->stack_lo = STACK_REGION_BASE;
}

/* The thread leaves its pthread stack for good, to [lo, hi). */
void hosted_asan_leave(uintptr_t lo, uintptr_t hi)
{
	cur_lo = lo;
	cur_hi = hi;
	__sanitizer_start_switch_fiber(NULL, (void *)lo, hi - lo);
}

/* First thing on the new stack. */
void hosted_asan_arrive(void)
{
	__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
}
#endif
