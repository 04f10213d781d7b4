/*
 * trace.c - the execution tracer: which goroutine ran on which CPU, why it
 * stopped, who woke it, where work was stolen, when the GC stopped the
 * world. A small cousin of Go's runtime/trace (trace2*.go), written out as
 * text over the console instead of a binary stream to a pipe.
 *
 * Objects:
 *   trace_buf - one per CPU (per M), a flat array of fixed-size events and
 *     pos, the number written. Go keeps one buffer per M too. Per-P
 *     buffers would miss what happens while an M holds no P (it idles, it
 *     stops for the world); Ms are CPUs for ever here, so a CPU track in
 *     the timeline is exactly one buffer.
 *   trace_ev - 24 bytes: the timer counter (nanotime's clock, converted
 *     when written out), type, two small operands, a goroutine id and one
 *     64-bit argument (trace.h lists the types).
 *
 * Writing, without locks: only the CPU itself writes its buffer, with its
 * interrupts masked (so a timer trap that records a preemption cannot cut
 * into a half-written event, and the goroutine cannot migrate mid-event).
 * It fills the slot, then publishes it with a release store of pos; the
 * writer-out reads pos with an acquire load and never looks past it. A full
 * buffer stops recording on that CPU and counts what it dropped: a trace
 * keeps its beginning, which is what pairs starts with stops.
 *
 * States (trace_state): off -> StartTrace (buffers emptied, statistics
 * snapshot, recording) -> on -> StopTrace (recording ends, statistics
 * snapshot, buffers written out) -> off. StartTrace and StopTrace take
 * their snapshot and flip trace_enabled with the world stopped, as Go's
 * do, so no CPU is half-way between counting an event and recording it;
 * the hooks read the flag relaxed. Exit and a fatal error cannot stop the
 * world: their write-out may miss an event in flight on another CPU.
 *
 * The written form (docs/trace.md): lines starting "#T ", a begin line,
 * SchedStats deltas over the session, one line per event, and an end line
 * with the line count and a CRC-32 of every line before it. Programs'
 * output is untouched: filter "#T " lines out to get it back. scripts/
 * trace/ turns the lines into Chrome trace JSON and a PNG.
 *
 * Cost: with tracing off, each hook is one relaxed load and a not-taken
 * branch; on, trace_event's instruction count is in bench/README.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "gort.h"
#include "kernel/trace/trace.h"
#include "kernel/sched/sched.h"
#include "kernel/lib/print.h"
#include "kernel/lib/bootargs.h"
#include "kernel/gc/gc.h"
#include "arch/atomic.h"

#define TRACE_EVENTS 8192       /* per CPU */

struct trace_ev {
	uint64_t ts;            /* arch_ticks(): nanotime before conversion */
	uint64_t arg;
	uint32_t goid;          /* goroutine ids wrap at 2^32 in the trace */
	uint16_t aux;
	uint8_t small;
	uint8_t type;
};

struct trace_buf {
	uint32_t pos;           /* events written; own CPU, release store */
	uint32_t dropped;       /* events lost to a full buffer; own CPU
	                           writes, the writer-out reads (relaxed) */
	struct trace_ev ev[TRACE_EVENTS];
};

/* No heap pointers in here, and plenty of words that look like them. */
#define TRACE_NOSCAN __attribute__((section(".bss.noscan.trace")))
static struct trace_buf trace_bufs[MAXCPU] TRACE_NOSCAN;
uint32_t trace_enabled;                 /* atomic */
/* Who may start or stop, moved by arch_cas so that concurrent StartTrace,
 * StopTrace, Exit and fatal errors never reset or write out a buffer twice:
 *   off -> starting -> on            StartTrace (stop-the-world in between)
 *   on -> stopping -> writing -> off StopTrace: stopping while its
 *                                     stop-the-world is in flight, writing
 *                                     once the snapshot is taken
 *   on or stopping -> writing -> off Exit or a fatal error takes over
 * A StopTrace whose stop-the-world is still in flight cannot finish once
 * Exit holds its CPU with interrupts masked (that P never stops), so Exit
 * takes the trace from it; StopTrace then finds its move to writing
 * refused and leaves the write-out to Exit. The fields below belong to
 * whoever moved the state out of off, on or stopping. */
enum { TraceOff, TraceStarting, TraceOn, TraceStopping, TraceWriting };
static uint32_t trace_state;            /* atomic */
static int64_t trace_t0, trace_t1;      /* session start and stop (nanotime) */
static struct SchedStats stats0, stats1; /* SchedStats at start and stop */
static uint32_t npos[MAXCPU];           /* pos snapshot taken by StopTrace */

void trace_event(uint32_t type, uint32_t small, uint32_t aux, uint64_t goid, uint64_t arg)
{
	unsigned long flags = arch_irq_save();
	struct trace_buf *b = &trace_bufs[arch_this_m()->id];
	uint32_t i = b->pos;            /* own CPU: plain read */
	if (i < TRACE_EVENTS) {
		struct trace_ev *e = &b->ev[i];
		e->ts = arch_ticks();   /* nanotime's clock, converted when written out */
		e->arg = arg;
		e->goid = (uint32_t)goid;
		e->aux = (uint16_t)aux;
		e->small = (uint8_t)small;
		e->type = (uint8_t)type;
		/* release; pairs with the acquire load in StopTrace: the
		 * event's fields are written before it counts. */
		__atomic_store_n(&b->pos, i + 1, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&b->dropped, b->dropped + 1, __ATOMIC_RELAXED);
	}
	arch_irq_restore(flags);
}

/* ---- starting and stopping --------------------------------------------- */

/* Move trace_state from `from` to `to`; false if it was not `from`.
 * acq_rel: the mover sees what the previous mover wrote (buffers,
 * snapshots) and publishes its own to the next. */
static bool trace_move(uint32_t from, uint32_t to)
{
	return arch_cas(&trace_state, &from, to, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* The world stopped, or at boot not yet started: no CPU is between a
 * SchedStats counter and its event (a steal counts and records together),
 * so the snapshot and the events cover exactly the same work - the trace
 * tests compare them. Go's StartTrace and StopTrace stop the world too. */
static void trace_start_stopped(void *unused)
{
	(void)unused;
	for (int i = 0; i < MAXCPU; i++) {
		__atomic_store_n(&trace_bufs[i].pos, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&trace_bufs[i].dropped, 0, __ATOMIC_RELAXED);
	}
	ReadSchedStats(&stats0);
	trace_t0 = nanotime();
	/* release: the emptied buffers before any CPU that sees the flag
	 * writes (startTheWorld orders it before the others run anyway). */
	__atomic_store_n(&trace_enabled, 1, __ATOMIC_RELEASE);
}

static void trace_stop_stopped(void *unused)
{
	(void)unused;
	/* seq_cst: recording ends before the snapshots below. On the Exit
	 * and fatal paths the other CPUs still run: their hooks' relaxed
	 * loads may see 1 for a moment, and those events land past npos. */
	__atomic_store_n(&trace_enabled, 0, __ATOMIC_SEQ_CST);
	trace_t1 = nanotime();
	ReadSchedStats(&stats1);
	for (int i = 0; i < MAXCPU; i++)
		/* acquire; pairs with the release store in trace_event */
		npos[i] = __atomic_load_n(&trace_bufs[i].pos, __ATOMIC_ACQUIRE);
}

void StartTrace(void)
{
	/* A second StartTrace while recording (or writing out) does nothing. */
	if (!trace_move(TraceOff, TraceStarting))
		return;
	stw_run(trace_start_stopped, NULL);
	trace_move(TraceStarting, TraceOn);
	trace_event(EvHeap, 0, 0, 0, __atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED));
}

static void trace_dump(void);

void StopTrace(void)
{
	if (!trace_move(TraceOn, TraceStopping))
		return;                 /* not recording, or being stopped */
	stw_run(trace_stop_stopped, NULL);
	if (!trace_move(TraceStopping, TraceWriting))
		return;                 /* Exit took it over meanwhile */
	trace_dump();                   /* the world runs again: a dump is long */
	trace_move(TraceWriting, TraceOff);
}

/* bootargs trace=1, before the other CPUs run: nothing to stop. */
void trace_boot(void)
{
	if (!rtflags.trace || !trace_move(TraceOff, TraceStarting))
		return;
	trace_start_stopped(NULL);
	trace_move(TraceStarting, TraceOn);
	trace_event(EvHeap, 0, 0, 0, __atomic_load_n(&gc_heapLive, __ATOMIC_RELAXED));
}

/* Exit and fatal errors run with interrupts masked and cannot stop the
 * world: the snapshot is taken with the other CPUs running, so a steal
 * or preemption in flight there may be counted and not recorded. Tests
 * that compare counts call StopTrace first. Takes over a StopTrace whose
 * stop-the-world has not finished (the state comment above says why). */
static void trace_stop_running(void)
{
	unsigned long flags = arch_irq_save();
	if (!trace_move(TraceOn, TraceWriting) &&
	    !trace_move(TraceStopping, TraceWriting)) {
		arch_irq_restore(flags);
		return;
	}
	trace_stop_stopped(NULL);
	arch_irq_restore(flags);
	trace_dump();
	trace_move(TraceWriting, TraceOff);
}

static bool trace_busy(void)
{
	/* acquire; pairs with the release half of trace_move's CAS */
	uint32_t st = __atomic_load_n(&trace_state, __ATOMIC_ACQUIRE);
	return st == TraceStopping || st == TraceWriting;
}

/* Exit, before it masks interrupts: a StopTrace in flight on another
 * goroutine needs this CPU twice - its stop-the-world waits for this P,
 * and its write-out may be queued on this P - so a goroutine that may
 * yield lets it finish first. */
void trace_exit_yield(void)
{
	struct g *gp = getg();
	if (gp->is_g0 || gp->nopreempt > 0 || !arch_irq_enabled())
		return;
	while (trace_busy())
		Gosched();
}

#define TRACE_EXIT_WAIT_NS (10LL * 1000 * 1000 * 1000)

/* Exit, interrupts masked: write out a trace still recording or stopping;
 * if another CPU is writing one out, let it finish before the machine
 * powers off. Waits in wfi, not a spin: under -icount a spin would keep
 * the writing vCPU from running (stw.c). The wait is bounded: an Exit
 * that could not yield (trace_exit_yield) may hold the CPU the writer is
 * queued on. The machine powers off next, so the timer is left disarmed. */
void trace_exit(void)
{
	trace_stop_running();
	int64_t start = nanotime();
	while (trace_busy()) {
		if (nanotime() - start > TRACE_EXIT_WAIT_NS) {
			printk("runtime: Exit: the trace being written out by another goroutine did not finish in %lld s; it is cut short\n",
			       (long long)(TRACE_EXIT_WAIT_NS / 1000000000));
			return;
		}
		cpu_wait_short();
	}
}

/* A fatal error (kernel/lib/print.c), the other CPUs already stopped: write
 * out a trace still recording, so that the timeline leading to the crash
 * is not lost with the machine. Events another CPU left half-written lie
 * past the pos it published and are not written. A trace being written
 * out by a stopped CPU is left alone (its dump stays cut short; the
 * checker rejects it by its missing end line). */
void trace_fatal(void)
{
	trace_stop_running();
}

/* ---- writing out ---------------------------------------------------------- */

static uint32_t crc32_update(uint32_t crc, const char *s, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint8_t)s[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

struct dumper {
	uint32_t crc;
	uint32_t lines;
};

/* One "#T " line; the CRC covers its text and newline. */
static void emit(struct dumper *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(struct dumper *d, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	line[n] = 0;
	d->crc = crc32_update(d->crc, line, (size_t)n);
	d->lines++;
	printk("#T %s", line);
}

static const char *const stop_names[] = {
	[StopBlock] = "block", [StopPreempt] = "preempt", [StopYield] = "yield",
	[StopExit] = "exit", [StopGC] = "gc", [StopWorld] = "stw",
};
static const char *const phase_names[] = {
	[GCSweepTerm] = "sweepterm", [GCMark] = "mark",
	[GCMarkTerm] = "markterm", [GCSweep] = "sweep",
};

static void emit_event(struct dumper *d, int cpu, const struct trace_ev *e)
{
	unsigned long long ts = (unsigned long long)ticks_to_nanotime(e->ts);
	unsigned g = e->goid;
	switch (e->type) {
	case EvGoCreate: {
		uintptr_t off;
		const char *fn = symbolize((uintptr_t)e->arg, &off);
		emit(d, "%d %llu C %u %u %s", cpu, ts, g, e->aux, fn ? fn : "?");
		break;
	}
	case EvGoStart:
		emit(d, "%d %llu S %u %u", cpu, ts, g, e->small);
		break;
	case EvGoStop: {
		const char *why = e->small < 5 ? stop_names[e->small] : "?";
		const char *wr = e->small == StopBlock && e->aux < waitReasonCount &&
		                 e->aux != waitReasonZero ? waitReasonStrings[e->aux] : "";
		emit(d, "%d %llu E %u %s%s%s", cpu, ts, g, why, *wr ? " " : "", wr);
		break;
	}
	case EvGoUnblock:
		emit(d, "%d %llu U %u %llu", cpu, ts, g, (unsigned long long)e->arg);
		break;
	case EvProcStart:
		emit(d, "%d %llu P %u", cpu, ts, e->small);
		break;
	case EvProcStop:
		emit(d, "%d %llu Q", cpu, ts);
		break;
	case EvPreempt:
		emit(d, "%d %llu X %u", cpu, ts, g);
		break;
	case EvSteal:
		emit(d, "%d %llu T %u %u %u", cpu, ts, g, e->small, e->aux);
		break;
	case EvOverflow:
		emit(d, "%d %llu O %u", cpu, ts, e->aux);
		break;
	case EvGCPhase:
		emit(d, "%d %llu G %s %llu", cpu, ts,
		     e->small >= GCSweepTerm && e->small <= GCSweep ? phase_names[e->small] : "?",
		     (unsigned long long)e->arg);
		break;
	case EvHeap:
		emit(d, "%d %llu H %llu", cpu, ts, (unsigned long long)e->arg);
		break;
	}
}

static uint64_t sum_delta(const uint64_t *a, const uint64_t *b)
{
	uint64_t n = 0;
	for (int i = 0; i < 8; i++)
		n += b[i] - a[i];
	return n;
}

static void trace_dump(void)
{
	struct dumper d = { 0, 0 };
	emit(&d, "b gort-trace 1 arch=%s ncpu=%d gomaxprocs=%d t0=%lld t1=%lld",
	     ARCH_NAME, ncpu, __atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED),
	     (long long)trace_t0, (long long)trace_t1);
	/* SchedStats over the session: the checker compares them with the
	 * events (scripts/trace/gort_trace.py check). */
	emit(&d, "s started=%llu preemptions=%llu steals=%llu stolen=%llu overflows=%llu spinning=%llu",
	     (unsigned long long)sum_delta(stats0.started, stats1.started),
	     (unsigned long long)sum_delta(stats0.preemptions, stats1.preemptions),
	     (unsigned long long)sum_delta(stats0.steals, stats1.steals),
	     (unsigned long long)sum_delta(stats0.stolen, stats1.stolen),
	     (unsigned long long)sum_delta(stats0.runq_overflows, stats1.runq_overflows),
	     (unsigned long long)sum_delta(stats0.spinning, stats1.spinning));
	for (int cpu = 0; cpu < ncpu; cpu++) {
		struct trace_buf *b = &trace_bufs[cpu];
		uint32_t dropped = __atomic_load_n(&b->dropped, __ATOMIC_RELAXED);
		if (dropped)
			emit(&d, "d %d %u", cpu, dropped);
		for (uint32_t i = 0; i < npos[cpu]; i++)
			emit_event(&d, cpu, &b->ev[i]);
	}
	printk("#T e lines=%u crc=%08x\n", d.lines, d.crc);
}
