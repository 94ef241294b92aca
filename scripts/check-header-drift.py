#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks that the @_cdecl exports match include/barrierclient.h.

Swift does not check @_cdecl signatures against a C header, so this compares
the prototypes Swift generates for them (swiftc -emit-clang-header-path) with
the hand-written header: same functions, same arity, same C types, after the
spellings that are the same ABI are made equal (an opaque handle is a
`void *` to Swift, size_t is Swift's Int, int is int32_t).

usage: check-header-drift.py include/barrierclient.h GENERATED.h
"""
import re
import sys

SAME_ABI = [
    (r"\b_Nullable\b|\b_Nonnull\b|\bconst\b|\bstruct\b", ""),
    (r"\bbc_session\s*\*", "void *"),
    (r"\bNSInteger\b|\bsize_t\b", "word"),
    (r"\bint\b", "int32_t"),
]


def prototypes(path, generated):
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)   # #define, #include
    found = {}
    for m in re.finditer(r"([A-Za-z_][\w\s\*]*?)\b(bc_\w+)\s*\(([^;{]*?)\)\s*[A-Z_ ]*;", text, re.S):
        ret, name, params = m.groups()
        if generated and "SWIFT_EXTERN" not in ret:
            continue
        ret = ret.replace("SWIFT_EXTERN", "")
        types = [normalize(ret)]
        if params.strip() != "void":
            for p in params.split(","):
                # An array parameter is a pointer: `uint8_t out[32]`.
                p = re.sub(r"(\w+)\s*\[[^\]]*\]\s*$", r"* \1", p.strip())
                # Drop the parameter name: the last identifier.
                types.append(normalize(re.sub(r"\b\w+\s*$", "", p.strip())))
        found[name] = types
    return found


def normalize(ctype):
    for pattern, repl in SAME_ABI:
        ctype = re.sub(pattern, repl, ctype)
    return re.sub(r"\s+", " ", ctype.replace("*", " * ")).strip()


def main():
    header, generated = prototypes(sys.argv[1], False), prototypes(sys.argv[2], True)
    problems = []
    for name in sorted(set(header) | set(generated)):
        if name not in generated:
            problems.append(f"{name}: in the header, not exported")
        elif name not in header:
            problems.append(f"{name}: exported, not in the header")
        elif header[name] != generated[name]:
            problems.append(f"{name}: header {header[name]} != exports {generated[name]}")
    for p in problems:
        print("header drift:", p)
    print(f"header drift: {len(header)} functions compared, {len(problems)} differ")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
