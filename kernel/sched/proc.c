/*
 * proc.c - the goroutine scheduler (Go's runtime/proc.go on bare metal).
 *
 * Objects (runtime2.h):
 *   G - a goroutine: a stack slot, saved registers, a status.
 *   M - one per CPU, forever; its g0 runs the scheduler on the CPU's boot
 *       stack. An M runs Go code only while it holds a P.
 *   P - a scheduling context: local run queue (runq.c), runnext, timers,
 *       free-G cache. gomaxprocs of them are in use.
 *
 * The scheduling loop runs on g0 (schedule_loop): find a runnable G, switch
 * to it, and when it gives the CPU back (mcall), finish what it asked for
 * on g0 - park it, requeue it, or free it. Doing that on g0, after the G's
 * registers are saved, is what makes it safe for another CPU to pick the G
 * up the moment it is published on a queue.
 *
 * Direct hand-off: a G that parks, yields or ends while its P has another
 * G ready (runnext, or the local queue) switches straight to it, one
 * switch instead of two, and that G does the g0 part for it before
 * anything else (handoff_finish) - unless findrunnable would have looked
 * elsewhere first (a stopping world, the 1-in-61 global turn, a pending
 * preemption: handoff_allowed).
 *
 * findrunnable (findrunnable.c) looks for work in Go's order: the global
 * queue now and then, timers and device wake-ups, the local queue, the
 * global queue, other Ps' timers, stealing; then the M sleeps (idle.c).
 *
 * G status transitions (casgstatus checks them; setgstatus_own, for a new
 * G and an ending one, only in debug builds):
 *   Gidle/Gdead -> Grunnable (newproc) -> Grunning (execute)
 *   Grunning -> Grunnable (Gosched, preemption) | Gwaiting (gopark) | Gdead
 *   Gwaiting -> Grunnable (goready)
 *
 * Interrupts: every switch between a G and g0, or G and G, happens with
 * interrupts masked; g0 unmasks them while it looks for work. A G runs unmasked unless
 * it masked them itself.
 *
 * Bare-metal differences from Go: Ms are CPUs, so there is no thread
 * creation - idle Ms sleep in wfi and are woken by IPI (idle.c); the
 * "signal" for async preemption is the per-CPU timer interrupt or a
 * preemption IPI (preempt.c); sysmon's duties are spread over those
 * interrupts and the idle path instead of a dedicated thread.
 */
#include <string.h>
#include "kernel/sched/sched.h"
#include "kernel/sched/gfree.h"
#include "kernel/mm/stack.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "boot/boot.h"
#include "kernel/io/io.h"
#include "arch/atomic.h"
#include "kernel/trace/trace.h"

/* The scheduler's tables hold no pointer into the GC heap that the GC
 * needs from here (G pointers lead to stack slots; timer heaps are scanned
 * entry by entry, kernel/gc/mgcmark.c), but plenty of timestamps and tick
 * counts that look like heap addresses: .bss.noscan keeps the conservative
 * scan of .bss away from them (linker scripts). */
#define SCHED_NOSCAN __attribute__((section(".bss.noscan.sched")))
struct schedt sched SCHED_NOSCAN;
struct m allm[MAXCPU] SCHED_NOSCAN;
struct p allp[MAXCPU] SCHED_NOSCAN;
int ncpu;
int gomaxprocs;                /* atomic: read anywhere, written by GOMAXPROCS */
size_t tls_size, tls_words;
/* A new goroutine's TLS: picolibc's .tdata, then .tbss zeroed, in whole
 * words, made once at boot so that newproc copies tls_words words
 * (tls_copy) instead of calling memcpy and memset for a few bytes. */
static uint64_t tls_image[TLS_MAX / 8] SCHED_NOSCAN;

void m_init(struct m *m, int cpu, uint64_t hwid)
{
	m->id = cpu;
	m->hwid = hwid;
	m->fastrand = 0x9E3779B97F4A7C15ULL * (uint64_t)(cpu + 1);
	m->slice_end = UINT64_MAX;
	m->timer_when = UINT64_MAX;     /* arch_intc_init_cpu disarms it */
	m->mcache = &mcache_none;
	m->g0.is_g0 = true;
	m->g0.m = m;
	m->g0.status = Grunning;
	m->g0.stack_hi = boot_stack_top(cpu);
	m->g0.stack_lo = boot_stack_top(cpu) - BOOT_STACK_SIZE;
	m->curg = &m->g0;
}

void sched_init(int n, int nprocs)
{
	ncpu = n;
	tls_size = TLS_SIZE;
	tls_words = (tls_size + 7) / 8;
	spin_lock_init(&sched.lock, LOCKRANK_SCHED);
	spin_lock_init(&sched.gflock, LOCKRANK_GFREE);
	spin_lock_init(&sched.allglock, LOCKRANK_ALLG);
	spin_lock_init(&sched.deferlock, LOCKRANK_DEFERPOOL);
	if (tls_size > TLS_MAX)
		throw("runtime: picolibc TLS (%zu bytes) exceeds TLS_MAX", tls_size);
	memcpy(tls_image, __tls_start, TDATA_SIZE);     /* the rest stays zero */
	sched.slice_ns = rtflags.slice * Millisecond;
	sched.slice_ticks = ns_to_ticks(sched.slice_ns);
	for (int i = 0; i < MAXCPU; i++) {
		allp[i].id = i;
		p_setstatus(&allp[i], Pidle);
		timers_init(&allp[i].timers);
	}
	__atomic_store_n(&gomaxprocs, nprocs, __ATOMIC_RELAXED);   /* before SMP */
	/* P0 goes to the boot M; the rest start idle. */
	spin_lock(&sched.lock);
	for (int i = nprocs - 1; i >= 1; i--)
		pidleput(&allp[i]);
	spin_unlock(&sched.lock);
	m_setp(&allm[0], &allp[0]);
	allp[0].m = &allm[0];
	p_setstatus(&allp[0], Prunning);
}

/* ---- G status --------------------------------------------------------- */

uint32_t gstatus(struct g *gp)
{
	return __atomic_load_n(&gp->status, __ATOMIC_ACQUIRE);
}

void casgstatus_fail(struct g *gp, uint32_t old, uint32_t from, uint32_t to)
{
	throw("casgstatus: goroutine %llu: bad status %u (want %u -> %u)",
	      (unsigned long long)gp->goid, old, from, to);
}

/* ---- run queues ------------------------------------------------------- */

static void runqput_slow(struct p *pp, struct g *gp);
static void globrunqputbatch(struct g **gs, uint32_t n);

/* Put gp on pp's local queue (in runnext if next), as Go's runqput. The
 * runnext put with an empty slot - every goready of a ping-pong or a
 * wake-up - is one exchange; goready and newproc1 inline all of it (the
 * call was a tenth of a goready). */
static inline __attribute__((always_inline)) void runqput_inline(struct p *pp, struct g *gp, bool next)
{
	if (next) {
		gp = runq_put_next(&pp->runq, gp);
		if (gp == NULL)
			return;
	}                               /* a displaced runnext goes to the tail */
	if (!runq_put_tail(&pp->runq, gp))
		runqput_slow(pp, gp);
}

void runqput(struct p *pp, struct g *gp, bool next)
{
	runqput_inline(pp, gp, next);
}

/* The ring is full: half of it plus gp go to the global queue. */
static __attribute__((noinline)) void runqput_slow(struct p *pp, struct g *gp)
{
	struct g *overflow[RUNQ_SIZE / 2 + 1];
	uint32_t n = 0;
	if (runq_put(&pp->runq, gp, false, overflow, &n) == NULL)
		return;                 /* a thief made room */
	spin_lock(&sched.lock);
	globrunqputbatch(overflow, n);
	spin_unlock(&sched.lock);
	traceOverflow(getm(), n);
}

/* The global run queue: a ring of G pointers, then a list through the Gs
 * (schedlink, as Go's), every G in the ring queued before every G on the
 * list, so that the whole is FIFO. A G queued alone (a preemption, a
 * Gosched, an idle P's wake-up) goes on the list: a link or two, as before
 * the ring. A local queue's overflow (runqput_slow: 129 Gs at once) goes
 * to the ring when the list is empty, as pointers. Why: taking a batch
 * from the list (globrunqget_rest, up to 128 Gs onto a local queue) was a
 * walk with a cache and TLB miss per G, for each G sits at the top of its
 * own stack slot, a page of its own - a fifth of hosted vs_spawn's time
 * (bench/README.md). From the ring a batch moves without touching a G,
 * and each G of it is prefetched for its first run. All under sched.lock. */
#define GRUNQ_RING 16384
static struct g *grunq_buf[GRUNQ_RING] SCHED_NOSCAN;   /* sched.lock */

/* Add the seq_cst store of sched.runqsize's new value: the global queue's
 * half of the store-buffering pair with a spinning M that gives up
 * (findrunnable); pairs with the seq_cst load in any_runq_work. The plain
 * read is under sched.lock, which every writer holds. */
static inline void runqsize_add(int32_t n)
{
	__atomic_store_n(&sched.runqsize, sched.runqsize + n, __ATOMIC_SEQ_CST);
}

void globrunqput(struct g *gp)
{
	assert_lock_held(&sched.lock);
	gp->schedlink = NULL;
	if (sched.runq_tail)
		sched.runq_tail->schedlink = gp;
	else
		sched.runq_head = gp;
	sched.runq_tail = gp;
	runqsize_add(1);
}

/* Queue the n Gs of gs (oldest first), into the ring if they fit and
 * nothing is on the list. */
static void globrunqputbatch(struct g **gs, uint32_t n)
{
	assert_lock_held(&sched.lock);
	uint32_t t = sched.grunq_tail;
	if (sched.runq_head != NULL || t - sched.grunq_head > GRUNQ_RING - n) {
		for (uint32_t i = 0; i < n; i++)
			globrunqput(gs[i]);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		grunq_buf[(t + i) % GRUNQ_RING] = gs[i];
	sched.grunq_tail = t + n;
	runqsize_add((int32_t)n);
}

/* The oldest G of the global queue, which is not empty. */
static inline __attribute__((always_inline)) struct g *globrunq_pop(void)
{
	uint32_t h = sched.grunq_head;
	if (__builtin_expect(h != sched.grunq_tail, 0)) {
		sched.grunq_head = h + 1;
		return grunq_buf[h % GRUNQ_RING];
	}
	struct g *gp = sched.runq_head;
	sched.runq_head = gp->schedlink;
	if (sched.runq_head == NULL)
		sched.runq_tail = NULL;
	return gp;
}

/* The rest of a global-queue batch (globrunqget) onto pp's local queue:
 * out of line, so that the common batch of one - a preemption taking the
 * G it queued last time, the 1-in-61 turn - sets up no frame for the loop
 * and its calls (about 20 instructions of each get on riscv64). */
static __attribute__((noinline)) void globrunqget_rest(struct p *pp, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		struct g *gp = globrunq_pop();
		/* Its first run writes it soon, and the Gs of a batch are
		 * pages apart: their misses overlap here, instead of one per
		 * switch later (hosted vs_spawn: a quarter less CPU time). */
		__builtin_prefetch(gp, 1);
		runqput(pp, gp, false);
	}
}

/* Take a batch from the global queue: one to return, the rest (up to a fair
 * share, at most half a local queue) onto pp's local queue. */
static inline __attribute__((always_inline)) struct g *globrunqget_inline(struct p *pp, int max)
{
	assert_lock_held(&sched.lock);
	int32_t size = sched.runqsize;
	if (size == 0)
		return NULL;
	int32_t n = size / gomaxprocs + 1;
	if (n > size)
		n = size;
	if (max > 0 && n > max)
		n = max;
	if (n > RUNQ_SIZE / 2)
		n = RUNQ_SIZE / 2;
	__atomic_store_n(&sched.runqsize, size - n, __ATOMIC_RELAXED);
	struct g *gp = globrunq_pop();
	if (n > 1)
		globrunqget_rest(pp, n - 1);
	return gp;
}

struct g *globrunqget(struct p *pp, int max)
{
	return globrunqget_inline(pp, max);
}

/* ---- switching -------------------------------------------------------- */

static void handoff_commit(struct m *m);

/* After a switch, on the G switched to: if a parking G switched straight
 * here (park_handoff), finish parking it. Inline: a load and a branch on
 * every other switch. */
static inline __attribute__((always_inline)) void handoff_finish(void)
{
	struct m *m = getm();
	if (m->handoff_g != NULL)
		handoff_commit(m);
}

/* Switch from the running G to g0, which calls fn(gp). Returns when the G
 * is scheduled again, possibly on another CPU. */
void mcall(void (*fn)(struct g *))
{
	unsigned long flags = arch_irq_save();
	struct m *m = getm();           /* stable: interrupts are masked */
	struct g *gp = m->curg;
	ASSERT(!gp->is_g0);
	m->mcall_fn = fn;
	m->mcall_g = gp;
	arch_setg(m, &m->g0);
	arch_switch(&gp->ctx, &m->g0.ctx);
	handoff_finish();               /* if a parking G switched to us */
	arch_irq_restore(flags);
}

/* A preemption request (preemptone's IPI) that reached this M on g0,
 * while findrunnable searched with interrupts on, found no goroutine to
 * preempt (trap_ipi) and was consumed for nothing: about to run gp, the
 * M would carry on past a stopping world or a retired P until gp's slice
 * ends (10 ms, or the stopper's next re-send). So, with interrupts masked,
 * execute looks again at what such a request stands for - the two
 * conditions findrunnable's loop begins with. A request consumed before
 * the mask is visible here: preemptone's release store of preempt_req
 * comes after the stopper's seq_cst store of gcwaiting (and GOMAXPROCS's
 * release store of gomaxprocs), and trap_ipi's acquire exchange read it.
 * One sent after the mask stays pending and preempts gp once it runs. */
static bool request_missed(struct p *pp)
{
	/* acquire: as findrunnable's */
	return gcwaiting() || pp->id >= __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE);
}

/* Run gp on this M. Returns on g0 when gp gives up the CPU, true; or
 * false at once, gp back on the local queue's runnext, if a request that
 * came in while the M searched asks it to go round the loop again
 * (request_missed). A G taken from runnext (inherit) shares the time
 * slice of the one that readied it, as Go's inheritTime: two goroutines
 * handing the CPU back and forth, or a goroutine readying itself (a GC()
 * caller after each cycle), cannot keep the rest of the run queue waiting
 * past one slice. */
static bool execute(struct m *m, struct g *gp, bool inherit, uint64_t now)
{
	struct p *pp = m->p;
	if (arch_irq_enabled()) {       /* found beyond the fast path */
		arch_irq_disable();
		if (request_missed(pp)) {
			runqput(pp, gp, true);
			return false;
		}
	}
	casgstatus(gp, Grunnable, Grunning);
	gp->m = m;
	__atomic_store_n(&gp->preempt, false, __ATOMIC_RELAXED);   /* as every access */
	pp->schedtick++;
	traceGoStart(gp, pp);
	tls_copy(m->tls, gp->tls);
	if (!inherit || pp->slice_end <= now)
		pp->slice_end = now + sched.slice_ticks;
	m->slice_end = pp->slice_end;
	__atomic_store_n(&m->exec_ticks, now, __ATOMIC_RELAXED);
	arm_timer_lazy(m);
	arch_setg(m, gp);
	arch_switch(&m->g0.ctx, &gp->ctx);
	/* back on g0: gp called mcall; interrupts are masked */
	tls_copy(gp->tls, m->tls);
	m->slice_end = UINT64_MAX;
	return true;
}

/* The scheduler loop, on g0. Never returns. */
static _Noreturn void schedule_loop(void)
{
	struct m *m = getm();
	for (;;) {
		bool inherit;
		uint64_t now;
		struct g *gp = findrunnable(m, &inherit, &now);
		if (!execute(m, gp, inherit, now))
			continue;
		/* gp gave up the CPU; finish its request here on g0 */
		struct g *prev = m->mcall_g;
		m->mcall_g = NULL;
		m->mcall_fn(prev);
		/* A G gives up the CPU holding no spinlock, except those a
		 * gopark hand-off has released by now. */
		lockrank_assert_none("schedule");
	}
}

_Noreturn void mstart(void)
{
	struct m *m = getm();
	if (m->p) {
		/* under sched.lock: another CPU may already stop the world
		 * (preempt_running reads p->m under it) */
		spin_lock(&sched.lock);
		m->p->m = m;
		spin_unlock(&sched.lock);
	}
	schedule_loop();
}

/* ---- creating and ending goroutines ---------------------------------- */

/* casgstatus for a change no other CPU can race: a new goroutine's G,
 * which no queue holds yet, and a running G ending itself (only a G's own
 * M changes its status; the collector and the fatal-error path only read
 * it). A release store - the G's fields before its status, for gstatus's
 * acquire readers - where the compare-and-swap loop was 8 instructions of
 * each spawn and exit on riscv64 (bench/sched, go_create_exit). Debug
 * builds still check the old status. */
static inline __attribute__((always_inline)) void setgstatus_own(struct g *gp, uint32_t from,
                                                                 uint32_t to)
{
	ASSERT(gstatus(gp) == from);
	(void)from;
	/* release; pairs with the acquire load in gstatus */
	__atomic_store_n(&gp->status, to, __ATOMIC_RELEASE);
}

/* A goroutine's function is a frame of its own (kernel/panic/defer.c):
 * its deferred calls run when it returns, then the goroutine ends. */
static _Noreturn void goentry(void *arg)
{
	(void)arg;                      /* == getg() */
	handoff_finish();               /* a new G can be runnext too */
	arch_irq_enable();
	/* getg() rather than arg: nothing to keep in a callee-saved
	 * register across handoff_finish's call (its save, a move each
	 * way: bench/sched, go_create_exit) */
	goroutine_body(getg());
}

/* Make a goroutine running fn(arg) and put it in this P's runnext. Inline
 * in each of its callers, `go` among them: as a function of its own, its
 * prologue and epilogue (every callee-saved register) and the wrappers'
 * calls were about 14 instructions of a spawn (bench/sched, go_create_exit).
 * *goid gets the new goroutine's id, read before it is published: once in
 * runnext it may run, end and be recycled under another id on a CPU that
 * steals it before gp->goid could be read here. */
static inline __attribute__((always_inline)) struct g *newproc1(void (*fn)(void *), void *arg,
                                                                size_t stacksize, bool system,
                                                                uintptr_t gopc, uint64_t *goid)
{
	acquirem();                      /* stacksize 0: the default limit */
	struct p *pp = getm()->p;
	struct g *gp = gfget(pp, stacksize);
	if (gp == NULL)
		gp = malg(stacksize);
	gp->fn = fn;
	gp->arg = arg;
	*goid = __atomic_add_fetch(&sched.goidgen, 1, __ATOMIC_RELAXED);
	gp->goid = *goid;
	gp->waitreason = waitReasonZero;
	gp->preempt_count = 0;
	gp->gopc = gopc;
	gp->parentgoid = getg()->is_g0 ? 0 : getg()->goid;
	gp->linelen = 0;
	tls_copy(gp->tls, (const uint8_t *)tls_image);
	arch_context_init(&gp->ctx, ((uintptr_t)gp) & ~(uintptr_t)15, goentry, gp);
	gp->system = system;
	if (!system)
		__atomic_add_fetch(&sched.ngoroutines, 1, __ATOMIC_RELAXED);
	stat_add(&pp->goroutines_run, 1);
	traceGoCreate(gp, pp);
	setgstatus_own(gp, Gdead, Grunnable);
	runqput_inline(pp, gp, true);
	wakep();
	releasem();
	return gp;
}

struct g *newproc(void (*fn)(void *), void *arg, size_t stacksize)
{
	uint64_t goid;
	return newproc1(fn, arg, stacksize, false, (uintptr_t)__builtin_return_address(0), &goid);
}

struct g *newproc_system(void (*fn)(void *), void *arg)
{
	uint64_t goid;
	return newproc1(fn, arg, 0, true, (uintptr_t)__builtin_return_address(0), &goid);
}

/* The `go` statement (include/gort.h); its caller is the creator that
 * leakcheck reports. */
uint64_t go(void (*fn)(void *), void *arg)
{
	uint64_t goid;
	newproc1(fn, arg, 0, false, (uintptr_t)__builtin_return_address(0), &goid);
	return goid;
}

uint64_t go_stack(void (*fn)(void *), void *arg, size_t stack_bytes)
{
	uint64_t goid;
	if (stack_bytes == 0)
		stack_bytes = 1;
	newproc1(fn, arg, stack_bytes, false, (uintptr_t)__builtin_return_address(0), &goid);
	return goid;
}

/* Everything of a goroutine's end but freeing it: on g0 (goexit0) or
 * still on its own stack, interrupts masked (exit_handoff). */
static inline __attribute__((always_inline)) void goexit_dead_state(struct g *gp);

static inline __attribute__((always_inline)) void goexit_dead(struct g *gp)
{
	if (gp->linelen)                 /* an unterminated last line */
		printk("%.*s\n", (int)gp->linelen, gp->linebuf);
	traceGoStop(gp, StopExit);
	goexit_dead_state(gp);
}

/* goexit_dead without the last line and the trace event: no call but a
 * fatal error's (the exit hand-off, goexit1). */
static inline __attribute__((always_inline)) void goexit_dead_state(struct g *gp)
{
	if (gp->_defer != NULL || gp->_panic != NULL)
		throw("goexit: deferred calls or panics left");
	gp->frame = NULL;
	setgstatus_own(gp, Grunning, Gdead);
	gp->m = NULL;
	/* fn, arg and system are left as they are: newproc1 sets all three
	 * before the G can run again, and the collector does not scan a dead
	 * G (scan_g), so a stale arg keeps nothing alive (3 stores of every
	 * exit: bench/sched, go_create_exit) */
	if (!gp->system)
		__atomic_sub_fetch(&sched.ngoroutines, 1, __ATOMIC_RELAXED);
}

static void goexit0(struct g *gp)
{
	goexit_dead(gp);
	gfput(getm()->p, gp);
}

static bool handoff_allowed(struct g *gp, struct p *pp);
static void handoff_switch(struct m *m, struct g *gp, struct g *next, bool inherit, bool dead,
                           enum trace_stop why);

/* The end of a goroutine whose deferred calls have all run (goentry,
 * Goexit in kernel/panic/panic.c). With a G in the local queue, switch
 * straight to it (as park_handoff), which frees this one once off its
 * stack (handoff_commit); else through g0, and through g0 too when a last
 * line is left to print: the hand-off's path then calls nothing that
 * returns, so that goexit1 keeps nothing in callee-saved registers (it
 * never returns, but GCC would save them all in its prologue). */
_Noreturn void goexit1(void)
{
	lockrank_assert_none("goexit");
	struct g *gp = getg();
	arch_irq_disable();             /* for good: no G resumes here */
	struct m *m = getm();
	struct g *next = NULL;
	bool inherit = false;
	if (gp->linelen == 0 && handoff_allowed(gp, m->p))
		next = runq_get_inherit(&m->p->runq, &inherit);
	if (next != NULL) {
		goexit_dead_state(gp);
		handoff_switch(m, gp, next, inherit, true, StopExit);
	} else {
		mcall(goexit0);
	}
	throw("goexit: dead goroutine resumed");
}

/* ---- yielding, parking, readying ------------------------------------- */

/* gp goes to the back of the global queue (Go's goschedImpl), and an idle
 * P is woken for it, as Go does: without that, a CPU that went idle while
 * this one's goroutines were only being preempted and requeued here slept
 * on (trace_sched saw 4 call-free goroutines share one CPU of two for 20 s). */
static __attribute__((noinline)) void goschedImpl_queued(struct g *gp);

static void goschedImpl(struct g *gp)
{
	casgstatus(gp, Grunning, Grunnable);
	gp->m = NULL;
	goschedImpl_queued(gp);
}

/* goschedImpl's queueing of a G already Grunnable: also the end of a
 * preemption's hand-off (handoff_commit). Out of line: kept off the yield
 * hand-off's path. */
static __attribute__((noinline)) void goschedImpl_queued(struct g *gp)
{
	spin_lock(&sched.lock);
	globrunqput(gp);
	spin_unlock(&sched.lock);
	wakep();
}

/* m->handoff_global: where a preempted G goes once its registers are
 * saved (handoff_commit). */
enum { HANDOFF_LOCAL, HANDOFF_GLOBAL, HANDOFF_LOCKED };

/* goschedImpl_queued with sched.lock already held (globrunqget_hold). */
static __attribute__((noinline)) void globrunqput_unlock(struct g *gp)
{
	globrunqput(gp);
	spin_unlock(&sched.lock);
	wakep();
}

/* findrunnable's global-queue batch, for the preemption hand-off - which
 * puts the preempted G back on the same queue once its registers are
 * saved. So sched.lock is taken once for both: on success it stays held
 * across the switch, interrupts masked, and the next G releases it after
 * the put (handoff_commit, HANDOFF_LOCKED). Two round trips were about 40
 * instructions of every preemption whose next G came from the global
 * queue (bench/sched, preempt_path). The lock's preemption deferral is
 * spin_lock's count in the running G: it moves from gp to next here, so
 * that the unlock on next gives it back (a G being switched to is this
 * M's alone, taken off the queue under the lock). */
static __attribute__((noinline)) struct g *globrunqget_hold(struct g *gp, struct p *pp)
{
	spin_lock(&sched.lock);
	struct g *next = globrunqget_inline(pp, 0);
	if (next == NULL) {
		spin_unlock(&sched.lock);
		return NULL;
	}
	gp->nopreempt--;                /* interrupts are masked throughout */
	next->nopreempt++;
	return next;
}

/* Gosched: Go always puts the G on the global queue, so that a G on the
 * global queue gets its turn when a goroutine yields. The global queue is
 * only needed for that: when it is empty (a relaxed look: a G queued there
 * a moment later still has findrunnable's 1-in-61 check), the G goes to
 * the tail of its own P's queue - behind every local G, as fair - without
 * sched.lock's two round trips (bench/sched's yield_switch). wakep as
 * goschedImpl: an idle P may steal it. */
static void gosched_m(struct g *gp)
{
	traceGoStop(gp, StopYield);
	if (__atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) > 0) {
		goschedImpl(gp);
		return;
	}
	casgstatus(gp, Grunning, Grunnable);
	gp->m = NULL;
	runqput(getm()->p, gp, false);
	wakep();
}

static inline __attribute__((always_inline)) bool yield_handoff(struct g *gp, bool preempted);

void Gosched(void)
{
	lockrank_assert_none("Gosched");
	if (!yield_handoff(getg(), false))
		mcall(gosched_m);
}

static void gopreempt_m(struct g *gp)
{
	gp->preempt_count++;
	traceGoStop(gp, StopPreempt);
	/* A timer fired, or the world is stopping (the P keeps its queue
	 * while stopped): stay local. */
	if (gp->preempt_soft || gcwaiting()) {
		gp->preempt_soft = false;
		casgstatus(gp, Grunning, Grunnable);
		gp->m = NULL;
		runqput(getm()->p, gp, false);
		return;
	}
	goschedImpl(gp);
}

void gopreempt(void)
{
	if (!yield_handoff(getg(), true))
		mcall(gopreempt_m);
}

/* gp is Gwaiting and its registers are saved: run its unlockf, which
 * publishes it to its waker. On g0 (park_m), or on the G it handed the
 * CPU to (handoff_finish). */
static bool unlock_spinlock(struct g *gp, void *lock);

/* park_commit for any unlockf but goparkunlock's. */
static __attribute__((noinline)) void park_commit_unlockf(struct g *gp,
                                                          bool (*unlockf)(struct g *, void *))
{
	if (unlockf == NULL || unlockf(gp, gp->park_lock))
		return;
	/* changed its mind: run it again next */
	traceGoUnblock(gp);
	casgstatus(gp, Gwaiting, Grunnable);
	runqput(getm()->p, gp, true);
}

/* Both ways out are tail calls, so that the common one (goparkunlock's
 * lock, a channel's) needs no frame: with the rest inline here it took
 * one, and saved two registers, on every park (bench/chan,
 * chan_pingpong_roundtrip). */
static void park_commit(struct g *gp)
{
	bool (*unlockf)(struct g *, void *) = gp->park_unlockf;
	gp->park_unlockf = NULL;
	if (unlockf == unlock_spinlock)         /* goparkunlock's: no indirect call */
		park_release_lock(gp, gp->park_lock);
	else
		park_commit_unlockf(gp, unlockf);
}

static void park_m(struct g *gp)
{
	traceGoStop(gp, StopBlock);
	casgstatus(gp, Grunning, Gwaiting);
	gp->m = NULL;
	park_commit(gp);
}

/*
 * Direct hand-off (docs/scheduler.md, "Direct hand-off"): a G that parks
 * right after readying another (channel ping-pong, a WaitGroup or Cond
 * wake-up) finds that one in runnext and switches straight to it, one
 * arch_switch instead of two and no findrunnable. It is what execute
 * would do with runnext, minus what cannot have changed: the P is still
 * this M's and the new G inherits the time slice, so there is no clock
 * read - the timer that ends the slice stays armed (arm_timer_lazy) and
 * preempts the new G as it would the old one. Anything findrunnable
 * would look at first sends the G through g0 instead: a stopping world,
 * a retired P, the 1-in-61 global queue turn, device-readied Gs, a
 * pending preemption (a slice over, a timer due, an IPI).
 *
 * The parking G must not be published - its unlockf releases the locks
 * its waker takes - before its registers are saved. So the G switched to
 * runs that unlockf (handoff_finish) as the first thing it does, on its
 * own stack, with interrupts still masked and holding no lock of its
 * own: in mcall, where every parked, yielded or preempted G resumes, or
 * in goentry for a new G.
 */

/* May the running G gp hand this M's P straight to a G of its local
 * queue? Not when findrunnable would look elsewhere first. relaxed: as
 * findrunnable's own first looks; a world that starts stopping after
 * this test waits for this P to come round (its preemption IPI is taken
 * once the next G unmasks). Interrupts masked. */
static inline __attribute__((always_inline)) bool handoff_allowed_noglobal(struct g *gp, struct p *pp)
{
	return !__atomic_load_n(&gp->preempt, __ATOMIC_RELAXED) && !gcwaiting() &&
	       /* acquire; pairs with the release store in GOMAXPROCS */
	       pp->id < __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE) &&
	       !ioready_pending();
}

/* handoff_allowed_noglobal is the whole test for a caller that has seen
 * the global queue empty (Gosched): then the 1-in-61 turn has nothing to
 * take (4 instructions on riscv64, 8 on aarch64, whose remainder is a
 * multiplication). */
static inline __attribute__((always_inline)) bool handoff_allowed(struct g *gp, struct p *pp)
{
	return handoff_allowed_noglobal(gp, pp) &&
	       ((pp->schedtick % 61) != 0 ||
	        __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) == 0);
}

/* Switch from gp (Gwaiting or Grunnable, not yet published) straight to
 * next, taken from this P's queue: execute's work without g0. A G from
 * runnext (inherit) keeps the slice; one from the ring starts its own,
 * with the one clock read execute would make. Returns when gp runs again;
 * never for a dead gp (goexit1), whose registers and TLS are not saved.
 * fast: no trace event and no timer to program (handoff_switch checked),
 * so no call but the switch. */
static inline __attribute__((always_inline)) void handoff_switch_body(struct m *m, struct g *gp,
                                                                      struct g *next, bool inherit,
                                                                      bool dead, bool fast,
                                                                      uint64_t now)
{
	struct p *pp = m->p;
	casgstatus(next, Grunnable, Grunning);
	next->m = m;
	__atomic_store_n(&next->preempt, false, __ATOMIC_RELAXED);   /* as every access */
	pp->schedtick++;
	if (!fast)
		traceGoStart(next, pp);
	if (!inherit) {
		pp->slice_end = now + sched.slice_ticks;
		m->slice_end = pp->slice_end;
		__atomic_store_n(&m->exec_ticks, now, __ATOMIC_RELAXED);
		if (!fast)
			arm_timer_lazy(m);
	}
	if (!dead)
		tls_copy(gp->tls, m->tls);
	tls_copy(m->tls, next->tls);
	m->handoff_g = gp;
	arch_setg(m, next);
	if (dead)
		arch_switch_dead(&gp->ctx, &next->ctx);
	arch_switch(&gp->ctx, &next->ctx);
	/* gp runs again, maybe on another CPU */
	handoff_finish();
}

/* handoff_switch with the trace events (gp's stop, next's start) or a
 * timer to program: out of line, so that the common path calls nothing
 * that returns before the switch, and its callers keep their values in
 * caller-saved registers instead of saving and restoring every
 * callee-saved one (about 10 instructions a switch on riscv64). */
static __attribute__((noinline)) void handoff_switch_slow(struct m *m, struct g *gp, struct g *next,
                                                          bool inherit, bool dead,
                                                          enum trace_stop why)
{
	traceGoStop(gp, why);
	handoff_switch_body(m, gp, next, inherit, dead, false, inherit ? 0 : arch_ticks());
}

static inline __attribute__((always_inline)) void handoff_switch(struct m *m, struct g *gp, struct g *next,
                                                                 bool inherit, bool dead,
                                                                 enum trace_stop why)
{
	uint64_t now = 0;
	bool slow = tracing();
	if (!inherit) {
		now = arch_ticks();
		/* would arm_timer_lazy program the timer for the new slice? */
		uint64_t when = now + sched.slice_ticks;
		/* relaxed: as arm_timer_lazy's */
		uint64_t t = __atomic_load_n(&m->p->timers.when0_ticks, __ATOMIC_RELAXED);
		if (t < when)
			when = t;
		slow |= when < m->timer_when;
	}
	if (__builtin_expect(slow, 0))
		handoff_switch_slow(m, gp, next, inherit, dead, why);
	else
		handoff_switch_body(m, gp, next, inherit, dead, true, now);
}

static bool park_handoff(struct g *gp)
{
	unsigned long flags = arch_irq_save();
	struct m *m = getm();           /* stable: interrupts are masked */
	struct p *pp = m->p;
	struct g *next = NULL;
	if (handoff_allowed(gp, pp))
		next = runq_take_runnext(&pp->runq);
	if (next == NULL) {
		arch_irq_restore(flags);
		return false;
	}
	casgstatus(gp, Grunning, Gwaiting);
	gp->m = NULL;
	handoff_switch(m, gp, next, true, false, StopBlock);
	arch_irq_restore(flags);
	return true;
}

/* Gosched's hand-off, when gp would go to the local queue (gosched_m):
 * the next local G (runnext, then the head) runs at once, and puts gp at
 * the tail once gp's registers are saved (handoff_commit).
 *
 * An asynchronous preemption (asyncPreempt2 -> gopreempt, preempted)
 * takes it too: the next G is the one findrunnable would run - the local
 * queue's, else the global queue's - and gp goes to the global queue once
 * its registers are saved, as Go's goschedImpl puts it (handoff_commit).
 * Not when the preemption was only for a due timer (preempt_soft) or a
 * timer is due now: findrunnable runs timers before the queues; nor when
 * gp was flagged rather than interrupted (gp->preempt: a releasem, a
 * stopping world), which handoff_allowed refuses. The next G starts a
 * slice of its own, even from runnext: the slice it would inherit is
 * over. */
static inline __attribute__((always_inline)) bool yield_handoff(struct g *gp, bool preempted)
{
	unsigned long flags = arch_irq_save();
	struct m *m = getm();           /* stable: interrupts are masked */
	struct p *pp = m->p;
	struct g *next = NULL;
	bool inherit = false;
	ASSERT(!gp->is_g0);             /* as mcall */
	/* relaxed: as gosched_m's look; the timers' as arm_timer_lazy's */
	if (!preempted) {
		if (__atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) == 0 &&
		    handoff_allowed_noglobal(gp, pp))
			next = runq_get_inherit(&pp->runq, &inherit);
	} else if (!gp->preempt_soft && handoff_allowed(gp, pp) &&
	           __atomic_load_n(&pp->timers.when0_ticks, __ATOMIC_RELAXED) > arch_ticks()) {
		next = runq_get_inherit(&pp->runq, &inherit);
		m->handoff_global = HANDOFF_GLOBAL;
		/* findrunnable's next place; a relaxed hint, rechecked under the lock */
		if (next == NULL && __atomic_load_n(&sched.runqsize, __ATOMIC_RELAXED) > 0) {
			next = globrunqget_hold(gp, pp);
			m->handoff_global = HANDOFF_LOCKED;
		}
	}
	if (next == NULL) {
		m->handoff_global = HANDOFF_LOCAL;
		arch_irq_restore(flags);
		return false;
	}
	if (preempted) {
		gp->preempt_count++;
		inherit = false;
	}
	casgstatus(gp, Grunning, Grunnable);
	gp->m = NULL;
	handoff_switch(m, gp, next, inherit, false, preempted ? StopPreempt : StopYield);
	arch_irq_restore(flags);
	return true;
}

/* On the G a parking G switched to (park_handoff), interrupts masked:
 * finish parking that one. */
static void handoff_commit(struct m *m)
{
	struct g *prev = m->handoff_g;
	m->handoff_g = NULL;
	switch (gstatus(prev)) {
	case Gwaiting:                  /* gopark: as park_m */
		park_commit(prev);
		break;
	case Grunnable:
		if (__builtin_expect(m->handoff_global != HANDOFF_LOCAL, 0)) {
			/* preempted: to the global queue (goschedImpl_queued),
			 * under the lock the hand-off may still hold */
			bool held = m->handoff_global == HANDOFF_LOCKED;
			m->handoff_global = HANDOFF_LOCAL;
			if (held)
				globrunqput_unlock(prev);
			else
				goschedImpl_queued(prev);
		} else {                        /* Gosched: as gosched_m */
			if (!runq_put_tail(&m->p->runq, prev))
				runqput(m->p, prev, false);
			wakep();
		}
		break;
	default:                        /* Gdead, goexit1: as goexit0 */
		gfput(m->p, prev);
	}
	/* the G running now holds no lock: it was parked, yielding or new */
	lockrank_assert_none("handoff");
}

/* gopark, inline in gopark and goparkunlock (the channels' and sema's
 * park): a wrapper's call was a tenth of a park. */
static inline __attribute__((always_inline)) void gopark_inline(bool (*unlockf)(struct g *, void *),
                                                                void *lock, enum waitreason r)
{
	struct g *gp = getg();
	gp->waitreason = (uint8_t)r;
	/* Not a clock read per park (on a board without a fast counter
	 * rdtime traps to the firmware): the time this G was last scheduled
	 * is at most one slice early, which a wait report in milliseconds or
	 * minutes does not notice. Go's waitsince is coarser still: the
	 * first GC that finds the G waiting stamps it. Kept in ticks: the
	 * conversion is the readers' (a wait report), not every park's. */
	gp->waitsince = __atomic_load_n(&getm()->exec_ticks, __ATOMIC_RELAXED);
	gp->park_unlockf = unlockf;
	gp->park_lock = lock;
	if (!park_handoff(gp))
		mcall(park_m);
}

void gopark(bool (*unlockf)(struct g *, void *), void *lock, enum waitreason r)
{
	gopark_inline(unlockf, lock, r);
}

/* goparkunlock's unlockf; park_commit calls park_release_lock itself for it. */
static bool unlock_spinlock(struct g *gp, void *lock)
{
	park_release_lock(gp, lock);
	return true;
}

void goparkunlock(spinlock_t *lock, enum waitreason r)
{
	gopark_inline(unlock_spinlock, lock, r);
}

/* Wake gp if it is parked waiting for work: it set *parked under lock and
 * parked with goparkunlock(lock). The runtime's own goroutines (sweeper,
 * forced GC, finalizers) sleep this way. */
void goready_parked(spinlock_t *lock, bool *parked, struct g *gp)
{
	spin_lock(lock);
	bool wake = *parked;
	*parked = false;
	spin_unlock(lock);
	if (wake)
		goready(gp);
}

static inline __attribute__((always_inline)) void ready(struct g *gp)
{
	acquirem();
	traceGoUnblock(gp);
	casgstatus(gp, Gwaiting, Grunnable);
	runqput_inline(getm()->p, gp, true);
	wakep();
	releasem();
}

void goready(struct g *gp)
{
	ready(gp);
}

bool goready_true(struct g *gp)
{
	ready(gp);
	return true;
}
