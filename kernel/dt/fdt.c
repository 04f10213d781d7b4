/*
 * fdt.c - fill struct bootinfo from the flattened device tree.
 *
 * Objects: the global `bootinfo` (written once by the boot CPU, read-only and
 * lock-free afterwards) and a `struct parse` scratch state for one call.
 *
 * What is read (see docs/device-tree.md): memory (/memory nodes by
 * device_type), reservations (the memreserve block and /reserved-memory
 * children), CPUs (/cpus/<device_type "cpu">, those with an MMU), timebase,
 * sstc, console UART, interrupt controller, PSCI conduit, the SiFive test
 * finisher, /chosen/bootargs and /chosen/u-boot,version.
 *
 * Passes over the structure block (fdt_walk.c validates it fully each time):
 *   1. collect everything, including the first UART found by compatible and
 *      /chosen's stdout-path and /aliases' location;
 *   2. only if stdout-path is set: find that node (alias resolved, ":options"
 *      dropped) and prefer it when it is a UART we drive;
 *   3. only if the chosen UART has no clock-frequency but a "clocks" phandle:
 *      read clock-frequency from the node with that phandle (QEMU's pl011).
 *
 * Invariants: on success ncpu >= 1 and nmem >= 1; every address is a CPU
 * physical address (translated through the ancestors' ranges). On failure
 * the return is negative, *err is one line, and *bi holds whatever was
 * collected so far (callers must not use it).
 *
 * Bare-metal differences from a hosted DT library: no allocation, no libc
 * beyond string.h, one static message buffer, bytewise big-endian loads.
 */
#include <string.h>
#include "kernel/dt/bootinfo.h"
#include "kernel/dt/fdt_walk.h"

struct bootinfo bootinfo;

struct uart_cand {
	enum uart_kind kind;
	uint64_t base;
	uint32_t shift, io_width, clock;
	uint32_t clk_phandle;           /* first "clocks" entry, 0 if none */
	struct dt_irq irq;
};

struct parse {
	struct bootinfo *bi;
	const struct fdt_blob *b;
	bool has_stdout;
	struct fdt_pv stdout_path;
	bool has_aliases;
	uint32_t alias_props, alias_end;
	bool cpus_tb;                   /* /cpus had timebase-frequency */
	/* per counted cpu, in bi->cpu_hwid order, until cpus_without_mmu */
	struct { bool sstc; int8_t mmu; } cpu[BI_MAX_CPU]; /* mmu: MMU_* */
	bool any_mmu_type;              /* some cpu node names a translation mode */
	struct fdt_pv plic_ext;         /* the PLIC's interrupts-extended */
	struct { uint32_t phandle; uint64_t hwid; } intc[2 * BI_MAX_CPU];
	int nintc;                      /* per-hart interrupt controllers seen */
	bool intc_done, psci_done, test_done, armctrl_done;
	uint64_t armctrl;               /* BCM2835 ARM interrupt controller base */
	struct uart_cand first_uart, path_uart;
	/* pass 2 */
	const char *path;
	uint32_t path_len;
	bool path_found;
	/* pass 3 */
	uint32_t want_phandle;
	bool clock_found;
	uint64_t clock;
};

static const char *const uart_ns16550[] = {
	"ns16550a", "ns16550", "snps,dw-apb-uart", NULL
};
static const char *const uart_pl011[] = { "arm,pl011", NULL };
static const char *const uart_sifive[] = { "sifive,uart0", NULL };
static const char *const intc_plic[] = { "riscv,plic0", "sifive,plic-1.0.0", NULL };
static const char *const intc_gicv2[] = {
	"arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a7-gic", NULL
};
static const char *const intc_gicv3[] = { "arm,gic-v3", NULL };
static const char *const intc_bcm2836[] = { "brcm,bcm2836-l1-intc", NULL };
static const char *const intc_armctrl[] = {
	"brcm,bcm2836-armctrl-ic", "brcm,bcm2835-armctrl-ic", NULL
};
static const char *const test_dev[] = { "sifive,test0", "sifive,test1", NULL };

/* A riscv cpu node's mmu-type: absent, a translation mode, or "riscv,none". */
enum { MMU_ABSENT, MMU_YES, MMU_NONE };

static bool compat_any(const struct fdt_pv *c, const char *const *list)
{
	for (; *list; list++)
		if (fdt_pv_has(c, *list, false))
			return true;
	return false;
}

/* status absent, "okay" or "ok": the device is usable. */
static bool node_ok(const struct fdt_walk *w, int d)
{
	struct fdt_pv s;
	if (!fdt_getprop(w, d, "status", &s))
		return true;
	return fdt_pv_streq(&s, "okay") || fdt_pv_streq(&s, "ok");
}

static int bad_prop(const struct fdt_walk *w, const char *prop, const char *why)
{
	fdt_msg_begin();
	fdt_msg_s("property '");
	fdt_msg_s(prop);
	fdt_msg_s("' of ");
	fdt_msg_path(w, w->depth);
	fdt_msg_s(why);
	return FDT_ERR_VALUE;
}

/* Number of reg entries of the current node, or <0 if malformed. Cells come
 * from the parent (DTSpec: #address-cells/#size-cells describe children). */
static int reg_count(const struct fdt_walk *w, struct fdt_pv *reg, uint32_t *ac, uint32_t *sc)
{
	int d = w->depth;
	*ac = d > 0 ? w->f[d - 1].ac : 2;
	*sc = d > 0 ? w->f[d - 1].sc : 1;
	if (!fdt_getprop(w, d, "reg", reg))
		return 0;
	if (*ac == 0 || *ac > FDT_MAX_CELLS || *sc > FDT_MAX_CELLS)
		return bad_prop(w, "reg", ": parent's #address-cells/#size-cells unsupported");
	uint32_t ent = 4 * (*ac + *sc);
	if (reg->len % ent) {
		fdt_msg_begin();
		fdt_msg_s("property 'reg' of ");
		fdt_msg_path(w, d);
		fdt_msg_s(" has length ");
		fdt_msg_u(reg->len);
		fdt_msg_s(", not a multiple of ");
		fdt_msg_u(ent);
		return FDT_ERR_VALUE;
	}
	return (int)(reg->len / ent);
}

/* reg entry i of the current node, untranslated. 0 ok, <0 malformed. */
static int reg_entry(const struct fdt_walk *w, const struct fdt_pv *reg,
                     uint32_t ac, uint32_t sc, int i, uint64_t *base, uint64_t *size)
{
	const uint8_t *e = reg->p + (uint32_t)i * 4 * (ac + sc);
	if (!fdt_cells(e, ac, base) || !fdt_cells(e + 4 * ac, sc, size))
		return bad_prop(w, "reg", " does not fit in 64 bits");
	return 0;
}

/* Translated base (and size) of reg entry i of a device node.
 * 0 ok, 1 absent or not reachable from the CPU, <0 malformed. */
static int dev_reg(const struct fdt_walk *w, int i, uint64_t *base, uint64_t *size)
{
	struct fdt_pv reg;
	uint32_t ac, sc;
	uint64_t a, s;
	int n = reg_count(w, &reg, &ac, &sc);
	if (n < 0)
		return n;
	if (i >= n)
		return 1;
	int r = reg_entry(w, &reg, ac, sc, i, &a, &s);
	if (r < 0)
		return r;
	if (!fdt_translate(w, w->depth, a, base))
		return 1;
	if (size)
		*size = s;
	return 0;
}

static int u32_prop(const struct fdt_walk *w, const char *name, uint32_t *out)
{
	struct fdt_pv v;
	if (!fdt_getprop(w, w->depth, name, &v))
		return 0;
	if (v.len != 4)
		return bad_prop(w, name, " is not a 32-bit cell");
	*out = fdt_rd32(v.p);
	return 0;
}

/* The node's "interrupts" property, 1 to 3 cells (PLIC: <irq>; GIC:
 * <type number flags>); anything else leaves *irq empty. */
static void irq_prop(const struct fdt_walk *w, struct dt_irq *irq)
{
	struct fdt_pv v;
	irq->n = 0;
	if (!fdt_getprop(w, w->depth, "interrupts", &v) || v.len % 4 || v.len == 0 ||
	    v.len > sizeof irq->cells)
		return;
	irq->n = v.len / 4;
	for (uint32_t i = 0; i < irq->n; i++)
		irq->cells[i] = fdt_rd32(v.p + 4 * i);
}

/* Evaluate the current node as a UART. 0: filled; 1: not one we drive or
 * not reachable; <0 malformed. */
static int uart_node(const struct fdt_walk *w, struct uart_cand *u)
{
	struct fdt_pv c, v;
	enum uart_kind kind;
	if (!fdt_getprop(w, w->depth, "compatible", &c) || !node_ok(w, w->depth))
		return 1;
	if (compat_any(&c, uart_ns16550))
		kind = UART_NS16550;
	else if (compat_any(&c, uart_pl011))
		kind = UART_PL011;
	else if (compat_any(&c, uart_sifive))
		kind = UART_SIFIVE;
	else
		return 1;
	struct uart_cand t = { .kind = kind };
	int r = dev_reg(w, 0, &t.base, NULL);
	if (r)
		return r;
	if ((r = u32_prop(w, "reg-shift", &t.shift)) < 0 ||
	    (r = u32_prop(w, "reg-io-width", &t.io_width)) < 0)
		return r;
	if (fdt_getprop(w, w->depth, "clock-frequency", &v)) {
		uint64_t hz;
		if (!fdt_pv_uint(&v, &hz) || hz > UINT32_MAX)
			return bad_prop(w, "clock-frequency", " is not a 32-bit frequency");
		t.clock = (uint32_t)hz;
	} else if (fdt_getprop(w, w->depth, "clocks", &v) && v.len >= 4) {
		t.clk_phandle = fdt_rd32(v.p);
	}
	irq_prop(w, &t.irq);
	*u = t;
	return 0;
}

/* compatible "virtio,mmio": remember the transport (the registers say
 * whether a device is behind it). */
static int virtio_node(const struct fdt_walk *w, struct bootinfo *bi)
{
	struct virtio_mmio_node n;
	int r = dev_reg(w, 0, &n.base, &n.size);
	if (r)
		return r < 0 ? r : 0;
	if (bi->nvirtio == BI_MAX_VIRTIO)
		return 0;
	irq_prop(w, &n.irq);
	bi->virtio[bi->nvirtio++] = n;
	return 0;
}

static bool sstc_in_isa(const struct fdt_pv *v)
{
	/* "rv64imafdc_zicsr_sstc": '_'-separated extensions after the base. */
	uint32_t i = 0;
	while (i < v->len && v->p[i] && v->p[i] != '_')
		i++;
	while (i < v->len && v->p[i] == '_') {
		uint32_t s = ++i;
		while (i < v->len && v->p[i] && v->p[i] != '_')
			i++;
		if (i - s == 4 && (v->p[s] | 32) == 's' && (v->p[s + 1] | 32) == 's' &&
		    (v->p[s + 2] | 32) == 't' && (v->p[s + 3] | 32) == 'c')
			return true;
	}
	return false;
}

static int add_reserved(struct parse *ps, uint64_t base, uint64_t size)
{
	struct bootinfo *bi = ps->bi;
	if (size == 0)
		return 0;
	if (bi->nreserved == BI_MAX_RESERVED) {
		fdt_msg_begin();
		fdt_msg_s("more than ");
		fdt_msg_u(BI_MAX_RESERVED);
		fdt_msg_s(" reserved memory regions (cannot ignore any safely)");
		return FDT_ERR_LIMIT;
	}
	bi->reserved[bi->nreserved].base = base;
	bi->reserved[bi->nreserved].size = size;
	bi->nreserved++;
	return 0;
}

/* /memory (device_type "memory") or /reserved-memory/<child>. */
static int mem_node(struct fdt_walk *w, struct parse *ps, bool reserved)
{
	struct fdt_pv reg;
	uint32_t ac, sc;
	int n = reg_count(w, &reg, &ac, &sc);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		uint64_t a, s, pa;
		int r = reg_entry(w, &reg, ac, sc, i, &a, &s);
		if (r < 0)
			return r;
		if (!fdt_translate(w, w->depth, a, &pa) || s == 0)
			continue;
		if (reserved) {
			if ((r = add_reserved(ps, pa, s)) < 0)
				return r;
		} else if (ps->bi->nmem < BI_MAX_MEM) {
			ps->bi->mem[ps->bi->nmem].base = pa;
			ps->bi->mem[ps->bi->nmem].size = s;
			ps->bi->nmem++;
		} else {
			ps->bi->nmem_ignored++;
		}
	}
	return 0;
}

static int cpu_node(struct fdt_walk *w, struct parse *ps)
{
	struct bootinfo *bi = ps->bi;
	struct fdt_pv v;
	uint32_t ac = w->f[1].ac;
	uint64_t hwid;

	if (!fdt_getprop(w, 2, "reg", &v))
		return bad_prop(w, "reg", " is missing");
	if (ac == 0 || ac > FDT_MAX_CELLS || v.len < 4 * ac || !fdt_cells(v.p, ac, &hwid))
		return bad_prop(w, "reg", " is not a valid hart/MPIDR id for /cpus #address-cells");
	if (fdt_getprop(w, 2, "timebase-frequency", &v) && !ps->cpus_tb &&
	    bi->timebase_hz == 0 && !fdt_pv_uint(&v, &bi->timebase_hz))
		return bad_prop(w, "timebase-frequency", " is neither u32 nor u64");
	bool sstc = (fdt_getprop(w, 2, "riscv,isa", &v) && sstc_in_isa(&v)) ||
	            (fdt_getprop(w, 2, "riscv,isa-extensions", &v) && fdt_pv_has(&v, "sstc", false));
	int mmu = MMU_ABSENT;
	if (fdt_getprop(w, 2, "mmu-type", &v)) {
		mmu = fdt_pv_streq(&v, "riscv,none") ? MMU_NONE : MMU_YES;
		ps->any_mmu_type |= mmu == MMU_YES;
	}
	if (bi->ncpu == BI_MAX_CPU) {
		bi->ncpu_ignored++;
		return 0;
	}
	uint64_t release = 0;
	if (fdt_getprop(w, 2, "enable-method", &v) && fdt_pv_has(&v, "spin-table", false)) {
		if (!fdt_getprop(w, 2, "cpu-release-addr", &v) || !fdt_pv_uint(&v, &release) ||
		    release == 0)
			return bad_prop(w, "cpu-release-addr", " is missing or not an address (enable-method spin-table)");
	}
	ps->cpu[bi->ncpu].sstc = sstc;
	ps->cpu[bi->ncpu].mmu = (int8_t)mmu;
	bi->cpu_release[bi->ncpu] = release;
	bi->cpu_hwid[bi->ncpu++] = hwid;
	return 0;
}

/* Drop the harts the runtime cannot run on: no MMU. A monitor core such
 * as the HiFive Unleashed's E51 (hart 0, M and U mode only) is listed
 * beside the application harts; OpenSBI marks it status "disabled" in the
 * tree it passes on (cpu_node never sees it then), but a tree straight
 * from QEMU or another loader lists it as "okay". Its node says so by
 * mmu-type: "riscv,none", or - the E51's way - no mmu-type while other
 * harts name a translation mode ("riscv,sv39"...). A tree that names no
 * MMU anywhere keeps every hart: many hand-written trees leave the
 * property out. Then has_sstc: every hart we keep has Sstc. */
static void cpus_without_mmu(struct parse *ps)
{
	struct bootinfo *bi = ps->bi;
	int n = 0;
	bool all_sstc = true;
	for (int i = 0; i < bi->ncpu; i++) {
		int mmu = ps->cpu[i].mmu;
		if (mmu == MMU_NONE || (mmu == MMU_ABSENT && ps->any_mmu_type)) {
			bi->ncpu_nommu++;
			continue;
		}
		all_sstc = all_sstc && ps->cpu[i].sstc;
		ps->cpu[n] = ps->cpu[i];
		bi->cpu_release[n] = bi->cpu_release[i];
		bi->cpu_hwid[n++] = bi->cpu_hwid[i];
	}
	bi->ncpu = n;
	bi->has_sstc = n > 0 && all_sstc;
}

/* /cpus/cpu@N/interrupt-controller: remember its phandle and the hart's
 * id, to read the PLIC's interrupts-extended against (plic_contexts). */
static int cpu_intc_node(struct fdt_walk *w, struct parse *ps)
{
	struct fdt_pv v, reg;
	uint32_t ac = w->f[1].ac;
	uint64_t hwid;
	if (!fdt_getprop(w, 3, "interrupt-controller", &v) ||
	    (!fdt_getprop(w, 3, "phandle", &v) && !fdt_getprop(w, 3, "linux,phandle", &v)) ||
	    v.len != 4 || !fdt_getprop(w, 2, "reg", &reg) ||
	    ac == 0 || ac > FDT_MAX_CELLS || reg.len < 4 * ac || !fdt_cells(reg.p, ac, &hwid))
		return 0;
	if (ps->nintc < (int)(sizeof ps->intc / sizeof ps->intc[0])) {
		ps->intc[ps->nintc].phandle = fdt_rd32(v.p);
		ps->intc[ps->nintc].hwid = hwid;
		ps->nintc++;
	}
	return 0;
}

/* The PLIC's interrupts-extended: one <phandle irq> per context, in context
 * order (a hart's riscv,cpu-intc has one interrupt cell); irq 9 is the
 * S-mode external interrupt, i.e. our context for that hart. */
static void plic_contexts(struct parse *ps)
{
	struct bootinfo *bi = ps->bi;
	for (uint32_t ctx = 0; 8 * (ctx + 1) <= ps->plic_ext.len; ctx++) {
		uint32_t ph = fdt_rd32(ps->plic_ext.p + 8 * ctx);
		uint32_t irq = fdt_rd32(ps->plic_ext.p + 8 * ctx + 4);
		if (irq != 9)
			continue;
		for (int i = 0; i < ps->nintc; i++)
			if (ps->intc[i].phandle == ph && bi->nplic_sctx < BI_MAX_CPU) {
				bi->plic_sctx[bi->nplic_sctx].hwid = ps->intc[i].hwid;
				bi->plic_sctx[bi->nplic_sctx].ctx = ctx;
				bi->nplic_sctx++;
				break;
			}
	}
}

/* A string property into dst: cut at its NUL, its length or size - 1
 * bytes, whichever comes first; always NUL-terminated. */
static void copy_string(char *dst, uint32_t size, const struct fdt_pv *v)
{
	uint32_t n = 0;
	while (n < v->len && n < size - 1 && v->p[n])
		n++;
	memcpy(dst, v->p, n);
	dst[n] = 0;
}

/* Pass 1: called for every node once its properties are complete. */
static int collect(struct fdt_walk *w, void *arg)
{
	struct parse *ps = arg;
	struct bootinfo *bi = ps->bi;
	int d = w->depth, r;
	struct fdt_pv v, c;

	if (d == 1) {
		if (fdt_getprop(w, 1, "device_type", &v) && fdt_pv_streq(&v, "memory")) {
			if (node_ok(w, 1) && (r = mem_node(w, ps, false)) < 0)
				return r;
		} else if (fdt_name_is(w, 1, "chosen")) {
			if (fdt_getprop(w, 1, "bootargs", &v))
				copy_string(bi->bootargs, sizeof bi->bootargs, &v);
			if (fdt_getprop(w, 1, "u-boot,version", &v))
				copy_string(bi->uboot_version, sizeof bi->uboot_version, &v);
			ps->has_stdout = fdt_getprop(w, 1, "stdout-path", &ps->stdout_path) ||
			                 fdt_getprop(w, 1, "linux,stdout-path", &ps->stdout_path);
		} else if (fdt_name_is(w, 1, "aliases")) {
			ps->has_aliases = true;
			ps->alias_props = w->f[1].props;
			ps->alias_end = w->f[1].props_end;
		} else if (fdt_name_is(w, 1, "cpus")) {
			if (fdt_getprop(w, 1, "timebase-frequency", &v)) {
				if (!fdt_pv_uint(&v, &bi->timebase_hz))
					return bad_prop(w, "timebase-frequency", " is neither u32 nor u64");
				ps->cpus_tb = true;
			}
		}
	} else if (d == 2 && fdt_name_is(w, 1, "cpus")) {
		if (fdt_getprop(w, 2, "device_type", &v) && fdt_pv_streq(&v, "cpu") &&
		    node_ok(w, 2))
			return cpu_node(w, ps);
		return 0;
	} else if (d == 3 && fdt_name_is(w, 1, "cpus")) {
		return cpu_intc_node(w, ps);
	} else if (d == 2 && fdt_name_is(w, 1, "reserved-memory")) {
		if (node_ok(w, 2) && (r = mem_node(w, ps, true)) < 0)
			return r;
		return 0;
	}

	if (!fdt_getprop(w, d, "compatible", &c) || !node_ok(w, d))
		return 0;
	if (ps->first_uart.kind == UART_NONE && (r = uart_node(w, &ps->first_uart)) < 0)
		return r;
	if (fdt_pv_has(&c, "virtio,mmio", false) && (r = virtio_node(w, bi)) < 0)
		return r;
	if (!ps->intc_done) {
		enum intc_kind k = compat_any(&c, intc_plic) ? INTC_PLIC :
		                   compat_any(&c, intc_gicv2) ? INTC_GICV2 :
		                   compat_any(&c, intc_gicv3) ? INTC_GICV3 :
		                   compat_any(&c, intc_bcm2836) ? INTC_BCM2836 : INTC_NONE;
		if (k != INTC_NONE) {
			uint64_t b1 = 0, b2 = 0, s2 = 0;
			r = dev_reg(w, 0, &b1, NULL);
			if (r < 0)
				return r;
			if (r == 0 && (k == INTC_GICV2 || k == INTC_GICV3)) {
				r = dev_reg(w, 1, &b2, &s2);
				if (r < 0)
					return r;
			}
			if (r == 0) {
				if (k == INTC_PLIC)
					fdt_getprop(w, d, "interrupts-extended", &ps->plic_ext);
				bi->intc = k;
				bi->intc_base = b1;
				bi->intc_base2 = b2;
				bi->intc_size2 = s2;
				ps->intc_done = true;
			}
		}
	}
	/* The BCM2835 device-interrupt controller sits behind the local one;
	 * its base becomes intc_base2 once the walk is over, if the local
	 * controller is the one we use (the nodes come in either order). */
	if (!ps->armctrl_done && compat_any(&c, intc_armctrl)) {
		r = dev_reg(w, 0, &ps->armctrl, NULL);
		if (r < 0)
			return r;
		ps->armctrl_done = r == 0;
	}
	if (!ps->psci_done && fdt_pv_has(&c, "arm,psci", true)) {
		ps->psci_done = true;
		if (fdt_getprop(w, d, "method", &v)) {
			if (fdt_pv_streq(&v, "hvc"))
				bi->psci = PSCI_HVC;
			else if (fdt_pv_streq(&v, "smc"))
				bi->psci = PSCI_SMC;
		}
	}
	if (!ps->test_done && compat_any(&c, test_dev)) {
		r = dev_reg(w, 0, &bi->test_finisher, NULL);
		if (r < 0)
			return r;
		ps->test_done = r == 0;
	}
	return 0;
}

/* Does the current node's path equal ps->path? A path component without a
 * unit address also matches a node name that has one (DTSpec allows the
 * unit address to be omitted when unambiguous). */
static bool path_match(const struct fdt_walk *w, const char *p, uint32_t len)
{
	uint32_t i = 0;
	int d = 0;
	if (len == 0 || p[0] != '/')
		return false;
	while (i < len) {
		while (i < len && p[i] == '/')
			i++;
		if (i == len)
			break;
		uint32_t s = i;
		while (i < len && p[i] != '/')
			i++;
		if (++d > w->depth)
			return false;
		uint32_t nl;
		const char *n = fdt_node_name(w, d, &nl);
		uint32_t cl = i - s;
		bool has_at = memchr(p + s, '@', cl) != NULL;
		if (!has_at) {
			const char *at = memchr(n, '@', nl);
			if (at)
				nl = (uint32_t)(at - n);
		}
		if (cl != nl || memcmp(p + s, n, nl) != 0)
			return false;
	}
	return d == w->depth;
}

/* Pass 2 */
static int find_stdout(struct fdt_walk *w, void *arg)
{
	struct parse *ps = arg;
	if (!path_match(w, ps->path, ps->path_len))
		return 0;
	ps->path_found = true;
	int r = uart_node(w, &ps->path_uart);
	return r < 0 ? r : 1;
}

/* Pass 3 */
static int find_clock(struct fdt_walk *w, void *arg)
{
	struct parse *ps = arg;
	struct fdt_pv v;
	if ((!fdt_getprop(w, w->depth, "phandle", &v) &&
	     !fdt_getprop(w, w->depth, "linux,phandle", &v)) ||
	    v.len != 4 || fdt_rd32(v.p) != ps->want_phandle)
		return 0;
	if (fdt_getprop(w, w->depth, "clock-frequency", &v) &&
	    fdt_pv_uint(&v, &ps->clock) && ps->clock <= UINT32_MAX)
		ps->clock_found = true;
	return 1;
}

/* stdout-path: "/full/path[:opts]" or "alias[:opts]". Sets ps->path. */
static bool resolve_stdout(struct parse *ps)
{
	const char *s = (const char *)ps->stdout_path.p;
	uint32_t n = 0;
	while (n < ps->stdout_path.len && s[n] && s[n] != ':')
		n++;
	if (n == 0)
		return false;
	if (s[0] != '/') {
		if (!ps->has_aliases)
			return false;
		/* Property names are looked up NUL-terminated: copy the alias. */
		char alias[32];
		struct fdt_pv v;
		if (n >= sizeof alias)
			return false;
		memcpy(alias, s, n);
		alias[n] = 0;
		if (!fdt_find_prop(ps->b, ps->alias_props, ps->alias_end, alias, &v))
			return false;
		s = (const char *)v.p;
		n = 0;
		while (n < v.len && s[n] && s[n] != ':')
			n++;
	}
	ps->path = s;
	ps->path_len = n;
	return true;
}

static int fail(const char **err, int code)
{
	if (err)
		*err = fdt_errmsg();
	return code;
}

int fdt_parse_bounded(const void *dtb, uint64_t avail, struct bootinfo *bi,
                      const char **err)
{
	struct fdt_blob b;
	struct parse ps;
	int r;

	memset(bi, 0, sizeof *bi);
	if ((r = fdt_check_header(dtb, avail, &b)) < 0)
		return fail(err, r);
	bi->dtb = dtb;
	bi->dtb_size = b.total;

	/* Memory reservation block: (address, size) u64 pairs up to (0, 0). */
	memset(&ps, 0, sizeof ps);
	ps.bi = bi;
	ps.b = &b;
	for (uint32_t o = b.rsv_off;; o += 16) {
		if (b.total - o < 16) {
			fdt_msg_begin();
			fdt_msg_s("truncated: memory reservation block has no terminator before totalsize ");
			fdt_msg_x(b.total);
			return fail(err, FDT_ERR_TRUNC);
		}
		uint64_t a = fdt_rd64(b.base + o), s = fdt_rd64(b.base + o + 8);
		if (a == 0 && s == 0)
			break;
		if ((r = add_reserved(&ps, a, s)) < 0)
			return fail(err, r);
	}

	if ((r = fdt_walk(&b, collect, &ps)) < 0)
		return fail(err, r);

	struct uart_cand u = ps.first_uart;
	if (ps.has_stdout && resolve_stdout(&ps)) {
		if ((r = fdt_walk(&b, find_stdout, &ps)) < 0)
			return fail(err, r);
		if (ps.path_uart.kind != UART_NONE)
			u = ps.path_uart;
	}
	if (u.kind != UART_NONE && u.clock == 0 && u.clk_phandle != 0) {
		ps.want_phandle = u.clk_phandle;
		if ((r = fdt_walk(&b, find_clock, &ps)) < 0)
			return fail(err, r);
		if (ps.clock_found)
			u.clock = (uint32_t)ps.clock;
	}
	bi->uart = u.kind;
	bi->uart_base = u.base;
	bi->uart_reg_shift = u.shift;
	bi->uart_reg_io_width = u.io_width;
	bi->uart_clock_hz = u.clock;
	bi->uart_irq = u.irq;
	plic_contexts(&ps);
	cpus_without_mmu(&ps);
	if (bi->intc == INTC_BCM2836)
		bi->intc_base2 = ps.armctrl;

	if (bi->nmem == 0) {
		fdt_msg_begin();
		fdt_msg_s("no memory: no node with device_type \"memory\" and a non-empty reg");
		return fail(err, FDT_ERR_MISSING);
	}
	if (bi->ncpu == 0) {
		fdt_msg_begin();
		fdt_msg_s(bi->ncpu_nommu ? "no cpu: every enabled cpu under /cpus lacks an MMU" :
		          "no cpu: no enabled node with device_type \"cpu\" under /cpus");
		return fail(err, FDT_ERR_MISSING);
	}
	return 0;
}

bool fdt_has_magic(const void *dtb)
{
	return dtb && fdt_rd32(dtb) == FDT_MAGIC;
}

int fdt_parse(const void *dtb, struct bootinfo *bi, const char **err)
{
	/* Only the header's own totalsize bounds the blob. Read it only once
	 * the magic says this is a device tree at all. */
	const uint8_t *p = dtb;
	uint64_t avail = 4;
	if (p && fdt_rd32(p) == FDT_MAGIC) {
		avail = fdt_rd32(p + 4);
		if (avail < 40)         /* let the header check name the lie */
			avail = 40;
	}
	return fdt_parse_bounded(dtb, avail, bi, err);
}
