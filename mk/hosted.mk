# hosted: the runtime as an ordinary Linux program (docs/hosted.md).
# Built with the host compiler (CC=gcc or CC=clang) against glibc and
# pthreads; linked with the compiler driver, non-PIE (the two-pass symbol
# table needs fixed addresses), with linker/hosted.ld added to the default
# script.
#
# HOSTCPU picks the Linux CPU: x86_64, aarch64 or riscv64 (the CPU's own
# files are in arch/hosted/<cpu>/). The default is this machine's. Another CPU
# is a cross build with Debian's <cpu>-linux-gnu-gcc into
# build/hosted-<cpu>-gcc/, run under qemu-user (HOSTED_RUN; `make run` uses
# it). gcc only so far.
ARCHDIR      := hosted
NATIVE_CPU   := $(shell uname -m)
HOSTCPU      ?= $(NATIVE_CPU)
ifeq ($(filter x86_64 aarch64 riscv64,$(HOSTCPU)),)
$(error HOSTCPU=$(HOSTCPU): the hosted port knows x86_64, aarch64 and riscv64 (docs/hosted.md))
endif
# The CPU's own directory: its context switch, signal frame, injections.
ARCH_EXTRA_SRCS := $(sort $(wildcard arch/hosted/$(HOSTCPU)/*.c arch/hosted/$(HOSTCPU)/*.S))
ifneq ($(HOSTCPU),$(NATIVE_CPU))
ifeq ($(TOOLCHAIN),clang)
$(error HOSTCPU=$(HOSTCPU) builds with gcc only so far (docs/hosted.md))
endif
ifneq ($(SAN),)
$(error HOSTCPU=$(HOSTCPU): no sanitizers under qemu-user (docs/hosted.md))
endif
CROSS     := $(HOSTCPU)-linux-gnu-
BUILD     := build/hosted-$(HOSTCPU)-gcc$(if $(filter 0,$(DEBUG)),-release)
OBJDIR    := $(BUILD)/obj
# qemu-user runs the program; -L: where the CPU's glibc and loader live.
HOSTED_RUN := qemu-$(HOSTCPU) -L /usr/$(HOSTCPU)-linux-gnu
endif
# The per-CPU code generation. aarch64: atomics inline (arch_cas's LL/SC
# loops), never libgcc's outline helpers.
HOSTCPU_CFLAGS_x86_64  := -mno-omit-leaf-frame-pointer
HOSTCPU_CFLAGS_aarch64 := -mno-omit-leaf-frame-pointer -mno-outline-atomics
HOSTCPU_CFLAGS_riscv64 :=
ifeq ($(TOOLCHAIN),clang)
TC_CC      := clang
TC_AR      := llvm-ar
TC_NM      := llvm-nm
TC_OBJCOPY := llvm-objcopy
TC_OBJDUMP := llvm-objdump
TC_CFLAGS  := -Wno-unused-command-line-argument
TC_LDFLAGS := -fuse-ld=lld
HOSTED_LD  := linker/hosted-lld.ld
else
TC_CC      := $(CROSS)gcc
TC_AR      := $(CROSS)ar
TC_NM      := $(CROSS)nm
TC_OBJCOPY := $(CROSS)objcopy
TC_OBJDUMP := $(CROSS)objdump
TC_CFLAGS  :=
TC_LDFLAGS :=
HOSTED_LD  := linker/hosted.ld
endif
TC_LD := $(TC_CC)
# The runtime's allocator and stdio keep their names on a board, where they
# replace picolibc's. Hosted, glibc and libpthread keep their own malloc and
# stdio, and the runtime's are renamed in every object of the build (the
# application's too, so that its calls reach the runtime's) after it is
# compiled: mk/hosted.syms lists the pairs for objcopy --redefine-syms. The
# source is the same; only the symbol names differ. main: the process's
# entry is arch/hosted/cpu.c's __wrap_main (ld --wrap=main sends crt1's call
# there), and boot/main.c's call of the application's main is renamed
# __real_main, which --wrap resolves to the application's main - so
# tracebacks still name it main.
HOSTED_SYMS := mk/hosted.syms
POST_OBJ = $(TC_OBJCOPY) --redefine-syms=$(HOSTED_SYMS) \
	$(if $(filter %/boot/main.c.o,$@),--redefine-sym main=__real_main) $@
# __NO_INLINE__: glibc's headers then keep putchar & co. out of line, so
# that the renamed calls reach the runtime's (an inline putchar would write
# to glibc's stdout). No -march: baseline x86-64, no AVX (docs/hosted.md,
# "What differs": the preemption frame carries x87/SSE state only).
ARCH_CFLAGS  := -fno-pie -pthread -D_GNU_SOURCE -D__NO_INLINE__ \
	$(HOSTCPU_CFLAGS_$(HOSTCPU))
# SAN=undefined: UndefinedBehaviorSanitizer over the whole runtime, every
# report fatal (build/hosted-<cc>-undefined/), except its null check: a nil
# dereference is this runtime's business - it faults and becomes a Go
# panic (kernel/panic/sigpanic.c), which tests do on purpose (panic_leak,
# panic_unrecovered), and UBSan would stop them first.
# SAN=address,undefined: AddressSanitizer as well (build/hosted-<cc>-address,
# undefined/); the port tells it about goroutine stacks (arch/hosted/asan.h)
# and places RAM and the stack window where its shadow allows (arch_impl.h);
# the allocator poisons freed objects (kernel/lib/asan.h).
# SAN=thread: ThreadSanitizer (build/hosted-<cc>-thread/); goroutines are
# TSan fibers and the port's signal handlers are hidden from TSan
# (arch/hosted/tsan.c); tests/hosted.sh runs it with tests/tsan.supp.
ifneq ($(SAN),)
ifeq ($(filter $(SAN),undefined address,undefined thread),)
$(error SAN=$(SAN): only SAN=undefined, SAN=address,undefined and SAN=thread work hosted (docs/hosted.md))
endif
ifeq ($(SAN),thread)
# -Wno-tsan: GCC warns that TSan does not model __atomic_thread_fence; the
# collector's and scheduler's fences stay (docs/hosted.md says what TSan
# cannot see).
ARCH_CFLAGS += -fsanitize=thread $(if $(filter gcc,$(TOOLCHAIN)),-Wno-tsan)
else
ARCH_CFLAGS += -fsanitize=$(SAN) -fno-sanitize=null -fno-sanitize-recover=all
endif
SAN_LDFLAGS := -fsanitize=$(SAN)
ifeq ($(SAN),thread)
# -z now: no lazy binding. ld.so's resolver saves the whole vector state on
# the stack of whoever makes a first call (a goroutine, deep in TSan's
# hooks), and the pc is then in ld.so, where the port does not preempt.
SAN_LDFLAGS += -Wl,-z,now
endif
ifeq ($(SAN)-$(TOOLCHAIN),thread-clang)
# TSan's runtime as a shared library, outside the executable's text, which
# is what the port's interrupt handler tests (tsan.c).
TSAN_SO_DIR := $(dir $(shell clang -print-file-name=libclang_rt.tsan-x86_64.so))
SAN_LDFLAGS += -shared-libsan -Wl,-rpath,$(TSAN_SO_DIR)
endif
endif
PICOLIBC_INC :=
# -z now: every PLT entry bound at start-up. Lazy binding stores into
# .got.plt, which shares a page with .data - a page the collector's barrier
# write-protects - at a thread's first call of a libc function: from a
# device thread (arch/hosted/blk.c), which has no CPU to take the fault.
LDFLAGS := -no-pie -pthread -Wl,--wrap=main -Wl,-z,noexecstack -Wl,-z,now -Wl,-T,$(HOSTED_LD) $(TC_LDFLAGS) $(SAN_LDFLAGS)
LIBS    = $(RT_LIB)
# Portable sources the hosted build leaves out: the UART drivers (console.c
# here plays both), virtio (no MMIO: blk.c is the disk, behind the same
# drivers/block layer) and the picolibc stdio glue (console.c again).
HOSTED_SKIP := drivers/uart/% drivers/virtio/% kernel/lib/stdio.c
