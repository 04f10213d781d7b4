#!/bin/bash
# labs.sh - every lab's grader fails on the blanked version and passes on
# the reference (labs/README.md). For each labs/<name>/: `scripts/lab.sh
# make` writes the blanked copy to build/labtest/<name>; the grade of this
# tree (the reference) must pass, then the blanked copy's must fail. The
# tree itself must be left as it was. Graded with gcc on riscv64 only (ARCHES and
# TOOLCHAINS override), so this is one of the slower tests: about a build
# of the runtime plus the lab's tests, per lab.
set -u
cd "$(dirname "$0")/../.." || exit 2
export ARCHES=${LAB_ARCHES:-riscv64} TOOLCHAINS=${LAB_TOOLCHAINS:-gcc} JOBS=${JOBS:-2}
before=$(git status --porcelain 2>/dev/null | grep -v '^?? build/' || true)
fail=0; n=0
for conf in labs/*/grade.conf; do
	name=$(basename "$(dirname "$conf")")
	n=$((n + 1))
	dir=build/labtest/$name
	if ! FORCE=1 scripts/lab.sh make "$name" "$dir" > "build/labtest-$name-make.log" 2>&1; then
		echo "FAIL lab $name: make lab failed:"; cat "build/labtest-$name-make.log"; fail=1; continue
	fi
	if scripts/lab.sh grade "$name" . > "build/labtest-$name-ref.log" 2>&1; then
		echo "lab $name: reference passes: $(grep -c '^PASS' "build/labtest-$name-ref.log") checks"
	else
		echo "FAIL lab $name: the grader fails the reference:"; grep -A5 '^FAIL' "build/labtest-$name-ref.log" | head -30
		fail=1
	fi
	# The stubbed version may hang until a test's timeout: cap each run at
	# 5 times the reference's slowest (at least 10 s), so that a hang
	# costs seconds, not the test's own timeout, and a check still has
	# time to fail for its own reason.
	cap=$(sed -n 's/^PASS qemu.*(\([0-9]*\)\.[0-9]s)$/\1/p' "build/labtest-$name-ref.log" |
		sort -n | tail -n 1)
	cap=$(( ${cap:-0} * 5 + 5 )); [ "$cap" -ge 10 ] || cap=10
	if TIMEOUT_MAX=$cap scripts/lab.sh grade "$name" "$dir" > "build/labtest-$name-blank.log" 2>&1; then
		echo "FAIL lab $name: the grader passes the blanked version"; fail=1
	else
		echo "lab $name: blanked version fails: $(grep -c '^FAIL' "build/labtest-$name-blank.log") failing checks (runs capped at $cap s)"
	fi
done
after=$(git status --porcelain 2>/dev/null | grep -v '^?? build/' || true)
if [ "$before" != "$after" ]; then
	echo "FAIL: the labs changed the source tree:"; diff <(echo "$before") <(echo "$after"); fail=1
fi
[ "$n" -gt 0 ] || { echo "FAIL: no labs found"; fail=1; }
[ $fail = 0 ] && echo "$n labs: each grader fails its blanked version and passes the reference"
exit $fail
