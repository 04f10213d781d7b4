/*
 * relax.c - the hosted port's spin-wait hint: pause, and now and then give
 * the host CPU away (pause-loop exiting).
 *
 * On a board every CPU runs until it halts, so a CPU spinning on a lock
 * knows that the holder is making progress. A hosted CPU is a thread, and
 * the Linux scheduler may take the host CPU away from it at any
 * instruction - also while it holds a spinlock. Its waiter then spins for
 * the rest of its own time slice (milliseconds: measured up to 12 ms per
 * wait in bench/vs-go's ring at smp 2 on a loaded host, 80-95 ms per run),
 * and when both threads share one host CPU the holder cannot even run
 * until the waiter's slice ends.
 *
 * Virtual machines have the same problem with virtual CPUs, and hardware
 * solves it below the guest: pause-loop exiting (Intel) or the pause filter
 * (AMD) counts the PAUSEs a vCPU executes in a tight loop and, past a
 * window of some thousand cycles, traps to the hypervisor, which runs
 * another vCPU (preferably the preempted lock holder). This is that
 * mechanism for threads: every HOSTED_RELAX_WINDOW-th relax of a thread is
 * a sched_yield, which lets the host run another thread - the holder, if
 * it waits for this host CPU. It is mechanism, not policy: no waiter in
 * kernel/ changes what it waits for or how long; only the host CPU under
 * the wait is lent out, as the hypervisor lends out a pause-looping vCPU.
 * A yield with nothing else to run returns at once (about a microsecond).
 *
 * The count is per thread and not reset between waits (a board's pause
 * filter is reset by time; reading the clock here would cost more than the
 * pause), so a short wait now and then yields once: at most one system
 * call per HOSTED_RELAX_WINDOW pauses.
 *
 * Masked while counting: a goroutine that spins (sync.Mutex's spin phase)
 * could otherwise move to another thread between the load of the
 * thread-local count and its store.
 */
#include "arch.h"
#include "hosted.h"

/* About 256 pauses: 10-40 us depending on the CPU's PAUSE latency, the
 * order of a hardware pause-loop window and of Go's lock spin (which
 * yields after 4 x 30 pauses). */
#define HOSTED_RELAX_WINDOW 256u

static __thread uint32_t relax_count;

HOSTED_NO_TSAN void hosted_relax_tick(void)
{
	unsigned long f = arch_irq_save();
	bool yield = ++relax_count % HOSTED_RELAX_WINDOW == 0;
	arch_irq_restore(f);
	if (yield)
		hosted_syscall(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}
