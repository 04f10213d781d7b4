/*
 * io.h - goroutines waiting on devices: the bare-metal netpoller
 * (docs/devices.md).
 *
 * Three pieces, portable; the interrupt controller is the arch's
 * (arch_irq_decode, arch_irq_route, trap_devirq in arch/arch.h):
 *
 *   irq.c    - which handler a device interrupt runs, and which CPU gets it.
 *   iowait.c - struct iowait, one goroutine's wait for one device event:
 *              the goroutine parks ("IO wait"), the interrupt handler
 *              readies it. Readied goroutines go on a lock-free list that
 *              the scheduler drains (ioready_get), as Go's findrunnable
 *              drains netpoll: no scheduler lock is taken in an interrupt.
 *
 * The driver's side of a wait, in this order (the order loses no wake-up):
 *
 *     for (;;) {
 *             arm the device (enable its interrupt / submit the request);
 *             if (the condition holds: data buffered, request done) break;
 *             iowait_park(&w);
 *     }
 *
 * and in its interrupt handler: record the event (data, status), quieten the
 * device, then iowait_ready(&w). An event between "arm" and the park is
 * remembered by w (IOW_READY), and iowait_park then returns at once.
 */
#ifndef KERNEL_IO_IO_H
#define KERNEL_IO_IO_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "kernel/dt/bootinfo.h"

struct g;

/* ---- interrupts (irq.c) ---- */

/* Run isr(arg) for every interrupt of the device-tree interrupt irq, in
 * interrupt context (interrupts masked, on the trap stack: it may not
 * block, allocate or take a lock without masking interrupts), and enable
 * the line on a CPU chosen here. Returns the hardware number, or -1 if the
 * specifier cannot be routed (no controller, unknown form, table full). */
int irq_register(const struct dt_irq *irq, void (*isr)(void *arg), void *arg);

/* ---- device waits (iowait.c) ---- */

/* One waiter's rendezvous with an interrupt handler. state is IOW_NONE,
 * IOW_READY (an event arrived and nobody has seen it yet), or the parked
 * G; atomic. Zero is ready to use. At most one goroutine waits on one
 * iowait at a time (drivers serialise their waiters). */
struct iowait {
	uintptr_t state;
	int64_t irq_ns;         /* latency probe: when the readying interrupt
	                           was taken (nanotime); only while measuring */
};
#define IOW_NONE  ((uintptr_t)0)
#define IOW_READY ((uintptr_t)1)

/* Park the calling goroutine ("IO wait") until iowait_ready(w), unless an
 * event arrived since the last iowait_park returned. Either way the event
 * is consumed. Goroutine context, holding no spinlock. */
void iowait_park(struct iowait *w);

/* Interrupt context (or any context): record an event on w and ready its
 * goroutine if one is parked. */
void iowait_ready(struct iowait *w);

/* Scheduler (g0, holding P pp): the goroutines device interrupts readied,
 * oldest first - the first returned, the rest queued on pp. NULL if none.
 * Cheap when there are none (one relaxed load). */
struct p;
struct g;
extern struct g *ioready;      /* the stack of readied Gs (iowait.c) */
struct g *ioready_take(struct p *pp);

/* Are goroutines readied by interrupts waiting to be queued? (racy hint
 * for the idle loop, which rechecks under its own protocol) */
static inline bool ioready_pending(void)
{
	/* relaxed: a hint; ioready_take's exchange is the real read */
	return __atomic_load_n(&ioready, __ATOMIC_RELAXED) != NULL;
}

/* Inline: findrunnable asks on every switch. */
static inline struct g *ioready_get(struct p *pp)
{
	return ioready_pending() ? ioready_take(pp) : NULL;
}

/* User goroutines parked in IO wait or readied but not yet queued: they
 * can still run, so deadlock detection must not fire. seq_cst load. */
int32_t io_nwait(void);

/* Benchmarks (bench/devio): while on, every goroutine woken from IO wait
 * records the time from the readying interrupt's entry (trap_devirq) to
 * running again, in ns (instructions under -icount), into samples[0..cap).
 * io_latency_stop returns how many were recorded. Off: no cost but a
 * relaxed load per interrupt and per wake. */
void io_latency_start(int64_t *samples, int cap);
int io_latency_stop(void);
/* Internal to kernel/io: the interrupt entry time, if measuring. */
void io_latency_irq_entry(void);

/* ---- the debug console (sigquit.c) ---- */

/* Boot: start the goroutine that prints the dump. */
void sigquit_init(void);
/* Interrupt context: Ctrl-\ was typed; dump every goroutine soon. */
void sigquit_raise(void);

#endif
