#!/bin/bash
# bench/run.sh - build and run every benchmark under QEMU with exact
# instruction counting (-icount shift=0,sleep=off, one vCPU), per arch.
# Prints the "bench:" lines, writes bench/results/<arch>.csv and refreshes
# the table in bench/README.md. Figures are reported, never asserted.
# They measure the release build (DEBUG=0: no ASSERTs, no lock-rank checks),
# in build/<arch>-gcc-release; `make test` smoke-runs the debug build.
# A line "// BENCH: mem=512M" in a benchmark's main.c gives its QEMU RAM
# (default 256M). Three benchmarks run their own way: scale (without -icount,
# -smp 1 and 2), gc (-icount at -smp 1 and 4, with the stop-the-world mark
# and with gcconc=1, gcconc=1 with mutators at -smp 4, then without -icount
# at -smp 4 and the wake-up latency at -smp 2) and ring (-icount at
# -smp 1 and 2, then without at -smp 1 and 2); see below.
set -u
cd "$(dirname "$0")/.."
ARCHES=${ARCHES:-"riscv64 aarch64"}
mkdir -p bench/results
# Clock ticks the host's CPUs have spent busy so far (all of them, /proc/stat).
host_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# Before a wall-clock run: wait (up to 2 minutes) for a second in which other
# programs keep less than a quarter of a core busy.
wait_host_quiet() {
	local hz i t0
	hz=$(getconf CLK_TCK)
	for i in $(seq 120); do
		t0=$(host_busy_ticks); sleep 1
		[ $(( ($(host_busy_ticks) - t0) * 4 )) -lt "$hz" ] && return 0
	done
	echo "bench/run.sh: the host stayed busy; wall-clock figures measured anyway" >&2
}
qver=$(qemu-system-riscv64 --version | head -n 1 | sed 's/QEMU emulator version //')
for arch in $ARCHES; do
	benches=()
	for d in bench/*/; do
		[ -f "$d/main.c" ] && benches+=("$(basename "$d")")
	done
	targets=(); for b in "${benches[@]}"; do targets+=("build/$arch-gcc-release/$b.bin"); done
	make -s -j2 ARCH="$arch" DEBUG=0 "${targets[@]}" || exit 1
	csv=bench/results/$arch.csv
	echo "arch,metric,value,unit,baseline,baseline_value,ratio" > "$csv"
	for b in "${benches[@]}"; do
		log=build/$arch-gcc-release/$b.bench.log
		img=build/$arch-gcc-release/$b.bin
		mem=$(sed -n 's|^// BENCH:.*mem=\([0-9]*[MG]\).*|\1|p' "bench/$b/main.c" | head -n 1)
		mem=${mem:-256M}
		disk=$(sed -n 's|^// BENCH:.*disk=\([0-9]*[KMG]\).*|\1|p' "bench/$b/main.c" | head -n 1)
		DISK=""
		if [ -n "$disk" ]; then
			DISK=build/$arch-gcc-release/$b.img
			rm -f "$DISK"; truncate -s "$disk" "$DISK"
		fi
		export DISK
		if [ "$b" = scale ]; then
			# Parallel speed-up: real multi-threaded emulation, no -icount,
			# -smp 1 then -smp 2 in one invocation (best of 3 each).
			best() { local s=$1 t best=""; for _ in 1 2 3; do
				t=$(ARCH=$arch SMP=$s TIMEOUT=300 qemu/run.sh "build/$arch-gcc-release/$b.bin" 2>/dev/null |
				    sed -n 's/^bench: [a-z0-9]* mandelbrot_time \([0-9]*\) ns.*/\1/p')
				[ -n "$t" ] && { [ -z "$best" ] || [ "$t" -lt "$best" ]; } && best=$t
			done; echo "$best"; }
			t1=$(best 1); t2=$(best 2)
			if [ -n "$t1" ] && [ -n "$t2" ]; then
				r=$(awk "BEGIN { printf \"%.2f\", $t1 / $t2 }")
				echo "bench: $arch scale_2 $r speedup baseline=smp1_ms:$((t1 / 1000000)) ratio=$r"
				echo "$arch,scale_2,$r,speedup (smp2 vs smp1; $((t1/1000000)) ms -> $((t2/1000000)) ms),smp1_ms,$((t1/1000000)),$r" >> "$csv"
			fi
			continue
		fi
		if [ "$b" = gc ]; then
			# The exact figures under -icount at -smp 1, the same at -smp 4
			# (instructions summed over the CPUs), then wall clock without
			# -icount at -smp 4 (GOMAXPROCS 1, 2, 4 in turn in one boot, the
			# parallel speed-up), with the load that other programs put on
			# the host meanwhile as a row of its own. See bench/gc/main.c.
			# Then the concurrent mark (gcconc=1) at -smp 1 and 4: its two
			# pauses instead of one (the gc_conc_* rows); then test=4 at
			# -smp 4: a mutator per P during the cycles
			# (gc_mutator_utilization_smp4, bench/gc/mutator.c).
			for c in 0 1; do for s in 1 4; do
				ARCH=$arch SMP=$s MEM=$mem ICOUNT=1 TIMEOUT=600 BOOTARGS=gcconc=$c qemu/run.sh "$img" ||
					echo "gc: warning: the -icount -smp $s gcconc=$c run failed (status $?): no figures from it"
			done; done > "$log" 2>&1
			ARCH=$arch SMP=4 MEM=$mem ICOUNT=1 TIMEOUT=900 BOOTARGS="gcconc=1 test=4" qemu/run.sh "$img" >> "$log" 2>&1 ||
				echo "gc: warning: the mutator utilization run failed (status $?): no figures from it" >> "$log"
			wait_host_quiet
			b0=$(host_busy_ticks)
			TIMEFORMAT='%R %U %S'
			if ! { time ARCH=$arch SMP=4 MEM=$mem BOOTARGS=test=2 TIMEOUT=600 \
				qemu/run.sh "$img" >> "$log" 2>&1; } 2> "$log.time"; then
				echo "gc: warning: the wall-clock run failed: no figures from it" >> "$log"
			fi
			# What else kept the host busy meanwhile: all CPU time spent on
			# the host during the run minus QEMU's own, per second of run.
			read -r real user sys < "$log.time"
			awk -v b="$(( $(host_busy_ticks) - b0 ))" -v hz="$(getconf CLK_TCK)" -v r="$real" \
			    -v u="$user" -v s="$sys" -v a="$arch" -v n="$(nproc)" 'BEGIN {
				o = (b / hz - u - s) / r; if (o < 0) o = 0
				printf "bench: %s gc_wall_host_other_load %.2f cores_busy_with_other_work_of_%d\n", a, o, n
			}' >> "$log"
			# A goroutine waking every millisecond while two build trees
			# (test=8, bench/gc/latency.c): the longest lateness, -smp 2,
			# wall clock, with the stop-the-world mark and with gcconc=1.
			wait_host_quiet
			for c in 0 1; do
				ARCH=$arch SMP=2 MEM=$mem BOOTARGS="gcconc=$c test=8" TIMEOUT=300 \
					qemu/run.sh "$img" >> "$log" 2>&1 ||
					echo "gc: warning: the latency run gcconc=$c failed: no figures from it" >> "$log"
			done
		elif [ "$b" = ring ]; then
			# Instructions summed over the CPUs under -icount at -smp 1
			# and 2 (their ratio: what the second CPU adds), then wall
			# clock without -icount at -smp 1 and 2, each with the
			# raw_switch wall time of its own boot as the baseline.
			for s in 1 2; do
				ARCH=$arch SMP=$s MEM=$mem ICOUNT=1 TIMEOUT=300 qemu/run.sh "$img" |
					grep '^bench:.*ring_insn_per_hop' | sed "s/ring_insn_per_hop/ring_insn_per_hop_smp$s/"
			done > "$log" 2>&1
			awk '/ring_insn_per_hop_smp1/ { a = $4 } /ring_insn_per_hop_smp2/ { b = $4; arch = $2 }
			     END { if (a > 0 && b > 0) printf "bench: %s ring_insn_smp2_over_smp1 %.3f ratio\n", arch, b / a }' "$log" >> "$log.r"
			cat "$log.r" >> "$log"; rm -f "$log.r"
			wait_host_quiet
			for s in 1 2; do
				ARCH=$arch SMP=$s MEM=$mem TIMEOUT=300 qemu/run.sh "$img" |
					grep '^bench:.*ring_hop_wall_ns' | sed "s/ring_hop_wall_ns/ring_hop_wall_ns_smp$s/"
			done >> "$log" 2>&1
		elif [ "$b" = devio ]; then
			# Interrupt-to-running latency under -icount on one CPU; then
			# random-read IOPS on the wall clock (QEMU's I/O is host work).
			# blktimeout=0: under -icount sleep=off the guest clock jumps to
			# the next timer while QEMU does the I/O in host time, so every
			# request would look overdue (docs/devices.md, "Failures").
			ARCH=$arch SMP=1 MEM=$mem ICOUNT=1 BOOTARGS=blktimeout=0 TIMEOUT=300 qemu/run.sh "$img" > "$log" 2>&1
			wait_host_quiet
			ARCH=$arch SMP=2 MEM=$mem BOOTARGS=test=2 TIMEOUT=300 qemu/run.sh "$img" >> "$log" 2>&1
		else
			ARCH=$arch SMP=1 MEM=$mem ICOUNT=1 TIMEOUT=300 qemu/run.sh "$img" > "$log" 2>&1
		fi
		sed -i 's/\r$//' "$log"          # the console ends lines with CR LF
		grep -E '^(bench:|gc: warning)' "$log"
		grep '^bench:' "$log" | grep -v 'warning' | awk '{
			base=""; bv=""; r="";
			for (i = 6; i <= NF; i++) {
				if ($i ~ /^baseline=/) { split(substr($i, 10), a, ":"); base=a[1]; bv=a[2] }
				if ($i ~ /^ratio=/) r=substr($i, 7)
			}
			print $2 "," $3 "," $4 "," $5 "," base "," bv "," r }' >> "$csv"
	done
done
# Refresh the table between the markers in bench/README.md.
{
	echo "<!-- results:begin -->"
	echo "Measured $(date -u +%Y-%m-%d) with QEMU $qver, gcc release builds (DEBUG=0), \`-icount shift=0,sleep=off\`, 1 vCPU;"
	echo "except scale_2, blk_randread_* and gc_*_wall / gc_pause_speedup_* (wall clock without \`-icount\`, on a"
	echo "$(nproc)-core host; gc_wall_host_other_load: how busy other programs kept it) and gc_*_smp4* (4 vCPUs)."
	echo
	echo "| arch | metric | value | unit | baseline | ratio |"
	echo "|---|---|---|---|---|---|"
	for f in bench/results/*.csv; do
		tail -n +2 "$f" | awk -F, '{ b = $5 ? $5 " (" $6 ")" : ""; print "| " $1 " | " $2 " | " $3 " | " $4 " | " b " | " $7 " |" }'
	done
	echo "<!-- results:end -->"
} > build/bench-table.md
if grep -q 'results:begin' bench/README.md 2>/dev/null; then
	awk 'FNR==NR { t = t $0 "\n"; next }
	     /results:begin/ { printf "%s", t; skip = 1; next }
	     /results:end/ { skip = 0; next }
	     !skip' build/bench-table.md bench/README.md > build/bench-readme.md
	cp build/bench-readme.md bench/README.md
fi
