#!/bin/sh
# setup.sh - install the Debian packages the build and tests need, and only
# the missing ones. `make run`, `make test` and `make bench` call it, so a
# fresh Debian machine needs nothing else.
set -e
PKGS="make gcc gcc-riscv64-unknown-elf gcc-aarch64-linux-gnu
picolibc-riscv64-unknown-elf picolibc-aarch64-linux-gnu
qemu-system-misc qemu-system-arm opensbi clang lld llvm gdb-multiarch python3
python3-matplotlib device-tree-compiler
u-boot-qemu u-boot-tools mtools dosfstools fdisk golang-go
libc6-dev-arm64-cross gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-user"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "setup: done"
