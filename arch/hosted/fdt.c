/*
 * fdt.c - the hosted "firmware": a flattened device tree describing the
 * process as a board, so that boot/main.c reads it exactly as it reads
 * QEMU's: /memory (the mmap'd RAM), /cpus (one cpu node per thread, reg =
 * its index), /chosen/bootargs (the command line), and the console's
 * UART: an "ns16550a" at address 0 (never dereferenced: console.c and
 * uart_rx.c are its registers, stdout and stdin) whose "interrupts" names
 * the port's line HOSTED_IRQ_CONS (signal.c), so that boot finds the
 * console's receive interrupt as on a board. No interrupt controller or
 * virtio node.
 * Format: devicetree specification v0.4, chapter 5 (big-endian cells).
 */
#include <string.h>
#include "hosted.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_END 9

static uint8_t blob[4096] __attribute__((aligned(8)));
static uint32_t st[512], nst;    /* structure block, in cells */
static char strs[256];
static uint32_t nstrs;

static uint32_t be32(uint32_t v) { return __builtin_bswap32(v); }

static void cell(uint32_t v) { st[nst++] = be32(v); }

static void bytes(const void *p, uint32_t n)
{
	memset(&st[nst], 0, (n + 3) & ~3u);
	memcpy(&st[nst], p, n);
	nst += (n + 3) / 4;
}

static void begin(const char *name)
{
	cell(FDT_BEGIN_NODE);
	bytes(name, (uint32_t)strlen(name) + 1);
}

static uint32_t string_off(const char *name)
{
	for (uint32_t i = 0; i < nstrs; i += (uint32_t)strlen(&strs[i]) + 1)
		if (strcmp(&strs[i], name) == 0)
			return i;
	uint32_t off = nstrs;
	strcpy(&strs[off], name);
	nstrs += (uint32_t)strlen(name) + 1;
	return off;
}

static void prop(const char *name, const void *val, uint32_t len)
{
	cell(FDT_PROP);
	cell(len);
	cell(string_off(name));
	bytes(val, len);
}

static void prop_cells(const char *name, const uint32_t *c, int n)
{
	uint32_t v[4];
	for (int i = 0; i < n; i++)
		v[i] = be32(c[i]);
	prop(name, v, (uint32_t)n * 4);
}

static void prop_u32(const char *name, uint32_t v) { prop_cells(name, &v, 1); }

static void prop_str(const char *name, const char *s)
{
	prop(name, s, (uint32_t)strlen(s) + 1);
}

const void *hosted_build_fdt(uintptr_t ram, size_t ram_size, int ncpu,
                             const char *bootargs)
{
	char name[32];
	begin("");
	prop_u32("#address-cells", 2);
	prop_u32("#size-cells", 2);
	prop_str("model", "gort hosted (Linux " HOSTED_CPU " process)");

	strcpy(name, "memory");
	begin(name);
	prop_str("device_type", "memory");
	uint32_t reg[4] = { (uint32_t)((uint64_t)ram >> 32), (uint32_t)ram,
	                    (uint32_t)((uint64_t)ram_size >> 32), (uint32_t)ram_size };
	prop_cells("reg", reg, 4);
	cell(FDT_END_NODE);

	begin("cpus");
	prop_u32("#address-cells", 1);
	prop_u32("#size-cells", 0);
	for (int i = 0; i < ncpu; i++) {
		char n[16] = "cpu@0";
		n[4] = (char)('0' + i);
		begin(n);
		prop_str("device_type", "cpu");
		prop_u32("reg", (uint32_t)i);
		cell(FDT_END_NODE);
	}
	cell(FDT_END_NODE);

	begin("serial@0");
	prop_str("compatible", "ns16550a");
	uint32_t ureg[4] = { 0, 0, 0, 8 };
	prop_cells("reg", ureg, 4);
	prop_u32("interrupts", HOSTED_IRQ_CONS);
	cell(FDT_END_NODE);

	begin("chosen");
	prop_str("bootargs", bootargs);
	cell(FDT_END_NODE);

	cell(FDT_END_NODE);
	cell(FDT_END);

	/* header (40 bytes), empty reservation map (16), struct, strings */
	uint32_t off_rsv = 40, off_struct = 56, size_struct = nst * 4;
	uint32_t off_strings = off_struct + size_struct, total = off_strings + nstrs;
	uint32_t hdr[10] = { FDT_MAGIC, total, off_struct, off_strings, off_rsv,
	                     17, 16, 0, nstrs, size_struct };
	for (int i = 0; i < 10; i++)
		hdr[i] = be32(hdr[i]);
	memcpy(blob, hdr, sizeof hdr);
	memset(blob + off_rsv, 0, 16);
	memcpy(blob + off_struct, st, size_struct);
	memcpy(blob + off_strings, strs, nstrs);
	return blob;
}
