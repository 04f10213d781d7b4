#!/bin/bash
# trace_checker.sh - the host-side trace checker (scripts/trace/gort_trace.py
# check, which QEMU tests run through // CHECK: lines) accepts a good trace
# and rejects broken ones: a corrupted line (CRC), a cut-off dump, counts
# that disagree with SchedStats, a goroutine running on two CPUs at once, a
# stop without a start, a goroutine running on a CPU with no P, the wrong
# number of CPU tracks, no wake-up arrow. Also: json and png
# write files (png only where matplotlib is installed).
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 )

# make_log NAME [edit]: a synthetic console log with a framed trace; edit
# is a python expression over `ev` (the event lines) and `st` (the stats).
make_log() {
	"$py" - "$tmp/$1.log" "${2:-None}" <<'PY'
import sys, zlib
ev = ["0 1000 C 1 0 main", "0 1100 S 1 0", "0 1200 C 2 0 worker",
      "0 1300 E 1 block chan receive", "1 1320 Q", "1 1390 P 1",
      "1 1400 T 2 0 1", "1 1500 S 2 1",
      "1 1600 X 2", "1 1700 U 1 2", "1 1800 E 2 exit", "0 1900 S 1 0",
      "0 2000 G sweepterm 4096", "0 2100 G mark 4096", "0 2200 G sweep 2048",
      "0 2300 E 1 exit"]
st = dict(started=2, preemptions=1, steals=1, stolen=1, overflows=0, spinning=1)
exec(compile(sys.argv[2], "edit", "exec"))
body = ["b gort-trace 1 arch=test ncpu=2 gomaxprocs=2 t0=900 t1=2400",
        "s " + " ".join("%s=%d" % kv for kv in st.items())] + ev
crc = 0
for l in body:
    crc = zlib.crc32((l + "\n").encode(), crc)
with open(sys.argv[1], "w") as f:
    f.write("program output\n")
    for l in body:
        f.write("#T " + l + "\r\n")
    f.write("#T e lines=%d crc=%08x\n" % (len(body), crc))
    f.write("more program output\n")
PY
}
check() { "$py" scripts/trace/gort_trace.py check "$@" > "$tmp/out" 2>&1; }
fails=0
must_pass() { if ! check "$@"; then echo "rejected a good trace: $*"; cat "$tmp/out"; fails=1; fi; }
must_fail() { # why args...
	local why=$1; shift
	if check "$@"; then echo "accepted a bad trace ($why)"; cat "$tmp/out"; fails=1; fi
}

make_log good
must_pass --cpus 2 --flows "$tmp/good.log"
must_fail "3 CPUs wanted" --cpus 3 "$tmp/good.log"
sed 's/^#T 1 1500 S 2 1/#T 1 1500 S 2 7/' "$tmp/good.log" > "$tmp/crc.log"
must_fail "CRC" "$tmp/crc.log"
grep -v '^#T e ' "$tmp/good.log" > "$tmp/cut.log"
must_fail "no end line" "$tmp/cut.log"
make_log stats 'st["preemptions"] = 2'
must_fail "preemptions disagree" "$tmp/stats.log"
make_log steals 'st["stolen"] = 3'
must_fail "stolen disagrees" "$tmp/steals.log"
make_log twice 'ev[4:4] = ["1 1150 S 1 1", "1 1160 E 1 yield"]'
must_fail "G1 on two CPUs at once" "$tmp/twice.log"
make_log nostart 'ev.insert(11, "0 1850 E 2 exit")'
make_log noP 'ev[5] = "1 1550 P 1"'
must_fail "a goroutine runs while its CPU holds no P" "$tmp/noP.log"
must_fail "stop without a start" "$tmp/nostart.log"
make_log noflow 'ev[9] = "1 1700 U 1 0"'
must_fail "no flow" --flows "$tmp/noflow.log"

"$py" scripts/trace/gort_trace.py json "$tmp/good.log" "$tmp/t.json" > /dev/null
"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(e["ph"]=="X" for e in d["traceEvents"])' "$tmp/t.json"
if "$py" -c 'import matplotlib' 2> /dev/null; then
	"$py" scripts/trace/gort_trace.py png "$tmp/good.log" "$tmp/t.png" > /dev/null
	[ -s "$tmp/t.png" ] || { echo "no PNG written"; fails=1; }
fi
[ $fails = 0 ] && echo "trace checker: accepts the good trace, rejects 9 broken ones"
exit $fails
