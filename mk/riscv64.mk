# riscv64: S-mode kernel under OpenSBI on QEMU virt (RV64GC, LP64D).
ARCHDIR      := riscv
GNU_PREFIX   := riscv64-unknown-elf-
CLANG_TARGET := riscv64-unknown-elf
ARCH_CFLAGS  := -march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax
PICOLIBC_DIR := /usr/lib/picolibc/riscv64-unknown-elf
PICOLIBC_LIB := $(PICOLIBC_DIR)/lib/release/rv64imafdc/lp64d
LIBGCC       := $(shell $(GNU_PREFIX)gcc $(ARCH_CFLAGS) -print-libgcc-file-name)
# Where the image is linked and loaded: QEMU virt puts RAM at 0x80000000 and
# OpenSBI takes the first 2 MiB. Boards with RAM elsewhere (VisionFive 2:
# 0x40000000) set LOAD_ADDR=0x40200000.
LOAD_ADDR    ?= 0x80200000
