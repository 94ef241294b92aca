# SPDX-License-Identifier: GPL-2.0-or-later
"""The server compatibility table: what the server matrix (test_server_matrix.py)
showed, per server configuration and capability.

conftest.py feeds every test report here; tests marked `compat("column")`
with a `matrix` parameter fill the table.  At the end of a run that executed
any of them, the table is printed and saved as JSON in
$BARRIERCLIENT_CACHE/compat/last-run.json; scripts/compat-table.py turns
that file into README.md's table.
"""
import datetime
import json
import os
import platform

CACHE = os.environ.get("BARRIERCLIENT_CACHE") or os.path.expanduser("~/.cache/barrierclient")
LAST_RUN = os.path.join(CACHE, "compat", "last-run.json")

MARK = {"passed": "yes", "failed": "FAILED", "skipped": "skipped", None: "-"}


class CompatResults:
    def __init__(self):
        self.rows = {}        # config id -> {"server", "tls", "hello", "results": {column: outcome}, "seconds"}
        self.columns = []     # in the order the tests ran

    def record(self, item, rep):
        marker = item.get_closest_marker("compat")
        callspec = getattr(item, "callspec", None)
        if marker is None or callspec is None or "matrix" not in callspec.params:
            return
        config = callspec.params["matrix"]
        column = marker.args[0]
        if column not in self.columns:
            self.columns.append(column)
        row = self.rows.setdefault(config.id, {
            "server": config.kind.label, "tls": config.tls, "hello": config.hello,
            "results": {}, "seconds": 0.0})
        row["seconds"] += rep.duration
        previous = row["results"].get(column)
        # a failure in any phase (setup, call, teardown) is the cell's outcome
        if rep.failed:
            row["results"][column] = "failed"
        elif rep.skipped and previous is None:
            row["results"][column] = "skipped"
        elif rep.when == "call" and rep.passed and previous is None:
            row["results"][column] = "passed"

    def has_results(self):
        return bool(self.rows)

    def data(self):
        return {
            "date": datetime.date.today().isoformat(),
            "machine": "%s, kernel %s, %d cores" % (_os_name(), platform.release(), os.cpu_count() or 0),
            "columns": self.columns,
            "rows": [dict(id=k, **v) for k, v in self.rows.items()],
            "seconds": round(sum(r["seconds"] for r in self.rows.values()), 1),
        }

    def summary_lines(self):
        return ["server compatibility (test_server_matrix.py):"] + render_text(self.data())

    def write(self):
        if not self.rows:
            return
        os.makedirs(os.path.dirname(LAST_RUN), exist_ok=True)
        tmp = LAST_RUN + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data(), f, indent=1)
        os.replace(tmp, LAST_RUN)


def _os_name():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def _cells(data, row):
    return [MARK[row["results"].get(c)] for c in data["columns"]]


def render_text(data):
    head = ["server", "TLS", "hello"] + data["columns"]
    rows = [[r["server"], "on" if r["tls"] else "off", r["hello"]] + _cells(data, r) for r in data["rows"]]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = "  ".join("%%-%ds" % w for w in widths)
    lines = [fmt % tuple(head)] + [fmt % tuple(r) for r in rows]
    return lines + ["matrix time: %.0f s" % data["seconds"]]


def render_markdown(data):
    head = ["server", "TLS", "hello"] + data["columns"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in data["rows"]:
        cells = [r["server"], "on" if r["tls"] else "off", r["hello"]] + _cells(data, r)
        lines.append("| " + " | ".join(cells) + " |")
    return lines
