#!/bin/bash
# wrong_place.sh - an image loaded somewhere other than its link address
# must say so and exit with a failure status, never park silently
# (docs/boot.md, "An image in the wrong place"). hello is linked 2 MiB
# above where QEMU's -kernel puts it, on both arches.
set -u
cd "$(dirname "$0")/../.." || exit 2
export GORT_SETUP_DONE=1
fail=0
for spec in riscv64:0x80400000:0x80200000 aarch64:0x40280000:0x40080000; do
	IFS=: read -r arch link at <<< "$spec"
	dir=build/wrongplace-$arch
	if ! make -s ARCH="$arch" BUILD="$dir" LOAD_ADDR="$link" APP=examples/hello \
		"$dir/hello.bin" > /dev/null 2>&1; then
		echo "FAIL: $arch: build linked at $link"; fail=1; continue
	fi
	out=$(ARCH=$arch SMP=1 TIMEOUT=30 qemu/run.sh "$dir/hello.bin" 2>&1 < /dev/null)
	rc=$?
	want="gort: fatal: the image runs at 0x0*${at#0x} but is linked at 0x0*${link#0x}; load it at its link address"
	grep -q "$want" <<< "$out" || { echo "FAIL: $arch: no message"; tail -3 <<< "$out"; fail=1; }
	[ "$rc" = 1 ] || { echo "FAIL: $arch: exit status $rc, want 1"; fail=1; }
	grep -q "^gort: $arch" <<< "$out" && { echo "FAIL: $arch: the runtime booted"; fail=1; }
done
[ $fail = 0 ] && echo "an image linked 2 MiB off: message and status 1 on riscv64 and aarch64"
exit $fail
