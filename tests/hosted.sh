#!/bin/bash
# tests/hosted.sh - the QEMU test programs that run as hosted programs
# (ARCH=hosted, docs/hosted.md): built with the host compiler, run natively
# on Linux x86-64, judged by the same header lines as under QEMU (TEST's
# smp/bootargs/status/timeout, EXPECT, REJECT, CHECK). tests/run.sh calls
# it when ARCHES names "hosted" (the default); alone:
#   TOOLCHAINS="gcc clang" SANS="address,undefined thread" ONLY=regex OUT=dir JOBS=2 tests/hosted.sh
# Every image is built first; then the runs go JOBS (default 2) at a time.
# Each program runs built with each toolchain, and again built with each
# sanitizer set of SANS (default "address,undefined thread": built with
# gcc, AddressSanitizer and UBSan over the whole runtime, every report
# fatal - "undefined" alone also works; and built with clang,
# ThreadSanitizer, on the subset TSAN_TESTS below; SANS="" skips them). A
# sanitizer report fails the run. One PASS/FAIL line per (build, test,
# TEST line, smp), then "N passed, N failed".
#
# No suppressions and no ASAN_OPTIONS: every hosted test runs with 0
# reports under ASan's defaults (docs/hosted.md, "Sanitizers", says why
# none is needed). The collector's conservative scan reads redzones and
# dead objects on purpose; those functions are NO_SANITIZE_ADDRESS
# (kernel/lib/asan.h), not suppressed.
#
# Which tests, and why not the others: HOSTED_TESTS below lists the programs
# that make sense on a host; a TEST line that needs a board (arch=, cpu=,
# machine=, board=, boot=, icount=1 for exact virtual time)
# is skipped (examples/preempt's icount line, for one), except that a line
# with arch=hosted runs here only (and is skipped by the QEMU arches; its
# mapfail=N makes every Nth write-protect change of the GC's barrier fail
# as at the map-count limit: arch/hosted/dirty.c's fallback). disk=SIZE
# runs the program with a fresh zeroed image file of SIZE in the output
# directory (-disk FILE: arch/hosted/blk.c), boots=N runs it N times in a
# row on that image, as tests/run.sh boots QEMU. INPUT lines type on the
# console as under QEMU (tests/run.sh: when=ERE, after=SECONDS): here into
# the program's stdin (arch/hosted/uart_rx.c), which ends after the last
# one - the program then reads the end of input. Left
# out, with the reason:
#   goroutines_100k  more stack mappings than vm.max_map_count allows
#   gc_checkmark_detect  its test=2 reads, on purpose, nodes the collector
#                    freed: ASan reports the use-after-poison
#   defer_recover    a misaligned access must fault; x86 does not fault
#   fault_unmapped   GCC gives x86-64 leaves no prologue, so the fault is at
#                    level3+0, printed "+0", which its EXPECT (+0x) rejects
#   schedtrace, examples/leak  assume the program runs longer than natively
#                    (no SCHED line before it ends; a goroutine still exiting)
#   dtb_truncated, bootargs_warn, block_fault, console_lines,
#   atomic_orders  the board: device tree blobs, a virtio disk's faults,
#                    the UART's line endings, the ISA's instructions
#   sleep, preempt_fair, mutex_starvation's and every icount=1 line,
#   examples/mutex_modes, examples/timers  latency bounds asserted in exact
#                    virtual time (-icount)
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh            # line_checks, judge_log, reads_testshort
TOOLCHAINS=${TOOLCHAINS-"gcc clang"}
SANS=${SANS-"address,undefined thread"}
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
tests/qemu/select_nonblock tests/qemu/select_stress tests/qemu/select_close_race
tests/qemu/mutex_torture tests/qemu/mutex_starvation tests/qemu/sync_contention
tests/qemu/panic_unrecovered tests/qemu/panic_leak
tests/qemu/stack_growth tests/qemu/stack_overflow
tests/qemu/malloc_api tests/qemu/malloc_stress tests/qemu/double_free
tests/qemu/gc_churn tests/qemu/gc_binarytrees tests/qemu/gc_roots
tests/qemu/gc_reclaim tests/qemu/gc_finalizers tests/qemu/gc_off
tests/qemu/gc_concmut tests/qemu/gc_barrier tests/qemu/gc_assist tests/qemu/gc_free_race
tests/qemu/lock_rank tests/qemu/exit_race tests/qemu/leakcheck
tests/qemu/panic_fatal tests/qemu/scheddetail
tests/qemu/gc_trace tests/qemu/gc_oom_collect tests/qemu/malloc_oom
tests/qemu/distribution tests/qemu/trace_sched tests/qemu/preempt_regs
tests/qemu/block_io tests/qemu/block_gc tests/qemu/kvlog_replay tests/qemu/console_input
examples/hello examples/demo examples/preempt examples/chan_paths
examples/alloc_classes examples/gc_tour examples/sched_steal examples/select_fair
"

# The ThreadSanitizer pass (SANS names "thread"; built with clang) runs the
# programs below that exercise the runtime's concurrency - scheduler,
# async preemption, channels, select, sync, allocator, collector and its
# barrier, stacks - each TEST line once, at its largest smp up to 4 (two
# Ms at least where the line allows: races show between Ms at once), for
# make test's time (a program runs 5-20x slower under TSan). Every report
# is fatal, the runtime's deliberate races suppressed (tests/tsan.supp
# says why each). Left out of it, besides the above:
#   prime_sieve      1,000 goroutines in a chain: about a minute under TSan
#   mutex_torture's test=1  a broken lock on purpose: TSan reports the race
#                    it makes before the test's own check does (as it must)
#   gc_churn's lines but test=3 (the concurrent mark at smp 4, 40 cycles,
#                    10 with testshort=1: its line for this pass) and
#                    test=2 without gcconc (the stop-the-world mark at
#                    smp 4): its smp=1 lines have one
#                    M (no race between Ms to see), and 250 concurrent cycles
#                    took 9-10 minutes under TSan on a loaded host (its hang
#                    there is fixed: docs/hosted.md, "Faults inside TSan's
#                    runtime")
#   gc_free_race's line but test=1 (30 cycles at smp 4, its line for this
#                    pass): 150 cycles took 167 s under TSan on a quiet
#                    host, and more than its 300 s timeout in CI
#   select_close_race's line but test=1 (2,000 rounds at smp 4): 10,000
#                    passed the 300 s timeout once on a loaded host
#   the panic, fatal-error, trace and example programs: little concurrency
#                    beyond what the ones listed cover
TSAN_TESTS="
boot_smp pingpong spawn_10k chan_close chan_close_send chan_timers
chan_torture select_nonblock select_stress select_close_race mutex_torture mutex_starvation
sync_contention stack_growth gc_roots malloc_stress
gc_barrier panic_leak gomaxprocs preempt sched_steal exit_race
gc_concmut gc_churn gc_finalizers gc_binarytrees gc_free_race
block_io block_gc kvlog_replay console_input
"
TSAN_SKIP_LINES='^select_close_race \[\]|^gc_free_race \[gcconc=1 gccheckmark=1 gcpoison=1\]|^mutex_torture \[test=1|^gc_churn \[gccheckmark=1 gcpoison=1\]|^gc_churn \[gcconc=1 gccheckmark=1 gcpoison=1( test=2)?\]'
tsan_opts="halt_on_error=1 suppressions=$PWD/tests/tsan.supp"

pass=0; fail=0
tests=()
for d in $HOSTED_TESTS; do
	[ -f "$d/main.c" ] || continue
	echo "$d" | grep -qE "$ONLY" || continue
	tests+=("$d")
done

# The console's typing for one run: each INPUT line of the TEST line idx
# (and those before the first TEST) in turn, once the program's output so
# far ($1) has a line matching its when=ERE, then after=SECONDS later, as
# qemu/run.sh's feed; the program's stdin, which ends with this function.
hosted_feed() { # out_file dir idx timeout
	local outf=$1 d=$2 idx=$3 tmo=$4 line waited ere wait
	awk -v want="$idx" '/^\/\/ TEST:/ { n++ }
		/^\/\/ INPUT:/ && (n == 0 || n == want) { sub(/^\/\/ INPUT: */, ""); print }' "$d/main.c" |
	while IFS= read -r line; do
		wait=0
		if [[ $line =~ ^when=([^\ ]+)\ (.*)$ ]]; then
			ere=${BASH_REMATCH[1]}; line=${BASH_REMATCH[2]}; waited=0
			until grep -qE -- "$ere" "$outf" 2>/dev/null; do
				sleep 0.1; waited=$((waited + 1))
				[ $waited -lt $((tmo * 10)) ] || return 0
			done
		fi
		if [[ $line =~ ^after=([0-9.]+)\ (.*)$ ]]; then
			wait=${BASH_REMATCH[1]}; line=${BASH_REMATCH[2]}
		fi
		sleep "$wait"
		# shellcheck disable=SC2059
		printf -- "$line"
	done
}

# One run: a (build, program, TEST line, smp), judged by the line's header
# lines as tests/run.sh judges a QEMU run. Prints its PASS or FAIL line.
hosted_one() {  # bdir name dir idx smp bootargs status timeout mem mapfail disk boots
	local bdir=$1 name=$2 d=$3 idx=$4 s=$5 bootargs=$6 status=$7 tmo=$8 mem=$9 mapfail=${10}
	local disk=${11} boots=${12:-1}
	local log="$out/$bdir-$name-$idx-smp$s.log" t0 t1 got ok=1 why="" judged label img="" b
	rm -f "$log.check"
	if [ -n "$disk" ]; then         # a fresh zeroed image, as tests/run.sh's
		img="$out/$bdir-$name-$idx-smp$s.img"
		rm -f "$img"; truncate -s "$disk" "$img"
	fi
	t0=$(date +%s.%N)
	: > "$log"
	for ((b = 1; b <= boots; b++)); do
		# each boot's output apart, for its INPUT lines' when=
		: > "$log.boot"
		# shellcheck disable=SC2086
		TSAN_OPTIONS="$tsan_opts" timeout "$tmo" $RUN "build/$bdir/$name" -smp "$s" -m "$mem" ${mapfail:+-mapfail "$mapfail"} \
			${img:+-disk "$img"} -- $bootargs < <(hosted_feed "$log.boot" "$d" "$idx" "$tmo" 2>/dev/null) >> "$log.boot" 2>&1
		got=$?
		kill $! 2>/dev/null     # the feed, if the program ended first
		cat "$log.boot" >> "$log"
		[ "$got" = "$status" ] || break
	done
	rm -f "$log.boot"
	t1=$(date +%s.%N)
	[ "$got" = "$status" ] || { ok=0; why="exit status $got, want $status"; }
	# a sanitizer's report (not the runtime's own "panic: runtime error")
	if grep -qE '[0-9]+:[0-9]+: runtime error: |==[0-9]+==ERROR: [A-Za-z]*Sanitizer|WARNING: ThreadSanitizer' "$log"; then
		ok=0; why="${why:+$why; }sanitizer report"
	fi
	judged=$(judge_log "$log" "$(line_checks "$d/main.c" "$idx")")
	[ -z "$judged" ] || { ok=0; why="${why:+$why; }$judged"; }
	label="$bdir/$name${bootargs:+ [$bootargs]} smp=$s"
	if [ $ok = 1 ]; then
		printf 'PASS %s (%.1fs)\n' "$label" "$(awk "BEGIN{print $t1 - $t0}")"
	else
		echo "FAIL $label: $why"; tail -n 25 "$log" | sed 's/^/  | /'
	fi
}
export -f hosted_one hosted_feed
export out RUN tsan_opts

# Build every image first, noting each run as a job; then the runs, JOBS
# (default 2) at a time as tests/run.sh runs QEMU's, each job's lines
# together.
jobs_file=$out/jobs
: > "$jobs_file"
builds=""
for tc in $TOOLCHAINS; do builds="$builds $tc:"; done
# ThreadSanitizer builds with clang: its runtime (LLVM 14's) keeps a
# fixed-size clock per fiber, GCC 12's one sized by every fiber that ever
# lived - with a fiber per goroutine that made the channel tests minutes.
for san in $SANS; do
	case $san in thread) builds="$builds clang:$san" ;; *) builds="$builds gcc:$san" ;; esac
done
for b in $builds; do
	[ ${#tests[@]} -eq 0 ] && break
	tc=${b%%:*}; san=${b#*:}
	bdir=hosted${HOSTCPU:+-$HOSTCPU}-$tc${san:+-$san}
	run=()
	for d in "${tests[@]}"; do
		[ "$san" = thread ] && ! grep -qw -- "$(basename "$d")" <<< "$TSAN_TESTS" && continue
		run+=("$d")
	done
	[ ${#run[@]} -eq 0 ] && continue
	targets=()
	for d in "${run[@]}"; do targets+=("build/$bdir/$(basename "$d")"); done
	if ! make -s -j2 ARCH=hosted ${HOSTCPU:+HOSTCPU=$HOSTCPU} CC="$tc" SAN="$san" "${targets[@]}" > "$out/build-$bdir.log" 2>&1; then
		echo "FAIL build $bdir"; tail -n 30 "$out/build-$bdir.log" | sed 's/^/  | /'
		fail=$((fail+1)); continue
	fi
	# TSan: the barrier's fault path must not call TSan (it can run inside
	# TSan's runtime; scripts/check-tsan-faultpath.py says why)
	if [ "$san" = thread ] && [ -z "$HOSTCPU" ]; then
		if scripts/check-tsan-faultpath.py "${targets[0]}" > "$out/faultpath-$bdir.log" 2>&1; then
			echo "PASS $bdir/check-tsan-faultpath"; pass=$((pass+1))
		else
			echo "FAIL $bdir/check-tsan-faultpath"; sed 's/^/  | /' "$out/faultpath-$bdir.log"
			fail=$((fail+1))
		fi
	fi
	for d in "${run[@]}"; do
		name=$(basename "$d")
		idx=0
		while IFS= read -r spec; do
			idx=$((idx+1))
			# a TEST line that needs the board is not run hosted
			case "$spec" in *arch=hosted*) ;; *arch=*|*cpu=*|*machine=*|*icount=1*|*board=*|*boot=*) continue ;; esac
			smp=$(sed -n 's/.*smp=\([0-9,]*\).*/\1/p' <<< "$spec"); smp=${smp:-1}
			bootargs=$(sed -n 's/.*bootargs="\([^"]*\)".*/\1/p' <<< "$spec")
			if [ "$san" = thread ]; then
				grep -qE -- "$TSAN_SKIP_LINES" <<< "$name [$bootargs]" && continue
				smp=$(tr , '\n' <<< "$smp" | awk '$1 <= 4' | sort -n | tail -n 1)
				smp=${smp:-4}
			fi
			# testshort=1 (tests/run.sh's short_run): every hosted build
			# runs the shorter workload; the full counts are the QEMU gcc
			# builds' (docs/testing.md, "Short runs"). gcc's plain hosted
			# build ran them too until 2026-12-05: gc_churn's and
			# gc_concmut's full lines were a fifth of the hosted phase,
			# and make test was at 44-48 minutes.
			if [ -z "${SMP_ALL:-}" ] && reads_testshort "$d"; then
				bootargs="${bootargs:+$bootargs }testshort=1"
			fi
			status=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<< "$spec"); status=${status:-0}
			tmo=$(sed -n 's/.*timeout=\([0-9]*\).*/\1/p' <<< "$spec"); tmo=${tmo:-60}
			mem=$(sed -n 's/.*mem=\([0-9]*[MG]\).*/\1/p' <<< "$spec"); mem=${mem:-256M}
			# mapfail=N: every Nth write-protect change of the barrier fails
			mapfail=$(sed -n 's/.*mapfail=\([0-9]*\).*/\1/p' <<< "$spec")
			# disk=SIZE boots=N: a fresh image, N runs on it (hosted_one)
			disk=$(sed -n 's/.*disk=\([0-9]*[KMG]\{0,1\}\).*/\1/p' <<< "$spec")
			boots=$(sed -n 's/.*boots=\([0-9]*\).*/\1/p' <<< "$spec")
			for s in ${smp//,/ }; do
				printf '%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\n' \
					"$bdir" "$name" "$d" "$idx" "$s" "$bootargs" "$status" "$tmo" "$mem" "$mapfail" "$disk" "$boots" >> "$jobs_file"
			done
		done < <(sed -n 's|^// TEST: *||p' "$d/main.c")
	done
done
if [ -s "$jobs_file" ]; then
	# shellcheck disable=SC2016
	xargs -d '\n' -P "${JOBS:-2}" -I{} bash -c \
		'IFS=$'"'"'\037'"'"' read -r b n d i s a st t m f k o <<< "$1"; hosted_one "$b" "$n" "$d" "$i" "$s" "$a" "$st" "$t" "$m" "$f" "$k" "$o"' _ {} \
		< "$jobs_file" > "$out/runs.txt"
	cat "$out/runs.txt"
	pass=$((pass + $(grep -c '^PASS' "$out/runs.txt")))
	fail=$((fail + $(grep -c '^FAIL' "$out/runs.txt")))
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
