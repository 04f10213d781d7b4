#!/bin/sh
# gensymtab.sh NM ELF > symtab.S
# Emit the .gort_symtab section (see kernel/lib/traceback.c) holding every
# function symbol of ELF, sorted by address, for symbolized tracebacks.
set -e
nm="$1"; elf="$2"
"$nm" -n --defined-only "$elf" | awk '
	BEGIN { n = 0 }
	$2 ~ /^[tTwW]$/ && $3 !~ /^\$/ && $3 !~ /^\.L/ {
		addr[n] = $1; name[n] = $3; n++
	}
	END {
		print "\t.section .gort_symtab,\"a\""
		print "\t.balign 8"
		printf "\t.quad %d\n", n
		for (i = 0; i < n; i++)
			printf "\t.quad 0x%s, .Lsym%d\n", addr[i], i
		for (i = 0; i < n; i++)
			printf ".Lsym%d:\t.asciz \"%s\"\n", i, name[i]
	}'
