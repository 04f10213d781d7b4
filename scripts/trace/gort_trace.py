#!/usr/bin/env python3
"""gort_trace.py - turn a gort execution trace, as written to the console
("#T " lines, kernel/trace/trace.c), into Chrome trace-event JSON for the
Perfetto UI and a PNG timeline, or check it (docs/trace.md).

  gort_trace.py json  CONSOLE.log OUT.json
  gort_trace.py png   CONSOLE.log OUT.png
  gort_trace.py check [--cpus N] [--flows] CONSOLE.log   (tests/run.sh CHECK lines)

check: the frame's CRC; every goroutine's slices pair (start, stop) and no
two slices on a CPU overlap; the trace's counts of creates, preemptions,
steals and overflows equal the SchedStats deltas in the dump; --cpus N: N
CPU tracks hold goroutine slices; --flows: some goroutine woke another.

A console log may hold several traces (StartTrace/StopTrace more than once);
json and png use the last, check checks every one. A trace is accepted only
if its end line's line count and CRC-32 match what was received.
"""
import argparse
import heapq
import json
import sys
import zlib

PREFIX = "#T "


class TraceError(Exception):
    pass


class Trace:
    def __init__(self):
        self.header = {}
        self.stats = {}
        self.dropped = {}
        self.events = []        # (ts, cpu, seq, code, fields)


def _kv(words):
    out = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            out[k] = v
    return out


def parse(path):
    """Every complete, checksummed trace in the console log at path."""
    traces, cur, crc, nlines = [], None, 0, 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\r\n")
            i = line.find(PREFIX)
            if i < 0:
                continue
            body = line[i + len(PREFIX):]
            if body.startswith("b "):
                cur, crc, nlines = Trace(), 0, 0
                cur.header = _kv(body.split())
            if cur is None:
                continue
            if body.startswith("e "):
                end = _kv(body.split())
                if int(end.get("lines", -1)) != nlines:
                    raise TraceError("trace frame: %d lines received, %s sent"
                                     % (nlines, end.get("lines")))
                if int(end.get("crc", "0"), 16) != crc:
                    raise TraceError("trace frame: CRC-32 %08x, sent %s"
                                     % (crc, end.get("crc")))
                cur.events = _merge(cur.events)
                traces.append(cur)
                cur = None
                continue
            crc = zlib.crc32((body + "\n").encode(), crc)
            nlines += 1
            w = body.split(" ")
            if w[0] == "s":
                cur.stats = {k: int(v) for k, v in _kv(w[1:]).items()}
            elif w[0] == "d":
                cur.dropped[int(w[1])] = int(w[2])
            elif w[0].isdigit():
                cur.events.append((int(w[1]), int(w[0]), len(cur.events), w[2], w[3:]))
    if cur is not None:
        raise TraceError("trace frame: no end line (output cut short?)")
    if not traces:
        raise TraceError("no trace in %s (boot with trace=1, or call StartTrace/StopTrace)" % path)
    return traces


# At one timestamp on different CPUs (the clock ticks every 16 to 100 ns),
# a stop or a wake-up happened before the start it allowed.
_RANK = {"E": 0, "U": 1, "S": 3}


def _merge(events):
    """Events in time order, each CPU's in the order it recorded them."""
    percpu = {}
    for e in events:
        percpu.setdefault(e[1], []).append(e)
    return list(heapq.merge(*percpu.values(), key=lambda e: (e[0], _RANK.get(e[3], 2))))


# ---- the timeline model ------------------------------------------------------

class Timeline:
    """Slices per CPU, GC phases, instants, flows and counters."""

    def __init__(self, tr):
        self.tr = tr
        self.t0 = int(tr.header.get("t0", 0))
        self.t1 = int(tr.header.get("t1", 0))
        self.ncpu = int(tr.header.get("ncpu", 1))
        self.fn = {}            # goid -> function name
        self.slices = []        # (cpu, goid, start, end, stop reason, wait reason)
        self.gc = []            # (phase, start, end)
        self.idle = []          # (cpu, start, end): the M held no P
        self.instants = []      # (cpu, ts, name, args)
        self.flows = []         # (waker cpu, ts, woken goid, woken start ts, woken cpu)
        self.heap = []          # (ts, bytes)
        self.runnable = []      # (ts, count)
        self.errors = []
        self.counts = {"C": 0, "X": 0, "T": 0, "stolen": 0, "O": 0}
        self._build()

    def _build(self):
        running = {}            # cpu -> (goid, start)
        idle = {}               # cpu -> when its M gave its P up
        where = {}              # goid -> cpu it runs on
        pending = {}            # goid -> (waker cpu, ts) of its last unblock
        gcopen = None
        nrun = 0
        for ts, cpu, _, code, f in self.tr.events:
            if code in self.counts:
                self.counts[code] += 1
            if code == "C":
                g = int(f[0])
                self.fn[g] = f[2] if len(f) > 2 else "?"
                nrun += 1
            elif code == "S":
                g = int(f[0])
                if cpu in running:
                    self.errors.append("cpu %d starts G%d at %d while G%d runs"
                                       % (cpu, g, ts, running[cpu][0]))
                if cpu in idle:
                    self.errors.append("cpu %d starts G%d at %d while it holds no P"
                                       % (cpu, g, ts))
                if g in where:
                    self.errors.append("G%d starts on cpu %d at %d while running on cpu %d"
                                       % (g, cpu, ts, where[g]))
                running[cpu] = (g, ts)
                where[g] = cpu
                nrun = max(nrun - 1, 0)
                if g in pending:
                    wcpu, wts = pending.pop(g)
                    self.flows.append((wcpu, wts, g, ts, cpu))
            elif code == "E":
                g = int(f[0])
                why = f[1] if len(f) > 1 else "?"
                wait = " ".join(f[2:])
                cur = running.get(cpu)
                if cur is None or cur[0] != g:
                    if cur is None and where.get(g) is None and not self.slices_for(g):
                        start = self.t0    # running when the trace started
                    else:
                        self.errors.append("G%d stops on cpu %d at %d without a start there"
                                           % (g, cpu, ts))
                        continue
                else:
                    start = cur[1]
                running.pop(cpu, None)
                where.pop(g, None)
                self.slices.append((cpu, g, start, ts, why, wait))
                if why in ("yield", "preempt", "gc", "stw"):
                    nrun += 1
            elif code == "U":
                g, waker = int(f[0]), int(f[1])
                nrun += 1
                cur = running.get(cpu)
                if waker != 0 and cur is not None and cur[0] == waker:
                    pending[g] = (cpu, ts)
            elif code == "Q":
                if cpu in running:
                    self.errors.append("cpu %d goes idle at %d while G%d runs"
                                       % (cpu, ts, running[cpu][0]))
                idle[cpu] = ts
            elif code == "P":
                if cpu in idle:
                    self.idle.append((cpu, idle.pop(cpu), ts))
            elif code == "X":
                self.instants.append((cpu, ts, "preempt G%s" % f[0], {"goid": int(f[0])}))
            elif code == "T":
                n = int(f[2])
                self.counts["stolen"] += n
                self.instants.append((cpu, ts, "steal %d from P%s" % (n, f[1]),
                                      {"victim": int(f[1]), "n": n, "runs": int(f[0])}))
            elif code == "O":
                self.instants.append((cpu, ts, "runq overflow: %s to global" % f[0], {"n": int(f[0])}))
            elif code == "G":
                if gcopen is not None:
                    self.gc.append((gcopen[0], gcopen[1], ts))
                    gcopen = None
                if f[0] == "sweep":
                    self.instants.append((-1, ts, "GC sweep", {}))
                else:
                    gcopen = (f[0], ts)
                self.heap.append((ts, int(f[1])))
            elif code == "H":
                self.heap.append((ts, int(f[0])))
            if code in ("C", "S", "E", "U"):
                self.runnable.append((ts, nrun))
        for cpu, (g, start) in running.items():     # still running at the end
            self.slices.append((cpu, g, start, max(self.t1, start), "running", ""))
        if gcopen is not None:
            self.gc.append((gcopen[0], gcopen[1], max(self.t1, gcopen[1])))
        for cpu, start in idle.items():
            self.idle.append((cpu, start, max(self.t1, start)))

    def slices_for(self, g):
        return any(s[1] == g for s in self.slices)

    def name(self, g):
        return "G%d %s" % (g, self.fn.get(g, "?"))


# ---- Chrome trace-event JSON ---------------------------------------------------

GC_TID = 1000


def to_json(tl):
    us = lambda ns: ns / 1000.0
    ev = [{"ph": "M", "pid": 0, "name": "process_name",
           "args": {"name": "gort %s" % tl.tr.header.get("arch", "")}}]
    for cpu in range(tl.ncpu):
        ev.append({"ph": "M", "pid": 0, "tid": cpu, "name": "thread_name",
                   "args": {"name": "CPU %d" % cpu}})
        ev.append({"ph": "M", "pid": 0, "tid": cpu, "name": "thread_sort_index",
                   "args": {"sort_index": cpu}})
    ev.append({"ph": "M", "pid": 0, "tid": GC_TID, "name": "thread_name", "args": {"name": "GC"}})
    for cpu, g, s, e, why, wait in tl.slices:
        ev.append({"ph": "X", "pid": 0, "tid": cpu, "ts": us(s), "dur": us(e - s),
                   "name": tl.name(g), "cat": "goroutine",
                   "args": {"goid": g, "fn": tl.fn.get(g, "?"), "end": why, "wait": wait}})
    for cpu, s, e in tl.idle:
        ev.append({"ph": "X", "pid": 0, "tid": cpu, "ts": us(s), "dur": us(e - s),
                   "name": "idle (no P)", "cat": "idle", "cname": "grey"})
    for ph, s, e in tl.gc:
        ev.append({"ph": "X", "pid": 0, "tid": GC_TID, "ts": us(s), "dur": us(e - s),
                   "name": "GC " + ph, "cat": "gc"})
    for cpu, ts, name, args in tl.instants:
        ev.append({"ph": "i", "s": "t", "pid": 0, "tid": GC_TID if cpu < 0 else cpu,
                   "ts": us(ts), "name": name, "args": args})
    for i, (wcpu, wts, g, sts, scpu) in enumerate(tl.flows):
        ev.append({"ph": "s", "id": i + 1, "pid": 0, "tid": wcpu, "ts": us(wts),
                   "name": "wake", "cat": "wake"})
        ev.append({"ph": "f", "bp": "e", "id": i + 1, "pid": 0, "tid": scpu, "ts": us(sts),
                   "name": "wake", "cat": "wake"})
    for ts, b in tl.heap:
        ev.append({"ph": "C", "pid": 0, "ts": us(ts), "name": "heap", "args": {"bytes": b}})
    for ts, n in tl.runnable:
        ev.append({"ph": "C", "pid": 0, "ts": us(ts), "name": "runnable", "args": {"goroutines": n}})
    return {"traceEvents": ev, "displayTimeUnit": "ns"}


# ---- PNG ------------------------------------------------------------------------

def to_png(tl, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    busy = {}
    for _, g, s, e, _, _ in tl.slices:
        busy[g] = busy.get(g, 0) + (e - s)
    order = sorted(busy, key=lambda g: -busy[g])
    cmap = plt.get_cmap("tab20")
    colour = {g: cmap(i % 20) for i, g in enumerate(order)}
    t0 = tl.t0
    ms = lambda ns: (ns - t0) / 1e6
    fig, ax = plt.subplots(figsize=(14, 1.2 + 0.6 * tl.ncpu))
    for cpu in range(tl.ncpu):
        bars = [(ms(s), max(ms(e) - ms(s), 1e-4)) for c, g, s, e, _, _ in tl.slices if c == cpu]
        cols = [colour[g] for c, g, s, e, _, _ in tl.slices if c == cpu]
        if bars:
            ax.broken_barh(bars, (cpu - 0.4, 0.8), facecolors=cols, linewidth=0)
    for ph, s, e in tl.gc:
        ax.axvspan(ms(s), ms(e), color="grey", alpha=0.3, linewidth=0)
    ax.set_yticks(range(tl.ncpu))
    ax.set_yticklabels(["CPU %d" % c for c in range(tl.ncpu)])
    ax.invert_yaxis()
    ax.set_xlabel("ms since the trace started")
    ax.set_title("gort trace (%s, %d CPUs): goroutines by CPU" % (tl.tr.header.get("arch", "?"), tl.ncpu))
    handles = [Patch(color=colour[g], label=tl.name(g)) for g in order[:19]]
    if len(order) > 19:
        handles.append(Patch(color="white", label="... %d more" % (len(order) - 19)))
    if tl.gc:
        handles.append(Patch(color="grey", alpha=0.3, label="GC: stopping the world, mark, mark termination"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


# ---- checks (tests) ---------------------------------------------------------------

def check(tl, cpus=None, flows=False):
    """Problems with one trace, as a list of strings (empty: good)."""
    errs = list(tl.errors)
    doc = json.loads(json.dumps(to_json(tl)))
    by_tid, gtracks = {}, set()
    for e in doc["traceEvents"]:
        if e["ph"] == "X":
            by_tid.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"], e["name"]))
            if e.get("cat") == "goroutine":
                gtracks.add(e["tid"])
            if e["dur"] < 0:
                errs.append("slice %s has negative length" % e["name"])
    for tid, sl in by_tid.items():      # slices on one track never overlap
        sl.sort()
        for a, b in zip(sl, sl[1:]):
            if b[0] < a[1] - 1e-6:   # microseconds as floats: rounding
                errs.append("track %d: %s overlaps %s" % (tid, a[2], b[2]))
                break
    if tl.tr.dropped:
        errs.append("events dropped (buffer full): %s" % tl.tr.dropped)
    else:
        st = tl.tr.stats
        for what, got, want in (("goroutines created", tl.counts["C"], st.get("started")),
                                ("preemptions", tl.counts["X"], st.get("preemptions")),
                                ("steals", tl.counts["T"], st.get("steals")),
                                ("goroutines stolen", tl.counts["stolen"], st.get("stolen")),
                                ("run-queue overflows", tl.counts["O"], st.get("overflows"))):
            if got != want:
                errs.append("%s: %d in the trace, SchedStats says %s" % (what, got, want))
    tracks = sorted(gtracks)
    if cpus is not None and len(tracks) != cpus:
        errs.append("%d CPU tracks with goroutine slices (%s), want %d" % (len(tracks), tracks, cpus))
    if flows and not tl.flows:
        errs.append("no wake-up from one goroutine to another (no flow arrow)")
    return errs


def main(argv):
    ap = argparse.ArgumentParser(description="gort execution traces (docs/trace.md)")
    ap.add_argument("mode", choices=("json", "png", "check"))
    ap.add_argument("files", nargs="+", help="the console log (json/png: then the output file)")
    ap.add_argument("--cpus", type=int, help="check: want goroutine slices on this many CPUs")
    ap.add_argument("--flows", action="store_true", help="check: want a goroutine-to-goroutine wake-up")
    a = ap.parse_args(argv[1:])
    try:
        traces = parse(a.files[0])
    except (TraceError, OSError) as e:
        print("gort_trace: %s" % e)
        return 1
    if a.mode == "check":
        bad = 0
        for i, tr in enumerate(traces):
            tl = Timeline(tr)
            errs = check(tl, a.cpus, a.flows)
            for e in errs[:20]:
                print("trace-check: trace %d: %s" % (i + 1, e))
            bad += bool(errs)
            print("trace-check: trace %d: %d events, %d slices, %d goroutines, %d flows, "
                  "created %d, preemptions %d, steals %d (%d Gs), overflows %d: %s"
                  % (i + 1, len(tr.events), len(tl.slices), len(tl.fn), len(tl.flows),
                     tl.counts["C"], tl.counts["X"], tl.counts["T"], tl.counts["stolen"],
                     tl.counts["O"], "FAIL" if errs else "ok"))
        return 1 if bad else 0
    if len(a.files) != 2:
        ap.error("%s wants the console log and the output file" % a.mode)
    tl = Timeline(traces[-1])
    if a.mode == "json":
        with open(a.files[1], "w") as f:
            json.dump(to_json(tl), f)
    else:
        try:
            import matplotlib  # noqa: F401  (Debian: python3-matplotlib)
        except ImportError:
            print("gort_trace: the PNG needs matplotlib: apt-get install python3-matplotlib "
                  "(scripts/setup.sh installs it); %s has none" % sys.executable)
            return 1
        to_png(tl, a.files[1])
    print("gort_trace: wrote %s (%d events, %d goroutines)" % (a.files[1], len(tl.tr.events), len(tl.fn)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
