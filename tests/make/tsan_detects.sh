#!/bin/bash
# tsan_detects.sh - the hosted ThreadSanitizer build sees a data race
# between goroutines on two Ms (docs/hosted.md, "Sanitizers"):
# tests/hosted/tsan_detects races on a plain int on purpose with test=1
# and test=2, and each run must end in TSan's data-race report naming the
# racing function, never in the program's "RACE NOT SEEN" line; test=0,
# the same goroutines synchronised by atomics, a channel and a WaitGroup,
# must run clean - so the TSan pass of tests/hosted.sh is not hollow.
set -u
cd "$(dirname "$0")/../.." || exit 2
export GORT_SETUP_DONE=1
bin=build/hosted-clang-thread/tsan_detects
make -s -j2 ARCH=hosted CC=clang SAN=thread APP=tests/hosted/tsan_detects "$bin" > /dev/null 2>&1 \
	|| { echo "FAIL: build of $bin"; exit 1; }
fail=0
check() {  # test, function the report must name ("" = no race)
	out=$(TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
		timeout 120 "$bin" -smp 2 -- "test=$1" 2>&1 < /dev/null); rc=$?
	if [ -z "$2" ]; then
		[ "$rc" = 0 ] && ! grep -q 'ThreadSanitizer' <<< "$out" &&
			grep -q 'no race: counter 200000, sum 500500' <<< "$out" && return
		echo "FAIL: test=$1 (no race): status $rc"
	else
		grep -q "WARNING: ThreadSanitizer: data race" <<< "$out" &&
		grep -qE "#[0-9]+ $2 " <<< "$out" &&
		! grep -q 'RACE NOT SEEN' <<< "$out" && [ "$rc" != 0 ] && return
		echo "FAIL: test=$1: no data race report in $2 (status $rc)"
	fi
	tail -n 25 <<< "$out" | sed 's/^/  | /'; fail=1
}
check 0 ""
check 1 adder
check 2 reader
[ $fail = 0 ] && echo "TSan reports a plain counter and an unsynchronised publish raced across two Ms; none with atomics, a channel and a WaitGroup"
exit $fail
