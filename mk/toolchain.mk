# gcc (Debian cross packages) or clang-14 + lld, same flags, same link.
ifeq ($(TOOLCHAIN),clang)
TC_CC      := clang --target=$(CLANG_TARGET)
TC_LD      := ld.lld
TC_AR      := llvm-ar
TC_NM      := llvm-nm
TC_OBJCOPY := llvm-objcopy
TC_OBJDUMP := llvm-objdump
TC_CFLAGS  := -Wno-unused-command-line-argument -mno-omit-leaf-frame-pointer
TC_LDFLAGS :=
else
TC_CC      := $(GNU_PREFIX)gcc
TC_LD      := $(GNU_PREFIX)ld
TC_AR      := $(GNU_PREFIX)ar
TC_NM      := $(GNU_PREFIX)nm
TC_OBJCOPY := $(GNU_PREFIX)objcopy
TC_OBJDUMP := $(GNU_PREFIX)objdump
TC_CFLAGS  := $(ARCH_GCC_CFLAGS)
TC_LDFLAGS := --no-warn-rwx-segments
endif
PICOLIBC_INC := -nostdinc -isystem $(PICOLIBC_DIR)/include \
	-isystem $(shell $(TC_CC) $(ARCH_CFLAGS) -print-file-name=include)
LDFLAGS := -nostdlib -static -T linker/$(ARCH).ld --defsym=LOAD_ADDR=$(LOAD_ADDR) \
	-z max-page-size=4096 $(TC_LDFLAGS)
LIBS = --start-group $(RT_LIB) $(PICOLIBC_LIB)/libc.a $(LIBGCC) --end-group
