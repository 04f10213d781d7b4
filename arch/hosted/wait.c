/*
 * wait.c - the waits of a hosted CPU that may sleep (arch.h:
 * ARCH_WAIT_SLEEPS, arch_nap).
 *
 * On a board a CPU that waits for another CPU spins: nothing else could
 * use the processor. A hosted CPU is a thread. While it spins it keeps a
 * host processor that another thread could use, and whatever it looks at
 * pulls cache lines away from the CPU it waits for. Where the wait is a
 * guess rather than a handshake - a thief giving a busy P time to run its
 * own runnext (kernel/sched/findrunnable.c) - it sleeps instead, as Go's
 * runtime does in the same place (usleep(3) in runqgrab).
 *
 * Raw system calls (hosted.h): a signal that lands in the sleep finds the
 * pc in the executable and is taken at once; the sleep then ends early
 * (EINTR), which a nap allows.
 */
#include "arch.h"
#include "hosted.h"

/* A nanosleep: Linux adds the thread's timer slack (50 us by default), so
 * a nap of a few microseconds lasts some tens - as Go's usleep(3) does.
 * The kernel only reads the timespec (no remainder is asked for), so it
 * may be on any stack. */
void hosted_nap(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	hosted_syscall(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
}
