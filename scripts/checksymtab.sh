#!/bin/sh
# checksymtab.sh NM PASS1_ELF FINAL_ELF
# The symbol table is added in a second link; it must not move any function,
# or every traceback would name the wrong functions. Compare the two links.
set -e
nm="$1"
# Linker-script symbols that mark the table itself (lld types them T) move
# by design and are left out, and so is glibc's data_start (ARCH=hosted: a
# weak symbol in .data, after the table, not a function) and lld's etext
# (ARCH=hosted CC=clang: it marks the end of .plt, after the table).
# GNU ld's Cortex-A53 erratum veneers (e843419@NNNN_OOOOOOOO_..., on by
# default in Debian's aarch64-linux-gnu-gcc) keep their address but their
# names count input sections, and the table's object adds some: compared by
# address alone.
list() { "$nm" -n --defined-only "$1" | awk '$2 ~ /^[tTwW]$/ && $3 !~ /^(__symtab_start|__symtab_end|_etext|etext|data_start)$/ { n = $3; sub(/^e(843419|835769)@.*/, "erratum-veneer", n); print $1, n }'; }
a=$(list "$2" | md5sum); b=$(list "$3" | md5sum)
if [ "$a" != "$b" ]; then
	echo "checksymtab: functions moved between link passes of $3" >&2
	exit 1
fi
