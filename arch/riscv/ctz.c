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
 * 0). Pure computation: no memory-ordering duty. The table (arch_impl.h's
 * RISCV_DEBRUIJN_INDEX) also serves arch_bit_index, and the allocator's
 * fast path keeps a copy of its own (arch_bit_index_in).
 */
#include "arch/arch.h"

int __ctzdi2(unsigned long x);

const unsigned char riscv_debruijn_index[64] = { RISCV_DEBRUIJN_INDEX };

int __ctzdi2(unsigned long x)
{
	return (int)arch_bit_index(x & -x);
}
