// SOURCES: kernel/dt/fdt.c kernel/dt/fdt_walk.c kernel/dt/atags.c
/*
 * test_fdt_build.c - host tests of the device tree parser (kernel/dt/fdt.c)
 * on synthetic trees built here by a small FDT writer: aliases, nested
 * ranges translation, 2-cell cpu ids, disabled nodes, u64 timebase,
 * riscv,isa-extensions, too many cpus, reservations, v16 headers, and
 * every error message class; then random corruptions of one of them.
 * test_fdt.c has the real trees.
 */
#include "fdt_check.h"

/* ---- a tiny FDT writer ------------------------------------------------- */

struct fb {
	uint8_t st[1 << 16];
	uint32_t stn;
	char strs[1 << 13];
	uint32_t strn;
	uint64_t rsv[64];
	int nrsv;
	uint32_t version;       /* 17 unless a test sets 16 */
};

static void fb_init(struct fb *f)
{
	memset(f, 0, sizeof *f);
	f->version = 17;
}

static void fb_u32(struct fb *f, uint32_t v)
{
	put32(f->st + f->stn, v);
	f->stn += 4;
}

static void fb_bytes(struct fb *f, const void *p, uint32_t n)
{
	memcpy(f->st + f->stn, p, n);
	f->stn += n;
	while (f->stn % 4)
		f->st[f->stn++] = 0;
}

static void fb_begin(struct fb *f, const char *name)
{
	fb_u32(f, FDT_BEGIN_NODE);
	fb_bytes(f, name, (uint32_t)strlen(name) + 1);
}

static void fb_end(struct fb *f)
{
	fb_u32(f, FDT_END_NODE);
}

static uint32_t fb_str(struct fb *f, const char *s)
{
	for (uint32_t o = 0; o < f->strn; o += (uint32_t)strlen(f->strs + o) + 1)
		if (strcmp(f->strs + o, s) == 0)
			return o;
	uint32_t o = f->strn;
	strcpy(f->strs + o, s);
	f->strn += (uint32_t)strlen(s) + 1;
	return o;
}

static void fb_prop(struct fb *f, const char *name, const void *v, uint32_t len)
{
	fb_u32(f, FDT_PROP);
	fb_u32(f, len);
	fb_u32(f, fb_str(f, name));
	fb_bytes(f, v, len);
}

/* A stringlist literal "a\0b": its size includes the final NUL. */
#define FB_LIST(f, name, lit) fb_prop(f, name, lit, (uint32_t)sizeof(lit))

static void fb_str_prop(struct fb *f, const char *name, const char *s)
{
	fb_prop(f, name, s, (uint32_t)strlen(s) + 1);
}

/* n u32 cells */
static void fb_cells(struct fb *f, const char *name, int n, ...)
{
	uint8_t buf[256];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		put32(buf + 4 * i, va_arg(ap, uint32_t));
	va_end(ap);
	fb_prop(f, name, buf, (uint32_t)(4 * n));
}

/* Finish: header + reservations + struct + FDT_END + strings, exact
 * malloc. Does not change *f, so a tree can be finished again. */
static uint8_t *fb_finish(struct fb *f, size_t *size)
{
	uint32_t hdr = 40;
	uint32_t rsv = hdr;
	uint32_t st = rsv + 16 * ((uint32_t)f->nrsv + 1);
	uint32_t stn = f->stn + 4;              /* + FDT_END */
	uint32_t strs = st + stn;
	uint32_t total = strs + f->strn;
	uint8_t *p = calloc(1, total);
	put32(p, FDT_MAGIC);
	put32(p + 4, total);
	put32(p + 8, st);
	put32(p + 12, strs);
	put32(p + 16, rsv);
	put32(p + 20, f->version);
	put32(p + 24, 16);
	put32(p + 28, 0);
	put32(p + 32, f->strn);
	put32(p + 36, f->version >= 17 ? stn : 0);
	for (int i = 0; i < f->nrsv; i++) {
		put32(p + rsv + 16 * i, (uint32_t)(f->rsv[2 * i] >> 32));
		put32(p + rsv + 16 * i + 4, (uint32_t)f->rsv[2 * i]);
		put32(p + rsv + 16 * i + 8, (uint32_t)(f->rsv[2 * i + 1] >> 32));
		put32(p + rsv + 16 * i + 12, (uint32_t)f->rsv[2 * i + 1]);
	}
	memcpy(p + st, f->st, f->stn);
	put32(p + st + f->stn, FDT_END);
	memcpy(p + strs, f->strs, f->strn);
	*size = total;
	return p;
}

/* Common skeleton pieces. */
static void fb_root(struct fb *f, uint32_t ac, uint32_t sc)
{
	fb_begin(f, "");
	fb_cells(f, "#address-cells", 1, ac);
	fb_cells(f, "#size-cells", 1, sc);
}

static void fb_memory(struct fb *f, const char *name, uint32_t hi, uint32_t lo, uint32_t size)
{
	fb_begin(f, name);
	fb_str_prop(f, "device_type", "memory");
	fb_cells(f, "reg", 4, hi, lo, 0, size);
	fb_end(f);
}

/* Open /cpus with one address cell and no size cells; the caller adds
 * cpu nodes and closes it. */
static void fb_cpus_begin(struct fb *f)
{
	fb_begin(f, "cpus");
	fb_cells(f, "#address-cells", 1, 1);
	fb_cells(f, "#size-cells", 1, 0);
}

/* A cpu node with hart id `reg`; isa and mmu-type only when not NULL. */
static void fb_riscv_cpu(struct fb *f, uint32_t reg, const char *isa, const char *mmu)
{
	char name[32];
	snprintf(name, sizeof name, "cpu@%u", reg);
	fb_begin(f, name);
	fb_str_prop(f, "device_type", "cpu");
	fb_cells(f, "reg", 1, reg);
	if (isa)
		fb_str_prop(f, "riscv,isa", isa);
	if (mmu)
		fb_str_prop(f, "mmu-type", mmu);
	fb_end(f);
}

static void fb_cpus(struct fb *f, int n)
{
	fb_cpus_begin(f);
	for (int i = 0; i < n; i++)
		fb_riscv_cpu(f, (uint32_t)i, NULL, NULL);
	fb_end(f);
}

static int parse_fb(struct fb *f, struct bootinfo *bi, const char **err)
{
	size_t n;
	uint8_t *p = fb_finish(f, &n);
	*err = NULL;
	int r = fdt_parse_bounded(p, n, bi, err);
	free(p);
	return r;
}

/* ---- synthetic trees --------------------------------------------------- */

static const char long_args[] =
	"gctrace=1 schedtrace=1000 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
	"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

/* What U-Boot's booti writes into /chosen, longer than bootinfo keeps. */
static const char uboot_version[] =
	"2023.01+dfsg-2+deb12u3 (a version string longer than the runtime keeps: cut)";

/* A board-like tree: a Pi-4-style /soc with a non-identity ranges, aliases,
 * a first ns16550 that stdout-path must override, reserved memory. */
static void build_board(struct fb *f, const char *stdout_path)
{
	fb_init(f);
	f->rsv[0] = 0x80000000; f->rsv[1] = 0x20000;
	f->rsv[2] = 0x90000000; f->rsv[3] = 0x1000;
	f->nrsv = 2;
	fb_root(f, 2, 2);
	fb_str_prop(f, "compatible", "test,board");
	fb_begin(f, "aliases");
	fb_str_prop(f, "serial0", "/soc/serial@1000");
	fb_str_prop(f, "serial1", "/serial@2000");
	fb_end(f);
	fb_begin(f, "chosen");
	fb_str_prop(f, "bootargs", long_args);
	fb_str_prop(f, "u-boot,version", uboot_version);
	if (stdout_path)
		fb_str_prop(f, "stdout-path", stdout_path);
	fb_end(f);
	fb_begin(f, "serial@2000");     /* first by compatible */
	FB_LIST(f, "compatible", "ns16550a\0ns16550");
	fb_cells(f, "reg", 4, 0, 0x2000, 0, 0x100);
	fb_end(f);
	fb_begin(f, "memory@80000000");
	fb_str_prop(f, "device_type", "memory");
	fb_cells(f, "reg", 8, 0, 0x80000000, 0, 0x40000000, 0x1, 0x0, 0, 0x10000000);
	fb_end(f);
	fb_begin(f, "memory@200000000");        /* disabled: ignored */
	fb_str_prop(f, "device_type", "memory");
	fb_str_prop(f, "status", "disabled");
	fb_cells(f, "reg", 4, 2, 0, 0, 0x1000);
	fb_end(f);
	fb_begin(f, "reserved-memory");
	fb_cells(f, "#address-cells", 1, 2);
	fb_cells(f, "#size-cells", 1, 2);
	fb_prop(f, "ranges", "", 0);
	fb_begin(f, "mmode_resv0@80000000");
	fb_cells(f, "reg", 4, 0, 0x80000000, 0, 0x40000);
	fb_prop(f, "no-map", "", 0);
	fb_end(f);
	fb_begin(f, "dynamic");         /* size only: no fixed address */
	fb_cells(f, "size", 2, 0, 0x100000);
	fb_end(f);
	fb_begin(f, "off@a0000000");
	fb_str_prop(f, "status", "disabled");
	fb_cells(f, "reg", 4, 0, 0xa0000000, 0, 0x1000);
	fb_end(f);
	fb_end(f);
	fb_begin(f, "cpus");
	fb_cells(f, "#address-cells", 1, 2);
	fb_cells(f, "#size-cells", 1, 0);
	fb_cells(f, "timebase-frequency", 2, 0x1, 0x2);    /* u64 */
	fb_begin(f, "cpu@0");
	fb_str_prop(f, "device_type", "cpu");
	fb_cells(f, "reg", 2, 0, 0);
	fb_str_prop(f, "status", "okay");
	FB_LIST(f, "riscv,isa-extensions", "i\0m\0a\0zicsr\0sstc");
	fb_begin(f, "interrupt-controller");
	fb_str_prop(f, "compatible", "riscv,cpu-intc");
	fb_end(f);
	fb_end(f);
	fb_begin(f, "cpu@1");           /* disabled: skipped */
	fb_str_prop(f, "device_type", "cpu");
	fb_cells(f, "reg", 2, 0, 1);
	fb_str_prop(f, "status", "disabled");
	fb_end(f);
	fb_begin(f, "cpu@100000000");
	fb_str_prop(f, "device_type", "cpu");
	fb_cells(f, "reg", 2, 1, 0);
	fb_str_prop(f, "riscv,isa", "rv64imafdc_zicsr_SSTC_svinval");
	fb_end(f);
	fb_begin(f, "cpu-map");
	fb_end(f);
	fb_end(f);
	fb_begin(f, "psci");
	FB_LIST(f, "compatible", "arm,psci-1.0\0arm,psci-0.2");
	fb_str_prop(f, "method", "smc");
	fb_end(f);
	fb_begin(f, "soc");
	fb_cells(f, "#address-cells", 1, 1);
	fb_cells(f, "#size-cells", 1, 1);
	fb_str_prop(f, "compatible", "simple-bus");
	/* child 0x0..0x1000000 -> 0xfe000000; child 0x40000000.. -> 0x4_0000_0000 */
	fb_cells(f, "ranges", 8, 0x0, 0x0, 0xfe000000, 0x1000000,
	         0x40000000, 0x4, 0x0, 0x1000000);
	fb_begin(f, "serial@1000");
	fb_str_prop(f, "compatible", "snps,dw-apb-uart");
	fb_cells(f, "reg", 2, 0x1000, 0x100);
	fb_cells(f, "reg-shift", 1, 2);
	fb_cells(f, "reg-io-width", 1, 4);
	fb_cells(f, "clock-frequency", 1, 24000000);
	fb_end(f);
	fb_begin(f, "gic@40001000");
	fb_str_prop(f, "compatible", "arm,gic-400");
	fb_cells(f, "reg", 4, 0x40001000, 0x1000, 0x40002000, 0x2000);
	fb_end(f);
	fb_begin(f, "bus@800000");      /* nested bus, identity ranges */
	fb_cells(f, "#address-cells", 1, 1);
	fb_cells(f, "#size-cells", 1, 1);
	fb_prop(f, "ranges", "", 0);
	fb_begin(f, "test@100");
	FB_LIST(f, "compatible", "sifive,test1\0sifive,test0");
	fb_cells(f, "reg", 2, 0x800100, 0x1000);
	fb_end(f);
	fb_end(f);
	fb_end(f);
	fb_end(f);
}

static void test_board(void)
{
	struct fb *f = malloc(sizeof *f);
	struct bootinfo bi;
	const char *err;

	build_board(f, "serial0:115200n8");
	int r = parse_fb(f, &bi, &err);
	CHECK(r == 0, "board parse: %d %s", r, err ? err : "");
	CHECK_EQ(bi.nmem, 2);
	CHECK_EQ(bi.mem[0].base, 0x80000000);
	CHECK_EQ(bi.mem[0].size, 0x40000000);
	CHECK_EQ(bi.mem[1].base, 0x100000000);
	CHECK_EQ(bi.mem[1].size, 0x10000000);
	CHECK_EQ(bi.nreserved, 3);
	CHECK_EQ(bi.reserved[0].base, 0x80000000);
	CHECK_EQ(bi.reserved[0].size, 0x20000);
	CHECK_EQ(bi.reserved[1].base, 0x90000000);
	CHECK_EQ(bi.reserved[2].base, 0x80000000);
	CHECK_EQ(bi.reserved[2].size, 0x40000);
	CHECK_EQ(bi.ncpu, 2);
	CHECK_EQ(bi.cpu_hwid[0], 0);
	CHECK_EQ(bi.cpu_hwid[1], 0x100000000);
	CHECK_EQ(bi.timebase_hz, 0x100000002);
	CHECK_EQ(bi.has_sstc, 1);
	CHECK_EQ(bi.uart, UART_NS16550);
	CHECK_EQ(bi.uart_base, 0xfe001000);
	CHECK_EQ(bi.uart_reg_shift, 2);
	CHECK_EQ(bi.uart_reg_io_width, 4);
	CHECK_EQ(bi.uart_clock_hz, 24000000);
	CHECK_EQ(bi.intc, INTC_GICV2);
	CHECK_EQ(bi.intc_base, 0x400001000);
	CHECK_EQ(bi.intc_base2, 0x400002000);
	CHECK_EQ(bi.intc_size2, 0x2000);
	CHECK_EQ(bi.psci, PSCI_SMC);
	CHECK_EQ(bi.test_finisher, 0xfe800100);
	CHECK_EQ(strlen(bi.bootargs), BI_BOOTARGS_MAX - 1);
	CHECK(strncmp(bi.bootargs, long_args, BI_BOOTARGS_MAX - 1) == 0, "bootargs");
	CHECK_EQ(strlen(bi.uboot_version), BI_UBOOT_VERSION_MAX - 1);
	CHECK(strncmp(bi.uboot_version, uboot_version, BI_UBOOT_VERSION_MAX - 1) == 0,
	      "u-boot,version '%s'", bi.uboot_version);

	/* stdout-path variants */
	static const struct { const char *path; uint64_t base; } sp[] = {
		{ "serial0", 0xfe001000 },
		{ "serial1:9600", 0x2000 },
		{ "/soc/serial@1000:115200n8", 0xfe001000 },
		{ "/soc/serial", 0xfe001000 },          /* unit address omitted */
		{ "/soc/serial@1001", 0x2000 },         /* no such node: first */
		{ "nosuchalias", 0x2000 },
		{ "/cpus", 0x2000 },                    /* not a uart: first */
		{ "", 0x2000 },
		{ NULL, 0x2000 },
	};
	for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) {
		build_board(f, sp[i].path);
		r = parse_fb(f, &bi, &err);
		CHECK(r == 0 && bi.uart_base == sp[i].base,
		      "stdout-path '%s': r=%d base %#llx", sp[i].path ? sp[i].path : "(none)",
		      r, (unsigned long long)bi.uart_base);
	}
	free(f);
}

static void test_cpus(void)
{
	struct fb *f = malloc(sizeof *f);
	struct bootinfo bi;
	const char *err;

	/* More CPUs than BI_MAX_CPU. */
	fb_init(f);
	fb_root(f, 2, 1);
	fb_begin(f, "memory");
	fb_str_prop(f, "device_type", "memory");
	fb_cells(f, "reg", 3, 0, 0x40000000, 0x8000000);       /* size-cells 1 */
	fb_end(f);
	fb_cpus(f, BI_MAX_CPU + 3);
	fb_end(f);
	int r = parse_fb(f, &bi, &err);
	CHECK(r == 0, "many cpus: %d %s", r, err ? err : "");
	CHECK_EQ(bi.ncpu, BI_MAX_CPU);
	CHECK_EQ(bi.ncpu_ignored, 3);
	CHECK_EQ(bi.cpu_hwid[BI_MAX_CPU - 1], BI_MAX_CPU - 1);
	CHECK_EQ(bi.mem[0].size, 0x8000000);
	CHECK_EQ(bi.has_sstc, 0);
	CHECK_EQ(bi.uart, UART_NONE);
	CHECK_EQ(bi.intc, INTC_NONE);

	/* sstc on one hart only: not usable. Timebase on the cpu node. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_memory(f, "memory@80000000", 0, 0x80000000, 0x1000000);
	fb_cpus_begin(f);
	fb_begin(f, "cpu@0");
	fb_str_prop(f, "device_type", "cpu");
	fb_cells(f, "reg", 1, 0);
	fb_cells(f, "timebase-frequency", 1, 1000000);
	fb_str_prop(f, "riscv,isa", "rv64imafdc_sstc");
	fb_end(f);
	fb_riscv_cpu(f, 1, "rv64imafdc_sstcx_zicsr", NULL);
	fb_end(f);
	fb_end(f);
	r = parse_fb(f, &bi, &err);
	CHECK(r == 0, "sstc: %d %s", r, err ? err : "");
	CHECK_EQ(bi.has_sstc, 0);
	CHECK_EQ(bi.timebase_hz, 1000000);
	CHECK_EQ(bi.ncpu, 2);                   /* no mmu-type anywhere: all kept */

	/* mmu-type "riscv,none": a hart without an MMU is left out, and the
	 * Sstc verdict is the remaining harts'. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_memory(f, "memory@80000000", 0, 0x80000000, 0x1000000);
	fb_cpus_begin(f);
	fb_riscv_cpu(f, 0, "rv64imac", "riscv,none");
	fb_riscv_cpu(f, 1, "rv64imafdc_sstc", NULL);
	fb_end(f);
	fb_end(f);
	r = parse_fb(f, &bi, &err);
	CHECK(r == 0, "riscv,none: %d %s", r, err ? err : "");
	CHECK_EQ(bi.ncpu, 1);
	CHECK_EQ(bi.cpu_hwid[0], 1);
	CHECK_EQ(bi.ncpu_nommu, 1);
	CHECK_EQ(bi.has_sstc, 1);

	/* Only harts without an MMU: an error that says so. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_memory(f, "memory@80000000", 0, 0x80000000, 0x1000000);
	fb_cpus_begin(f);
	fb_riscv_cpu(f, 0, NULL, "riscv,none");
	fb_end(f);
	fb_end(f);
	r = parse_fb(f, &bi, &err);
	CHECK(r == FDT_ERR_MISSING && err && strstr(err, "lacks an MMU"),
	      "only MMU-less harts: %d %s", r, err ? err : "");
	free(f);
}

/* Expect parse failure with a message containing `want`. */
static void expect_err(struct fb *f, const char *want, const char *ctx)
{
	struct bootinfo bi;
	const char *err;
	int r = parse_fb(f, &bi, &err);
	CHECK(r < 0, "%s: parsed", ctx);
	check_msg(err, ctx);
	CHECK(err && strstr(err, want), "%s: message '%s', want '%s'", ctx,
	      err ? err : "(null)", want);
}

static void test_errors(void)
{
	struct fb *f = malloc(sizeof *f);
	struct bootinfo bi;
	const char *err;
	size_t n;
	int r;

	/* No memory. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_cpus(f, 1);
	fb_end(f);
	expect_err(f, "device tree: no memory", "no memory");

	/* Memory with only a zero-size range counts as none. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_memory(f, "memory@0", 0, 0, 0);
	fb_cpus(f, 1);
	fb_end(f);
	expect_err(f, "no memory", "zero-size memory");

	/* No cpus (one disabled). */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_memory(f, "memory@80000000", 0, 0x80000000, 0x1000000);
	fb_begin(f, "cpus");
	fb_begin(f, "cpu@0");
	fb_str_prop(f, "device_type", "cpu");
	fb_str_prop(f, "status", "disabled");
	fb_cells(f, "reg", 1, 0);
	fb_end(f);
	fb_end(f);
	fb_end(f);
	expect_err(f, "device tree: no cpu", "no cpu");

	/* reg length not a multiple of the entry size. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_begin(f, "memory@80000000");
	fb_str_prop(f, "device_type", "memory");
	fb_cells(f, "reg", 3, 0, 0x80000000, 0);
	fb_end(f);
	fb_cpus(f, 1);
	fb_end(f);
	expect_err(f, "property 'reg' of /memory@80000000 has length 12, not a multiple of 16",
	           "bad reg");

	/* Too deep. */
	fb_init(f);
	fb_root(f, 2, 2);
	for (int i = 0; i < 20; i++)
		fb_begin(f, "n");
	for (int i = 0; i < 20; i++)
		fb_end(f);
	fb_end(f);
	expect_err(f, "nested too deep", "depth");

	/* Exactly the limit is fine (depth 15 below root). */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_memory(f, "memory@80000000", 0, 0x80000000, 0x1000000);
	fb_cpus(f, 1);
	for (int i = 0; i < FDT_MAX_DEPTH - 1; i++)
		fb_begin(f, "n");
	for (int i = 0; i < FDT_MAX_DEPTH - 1; i++)
		fb_end(f);
	fb_end(f);
	r = parse_fb(f, &bi, &err);
	CHECK(r == 0, "depth limit: %d %s", r, err ? err : "");

	/* Too many reservations. */
	fb_init(f);
	for (int i = 0; i < BI_MAX_RESERVED + 1; i++) {
		f->rsv[2 * i] = 0x80000000 + 0x1000 * (uint64_t)i;
		f->rsv[2 * i + 1] = 0x1000;
	}
	f->nrsv = BI_MAX_RESERVED + 1;
	fb_root(f, 2, 2);
	fb_memory(f, "memory@80000000", 0, 0x80000000, 0x1000000);
	fb_cpus(f, 1);
	fb_end(f);
	expect_err(f, "more than 16 reserved", "reservations");

	/* Property after a subnode. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_memory(f, "memory@80000000", 0, 0x80000000, 0x1000000);
	fb_cpus(f, 1);
	fb_str_prop(f, "late", "x");
	fb_end(f);
	expect_err(f, "property after a subnode", "late prop");

	/* Two roots; unbalanced end. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_end(f);
	fb_root(f, 2, 2);
	fb_end(f);
	expect_err(f, "second root node", "two roots");
	fb_init(f);
	fb_root(f, 2, 2);
	fb_end(f);
	fb_end(f);
	expect_err(f, "FDT_END_NODE outside any node", "unbalanced");
	fb_init(f);
	fb_root(f, 2, 2);
	expect_err(f, "FDT_END inside a node", "unclosed root");
	fb_init(f);
	expect_err(f, "FDT_END before any node", "empty");

	/* Bad #address-cells length. */
	fb_init(f);
	fb_begin(f, "");
	fb_cells(f, "#address-cells", 2, 0, 2);
	fb_end(f);
	expect_err(f, "#address-cells of / has length 8", "cells len");

	/* Property value running past the struct block: the spec's example. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_cpus(f, 1);
	fb_begin(f, "memory@80000000");
	fb_str_prop(f, "device_type", "memory");
	uint32_t reg_at = f->stn;
	fb_cells(f, "reg", 4, 0, 0x80000000, 0, 0x1000000);
	fb_end(f);
	fb_end(f);
	put32(f->st + reg_at + 4, 0x1000);
	expect_err(f, "device tree: property 'reg' of /memory@80000000 runs past the struct block",
	           "prop len");
	/* Name offset outside the strings block. */
	put32(f->st + reg_at + 4, 16);
	put32(f->st + reg_at + 8, 0x7fff);
	expect_err(f, "name offset outside the strings block", "nameoff");
	/* Bad token. */
	put32(f->st + reg_at, 0x77);
	expect_err(f, "bad token 0x77", "token");

	/* Header errors on a good blob. */
	fb_init(f);
	fb_root(f, 2, 2);
	fb_memory(f, "memory@80000000", 0, 0x80000000, 0x1000000);
	fb_cpus(f, 2);
	fb_end(f);
	uint8_t *good = fb_finish(f, &n);
	uint8_t *p = malloc(n);

	memcpy(p, good, n);
	r = fdt_parse_bounded(p, n, &bi, &err);
	CHECK(r == 0, "good: %d %s", r, err);

	memcpy(p, good, n);
	put32(p, 0x12345678);
	r = fdt_parse_bounded(p, n, &bi, &err);
	CHECK(r == FDT_ERR_MAGIC && strcmp(err, "device tree: bad magic 0x12345678 (want 0xd00dfeed)") == 0,
	      "magic: %d '%s'", r, err);
	r = fdt_parse(p, &bi, &err);
	CHECK(r == FDT_ERR_MAGIC, "magic via fdt_parse: %d", r);

	memcpy(p, good, n);
	put32(p + 20, 15);
	r = fdt_parse_bounded(p, n, &bi, &err);
	CHECK(r == FDT_ERR_VERSION && strstr(err, "unsupported version 15"), "v15: '%s'", err);

	memcpy(p, good, n);
	put32(p + 24, 18);
	r = fdt_parse_bounded(p, n, &bi, &err);
	CHECK(r == FDT_ERR_VERSION, "last_comp 18: '%s'", err);

	memcpy(p, good, n);
	put32(p + 36, be32(p + 36) + 0x1000);      /* size_dt_struct too big */
	r = fdt_parse_bounded(p, n, &bi, &err);
	{
		char want[128];
		snprintf(want, sizeof want,
		         "device tree: truncated: struct block ends at %#x but totalsize is %#x",
		         be32(p + 8) + be32(p + 36), (unsigned)n);
		CHECK(r == FDT_ERR_TRUNC && strcmp(err, want) == 0, "struct size: '%s' want '%s'", err, want);
	}

	memcpy(p, good, n);
	put32(p + 32, be32(p + 32) + 1);            /* strings one past the end */
	r = fdt_parse_bounded(p, n, &bi, &err);
	CHECK(r == FDT_ERR_TRUNC && strstr(err, "strings block ends at"), "strings: '%s'", err);

	memcpy(p, good, n);
	put32(p + 8, be32(p + 8) + 2);              /* misaligned struct */
	r = fdt_parse_bounded(p, n, &bi, &err);
	CHECK(r == FDT_ERR_LAYOUT && strstr(err, "not 4-byte aligned"), "align: '%s'", err);

	memcpy(p, good, n);
	put32(p + 16, 8);                           /* memrsv inside header */
	r = fdt_parse_bounded(p, n, &bi, &err);
	CHECK(r == FDT_ERR_LAYOUT && strstr(err, "overlaps the header"), "rsv: '%s'", err);

	memcpy(p, good, n);
	r = fdt_parse_bounded(p, n - 1, &bi, &err);
	CHECK(r == FDT_ERR_TRUNC && strstr(err, "but only"), "avail: '%s'", err);

	memcpy(p, good, n);
	put32(p + 4, 20);                           /* totalsize lies */
	r = fdt_parse(p, &bi, &err);
	CHECK(r == FDT_ERR_LAYOUT && strstr(err, "smaller than the header"), "small total: '%s'", err);

	/* NULL blob; NULL err pointer is allowed. */
	r = fdt_parse(NULL, &bi, &err);
	CHECK(r < 0 && strstr(err, "null"), "null: '%s'", err);
	r = fdt_parse_bounded(NULL, 100, &bi, NULL);
	CHECK(r < 0, "null, no err");

	/* Version 16 header: no size_dt_struct. */
	f->version = 16;
	free(good);
	good = fb_finish(f, &n);
	r = fdt_parse_bounded(good, n, &bi, &err);
	CHECK(r == 0 && bi.ncpu == 2, "v16: %d %s", r, err ? err : "");

	free(p);
	free(good);
	free(f);
}

int main(void)
{
	test_board();
	test_cpus();
	test_errors();
	struct fb *f = malloc(sizeof *f);
	size_t n;
	build_board(f, "serial0:115200n8");
	uint8_t *b = fb_finish(f, &n);
	test_corruptions(b, n, "synthetic board", 3000);
	free(b);
	free(f);
	return check_summary();
}
