#!/bin/bash
# vs_go.sh - the programs of `make bench-vs-go` (bench/vs-go/) keep building
# and doing the work they claim: each C program, built hosted (gcc, the
# debug build: ASSERTs on), runs at a tiny size (bootarg test=N) at 1 and 2
# CPUs and must print the known result line; if `go` is installed, each Go
# twin must print the same line at the same size, GOMAXPROCS 1 and 2. A
# negative size is bad input: a usage line and status 2 from both. Times
# nothing (the figures are bench/README.md's).
set -eu
cd "$(dirname "$0")/../.."
# program, size, the result line both must print (worked out by hand:
# bench/README.md, "Side-by-side with Go, hosted", says how).
cases=(
	"vs_ring 1000 result: ring 1000 498"
	"vs_pingpong 1000 result: pingpong 1000 500500"
	"vs_sieve 100 result: sieve 100 541 24133"
	"vs_trees 6 result: trees 6 255 4016 127"
	"vs_spawn 25000 result: spawn 25000 312512500"
	"vs_mutex 1000 result: mutex 1000 8000"
	"vs_fanin 1000 result: fanin 1000 4000 2002000"
)
progs=$(for c in "${cases[@]}"; do echo "${c%% *}"; done)
make -s -j2 ARCH=hosted CC=gcc $(for p in $progs; do echo "build/hosted-gcc/$p"; done)
have_go=0
if command -v go > /dev/null; then
	have_go=1
	mkdir -p build/vs-go/go-test
	for p in $progs; do
		(cd bench/vs-go && GOCACHE=$PWD/../../build/vs-go/gocache \
			GOPATH=$PWD/../../build/vs-go/gopath GO111MODULE=on \
			GOFLAGS= GOPROXY=off CGO_ENABLED=0 \
			go build -o "../../build/vs-go/go-test/$p" "./$p")
	done
fi
checks=0
expect() {  # what want, then the command; its result line must be want
	local what=$1 want=$2 out line; shift 2
	out=$(timeout 60 "$@" 2>&1) || { echo "$what: status $?:"; tail -n 20 <<< "$out"; exit 1; }
	line=$(grep '^result: ' <<< "$out" | tail -n 1)
	[ "$line" = "$want" ] || { echo "$what: printed '$line', want '$want'"; tail -n 20 <<< "$out"; exit 1; }
	checks=$((checks + 1))
}
for c in "${cases[@]}"; do
	read -r p n want <<< "$c"
	for smp in 1 2; do
		expect "$p (ours, smp $smp)" "$want" "build/hosted-gcc/$p" -smp "$smp" -- "test=$n"
		[ $have_go = 1 ] && expect "$p (Go, GOMAXPROCS $smp)" "$want" env GOMAXPROCS="$smp" "build/vs-go/go-test/$p" "$n"
	done
done
set +e
err=$(build/hosted-gcc/vs_ring -smp 1 -- test=-5 2>&1); rc=$?
set -e
[ $rc = 2 ] && grep -q '^usage: test=N wants a positive size, not -5$' <<< "$err" \
	|| { echo "vs_ring test=-5: status $rc, output: $err"; exit 1; }
if [ $have_go = 1 ]; then
	set +e; err=$(build/vs-go/go-test/vs_ring -5 2>&1); rc=$?; set -e
	[ $rc = 2 ] && grep -q 'wants a positive size' <<< "$err" \
		|| { echo "Go vs_ring -5: status $rc, output: $err"; exit 1; }
fi
echo "$checks result lines right ($([ $have_go = 1 ] && echo "ours and Go's" || echo "ours only: no go")), bad size refused"
