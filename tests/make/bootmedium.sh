#!/bin/bash
# bootmedium.sh - scripts/bootmedium.sh lays out the boot medium that
# docs/boards.md describes: on riscv64 a GPT with the VisionFive 2's three
# partitions, the FAT one (3) legacy-bootable; on aarch64 an MBR with one
# bootable FAT partition, as a Pi 4 card. The FAT partition holds the image
# byte for byte and a U-Boot script image whose text sets the bootargs and
# boots with booti and U-Boot's device tree. Bootargs U-Boot's shell would
# mangle are refused. (The QEMU runs with boot=uboot show that U-Boot
# boots from it; this checks the layout itself.)
set -eu
cd "$(dirname "$0")/../.."
PATH=$PATH:/usr/sbin:/sbin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

head -c 300000 /dev/urandom > "$tmp/gort.bin"   # bigger than one FAT cluster run
checks=0
for arch in riscv64 aarch64; do
	m=$tmp/$arch.img
	scripts/bootmedium.sh $arch "$tmp/gort.bin" "$m" "gctrace=1 gomaxprocs=2"
	# The partition table, as docs/boards.md gives it; prints the FAT
	# partition's byte offset.
	off=$(sfdisk --json "$m" | python3 -c '
import json, sys
arch = sys.argv[1]
t = json.load(sys.stdin)["partitiontable"]
p = t["partitions"]
def want(cond, what):
    if not cond:
        sys.exit(f"{arch}: {what}: {json.dumps(t)}")
if arch == "riscv64":
    want(t["label"] == "gpt", "not GPT")
    want([(q["start"], q["size"], q["type"]) for q in p[:2]] ==
         [(4096, 4096, "2E54B353-1271-4842-806F-E436D6AF6985"),
          (8192, 8192, "5B193300-FC78-40CD-8002-E86C45580B47")],
         "partitions 1 and 2 are not the SPL and U-Boot slots")
    want(len(p) == 3 and p[2]["start"] == 16384, "no partition 3 at 8 MiB")
    want(p[2]["type"] == "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "partition 3 not basic data")
    want("LegacyBIOSBootable" in p[2].get("attrs", ""), "partition 3 not bootable")
    fat = p[2]
else:
    want(t["label"] == "dos", "not MBR")
    want(len(p) == 1 and p[0]["start"] == 8192, "no single partition at 4 MiB")
    want(p[0]["type"] == "c" and p[0].get("bootable"), "partition 1 not bootable FAT (0x0c)")
    fat = p[0]
print(fat["start"] * 512)
' $arch) || fail "partition table"
	mcopy -n -i "$m@@$off" ::gort.bin "$tmp/back.bin"
	cmp -s "$tmp/gort.bin" "$tmp/back.bin" || fail "$arch: gort.bin differs from the image"
	mcopy -n -i "$m@@$off" ::boot.scr "$tmp/boot.scr"
	mkimage -l "$tmp/boot.scr" | grep -q 'Script' || fail "$arch: boot.scr is not a script image"
	grep -aq 'setenv bootargs "gctrace=1 gomaxprocs=2"' "$tmp/boot.scr" || fail "$arch: no bootargs"
	grep -aq 'booti ${kernel_addr_r} - ${fdtcontroladdr}' "$tmp/boot.scr" || fail "$arch: no booti"
	checks=$((checks + 1))
done
for bad in 'a="b"' 'x=$y' 'a\b'; do
	if scripts/bootmedium.sh riscv64 "$tmp/gort.bin" "$tmp/bad.img" "$bad" 2> "$tmp/err"; then
		fail "bootargs '$bad' accepted"
	fi
	grep -q 'may not contain' "$tmp/err" || fail "bootargs '$bad': $(cat "$tmp/err")"
	checks=$((checks + 1))
done
echo "ok $checks checks"
