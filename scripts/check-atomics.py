#!/usr/bin/env python3
"""check-atomics.py - the memory orders in the produced code, checked.

QEMU on an x86 host runs guests with nearly TSO ordering, so a missing or
too-weak fence never shows in a QEMU test. This reads the disassembly of the
real images instead and fails when the atomic sequences break the ISA's
mapping of C11 onto the hardware memory model (docs/memory-model.md):

  1. source: no compare-and-swap builtin in the runtime or its programs outside
     arch/*/atomic_impl.h (every CAS goes through arch_cas), and no __sync_.
  2. every object file the build compiled (BUILD_DIR/obj/**.o: the runtime
     and every program, each function once - the images link these objects
     unchanged, 80-odd times over, so reading the images read the same code
     again; one objdump over the objects costs a few seconds, the images
     took 25-70 s a build):
     riscv64  - no sc.w.aq / sc.d.aq without .rl (an acquire on the sc
                orders nothing: GCC 12's CAS puts it there);
     both     - no call into out-of-line atomics (libatomic __atomic_*,
                aarch64 __aarch64_* helpers, __sync_*): in an object the
                call's target is its relocation, which objdump -r prints.
  3. the probes of tests/qemu/atomic_orders (one function per operation and
     order, built with the same compiler and flags), read from the linked
     image atomic_orders.elf, carry the orders the source asked for:
     acquire on the load side, release on the store side, with the
     instruction forms or fences the mapping allows.

usage: check-atomics.py [--source-only] BUILD_DIR ARCH
       check-atomics.py --disasm FILE ARCH   (a saved disassembly: self-test)
Prints one line per finding and a summary; exit status 1 on any finding.
"""
import glob
import os
import re
import subprocess
import sys

OBJDUMP = {"riscv64": "riscv64-unknown-elf-objdump", "aarch64": "aarch64-linux-gnu-objdump"}
FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
INSN = re.compile(r"^\s*[0-9a-f]+:\s+(\S+)\s*(.*)$")
OUTLINE = re.compile(r"\b(__atomic_\w+|__aarch64_(cas|swp|ldadd|ldclr|ldeor|ldset)\w*|__sync_\w+)\b")


def functions(text):
    """{name: [(mnemonic, operands)]} from objdump -d output."""
    funcs, cur = {}, None
    for line in text.splitlines():
        m = FUNC.match(line)
        if m:
            if not m.group(1).startswith(".L"):      # local labels stay in their function
                cur = funcs.setdefault(m.group(1), [])
            continue
        m = INSN.match(line)
        if m and cur is not None:
            cur.append((m.group(1), m.group(2)))
    return funcs


# ---- riscv64 -----------------------------------------------------------------

def rv_fence(ops):
    """(pred, succ) sets of a fence; a bare 'fence' is iorw,iorw."""
    if not ops.strip():
        return set("iorw"), set("iorw")
    pred, succ = ops.split()[0].split(",")
    return set(pred), set(succ)


def rv_orders(insns, is_access):
    """Acquire/release/leading-full-fence around the first access is_access picks."""
    idx = next((i for i, (mn, ops) in enumerate(insns) if is_access(mn, ops)), None)
    if idx is None:
        return None
    mn = insns[idx][0]
    fences_before = [rv_fence(o) for m, o in insns[:idx] if m == "fence"]
    fences_after = [rv_fence(o) for m, o in insns[idx + 1:] if m == "fence"]
    acq = mn.endswith((".aq", ".aqrl")) or any("r" in p and {"r", "w"} <= s for p, s in fences_after)
    rel = mn.endswith((".rl", ".aqrl")) or any({"r", "w"} <= p and "w" in s for p, s in fences_before)
    full = any({"r", "w"} <= p and {"r", "w"} <= s for p, s in fences_before)
    return {"acq": acq, "rel": rel, "full_before": full, "insn": mn}


def rv_cas(insns):
    lr = next((m for m, _ in insns if m.startswith("lr.")), None)
    sc = next((m for m, _ in insns if m.startswith("sc.")), None)
    if lr is None or sc is None:
        return None
    lr_at = next(i for i, (m, _) in enumerate(insns) if m.startswith("lr."))
    fenced = any({"r", "w"} <= p and "w" in s
                 for p, s in (rv_fence(o) for m, o in insns[:lr_at] if m == "fence"))
    return {"acq": lr.endswith((".aq", ".aqrl")), "rel": sc.endswith((".rl", ".aqrl")) or fenced,
            "lr_aqrl": lr.endswith(".aqrl"), "sc_aq_alone": sc.endswith(".aq"),
            "insn": lr + "/" + sc}


# A probe's atomic object is reached through an argument register, never sp
# (the frame saves are not it).
def rv_is_load(mn, ops):
    return mn in ("lw", "lwu", "ld") and not ops.endswith("(sp)")


def rv_is_store(mn, ops):
    return (mn in ("sw", "sd") or mn.startswith("amoswap.")) and not ops.endswith("(sp)")


def rv_is_amo(mn, ops):
    return mn.startswith("amo") and not ops.endswith("(sp)")


def rv_fence_only(insns):
    f = [rv_fence(o) for m, o in insns if m == "fence"]
    if not f:
        return None
    p, s = f[0]
    return {"acq": "r" in p and {"r", "w"} <= s, "rel": {"r", "w"} <= p and "w" in s,
            "full": {"r", "w"} <= p and {"r", "w"} <= s, "insn": "fence"}


# ---- aarch64 -----------------------------------------------------------------

A64_RMW = re.compile(r"^(cas|swp|ldadd)(a|l|al)?$")


def a64_orders(insns, kind):
    """Acquire/release of the first access of the kind, with dmb fences."""
    for i, (mn, ops) in enumerate(insns):
        before = [o for m, o in insns[:i] if m == "dmb"]
        after = [o for m, o in insns[i + 1:] if m == "dmb"]
        if "[sp" in ops:           # a frame save, not the probe's atomic object
            continue
        if kind == "load" and mn in ("ldr", "ldar", "ldapr"):
            return {"acq": mn in ("ldar", "ldapr") or any(o in ("ish", "ishld", "sy") for o in after),
                    "seq": mn == "ldar" or any(o in ("ish", "sy") for o in before), "insn": mn}
        if kind == "store" and mn in ("str", "stlr"):
            return {"rel": mn == "stlr" or any(o in ("ish", "sy") for o in before), "insn": mn}
        if kind == "rmw":
            m = A64_RMW.match(mn)
            if m:
                suf = m.group(2) or ""
                return {"acq": "a" in suf, "rel": "l" in suf, "insn": mn}
            if mn in ("ldxr", "ldaxr"):
                st = next((m2 for m2, _ in insns[i + 1:] if m2 in ("stxr", "stlxr")), "")
                return {"acq": mn == "ldaxr", "rel": st == "stlxr", "insn": mn + "/" + st}
    return None


def a64_fence(insns):
    d = [o for m, o in insns if m == "dmb"]
    if not d:
        return None
    return {"acq": d[0] in ("ish", "ishld", "sy"), "rel": d[0] in ("ish", "sy"),
            "full": d[0] in ("ish", "sy"), "insn": "dmb " + d[0]}


# ---- the probes ----------------------------------------------------------------

NEEDS = {  # order -> properties the probe must have
    "relaxed": [], "acquire": ["acq"], "release": ["rel"],
    "acq_rel": ["acq", "rel"], "seq_cst": ["acq", "rel"],
}


def check_probe(arch, name, insns):
    """A list of problems with one probe function."""
    m = re.match(r"probe_(cas|load|store|xchg|add)(32|64)_(\w+)$|probe_(fence)_(\w+)$", name)
    if not m:
        return []
    op = m.group(1) or m.group(4)
    order = m.group(3) or m.group(5)
    need = list(NEEDS[order])
    if arch == "riscv64":
        if op == "cas":
            got = rv_cas(insns)
            if got is not None and order == "seq_cst":
                need.append("lr_aqrl")        # the mapping: lr.aqrl ... sc.rl
        elif op == "load":
            got = rv_orders(insns, rv_is_load)
            need = ["acq"] + (["full_before"] if order == "seq_cst" else [])
        elif op == "store":
            got = rv_orders(insns, rv_is_store)
            need = ["rel"]
        elif op in ("xchg", "add"):
            got = rv_orders(insns, rv_is_amo)
        else:
            got = rv_fence_only(insns)
            need = {"acquire": ["acq"], "release": ["rel"], "seq_cst": ["full"]}[order]
    else:
        if op in ("cas", "xchg", "add"):
            got = a64_orders(insns, "rmw")
        elif op == "load":
            got = a64_orders(insns, "load")
            need = ["acq"] + (["seq"] if order == "seq_cst" else [])
        elif op == "store":
            got = a64_orders(insns, "store")
            need = ["rel"]
        else:
            got = a64_fence(insns)
            need = {"acquire": ["acq"], "release": ["rel"], "seq_cst": ["full"]}[order]
    if got is None:
        return [f"{name}: no atomic access found"]
    probs = [f"{name}: {got['insn']} lacks {n} (the source asked for {order})"
             for n in need if not got.get(n)]
    if got.get("sc_aq_alone"):
        probs.append(f"{name}: {got['insn']}: sc with .aq alone orders nothing")
    return probs


def check_image(arch, name, text, probes_wanted):
    probs, funcs = [], functions(text)
    if arch == "riscv64":
        for fn, insns in funcs.items():
            for mn, _ in insns:
                if re.match(r"sc\.[wd]\.aq$", mn):
                    probs.append(f"{name}: {fn}: {mn} without .rl (orders nothing)")
    for fn, insns in funcs.items():
        for mn, ops in insns:
            if mn in ("call", "jal", "tail", "bl", "b", "jalr", "jr") or mn.startswith("R_"):
                o = OUTLINE.search(ops)
                if o:
                    probs.append(f"{name}: {fn}: calls out-of-line atomic {o.group(1)}")
    nprobes = 0
    for fn, insns in funcs.items():
        if fn.startswith("probe_"):
            nprobes += 1
            probs += [f"{name}: {p}" for p in check_probe(arch, fn, insns)]
    if probes_wanted and nprobes == 0:
        probs.append(f"{name}: no probe_* functions found")
    return probs, nprobes


def check_source(root):
    probs = []
    for d in ("kernel", "arch", "drivers", "boot", "include", "examples", "tests/qemu", "bench"):
        for path in glob.glob(os.path.join(root, d, "**", "*.[chS]"), recursive=True):
            if os.path.basename(path) in ("atomic.h", "atomic_impl.h"):
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    if re.search(r"__atomic_compare_exchange|__sync_", line):
                        probs.append(f"{os.path.relpath(path, root)}:{n}: CAS builtin outside "
                                     "arch_cas (arch/atomic.h)")
    return probs


def disasm(arch, args):
    return subprocess.run([OBJDUMP[arch], "-d", "--no-show-raw-insn"] + args,
                          capture_output=True, text=True, check=True).stdout


def main(argv):
    if len(argv) == 4 and argv[1] == "--disasm":
        with open(argv[2]) as f:
            probs, n = check_image(argv[3], os.path.basename(argv[2]), f.read(), True)
        for p in probs:
            print(p)
        print(f"check-atomics: {argv[2]}: {n} probes, {len(probs)} problems")
        return 1 if probs else 0
    if len(argv) != 3:
        print(__doc__.split("\n\n")[-2], file=sys.stderr)
        return 2
    build, arch = argv[1], argv[2]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    probs = check_source(root)
    images = sorted(glob.glob(os.path.join(build, "*.elf")))
    objects = sorted(glob.glob(os.path.join(build, "obj", "**", "*.o"), recursive=True))
    if not images or not objects:
        probs.append(f"{build}: no images or no objects")
    nprobes = 0
    if objects:             # one objdump for all: the per-process start dominates
        text = disasm(arch, ["-r"] + objects)
        p, _ = check_image(arch, "objects", text, False)
        probs += list(dict.fromkeys(p))   # a call shows as its insn and its relocation
    probe_img = os.path.join(build, "atomic_orders.elf")
    if probe_img in images:
        p, nprobes = check_image(arch, "atomic_orders.elf", disasm(arch, [probe_img]), True)
        probs += p
    for p in probs[:40]:
        print(p)
    print(f"check-atomics: {build}: {len(objects)} objects of {len(images)} images, "
          f"{nprobes} probes, {len(probs)} problems")
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
