#!/bin/bash
# tests/hosted-cpu.sh CPU - the hosted build for another Linux CPU (aarch64
# or riscv64): cross-built with gcc (HOSTCPU=CPU, docs/hosted.md) and run
# under qemu-user, judged exactly as tests/hosted.sh judges the x86-64
# build (it is tests/hosted.sh, with HOSTCPU set). tests/run.sh calls it
# when ARCHES names hosted-aarch64 or hosted-riscv64 (the default).
#   ONLY=regex OUT=dir tests/hosted-cpu.sh aarch64
# Then scripts/check-atomics.py over the build's objects, as for the boards.
#
# A subset, for make test's time (about 100 s per CPU on 2 shared loaded
# cores once built; every TEST line of each program, as hosted.sh runs it): what
# depends on the per-CPU code - the context switch (scheduler, channels,
# select, sync), asyncPreempt and the signal frame (preempt_regs checks
# every integer and FP register across preemptions; examples/preempt needs
# preemption to finish at all), the fault path (stack growth; a nil
# dereference becoming a panic), the allocator's zeroing (malloc_stress:
# aarch64's memset, docs/hosted.md), the collector's roots (gc_roots:
# stacks, registers, channel buffers) and the fault-mode barrier
# (gc_barrier's exact dirty sets) - and the restartable thread-local
# sequences under all of it. Left out for time: gc_churn (1,000 cycles
# per line, several minutes each under qemu-user), gc_concmut,
# select_stress; they and the rest of tests/hosted.sh's list run with
# HOSTCPU=<cpu> tests/hosted.sh (docs/hosted.md lists the last results).
set -u
cd "$(dirname "$0")/.."
cpu=${1:?usage: tests/hosted-cpu.sh aarch64|riscv64}
SUBSET="
tests/qemu/boot_smp tests/qemu/pingpong tests/qemu/chan_torture
tests/qemu/select_nonblock tests/qemu/mutex_torture tests/qemu/preempt_regs
tests/qemu/stack_growth tests/qemu/panic_unrecovered tests/qemu/malloc_stress
tests/qemu/gc_roots tests/qemu/gc_barrier examples/preempt
"
ONLY=${ONLY:-.}
sel=""
for d in $SUBSET; do
	echo "$d" | grep -qE "$ONLY" && sel="$sel|$d"
done
if [ -z "$sel" ]; then
	echo "0 passed, 0 failed"
	exit 0
fi
out=${OUT:-build/test-results}
mkdir -p "$out"
log=$out/hosted-cpu-$cpu.txt
HOSTCPU=$cpu TOOLCHAINS=gcc SANS="" ONLY="^(${sel#|})\$" tests/hosted.sh > "$log" 2>&1
grep -v ' passed, .* failed$' "$log"
# The images' atomic sequences (riscv64: the boards' lr/sc mapping, never
# GCC 12's sc.aq; both: no out-of-line atomics), as for the boards.
if scripts/check-atomics.py "build/hosted-$cpu-gcc" "$cpu" > "$log.atomics" 2>&1; then
	echo "PASS atomics/hosted-$cpu-gcc ($(tail -n 1 "$log.atomics"))"
else
	echo "FAIL atomics/hosted-$cpu-gcc"; sed 's/^/  | /' "$log.atomics"
fi | tee -a "$log"
pass=$(grep -c '^PASS' "$log"); fail=$(grep -c '^FAIL' "$log")
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
