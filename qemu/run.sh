#!/bin/bash
# run.sh IMAGE - boot a flat image in QEMU and exit with the guest's status.
#
# Environment: BOARD (virt, default, or raspi3b: the machine), ARCH (riscv64|aarch64), SMP (CPUs), MEM (RAM, default 256M),
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
# raw image attached as the first virtio block device, modern virtio-mmio).
set -u
img="$1"
ARCH=${ARCH:-riscv64}; SMP=${SMP:-4}; MEM=${MEM:-256M}; BOOTARGS=${BOOTARGS:-}
interactive=0           # make run: the terminal types on the console
[ "${INTERACTIVE:-0}" = 1 ] && [ -t 0 ] && [ -z "${INPUT:-}" ] && interactive=1
[ $interactive = 1 ] && TIMEOUT=${TIMEOUT:-3600}
TIMEOUT=${TIMEOUT:-60}; MACHINE=${MACHINE:-}; QEMU_EXTRA=${QEMU_EXTRA:-}
LOG=${LOG:-}
m=virt${MACHINE:+,$MACHINE}
case "$ARCH" in
riscv64) cmd=(qemu-system-riscv64 -machine "$m" -bios default ${CPU:+-cpu "$CPU"}) ;;
aarch64) cmd=(qemu-system-aarch64 -machine "$m" -cpu "${CPU:-cortex-a72}" -net none -semihosting) ;;
*) echo "run.sh: unknown ARCH $ARCH" >&2; exit 2 ;;
esac
case "${BOARD:-virt}" in
virt) ;;
raspi3b)
	# The Pi 3B as QEMU models it: 4 Cortex-A53s and 1 GiB, both fixed
	# (QEMU refuses other -smp/-m), so SMP and MEM are ignored; gomaxprocs=
	# runs fewer. No device tree unless QEMU_EXTRA has -dtb. Semihosting
	# carries the exit status (no PSCI on this board).
	cmd=(qemu-system-aarch64 -machine raspi3b${MACHINE:+,$MACHINE} -semihosting)
	SMP=4; MEM=1G ;;
*) echo "run.sh: unknown BOARD $BOARD" >&2; exit 2 ;;
esac
cmd+=(-smp "$SMP" -m "$MEM" -nographic -monitor none -serial stdio -kernel "$img")
[ -n "$BOOTARGS" ] && cmd+=(-append "$BOOTARGS")
[ "${ICOUNT:-0}" = 1 ] && cmd+=(-icount shift=0,sleep=off)
if [ -n "${DISK:-}" ]; then
	cmd+=(-global virtio-mmio.force-legacy=false
	      -drive "file=$DISK,format=raw,if=none,id=disk0"
	      -device virtio-blk-device,drive=disk0)
fi
# shellcheck disable=SC2206
[ -n "$QEMU_EXTRA" ] && cmd+=($QEMU_EXTRA)

if [ "${DEBUG_GDB:-0}" = 1 ]; then
	elf="${img%.bin}.elf"
	echo "QEMU is halted with a gdb server on localhost:1234. In another terminal:"
	echo "  gdb-multiarch $elf -ex 'target remote localhost:1234'"
	exec "${cmd[@]}" -S -gdb tcp::1234
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
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
