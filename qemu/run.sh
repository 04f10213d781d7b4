#!/bin/bash
# run.sh IMAGE - boot a flat image in QEMU and exit with the guest's status.
#
# Environment: ARCH (riscv64|aarch64), BOARD (the machine, default virt;
# docs/boards.md: sifive_u is riscv64, SMP counts its U54 harts and QEMU
# gets one more, the E51 monitor hart; raspi3b is aarch64, always 4 CPUs
# and 1 GiB), SMP (CPUs), MEM (RAM, default 256M),
# BOOTARGS (-append), TIMEOUT (seconds, default 60, an hour with
# INTERACTIVE=1 - make run - when stdin is a terminal, which then types on
# the guest's console; otherwise stdin is not read; a hung guest is killed
# and the tail of its output shown), CPU (aarch64 -cpu, default cortex-a72),
# (riscv64: only if set, e.g. rv64,sstc=off), MACHINE (extra -machine options, e.g. gic-version=3), QEMU_EXTRA (more
# flags), LOG (also write the output there), DEBUG_GDB=1 (start halted with
# a gdb server on :1234), ICOUNT=1 (count instructions exactly: benchmarks),
# INPUT (files typed on the console one after the other: the serial port
# reads stdin) and INPUT_AFTER (for each, seconds of host time to wait
# before typing it, default 0; or when=ERE;SECONDS: first wait until the
# output has a line matching ERE, at most TIMEOUT seconds), DISK (a
# raw image attached as the first virtio block device, modern virtio-mmio),
# DISK_IOPS (with DISK: QEMU throttles the disk to that many requests a
# second - a slow device, for tests of the driver's deadlines),
# BOOT (direct, the default: QEMU loads IMAGE itself with -kernel; uboot:
# QEMU starts Debian's U-Boot - after OpenSBI on riscv64 - which boots IMAGE
# with booti from a boot medium made by scripts/bootmedium.sh, attached as a
# SATA disk the runtime does not see; BOOTARGS go in its boot script).
set -u
img="$1"
ARCH=${ARCH:-riscv64}; SMP=${SMP:-4}; MEM=${MEM:-256M}; BOOTARGS=${BOOTARGS:-}
interactive=0           # make run: the terminal types on the console
[ "${INTERACTIVE:-0}" = 1 ] && [ -t 0 ] && [ -z "${INPUT:-}" ] && interactive=1
[ $interactive = 1 ] && TIMEOUT=${TIMEOUT:-3600}
TIMEOUT=${TIMEOUT:-60}; MACHINE=${MACHINE:-}; QEMU_EXTRA=${QEMU_EXTRA:-}
LOG=${LOG:-}
board_arch() {          # a board that exists for one arch only
	[ "$ARCH" = "$1" ] || { echo "run.sh: BOARD=$BOARD is $1, not ARCH=$ARCH" >&2; exit 2; }
}
case "${BOARD:-virt}" in
virt)
	m=virt${MACHINE:+,$MACHINE}
	case "$ARCH" in
	riscv64) cmd=(qemu-system-riscv64 -machine "$m" -bios default -semihosting ${CPU:+-cpu "$CPU"}) ;;
	aarch64) cmd=(qemu-system-aarch64 -machine "$m" -cpu "${CPU:-cortex-a72}" -net none -semihosting) ;;
	*) echo "run.sh: unknown ARCH $ARCH" >&2; exit 2 ;;
	esac
	;;
sifive_u)
	# HiFive Unleashed: hart 0 is the E51 monitor core (no S-mode, no
	# MMU; OpenSBI keeps it), harts 1..SMP the U54s the runtime uses.
	# No test finisher in its device tree and no shutdown device in
	# OpenSBI: the exit status leaves through semihosting. No virtio.
	board_arch riscv64
	if [ "$SMP" -lt 1 ] || [ "$SMP" -gt 4 ]; then
		echo "run.sh: BOARD=sifive_u has 1 to 4 U54 harts, not SMP=$SMP" >&2; exit 2
	fi
	[ -z "${DISK:-}" ] || { echo "run.sh: BOARD=sifive_u has no virtio-mmio for DISK" >&2; exit 2; }
	[ -z "${CPU:-}" ] || { echo "run.sh: BOARD=sifive_u has fixed cores (E51 + U54), not CPU=$CPU" >&2; exit 2; }
	SMP=$((SMP + 1))
	cmd=(qemu-system-riscv64 -machine "sifive_u${MACHINE:+,$MACHINE}" -bios default -semihosting)
	;;
raspi3b)
	# The Pi 3B as QEMU models it: 4 Cortex-A53s and 1 GiB, both fixed
	# (QEMU refuses other -smp/-m), so SMP and MEM are ignored; gomaxprocs=
	# runs fewer. No device tree unless QEMU_EXTRA has -dtb (the runtime
	# then uses its built-in one). Semihosting carries the exit status (no
	# PSCI on this board). No virtio.
	board_arch aarch64
	[ -z "${DISK:-}" ] || { echo "run.sh: BOARD=raspi3b has no virtio-mmio for DISK" >&2; exit 2; }
	cmd=(qemu-system-aarch64 -machine "raspi3b${MACHINE:+,$MACHINE}" -semihosting)
	SMP=4; MEM=1G ;;
*) echo "run.sh: unknown BOARD $BOARD (virt, sifive_u, raspi3b; docs/boards.md)" >&2; exit 2 ;;
esac
cmd+=(-smp "$SMP" -m "$MEM" -nographic -monitor none -serial stdio)
# How the image gets into RAM. direct: QEMU loads it (-kernel) and passes
# BOOTARGS in the device tree. uboot: QEMU starts Debian's U-Boot (after
# OpenSBI on riscv64), which finds boot.scr on a boot medium made here
# (scripts/bootmedium.sh: the image, BOOTARGS in the script) and boots the
# image with booti and U-Boot's device tree (docs/boards.md#u-boot).
case "${BOOT:-direct}" in
direct)
	cmd+=(-kernel "$img")
	[ -n "$BOOTARGS" ] && cmd+=(-append "$BOOTARGS") ;;
uboot)
	# Debian's U-Boot builds for QEMU are for virt only.
	[ "${BOARD:-virt}" = virt ] || { echo "run.sh: BOOT=uboot needs BOARD=virt, not $BOARD" >&2; exit 2; }
	medium=$(mktemp --suffix=.img)
	trap 'rm -f "$medium"' EXIT
	"$(dirname "$0")/../scripts/bootmedium.sh" "$ARCH" "$img" "$medium" "$BOOTARGS" || exit 2
	case "$ARCH" in             # riscv64: an S-mode payload of OpenSBI
	riscv64) ub=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin; cmd+=(-kernel "$ub") ;;
	aarch64) ub=/usr/lib/u-boot/qemu_arm64/u-boot.bin; cmd+=(-bios "$ub") ;;
	esac
	[ -f "$ub" ] || { echo "run.sh: no $ub: install u-boot-qemu (scripts/setup.sh does)" >&2; exit 2; } ;;
*) echo "run.sh: unknown BOOT '$BOOT' (direct or uboot)" >&2; exit 2 ;;
esac
[ "${ICOUNT:-0}" = 1 ] && cmd+=(-icount shift=0,sleep=off)
if [ -n "${DISK:-}" ]; then
	cmd+=(-global virtio-mmio.force-legacy=false
	      -drive "file=$DISK,format=raw,if=none,id=disk0${DISK_IOPS:+,throttling.iops-total=$DISK_IOPS}"
	      -device virtio-blk-device,drive=disk0)
fi
# The boot medium is a SATA disk on the PCIe bus: like a board's SD card
# controller, a device only U-Boot drives (the runtime reads no PCI), so
# DISK stays the runtime's first block device.
if [ -n "${medium:-}" ]; then
	cmd+=(-device ich9-ahci,id=ahci
	      -drive "file=$medium,format=raw,if=none,id=bootmedium"
	      -device ide-hd,drive=bootmedium,bus=ahci.0)
fi
# shellcheck disable=SC2206
[ -n "$QEMU_EXTRA" ] && cmd+=($QEMU_EXTRA)

if [ "${DEBUG_GDB:-0}" = 1 ]; then
	elf="${img%.bin}.elf"
	echo "QEMU is halted with a gdb server on localhost:1234. In another terminal:"
	echo "  gdb-multiarch $elf -ex 'target remote localhost:1234'"
	"${cmd[@]}" -S -gdb tcp::1234       # not exec: the EXIT trap removes the medium
	exit $?
fi

tmp=$(mktemp)
trap 'rm -f "$tmp" ${medium:+"$medium"}' EXIT
feed() {                # the console's input: nothing, or each INPUT file after its delay
	local -a files delays
	read -r -a files <<< "${INPUT:-}"
	read -r -a delays <<< "${INPUT_AFTER:-}"
	for i in "${!files[@]}"; do
		local d=${delays[$i]:-0} waited=0
		if [[ $d == when=* ]]; then
			local ere=${d#when=}; ere=${ere%;*}
			until tr -d '\r' < "$tmp" | grep -qE -- "$ere"; do
				sleep 0.1; waited=$((waited + 1))
				[ $waited -lt $((TIMEOUT * 10)) ] || return
			done
			d=${d##*;}
		fi
		sleep "${d:-0}"
		cat "${files[$i]}"
	done
}
if [ $interactive = 1 ]; then
	# A terminal: what is typed goes to the guest's console (make run
	# APP=examples/kvlog). QEMU must stay in the foreground to read it.
	timeout --foreground -k 2 "$TIMEOUT" "${cmd[@]}" 2>&1 | tee "$tmp"
else
	timeout -k 2 "$TIMEOUT" "${cmd[@]}" < <(feed) 2>&1 | tee "$tmp"
fi
rc=${PIPESTATUS[0]}
[ -n "$LOG" ] && cp "$tmp" "$LOG"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "qemu/run.sh: guest hung: killed after ${TIMEOUT}s. Last lines:" >&2
	tail -n 15 "$tmp" | sed 's/^/  | /' >&2
	exit 124
fi
exit "$rc"
