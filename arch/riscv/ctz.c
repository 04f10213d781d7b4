/*
 * ctz.c - count trailing zeros for GCC's __builtin_ctzl/ctzll on cores
 * without Zbb (the runtime is built for rv64gc: Zbb's ctz instruction is
 * not assumed).
 *
 * GCC turns the builtin into a call to libgcc's __ctzdi2, whose generic
 * version isolates the lowest set bit and then looks for its byte from the
 * top, one byte per turn of a loop, before a table load: 25-45
 * instructions for a bit in the low bytes. The page-dirty barrier's collect
 * calls it twice per run of faulted pages (kernel/gc/barrier.c), inside
 * the snapshot's start pause. This one multiplies the isolated bit by a de
 * Bruijn constant, whose top six bits are then different for each of the
 * 64 bits, and looks the index up: six instructions, no branch.
 *
 * It replaces libgcc's: the linker takes an archive member only for a
 * symbol nothing else defines. clang expands the builtin inline (the same
 * method) and never calls it. Like the builtin, undefined for x == 0 (here:
 * 0). Pure computation: no memory-ordering duty. The table also serves the
 * allocator's arch_bit_index (arch_impl.h).
 */
#include "arch/arch.h"

int __ctzdi2(unsigned long x);

const unsigned char riscv_debruijn_index[64] = {
	 0,  1, 48,  2, 57, 49, 28,  3, 61, 58, 50, 42, 38, 29, 17,  4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12,  5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19,  9, 13,  8,  7,  6,
};

int __ctzdi2(unsigned long x)
{
	return (int)arch_bit_index(x & -x);
}
