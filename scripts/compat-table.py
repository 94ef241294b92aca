#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes README.md's server compatibility table from the last run of the
server matrix (Tests/e2e/test_server_matrix.py), which conftest.py saved in
$BARRIERCLIENT_CACHE/compat/last-run.json.

Usage: scripts/compat-table.py [--check]
  --check  exit 1 if README.md's table differs from the last run (no write)
The table sits between the markers <!-- compat:begin --> and <!-- compat:end -->.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))

from harness.compat import LAST_RUN, render_markdown  # noqa: E402

BEGIN, END = "<!-- compat:begin -->", "<!-- compat:end -->"


def table(data):
    return "\n".join([
        BEGIN,
        "Last run %s on %s (Tests/e2e/test_server_matrix.py, part of `make test`; "
        "the matrix took %.0f s):" % (data["date"], data["machine"], data["seconds"]),
        "",
    ] + render_markdown(data) + [END])


def main():
    check = "--check" in sys.argv[1:]
    try:
        with open(LAST_RUN) as f:
            data = json.load(f)
    except FileNotFoundError:
        sys.exit("compat-table: %s not found: run the e2e suite first (make test or scripts/run-e2e.sh)"
                 % LAST_RUN)
    readme_path = os.path.join(ROOT, "README.md")
    with open(readme_path) as f:
        readme = f.read()
    if BEGIN not in readme or END not in readme:
        sys.exit("compat-table: README.md has no %s ... %s section" % (BEGIN, END))
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + table(data) + tail
    if check:
        sys.exit(0 if new == readme else "compat-table: README.md's table is not the last run's")
    with open(readme_path, "w") as f:
        f.write(new)
    print("compat-table: README.md now shows the run of %s" % data["date"])


if __name__ == "__main__":
    main()
