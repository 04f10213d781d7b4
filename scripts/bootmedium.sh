#!/bin/bash
# bootmedium.sh ARCH IMAGE OUT [BOOTARGS] - a disk image laid out as a
# board's boot medium, for U-Boot to boot IMAGE from (docs/boards.md#u-boot).
#
#   riscv64: GPT, as a VisionFive 2 SD card: partition 1 (2 MiB, StarFive
#            SPL type) and 2 (4 MiB, U-Boot FIT type) are left empty - on
#            QEMU, OpenSBI and U-Boot come from -bios and -kernel instead -
#            and partition 3 is the FAT boot partition, marked legacy
#            bootable (U-Boot's distro boot scans bootable partitions).
#   aarch64: MBR, as a Raspberry Pi 4 SD card: partition 1, FAT (type 0x0c),
#            marked bootable. On a Pi it also holds the GPU firmware and
#            U-Boot as kernel8.img; on QEMU, U-Boot comes from -bios.
#
# The FAT partition holds IMAGE as gort.bin and boot.scr, a U-Boot script
# (mkimage -T script) that sets bootargs, loads gort.bin from the partition
# it was found on and starts it with booti, passing U-Boot's own device tree
# ($fdtcontroladdr). U-Boot's distro boot (bootcmd=run distro_bootcmd)
# finds boot.scr by itself: nothing is typed at its prompt.
#
# No root needed: mkfs.vfat -C makes the partition as a file, mtools copies
# into it, sfdisk writes the partition table into the disk file, dd puts the
# partition in place. Packages: dosfstools, mtools, fdisk, u-boot-tools
# (scripts/setup.sh installs them).
set -eu
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: $0 riscv64|aarch64 IMAGE.bin OUT.img [BOOTARGS]" >&2
	exit 2
fi
arch=$1 image=$2 out=$3 bootargs=${4:-}
PATH=$PATH:/usr/sbin:/sbin            # mkfs.vfat and sfdisk, for non-root users
case "$arch" in
riscv64) mkarch=riscv ;;
aarch64) mkarch=arm64 ;;
*) echo "bootmedium.sh: unknown ARCH '$arch' (riscv64 or aarch64)" >&2; exit 2 ;;
esac
[ -f "$image" ] || { echo "bootmedium.sh: no image '$image'" >&2; exit 2; }
# The boot arguments go inside a double-quoted U-Boot string: a quote, a
# backslash or a $ there would end it or be expanded by U-Boot's shell.
case "$bootargs" in
*[\"\\\$]* | *$'\n'*)
	echo "bootmedium.sh: BOOTARGS may not contain \", \\, \$ or a newline: '$bootargs'" >&2
	exit 2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/boot.cmd" <<EOF
# gort's boot script, run by U-Boot's distro boot (scripts/bootmedium.sh)
echo "boot.scr: loading gort.bin from \${devtype} \${devnum}:\${distro_bootpart}"
setenv bootargs "$bootargs"
load \${devtype} \${devnum}:\${distro_bootpart} \${kernel_addr_r} gort.bin
booti \${kernel_addr_r} - \${fdtcontroladdr}
echo "boot.scr: booti failed; powering off"
poweroff
EOF
mkimage -A "$mkarch" -O linux -T script -C none -n "gort boot script" \
	-d "$tmp/boot.cmd" "$tmp/boot.scr" > /dev/null

# The FAT partition: 16 MiB, or the image plus 1 MiB if that is more.
size_kib=$(( $(stat -c %s "$image") / 1024 + 1024 ))
[ $size_kib -lt 16384 ] && size_kib=16384
size_kib=$(( (size_kib + 1023) / 1024 * 1024 ))        # whole MiB
mkfs.vfat -n GORTBOOT -C "$tmp/part.img" $size_kib > /dev/null
mcopy -i "$tmp/part.img" "$image" ::gort.bin
mcopy -i "$tmp/part.img" "$tmp/boot.scr" ::boot.scr

sectors=$(( size_kib * 2 ))
case "$arch" in
riscv64)
	start=16384                     # 8 MiB, after the SPL and U-Boot slots
	table="label: gpt
start=4096, size=4096, type=2E54B353-1271-4842-806F-E436D6AF6985, name=spl
start=8192, size=8192, type=5B193300-FC78-40CD-8002-E86C45580B47, name=uboot
start=$start, size=$sectors, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=boot, attrs=\"LegacyBIOSBootable\""
	tail=34 ;;                      # GPT's backup header and table
aarch64)
	start=8192                      # 4 MiB, as Raspberry Pi OS images
	table="label: dos
start=$start, size=$sectors, type=c, bootable"
	tail=0 ;;
esac
rm -f "$out"
truncate -s $(( (start + sectors + tail) * 512 )) "$out"
echo "$table" | sfdisk -q "$out"
dd if="$tmp/part.img" of="$out" bs=512 seek=$start conv=notrunc status=none
