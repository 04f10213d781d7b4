/*
 * bootinfo.h - what the runtime learns about the board from the device tree.
 *
 * fdt_parse() (kernel/dt/fdt.c) fills one struct bootinfo on the boot CPU
 * before anything else runs; afterwards it is read-only and shared by all
 * CPUs without locks.
 */
#ifndef KERNEL_DT_BOOTINFO_H
#define KERNEL_DT_BOOTINFO_H

#include <stdint.h>
#include <stdbool.h>

#define BI_MAX_MEM      8
#define BI_MAX_RESERVED 16
#define BI_MAX_CPU      8
#define BI_BOOTARGS_MAX 256
#define BI_UBOOT_VERSION_MAX 64
#define BI_MAX_VIRTIO   32

/* A device's "interrupts" property as written (cells in the interrupt
 * controller's binding, which the arch decodes: arch_irq_decode). n == 0:
 * the device has none (or a form we do not read). */
struct dt_irq {
	uint32_t cells[3];
	uint32_t n;
};

/* A virtio-mmio transport (compatible "virtio,mmio"): its registers and
 * interrupt. What device sits behind it is read from the registers. */
struct virtio_mmio_node {
	uint64_t base, size;
	struct dt_irq irq;
};

struct mem_range {
	uint64_t base;
	uint64_t size;
};

enum uart_kind { UART_NONE, UART_NS16550, UART_PL011, UART_SIFIVE };
/* INTC_BCM2836: the Raspberry Pi 2/3 per-core local interrupt controller
 * (core timers, mailboxes as IPIs), with the BCM2835 ARM interrupt
 * controller behind it for device lines (intc_base2). */
enum intc_kind { INTC_NONE, INTC_PLIC, INTC_GICV2, INTC_GICV3, INTC_BCM2836 };
enum psci_conduit { PSCI_NONE, PSCI_HVC, PSCI_SMC };

struct bootinfo {
	const void *dtb;          /* the blob the firmware passed */
	uint32_t dtb_size;

	struct mem_range mem[BI_MAX_MEM];           /* /memory reg */
	int nmem;
	int nmem_ignored;               /* ranges beyond BI_MAX_MEM (dropped) */
	struct mem_range reserved[BI_MAX_RESERVED]; /* memreserve + /reserved-memory */
	int nreserved;

	int ncpu;                       /* CPUs listed in /cpus, okay status, MMU */
	uint64_t cpu_hwid[BI_MAX_CPU];  /* reg of each cpu node, index = logical */
	uint64_t cpu_release[BI_MAX_CPU]; /* enable-method "spin-table": its
	                                   cpu-release-addr; 0 = PSCI/SBI start */
	int ncpu_ignored;               /* listed but beyond BI_MAX_CPU */
	int ncpu_nommu;                 /* enabled but without an MMU (a monitor
	                                   core such as sifive_u's E51): left to
	                                   the firmware, not in cpu_hwid */

	uint64_t timebase_hz;           /* /cpus timebase-frequency (riscv); 0 if absent */
	bool has_sstc;                  /* riscv,isa or riscv,isa-extensions names sstc */

	enum uart_kind uart;
	uint64_t uart_base;
	uint32_t uart_reg_shift;        /* ns16550 reg-shift */
	uint32_t uart_clock_hz;         /* clock-frequency, or its "clocks" fixed clock; 0 unknown */
	uint32_t uart_reg_io_width;     /* reg-io-width in bytes, 0 if absent */
	struct dt_irq uart_irq;         /* its receive interrupt */

	struct virtio_mmio_node virtio[BI_MAX_VIRTIO]; /* in device-tree order */
	int nvirtio;

	enum intc_kind intc;
	uint64_t intc_base;             /* PLIC base, GIC distributor, BCM2836 local */
	uint64_t intc_base2;            /* GICv2 CPU interface, GICv3 redistributors,
	                                   or the BCM2835 ARM interrupt controller */
	uint64_t intc_size2;

	/* riscv: each hart's S-mode PLIC context, from the PLIC node's
	 * interrupts-extended (the entry naming the hart's riscv,cpu-intc
	 * with interrupt 9, S-mode external); none if the property is absent */
	struct { uint64_t hwid; uint32_t ctx; } plic_sctx[BI_MAX_CPU];
	int nplic_sctx;

	enum psci_conduit psci;         /* /psci method */

	uint64_t test_finisher;         /* riscv "sifive,test0/1" syscon, 0 if none */

	char bootargs[BI_BOOTARGS_MAX]; /* /chosen/bootargs, "" if none */
	/* /chosen/u-boot,version: U-Boot's booti writes it into the tree it
	 * hands over, so it says the tree came through U-Boot; "" otherwise */
	char uboot_version[BI_UBOOT_VERSION_MAX];

	bool parsed;                    /* set by kmain once fdt_parse succeeded;
	                                   until then arch code uses its
	                                   documented QEMU virt fallbacks */
};

/* Parse the flattened device tree at dtb into *bi. Returns 0 on success or
 * a negative error; on error *err is set to a one-line description (e.g.
 * "device tree: truncated: struct block ends at 0x1234 but totalsize is
 * 0x1000"; a static buffer, valid until the next call) and *bi must not be
 * used. Never reads beyond the header's totalsize (beyond its 40-byte header
 * if totalsize lies even about that), and checks every offset before
 * following it. Error values: see FDT_ERR_* in kernel/dt/fdt_walk.h
 * (-1 truncated, -2 magic, -3 version, -4 layout, -5 structure, -6 bad
 * property value, -7 no memory/cpu, -8 too many reservations).
 * docs/device-tree.md lists what is read and the fallbacks. */
int fdt_parse(const void *dtb, struct bootinfo *bi, const char **err);

/* The same, but the caller vouches for at most `avail` bytes of the blob
 * (used when the firmware's bound is known, and by tests). */
int fdt_parse_bounded(const void *dtb, uint64_t avail, struct bootinfo *bi,
                      const char **err);

/* Does dtb start with the FDT magic? (A loader's boot argument may be
 * anything: reads 4 bytes, never dereferences NULL.) */
bool fdt_has_magic(const void *dtb);

extern struct bootinfo bootinfo;

#endif
