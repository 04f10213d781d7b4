/*
 * irq.c - device interrupt handlers: registration, routing, dispatch.
 *
 * Objects: a small table of (hardware irq, handler, argument), filled by
 * drivers at start-up (irq_register) and read by trap_devirq on any CPU.
 * Entries are written under irq_lock and published by a release store of
 * nirq; trap_devirq reads nirq with acquire and never sees a half-written
 * entry. Entries are never removed.
 *
 * Routing policy: each line goes to one CPU, round-robin over the CPUs
 * online in registration order (the console's receive interrupt, the
 * first device, lands on CPU 0). One CPU per line keeps the claim cheap
 * (no other CPU is woken for nothing) and spreads several busy devices.
 * Where the woken goroutine then runs is the scheduler's business
 * (iowait.c): not necessarily on the CPU that took the interrupt.
 *
 * Go has no counterpart: its netpoller gets events from the kernel.
 */
#include "kernel/io/io.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"
#include "kernel/mm/mheap.h"

#define MAX_IRQ_HANDLERS 64

struct irq_handler {
	int irq;
	void (*isr)(void *arg);
	void *arg;
};

static struct irq_handler handlers[MAX_IRQ_HANDLERS];
static int nirq;                /* published entries; atomic */
static spinlock_t irq_lock = SPINLOCK_INIT(LOCKRANK_DEVICE);

int irq_register(const struct dt_irq *dt, void (*isr)(void *arg), void *arg)
{
	int irq = arch_irq_decode(dt->cells, (int)dt->n);
	if (irq < 0)
		return -1;
	stack_nofault_enter();          /* a device lock: docs/locks.md */
	unsigned long flags = spin_lock_irqsave(&irq_lock);
	int n = nirq;
	if (n == MAX_IRQ_HANDLERS) {
		spin_unlock_irqrestore(&irq_lock, flags);
		stack_nofault_exit();
		return -1;
	}
	handlers[n] = (struct irq_handler){ .irq = irq, .isr = isr, .arg = arg };
	/* release; pairs with the acquire load in trap_devirq */
	__atomic_store_n(&nirq, n + 1, __ATOMIC_RELEASE);
	int cpu = n % ncpu;
	/* relaxed: set once at boot (release, boot/main.c), long before */
	if (!__atomic_load_n(&allm[cpu].online, __ATOMIC_RELAXED))
		cpu = 0;
	arch_irq_route(irq, cpu);
	spin_unlock_irqrestore(&irq_lock, flags);
	stack_nofault_exit();
	return irq;
}

void trap_devirq(int irq)
{
	io_latency_irq_entry();
	int n = __atomic_load_n(&nirq, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++) {
		if (handlers[i].irq == irq) {
			handlers[i].isr(handlers[i].arg);
			return;
		}
	}
	/* Never routed by us: the controller completes it; say so once. */
	static bool warned;
	if (!warned) {
		warned = true;
		printk("runtime: unexpected device interrupt %d\n", irq);
	}
}
