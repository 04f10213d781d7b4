#!/bin/bash
# lab.sh - labs in the spirit of xv6's (labs/README.md).
#
#   scripts/lab.sh list
#   scripts/lab.sh make  NAME DIR     write a copy of the tree to DIR with lab
#                                     NAME's mechanism removed
#   scripts/lab.sh grade NAME DIR     run the tests that judge lab NAME in DIR
#                                     (a lab copy, or the reference tree)
#
# The mechanism is marked in the sources by comment lines
#     /* LAB <name> <region> { */   ...reference code...   /* } LAB <name> <region> */
# `make` replaces each such region (markers included) by the student's
# starting point, labs/<name>/<region>.c, and fails unless every region
# file is used exactly once and every marker is paired; regions of other
# labs keep their code and lose only their marker lines. The reference
# tree is never written to.
#
# grade: ONLY from labs/<name>/grade.conf (always this tree's copy, so a
# lab copy cannot change what judges it), run by DIR's tests/run.sh with
# ARCHES (default riscv64) and TOOLCHAINS (default gcc), OUT=DIR/build/grade-NAME.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "lab.sh: $*" >&2; exit 2; }
labs() { for d in "$here"/labs/*/grade.conf; do basename "$(dirname "$d")"; done; }
check_name() {
	[ -n "${1:-}" ] || die "which lab? LAB=one of: $(labs | tr '\n' ' ')"
	[ -f "$here/labs/$1/grade.conf" ] || die "no lab \"$1\" (labs: $(labs | tr '\n' ' '))"
}

cmd=${1:-list}
case "$cmd" in
list)
	labs
	;;
make)
	name=${2:-}; dir=${3:-}
	check_name "$name"
	[ -n "$dir" ] || die "make: no directory"
	if [ -e "$dir" ]; then
		case "$here/" in "$(cd "$dir" && pwd)/"*) die "$dir holds this tree: refusing to replace it" ;; esac
		[ -f "$dir/.lab" ] || die "$dir exists and is not a lab copy: refusing to replace it"
		[ "${FORCE:-0}" = 1 ] || die "$dir exists (your work?): remove it or set FORCE=1"
		rm -rf "$dir"
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	case "$dir/" in "$here/"*) rel=${dir#"$here/"} ;; *) rel= ;; esac
	# The tree without build products, git metadata, lab copies.
	tar -C "$here" --exclude=./build --exclude=./lab --exclude=./.git \
		${rel:+--exclude="./$rel"} -cf - . | tar -C "$dir" -xf -
	used=$(mktemp)
	trap 'rm -f "$used"' EXIT
	grep -rlE '/\* (\} )?LAB [a-z_]+ [a-z_]+ (\{ )?\*/' "$dir/kernel" "$dir/arch" "$dir/drivers" 2>/dev/null |
	while IFS= read -r f; do
		awk -v lab="$name" -v labdir="$here/labs/$name" -v file="${f#"$dir/"}" -v used="$used" '
			function fail(msg) { printf "lab.sh: %s:%d: %s\n", file, NR, msg > "/dev/stderr"; bad = 1; exit 2 }
			match($0, /\/\* LAB [a-z_]+ [a-z_]+ \{ \*\//) {
				split(substr($0, RSTART + 3, RLENGTH - 8), w, " ")
				if (open != "") fail("LAB " w[2] " " w[3] " opens inside " open)
				open = w[2] " " w[3]
				if (w[2] == lab) {
					src = labdir "/" w[3] ".c"
					if ((getline line < src) <= 0) fail("no " src " for region " w[3])
					do print line; while ((getline line < src) > 0)
					close(src)
					print w[3] >> used
					skip = 1
				}
				next
			}
			match($0, /\/\* \} LAB [a-z_]+ [a-z_]+ \*\//) {
				split(substr($0, RSTART + 5, RLENGTH - 8), w, " ")
				if (open != w[2] " " w[3]) fail("end of LAB " w[2] " " w[3] " without its start")
				open = ""; skip = 0
				next
			}
			!skip { print }
			END { if (!bad && open != "") fail("LAB " open " never ends") }
		' "$f" > "$f.lab" || exit 2
		mv "$f.lab" "$f"
	done
	for r in "$here"/labs/"$name"/*.c; do
		n=$(grep -cx "$(basename "$r" .c)" "$used" || true)
		[ "$n" = 1 ] || die "region $(basename "$r" .c) of lab $name is marked $n times in the sources (want 1)"
	done
	echo "$name" > "$dir/.lab"
	echo "lab $name: written to $dir; read labs/$name/README.md there, then"
	echo "  cd $dir && make grade"
	;;
grade)
	name=${2:-}; dir=${3:-}
	check_name "$name"
	[ -d "$dir" ] || die "grade: no directory $dir (make lab LAB=$name first)"
	# shellcheck disable=SC1090
	. "$here/labs/$name/grade.conf"
	cd "$dir"
	out=build/grade-$name
	echo "grading lab $name in $(pwd): $ONLY"
	if ONLY="$ONLY" ARCHES="${ARCHES:-riscv64}" TOOLCHAINS="${TOOLCHAINS:-gcc}" JOBS="${JOBS:-2}" \
		OUT="$out" tests/run.sh; then
		echo "lab $name: PASS"
	else
		echo "lab $name: FAIL (logs in $(pwd)/$out)"
		exit 1
	fi
	;;
*)
	die "unknown command $cmd (list, make, grade)"
	;;
esac
