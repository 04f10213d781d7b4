# Top-level Makefile.
#
#   make [ARCH=riscv64|aarch64] [CC=gcc|clang]      build build/<arch>/<app>.elf + .bin
#   make run   [ARCH=..] [SMP=n] [APP=examples/NAME] [BOOTARGS="..."] [DISK=image]
#              [BOOT=direct|uboot]                  uboot: U-Boot boots it from a boot medium
#   make run   BOARD=virt|sifive_u|raspi3b          which QEMU machine (docs/boards.md);
#                                                   a board other than virt selects ARCH
#   make run ARCH=hosted [SMP=n] [APP=..] [BOOTARGS=..] [DISK=image]   the same program as a Linux
#                                                   process: build/hosted-<cc>/<app> (docs/hosted.md);
#                                                   SAN=undefined: UBSan, build/hosted-<cc>-undefined/;
#                                                   SAN=address,undefined: ASan too (docs/hosted.md)
#                                                   HOSTCPU=aarch64|riscv64: cross-built, run under
#                                                   qemu-user: build/hosted-<cpu>-gcc/ (docs/hosted.md)
#   make test                                       every host and QEMU test, both arches
#   make bench [ARCH=..]                            instruction-count benchmarks
#   make bench-vs-go [REPS=n]                       the same programs in C (hosted) and in Go,
#                                                   wall-clock medians side by side (bench/vs-go/)
#   make debug [ARCH=..] [APP=..]                   QEMU halted with a gdb server
#   make lab LAB=name                               lab/<name>/: a copy of the tree without
#                                                   one mechanism (labs/README.md)
#   make grade [LAB=name]                           run the tests that judge a lab
#   make trace [ARCH=..] [SMP=n] [APP=..] [BOOTARGS=..]  execution trace: build/trace/<app>.json + .png
#
# Everything an image needs is built from the tree; nothing is downloaded.
# scripts/setup.sh installs missing Debian packages before anything else.

Q        ?= @
# BOARD: the QEMU machine qemu/run.sh boots (docs/boards.md). virt exists
# for both arches; every other board has one, which it selects. A board
# differs in what its device tree says and, where the loader puts the image
# elsewhere, in its link address and a built-in device tree for loaders
# that pass none; such a board's images go to build/<arch>-<board>-<tc>/.
BOARD    ?= virt
ifeq ($(BOARD),sifive_u)
BOARD_ARCH := riscv64
endif
ifeq ($(BOARD),raspi3b)
BOARD_ARCH   := aarch64
LOAD_ADDR    := 0x80000
BUILTIN_DTB  := arch/aarch64/boards/raspi3b.dts
BOARD_SUFFIX := -raspi3b
endif
ifneq ($(BOARD_ARCH),)
ifeq ($(origin ARCH),command line)
ifneq ($(ARCH),$(BOARD_ARCH))
$(error BOARD=$(BOARD) is a $(BOARD_ARCH) board, not ARCH=$(ARCH))
endif
endif
override ARCH := $(BOARD_ARCH)
endif
ARCH     ?= riscv64
APP      ?= examples/demo
SMP      ?= 4
BOOTARGS ?=
DISK     ?=
# How QEMU starts the image (run, debug, trace): direct (-kernel) or uboot
# (Debian's U-Boot loads it from a boot medium and starts it with booti;
# qemu/run.sh reads BOOT from the environment; docs/boards.md#u-boot).
BOOT     ?= direct
export BOOT
CC       ?= gcc
# GNU make presets CC=cc; treat that as "the default compiler".
ifeq ($(origin CC),default)
CC := gcc
endif
TOOLCHAIN := $(if $(findstring clang,$(CC)),clang,gcc)

# ---- setup first ---------------------------------------------------------------
# mk/*.mk ask the compilers for their include and libgcc paths with $(shell),
# which runs while make parses, before any rule could run. So the packages are
# installed here, at parse time, before those files are read: the first
# `make run` on a fresh machine works. Sub-makes (tests/run.sh) inherit
# GORT_SETUP_DONE and skip it. tests/make/setup_first.sh checks the order.
SETUP ?= scripts/setup.sh
ifeq ($(filter clean,$(MAKECMDGOALS)),)
ifndef GORT_SETUP_DONE
ifneq ($(shell $(SETUP) >&2 && echo ok),ok)
$(error $(SETUP) failed: the build needs the Debian packages it installs)
endif
export GORT_SETUP_DONE := 1
endif
endif

APPNAME  := $(notdir $(APP))
# DEBUG=1 (the default, and what the tests build): ASSERTs and the lock
# discipline's checks (docs/locks.md). DEBUG=0: neither; `make bench`
# measures that build, in its own directory.
DEBUG    ?= 1
BUILD    := build/$(ARCH)$(if $(filter 1,$(LSE)),-lse)$(BOARD_SUFFIX)-$(TOOLCHAIN)$(if $(filter 0,$(DEBUG)),-release)$(if $(SAN),-$(SAN))
OBJDIR   := $(BUILD)/obj

ifeq ($(ARCH),hosted)
include mk/hosted.mk
else
ifneq ($(SAN),)
$(error SAN=$(SAN): sanitizers are for ARCH=hosted (docs/hosted.md))
endif
include mk/$(ARCH).mk
include mk/toolchain.mk
endif

# ---- sources ---------------------------------------------------------------
# Portable runtime: every .c under kernel/ and drivers/, plus boot/*.c.
# Architecture: every .c and .S under arch/$(ARCHDIR)/, plus boot/entry-$(ARCH).S.
KERNEL_SRCS := $(sort $(wildcard kernel/*/*.c drivers/*/*.c boot/*.c))
# SKIP="kernel/sync/%" leaves sources out (work in progress in a shared tree).
KERNEL_SRCS := $(filter-out $(SKIP) $(HOSTED_SKIP),$(KERNEL_SRCS))
# ARCH_EXTRA_SRCS: the hosted port's per-CPU files (mk/hosted.mk).
ARCH_SRCS   := $(sort $(wildcard arch/$(ARCHDIR)/*.c arch/$(ARCHDIR)/*.S)) \
	$(ARCH_EXTRA_SRCS) $(wildcard boot/entry-$(ARCH).S)
RT_OBJS     := $(patsubst %,$(OBJDIR)/%.o,$(KERNEL_SRCS) $(ARCH_SRCS))
# The board's built-in device tree (dtc, from device-tree-compiler), linked
# into every image as builtin_dtb (boot/builtin_dtb.S) for when the loader
# passes none. Not in the archive: boot/main.c's weak references would not
# pull it out.
BOARD_OBJS  := $(if $(BUILTIN_DTB),$(OBJDIR)/builtin_dtb.o)
RT_LIB      := $(BUILD)/libgort.a

INCLUDES := -Iinclude -I. -Iarch -Iarch/$(ARCHDIR)
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS_COMMON := -ffreestanding -fno-common -fno-omit-frame-pointer -g -O2 \
	-std=gnu11 $(WARN) $(INCLUDES) $(PICOLIBC_INC) -DGORT_DEBUG=$(DEBUG)
CFLAGS  := $(CFLAGS_COMMON) $(ARCH_CFLAGS) $(TC_CFLAGS) $(EXTRA_CFLAGS)
ASFLAGS := $(CFLAGS) -D__ASSEMBLY__

.PHONY: all run test bench bench-vs-go debug clean setup host-test qemu-test lab grade trace
.DEFAULT_GOAL := all
ifeq ($(ARCH),hosted)
all: $(BUILD)/$(APPNAME) $(BUILD)/$(APPNAME).lst
else
all: $(BUILD)/$(APPNAME).bin $(BUILD)/$(APPNAME).lst
endif

setup:
	@$(SETUP)

# Objects depend on a stamp named after a hash of the flags, so changing
# a flag (or the toolchain) rebuilds everything that was built with others.
FLAGS_STAMP := $(BUILD)/flags.$(shell echo '$(CFLAGS) $(LDFLAGS)' | md5sum | cut -c1-12)
$(FLAGS_STAMP):
	@mkdir -p $(BUILD); rm -f $(BUILD)/flags.*; touch $@

$(OBJDIR)/%.c.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(TC_CC) $(CFLAGS) -MMD -MP -c $< -o $@
	$(if $(POST_OBJ),$(Q)$(POST_OBJ))

$(OBJDIR)/%.S.o: %.S $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(TC_CC) $(ASFLAGS) -MMD -MP -c $< -o $@
	$(if $(POST_OBJ),$(Q)$(POST_OBJ))

$(BUILD)/builtin.dtb: $(BUILTIN_DTB) $(FLAGS_STAMP)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(OBJDIR)/builtin_dtb.o: boot/builtin_dtb.S $(BUILD)/builtin.dtb
	@mkdir -p $(dir $@)
	$(Q)$(TC_CC) $(ASFLAGS) -DGORT_BUILTIN_DTB='"$(BUILD)/builtin.dtb"' -DGORT_BOARD='"$(BOARD)"' -c $< -o $@

$(RT_LIB): $(RT_OBJS)
	@rm -f $@
	$(Q)$(TC_AR) rcs $@ $^

# An application is every .c file in its directory, linked with the runtime.
# Two-pass link: pass 1 without symbols, then the function symbol table of
# pass 1 is compiled into pass 2. The table lives in its own section after
# .text, so no function moves between the passes.
define app_rules
$(BUILD)/$(notdir $(1)).elf: $(patsubst %,$(OBJDIR)/%.o,$(wildcard $(1)/*.c)) $(BOARD_OBJS) $(RT_LIB) linker/$(ARCH).ld scripts/gensymtab.sh
	@mkdir -p $$(dir $$@)
	$(Q)$$(TC_LD) $$(LDFLAGS) -o $$@.pass1 $$(filter %.o,$$^) $$(LIBS)
	$(Q)scripts/gensymtab.sh $$(TC_NM) $$@.pass1 > $$@.symtab.S
	$(Q)$$(TC_CC) $$(ASFLAGS) -c $$@.symtab.S -o $$@.symtab.o
	$(Q)$$(TC_LD) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $$@.symtab.o $$(LIBS)
	$(Q)scripts/checksymtab.sh $$(TC_NM) $$@.pass1 $$@
	$(Q)$$(TC_NM) -n $$@ > $$(@:.elf=.sym)
endef
APP_DIRS := $(sort $(APP) $(wildcard examples/* tests/qemu/* bench/* bench/vs-go/*))
APP_DIRS := $(foreach d,$(APP_DIRS),$(if $(wildcard $(d)/*.c),$(d)))
$(foreach d,$(APP_DIRS),$(eval $(call app_rules,$(d))))
ifeq ($(ARCH),hosted)
# A hosted program is the linked ELF itself, under the app's own name.
$(addprefix $(BUILD)/,$(notdir $(APP_DIRS))): $(BUILD)/%: $(BUILD)/%.elf
	$(Q)cp $< $@
endif

# ---- bench/malloc: picolibc's malloc as the baseline ----------------------
# The runtime's malloc/free shadow picolibc's; bench/malloc links a renamed
# copy of picolibc's (picolibc_malloc/picolibc_free) to count both.
PICOMALLOC_OBJ := $(BUILD)/bench-malloc/picolibc_malloc.o
$(PICOMALLOC_OBJ): bench/malloc/picolibc_malloc.sh
	@mkdir -p $(dir $@)
	$(Q)bench/malloc/picolibc_malloc.sh $(TC_AR) $(TC_OBJCOPY) $(TC_LD) $(PICOLIBC_LIB)/libc.a $@
$(BUILD)/malloc.elf: $(PICOMALLOC_OBJ)

%.bin: %.elf
	$(Q)$(TC_OBJCOPY) -O binary $< $@

# The listing (source and disassembly) is made for the app `make` builds,
# or on request (make build/<arch>-<tc>/<app>.lst), not for every image of
# make test: objdump -S took a third of an image's build time.
%.lst: %.elf
	$(Q)$(TC_OBJDUMP) -S $< > $@ 2>/dev/null

-include $(RT_OBJS:.o=.d)
APP_OBJS := $(foreach d,$(APP_DIRS),$(patsubst %,$(OBJDIR)/%.o,$(wildcard $(d)/*.c)))
-include $(APP_OBJS:.o=.d)

# ---- running ---------------------------------------------------------------
# DISK=path: a raw image file, the first block device (Block_Open(0)): a
# virtio disk under QEMU, a host file served by host threads hosted.
ifeq ($(ARCH),hosted)
run: $(BUILD)/$(APPNAME)
	@$(HOSTED_RUN) $(BUILD)/$(APPNAME) -smp $(SMP) $(if $(DISK),-disk $(DISK)) -- $(BOOTARGS)
else
run: $(BUILD)/$(APPNAME).bin
	@ARCH=$(ARCH) BOARD=$(BOARD) SMP=$(SMP) BOOTARGS="$(BOOTARGS)" DISK="$(DISK)" INTERACTIVE=1 qemu/run.sh $(BUILD)/$(APPNAME).bin
endif

# Boot with trace=1, keep the console log, turn its "#T " lines into Chrome
# trace JSON (Perfetto) and a PNG (docs/trace.md). Debian's python3, where
# setup.sh installs python3-matplotlib.
PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,python3)
trace: $(BUILD)/$(APPNAME).bin
	@mkdir -p build/trace
	@ARCH=$(ARCH) BOARD=$(BOARD) SMP=$(SMP) BOOTARGS="trace=1 $(BOOTARGS)" qemu/run.sh $(BUILD)/$(APPNAME).bin \
		| tee build/trace/$(APPNAME).log | grep -v '^#T '; \
		$(PYTHON) scripts/trace/gort_trace.py json build/trace/$(APPNAME).log build/trace/$(APPNAME).json && \
		$(PYTHON) scripts/trace/gort_trace.py png build/trace/$(APPNAME).log build/trace/$(APPNAME).png

debug: $(BUILD)/$(APPNAME).bin
	@ARCH=$(ARCH) BOARD=$(BOARD) SMP=$(SMP) BOOTARGS="$(BOOTARGS)" DEBUG_GDB=1 qemu/run.sh $(BUILD)/$(APPNAME).bin

# Build every app (examples, tests, benchmarks) for the current ARCH/CC.
images: $(foreach d,$(APP_DIRS),$(BUILD)/$(notdir $(d)).bin)

test:
	@tests/run.sh

bench:
	@ARCHES="$(if $(filter command line,$(origin ARCH)),$(ARCH),riscv64 aarch64)" bench/run.sh

# Seven programs in C against this runtime (hosted, gcc, DEBUG=0) and in Go
# (Debian's golang-go, which setup.sh installs), run alternately at SMP =
# GOMAXPROCS = 1 and 2: wall-clock medians and ours/Go (bench/README.md,
# "Side-by-side with Go, hosted").
REPS ?= 5
bench-vs-go:
	@bench/vs-go/run.py --reps $(REPS) --markdown build/vs-go/table.md

# ---- labs (labs/README.md) ------------------------------------------------
# `make lab LAB=x` writes lab/x/, a copy of the tree with the mechanism
# removed (the reference tree is not touched). `make grade` grades lab/x/
# from here, or, inside a lab copy (it has a .lab file naming its lab),
# the copy itself.
LAB    ?= $(if $(wildcard .lab),$(shell cat .lab))
lab:
	@scripts/lab.sh make "$(LAB)" "$(or $(LABDIR),lab/$(LAB))"

grade:
	@scripts/lab.sh grade "$(LAB)" "$(or $(LABDIR),$(if $(wildcard .lab),.,lab/$(LAB)))"

clean:
	rm -rf build

