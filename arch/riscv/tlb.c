/*
 * tlb.c - the page-dirty barrier's TLB shootdown (arch_dirty_flush) by
 * supervisor IPIs instead of the SBI remote fence.
 *
 * SBI's remote sfence.vma makes the calling hart wait inside the firmware
 * (M-mode, a busy loop) until every target hart has taken the firmware's
 * IPI and fenced. Under QEMU's -icount the vCPUs run one after another in
 * one thread, and a busy vCPU keeps the others from running until QEMU's
 * round-robin kick, 100 ms of virtual time later: every shootdown cost
 * 100 ms or more, a collection several, and bench/gc at -smp 4 (-smp 2
 * with the stop-the-world mark) seemed to hang (bench/README.md). The same
 * busy wait hurts wherever harts outnumber the cores that run them (a
 * hypervisor). Here the waiting hart idles in wfi between polls instead,
 * as the runtime's own waits do (cpu_wait_short).
 *
 * Objects: per CPU c, req[c] (flushers add 1 to ask c for a flush) and
 * done[c] (the last request c served; written by c only). A flusher:
 * leaf updates; seq_cst add to req[c], noting its value; IPI to c; poll
 * done[c] >= the value. Hart c, in its IPI trap (trap.c) or while itself
 * waiting as a flusher: acquire-load req[c]; if it is past done[c]:
 * sfence.vma, full fence, release-store req's value to done[c]. A request
 * served covers every request counted before the load, whose leaf updates
 * happen before it (the add is seq_cst, the load acquire). The release
 * store makes c's stores through old translations visible to the
 * flusher's acquire load of done[c]. waiting: the CPUs inside a
 * shootdown (seq_cst OR before their adds); a hart that served a request
 * IPIs them, so a flusher's wfi ends at the acknowledgement, not at its
 * 20 us timeout.
 *
 * A target that does not answer within 2 ms (interrupts masked that long)
 * gets the SBI remote fence after all: the firmware's IPI is taken in
 * M-mode whatever the supervisor masks, so a flush never waits for ever.
 *
 * Parked harts: parked[c] is set while hart c sleeps in arch_wfi_parked
 * (stopm's wait: interrupts masked, no store until it returns). A flusher
 * asks such a hart for its flush as any other (the add to req[c]) but
 * neither IPIs it nor waits for it; the hart serves the request on its
 * way out, before its caller's next store. That takes the IPIs, the SBI
 * calls and the acknowledgements out of a stopped world's shootdowns (the
 * concurrent mark's start pause: docs/gc.md, "Where the pauses go").
 * Why no store goes through an old translation: a Dekker pair. The
 * flusher: seq_cst add to req[c], seq_cst fence, seq_cst load of
 * parked[c]. Hart c: seq_cst store of 0 to parked[c], seq_cst fence, load
 * of req[c]. If the flusher read 1, the hart's clearing store comes later
 * in the single order of the seq_cst operations, so its load of req[c]
 * sees the add and it flushes (riscv_tlb_ipi) before returning; if it
 * read 0, the hart is IPIed and waited for as before. Between its store of
 * 1 and its flush the hart makes no store (wfi; the clearing store is to
 * .bss.noscan). Its stores before the park are visible to the flusher by
 * the store of 1 (release), which the flusher's load (acquire) read, as an
 * acknowledgement's release makes them visible otherwise.
 */
#include "arch.h"
#include "riscv.h"
#include "kernel/dt/bootinfo.h"

/* In .bss.noscan, untracked: a shootdown runs right after the barrier
 * write-protected the tracked pages (the snapshot's start pause among
 * others), and a store there would take a write fault inside the
 * collect - the snapshot mark's fault path is not greying yet then, so
 * the page would turn writable with its contents never greyed, and a
 * root on it could be overwritten unseen (gc_torture's checkmark found
 * exactly that on riscv64). The barrier's contract: nothing on its own
 * path stores to a tracked page (docs/gc.md, "The two modes"). */
#define TLB_NOSCAN __attribute__((section(".bss.noscan.tlb")))
static uint32_t req[MAXCPU] TLB_NOSCAN; /* atomic: flushes asked of CPU c */
static uint32_t done[MAXCPU] TLB_NOSCAN; /* atomic: the last one c served */
static uint64_t waiting TLB_NOSCAN;     /* atomic: CPUs waiting as flushers */
static uint32_t parked[MAXCPU] TLB_NOSCAN; /* atomic: c in riscv_wfi_parked */

void riscv_tlb_ipi(void)
{
	int self = riscv_this_cpu();
	/* acquire: pairs with the flushers' seq_cst add to req[self] */
	uint32_t r = __atomic_load_n(&req[self], __ATOMIC_ACQUIRE);
	if (r == __atomic_load_n(&done[self], __ATOMIC_RELAXED))
		return;
	sfence_vma_all();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* release: pairs with the acquire load in riscv_tlb_shootdown */
	__atomic_store_n(&done[self], r, __ATOMIC_RELEASE);
	/* Wake the flushers (ours among them): each sleeps in wfi between
	 * polls, and under -icount a poll's 20 us cost every shootdown
	 * 20,000 instructions. seq_cst: the flusher's OR into waiting comes
	 * before its add to req[self], which our acquire load above read, so
	 * its bit is seen here; arch_send_ipi fences done before the IPI. */
	uint64_t w = __atomic_load_n(&waiting, __ATOMIC_SEQ_CST) & ~(1ULL << self);
	for (; w != 0; w &= w - 1)
		arch_send_ipi(__builtin_ctzll(w));
}

void riscv_tlb_shootdown(uint64_t cpus)
{
	uint32_t want[MAXCPU];
	int self = riscv_this_cpu();
	/* seq_cst: before the adds to req (see riscv_tlb_ipi) */
	__atomic_fetch_or(&waiting, 1ULL << self, __ATOMIC_SEQ_CST);
	for (int c = 0; c < MAXCPU; c++)
		if (cpus & (1UL << c))
			/* seq_cst: after the caller's leaf updates (its fence) */
			want[c] = __atomic_add_fetch(&req[c], 1, __ATOMIC_SEQ_CST);
	/* the Dekker pair with riscv_wfi_parked (top of the file) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int c = 0; c < MAXCPU; c++)
		if (cpus & (1UL << c)) {
			/* seq_cst (acquire): pairs with the park's store of 1 */
			if (__atomic_load_n(&parked[c], __ATOMIC_SEQ_CST))
				cpus &= ~(1UL << c);    /* it flushes on its way out */
			else
				arch_send_ipi(c);
		}
	uint64_t start = arch_ticks(), limit = arch_timer_freq() / 500;     /* 2 ms */
	bool ipi = false;       /* an IPI of ours held back while we wait */
	for (;;) {
		/* A pending IPI would end every wfi at once (interrupts are
		 * masked, so it is not taken): set it aside, raise it again
		 * before returning; the trap then runs as usual. Before the
		 * polls: an acknowledgement's IPI that comes after them stays
		 * pending and ends the wfi below. */
		if (csr_read(sip) & SIP_SSIP) {
			csr_clear(sip, SIP_SSIP);
			ipi = true;
		}
		riscv_tlb_ipi();        /* another flusher may wait for us */
		for (int c = 0; c < MAXCPU; c++)
			/* acquire: pairs with the release store in riscv_tlb_ipi */
			if ((cpus & (1UL << c)) &&
			    (int32_t)(__atomic_load_n(&done[c], __ATOMIC_ACQUIRE) - want[c]) >= 0)
				cpus &= ~(1UL << c);
		if (cpus != 0 && arch_ticks() - start > limit) {
			riscv_remote_sfence(cpus, 0, (unsigned long)-1);
			cpus = 0;
		}
		if (cpus == 0)
			break;
		riscv_wait_short();
	}
	/* relaxed: no one needs to see it gone (a stray IPI is harmless) */
	__atomic_fetch_and(&waiting, ~(1ULL << self), __ATOMIC_RELAXED);
	if (ipi)
		csr_set(sip, SIP_SSIP);
}

void riscv_wfi_parked(void)
{
	int self = riscv_this_cpu();
	/* seq_cst: the Dekker pair with riscv_tlb_shootdown (top of the
	 * file); release: our earlier stores, for a flusher that skips us */
	__atomic_store_n(&parked[self], 1, __ATOMIC_SEQ_CST);
	__asm__ volatile("wfi" : : : "memory");
	__atomic_store_n(&parked[self], 0, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	riscv_tlb_ipi();        /* a flush asked of us while parked */
}
