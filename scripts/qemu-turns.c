/*
 * qemu-turns.c - a QEMU TCG plugin that shows which vCPU ran when.
 *
 * Under -icount QEMU runs every vCPU in one host thread, one at a time: a
 * vCPU keeps its turn until the next virtual-clock deadline, a kick (an
 * interrupt raised anywhere, a timer reprogrammed) or a wfi. A "pause" that
 * the runtime measures in virtual time can therefore be another vCPU's
 * turn. This plugin prints, on QEMU's log (-d plugin):
 *   - every turn of at least min= instructions: the vCPU, its length, the
 *     instructions executed before it, and the first pc of the blocks at
 *     1e3, 1e4, ... instructions into the turn (resolve with addr2line);
 *   - for each mark=NAME:HEXADDR, every execution of that instruction: the
 *     vCPU and the pcs of the last blocks it ran before (what it was doing).
 *     The first mark opens a window in which all turns are printed; a mark
 *     named "end" closes it.
 * It changes no guest instruction count, so a deterministic -icount run
 * stays the same run. This is how the missed stop-the-world request of
 * docs/gc.md ("Stopping the world") was found.
 *
 * The plugin API's declarations are in qemu-plugin-api.h (Debian ships no
 * qemu-plugin.h). Build and use:
 *   gcc -O2 -shared -fPIC -o build/qemu-turns.so scripts/qemu-turns.c
 *   QEMU_EXTRA="-plugin build/qemu-turns.so,min=5000000,mark=gc_m:80202e72 -d plugin" \
 *     ARCH=riscv64 SMP=4 ICOUNT=1 BOOTARGS=... qemu/run.sh build/.../gc.bin
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-api.h"

#define MAXVCPU 16
#define HIST 40                 /* blocks remembered per vCPU */
#define MAXMARK 16
#define NSAMPLE 6

struct block { uint64_t ninsns, pc; };

/* One host thread runs every vCPU (-icount): no locking needed. */
static uint64_t minlen = 5000000, total;
static unsigned cur = ~0u;                      /* vCPU of the current turn */
static uint64_t turn_len, turn_start, sample[NSAMPLE];
static const uint64_t at[NSAMPLE] = { 1000, 10000, 100000, 1000000, 3000000, 6000000 };
static uint64_t hist[MAXVCPU][HIST];            /* [0] = latest block's pc */
static struct { const char *name; uint64_t pc; } marks[MAXMARK];
static int nmarks, window;

static void end_turn(void)
{
	if (cur == ~0u || (turn_len < minlen && !window))
		return;
	char s[256];
	int o = snprintf(s, sizeof s, "turn: vcpu %u ran %lu insns alone after %lu;", cur,
	                 (unsigned long)turn_len, (unsigned long)turn_start);
	for (int i = 0; i < NSAMPLE && sample[i] && o < (int)sizeof s - 20; i++)
		o += snprintf(s + o, sizeof s - o, " %lx", (unsigned long)sample[i]);
	snprintf(s + o, sizeof s - o, "\n");
	qemu_plugin_outs(s);
}

static void on_block(unsigned int vcpu, void *udata)
{
	const struct block *b = udata;
	if (vcpu != cur) {
		end_turn();
		cur = vcpu;
		turn_len = 0;
		turn_start = total;
		memset(sample, 0, sizeof sample);
	}
	for (int i = 0; i < NSAMPLE; i++)
		if (turn_len < at[i] && turn_len + b->ninsns >= at[i])
			sample[i] = b->pc;
	if (vcpu < MAXVCPU) {
		memmove(&hist[vcpu][1], &hist[vcpu][0], (HIST - 1) * sizeof hist[0][0]);
		hist[vcpu][0] = b->pc;
	}
	turn_len += b->ninsns;
	total += b->ninsns;
}

static void on_mark(unsigned int vcpu, void *udata)
{
	int k = (int)(uintptr_t)udata;
	if (k == 0)
		window = 1;
	if (!window)
		return;
	char s[1024];
	int o = snprintf(s, sizeof s, "mark %s: vcpu %u after %lu (%lu into its turn); before:",
	                 marks[k].name, vcpu, (unsigned long)total, (unsigned long)turn_len);
	for (int j = 1; vcpu < MAXVCPU && j < HIST && o < (int)sizeof s - 20; j++)
		o += snprintf(s + o, sizeof s - o, " %lx", (unsigned long)hist[vcpu][j]);
	snprintf(s + o, sizeof s - o, "\n");
	qemu_plugin_outs(s);
	if (strcmp(marks[k].name, "end") == 0)
		window = 0;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct block *b = malloc(sizeof *b);    /* lives as long as the block */
	b->ninsns = n;
	b->pc = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, 0));
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, 0, b);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		for (int k = 0; k < nmarks; k++)
			if (qemu_plugin_insn_vaddr(insn) == marks[k].pc)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, 0, (void *)(uintptr_t)k);
	}
}

static void on_exit_qemu(qemu_plugin_id_t id, void *udata)
{
	(void)id, (void)udata;
	end_turn();
	char s[96];
	snprintf(s, sizeof s, "turns: %lu instructions in all\n", (unsigned long)total);
	qemu_plugin_outs(s);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		char *colon = strchr(argv[i], ':');
		if (strncmp(argv[i], "min=", 4) == 0)
			minlen = strtoull(argv[i] + 4, NULL, 0);
		else if (strncmp(argv[i], "mark=", 5) == 0 && colon && nmarks < MAXMARK) {
			marks[nmarks].name = strndup(argv[i] + 5, (size_t)(colon - argv[i] - 5));
			marks[nmarks++].pc = strtoull(colon + 1, NULL, 16);
		} else {
			fprintf(stderr, "qemu-turns: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_exit_qemu, NULL);
	return 0;
}
