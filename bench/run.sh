#!/bin/bash
# bench/run.sh - build and run every benchmark under QEMU with exact
# instruction counting (-icount shift=0,sleep=off, one vCPU), per arch.
# Prints the "bench:" lines, writes bench/results/<arch>.csv and refreshes
# the table in bench/README.md. Figures are reported, never asserted.
set -u
cd "$(dirname "$0")/.."
ARCHES=${ARCHES:-"riscv64 aarch64"}
mkdir -p bench/results
qver=$(qemu-system-riscv64 --version | head -n 1 | sed 's/QEMU emulator version //')
for arch in $ARCHES; do
	benches=()
	for d in bench/*/; do
		[ -f "$d/main.c" ] && benches+=("$(basename "$d")")
	done
	targets=(); for b in "${benches[@]}"; do targets+=("build/$arch-gcc/$b.bin"); done
	make -s -j2 ARCH="$arch" "${targets[@]}" || exit 1
	csv=bench/results/$arch.csv
	echo "arch,metric,value,unit,baseline,baseline_value,ratio" > "$csv"
	for b in "${benches[@]}"; do
		log=build/$arch-gcc/$b.bench.log
		if [ "$b" = scale ]; then
			# Parallel speed-up: real multi-threaded emulation, no -icount,
			# -smp 1 then -smp 2 in one invocation (best of 3 each).
			best() { local s=$1 t best=""; for _ in 1 2 3; do
				t=$(ARCH=$arch SMP=$s TIMEOUT=300 qemu/run.sh "build/$arch-gcc/$b.bin" 2>/dev/null |
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
		ARCH=$arch SMP=1 ICOUNT=1 TIMEOUT=300 qemu/run.sh "build/$arch-gcc/$b.bin" > "$log" 2>&1
		grep '^bench:' "$log"
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
	echo "Measured $(date -u +%Y-%m-%d) with QEMU $qver, gcc builds, \`-icount shift=0,sleep=off\`, 1 vCPU."
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
