/*
 * leakcheck.c - bootargs leakcheck=1: at exit, every user goroutine still
 * blocked, with its wait reason, how long it has waited, where it waits
 * and which function created it - what go.uber.org/goleak reports after a
 * Go test. A goroutine blocked for ever (a receive from a channel nobody
 * will send on, a select whose timer case was abandoned) is a leak: its
 * stack and everything it points to stay alive until the program ends.
 *
 * Uses g->gopc and g->parentgoid, recorded by newproc (proc.c) from the
 * `go` call site, as Go's newproc1 records gopc for "created by". That
 * site is the return address of the go() call: a go() the compiler made a
 * tail call, or inlined, reports the function it landed in.
 *
 * Exit runs this while other CPUs may still run goroutines: a goroutine
 * that wakes during the report is listed as it was when looked at (a
 * report, like Go's goroutine dumps without a stopped world).
 */
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"

static void leak_report(struct g *gp, int64_t now)
{
	int64_t waited = gp->waitsince ? now - ticks_to_nanotime(gp->waitsince) : 0;
	const char *why = gp->waitreason < waitReasonCount && gp->waitreason != waitReasonZero
	                  ? waitReasonStrings[gp->waitreason] : "waiting";
	printk("leakcheck: goroutine %llu [%s, %lld ms]:\n",
	       (unsigned long long)gp->goid, why, (long long)(waited / Millisecond));
	traceback(arch_context_pc(&gp->ctx), arch_context_fp(&gp->ctx),
	          gp->stack_lo, gp->stack_hi);
	uintptr_t off = 0;
	const char *fn = symbolize(gp->gopc, &off);
	printk("created by %s+0x%lx in goroutine %llu\n", fn ? fn : "?",
	       (unsigned long)off, (unsigned long long)gp->parentgoid);
}

void leakcheck(void)
{
	int64_t now = nanotime();
	int n = 0;
	struct g *me = getg();
	spin_lock(&sched.allglock);
	for (struct g *gp = sched.allgs; gp; gp = gp->alllink) {
		if (gp == me || gp->system || gstatus(gp) != Gwaiting)
			continue;
		if (n++ < 64)           /* as the fatal-error dump: bounded */
			leak_report(gp, now);
	}
	spin_unlock(&sched.allglock);
	printk("leakcheck: %d goroutine%s still blocked at exit\n", n, n == 1 ? "" : "s");
}
