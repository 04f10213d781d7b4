#!/usr/bin/env python3
"""bench/vs-go/run.py - the side-by-side with Go (bench/README.md, "Side-by-side with Go, hosted").

`make bench-vs-go` runs it. It builds the C programs hosted (gcc, release:
DEBUG=0) and their Go twins (Debian's golang-go, offline, caches under
build/vs-go/), then, at SMP = GOMAXPROCS = 1 and 2, runs each pair
alternately REPS times (the order flips at every repetition, so that neither
side always runs on a host warmed or cooled by the other), checks that both
printed the same "result:" line and exited 0, and prints one row per program
and CPU count: the median wall-clock milliseconds of ours and of Go's and
the ratio ours/Go (<= 1.0 is the target). Wall time is the whole process,
from fork to exit, for both: start-up and tear-down included. Beside it,
the median CPU time (user + system, every thread of the process): on a
shared host it moves less than wall time when other programs take the
CPUs, and it shows what idle CPUs cost (spinning, futex sleeps and
wake-ups).

    bench/vs-go/run.py [--reps N] [--smp 1,2] [--size N] [--markdown FILE] [PROGRAM...]

--size N passes N to every program (bootarg test=N / first argument)
instead of each one's default size. Exit status 1 if a pair disagreed or a
program failed, 2 on bad usage.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

PROGRAMS = ["vs_ring", "vs_pingpong", "vs_sieve", "vs_trees", "vs_spawn",
            "vs_mutex", "vs_fanin"]
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
CBIN = os.path.join(ROOT, "build/hosted-gcc-release")
GOBIN = os.path.join(ROOT, "build/vs-go/go")


def go_env():
    """Go's environment for an offline build of the module in bench/vs-go
    (no dependencies): caches under build/ (HOME may be unset), no network."""
    env = dict(os.environ)
    env.update(GOCACHE=os.path.join(ROOT, "build/vs-go/gocache"),
               GOPATH=os.path.join(ROOT, "build/vs-go/gopath"),
               GO111MODULE="on", GOFLAGS="", GOPROXY="off", CGO_ENABLED="0")
    return env


def build(programs):
    targets = ["build/hosted-gcc-release/" + p for p in programs]
    subprocess.run(["make", "-s", "-j2", "ARCH=hosted", "CC=gcc", "DEBUG=0"] + targets,
                   cwd=ROOT, check=True)
    os.makedirs(GOBIN, exist_ok=True)
    for p in programs:
        subprocess.run(["go", "build", "-o", os.path.join(GOBIN, p), "./" + p],
                       cwd=os.path.join(ROOT, "bench/vs-go"), env=go_env(), check=True)


def run_once(argv, env):
    """Run argv; return (wall ms, CPU ms, its result: line or None, exit
    status, output). CPU time: the children's rusage before and after (one
    child at a time runs, so the difference is this one's)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # stdin from /dev/null: a hosted program reads its stdin from the
    # start, as a board's UART receives (docs/hosted.md, "Console input")
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    ms = (time.perf_counter() - t0) * 1000
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000
    lines = [l for l in p.stdout.splitlines() if l.startswith("result: ")]
    return ms, cpu, (lines[-1] if lines else None), p.returncode, p.stdout


def measure(prog, smp, reps, size):
    """Alternate ours and Go's reps times; return ({side: [wall ms]},
    {side: [CPU ms]}, result line) or raise RuntimeError naming the
    disagreement."""
    ours_argv = [os.path.join(CBIN, prog), "-smp", str(smp), "--"] + (["test=%d" % size] if size else [])
    go_argv = [os.path.join(GOBIN, prog)] + ([str(size)] if size else [])
    genv = dict(os.environ, GOMAXPROCS=str(smp))
    sides = [("ours", ours_argv, os.environ), ("go", go_argv, genv)]
    times, cpus = {"ours": [], "go": []}, {"ours": [], "go": []}
    want = None
    for rep in range(reps):
        for name, argv, env in (sides if rep % 2 == 0 else sides[::-1]):
            ms, cpu, line, rc, out = run_once(argv, env)
            if rc != 0 or line is None:
                raise RuntimeError("%s (%s, smp %d): status %d, result line %r\n%s"
                                   % (prog, name, smp, rc, line, out[-2000:]))
            if want is None:
                want = line
            elif line != want:
                raise RuntimeError("%s (smp %d): %s printed %r, expected %r"
                                   % (prog, smp, name, line, want))
            times[name].append(ms)
            cpus[name].append(cpu)
    return times, cpus, want


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--smp", default="1,2")
    ap.add_argument("--size", type=int, default=0)
    ap.add_argument("--markdown")
    ap.add_argument("programs", nargs="*")
    a = ap.parse_args()
    programs = a.programs or PROGRAMS
    bad = [p for p in programs if p not in PROGRAMS]
    smps = [int(s) for s in a.smp.split(",") if s.strip().isdigit()]
    if bad or a.reps < 1 or a.size < 0 or not smps or any(s < 1 or s > 8 for s in smps):
        ap.error("programs are %s; --reps >= 1; --size >= 0; --smp 1..8, comma-separated"
                 % " ".join(PROGRAMS))
    build(programs)
    uname = os.uname()
    goversion = subprocess.run(["go", "version"], env=go_env(), stdout=subprocess.PIPE,
                               text=True).stdout.strip()
    print("vs-go: %s, %d CPUs, %s; %s; %d runs each, alternating; load %s at start"
          % (uname.machine, os.cpu_count(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
             goversion, a.reps, loadavg()))
    rows, failed = [], False
    head = "%-12s %3s %8s %8s %7s %9s %9s %7s  %s" % (
        "program", "smp", "ours ms", "Go ms", "ours/Go", "ours cpu", "Go cpu", "ours/Go", "result")
    print(head)
    for smp in smps:
        for p in programs:
            try:
                wall, cpu, line = measure(p, smp, a.reps, a.size)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print("FAIL %s" % e, file=sys.stderr)
                failed = True
                continue
            mo, mg = statistics.median(wall["ours"]), statistics.median(wall["go"])
            co, cg = statistics.median(cpu["ours"]), statistics.median(cpu["go"])
            rows.append((p, smp, mo, mg, mo / mg, co, cg, co / cg, line))
            print("%-12s %3d %8.0f %8.0f %7.2f %9.0f %9.0f %7.2f  %s" % rows[-1], flush=True)
    print("vs-go: load %s at the end" % loadavg())
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write("| program | smp | ours ms | Go ms | ours/Go | ours CPU ms | Go CPU ms | ours/Go |\n"
                    "|---|---|---|---|---|---|---|---|\n")
            for row in rows:
                f.write("| %s | %d | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |\n"
                        % ((row[0][3:],) + row[1:8]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
