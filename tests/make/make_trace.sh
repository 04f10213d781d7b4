#!/bin/bash
# make_trace.sh - `make trace` boots an app with tracing, keeps the program's
# output on the terminal without the "#T " lines, and writes
# build/trace/<app>.json (Chrome trace JSON with a track per CPU and
# goroutine slices) and build/trace/<app>.png (where matplotlib is
# installed: scripts/setup.sh installs it).
set -eu
cd "$(dirname "$0")/../.."
rm -f build/trace/hello.json build/trace/hello.png build/trace/hello.log
out=$(make -s trace APP=examples/hello ARCH=riscv64 SMP=2 2>&1)
if grep -q '^#T ' <<< "$out"; then echo "trace lines on the terminal"; exit 1; fi
grep -q 'wrote build/trace/hello.json' <<< "$out" || { echo "$out" | tail; exit 1; }
py=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 )
"$py" - build/trace/hello.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
names = {e["args"]["name"] for e in ev if e.get("name") == "thread_name"}
assert {"CPU 0", "CPU 1", "GC"} <= names, names
assert any(e["ph"] == "X" and e.get("cat") == "goroutine" and "main_goroutine" in e["name"] for e in ev)
PY
if "$py" -c 'import matplotlib' 2> /dev/null; then
	[ -s build/trace/hello.png ] || { echo "no PNG"; exit 1; }
fi
echo "make trace: build/trace/hello.json and .png written"
