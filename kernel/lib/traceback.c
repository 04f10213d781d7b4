/*
 * traceback.c - symbolized frame-pointer tracebacks.
 *
 * Every function is compiled with -fno-omit-frame-pointer, so each frame
 * records its caller's frame pointer and return address (where exactly is
 * the architecture's business: arch_frame_next). The function names come
 * from a table embedded in the image at build time: the image is linked
 * twice, and scripts/gensymtab.sh turns the first link's function symbols
 * into the .gort_symtab section of the second (placed after .text, so no
 * function moves; scripts/checksymtab.sh verifies that).
 *
 * Table layout (all 64-bit words): count, then count pairs {address,
 * pointer to NUL-terminated name}, sorted by address.
 */
#include "kernel/lib/print.h"
#include "arch.h"
#include "boot/boot.h"

struct symtab_entry {
	uint64_t addr;
	const char *name;
};

extern const uint64_t __symtab_start[], __symtab_end[];

const char *symbolize(uintptr_t pc, uintptr_t *offset)
{
	if (__symtab_end - __symtab_start < 1)
		return NULL;
	uint64_t n = __symtab_start[0];
	const struct symtab_entry *t = (const void *)&__symtab_start[1];
	if (n == 0 || pc < t[0].addr || pc >= (uintptr_t)_etext)
		return NULL;
	uint64_t lo = 0, hi = n;          /* find the last entry <= pc */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (t[mid].addr <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (offset)
		*offset = pc - t[lo].addr;
	return t[lo].name;
}

/* A return address points after the call, which may already be the next
 * function when the call was the last instruction (a noreturn callee), so
 * callers' frames are looked up at pc - 1 and printed with their real pc. */
static void print_frame(uintptr_t pc, bool is_return_address)
{
	uintptr_t off = 0;
	const char *name = symbolize(pc - is_return_address, &off);
	if (name)
		printk("    %s+0x%lx\n\t    pc=%#lx\n", name, (unsigned long)(off + is_return_address),
		       (unsigned long)pc);
	else
		printk("    ?\n\t    pc=%#lx\n", (unsigned long)pc);
}

void traceback_trap(const struct trapframe *tf, uintptr_t lo, uintptr_t hi)
{
	print_frame(arch_tf_pc(tf), false);
	uintptr_t fp = arch_tf_fp(tf), pc;
	if (fp == 0 || (fp & 7) != 0 || (hi != 0 && (fp <= lo || fp > hi)))
		return;
	uintptr_t caller_fp = arch_tf_unwind(tf, &pc);
	if (symbolize(pc - 1, NULL) != NULL)
		traceback(pc, caller_fp, lo, hi);
}

void traceback(uintptr_t pc, uintptr_t fp, uintptr_t lo, uintptr_t hi)
{
	const int max_frames = 48;
	for (int i = 0; i < max_frames; i++) {
		print_frame(pc, true);
		if (fp == 0 || (fp & 7) != 0)
			return;
		if (hi != 0 && (fp <= lo || fp > hi))
			return;                 /* left the stack: done */
		uintptr_t caller_fp = arch_frame_next(fp, &pc);
		if (pc == 0 || caller_fp <= fp)
			return;                 /* frames only move up the stack */
		fp = caller_fp;
		if (symbolize(pc - 1, NULL) == NULL)
			return;                 /* not a return address into our code */
	}
	printk("    ...more frames...\n");
}
