#!/usr/bin/env python3
"""check-tsan-faultpath.py - a ThreadSanitizer build's barrier fault path
never calls TSan (docs/hosted.md, "ThreadSanitizer").

The hosted port's write-fault handler can stop a thread inside TSan's own
runtime: TSan's atomic store into a write-protected page, made while it
holds its locks. The path that resolves such a fault (signal.c's
barrier_fault, dirty.c, the portable gc_barrier_prefault/fault/lost)
is built without TSan instrumentation (HOSTED_NO_TSAN,
NO_SANITIZE_THREAD); so is every function of dirty.c that holds a page,
since the fault path waits for the holder. A function added to either
without the attribute would call __tsan_func_entry and bring back the
hang this prevents; so this script disassembles the image, follows every
direct call from the roots, and fails if a reachable function calls TSan
or calls through a pointer.

    scripts/check-tsan-faultpath.py build/hosted-clang-thread/gc_concmut

Fatal leaves (throw: the process is dying) are not followed.
"""
import re
import subprocess
import sys

# The fault path, and every function of dirty.c that holds a page (the
# fault path waits for a holder: a holder that called TSan could wait for
# the faulting thread's TSan lock).
ROOTS = ["barrier_fault", "arch_dirty_flush", "arch_dirty_collect",
         "arch_dirty_protect", "arch_dirty_untrack", "arch_dirty_track"]
FATAL = {"throw"}       # never returns: a hang there is no longer silent
FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
CALL = re.compile(r"\s(call|jmp)q?\s+([0-9a-f]+)?\s*<([^>+]+)(\+0x[0-9a-f]+)?>")
INDIRECT = re.compile(r"\s(call|jmp)q?\s+\*")


def functions(image):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", image],
                         check=True, capture_output=True, text=True).stdout
    funcs, cur = {}, None
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            cur = m.group(1)
            funcs[cur] = []
        elif cur is not None and line.strip():
            funcs[cur].append(line)
    return funcs


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check-tsan-faultpath.py IMAGE")
    funcs = functions(sys.argv[1])
    missing = [r for r in ROOTS if r not in funcs]
    if missing:
        sys.exit(f"check-tsan-faultpath: no function {missing[0]} in {sys.argv[1]}")
    bad, seen, todo = [], {r: None for r in ROOTS}, list(ROOTS)
    while todo:
        f = todo.pop()
        for line in funcs.get(f, []):
            if INDIRECT.search(line):
                bad.append(f"{f}: indirect call or jump: {line.strip()}")
                continue
            m = CALL.search(line)
            if not m:
                continue
            callee = m.group(3).split("@")[0]
            if callee == f:
                continue        # a local branch
            if callee.startswith("__tsan") or callee.startswith("Annotate"):
                chain, g = [callee], f
                while g is not None:
                    chain.append(g)
                    g = seen[g]
                bad.append("calls TSan: " + " <- ".join(chain))
            elif callee in FATAL or callee in seen:
                continue
            elif callee not in funcs or m.group(2) is None:
                bad.append(f"{f}: calls {callee} outside the image's text")
            else:
                seen[callee] = f
                todo.append(callee)
    for b in bad:
        print("check-tsan-faultpath:", b)
    print(f"check-tsan-faultpath: {len(seen)} functions from {', '.join(ROOTS)}, "
          f"{'0 problems' if not bad else str(len(bad)) + ' problems'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
