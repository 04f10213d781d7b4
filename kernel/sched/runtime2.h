/*
 * runtime2.h - the scheduler's objects: G, M, P and the global sched.
 *
 * Mirrors Go's runtime/runtime2.go. Each shared field names what protects it:
 *   "owner P"   - only the M that holds the P touches it;
 *   "atomic"    - __atomic builtins, with the pairing named at each use;
 *   "sched.lock"- the global scheduler spinlock;
 *   "own M"     - only the M itself (its CPU), possibly from its trap handler
 *                 with interrupts masked.
 */
#ifndef KERNEL_SCHED_RUNTIME2_H
#define KERNEL_SCHED_RUNTIME2_H

#include "kernel/lib/stat.h"
#include <stdint.h>
#include <stdbool.h>
#include "arch.h"
#include "kernel/lib/spinlock.h"
#include "kernel/sched/runq.h"
#include "kernel/time/timer.h"
#include "kernel/panic/panic.h"

/* G status values, as in Go (a subset). Go's _Gsyscall has no counterpart
 * (no system calls; device waits park in Gwaiting), nor _Gcopystack (stacks
 * never move), nor _Gpreempted and the _Gscan bits (Go uses them to suspend
 * a G for a concurrent stack scan; here the mark stops the world, and an
 * async-preempted G goes straight from Grunning to Grunnable, gopreempt_m,
 * as in Go when no scan asked for the stop). */
enum gstatus {
	Gidle = 0,     /* just allocated, not yet initialised */
	Grunnable = 1, /* on a run queue, not running */
	Grunning = 2,  /* owns an M and a P, running user code */
	Gwaiting = 4,  /* parked: blocked in the runtime (chan, sema, sleep) */
	Gdead = 6,     /* exited, or on a free list */
};

/* Why a G is waiting, for the goroutine list printed by fatal errors. */
enum waitreason {
	waitReasonZero = 0,
	waitReasonChanSend,
	waitReasonChanReceive,
	waitReasonChanReceiveNilChan,
	waitReasonChanSendNilChan,
	waitReasonSelect,
	waitReasonSelectNoCases,
	waitReasonSleep,
	waitReasonSemacquire,
	waitReasonSyncMutexLock,
	waitReasonSyncRWMutexLock,
	waitReasonSyncRWMutexRLock,
	waitReasonSyncCondWait,
	waitReasonSyncWaitGroupWait,
	waitReasonFinalizerWait,
	waitReasonGCSweepWait,
	waitReasonForceGCIdle,
	waitReasonGCWorkerIdle,
	waitReasonTest,
	waitReasonIOWait,           /* a device: kernel/io/iowait.c */
	waitReasonCount
};
extern const char *const waitReasonStrings[waitReasonCount];

#define TLS_MAX 64          /* bytes of picolibc TLS a G carries */
#define LINEBUF_SIZE 160    /* per-G console line buffer */

struct sudog;
struct p;

struct g {
	struct context ctx;     /* saved registers while not running; own M */
	uintptr_t stack_lo;     /* lowest byte the stack may grow to (its limit) */
	uintptr_t stack_hi;     /* one past the highest stack byte */
	uint32_t status;        /* enum gstatus; atomic */
	int32_t nopreempt;      /* >0: async preemption deferred; own G only */
	bool preempt;           /* preemption requested; atomic */
	bool preempt_soft;      /* requested only because a timer is due, not
	                           because the slice is over: requeue locally */
	bool is_g0;
	bool system;            /* runtime's own (finalizers, sweeper, forcegc):
	                           not counted for deadlock, not listed */
	uint64_t goid;
	struct m *m;            /* M running this G, or NULL; own M */
	struct g *schedlink;    /* run queue / free list link; holder of the list */
	uint8_t waitreason;     /* enum waitreason, valid while Gwaiting */
	uint64_t waitsince;     /* when it started waiting, in ticks (0:
	                           not known), at most one run slice early:
	                           its M's exec_ticks when it parked (gopark;
	                           readers convert: ticks_to_nanotime) */
	void (*fn)(void *);     /* entry function and argument */
	void *arg;
	struct sudog *waiting;  /* sudogs this G is blocked on (chan/select) */
	bool (*park_unlockf)(struct g *, void *); /* gopark's hand-off, run on g0
	                           or on the G it switched to (park_handoff) */
	void *park_lock;
	void *param;            /* wake-up parameter passed by the waker */
	uint32_t selectdone;    /* select wake-up arbitration; atomic */
	struct timer sleeptimer; /* reusable timer for Sleep */
	uint64_t preempt_count; /* times async-preempted (stats, tests) */
	uintptr_t gopc;         /* pc of the go statement that created it */
	uint64_t parentgoid;    /* goid of its creator (0: the runtime) */
	struct g *alllink;      /* allgs list; allglock */
	struct g *gfnext;       /* on the first G of a batch of dead Gs in
	                           sched.gfree: the next batch (g.c); gflock */
	size_t stacksize;       /* stack limit in bytes (stack_hi of the slot - stack_lo) */
	uintptr_t stack_slot;   /* base of the stack slot (kernel/mm/stack.h) */
	uintptr_t stack_mapped; /* lowest mapped stack byte; own G, and its
	                           fault handler (same CPU, G interrupted) */
	int32_t stack_nofault;  /* nesting of sections that must not take a
	                           stack fault (kernel/mm/stack.c); own G */
	uint8_t tls[TLS_MAX] __attribute__((aligned(8))); /* saved picolibc TLS
	                           (errno); copied by words (tls_copy) */
	struct callframe *frame;/* innermost Call frame (kernel/panic); own G */
	struct callframe base;  /* the goroutine function's frame, made once
	                           per G by malg (kernel/panic/defer.c) */
	struct _defer *_defer;  /* pending deferred calls, innermost first; own G */
	struct _panic *_panic;  /* active panics and Goexit, newest first; own G */
	uintptr_t sigaddr;      /* the fault sigpanic turns into a panic: its */
	uint8_t sigkind;        /* address and enum arch_fault; set by the trap
	                           handler, read by sigpanic; own G */
	uint16_t linelen;       /* bytes in linebuf */
	char linebuf[LINEBUF_SIZE]; /* console line buffer: lines never interleave */
};

/* P status, as Go's: Pgcstop while the world is stopped (stw.c), Pdead
 * beyond GOMAXPROCS (idle.c). */
enum pstatus { Pidle = 0, Prunning = 1, Pgcstop = 3, Pdead = 4 };

struct p {
	int id;
	uint32_t status;        /* enum pstatus; written under sched.lock with
	                           p_setstatus, read racily too (sched.h) */
	struct m *m;            /* M holding this P, or NULL */
	struct mcache *mcache;  /* this P's allocation cache (kernel/mm, Go's
	                           p.mcache); set by mcache_init at boot */
	struct _defer *deferpool; /* per-P cache of deferred-call records
	                           (kernel/panic/defer.c; near the top for
	                           short offsets); owner P, interrupts masked */
	long ndeferpool;        /* records in deferpool (a full word: no
	                           sign extension on the fast path) */
	uint32_t schedtick;     /* incremented on every schedule(); owner P */
	uint64_t slice_end;     /* tick at which the current slice ends (shared by
	                           Gs taken from runnext); owner P */
	struct p *link;         /* idle P list; sched.lock */
	struct g *gfree;        /* free G cache (dead Gs with stacks); owner P */
	int ngfree;             /* Gs on gfree (at most GFREE_BATCH) */
	struct g *gfull;        /* a full batch of GFREE_BATCH more, or NULL
	                           (kernel/sched/g.c); owner P */
	struct timers timers;   /* this P's timer heap (kernel/time) */
	void *sudogcache[16];   /* per-P sudog cache (kernel/chan) */
	int nsudogcache;
	uint64_t goroutines_run;/* statistics for the demo: Gs started here
	                           (stat_add) */
	struct runq runq;       /* lock-free local run queue + runnext (runq.h);
	                           last: its 2 KiB ring would put every field
	                           after it beyond riscv64's 12-bit load offset */
};

struct m {
	/* tls must stay first: the thread pointer points here (see linker). */
	uint8_t tls[TLS_MAX];   /* this CPU's picolibc TLS block */
	struct g *curg;         /* running G (g0 while scheduling); own M.
	                           arch_getg() reads it in one instruction. */
	void *fp_owner;         /* the port's, at a fixed offset: riscv64's
	                           lazy FP (arch/riscv/context.S); own M */
	struct g g0;            /* scheduling context on the boot stack */
	int id;                 /* logical CPU index */
	uint64_t hwid;
	struct p *p;            /* attached P, or NULL when idle. Written
	                           only by its own M, with relaxed atomic
	                           stores (the owner's plain reads do not
	                           race them); other CPUs take a relaxed
	                           snapshot (GOMAXPROCS, iowait, scheddetail),
	                           a hint that orders nothing */
	struct mcache *mcache;  /* p's mcache, or mcache_none without a P:
	                           the allocation fast paths' one load instead
	                           of p, its NULL test and p->mcache
	                           (kernel/mm/mallocfast.h); written with p
	                           (m_setp), read by the own M only */
	struct p *nextp;        /* P handed to this M while it slept */
	struct lockrank_held held; /* runtime spinlocks held, by rank (debug
	                           builds, lockrank.h); own M */
	bool spinning;          /* looking for work; sched.lock / atomic */
	void (*mcall_fn)(struct g *); /* what g0 does with the G that gave up the CPU */
	struct g *mcall_g;      /* that G; own M */
	struct g *handoff_g;    /* a G that parked by switching straight to
	                           the next one (park_handoff): the next one
	                           finishes parking it; own M */
	uint8_t handoff_global; /* that G was preempted: it goes to the
	                           global queue (yield_handoff); HANDOFF_LOCKED:
	                           and this M holds sched.lock for it, since
	                           the next G came from there; own M */
	uint32_t preempt_req;   /* an IPI asks to preempt curg; atomic */
	uint32_t stop_req;      /* fatal error elsewhere: stop; atomic */
	uint64_t fastrand;      /* per-M random state */
	uint64_t slice_end;     /* tick at which the running G's slice ends */
	uint64_t exec_ticks;    /* tick at which execute last started a G;
	                           written by the own M, read by its G
	                           (relaxed: a G that moved reads another M's) */
	uint64_t timer_when;    /* the deadline this CPU's timer holds now
	                           (UINT64_MAX: disarmed); own M, interrupts
	                           masked (preempt.c, timer_program) */
	/* Statistics: written by the own M only (stat_add), read by any CPU
	 * (ReadSchedStats, relaxed loads) */
	uint64_t ntraps, npreempt, nipi, ntimerwrites;
	uint64_t nsteal, nstolen;  /* steals that took work, Gs taken */
	uint64_t noverflow;     /* local run queue overflows to the global */
	uint64_t nspinning;     /* spinning episodes ended */
	uintptr_t g0_scan_sp;   /* g0's frame where it looks for work
	                           (findrunnable) or runs a GC cycle: the GC
	                           scans g0 from there up; atomic */
	bool online;            /* set once by the CPU itself; atomic */
};

struct schedt {
	spinlock_t lock;
	uint32_t grunq_head, grunq_tail;   /* the global run queue: a ring
	                                      (proc.c, grunq_buf); sched.lock */
	struct g *runq_head, *runq_tail;   /* then a list; sched.lock */
	int32_t runqsize;                  /* sched.lock (read racily by heuristics) */
	struct p *pidle;                   /* idle Ps; sched.lock */
	int32_t npidle;                    /* atomic */
	uint64_t midle;                    /* bitmask of idle Ms (by cpu); sched.lock */
	int32_t nmidle;                    /* sched.lock; read racily (atomic) */
	int32_t nmspinning;                /* atomic */
	uint64_t goidgen;                  /* atomic */
	int32_t ngoroutines;               /* live Gs (not dead); atomic */
	struct g *gfree;                   /* global free Gs, in batches (g.c); gflock */
	spinlock_t gflock;
	int32_t ngfree;                    /* gflock; read racily (atomic) */
	uint64_t start_ticks;
	int64_t slice_ns;                  /* time slice; bootargs "slice=" (ms) */
	uint64_t slice_ticks;
	struct g *allgs;                   /* every G ever made; allglock */
	spinlock_t allglock;
	int32_t nallgs;
	/* stop-the-world (stw.c) */
	uint32_t worldsema;                /* 1 while a goroutine owns the right
	                                      to stop the world; atomic */
	uint32_t gcwaiting;                /* the world is stopping or stopped;
	                                      atomic, written under sched.lock */
	int32_t stopwait;                  /* Ps still to stop; atomic */
	uint64_t stopped;                  /* Ps stopped by the STW; sched.lock */
	/* deferred-call records (kernel/panic/defer.c) */
	spinlock_t deferlock;
	struct _defer *deferpool;          /* central cache; deferlock */
	bool main_goexit;                  /* main called Goexit; atomic */
};

extern struct schedt sched;
extern struct m allm[MAXCPU];
extern struct p allp[MAXCPU];
extern int ncpu;                       /* CPUs online */
extern int gomaxprocs;                 /* Ps in use (<= ncpu) */

static inline struct m *getm(void) { return arch_this_m(); }
static inline struct g *getg(void) { return arch_getg(); }

/* The mcache of an M without a P (kernel/mm/mcache.c): every span in
 * it is emptymspan and its free key matches no span, so both fast paths
 * leave for the complete ones, which use mcache0 under its lock. */
extern struct mcache mcache_none;

/* m's P becomes pp (NULL: none), and m->mcache with it. Own M only. */
static inline void m_setp(struct m *m, struct p *pp)
{
	m->mcache = pp != NULL ? pp->mcache : &mcache_none;
	__atomic_store_n(&m->p, pp, __ATOMIC_RELAXED);   /* see struct m */
}

#include "kernel/lib/spinlock_inline.h"   /* needs struct g and getg */

#endif
