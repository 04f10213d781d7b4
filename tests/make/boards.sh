#!/bin/bash
# boards.sh - BOARD picks the machine and, for a one-arch board, the arch
# (Makefile), and qemu/run.sh turns it into QEMU's flags; bad combinations
# are refused with a message, never run. `make run BOARD=sifive_u` boots
# the hello example on QEMU's HiFive Unleashed and exits with its status
# through semihosting (docs/boards.md).
set -u
cd "$(dirname "$0")/../.." || exit 2
export GORT_SETUP_DONE=1
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# The Makefile: sifive_u selects riscv64, refuses another ARCH.
out=$(make -n run BOARD=sifive_u APP=examples/hello 2>&1)
grep -q 'ARCH=riscv64 BOARD=sifive_u ' <<< "$out" || bad "make -n run BOARD=sifive_u: $out"
out=$(make -n run BOARD=sifive_u ARCH=aarch64 2>&1) && bad "BOARD=sifive_u ARCH=aarch64 accepted"
grep -q 'BOARD=sifive_u is a riscv64 board, not ARCH=aarch64' <<< "$out" || bad "message: $out"
out=$(make -n run APP=examples/hello 2>&1)
grep -q 'BOARD=virt ' <<< "$out" || bad "default board is not virt: $out"

# qemu/run.sh: unknown boards, wrong arch, CPU counts, disks.
img=build/riscv64-gcc/hello.bin
make -s ARCH=riscv64 APP=examples/hello > /dev/null 2>&1 || bad "build hello"
expect_refused() {      # message, env...
	local want=$1; shift
	local o
	o=$(env "$@" TIMEOUT=20 qemu/run.sh "$img" 2>&1 < /dev/null)
	local rc=$?
	if [ $rc != 2 ] || ! grep -q -- "$want" <<< "$o"; then bad "$* -> rc $rc: $o"; fi
}
expect_refused 'unknown BOARD nope' BOARD=nope
expect_refused 'BOARD=sifive_u is riscv64, not ARCH=aarch64' BOARD=sifive_u ARCH=aarch64
expect_refused '1 to 4 U54 harts, not SMP=5' BOARD=sifive_u SMP=5
expect_refused 'no virtio-mmio for DISK' BOARD=sifive_u DISK=/dev/null
expect_refused 'fixed cores' BOARD=sifive_u CPU=rv64

# A run: every U54 online, hart 0 never, the exit status of main.
o=$(ARCH=riscv64 BOARD=sifive_u SMP=2 TIMEOUT=60 qemu/run.sh "$img" 2>&1 < /dev/null)
rc=$?
[ $rc = 0 ] || bad "sifive_u hello: exit $rc"
grep -q '^gort: riscv64, 2 CPUs' <<< "$o" || bad "sifive_u banner: $(grep gort: <<< "$o")"
grep -q 'hwid 0)' <<< "$o" && bad "hart 0 (the E51) came online"
[ $fail = 0 ] && echo "BOARD: Makefile and qemu/run.sh choose, refuse and boot sifive_u"
exit $fail
