# aarch64: EL1 kernel on QEMU virt (ARMv8.0-A baseline, so the Pi 4's
# cortex-a72 runs it; ldxr/stxr atomics unless LSE=1 selects ARMv8.1 LSE).
ARCHDIR      := aarch64
GNU_PREFIX   := aarch64-linux-gnu-
CLANG_TARGET := aarch64-none-elf
LSE          ?= 0
ARCH_CFLAGS  := $(if $(filter 1,$(LSE)),-march=armv8.1-a,-march=armv8-a) -mstrict-align
ARCH_GCC_CFLAGS := -mno-outline-atomics -mno-omit-leaf-frame-pointer
PICOLIBC_DIR := /usr/lib/picolibc/aarch64-linux-gnu
PICOLIBC_LIB := $(PICOLIBC_DIR)/lib/release
LIBGCC       := $(shell $(GNU_PREFIX)gcc $(ARCH_CFLAGS) -print-libgcc-file-name)
# QEMU virt RAM starts at 0x40000000; the Linux Image header asks for a
# 2 MiB-aligned base + 0x80000 like Linux does on older loaders.
LOAD_ADDR    ?= 0x40080000
