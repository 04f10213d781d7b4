#!/bin/bash
# tests/hosted.sh - the QEMU test programs that run as hosted programs
# (ARCH=hosted, docs/hosted.md): built with the host compiler, run natively
# on Linux x86-64, judged by the same header lines as under QEMU (TEST's
# smp/bootargs/status/timeout, EXPECT, REJECT, CHECK). tests/run.sh calls
# it when ARCHES names "hosted" (the default); alone:
#   TOOLCHAINS="gcc clang" SANS=address,undefined ONLY=regex OUT=dir tests/hosted.sh
# Each program runs built with each toolchain, and again built with gcc and
# each sanitizer set of SANS (default "address,undefined": AddressSanitizer
# and UBSan over the whole runtime, every report fatal; "undefined" alone
# also works; SANS="" skips it). A sanitizer report fails the run. One
# PASS/FAIL line per (build, test, TEST line, smp), then "N passed, N failed".
#
# No suppressions and no ASAN_OPTIONS: every hosted test runs with 0
# reports under ASan's defaults (docs/hosted.md, "Sanitizers", says why
# none is needed). The collector's conservative scan reads redzones and
# dead objects on purpose; those functions are NO_SANITIZE_ADDRESS
# (kernel/lib/asan.h), not suppressed.
#
# Which tests, and why not the others: HOSTED_TESTS below lists the programs
# that make sense on a host; a TEST line that needs a board (arch=, cpu=,
# machine=, board=, boot=, icount=1 for exact virtual time, disk=, INPUT:
# console typing)
# is skipped (examples/preempt's icount line, for one), except that a line
# with arch=hosted runs here only (and is skipped by the QEMU arches; its
# mapfail=N makes every Nth write-protect change of the GC's barrier fail
# as at the map-count limit: arch/hosted/dirty.c's fallback). Left
# out, with the reason:
#   goroutines_100k  more stack mappings than vm.max_map_count allows
#   gc_checkmark_detect  its test=2 reads, on purpose, nodes the collector
#                    freed: ASan reports the use-after-poison
#   defer_recover    a misaligned access must fault; x86 does not fault
#   fault_unmapped   GCC gives x86-64 leaves no prologue, so the fault is at
#                    level3+0, printed "+0", which its EXPECT (+0x) rejects
#   schedtrace, examples/leak  assume the program runs longer than natively
#                    (no SCHED line before it ends; a goroutine still exiting)
#   dtb_truncated, bootargs_warn, block_io, console_input, console_lines,
#   kvlog_replay, atomic_orders, examples/kvlog  the board: device tree
#                    blobs, virtio disk, UART input, the ISA's instructions
#   sleep, preempt_fair, mutex_starvation's and every icount=1 line,
#   examples/mutex_modes, examples/timers  latency bounds asserted in exact
#                    virtual time (-icount)
set -u
cd "$(dirname "$0")/.."
TOOLCHAINS=${TOOLCHAINS-"gcc clang"}
SANS=${SANS-address,undefined}
ONLY=${ONLY:-.}
# HOSTCPU=aarch64|riscv64: cross-built for that Linux CPU and run under
# qemu-user (tests/hosted-cpu.sh picks the subset; docs/hosted.md).
HOSTCPU=${HOSTCPU:-}
RUN=${HOSTCPU:+qemu-$HOSTCPU -L /usr/$HOSTCPU-linux-gnu}
out=${OUT:-build/test-results}/hosted${HOSTCPU:+-$HOSTCPU}
mkdir -p "$out"

HOSTED_TESTS="
tests/qemu/boot_smp tests/qemu/pingpong tests/qemu/prime_sieve
tests/qemu/spawn_10k tests/qemu/goexit_main tests/qemu/gomaxprocs
tests/qemu/chan_close tests/qemu/chan_close_send tests/qemu/chan_timers
tests/qemu/chan_torture tests/qemu/chan_deadlock tests/qemu/deadlock
tests/qemu/select_nonblock tests/qemu/select_stress
tests/qemu/mutex_torture tests/qemu/mutex_starvation tests/qemu/sync_contention
tests/qemu/panic_unrecovered tests/qemu/panic_leak
tests/qemu/stack_growth tests/qemu/stack_overflow
tests/qemu/malloc_api tests/qemu/malloc_stress tests/qemu/double_free
tests/qemu/gc_churn tests/qemu/gc_binarytrees tests/qemu/gc_roots
tests/qemu/gc_reclaim tests/qemu/gc_finalizers tests/qemu/gc_off
tests/qemu/gc_concmut tests/qemu/gc_barrier
tests/qemu/lock_rank tests/qemu/exit_race tests/qemu/leakcheck
tests/qemu/panic_fatal tests/qemu/scheddetail
tests/qemu/gc_trace tests/qemu/gc_oom_collect tests/qemu/malloc_oom
tests/qemu/distribution tests/qemu/trace_sched tests/qemu/preempt_regs
examples/hello examples/demo examples/preempt examples/chan_paths
examples/alloc_classes examples/gc_tour examples/sched_steal examples/select_fair
"

pass=0; fail=0
tests=()
for d in $HOSTED_TESTS; do
	[ -f "$d/main.c" ] || continue
	echo "$d" | grep -qE "$ONLY" || continue
	tests+=("$d")
done

builds=""
for tc in $TOOLCHAINS; do builds="$builds $tc:"; done
for san in $SANS; do builds="$builds gcc:$san"; done
for b in $builds; do
	[ ${#tests[@]} -eq 0 ] && break
	tc=${b%%:*}; san=${b#*:}
	bdir=hosted${HOSTCPU:+-$HOSTCPU}-$tc${san:+-$san}
	targets=()
	for d in "${tests[@]}"; do targets+=("build/$bdir/$(basename "$d")"); done
	if ! make -s -j2 ARCH=hosted ${HOSTCPU:+HOSTCPU=$HOSTCPU} CC="$tc" SAN="$san" "${targets[@]}" > "$out/build-$bdir.log" 2>&1; then
		echo "FAIL build $bdir"; tail -n 30 "$out/build-$bdir.log" | sed 's/^/  | /'
		fail=$((fail+1)); continue
	fi
	for d in "${tests[@]}"; do
		name=$(basename "$d")
		idx=0
		while IFS= read -r spec; do
			idx=$((idx+1))
			# a TEST line that needs the board is not run hosted
			case "$spec" in *arch=hosted*) ;; *arch=*|*cpu=*|*machine=*|*icount=1*|*disk=*|*board=*|*boot=*) continue ;; esac
			grep -q '^// INPUT:' "$d/main.c" && continue
			smp=$(sed -n 's/.*smp=\([0-9,]*\).*/\1/p' <<< "$spec"); smp=${smp:-1}
			bootargs=$(sed -n 's/.*bootargs="\([^"]*\)".*/\1/p' <<< "$spec")
			status=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<< "$spec"); status=${status:-0}
			tmo=$(sed -n 's/.*timeout=\([0-9]*\).*/\1/p' <<< "$spec"); tmo=${tmo:-60}
			mem=$(sed -n 's/.*mem=\([0-9]*[MG]\).*/\1/p' <<< "$spec"); mem=${mem:-256M}
			# mapfail=N: every Nth write-protect change of the barrier fails
			mapfail=$(sed -n 's/.*mapfail=\([0-9]*\).*/\1/p' <<< "$spec")
			checks=$(awk -v want="$idx" '
				/^\/\/ TEST:/ { n++ }
				/^\/\/ (EXPECT|REJECT|CHECK):/ && (n == 0 || n == want) { print }
			' "$d/main.c")
			for s in ${smp//,/ }; do
				log="$out/$bdir-$name-$idx-smp$s.log"
				t0=$(date +%s.%N)
				# shellcheck disable=SC2086
				timeout "$tmo" $RUN "build/$bdir/$name" -smp "$s" -m "$mem" ${mapfail:+-mapfail "$mapfail"} -- $bootargs \
					< /dev/null > "$log" 2>&1
				got=$?
				t1=$(date +%s.%N)
				ok=1; why=""
				[ "$got" = "$status" ] || { ok=0; why="exit status $got, want $status"; }
				# a sanitizer's report (not the runtime's own "panic: runtime error")
				if grep -qE '[0-9]+:[0-9]+: runtime error: |==[0-9]+==ERROR: [A-Za-z]*Sanitizer' "$log"; then
					ok=0; why="${why:+$why; }sanitizer report"
				fi
				while IFS= read -r c; do
					[ -n "$c" ] || continue
					kind=${c%%:*}; re=${c#*: }; kind=${kind#// }
					if [ "$kind" = EXPECT ] && ! grep -qE -- "$re" "$log"; then ok=0; why="${why:+$why; }missing /$re/"; fi
					if [ "$kind" = REJECT ] && grep -qE -- "$re" "$log"; then ok=0; why="${why:+$why; }unwanted /$re/"; fi
					if [ "$kind" = CHECK ] && ! bash -c "$re \"\$1\"" _ "$log" > "$log.check" 2>&1; then
						ok=0; why="${why:+$why; }check failed: $re"
					fi
				done <<< "$checks"
				label="$bdir/$name${bootargs:+ [$bootargs]} smp=$s"
				if [ $ok = 1 ]; then
					printf 'PASS %s (%.1fs)\n' "$label" "$(awk "BEGIN{print $t1 - $t0}")"
					pass=$((pass+1))
				else
					echo "FAIL $label: $why"; tail -n 25 "$log" | sed 's/^/  | /'
					fail=$((fail+1))
				fi
			done
		done < <(sed -n 's|^// TEST: *||p' "$d/main.c")
	done
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
