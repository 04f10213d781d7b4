#!/bin/bash
# picolibc_malloc.sh AR OBJCOPY LD LIBC.A OUT.o - picolibc's own malloc and
# free, renamed, for bench/malloc's baseline.
#
# The runtime's malloc/free shadow picolibc's in every image, so the
# baseline takes picolibc's nano-malloc objects out of its libc.a, links the
# two into one relocatable object and renames every global they define
# (malloc -> picolibc_malloc, free -> picolibc_free, sbrk -> picolibc_sbrk,
# and their internal helpers), so both allocators live in one image.
# bench/malloc/main.c provides picolibc_sbrk over a static arena.
set -eu
ar=$1 objcopy=$2 ld=$3 libc=$4 out=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && "$ar" x "$libc" nano-malloc-malloc.c.o nano-malloc-free.c.o)
"$ld" -r -o "$tmp/both.o" "$tmp/nano-malloc-malloc.c.o" "$tmp/nano-malloc-free.c.o"
args=()
for s in malloc free cfree sbrk __malloc_malloc __malloc_free __malloc_free_list \
         __malloc_grow_chunk __malloc_sbrk_aligned __malloc_sbrk_start __malloc_sbrk_top; do
	args+=(--redefine-sym "$s=picolibc_$s")
done
"$objcopy" "${args[@]}" "$tmp/both.o" "$out"
