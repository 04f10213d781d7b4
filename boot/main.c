/*
 * main.c - portable boot: from the architecture's entry code to the first
 * goroutine.
 *
 * Boot CPU (kmain), in order:
 *   1. its M and trap vector, so that any fault from here on is reported;
 *   2. the device tree: everything about the board comes from it. A broken
 *      tree is fatal, reported on the architecture's fallback UART;
 *   3. console, boot flags, page tables (MMU on), page heap, clock;
 *   4. the scheduler: Ps, the boot M holding P0; the semaphore table;
 *   5. every other CPU, started through the firmware (SBI HSM / PSCI);
 *      each comes up in secondary_main and parks in the idle loop;
 *   6. goroutine 1 runs the application's main(); the boot CPU becomes an
 *      ordinary M in the scheduler.
 * When main returns, the machine powers off with its status.
 */
#include "boot/boot.h"
#include "arch.h"
#include "kernel/dt/bootinfo.h"
#include "kernel/dt/atags.h"
#include "kernel/lib/bootargs.h"
#include "kernel/gc/barrier.h"
#include "kernel/lib/print.h"
#include "kernel/mm/mheap.h"
#include "kernel/sched/sched.h"
#include "kernel/sync/sema.h"
#include "kernel/gc/gc.h"
#include "kernel/trace/trace.h"
#include "drivers/console/console.h"
#include "kernel/io/io.h"

extern int main(void);

/* Tests may replace the blob the firmware passed (tests/qemu/dtb_truncated
 * hands the parser a damaged copy). The default keeps it. Runs before the
 * console exists and before the MMU is fully set up: it must only copy. */
__attribute__((weak)) const void *boot_dtb_hook(const void *dtb)
{
	return dtb;
}

/* The device tree of the board this image was built for (make BOARD=...;
 * boot/builtin_dtb.S overrides these), or none: an empty name. Weak
 * definitions, not weak references: an undefined weak symbol is address
 * 0, which riscv64's pc-relative addressing cannot reach from 0x80200000
 * (lld refuses the link). Not const: clang folds a weak const's
 * contents (the empty name) as if no other definition could win. */
__attribute__((weak)) char builtin_dtb[8];
__attribute__((weak)) char builtin_dtb_name[1];

/* Which tree describes the machine: the loader's if it passed one (its
 * magic is there), else the built-in one if this build has it. A loader
 * that passes none (QEMU -machine raspi3b without -dtb: x0 points at ARM
 * Linux ATAGs instead) then still boots; the ATAGs' command line becomes
 * the bootargs (kernel/dt/atags.c). *source says which, for the boot line. */
static const void *boot_choose_dtb(const void *dtb, const char **source)
{
	*source = "from firmware";
	if (fdt_has_magic(dtb) || !builtin_dtb_name[0])
		return dtb;
	*source = builtin_dtb_name;
	return builtin_dtb;
}

static void boot_warn(const char *msg)
{
	printk("%s\n", msg);
}

/* Logical CPU 0 must be the CPU we booted on, whatever its device tree
 * position: swap it to the front. */
static void boot_cpu_first(struct bootinfo *bi, uint64_t hwid)
{
	for (int i = 1; i < bi->ncpu; i++) {
		if (bi->cpu_hwid[i] == hwid) {
			bi->cpu_hwid[i] = bi->cpu_hwid[0];
			bi->cpu_hwid[0] = hwid;
			return;
		}
	}
}

/* main is a frame of its own (kernel/panic/defer.c): its deferred calls
 * run before the exit. If one of them recovers a panic, main "returns"
 * normally: status 0, as in Go. A Goexit in main never comes back. */
static void call_main(void *status)
{
	*(int *)status = main();
}

/* Goroutine 1. As Go's runtime.main, it first starts the runtime's own
 * goroutines (gcenable's bgsweep, forcegchelper; here also the SIGQUIT
 * dumper), so that they exist before any user code runs: a program that
 * starts a trace or reads SchedStats first thing sees a quiet runtime,
 * not the boot CPU still creating them. */
static void main_goroutine(void *arg)
{
	gc_start_goroutines();             /* the collector's own goroutines */
	sigquit_init();                    /* Ctrl-\ prints every goroutine */
	int status = 0;
	Call(call_main, &status);
	Exit(status);
}

static void print_banner(const struct bootinfo *bi)
{
	uint64_t ram = 0;
	for (int i = 0; i < bi->nmem; i++)
		ram += bi->mem[i].size;
	printk("gort: %s, %d CPUs, %llu MiB RAM, timer %llu Hz, gomaxprocs=%d\n",
	       ARCH_NAME, bi->ncpu, (unsigned long long)(ram >> 20),
	       (unsigned long long)arch_timer_freq(), gomaxprocs);
	if (bi->bootargs[0])
		printk("gort: bootargs \"%s\"\n", bi->bootargs);
	if (bi->ncpu_nommu)
		printk("gort: %d CPU%s without an MMU (a monitor core) left to the firmware\n",
		       bi->ncpu_nommu, bi->ncpu_nommu == 1 ? "" : "s");
	if (bi->ncpu_ignored)
		printk("runtime: warning: %d CPUs beyond the first %d are not used\n",
		       bi->ncpu_ignored, MAXCPU);
}

static void start_secondaries(const struct bootinfo *bi)
{
	for (int cpu = 1; cpu < bi->ncpu; cpu++) {
		m_init(&allm[cpu], cpu, bi->cpu_hwid[cpu]);
		int err = arch_start_cpu(cpu, bi->cpu_hwid[cpu]);
		if (err)
			printk("runtime: warning: cpu %d (hwid %#llx) did not start: error %d\n",
			       cpu, (unsigned long long)bi->cpu_hwid[cpu], err);
	}
	/* Wait up to one second for every CPU to report online, sleeping in
	 * 100 us naps rather than spinning (interrupts are still masked, so a
	 * nap ends with the timer pending but not taken). */
	uint64_t deadline = arch_ticks() + arch_timer_freq();
	uint64_t nap = arch_timer_freq() / 10000 + 1;
	for (int cpu = 1; cpu < bi->ncpu; cpu++) {
		/* acquire; pairs with the release store in secondary_main. */
		while (!__atomic_load_n(&allm[cpu].online, __ATOMIC_ACQUIRE) &&
		       arch_ticks() < deadline) {
			arch_timer_set(arch_ticks() + nap);
			arch_wfi();
		}
		arch_timer_set(UINT64_MAX);
		if (!__atomic_load_n(&allm[cpu].online, __ATOMIC_ACQUIRE))
			printk("runtime: warning: cpu %d (hwid %#llx) did not come online\n",
			       cpu, (unsigned long long)bi->cpu_hwid[cpu]);
	}
}

_Noreturn void kmain(uint64_t hwid, const void *dtb)
{
	struct m *m0 = &allm[0];
	m_init(m0, 0, hwid);
	arch_cpu_init(m0, 0);

	const char *err = "unknown error", *source;
	const void *loader_arg = dtb;
	dtb = boot_choose_dtb(boot_dtb_hook(dtb), &source);
	bool builtin = dtb == (const void *)builtin_dtb;
	if (fdt_parse(dtb, &bootinfo, &err) < 0) {
		console_init_fallback();
		throw("%s (blob at %p)", err, dtb);
	}
	bootinfo.parsed = true;
	if (builtin)
		atags_cmdline(loader_arg, bootinfo.bootargs, sizeof bootinfo.bootargs);
	boot_cpu_first(&bootinfo, hwid);
	console_init(&bootinfo);
	bootargs_parse(bootinfo.bootargs, boot_warn);
	arch_mmu_init(&bootinfo);
	mheap_init(&bootinfo);
	gc_barrier_init();                 /* 4 KiB pages for the heap, before SMP */
	time_init();

	int n = bootinfo.ncpu;
	int procs = rtflags.gomaxprocs > 0 && rtflags.gomaxprocs < n ? (int)rtflags.gomaxprocs : n;
	sched_init(n, procs);
	sema_init();
	trace_boot();                      /* bootargs trace=1: before other CPUs run */
	print_banner(&bootinfo);
	if (bootinfo.uboot_version[0])     /* booti passed U-Boot's own tree */
		printk("gort: device tree: from U-Boot %s\n", bootinfo.uboot_version);
	else
		printk("gort: device tree: %s%s\n", builtin ? "built-in " : "", source);
	arch_intc_init_cpu(0);
	/* release; pairs with the acquire loads in start_secondaries/idle. */
	__atomic_store_n(&m0->online, true, __ATOMIC_RELEASE);
	printk("cpu 0 (hwid %llu) online\n", (unsigned long long)hwid);
	start_secondaries(&bootinfo);
	if (rtflags.schedtrace > 0)
		schedtrace_start(rtflags.schedtrace);
	gc_init();
	console_input_init();              /* device interrupts: every CPU is up */
	newproc(main_goroutine, NULL, 0);  /* goroutine 1, as in Go */
	mstart();
}

_Noreturn void secondary_main(int cpu)
{
	struct m *m = &allm[cpu];
	arch_cpu_init(m, cpu);
	arch_mmu_enable_secondary();
	arch_intc_init_cpu(cpu);
	printk("cpu %d (hwid %llu) online\n", cpu, (unsigned long long)m->hwid);
	/* release; pairs with the acquire load in start_secondaries. */
	__atomic_store_n(&m->online, true, __ATOMIC_RELEASE);
	mstart();
}
