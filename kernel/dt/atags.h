/*
 * atags.h - the command line from ARM Linux ATAGs.
 *
 * The 32-bit ARM Linux boot protocol's tagged list: what QEMU's ARM boards
 * pass instead of a device tree when given none (-machine raspi3b without
 * -dtb: x0 = RAM base + 0x100, with -append in ATAG_CMDLINE). The runtime
 * describes such a board with its built-in tree and takes only the command
 * line from here.
 */
#ifndef KERNEL_DT_ATAGS_H
#define KERNEL_DT_ATAGS_H

#include <stddef.h>

/* If p holds an ATAG list (ATAG_CORE first) with an ATAG_CMDLINE, copy
 * that (NUL-terminated, truncated to size) into out and return 1; else
 * leave out alone and return 0. Reads at most 4 KiB from p, every tag
 * bounded by it. Boot CPU, before the MMU is final (RAM from 0 mapped). */
int atags_cmdline(const void *p, char *out, size_t size);

#endif
