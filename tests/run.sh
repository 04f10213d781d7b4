#!/bin/bash
# tests/run.sh - every test: host unit tests, then QEMU tests on both arches,
# built with gcc and with clang. One line per test, then "N passed, N failed".
#
# Host tests: tests/host/test_*.c (ASan + UBSan) and tests/host/tsan_*.c
# (ThreadSanitizer). The first line names the repo sources it links with:
#   // SOURCES: kernel/sched/runq.c
# QEMU tests: tests/qemu/<name>/*.c is an application (so is each example in
# examples/<name>/, whose key lines are checked, and each benchmark in
# bench/<name>/, which make test smoke-runs without asserting its figures). Its main.c declares
# how to run and judge it, one or more lines of:
#   // TEST: smp=1,2,4 bootargs="gomaxprocs=1" status=0 timeout=60 mem=256M
#   (also arch=riscv64|aarch64: that arch only; cpu=MODEL[,props] for -cpu;
#   machine=OPTS; board=NAME: the QEMU machine (BOARD for qemu/run.sh,
#   default virt; docs/boards.md): the line runs only on that board's arch,
#   and smp counts the CPUs the runtime gets (sifive_u: U54 harts, 1..4);
#   and icount=1: run under -icount
#   shift=0,sleep=off, so that virtual time is exact and host load cannot
#   make a timing assertion flaky; used by tests that assert latencies)
#   disk=SIZE: attach a fresh zeroed raw image of SIZE bytes (4M, 64K...) as
#   the first virtio block device; boots=N (with disk=): boot N times in a
#   row on the same image - data that survives is what reached the disk -
#   each boot must exit with the status; EXPECT/REJECT see every boot's
#   output, one after the other; diskiops=N: QEMU serves that disk at most
#   N requests a second - a slow device)
#   boot=uboot: QEMU starts Debian's U-Boot, which boots the image with
#   booti from a boot medium made for the run (qemu/run.sh BOOT=uboot,
#   docs/boards.md#u-boot; bootargs go in its boot script); such a run
#   also EXPECTs U-Boot's banner and the runtime's "gort: device tree: from
#   U-Boot" line, so that it fails if the image was started some other way
#   fdt=firmware (with board=raspi3b): QEMU passes the board's built-in
#   tree as if the firmware had (-dtb), to test that path
#   // EXPECT: <extended regex that must match some output line>
#   // REJECT: <extended regex that must match no output line>
#   // CHECK: <host command>  run with the console log (CR LF made LF) as its
#   last argument; it must exit 0 (its output is shown on failure). Used to
#   judge what a regex cannot: scripts/trace/gort_trace.py check (docs/trace.md)
#   // INPUT: [when=ERE] [after=SECONDS] <printf format>: what the test
#   types on the console (QEMU's serial port reads it from stdin): once the
#   output so far has a line matching ERE (no spaces in it: write '.' for
#   one), then SECONDS of host time later (counted from the previous INPUT
#   line, or QEMU's start, without when=; default 0: bytes wait in the UART
#   until read). Input
#   typed before the runtime owns the UART can lose a byte (the firmware
#   reads it, or turning the FIFO on flushes it): a program that reads its
#   first line at once waits for a line it prints (when=^kvlog:.ready).
#   Without an INPUT line, stdin is empty.
# Every TEST line runs at each listed smp; EXPECT/REJECT/CHECK/INPUT lines after a
# TEST line apply to it (and those before the first TEST line to all of them).
#
# Build checks: scripts/check-atomics.py over every object file of each build
# and its linked atomic_orders image (the memory orders in the produced code), a self-test that it rejects GCC 12's
# riscv64 CAS, and tests/make/*.sh (the build system itself).
#
# Environment: ARCHES ("riscv64 aarch64 aarch64-lse hosted hosted-aarch64
# hosted-riscv64"; aarch64-lse is the ARMv8.1 LSE build, LSE=1, run on -cpu
# cortex-a76; hosted runs a first set of the QEMU test programs as Linux
# programs, tests/hosted.sh; hosted-<cpu> a subset of them cross-built for
# that Linux CPU under qemu-user, tests/hosted-cpu.sh), TOOLCHAINS ("gcc clang"),
# SMP_ALL (set: every build runs every smp of a TEST line; unset, only gcc's
# riscv64 and aarch64 builds do: one_smp below), ONLY (regex on test paths: tests/host/test_x.c, tests/make/x.sh, atomics,
# tests/qemu/x, examples/x, bench/x), JOBS (parallel QEMU runs, default 2),
# OUT (where logs go, default build/test-results), TIMEOUT_MAX (seconds: caps
# every QEMU test's timeout; for runs expected to fail, as tests/make/labs.sh's).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh            # line_checks, judge_log, reads_testshort
ARCHES=${ARCHES:-"riscv64 aarch64 aarch64-lse hosted hosted-aarch64 hosted-riscv64"}
TOOLCHAINS=${TOOLCHAINS:-"gcc clang"}
ONLY=${ONLY:-.}
JOBS=${JOBS:-2}
out=${OUT:-build/test-results}     # OUT=dir keeps concurrent runs apart

# The run goes through tee into $out.log; when it is over, every FAIL line is
# printed again just above the last line, with the lines of its log that say
# why. A CI log cut to its head and tail then still names every failure.
if [ -z "${GORT_RUN_INNER:-}" ]; then
	mkdir -p "$(dirname "$out")"
	GORT_RUN_INNER=1 bash "$0" "$@" 2>&1 | tee "$out.log" | grep --line-buffered -Ev '^[0-9]+ passed, [0-9]+ failed$'
	rc=${PIPESTATUS[0]}
	if grep -q '^FAIL' "$out.log"; then
		echo "---- the failures again, each with the lines of its log that say why ----"
		awk '/^FAIL /      { print; blk = 1; n = 0; next }
		     blk && /^  /  { if (n < 6 && $0 ~ /FAIL|fatal|panic|rror|timed out|want|ThreadSanitizer|SUMMARY|Sanitizer/) { print; n++ }
		                     next }
		                   { blk = 0 }' "$out.log"
	fi
	grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out.log" | tail -n 1
	exit "$rc"
fi
rm -rf "$out"; mkdir -p "$out"

# ---- host tests --------------------------------------------------------------
host_test() {  # file sanitizer
	local f=$1 san=$2 name bin srcs
	name=host/$(basename "$f" .c)
	bin=build/host/$(basename "$f" .c)
	mkdir -p build/host
	srcs=$(sed -n '1s|^// SOURCES:||p' "$f")
	# shellcheck disable=SC2086
	if ! gcc -g -O1 -fsanitize=$san -fno-sanitize-recover=all -Wall -Wextra -Werror \
		-Wno-unused-parameter -DHOST_TEST -I. -Iinclude -Itests/host \
		"$f" $srcs -o "$bin" -lpthread > "$out/$(basename "$f").log" 2>&1; then
		echo "FAIL $name (build)"; tail -n 20 "$out/$(basename "$f").log" | sed 's/^/  | /'
		return 1
	fi
	if timeout 300 "$bin" >> "$out/$(basename "$f").log" 2>&1; then
		echo "PASS $name ($(tail -n 1 "$out/$(basename "$f").log"))"
	else
		echo "FAIL $name"; tail -n 20 "$out/$(basename "$f").log" | sed 's/^/  | /'
		return 1
	fi
}

pass=0; fail=0

# Where make test's time goes: each phase's wall time, printed at the end
# (with the slowest QEMU runs) so that a CI log shows what to shorten.
phase_name=""; phase_t0=$SECONDS; phase_times=""
phase() {  # name: close the running phase, open this one ("" closes only)
	[ -n "$phase_name" ] && phase_times="$phase_times  $phase_name $((SECONDS - phase_t0)) s;"
	phase_name=$1; phase_t0=$SECONDS
}
phase "host tests"
for f in tests/host/test_*.c; do
	[ -e "$f" ] || continue
	echo "$f" | grep -qE "$ONLY" || continue
	if host_test "$f" address,undefined; then pass=$((pass+1)); else fail=$((fail+1)); fi
done
for f in tests/host/tsan_*.c; do
	[ -e "$f" ] || continue
	echo "$f" | grep -qE "$ONLY" || continue
	if host_test "$f" thread; then pass=$((pass+1)); else fail=$((fail+1)); fi
done

# ---- build checks ---------------------------------------------------------------
phase "build checks"
# The atomics check must reject what GCC 12 makes of a builtin CAS on riscv64.
if echo atomics | grep -qE "$ONLY"; then
	f=tests/atomics/riscv64-gcc12-builtin-cas.dis
	if ! scripts/check-atomics.py --disasm "$f" riscv64 > "$out/atomics-selftest.log" 2>&1 &&
	   grep -q 'sc.w.aq without .rl' "$out/atomics-selftest.log" &&
	   grep -q 'probe_cas32_release: lr.w/sc.w lacks rel' "$out/atomics-selftest.log"; then
		echo "PASS atomics/selftest (rejects $(basename "$f"))"; pass=$((pass+1))
	else
		echo "FAIL atomics/selftest: $f was not rejected"; sed 's/^/  | /' "$out/atomics-selftest.log"
		fail=$((fail+1))
	fi
fi
for f in tests/make/*.sh; do
	[ -e "$f" ] || continue
	echo "$f" | grep -qE "$ONLY" || continue
	# stdin /dev/null: hosted programs read theirs from the start
	if bash "$f" > "$out/$(basename "$f").log" 2>&1 < /dev/null; then
		echo "PASS make/$(basename "$f" .sh) ($(tail -n 1 "$out/$(basename "$f").log"))"; pass=$((pass+1))
	else
		echo "FAIL make/$(basename "$f" .sh)"; tail -n 20 "$out/$(basename "$f").log" | sed 's/^/  | /'
		fail=$((fail+1))
	fi
done

# ---- QEMU tests --------------------------------------------------------------
board_arch() {  # the arch a board= runs on (never aarch64-lse: the Pi 3's A53 has no LSE)
	case "$1" in
	sifive_u) echo riscv64 ;;
	raspi3b) echo aarch64 ;;
	*) echo none ;;
	esac
}
board_dir() {   # a board linked for its own address builds into build/<arch>-<board>-<tc>/
	case "$1" in
	raspi3b) echo "-$1" ;;
	esac
}
export -f board_arch board_dir

# Build every image first (make runs in parallel on its own).
phase "QEMU builds"
tests=()
for d in tests/qemu/*/ examples/*/ bench/*/; do
	d=${d%/}
	grep -q '^// TEST:' "$d/main.c" 2>/dev/null || continue
	[ -f "$d/main.c" ] || continue
	echo "$d" | grep -qE "$ONLY" || continue
	tests+=("$d")
done
jobs_file=$out/jobs
: > "$jobs_file"
for arch in $ARCHES; do
	case $arch in hosted*) continue ;; esac   # tests/hosted.sh and hosted-cpu.sh, below
	for tc in $TOOLCHAINS; do
		targets=()
		for d in "${tests[@]}"; do targets+=("build/$arch-$tc/$(basename "$d").bin"); done
		[ ${#targets[@]} -eq 0 ] && continue
		# BOARD=virt: one image serves every board of the arch; a
		# BOARD from `make test BOARD=...` must not fight ARCH here.
		if ! make -s -j2 BOARD=virt ARCH="${arch%-lse}" LSE="$([ "$arch" = aarch64-lse ] && echo 1 || echo 0)" \
			CC="$tc" "${targets[@]}" > "$out/build-$arch-$tc.log" 2>&1; then
			echo "FAIL build $arch-$tc"; tail -n 30 "$out/build-$arch-$tc.log" | sed 's/^/  | /'
			fail=$((fail+1)); continue
		fi
		# Board images: each board= named on a TEST line of this arch.
		for board in $(sed -n 's|^// TEST:.*board=\([a-z0-9_]*\).*|\1|p' \
				$(for d in "${tests[@]}"; do echo "$d/main.c"; done) | sort -u); do
			[ "$(board_arch "$board")" = "$arch" ] && [ -n "$(board_dir "$board")" ] || continue
			btargets=()
			for d in "${tests[@]}"; do
				grep -q "^// TEST:.*board=$board" "$d/main.c" &&
					btargets+=("build/$arch-$board-$tc/$(basename "$d").bin")
			done
			if ! make -s -j2 BOARD="$board" CC="$tc" "${btargets[@]}" \
				>> "$out/build-$arch-$board-$tc.log" 2>&1; then
				echo "FAIL build $arch-$board-$tc"; tail -n 30 "$out/build-$arch-$board-$tc.log" | sed 's/^/  | /'
				fail=$((fail+1))
			elif scripts/check-atomics.py "build/$arch-$board-$tc" "$arch" > "$out/atomics-$arch-$board-$tc.log" 2>&1; then
				echo "PASS atomics/$arch-$board-$tc ($(tail -n 1 "$out/atomics-$arch-$board-$tc.log"))"; pass=$((pass+1))
			else
				echo "FAIL atomics/$arch-$board-$tc"; sed 's/^/  | /' "$out/atomics-$arch-$board-$tc.log"; fail=$((fail+1))
			fi
		done
		if scripts/check-atomics.py "build/$arch-$tc" "${arch%-lse}" > "$out/atomics-$arch-$tc.log" 2>&1; then
			echo "PASS atomics/$arch-$tc ($(tail -n 1 "$out/atomics-$arch-$tc.log"))"; pass=$((pass+1))
		else
			echo "FAIL atomics/$arch-$tc"; sed 's/^/  | /' "$out/atomics-$arch-$tc.log"; fail=$((fail+1))
		fi
		for d in "${tests[@]}"; do
			# one job per (TEST line, smp)
			awk -v arch="$arch" -v tc="$tc" -v dir="$d" '
				/^\/\/ TEST:/ { n++; line=$0; sub(/^\/\/ TEST: */, "", line); spec[n]=line }
				END { for (i = 1; i <= n; i++) print arch "\t" tc "\t" dir "\t" i "\t" spec[i] }
			' "$d/main.c" >> "$jobs_file"
		done
	done
done

# gcc's build runs a TEST line at every smp it lists; the other builds run
# it once, for make test's time (the whole matrix took 56-69 minutes in CI):
# clang's at the largest (the most Ms at once: where its other code for the
# same atomics would show), the gcc LSE build's at the smallest of 2 or
# more (a second M, the LSE atomics between them). SMP_ALL=1: every smp,
# every build.
one_smp() {  # arch tc smp-list
	local list
	list=$(tr , '\n' <<< "$3" | sort -n)
	if [ "$2" = clang ]; then
		tail -n 1 <<< "$list"
	elif [ "$1" = aarch64-lse ]; then
		awk '$1 >= 2 { print; found = 1; exit } END { if (!found) print last } { last = $1 }' <<< "$list"
	else
		echo "$3"
	fi
}

# A test that reads BootFlagTestShort() runs with testshort=1, a shorter
# workload (Go's -short), for make test's time: everywhere but at the
# largest smp of each TEST line in gcc's riscv64 and aarch64 builds, which
# keep the GC tortures' thousands of cycles, at the most Ms at once
# (docs/testing.md, "Short runs"). SMP_ALL=1: every run in full.
short_run() {  # arch tc dir smp smp-list: true if this run gets testshort=1
	[ -z "${SMP_ALL:-}" ] || return 1
	reads_testshort "$3" || return 1
	case "$1-$2" in
	riscv64-gcc|aarch64-gcc) [ "$4" != "$(tr , '\n' <<< "$5" | sort -n | tail -n 1)" ] ;;
	esac
}

# A boot=uboot line (QEMU starts U-Boot, which boots the image: 4-13 s a
# run, 2 s of it U-Boot's autoboot countdown and 2 s its SATA scan) runs
# in gcc's riscv64 and aarch64 builds: the boot path it tests is the same
# code in the other builds, which boot directly. SMP_ALL=1: every build.
uboot_run() {  # arch tc
	[ -n "${SMP_ALL:-}" ] && return 0
	case "$1-$2" in riscv64-gcc|aarch64-gcc) return 0 ;; esac
	return 1
}

run_one() {  # arch tc dir index spec
	local arch=$1 tc=$2 dir=$3 idx=$4 spec=$5 name smp bootargs status timeout mem cpu machine icount only_arch board
	name=$(basename "$dir")
	smp=$(sed -n 's/.*smp=\([0-9,]*\).*/\1/p' <<< "$spec"); smp=${smp:-1}
	[ -n "${SMP_ALL:-}" ] || smp=$(one_smp "$arch" "$tc" "$smp")
	bootargs=$(sed -n 's/.*bootargs="\([^"]*\)".*/\1/p' <<< "$spec")
	status=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<< "$spec"); status=${status:-0}
	timeout=$(sed -n 's/.*timeout=\([0-9]*\).*/\1/p' <<< "$spec"); timeout=${timeout:-60}
	[ -n "${TIMEOUT_MAX:-}" ] && [ "$timeout" -gt "$TIMEOUT_MAX" ] && timeout=$TIMEOUT_MAX
	mem=$(sed -n 's/.*mem=\([0-9]*[MG]\).*/\1/p' <<< "$spec"); mem=${mem:-256M}
	cpu=$(sed -n 's/.*cpu=\([a-z0-9,=-]*\).*/\1/p' <<< "$spec")
	only_arch=$(sed -n 's/.*arch=\([a-z0-9]*\).*/\1/p' <<< "$spec")
	if [ -n "$only_arch" ] && [ "$only_arch" != "${arch%-lse}" ]; then
		return 0                # this TEST line is for the other arch
	fi
	local bdir="" blabel=""
	board=$(sed -n 's/.*board=\([a-z0-9_]*\).*/\1/p' <<< "$spec"); board=${board:-virt}
	if [ "$board" != virt ]; then
		[ "$(board_arch "$board")" = "$arch" ] || return 0   # its arch only, no -lse
		bdir=$(board_dir "$board"); blabel=$board
	fi
	local qextra="${QEMU_EXTRA:-}"
	if [ -n "$bdir" ] && grep -q 'fdt=firmware' <<< "$spec"; then
		qextra="$qextra -dtb build/$arch$bdir-$tc/builtin.dtb"
	fi
	if [ "$arch" = aarch64-lse ]; then
		case "$cpu" in
		cortex-a53*|cortex-a57*|cortex-a72*) return 0 ;;   # ARMv8.0: no LSE
		"") cpu=cortex-a76 ;;
		esac
	fi
	machine=$(sed -n 's/.*machine=\([a-z0-9=,-]*\).*/\1/p' <<< "$spec")
	local disk boots diskiops
	disk=$(sed -n 's/.*disk=\([0-9]*[KMG]\{0,1\}\).*/\1/p' <<< "$spec")
	boots=$(sed -n 's/.*boots=\([0-9]*\).*/\1/p' <<< "$spec"); boots=${boots:-1}
	diskiops=$(sed -n 's/.*diskiops=\([0-9]*\).*/\1/p' <<< "$spec")
	icount=$(sed -n 's/.*icount=\([01]\).*/\1/p' <<< "$spec")
	local boot
	boot=$(sed -n 's/\(^\|.* \)boot=\([a-z]*\).*/\2/p' <<< "$spec")
	[ "$boot" = uboot ] && ! uboot_run "$arch" "$tc" && return 0
	# EXPECT/REJECT lines: global ones (before the first TEST) and this TEST's
	local checks input
	checks=$(line_checks "$dir/main.c" "$idx")
	if [ "$boot" = uboot ]; then        # booted by U-Boot, with U-Boot's tree
		checks+=$'\n''// EXPECT: ^U-Boot 20[0-9][0-9]\.[0-9][0-9]'
		checks+=$'\n''// EXPECT: ^gort: device tree: from U-Boot 20[0-9][0-9]\.[0-9][0-9]'
	fi
	input=$(awk -v want="$idx" '
		/^\/\/ TEST:/ { n++ }
		/^\/\/ INPUT:/ && (n == 0 || n == want) { sub(/^\/\/ INPUT: */, ""); print }
	' "$dir/main.c")

	local rc=0 s args=$bootargs
	for s in ${smp//,/ }; do
		local log="$out/$arch$bdir-$tc-$name-$idx-smp$s.log" t0 t1 got ok=1 why=""
		bootargs=$args
		if short_run "$arch" "$tc" "$dir" "$s" "$smp"; then bootargs="${bootargs:+$bootargs }testshort=1"; fi
		rm -f "$log.check"
		local infiles="" delays="" k=0 line
		while IFS= read -r line; do             # one file per INPUT line
			[ -n "$line" ] || continue
			k=$((k + 1))
			local f="$out/$arch-$tc-$name-$idx-smp$s.input$k" d=0
			if [[ $line =~ ^when=([^\ ]+)\ (.*)$ ]]; then
				d="when=${BASH_REMATCH[1]};"; line=${BASH_REMATCH[2]}
			fi
			if [[ $line =~ ^after=([0-9.]+)\ (.*)$ ]]; then
				d="$d${BASH_REMATCH[1]}"; line=${BASH_REMATCH[2]}
			fi
			# shellcheck disable=SC2059
			printf -- "$line" > "$f"
			infiles="$infiles $f"; delays="$delays $d"
		done <<< "$input"
		local img="" b
		if [ -n "$disk" ]; then
			img="$out/$arch-$tc-$name-$idx-smp$s.img"
			rm -f "$img"; truncate -s "$disk" "$img"
		fi
		t0=$(date +%s.%N)
		: > "$log"
		for ((b = 1; b <= boots; b++)); do
			ARCH=${arch%-lse} BOARD=$board SMP=$s MEM=$mem BOOTARGS="$bootargs" TIMEOUT=$timeout CPU=$cpu BOOT=$boot \
				MACHINE=$machine ICOUNT=${icount:-0} INPUT="${infiles# }" INPUT_AFTER="${delays# }" \
				DISK="$img" DISK_IOPS="$diskiops" QEMU_EXTRA="$qextra" qemu/run.sh "build/$arch$bdir-$tc/$name.bin" >> "$log" 2>&1
			got=$?
			[ "$got" = "$status" ] || break
		done
		t1=$(date +%s.%N)
		sed -i 's/\r$//' "$log"     # the console ends lines with CR LF
		[ "$got" = "$status" ] || { ok=0; why="exit status $got, want $status"; }
		local judged; judged=$(judge_log "$log" "$checks")
		[ -z "$judged" ] || { ok=0; why="${why:+$why; }$judged"; }
		local label="qemu/$arch-$tc/$name${bootargs:+ [$bootargs]}${cpu:+ cpu=$cpu}${machine:+ machine=$machine}${blabel:+ board=$blabel}${qextra:+ fdt=firmware}${boot:+ boot=$boot} smp=$s"
		if [ $ok = 1 ]; then
			printf 'PASS %s (%.1fs)\n' "$label" "$(awk "BEGIN{print $t1 - $t0}")"
		else
			echo "FAIL $label: $why"; tail -n 25 "$log" | sed 's/^/  | /'
			[ -s "$log.check" ] && tail -n 10 "$log.check" | sed 's/^/  check| /'
			rc=1
		fi
	done
	return $rc
}
export -f run_one one_smp short_run uboot_run
export out

phase "QEMU runs"
if [ -s "$jobs_file" ]; then
	# shellcheck disable=SC2016
	tr '\t' '\037' < "$jobs_file" | xargs -d '\n' -P "$JOBS" -I{} bash -c \
		'IFS=$'"'"'\037'"'"' read -r a t d i s <<< "$1"; run_one "$a" "$t" "$d" "$i" "$s"' _ {} \
		> "$out/qemu.txt"
	cat "$out/qemu.txt"
	pass=$((pass + $(grep -c '^PASS' "$out/qemu.txt")))
	fail=$((fail + $(grep -c '^FAIL' "$out/qemu.txt")))
fi

# ---- hosted tests (ARCH=hosted: the same programs as Linux processes) -------
phase "hosted"
if [[ " $ARCHES " == *" hosted "* ]]; then
	TOOLCHAINS="$TOOLCHAINS" ONLY="$ONLY" OUT="$out" tests/hosted.sh > "$out/hosted.txt" 2>&1
	grep -v ' passed, .* failed$' "$out/hosted.txt"
	pass=$((pass + $(grep -c '^PASS' "$out/hosted.txt")))
	fail=$((fail + $(grep -c '^FAIL' "$out/hosted.txt")))
fi

# ---- hosted on aarch64 / riscv64 Linux (cross-built, under qemu-user) -------
phase "hosted under qemu-user"
for arch in $ARCHES; do
	case $arch in hosted-*) ;; *) continue ;; esac
	ONLY="$ONLY" OUT="$out" tests/hosted-cpu.sh "${arch#hosted-}" > "$out/$arch.txt" 2>&1
	grep -v ' passed, .* failed$' "$out/$arch.txt"
	pass=$((pass + $(grep -c '^PASS' "$out/$arch.txt")))
	fail=$((fail + $(grep -c '^FAIL' "$out/$arch.txt")))
done

phase ""
echo "time:$phase_times  in all $SECONDS s"
if [ -s "$out/qemu.txt" ]; then
	echo "the slowest QEMU runs:"
	sed -n 's/^PASS \(.*\) (\([0-9.]*\)s)$/\2 s  \1/p' "$out/qemu.txt" | sort -rn | head -n 8 | sed 's/^/  /'
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
