/*
 * tlsseq.c - restartable thread-local sequences, for the CPUs whose
 * thread-local access takes more than one instruction (aarch64, riscv64:
 * <cpu>/arch_impl.h; x86-64 reads %fs in one and has none).
 *
 * Each inline accessor of a per-thread "register" (hosted_m, hosted_g, the
 * soft interrupt flag and pending record) records its instructions
 * [start, end) in the section hosted_tls_seq. A signal that interrupts one
 * may switch the goroutine, which can then resume on another thread; its
 * registers would still hold the old thread's address. So the handler
 * moves a pc inside a sequence back to the sequence's start before it
 * builds the trap frame (hosted_tls_restart): the thread pointer is read
 * again on whatever thread resumes it. Nothing in a sequence has an
 * effect before its last instruction, so a restart is harmless whether or
 * not the goroutine moved.
 *
 * The table is sorted once at boot (before any thread but main exists and
 * before any signal is enabled) and searched by bisection in the handler.
 */
#include "arch.h"
#include "hosted.h"

#if HOSTED_TLS_SEQ
#include <stdlib.h>

struct tls_seq {
	uintptr_t start, end;
};

/* The linker names the bounds of a section whose name is a C identifier. */
extern struct tls_seq __start_hosted_tls_seq[], __stop_hosted_tls_seq[];

static int seq_cmp(const void *a, const void *b)
{
	uintptr_t x = ((const struct tls_seq *)a)->start;
	uintptr_t y = ((const struct tls_seq *)b)->start;
	return x < y ? -1 : x > y;
}

void hosted_tls_init(void)
{
	size_t n = (size_t)(__stop_hosted_tls_seq - __start_hosted_tls_seq);
	qsort(__start_hosted_tls_seq, n, sizeof(struct tls_seq), seq_cmp);
}

uintptr_t hosted_tls_restart(uintptr_t pc)
{
	const struct tls_seq *lo = __start_hosted_tls_seq, *hi = __stop_hosted_tls_seq;
	while (lo < hi) {               /* the last start <= pc */
		const struct tls_seq *mid = lo + (hi - lo) / 2;
		if (mid->start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > __start_hosted_tls_seq && pc < lo[-1].end)
		return lo[-1].start;
	return pc;
}
#endif
