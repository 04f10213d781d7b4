/*
 * blk.c - the hosted disk: a host file as a block device, behind the same
 * Block_* API as a virtio disk on a board (docs/hosted.md, "The disk").
 *
 *     build/hosted-gcc/kvlog -disk kv.img       (make run ARCH=hosted DISK=kv.img)
 *     build/hosted-gcc/kvlog -disk-ro kv.img    read-only
 *
 * The device model. A board's disk is hardware that works while the CPUs
 * run other goroutines, and raises an interrupt when a request is done.
 * Here the hardware is HOSTED_BLK_THREADS host threads ("device threads",
 * no Ms: they never run Go code) that pread/pwrite/fdatasync the file,
 * and the interrupt is signal.c's device line: a device thread that
 * finished a request posts it on its ring and raises HOSTED_IRQ_BLK,
 * a SIGIO to the CPU the line is routed to, whose handler runs
 * trap_devirq -> blk_isr -> blk_complete -> iowait_ready: the portable
 * path of a virtio completion, from the same interrupt context. The caller
 * never blocks its M in a system call: it parks in IO wait
 * (drivers/block/block.c) and its CPU runs other goroutines; several
 * requests are in flight at once, one per device thread.
 *
 * Objects (one disk; static, in .bss.noscan, which the collector neither
 * scans nor write-protects: device threads store into them):
 *   disk.blk   - the portable BlockDev: capacity from the file's size,
 *                read-only from the open (set at attach, read-only after);
 *   disk.queue - requests submitted, not yet taken by a device thread: a
 *                FIFO under disk.mu, a pthread mutex with a condition
 *                variable the device threads sleep on ("the doorbell");
 *   ring[t]    - device thread t's completions, not yet taken by the
 *                interrupt: (request, result) entries, one producer (t),
 *                one consumer (blk_isr: the line goes to one CPU, and a
 *                handler is never interrupted by itself) - a used ring;
 *   hreq       - a request's driver part (struct blk_req's priv): its link
 *                in disk.queue, written by goroutines only.
 *
 * The goroutine side holds disk.mu with interrupts masked: a masked M is
 * neither preempted nor moved to another thread, so the thread that locks
 * the pthread mutex unlocks it, and glibc's code between is never
 * interrupted by the runtime (signal.c defers signals in libc anyway).
 *
 * A device thread never stores into the runtime's memory but through
 * pread - not even into the request, which lives on its caller's stack.
 * The collector's barrier write-protects pages (dirty.c), and a store
 * into one faults; the barrier's fault path greys the page's old
 * contents on its CPU (kernel/gc/mgcsatb.c), which a device thread is
 * not. pread into such a page fails with EFAULT instead (the kernel does
 * not fault for us); the request completes with HBLK_FAULTED, and the
 * caller, back on its CPU (hblk_finish), stores into every page of its
 * buffer - taking the barrier's faults as any store does - and submits
 * again. block.c has mapped every page before the first submit.
 *
 * Errors: the Block_* checks (range, read-only, count, NULL) are
 * block.c's; the device's own are errno's: EIO, ENOSPC, EDQUOT and a
 * short transfer (the file shrank) are BlockErrIO, EROFS/EBADF on a
 * write BlockErrReadOnly, EFAULT on a write BlockErrInvalid (a read's
 * goes again, above). Block_Flush is
 * fdatasync (EINVAL: a file that cannot be synced, BlockErrUnsupported).
 * A size that is not a whole number of sectors is refused at attach, as
 * a board's firmware would not offer such a disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "arch.h"
#include "hosted.h"
#include "drivers/block/block.h"
#include "kernel/lib/print.h"

#define HOSTED_BLK_THREADS 4
#define MAX_XFER_SECTORS   128          /* 64 KiB per request, as virtio's */
#define DONE_RING          64           /* completions per device thread */
#define NOSCAN __attribute__((section(".bss.noscan.hostblk")))

/* A result that never leaves this file: pread met a write-protected page
 * of the buffer (see the top). */
#define HBLK_FAULTED 1

struct hreq {
	struct blk_req *next;   /* disk.queue; mu */
};
BLK_PRIV_FITS(struct hreq);

static inline struct hreq *hreq(struct blk_req *r)
{
	return BLK_PRIV(r, struct hreq);
}

static struct {
	BlockDev blk;
	int fd;
	bool attached;          /* a -disk was given */
	pthread_mutex_t mu;
	pthread_cond_t work;    /* L = mu: queue became non-empty */
	struct blk_req *head, *tail;    /* disk.queue; mu */
} disk NOSCAN;

static struct {
	struct {
		struct blk_req *r;
		int result;
	} e[DONE_RING];
	uint32_t head;          /* entries blk_isr took; atomic */
	uint32_t tail;          /* entries the device thread wrote; atomic */
} ring[HOSTED_BLK_THREADS] NOSCAN;

/* ---- the device (device threads) ----------------------------------------- */

static int errno_err(int e, bool write)
{
	switch (e) {
	case EFAULT:
		return BlockErrInvalid;
	case EROFS: case EBADF:
		return write ? BlockErrReadOnly : BlockErrIO;
	default:                /* EIO, ENOSPC, EDQUOT, ... */
		return BlockErrIO;
	}
}

/* pread/pwrite the whole of [buf, buf + len) at off; 0 or -errno, and
 * -EIO for a transfer that ended early (end of file: the file shrank). */
static int xfer(bool write, void *buf, size_t len, off_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write ? pwrite(disk.fd, (char *)buf + done, len - done, off + (off_t)done)
		                  : pread(disk.fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* One request: its result, a BlockErr, 0 or HBLK_FAULTED. */
static int serve(const struct blk_req *r)
{
	off_t off = (off_t)r->sector * BLK_SECTOR;
	int e;
	switch (r->op) {
	case BLK_READ:
		e = xfer(false, r->buf, r->bytes, off);
		if (e == -EFAULT)       /* a write-protected page: see the top */
			return HBLK_FAULTED;
		return e ? errno_err(-e, false) : 0;
	case BLK_WRITE:
		e = xfer(true, r->buf, r->bytes, off);
		return e ? errno_err(-e, true) : 0;
	case BLK_FLUSH:
		if (fdatasync(disk.fd) == 0)
			return 0;
		return errno == EINVAL ? BlockErrUnsupported : BlockErrIO;
	}
	return BlockErrUnsupported;
}

/* Take the oldest request submitted; sleeps while there is none. */
static struct blk_req *take(void)
{
	pthread_mutex_lock(&disk.mu);
	while (disk.head == NULL)
		pthread_cond_wait(&disk.work, &disk.mu);
	struct blk_req *r = disk.head;
	disk.head = hreq(r)->next;
	if (disk.head == NULL)
		disk.tail = NULL;
	pthread_mutex_unlock(&disk.mu);
	return r;
}

/* Post r's result on thread t's ring, then raise the line. After that r
 * is blk_isr's (and then gone with its caller's frame). A full ring - the
 * CPU has not taken 64 completions - stalls the thread, as a device
 * waits for room in its used ring. */
static void post(int t, struct blk_req *r, int result)
{
	/* relaxed: only this thread stores tail */
	uint32_t tail = __atomic_load_n(&ring[t].tail, __ATOMIC_RELAXED);
	/* acquire; pairs with blk_isr's release store of head: it read the
	 * entry before we overwrite it */
	while (tail - __atomic_load_n(&ring[t].head, __ATOMIC_ACQUIRE) == DONE_RING) {
		struct timespec ts = { 0, 20000 };
		nanosleep(&ts, NULL);
	}
	ring[t].e[tail % DONE_RING].r = r;
	ring[t].e[tail % DONE_RING].result = result;
	/* release: the entry, and the data pread put in r->buf, before
	 * blk_isr sees it; pairs with its acquire load of tail */
	__atomic_store_n(&ring[t].tail, tail + 1, __ATOMIC_RELEASE);
	hosted_irq_raise(HOSTED_IRQ_BLK);
}

static void *device_thread(void *arg)
{
	int t = (int)(uintptr_t)arg;
	hosted_device_thread_init();
	for (;;) {
		struct blk_req *r = take();
		post(t, r, serve(r));
	}
	return NULL;
}

/* ---- attach: the firmware's part (__wrap_main) ----------------------------- */

static _Noreturn void attach_fail(const char *prog, const char *path, const char *why)
{
	fprintf(stderr, "%s: -disk %s: %s\n", prog, path, why);
	exit(2);
}

void hosted_blk_attach(const char *prog, const char *path, bool readonly)
{
	if (disk.attached)
		attach_fail(prog, path, "one disk only");
	int fd = readonly ? -1 : open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (readonly || errno == EACCES || errno == EROFS || errno == EPERM)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);  /* not writable: read-only */
		readonly = true;
	}
	if (fd < 0)
		attach_fail(prog, path, strerror(errno));
	off_t size = lseek(fd, 0, SEEK_END);    /* a file or a block device */
	if (size < 0)
		attach_fail(prog, path, strerror(errno));
	if (size % BLK_SECTOR != 0)
		attach_fail(prog, path, "size is not a multiple of 512 bytes");
	disk.fd = fd;
	disk.blk.sectors = (uint64_t)size / BLK_SECTOR;
	disk.blk.max_sectors = MAX_XFER_SECTORS;
	disk.blk.readonly = readonly;
	pthread_mutex_init(&disk.mu, NULL);
	pthread_cond_init(&disk.work, NULL);
	for (int t = 0; t < HOSTED_BLK_THREADS; t++) {
		pthread_t th;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		int err = pthread_create(&th, &a, device_thread, (void *)(uintptr_t)t);
		pthread_attr_destroy(&a);
		if (err)
			attach_fail(prog, path, strerror(err));
	}
	disk.attached = true;
}

/* ---- the driver (goroutines and the interrupt) ------------------------------ */

/* block.h's submit: queue r and ring (signal a device thread). */
static bool hblk_submit(BlockDev *d, struct blk_req *r)
{
	(void)d;
	hreq(r)->next = NULL;
	unsigned long flags = arch_irq_save();  /* see the top: no move */
	pthread_mutex_lock(&disk.mu);
	if (disk.tail)
		hreq(disk.tail)->next = r;
	else
		disk.head = r;
	disk.tail = r;
	pthread_cond_signal(&disk.work);
	pthread_mutex_unlock(&disk.mu);
	arch_irq_restore(flags);
	return true;
}

/* block.h's finish, on the caller's goroutine: a read that met a
 * write-protected page of its buffer goes again, after a store into
 * every page (the barrier's faults, on this CPU; the byte stored is the
 * one there, and the buffer is the caller's alone until we return). */
static void hblk_finish(BlockDev *d, struct blk_req *r)
{
	while (r->err == HBLK_FAULTED) {
		volatile char *p = r->buf;
		for (uint32_t off = 0; off < r->bytes; off += 4096 - (((uintptr_t)p + off) & 4095))
			p[off] = p[off];
		hblk_submit(d, r);
		iowait_park(&r->done);
	}
}

static const struct blk_ops hblk_ops = { hblk_submit, hblk_finish };

/* HOSTED_IRQ_BLK, in interrupt context: complete everything posted. */
static void blk_isr(void *arg)
{
	(void)arg;
	for (int t = 0; t < HOSTED_BLK_THREADS; t++) {
		/* relaxed: only this handler stores head */
		uint32_t head = __atomic_load_n(&ring[t].head, __ATOMIC_RELAXED);
		/* acquire; pairs with post's release store */
		uint32_t tail = __atomic_load_n(&ring[t].tail, __ATOMIC_ACQUIRE);
		for (; head != tail; head++)
			blk_complete(ring[t].e[head % DONE_RING].r,
			             ring[t].e[head % DONE_RING].result);
		/* release: the entries are read; pairs with post's acquire */
		__atomic_store_n(&ring[t].head, head, __ATOMIC_RELEASE);
	}
}

/* block.h: the disk of -disk, if any, as Block_Open(0). */
void blk_driver_probe(void)
{
	if (!disk.attached)
		return;
	disk.blk.ops = &hblk_ops;
	struct dt_irq line = { .cells = { HOSTED_IRQ_BLK }, .n = 1 };
	if (irq_register(&line, blk_isr, NULL) < 0) {
		printk("hosted disk: its interrupt cannot be routed\n");
		return;
	}
	blk_register(&disk.blk);
}
