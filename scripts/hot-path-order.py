#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes (or with --check, verifies) Sources/BarrierClientC/hot-path.order:
the functions of libbarrierclient.so that one input event runs through, for
lld's --symbol-ordering-file.

Why: a single key or motion reaches an engine gone cold (QEMU's main loop did
other things for milliseconds), and then the time goes to fetching code
lines, not to executing them. Laid out one after the other, the functions of
that path share cache lines and pages, and the next-line prefetcher fetches
them ahead. See README "Performance" for what it bought.

How: Benchmarks/CApiBench/capi_cold.c --no-evict feeds every input message
kind one at a time; callgrind, collecting only once the session runs and its
buffers have grown (the program toggles it), records which functions of the
library execute. Names are sorted, so the file changes only when that set of
functions changes (not when their instruction counts do).

    scripts/hot-path-order.py BIN LIBDIR            rewrite the file
    scripts/hot-path-order.py --check BIN LIBDIR    exit 1 if it is stale
BIN is capi_cold built against LIBDIR's unstripped libbarrierclient.so.
"""
import os
import re
import subprocess
import sys
import tempfile

ORDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                     "Sources", "BarrierClientC", "hot-path.order")
LINE = re.compile(r"^(ob|fn|cob|cfn)=\((\d+)\)(?: (.*))?$")


def hot_functions(binary, libdir):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            ["valgrind", "-q", "--tool=callgrind", "--callgrind-out-file=" + out,
             "--collect-atstart=no", binary, "--no-evict"],
            env=dict(os.environ, LD_LIBRARY_PATH=libdir), check=True)
        objects, names, owner = {}, {}, {}
        cost = {}
        current_ob = current_fn = None
        after_calls = False
        with open(out) as f:
            for line in f:
                line = line.rstrip("\n")
                m = LINE.match(line)
                if m:
                    kind, ident, name = m.groups()
                    table = objects if kind.endswith("ob") else names
                    if name:
                        table[ident] = name
                    if kind == "ob":
                        current_ob = ident
                    elif kind == "fn":
                        current_fn = ident
                        owner.setdefault(ident, current_ob)
                    continue
                if line.startswith("calls="):
                    after_calls = True  # the next cost line is the callee's, inclusive
                    continue
                if line[:1].isdigit() or line[:1] in "+-*":
                    if not after_calls and current_fn is not None:
                        fields = line.split()
                        if len(fields) >= 2:
                            cost[current_fn] = cost.get(current_fn, 0) + int(fields[1])
                    after_calls = False
    # (callgrind names code without a symbol by its address: nothing to order)
    return sorted(names[f] for f, c in cost.items()
                  if c > 0 and "libbarrierclient" in objects.get(owner.get(f), "")
                  and not names[f].startswith("0x"))


def main():
    args = sys.argv[1:]
    check = bool(args) and args[0] == "--check"
    if check:
        args = args[1:]
    if len(args) != 2:
        sys.exit(__doc__)
    text = "".join(name + "\n" for name in hot_functions(*args))
    old = open(ORDER).read() if os.path.exists(ORDER) else ""
    if check:
        if text != old:
            print("hot-path.order is stale: run scripts/hot-path-order.sh", file=sys.stderr)
            sys.exit(1)
        print("hot-path.order: %d functions, current" % text.count("\n"))
        return
    with open(ORDER, "w") as f:
        f.write(text)
    print("hot-path.order: %d functions" % text.count("\n"))


if __name__ == "__main__":
    main()
