#!/bin/bash
# hosted_run.sh - `make run ARCH=hosted` builds build/hosted-gcc/<app> and
# runs it natively with SMP CPUs and BOOTARGS (docs/hosted.md); Exit's
# status is the process's; bad command-line input gets a
# clear error; and the portable code has no conditional for the hosted port.
set -eu
cd "$(dirname "$0")/../.."
out=$(make -s run ARCH=hosted APP=examples/hello SMP=2 BOOTARGS="gomaxprocs=1" 2>&1)
grep -q '^gort: hosted, 2 CPUs, 256 MiB RAM, timer 1000000000 Hz, gomaxprocs=1$' <<< "$out" \
	|| { echo "banner missing:"; echo "$out" | head; exit 1; }
grep -q '^gort: bootargs "gomaxprocs=1"$' <<< "$out" || { echo "bootargs not passed"; exit 1; }
[ "$(grep -c '^hello from goroutine' <<< "$out")" = 8 ] || { echo "not 8 hellos"; exit 1; }
[ -x build/hosted-gcc/hello ] || { echo "no build/hosted-gcc/hello"; exit 1; }
make -s ARCH=hosted build/hosted-gcc/exit_race > /dev/null
set +e
build/hosted-gcc/exit_race -smp 2 > /dev/null 2>&1; rc=$?
err=$(build/hosted-gcc/hello -smp 0 2>&1); rc2=$?
set -e
[ "$rc" = 3 ] || { echo "exit_race: status $rc, want Exit's 3"; exit 1; }
[ "$rc2" = 2 ] && grep -q -- '-smp wants a CPU count from 1 to 8' <<< "$err" \
	|| { echo "-smp 0: status $rc2, output: $err"; exit 1; }
if grep -rnE '#\s*if.*(HOSTED|hosted|__x86_64__|__linux__)' kernel boot drivers; then
	echo "portable code has a conditional for the hosted port"; exit 1
fi
echo "make run ARCH=hosted: banner, bootargs, 8 goroutines, exit status, usage error"
