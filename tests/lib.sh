# tests/lib.sh - what tests/run.sh (programs under QEMU) and tests/hosted.sh
# (the same programs as Linux processes) share: reading a program's header
# lines (run.sh's top comment describes them) and judging a run's log by
# them. Both scripts source it; the functions are exported, for the xargs
# workers that run the jobs.

# line_checks MAIN_C IDX: the EXPECT, REJECT and CHECK lines that apply to
# the IDX-th TEST line: those after it, and those before the first TEST line.
line_checks() {
	awk -v want="$2" '
		/^\/\/ TEST:/ { n++ }
		/^\/\/ (EXPECT|REJECT|CHECK):/ && (n == 0 || n == want) { print }
	' "$1"
}

# judge_log LOG CHECKS: prints why LOG fails CHECKS ("missing /re/; ..."),
# nothing when it passes. A CHECK's command gets LOG as its last argument;
# its output is kept in LOG.check.
judge_log() {
	local log=$1 c kind re why=""
	while IFS= read -r c; do
		[ -n "$c" ] || continue
		kind=${c%%:*}; re=${c#*: }; kind=${kind#// }
		case $kind in
		EXPECT) grep -qE -- "$re" "$log" || why="${why:+$why; }missing /$re/" ;;
		REJECT) ! grep -qE -- "$re" "$log" || why="${why:+$why; }unwanted /$re/" ;;
		CHECK)  bash -c "$re \"\$1\"" _ "$log" > "$log.check" 2>&1 ||
			why="${why:+$why; }check failed: $re (output: $log.check)" ;;
		esac
	done <<< "$2"
	printf '%s' "$why"
}

# reads_testshort DIR: true if the program reads BootFlagTestShort(), so that
# testshort=1 shortens it (docs/testing.md, "Short runs").
reads_testshort() {
	grep -q 'BootFlagTestShort()' "$1/main.c"
}

export -f line_checks judge_log reads_testshort
