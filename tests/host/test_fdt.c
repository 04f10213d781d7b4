// SOURCES: kernel/dt/fdt.c kernel/dt/fdt_walk.c kernel/dt/atags.c
/*
 * test_fdt.c - host tests of the device tree parser (kernel/dt/fdt.c) on
 * real trees; test_fdt_build.c has the synthetic ones.
 *
 * 1. Real blobs dumped from QEMU 7.2 (tests/host/data/NAME.dtb, see the README
 *    there): every value bootinfo gets is checked. Also the raspi3b
 *    built-in tree (compiled by dtc from its source) and the ATAG command
 *    line (kernel/dt/atags.c).
 * 2. Robustness: every truncation of each real blob (exact-size malloc so
 *    ASan sees any overread), every truncation of the struct block inside an
 *    otherwise valid blob, and a few thousand random byte corruptions.
 *
 * Run from the repo root (the blobs are loaded by relative path).
 */
#include "kernel/dt/atags.h"
#include "fdt_check.h"

/* ---- real QEMU blobs --------------------------------------------------- */

/* The raspi3b built-in tree, compiled from its source by dtc as the build
 * does: BCM2836 local controller + BCM2835 device controller through
 * /soc ranges, spin-table CPUs, the PL011 at its ARM address. */
static void test_raspi3b(void)
{
	FILE *f = popen("dtc -q -I dts -O dtb arch/aarch64/boards/raspi3b.dts", "r");
	CHECK(f != NULL, "cannot run dtc");
	static uint8_t b[16384];
	size_t n = fread(b, 1, sizeof b, f);
	CHECK(pclose(f) == 0 && n > 40, "dtc failed (%zu bytes)", n);
	CHECK(fdt_has_magic(b) && !fdt_has_magic(NULL), "fdt_has_magic");
	struct bootinfo bi;
	const char *err = NULL;
	int r = fdt_parse(b, &bi, &err);
	CHECK(r == 0, "raspi3b parse: %d %s", r, err ? err : "");
	CHECK_EQ(bi.nmem, 1);
	CHECK_EQ(bi.mem[0].base, 0);
	CHECK_EQ(bi.mem[0].size, 0x3c000000);
	CHECK_EQ(bi.nreserved, 1);
	CHECK_EQ(bi.reserved[0].base, 0);
	CHECK_EQ(bi.reserved[0].size, 0x1000);
	CHECK_EQ(bi.ncpu, 4);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(bi.cpu_hwid[i], i);
		CHECK_EQ(bi.cpu_release[i], 0xd8 + 8 * i);
	}
	CHECK_EQ(bi.intc, INTC_BCM2836);
	CHECK_EQ(bi.intc_base, 0x40000000);
	CHECK_EQ(bi.intc_base2, 0x3f00b200);
	CHECK_EQ(bi.psci, PSCI_NONE);
	CHECK_EQ(bi.uart, UART_PL011);
	CHECK_EQ(bi.uart_base, 0x3f201000);
	CHECK_EQ(bi.uart_irq.n, 2);
	CHECK_EQ(bi.uart_irq.cells[0], 2);
	CHECK_EQ(bi.uart_irq.cells[1], 25);

	/* A spin-table CPU without its release address is an error. */
	f = popen("sed '/cpu-release-addr = <0x0 0x000000e0>/d' arch/aarch64/boards/raspi3b.dts"
	          " | dtc -q -I dts -O dtb -", "r");
	n = f ? fread(b, 1, sizeof b, f) : 0;
	CHECK(f && pclose(f) == 0 && n > 40, "dtc failed");
	r = fdt_parse(b, &bi, &err);
	CHECK(r < 0 && strstr(err, "cpu-release-addr"), "missing release address: %d %s", r, err);
}

/* ATAGs as QEMU writes them at 0x100 for raspi3b without -dtb. */
static void test_atags(void)
{
	uint32_t t[64] = { 0 };
	int k = 0;
	t[k++] = 5; t[k++] = 0x54410001; t[k++] = 1; t[k++] = 4096; t[k++] = 0;  /* CORE */
	t[k++] = 4; t[k++] = 0x54410002; t[k++] = 0x3c000000; t[k++] = 0;        /* MEM */
	t[k++] = 2 + 4; t[k++] = 0x54410009;                                      /* CMDLINE */
	memcpy(&t[k], "gomaxprocs=1 x", 15); k += 4;
	t[k++] = 0; t[k++] = 0;                                                   /* NONE */
	char out[64] = "untouched";
	CHECK_EQ(atags_cmdline(t, out, sizeof out), 1);
	CHECK(strcmp(out, "gomaxprocs=1 x") == 0, "cmdline '%s'", out);
	char small[5];
	CHECK_EQ(atags_cmdline(t, small, sizeof small), 1);
	CHECK(strcmp(small, "goma") == 0, "truncated cmdline '%s'", small);
	/* Not ATAGs (no ATAG_CORE), or no command line: out untouched. */
	strcpy(out, "untouched");
	t[1] = 0x12345678;
	CHECK_EQ(atags_cmdline(t, out, sizeof out), 0);
	t[1] = 0x54410001;
	t[9 + 1] = 0x54410003;               /* the CMDLINE tag becomes another */
	CHECK_EQ(atags_cmdline(t, out, sizeof out), 0);
	CHECK(strcmp(out, "untouched") == 0, "out written: '%s'", out);
	/* A size running past the 4 KiB window stops the walk. */
	t[9 + 1] = 0x54410009;
	t[5] = 0x40000000;
	CHECK_EQ(atags_cmdline(t, out, sizeof out), 0);
	CHECK_EQ(atags_cmdline(NULL, out, sizeof out), 0);
}

static void test_riscv(void)
{
	size_t n;
	uint8_t *b = load("tests/host/data/riscv-virt-smp4.dtb", &n);
	struct bootinfo bi;
	const char *err = NULL;
	int r = fdt_parse(b, &bi, &err);
	CHECK(r == 0, "riscv parse: %d %s", r, err ? err : "");
	CHECK_EQ(bi.dtb, b);
	CHECK_EQ(bi.dtb_size, n);
	CHECK_EQ(bi.nmem, 1);
	CHECK_EQ(bi.mem[0].base, 0x80000000);
	CHECK_EQ(bi.mem[0].size, 0x10000000);
	CHECK_EQ(bi.nreserved, 0);
	CHECK_EQ(bi.ncpu, 4);
	CHECK_EQ(bi.ncpu_ignored, 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(bi.cpu_hwid[i], i);
	CHECK_EQ(bi.timebase_hz, 10000000);
	/* QEMU 7.2: riscv,isa = "rv64imafdch_zicsr_..._zbs_sstc" */
	CHECK_EQ(bi.has_sstc, 1);
	CHECK_EQ(bi.uart, UART_NS16550);
	CHECK_EQ(bi.uart_base, 0x10000000);
	CHECK_EQ(bi.uart_reg_shift, 0);
	CHECK_EQ(bi.uart_clock_hz, 3686400);
	CHECK_EQ(bi.uart_irq.n, 1);
	CHECK_EQ(bi.uart_irq.cells[0], 10);     /* PLIC source 10 */
	CHECK_EQ(bi.nvirtio, 8);                /* 0x10001000..0x10008000, sources 1..8 */
	for (int i = 0; i < bi.nvirtio; i++) {
		uint64_t k = bi.virtio[i].base - 0x10001000;
		CHECK(k % 0x1000 == 0 && k / 0x1000 < 8 && bi.virtio[i].size == 0x1000 &&
		      bi.virtio[i].irq.n == 1 && bi.virtio[i].irq.cells[0] == 1 + k / 0x1000,
		      "virtio %d: base %#llx irq %u", i, (unsigned long long)bi.virtio[i].base,
		      bi.virtio[i].irq.cells[0]);
	}
	CHECK_EQ(bi.intc, INTC_PLIC);
	CHECK_EQ(bi.intc_base, 0xc000000);
	CHECK_EQ(bi.nplic_sctx, 4);             /* hart h: context 2h + 1 */
	for (int i = 0; i < bi.nplic_sctx; i++)
		CHECK(bi.plic_sctx[i].ctx == 2 * bi.plic_sctx[i].hwid + 1,
		      "hart %llu: S-mode PLIC context %u", (unsigned long long)bi.plic_sctx[i].hwid,
		      bi.plic_sctx[i].ctx);
	CHECK_EQ(bi.psci, PSCI_NONE);
	CHECK_EQ(bi.test_finisher, 0x100000);
	CHECK(strcmp(bi.bootargs, "x=1") == 0, "bootargs '%s'", bi.bootargs);
	CHECK(bi.uboot_version[0] == 0, "u-boot,version '%s' in QEMU's own tree", bi.uboot_version);

	/* The bounded form with a generous bound gives the same answer. */
	struct bootinfo bi2;
	r = fdt_parse_bounded(b, n + 4096, &bi2, &err);
	CHECK(r == 0 && bi2.uart_base == bi.uart_base && bi2.ncpu == 4, "bounded");
	free(b);
}

/* QEMU sifive_u -smp 5: the E51 monitor hart 0 (rv64imac, no mmu-type)
 * and four U54s. The raw dump lists hart 0 "okay"; the tree OpenSBI
 * passes on marks it "disabled", reserves its own memory, and turns the
 * PLIC's M-mode entries into -1. Either way: the U54s only, their S-mode
 * contexts 2h (hart 0 has only an M context, so the numbering is not
 * virt's 2h + 1), the SiFive UART, no Sstc, a 1 MHz timebase. */
static void test_sifive_u(const char *path, bool from_opensbi)
{
	size_t n;
	uint8_t *b = load(path, &n);
	struct bootinfo bi;
	const char *err = NULL;
	int r = fdt_parse(b, &bi, &err);
	CHECK(r == 0, "%s: parse: %d %s", path, r, err ? err : "");
	CHECK_EQ(bi.ncpu, 4);
	CHECK_EQ(bi.ncpu_nommu, from_opensbi ? 0 : 1);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(bi.cpu_hwid[i], i + 1);
	CHECK_EQ(bi.timebase_hz, 1000000);
	CHECK_EQ(bi.has_sstc, 0);
	CHECK_EQ(bi.nmem, 1);
	CHECK_EQ(bi.mem[0].base, 0x80000000);
	CHECK_EQ(bi.mem[0].size, 0x10000000);
	CHECK_EQ(bi.nreserved, from_opensbi ? 1 : 0);
	if (from_opensbi)
		CHECK(bi.reserved[0].base == 0x80000000 && bi.reserved[0].size == 0x80000,
		      "OpenSBI's own memory reserved");
	CHECK_EQ(bi.uart, UART_SIFIVE);
	CHECK_EQ(bi.uart_base, 0x10010000);     /* stdout-path, not serial1 */
	CHECK_EQ(bi.uart_irq.n, 1);
	CHECK_EQ(bi.uart_irq.cells[0], 4);
	CHECK_EQ(bi.intc, INTC_PLIC);
	CHECK_EQ(bi.intc_base, 0xc000000);
	CHECK_EQ(bi.nplic_sctx, 4);
	for (int i = 0; i < bi.nplic_sctx; i++)
		CHECK(bi.plic_sctx[i].ctx == 2 * bi.plic_sctx[i].hwid,
		      "hart %llu: S-mode PLIC context %u", (unsigned long long)bi.plic_sctx[i].hwid,
		      bi.plic_sctx[i].ctx);
	CHECK_EQ(bi.test_finisher, 0);
	CHECK_EQ(bi.psci, PSCI_NONE);
	CHECK(strcmp(bi.bootargs, "x=1") == 0, "bootargs '%s'", bi.bootargs);
	free(b);
}

static void test_aarch64(const char *path, enum intc_kind intc,
                         uint64_t base2, uint64_t size2)
{
	size_t n;
	uint8_t *b = load(path, &n);
	struct bootinfo bi;
	const char *err = NULL;
	int r = fdt_parse(b, &bi, &err);
	CHECK(r == 0, "%s parse: %d %s", path, r, err ? err : "");
	CHECK_EQ(bi.nmem, 1);
	CHECK_EQ(bi.mem[0].base, 0x40000000);
	CHECK_EQ(bi.mem[0].size, 0x10000000);
	CHECK_EQ(bi.nreserved, 0);
	CHECK_EQ(bi.ncpu, 4);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(bi.cpu_hwid[i], i);
	CHECK_EQ(bi.timebase_hz, 0);
	CHECK_EQ(bi.has_sstc, 0);
	CHECK_EQ(bi.uart, UART_PL011);
	CHECK_EQ(bi.uart_base, 0x9000000);
	CHECK_EQ(bi.uart_clock_hz, 24000000);   /* via clocks -> apb-pclk */
	CHECK(bi.uart_irq.n == 3 && bi.uart_irq.cells[0] == 0 && bi.uart_irq.cells[1] == 1 &&
	      bi.uart_irq.cells[2] == 4, "pl011 interrupts <0 1 4>");
	CHECK_EQ(bi.nplic_sctx, 0);
	CHECK_EQ(bi.nvirtio, 32);               /* 0xa000000 + 0x200 k: SPI 16 + k, edge */
	for (int i = 0; i < bi.nvirtio; i++) {
		uint64_t k = (bi.virtio[i].base - 0xa000000) / 0x200;
		CHECK(k < 32 && bi.virtio[i].irq.n == 3 && bi.virtio[i].irq.cells[0] == 0 &&
		      bi.virtio[i].irq.cells[1] == 16 + k, "virtio %d", i);
	}
	CHECK_EQ(bi.intc, intc);
	CHECK_EQ(bi.intc_base, 0x8000000);
	CHECK_EQ(bi.intc_base2, base2);
	CHECK_EQ(bi.intc_size2, size2);
	CHECK_EQ(bi.psci, PSCI_HVC);
	CHECK_EQ(bi.test_finisher, 0);
	CHECK(strcmp(bi.bootargs, "x=1") == 0, "bootargs '%s'", bi.bootargs);
	CHECK(bi.uboot_version[0] == 0, "u-boot,version '%s' in QEMU's own tree", bi.uboot_version);
	free(b);
}

/* ---- robustness -------------------------------------------------------- */

static void test_truncations(const char *path)
{
	size_t n;
	uint8_t *b = load(path, &n);
	struct bootinfo bi;
	const char *err;
	int bad = 0;

	/* Every prefix of the blob, told the truth about its length. */
	for (size_t len = 0; len < n; len++) {
		int r = parse_copy(b, len, len, &bi, &err);
		if (r >= 0 || !err || strncmp(err, "device tree: ", 13) != 0) {
			if (bad++ < 5)
				printf("FAIL: %s truncated to %zu: r=%d\n", path, len, r);
		}
	}
	nchecks++;
	if (bad)
		nfail++;

	/* Every prefix of the struct block, placed in an otherwise consistent
	 * blob (header patched): exercises the token walk itself. */
	uint32_t off_st = be32(b + 8), off_str = be32(b + 12), off_rsv = be32(b + 16);
	uint32_t size_st = be32(b + 36), size_str = be32(b + 32);
	uint32_t rsv_len = off_st - off_rsv;        /* QEMU: rsv then struct */
	bad = 0;
	for (uint32_t k = 0; k < size_st; k++) {
		uint32_t st = 40 + rsv_len, strs = st + k, total = strs + size_str;
		uint8_t *p = malloc(total);
		memcpy(p, b, 40);
		memcpy(p + 40, b + off_rsv, rsv_len);
		memcpy(p + st, b + off_st, k);
		memcpy(p + strs, b + off_str, size_str);
		put32(p + 4, total);
		put32(p + 8, st);
		put32(p + 12, strs);
		put32(p + 16, 40);
		put32(p + 36, k);
		err = NULL;
		int r = fdt_parse_bounded(p, total, &bi, &err);
		if (r >= 0 || !err) {
			if (bad++ < 5)
				printf("FAIL: %s struct block cut to %u parsed\n", path, k);
		}
		free(p);
	}
	nchecks++;
	if (bad)
		nfail++;

	/* Every prefix of the strings block: must fail (all names are used
	 * and the last one ends the block), never overread. */
	bad = 0;
	for (uint32_t k = 0; k < size_str; k++) {
		uint8_t *p = malloc(off_str + k);
		memcpy(p, b, off_str + k);
		put32(p + 4, off_str + k);
		put32(p + 32, k);
		err = NULL;
		int r = fdt_parse_bounded(p, off_str + k, &bi, &err);
		if (r >= 0 || !err) {
			if (bad++ < 5)
				printf("FAIL: %s strings block cut to %u parsed\n", path, k);
		}
		free(p);
	}
	nchecks++;
	if (bad)
		nfail++;
	free(b);
}

int main(void)
{
	static const char *const blobs[] = {
		"tests/host/data/riscv-virt-smp4.dtb",
		"tests/host/data/aarch64-virt-smp4.dtb",
		"tests/host/data/aarch64-virt-gicv3-smp4.dtb",
		"tests/host/data/riscv-sifive_u-smp5.dtb",
		"tests/host/data/riscv-sifive_u-smp5-opensbi.dtb",
	};

	test_riscv();
	test_sifive_u(blobs[3], false);
	test_sifive_u(blobs[4], true);
	test_aarch64(blobs[1], INTC_GICV2, 0x8010000, 0x10000);
	test_aarch64(blobs[2], INTC_GICV3, 0x80a0000, 0xf60000);
	test_raspi3b();
	test_atags();
	for (int i = 0; i < 5; i++) {
		size_t n;
		uint8_t *b = load(blobs[i], &n);
		test_truncations(blobs[i]);
		test_corruptions(b, n, blobs[i], 3000);
		free(b);
	}
	return check_summary();
}
