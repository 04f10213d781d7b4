/*
 * tsan.c - goroutines as ThreadSanitizer fibers, and interrupts TSan does
 * not see (docs/hosted.md, "Sanitizers"). Compiled into every hosted
 * build, empty unless -fsanitize=thread (GORT_TSAN, kernel/lib/asan.h).
 *
 * Fibers. TSan keeps a vector clock and a shadow call stack per thread;
 * the runtime runs many goroutines on one thread and moves them between
 * threads, so each goroutine stack is a TSan fiber and every arch_switch
 * tells TSan which fiber runs next (__tsan_switch_to_fiber) before the
 * assembly switch (hosted_switch, context.S). g0 needs no fiber of its
 * own: it is its thread's (the fiber arch_switch finds current when it
 * saves g0's context).
 *
 *   One fiber per goroutine stack, not per context: a G has two contexts
 *   on one stack, g->ctx (made by newproc for each goroutine the G runs)
 *   and g->base.ctx (made once, reached only by arch_longjmp, on the same
 *   goroutine). fibers[] holds the fiber of each stack, indexed by the
 *   stack-window page of the stack's top. arch_context_init of a context
 *   on a stack destroys the stack's old fiber (its goroutine is dead: no
 *   thread runs on it) and creates a new one, so a recycled G starts with
 *   an empty shadow stack (an exited goroutine never returned from its
 *   frames) and with the clock of the goroutine that made it, as a `go`
 *   statement orders the child after its parent.
 *
 *   The switch synchronises (flags 0, not
 *   __tsan_fiber_switch_flag_no_sync): it is a release by the fiber left
 *   and an acquire by the fiber entered. The runtime hands a goroutine
 *   over through g0: a channel send readies the receiver (runqput, a
 *   release the next g0 acquires), and the receiver, once g0 switches to
 *   it, reads what the sender wrote. Without a synchronising switch what
 *   g0 acquired would stay g0's and every such hand-off would be a report.
 *   The price: goroutines that run one after another on one M are ordered
 *   by it, so a race between two goroutines shows only when they run on
 *   two Ms at once (or one after the other on two Ms with no runtime
 *   synchronisation between them).
 *
 *   arch_longjmp stays on its goroutine's fiber. The frames it abandons
 *   stay on the fiber's shadow stack until the G's next goroutine (a few
 *   entries per recovered panic).
 *
 * Interrupts. TSan's sigaction interceptor runs an asynchronous signal's
 * handler only at the thread's next interceptor call, with a copy of the
 * ucontext: a redirected return (async preemption) would be lost, and
 * wfi's raw futex sleep would never take a timer. So in a TSan build the
 * port installs its handlers with the raw rt_sigaction system call
 * (hosted_sigaction) and TSan never learns of them. A handler then runs
 * as part of whatever the thread was doing, on its current fiber: the
 * interrupt handler acts only when the interrupted pc is in the
 * executable's own text, never inside libtsan.so or libc (signal.c's
 * in_own_text, the same test that keeps libc from being preempted), so
 * TSan's state is never half-updated under it; elsewhere the signal is
 * retried 20 us later. An injected asyncPreempt then switches through
 * arch_switch like any other switch, and TSan sees that fiber switch.
 * The handler's own time reads go to glibc's clock_gettime directly, not
 * to TSan's interceptor (libc_clock_gettime).
 */
#include "arch.h"
#include "hosted.h"
#include "kernel/lib/print.h"
#include "kernel/lib/asan.h"

#if GORT_TSAN
#include <dlfcn.h>
#include <time.h>
#include <sys/mman.h>

void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);

#define PAGE 4096UL

/* TSan's runtime is a shared library (mk/hosted.mk): it must be set up
 * before any library's constructor calls an interceptor, as the static
 * runtime's own .preinit_array entry does (the executable's
 * DT_PREINIT_ARRAY runs first). A second call is a no-op. */
void __tsan_init(void);
__attribute__((section(".preinit_array"), used))
static void (*const tsan_preinit)(void) = __tsan_init;

/* Per stack-window page: the fiber of the stack whose top is in it, or
 * NULL. Written by arch_context_init (the G is dead or new, owned by the
 * caller), read by nothing else: the context carries its fiber. */
static void **fibers;

void hosted_switch(struct context *from, struct context *to);
void hosted_longjmp(const struct context *c);

/* Not instrumented, so that nothing is recorded between the fiber switch
 * and the stack switch (it would count as the other fiber's). */
HOSTED_NO_TSAN void arch_switch(struct context *from, struct context *to)
{
	from->fiber = __tsan_get_current_fiber();
	__tsan_switch_to_fiber(to->fiber, 0);
	hosted_switch(from, to);
}

HOSTED_NO_TSAN _Noreturn void arch_longjmp(const struct context *c)
{
	hosted_longjmp(c);
	__builtin_unreachable();
}

static int (*libc_gettime)(clockid_t, struct timespec *);

/* Before kmain, on the main thread: the fiber table (NORESERVE, touched
 * only where stacks are) and glibc's clock_gettime. */
void hosted_tsan_init(void)
{
	fibers = mmap(NULL, STACK_REGION_SIZE / PAGE * sizeof(void *),
	              PROT_READ | PROT_WRITE,
	              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	if (libc != NULL)
		libc_gettime = (int (*)(clockid_t, struct timespec *))dlsym(libc, "clock_gettime");
	if (fibers == MAP_FAILED || libc_gettime == NULL) {
		static const char msg[] = "hosted: TSan set-up failed\n";
		hosted_syscall(SYS_write, 2, (long)msg, sizeof msg - 1, 0, 0, 0);
		hosted_syscall(SYS_exit_group, 2, 0, 0, 0, 0, 0);
	}
}

/* Destroy a fiber, making it current for an instant first. LLVM 14's
 * runtime sets up a fiber's trace when the fiber first records an event
 * (a synchronising switch to it is one); destroying a fiber that never
 * ran walks a trace that was never set up, and after some thousands of
 * them TSan's state breaks (a crash in ThreadContext::OnFinished). Such
 * fibers exist: a G's g->base.ctx (defer.c's baseframe_init) gets one
 * that only arch_longjmp reaches, which keeps the current fiber, and its
 * stack's next context destroys it unused. Not instrumented: nothing may
 * be recorded on the wrong fiber between the two switches. */
HOSTED_NO_TSAN static void fiber_destroy(void *fiber)
{
	void *cur = __tsan_get_current_fiber();
	__tsan_switch_to_fiber(fiber, 0);
	__tsan_switch_to_fiber(cur, 0);
	__tsan_destroy_fiber(fiber);
}

/* arch_context_init's TSan half: the stack's fiber, made anew. */
void hosted_tsan_context(struct context *c, uintptr_t stack_top)
{
	if (stack_top <= STACK_REGION_BASE || stack_top > STACK_REGION_BASE + STACK_REGION_SIZE)
		throw("hosted: a context outside the stack window (%#lx)", (unsigned long)stack_top);
	void **slot = &fibers[(stack_top - 1 - STACK_REGION_BASE) / PAGE];
	if (*slot != NULL)
		fiber_destroy(*slot);
	*slot = __tsan_create_fiber(0);
	c->fiber = *slot;
}

/* A fault inside TSan's runtime (a goroutine stack growing under one of
 * its hooks, its memcpy storing into a write-protected page): the fault
 * path runs instrumented code while TSan may hold the thread's own locks.
 * on is true around that path: TSan then ignores its memory accesses and
 * its atomics' synchronisation, which is what would take those locks. */
void AnnotateIgnoreSyncBegin(const char *file, int line);
void AnnotateIgnoreSyncEnd(const char *file, int line);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);

/* Nesting depth of hosted_tsan_quiet on this thread (a CPU: the handler
 * runs masked, so no goroutine switch happens inside). */
static __thread int quiet;

HOSTED_NO_TSAN void hosted_tsan_quiet(bool on)
{
	if (on) {
		quiet++;
		__tsan_ignore_thread_begin();
		AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
	} else {
		AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
		__tsan_ignore_thread_end();
		quiet--;
	}
}

HOSTED_NO_TSAN bool tsan_fault_quiet(void)
{
	return quiet > 0;
}

/* ---- interrupts TSan does not see ----------------------------------------- */

/* The kernel's struct sigaction (x86-64): the mask is one word. */
struct ksigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};
#define KSA_RESTORER 0x04000000UL

/* A handler installed without glibc returns through this, as glibc's
 * __restore_rt: the rt_sigreturn system call. */
void hosted_sigreturn(void);
__asm__(".text\n"
        ".globl hosted_sigreturn\n"
        ".type hosted_sigreturn, @function\n"
        "hosted_sigreturn:\n"
        "\tmovq $15, %rax\n"            /* SYS_rt_sigreturn */
        "\tsyscall\n"
        ".size hosted_sigreturn, . - hosted_sigreturn\n");

void hosted_sigaction(int sig, const struct sigaction *sa)
{
	struct ksigaction k = {
		.handler = sa->sa_sigaction,
		.flags = (unsigned long)sa->sa_flags | KSA_RESTORER,
		.restorer = hosted_sigreturn,
	};
	for (int s = 1; s <= 64; s++)
		if (sigismember(&sa->sa_mask, s) == 1)
			k.mask |= 1ull << (s - 1);
	if (hosted_syscall(SYS_rt_sigaction, sig, (long)&k, 0, 8, 0, 0) != 0)
		throw("hosted: rt_sigaction(%d) failed", sig);
}

/* glibc's own clock_gettime, past TSan's interceptor (which a signal
 * handler must not enter: the thread may be inside libtsan). */
HOSTED_NO_TSAN int hosted_clock_gettime(clockid_t clk, struct timespec *ts)
{
	return libc_gettime(clk, ts);
}
#endif
