#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Mutation pass over the core: does the Swift suite fail when a rule breaks?

Each mutation in scripts/mutations.json is one exact text replacement in one
file of Sources/BarrierCore ({id, file, old, new, why}; `why` says what a
user, a guest or a server would notice). The pass copies the package
(Package.swift, Sources, Tests, and the Benchmarks, barrierclient.map and
include/barrierclient.h the build also reads) once into a scratch
directory, checks that the unmutated copy builds and passes, then for each
mutation: applies it to the copy (the `old` text must occur exactly once,
or the pass stops before building anything), runs `swift build
--build-tests` and `swift test --skip-build` in the copy, records the
verdict, and restores the file. The copy keeps its .build, so every build
after the first is incremental.

Verdicts: KILLED by <the failing tests> (a crash or a hang counts as killed
too), SURVIVED (every test passed: a gap in the suite, or an equivalent
mutant), NO-COMPILE (the mutant does not build; listed apart, counted
neither way). A mutation with an "equivalent" entry (the reason no test can
see it) is skipped and listed apart. The last line is "N passed, N failed":
passed = killed mutants, failed = surviving ones; the exit status is 1 when
any survived, 2 when the pass could not run (a stale mutation, a baseline
that does not pass).

Run from the package root. A full pass takes about 13 minutes on two cores:
about 4 s a mutant (the build is incremental), but the two key-repeat
mutants kb.repeat-uncapped and kb.repeat-one-too-many make the suite crawl
and run into the test timeout (--test-timeout, 120 s).

    nice -n 10 python3 scripts/mutation-pass.py
    python3 scripts/mutation-pass.py --list              # the mutations, no build
    nice -n 10 python3 scripts/mutation-pass.py --only sup.retry-off-by-one,kb.tap-no-release
    python3 scripts/mutation-pass.py --work /tmp/elsewhere --jobs 1

Each mutant's build and test output is kept in <work>/logs/<id>.log.
"""
import argparse
import filecmp
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_LIST = os.path.join(ROOT, "scripts", "mutations.json")
DEFAULT_WORK = "/tmp/barrierclient-mutants"
# What the copy needs: the package, what Package.swift refers to, and the
# C header the CBarrierABI target includes from outside Sources.
COPIED = ["Package.swift", "Package.resolved", "Sources", "Tests", "Benchmarks", "barrierclient.map", "include"]
FIELDS = ("id", "file", "old", "new", "why")


class PassError(Exception):
    """The pass cannot go on (bad list, stale mutation, broken baseline)."""


def load(path):
    with open(path, encoding="utf-8") as f:
        mutations = json.load(f)
    seen = set()
    for i, m in enumerate(mutations):
        missing = [k for k in FIELDS
                   if not isinstance(m.get(k), str) or (not m[k] and k != "new")]
        if missing:
            raise PassError(f"{path}: entry {i} ({m.get('id', '?')}) lacks {', '.join(missing)}")
        if m["id"] in seen or "," in m["id"]:
            raise PassError(f"{path}: id {m['id']!r} is repeated or has a comma")
        if m["old"] == m["new"]:
            raise PassError(f"{m['id']}: old and new are the same text")
        seen.add(m["id"])
    return mutations


def check(mutations, tree):
    """Every `old` occurs exactly once in its file under `tree`."""
    for m in mutations:
        path = os.path.join(tree, m["file"])
        if not os.path.isfile(path):
            raise PassError(f"{m['id']}: no file {m['file']}")
        with open(path, encoding="utf-8") as f:
            count = f.read().count(m["old"])
        if count != 1:
            raise PassError(f"{m['id']}: the old text occurs {count} times in {m['file']} (must be exactly once)")


def sync_copy(work):
    """Brings the copy in line with the package; unchanged files keep their
    times, so the copy's .build stays valid."""
    os.makedirs(work, exist_ok=True)
    for name in COPIED:
        src, dst = os.path.join(ROOT, name), os.path.join(work, name)
        if os.path.isfile(src):
            copy_if_changed(src, dst)
        elif os.path.isdir(src):
            wanted = set()
            for folder, dirs, files in os.walk(src):
                dirs[:] = [d for d in dirs if d != ".build"]
                for file in files:
                    rel = os.path.relpath(os.path.join(folder, file), src)
                    wanted.add(rel)
                    copy_if_changed(os.path.join(folder, file), os.path.join(dst, rel))
            for folder, _, files in os.walk(dst):
                for file in files:
                    path = os.path.join(folder, file)
                    if os.path.relpath(path, dst) not in wanted:
                        os.remove(path)


def copy_if_changed(src, dst):
    if os.path.isfile(dst) and filecmp.cmp(src, dst, shallow=False):
        return
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)  # a fresh time: the build sees the change


def run(cmd, cwd, timeout, log):
    """Runs `cmd`, appending its output to `log`; (exit status or None on
    timeout, output)."""
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the process group this call started
        out, _ = proc.communicate()
        status = None
    text = out.decode("utf-8", "replace")
    log.write(text)
    log.write(f"[exit {status}]\n")
    log.flush()
    return status, text


FAILED_LINE = re.compile(r'Test (?:"([^"]+)"|(\w+\([^)]*\))) failed after')


def failing_tests(output, xunit_dir):
    """Names of the failing tests: from the xUnit reports when there are
    any (they name the suite), else from the console lines."""
    names = []
    for file in sorted(os.listdir(xunit_dir)) if os.path.isdir(xunit_dir) else []:
        if not file.endswith(".xml"):
            continue
        try:
            tree = ET.parse(os.path.join(xunit_dir, file))
        except ET.ParseError:
            continue
        for case in tree.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                suite = case.get("classname", "").split(".")[-1]
                names.append(f"{suite}/{case.get('name')}" if suite else case.get("name"))
    if not names:
        names = [a or b for a, b in FAILED_LINE.findall(output)]
    return list(dict.fromkeys(names))


def build_and_test(work, args, log):
    """('ok' | 'failed' | 'no-compile', failing test names)."""
    build = ["swift", "build", "--build-tests"] + (["-j", str(args.jobs)] if args.jobs else [])
    status, _ = run(build, work, args.build_timeout, log)
    if status != 0:
        return "no-compile", ["build timed out"] if status is None else []
    xunit_dir = os.path.join(work, "xunit")
    shutil.rmtree(xunit_dir, ignore_errors=True)
    os.makedirs(xunit_dir)
    test = ["swift", "test", "--skip-build", "--xunit-output", os.path.join(xunit_dir, "result.xml")]
    status, output = run(test, work, args.test_timeout, log)
    if status == 0:
        return "ok", []
    names = failing_tests(output, xunit_dir)
    if status is None:
        names.append(f"a hang (over {args.test_timeout} s)")
    elif not names:
        names.append(f"a crash (exit {status})")
    return "failed", names


def short(file):
    return file.replace("Sources/BarrierCore/", "")


def killers(names):
    more = f" (+{len(names) - 1} more)" if len(names) > 1 else ""
    return f"{names[0]}{more}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutations", default=DEFAULT_LIST, help="the mutation list (JSON)")
    parser.add_argument("--work", default=DEFAULT_WORK, help=f"scratch directory (default {DEFAULT_WORK})")
    parser.add_argument("--only", help="run only these ids (comma-separated)")
    parser.add_argument("--list", action="store_true", help="print the mutations and exit (no build)")
    parser.add_argument("--jobs", type=int, help="swift build -j")
    parser.add_argument("--build-timeout", type=int, default=1800, help="seconds per build")
    parser.add_argument("--test-timeout", type=int, default=120, help="seconds per test run (a hang is a kill)")
    args = parser.parse_args()

    try:
        mutations = load(args.mutations)
        if args.only:
            wanted = [i for i in args.only.split(",") if i]
            known = {m["id"] for m in mutations}
            unknown = [i for i in wanted if i not in known]
            if unknown:
                raise PassError(f"unknown ids: {', '.join(unknown)}")
            mutations = [m for m in mutations if m["id"] in wanted]
        check(mutations, ROOT)
    except (PassError, OSError, ValueError) as error:
        print(f"mutation-pass: {error}", file=sys.stderr)
        return 2

    if args.list:
        for m in mutations:
            mark = f"  [equivalent: {m['equivalent']}]" if m.get("equivalent") else ""
            print(f"{m['id']:<36} {short(m['file']):<34} {m['why']}{mark}")
        print(f"{len(mutations)} mutations, {sum(1 for m in mutations if m.get('equivalent'))} marked equivalent")
        return 0

    start = time.monotonic()
    work = os.path.abspath(args.work)
    sync_copy(work)
    check(mutations, work)
    os.makedirs(os.path.join(work, "logs"), exist_ok=True)

    with open(os.path.join(work, "logs", "baseline.log"), "w") as log:
        began = time.monotonic()
        verdict, names = build_and_test(work, args, log)
    if verdict != "ok":
        what = "does not build" if verdict == "no-compile" else f"fails: {', '.join(names)}"
        print(f"mutation-pass: the unmutated copy {what}; see {work}/logs/baseline.log", file=sys.stderr)
        return 2
    print(f"baseline: builds and passes in {time.monotonic() - began:.0f} s ({work})", flush=True)

    killed, survived, broken, skipped = [], [], [], []
    for n, m in enumerate(mutations, 1):
        head = f"[{n:>3}/{len(mutations)}] {m['id']:<36} {short(m['file']):<34} {m['why']}"
        if m.get("equivalent"):
            skipped.append(m)
            print(f"{head}  EQUIVALENT (skipped): {m['equivalent']}", flush=True)
            continue
        path = os.path.join(work, m["file"])
        with open(path, encoding="utf-8") as f:
            original = f.read()
        began = time.monotonic()
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original.replace(m["old"], m["new"]))
            with open(os.path.join(work, "logs", f"{m['id']}.log"), "w") as log:
                verdict, names = build_and_test(work, args, log)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        seconds = time.monotonic() - began
        if verdict == "failed":
            killed.append(m)
            result = f"KILLED by {killers(names)}"
        elif verdict == "ok":
            survived.append(m)
            result = "SURVIVED"
        else:
            broken.append(m)
            result = "NO-COMPILE"
        print(f"{head}  {result}  {seconds:.0f} s", flush=True)

    print()
    for title, group in (("survived", survived), ("did not compile", broken), ("equivalent, skipped", skipped)):
        if group:
            print(f"{title}: {', '.join(m['id'] for m in group)}")
    print(f"{len(killed)} killed, {len(survived)} survived, {len(broken)} did not compile, "
          f"{len(skipped)} equivalent; {(time.monotonic() - start) / 60:.1f} min")
    print(f"{len(killed)} passed, {len(survived)} failed")
    return 1 if survived else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PassError as error:
        print(f"mutation-pass: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
