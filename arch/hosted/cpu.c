/*
 * cpu.c - the hosted port's "board": the process's main(), one pthread per
 * CPU, per-CPU set-up, contexts, power-off.
 *
 * __wrap_main(argc, argv) plays firmware: it reads the command line
 *     <program> [-smp N] [-m SIZE[K|M|G]] [-disk[-ro] FILE] [-mapfail N] [bootargs ...]
 * (-disk: a raw image file as the first block device, blk.c; read-only
 * with -disk-ro or when the file is not writable)
 * (-mapfail: a test hook, every Nth write-protect change of the GC's
 * barrier fails as if vm.max_map_count were reached: dirty.c)
 * (bootargs are the remaining words joined by spaces, as QEMU's -append),
 * maps the RAM and the stack window (mmu.c), installs the signal handlers
 * (signal.c), writes a device tree (fdt.c) and enters boot/main.c's kmain
 * on CPU 0's boot stack - the process's main thread becomes CPU 0.
 * arch_start_cpu creates a pthread that switches to boot_stack_top(cpu)
 * and calls secondary_main: the pthread's own stack is used only until
 * then (and by nothing after). Each thread keeps its M in hosted_m and the
 * running G in hosted_g (arch_impl.h).
 *
 * The process's entry is __wrap_main: the hosted build links with
 * ld --wrap=main, so crt1's call of main comes here, and renames boot/main.c's
 * call of the application's main to __real_main, which --wrap resolves to
 * the application's own main (mk/hosted.mk). The application's main keeps
 * its name, in tracebacks too.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "arch.h"
#include "hosted.h"
#include "boot/boot.h"
#include "kernel/lib/print.h"
#include "kernel/sched/runtime2.h"

_Static_assert(offsetof(struct m, curg) == ARCH_M_CURG_OFFSET, "arch_setg writes m->curg");
_Static_assert(sizeof(struct context) == CTX_SIZE, "context.S layout");
_Static_assert(offsetof(struct trapframe, frame) == TF_FRAME, "context.S layout");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "context.S layout");

__thread struct m *hosted_m;
__thread struct g *hosted_g;
__thread uintptr_t hosted_resume_pc;   /* asyncPreempt's last jump */

int hosted_pid;
int hosted_tid[MAXCPU];
int hosted_ncpu;

void context_start(void);

/* A word in the symbol table's section in every link, so that the first
 * pass of the two-pass link (scripts/gensymtab.sh) has the section too: lld
 * adds a program header for it, and a header appearing only in the second
 * pass would move every function. Linked after the real table (libgort.a
 * comes last), so the table's own first word still counts its entries. */
__attribute__((section(".gort_symtab"), used))
static const uint64_t symtab_section_anchor = 0;

static void usage(const char *prog, const char *why)
{
	fprintf(stderr, "%s: %s\nusage: %s [-smp N (1..%d)] [-m SIZE[K|M|G]] [-disk[-ro] FILE] [-mapfail N] [bootargs ...]\n",
	        prog, why, prog, MAXCPU);
	exit(2);
}

static size_t parse_size(const char *prog, const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	}
	if (*end != 0 || v < (16u << 20) || v > (64ull << 30))
		usage(prog, "-m wants a size from 16M to 64G");
	return (size_t)v;
}

/* The thread leaves its pthread stack for CPU cpu's boot stack and calls
 * fn(arg) there; ASan is told of the move (asan.c), and fn tells it of the
 * arrival first. */
static _Noreturn void enter_boot_stack(int cpu, void *fn, uintptr_t arg)
{
	uintptr_t top = boot_stack_top(cpu);
	hosted_asan_leave(top - BOOT_STACK_SIZE, top);
	hosted_jump(fn, arg, 0, top);
}

static _Noreturn void boot_kmain(uintptr_t dtb)
{
	hosted_asan_arrive();
	kmain(0, (const void *)dtb);
}

static _Noreturn void boot_secondary(uintptr_t cpu)
{
	hosted_asan_arrive();
	secondary_main((int)cpu);
}

/* The real process entry (see the file comment). */
int __wrap_main(int argc, char **argv)
{
	static char bootargs[256];
	int ncpu = 4;
	size_t ram = 256u << 20;
	const char *disk = NULL;
	bool disk_ro = false;
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "-smp") == 0 && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end != 0 || n < 1 || n > MAXCPU)
				usage(argv[0], "-smp wants a CPU count from 1 to 8");
			ncpu = (int)n;
		} else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc) {
			ram = parse_size(argv[0], argv[++i]);
		} else if ((strcmp(argv[i], "-disk") == 0 || strcmp(argv[i], "-disk-ro") == 0) &&
		           i + 1 < argc) {
			if (disk != NULL)
				usage(argv[0], "one -disk only");
			disk_ro = argv[i][5] != 0;
			disk = argv[++i];
		} else if (strcmp(argv[i], "-mapfail") == 0 && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end != 0 || n < 1)
				usage(argv[0], "-mapfail wants a count from 1");
			hosted_dirty_mapfail = (uint64_t)n;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			break;
		}
	}
	for (size_t n = 0; i < argc; i++) {
		size_t len = strlen(argv[i]);
		if (n + len + 2 > sizeof bootargs)
			usage(argv[0], "bootargs longer than 255 bytes");
		if (n)
			bootargs[n++] = ' ';
		memcpy(bootargs + n, argv[i], len + 1);
		n += len;
	}
	hosted_pid = getpid();
	hosted_ncpu = ncpu;
	hosted_mem_init(ram);
	hosted_tsan_init();
	hosted_tls_init();
	hosted_signals_init();
	hosted_rx_attach(argv[0]);      /* first: SIGQUIT blocked for all */
	if (disk != NULL)               /* its threads: signal handlers set */
		hosted_blk_attach(argv[0], disk, disk_ro);
	const void *dtb = hosted_build_fdt(hosted_ram_base, hosted_ram_size, ncpu, bootargs);
	hosted_tid[0] = gettid();
	hosted_thread_signals(0);
	enter_boot_stack(0, (void *)boot_kmain, (uintptr_t)dtb);
}

/* Per-CPU set-up on the calling thread. Ends with a full fence. */
void arch_cpu_init(struct m *m, int cpu)
{
	hosted_m = m;
	hosted_g = m->curg;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

uint64_t arch_boot_hwid(void)
{
	return 0;
}

static void *cpu_thread(void *arg)
{
	int cpu = (int)(uintptr_t)arg;
	hosted_tid[cpu] = gettid();
	hosted_thread_signals(cpu);
	enter_boot_stack(cpu, (void *)boot_secondary, (uintptr_t)cpu);
}

/* pthread_create is a full barrier: what the caller wrote is visible to
 * the new thread. The thread starts with its soft interrupt mask set. */
int arch_start_cpu(int cpu, uint64_t hwid)
{
	pthread_t t;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	int err = pthread_create(&t, &a, cpu_thread, (void *)(uintptr_t)cpu);
	pthread_attr_destroy(&a);
	return err ? -err : 0;
}

/* The machine powers off: the process exits with the status. exit_group
 * directly (no atexit handlers: other threads are still running the
 * runtime, as other CPUs are when a board powers off). */
_Noreturn void arch_poweroff(int status)
{
	if (hosted_dirty_mapfail != 0)
		printk("hosted: %lu barrier fallbacks\n", (unsigned long)
		       __atomic_load_n(&hosted_dirty_fallbacks, __ATOMIC_RELAXED));
	hosted_console_flush();
	for (;;)
		hosted_syscall(SYS_exit_group, status, 0, 0, 0, 0, 0);
}

/* arch.h: from is dead, but a full switch tells ASan and TSan (asan.c,
 * tsan.c) about the fiber change; hosted does not count instructions. */
_Noreturn void arch_switch_dead(struct context *from, struct context *to)
{
	arch_switch(from, to);
	__builtin_unreachable();
}
