/*
 * sbi.c - calls into the Supervisor Binary Interface firmware (OpenSBI).
 *
 * Objects: one flag word saying which SBI extensions the firmware offers,
 * probed once on the boot CPU (sbi_init) and read-only afterwards.
 *
 * Calling convention (SBI spec v0.2+): a7 = extension id (EID), a6 =
 * function id (FID), a0-a5 arguments; the firmware returns an error code in
 * a0 and a value in a1. The firmware clobbers nothing else.
 *
 * Extensions used: BASE (probing), TIME (set_timer), sPI (send_ipi), HSM
 * (hart_start), SRST (system_reset), RFNC (remote_sfence_vma). When one of
 * TIME/sPI/RFNC/SRST is missing, the pre-0.2 "legacy" call with the same
 * meaning is used instead (old firmware); the legacy console putchar is
 * used only for diagnostics before the console exists.
 *
 * Ordering: ecall is not a memory fence. Callers that need their stores
 * visible to another hart (IPI, hart start, remote fence) fence first.
 */
#include "arch.h"
#include "riscv.h"

#define SBI_EXT_BASE   0x10
#define SBI_EXT_TIME   0x54494D45  /* "TIME" */
#define SBI_EXT_IPI    0x735049    /* "sPI"  */
#define SBI_EXT_RFENCE 0x52464E43  /* "RFNC" */
#define SBI_EXT_HSM    0x48534D    /* "HSM"  */
#define SBI_EXT_SRST   0x53525354  /* "SRST" */

#define SBI_LEGACY_SET_TIMER        0x0
#define SBI_LEGACY_CONSOLE_PUTCHAR  0x1
#define SBI_LEGACY_SEND_IPI         0x4
#define SBI_LEGACY_REMOTE_SFENCE    0x6
#define SBI_LEGACY_SHUTDOWN         0x8

#define SBI_BASE_GET_SPEC_VERSION   0
#define SBI_BASE_PROBE_EXTENSION    3

#define SBI_ERR_NOT_SUPPORTED      (-2)

enum {
	HAVE_TIME = 1 << 0,
	HAVE_IPI = 1 << 1,
	HAVE_RFENCE = 1 << 2,
	HAVE_HSM = 1 << 3,
	HAVE_SRST = 1 << 4,
	PROBED = 1 << 31,
};

/* Written once by sbi_init on the boot CPU before any other CPU starts
 * (arch_start_cpu's fence publishes it); read-only afterwards. */
static uint32_t sbi_have;

static struct sbiret sbi_call(unsigned long eid, unsigned long fid,
                              unsigned long a0, unsigned long a1,
                              unsigned long a2, unsigned long a3)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r3 __asm__("a3") = a3;
	register unsigned long r6 __asm__("a6") = fid;
	register unsigned long r7 __asm__("a7") = eid;
	__asm__ volatile("ecall"
	                 : "+r"(r0), "+r"(r1)
	                 : "r"(r2), "r"(r3), "r"(r6), "r"(r7)
	                 : "memory");
	return (struct sbiret){ .error = (long)r0, .value = (long)r1 };
}

/* Legacy calls (EID = function, no FID): a0 holds the result. */
static long sbi_legacy(unsigned long eid, unsigned long a0, unsigned long a1,
                       unsigned long a2, unsigned long a3)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r3 __asm__("a3") = a3;
	register unsigned long r7 __asm__("a7") = eid;
	__asm__ volatile("ecall"
	                 : "+r"(r0), "+r"(r1)
	                 : "r"(r2), "r"(r3), "r"(r7)
	                 : "memory");
	return (long)r0;
}

static bool probe(unsigned long eid)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0, 0);
	return r.error == 0 && r.value != 0;
}

void sbi_init(void)
{
	if (sbi_have & PROBED)
		return;
	uint32_t have = PROBED;
	struct sbiret v = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0);
	/* The version is major << 24 | minor; 0.2 is the first with
	 * extensions. A pre-0.2 firmware fails the call, and only the legacy
	 * calls exist. */
	if (v.error == 0 && v.value >= 2) {
		if (probe(SBI_EXT_TIME))
			have |= HAVE_TIME;
		if (probe(SBI_EXT_IPI))
			have |= HAVE_IPI;
		if (probe(SBI_EXT_RFENCE))
			have |= HAVE_RFENCE;
		if (probe(SBI_EXT_HSM))
			have |= HAVE_HSM;
		if (probe(SBI_EXT_SRST))
			have |= HAVE_SRST;
	}
	sbi_have = have;
}

long sbi_set_timer(uint64_t stime)
{
	if (sbi_have & HAVE_TIME)
		return sbi_call(SBI_EXT_TIME, 0, stime, 0, 0, 0).error;
	return sbi_legacy(SBI_LEGACY_SET_TIMER, stime, 0, 0, 0);
}

long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
	if (sbi_have & HAVE_IPI)
		return sbi_call(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0, 0).error;
	/* Legacy: a pointer to a mask of harts 0..63 (base must be 0). */
	if (hart_mask_base >= 64)
		return SBI_ERR_NOT_SUPPORTED;
	unsigned long mask = hart_mask << hart_mask_base;
	return sbi_legacy(SBI_LEGACY_SEND_IPI, (unsigned long)&mask, 0, 0, 0);
}

long sbi_hart_start(unsigned long hartid, unsigned long start_addr,
                    unsigned long opaque)
{
	if (!(sbi_have & HAVE_HSM))
		return SBI_ERR_NOT_SUPPORTED;
	return sbi_call(SBI_EXT_HSM, 0, hartid, start_addr, opaque, 0).error;
}

long sbi_system_reset(uint32_t type, uint32_t reason)
{
	if (sbi_have & HAVE_SRST)
		sbi_call(SBI_EXT_SRST, 0, type, reason, 0, 0);
	if (type == SBI_RESET_SHUTDOWN)
		sbi_legacy(SBI_LEGACY_SHUTDOWN, 0, 0, 0, 0);
	return SBI_ERR_NOT_SUPPORTED;
}

long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base,
                           unsigned long start, unsigned long size)
{
	if (sbi_have & HAVE_RFENCE)
		return sbi_call(SBI_EXT_RFENCE, 1, hart_mask, hart_mask_base,
		                start, size).error;
	if (hart_mask_base >= 64)
		return SBI_ERR_NOT_SUPPORTED;
	unsigned long mask = hart_mask << hart_mask_base;
	return sbi_legacy(SBI_LEGACY_REMOTE_SFENCE, (unsigned long)&mask, start, size, 0);
}

void sbi_console_putchar(int c)
{
	sbi_legacy(SBI_LEGACY_CONSOLE_PUTCHAR, (unsigned long)c, 0, 0, 0);
}

/* The firmware's console (arch.h): SBI's legacy putchar, which needs no
 * probe - a firmware without it returns an error and the byte is lost,
 * which is all a report without a device tree can hope for. */
void arch_firmware_putc(char c)
{
	sbi_legacy(SBI_LEGACY_CONSOLE_PUTCHAR, (unsigned char)c, 0, 0, 0);
}
