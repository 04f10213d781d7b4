#!/bin/bash
# hosted_disk.sh - `make run ARCH=hosted DISK=image` (docs/hosted.md, "The
# disk"): examples/kvlog twice on one image, the second boot replaying what
# the first made durable; -disk-ro fails its writes with BlockErrReadOnly
# (kvlog's puts fail, exit status 1) and leaves the image as it was; an
# image whose size is not a whole number of sectors, or that is missing,
# is refused at start-up (status 2, a message naming it). The second boot
# also answers queries piped into make run (docs/hosted.md, "Console
# input"), ending at the end of its stdin; the others read /dev/null.
set -eu
cd "$(dirname "$0")/../.."
img=$(mktemp /tmp/gort-hosted-disk.XXXXXX)
trap 'rm -f "$img" "$img.odd"' EXIT
truncate -s 4M "$img"
out=$(make -s run ARCH=hosted APP=examples/kvlog SMP=2 DISK="$img" 2>&1 < /dev/null)
grep -q '^kvlog: replayed 0 records$' <<< "$out" || { echo "boot 1:"; echo "$out" | tail; exit 1; }
[ "$(grep -c 'puts durable$' <<< "$out")" = 4 ] || { echo "boot 1: not 4 writers"; echo "$out" | tail; exit 1; }
out=$(printf 'get k103\nget nosuch\n' | make -s run ARCH=hosted APP=examples/kvlog SMP=2 DISK="$img" 2>&1)
grep -q '^kvlog: replayed 80 records$' <<< "$out" || { echo "boot 2:"; echo "$out" | tail; exit 1; }
grep -q '^k103 = boot2-writer1-round13$' <<< "$out" && grep -q '^nosuch: not found$' <<< "$out" \
	|| { echo "boot 2: queries not answered:"; echo "$out" | tail; exit 1; }
sum=$(md5sum < "$img")
set +e
out=$(build/hosted-gcc/kvlog -smp 2 -disk-ro "$img" 2>&1 < /dev/null); rc=$?
set -e
[ "$rc" = 1 ] && grep -q '^kvlog: replayed 160 records$' <<< "$out" && grep -q 'put failed$' <<< "$out" \
	|| { echo "-disk-ro: status $rc:"; echo "$out" | tail; exit 1; }
[ "$(md5sum < "$img")" = "$sum" ] || { echo "-disk-ro changed the image"; exit 1; }
truncate -s 1000 "$img.odd"
set +e
err=$(build/hosted-gcc/kvlog -disk "$img.odd" 2>&1); rc=$?
err2=$(build/hosted-gcc/kvlog -disk "$img.missing" 2>&1); rc2=$?
set -e
[ "$rc" = 2 ] && grep -q -- "-disk $img.odd: size is not a multiple of 512 bytes" <<< "$err" \
	|| { echo "odd size: status $rc: $err"; exit 1; }
[ "$rc2" = 2 ] && grep -q -- "-disk $img.missing: No such file" <<< "$err2" \
	|| { echo "missing file: status $rc2: $err2"; exit 1; }
echo "make run ARCH=hosted DISK=: two boots of kvlog (queries piped), -disk-ro, a bad size, a missing file"
