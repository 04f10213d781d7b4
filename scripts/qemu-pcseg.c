/*
 * qemu-pcseg.c - a QEMU TCG plugin that records every pc executed between
 * two executions of one instruction (bound=HEXADDR), and writes out each
 * such stretch that ran another instruction (key=HEXADDR) - for example
 * bench/sched's preempt_path: bound = the hog's counter read, key =
 * asyncPreempt; every stretch written is then one sample of the benchmark,
 * pc by pc. Stretches longer than 20,000 instructions are dropped.
 *
 * Output (out=FILE, default /tmp/qemu-pcseg.txt): "---" before each
 * stretch, then one hex pc a line. Map pcs to functions with nm or
 * objdump (bench/README.md, branch rvpreempt, shows what it found). Like
 * scripts/qemu-turns.c, it changes no guest instruction count, so a
 * deterministic -icount run gives the benchmark's own figures; one vCPU
 * only (SMP=1). Build and use:
 *   gcc -O2 -shared -fPIC -o build/qemu-pcseg.so scripts/qemu-pcseg.c
 *   QEMU_EXTRA="-plugin build/qemu-pcseg.so,bound=80200098,key=80207bc8" \
 *     ARCH=riscv64 SMP=1 ICOUNT=1 qemu/run.sh build/riscv64-gcc-release/sched.bin
 * The plugin API's declarations: qemu-plugin-api.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-api.h"

#define MAXSEG 20000

/* One host thread runs every vCPU under -icount: no locking needed. */
static uint64_t bound, key, buf[MAXSEG];
static size_t n;
static int seen, over;
static FILE *out;

static void on_insn(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	uint64_t pc = (uint64_t)(uintptr_t)udata;
	if (pc == bound) {              /* a stretch ends: write it if it had key */
		if (seen && !over) {
			fprintf(out, "---\n");
			for (size_t i = 0; i < n; i++)
				fprintf(out, "%lx\n", (unsigned long)buf[i]);
		}
		n = 0;
		seen = over = 0;
	}
	if (pc == key)
		seen = 1;
	if (n < MAXSEG)
		buf[n++] = pc;
	else
		over = 1;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t k = qemu_plugin_tb_n_insns(tb);
	for (size_t i = 0; i < k; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, 0,
		                                       (void *)(uintptr_t)qemu_plugin_insn_vaddr(insn));
	}
}

static void on_exit_qemu(qemu_plugin_id_t id, void *udata)
{
	(void)id, (void)udata;
	fclose(out);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	const char *file = "/tmp/qemu-pcseg.txt";
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "bound=", 6) == 0)
			bound = strtoull(argv[i] + 6, NULL, 16);
		else if (strncmp(argv[i], "key=", 4) == 0)
			key = strtoull(argv[i] + 4, NULL, 16);
		else if (strncmp(argv[i], "out=", 4) == 0)
			file = argv[i] + 4;
		else {
			fprintf(stderr, "qemu-pcseg: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	out = fopen(file, "w");
	if (out == NULL) {
		perror(file);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_exit_qemu, NULL);
	return 0;
}
