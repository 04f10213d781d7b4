/*
 * riscv.h - private definitions of the riscv64 port (not part of the
 * contract): CSR numbers and bits, page-table entry bits, the SBI calls and
 * the functions the port's files share among themselves.
 *
 * Portable code never includes this file; it sees only arch.h and
 * arch_impl.h. The assembly files include it too, so the C parts are
 * guarded by __ASSEMBLY__.
 */
#ifndef ARCH_RISCV_RISCV_H
#define ARCH_RISCV_RISCV_H

#ifdef __ASSEMBLY__
#define _UL(x) x
#else
#define _UL(x) x##UL
#endif

/* sstatus */
#define SSTATUS_SIE      (_UL(1) << 1)
#define SSTATUS_SPIE     (_UL(1) << 5)
#define SSTATUS_SPP      (_UL(1) << 8)
#define SSTATUS_FS_MASK  (_UL(3) << 13)
#define SSTATUS_FS_INIT  (_UL(1) << 13)
#define SSTATUS_FS_CLEAN (_UL(2) << 13)
#define SSTATUS_FS_DIRTY (_UL(3) << 13)
#define SSTATUS_SD       (_UL(1) << 63)   /* FS (or VS, XS) is Dirty */

/* sie / sip bits: supervisor software, timer, external interrupt */
#define SIE_SSIE         (_UL(1) << 1)
#define SIE_STIE         (_UL(1) << 5)
#define SIE_SEIE         (_UL(1) << 9)
#define SIP_SSIP         SIE_SSIE

/* scause */
#define SCAUSE_INTR      (_UL(1) << 63)
#define IRQ_S_SOFT       1
#define IRQ_S_TIMER      5
#define IRQ_S_EXT        9
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

/* satp */
#define SATP_MODE_SV39   (_UL(8) << 60)
#define SATP_MODE_SV48   (_UL(9) << 60)
#define SATP_MODE_MASK   (_UL(15) << 60)

/* Sstc supervisor timer compare register (written by number: older
 * assemblers do not know its name). */
#define CSR_STIMECMP     0x14d

/* Page-table entry bits */
#define PTE_V (_UL(1) << 0)
#define PTE_R (_UL(1) << 1)
#define PTE_W (_UL(1) << 2)
#define PTE_X (_UL(1) << 3)
#define PTE_U (_UL(1) << 4)
#define PTE_G (_UL(1) << 5)
#define PTE_A (_UL(1) << 6)
#define PTE_D (_UL(1) << 7)
#define PTE_PPN_SHIFT 10

/* The entry code's per-CPU scratch stacks (used only to call
 * boot_stack_top() before the real stack is known). RISCV_MAXCPU must
 * equal MAXCPU; cpu.c checks. */
#define RISCV_MAXCPU            8
/* Hart ids a late-arriving hart can be redirected for (boot/entry-riscv64.S). */
#define RISCV_LATE_HARTS        64
#define SBI_ERR_ALREADY_AVAILABLE (-6)   /* HSM: the hart is already started */
#define RISCV_EARLY_STACK_SIZE  256
/* The scratch block tp points at before arch_cpu_init: TLS (errno) and a
 * NULL curg for arch_getg(). cpu.c checks it covers both. */
#define RISCV_EARLY_TLS_SIZE    128

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stdbool.h>

#define csr_read(csr) ({ unsigned long __v; \
	__asm__ volatile("csrr %0, " #csr : "=r"(__v) : : "memory"); __v; })
#define csr_write(csr, val) \
	__asm__ volatile("csrw " #csr ", %0" : : "r"((unsigned long)(val)) : "memory")
#define csr_set(csr, bits) \
	__asm__ volatile("csrs " #csr ", %0" : : "r"((unsigned long)(bits)) : "memory")
#define csr_clear(csr, bits) \
	__asm__ volatile("csrc " #csr ", %0" : : "r"((unsigned long)(bits)) : "memory")
#define __csr_str(x) #x
#define csr_str(x) __csr_str(x)

static inline void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma" : : : "memory");
}

static inline void sfence_vma_addr(uintptr_t va)
{
	__asm__ volatile("sfence.vma %0" : : "r"(va) : "memory");
}

/* ---- sbi.c ----------------------------------------------------------- */
/* SBI error codes are negative longs; 0 is success. */
struct sbiret {
	long error;
	long value;
};
void sbi_init(void);                 /* probe extensions; boot CPU, once */
long sbi_set_timer(uint64_t stime);
long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);

/* TLB shootdown (tlb.c, mmu.c). cpus: a mask of logical CPUs. */
void riscv_remote_sfence(uint64_t cpus, uintptr_t va, unsigned long size);
void riscv_tlb_shootdown(uint64_t cpus);
void riscv_tlb_ipi(void);               /* the IPI's share: a requested flush */
void riscv_wait_short(void);            /* timer.c: ~20 us in wfi, irqs masked */
long sbi_hart_start(unsigned long hartid, unsigned long start_addr,
                    unsigned long opaque);
long sbi_system_reset(uint32_t type, uint32_t reason); /* returns only on error */
long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base,
                           unsigned long start, unsigned long size);
void sbi_console_putchar(int c);     /* legacy; early diagnostics only */
#define SBI_RESET_SHUTDOWN      0
#define SBI_RESET_REASON_NONE   0
#define SBI_RESET_REASON_FAIL   1

/* ---- mmu.c ----------------------------------------------------------- */
/* The PLIC (plic.c): per-CPU set-up, and the external-interrupt trap. */
void riscv_plic_init_cpu(int cpu);
void riscv_plic_trap(void);

/* Access kinds for riscv_mmu_spurious_fault. */
enum { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE };
/* A page fault at va is spurious if the tables now hold a valid leaf that
 * allows the access (another hart mapped it after this hart cached the
 * invalid entry). Lock-free; callable from the trap handler. */
bool riscv_mmu_spurious_fault(uintptr_t va, int access);
/* A store fault on a clean tracked page (the GC's page-dirty barrier):
 * make it writable and dirty, tell gc_barrier_fault. Lock-free. */
bool riscv_dirty_fault(uintptr_t va);

/* ---- cpu.c ----------------------------------------------------------- */
/* Logical index of the calling CPU (needs arch_cpu_init to have run). */
int riscv_this_cpu(void);

/* ---- trap.S / context.S / entry ---------------------------------------- */
void riscv_trap_vector(void);
void riscv_early_trap_vector(void);
void riscv_trap(struct trapframe *tf);
void riscv_early_trap(unsigned long scause, unsigned long sepc,
                      unsigned long stval);
#endif /* !__ASSEMBLY__ */

#endif
