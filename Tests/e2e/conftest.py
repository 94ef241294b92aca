# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures of the end-to-end tests.

Tests marked `qemu` (most of them) need a QEMU binary: $BARRIERCLIENT_QEMU, else
<repo>/build/qemu-system-x86_64.  Without it they are skipped with one line.
Every process a test starts (QEMU, barriers, Xvfb) is ended by its pid in a
finalizer, pass or fail; run directories live under $BARRIERCLIENT_E2E_DIR
(default /tmp/bc-e2e-<pid>) and are removed after a run where everything passed
unless BARRIERCLIENT_E2E_KEEP=1.
"""
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from harness import qemu as qemu_mod  # noqa: E402
from harness.barrier_server import BarrierServer  # noqa: E402
from harness.compat import CompatResults  # noqa: E402
from harness.servers import MISSING_SHARED  # noqa: E402
from harness.qemu import Qemu  # noqa: E402
from harness.scripted_server import ScriptedServer  # noqa: E402
from harness.session import RealSession  # noqa: E402
from harness.util import OwnedProcess  # noqa: E402

_BASE = {"dir": None, "failed": False}


def pytest_configure(config):
    config.addinivalue_line("markers", "qemu: needs the QEMU binary ($BARRIERCLIENT_QEMU)")
    config.addinivalue_line("markers", "real_server: needs barriers, Xvfb and xdotool")
    config.addinivalue_line("markers", "soak: minutes long; runs only with BARRIERCLIENT_SOAK=1")
    config.addinivalue_line("markers", "compat(feature): a column of the server compatibility table")


def pytest_report_header(config):
    reason = qemu_mod.qemu_missing_reason()
    return ["qemu: %s" % (qemu_mod.qemu_binary() if reason is None else "MISSING - " + reason)]


_SKIPS = {}
# Skips run-e2e.sh accepts: the servers built from ../shared/servers when it is missing.
_ALLOWED_SKIPS = {}
MISSING_SHARED_PREFIX = MISSING_SHARED.split("(")[0]
_COMPAT = CompatResults()
# Lines tests report for the run's summary (the `report` fixture).
_REPORT = []


def pytest_collection_modifyitems(config, items):
    if os.environ.get("BARRIERCLIENT_SOAK") != "1":
        soak = [item for item in items if "soak" in item.keywords]
        if soak:
            config.hook.pytest_deselected(items=soak)
            items[:] = [item for item in items if "soak" not in item.keywords]
    reason = qemu_mod.qemu_missing_reason()
    missing_tools = [t for t in ("barriers", "Xvfb", "xdotool") if shutil.which(t) is None]
    tools_reason = "missing %s (scripts/setup-deps.sh installs them)" % ", ".join(missing_tools)
    for item in items:
        if reason and "qemu" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))
            _SKIPS[reason] = _SKIPS.get(reason, 0) + 1
        elif missing_tools and "real_server" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=tools_reason))
            _SKIPS[tools_reason] = _SKIPS.get(tools_reason, 0) + 1


def pytest_terminal_summary(terminalreporter):
    """One line per reason instead of one per test location."""
    for reason, n in _SKIPS.items():
        terminalreporter.write_line("SKIPPED %d tests: %s" % (n, reason), yellow=True)
    for reason, n in _ALLOWED_SKIPS.items():
        terminalreporter.write_line("SKIPPED %d tests (allowed): %s" % (n, reason), yellow=True)
    for line in _REPORT:
        terminalreporter.write_line(line)
    if _COMPAT.has_results():
        terminalreporter.write_line("")
        for line in _COMPAT.summary_lines():
            terminalreporter.write_line(line)


def _is_event_list(v):
    return isinstance(v, list) and all(isinstance(e, tuple) for e in v)


def pytest_assertrepr_compare(op, left, right):
    """Show both event sequences in full: the point of a failing e2e test."""
    if op == "==" and _is_event_list(left) and _is_event_list(right):
        return ["QEMU input events differ",
                "   got:      %s" % (left,),
                "   expected: %s" % (right,)]
    return None


def base_dir():
    if _BASE["dir"] is None:
        root = os.environ.get("BARRIERCLIENT_E2E_DIR")
        if root:
            os.makedirs(root, exist_ok=True)
            _BASE["dir"] = tempfile.mkdtemp(prefix="run-", dir=root)
        else:
            # short path: unix socket paths must stay under 108 bytes
            _BASE["dir"] = tempfile.mkdtemp(prefix="bc-e2e-", dir="/tmp")
    return _BASE["dir"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        _BASE["failed"] = True
    if rep.skipped and isinstance(rep.longrepr, tuple) and MISSING_SHARED_PREFIX in str(rep.longrepr[2]):
        reason = str(rep.longrepr[2]).replace("Skipped: ", "")
        _ALLOWED_SKIPS[reason] = _ALLOWED_SKIPS.get(reason, 0) + 1
    _COMPAT.record(item, rep)


def pytest_sessionfinish(session, exitstatus):
    OwnedProcess.stop_all()
    _COMPAT.write()
    d = _BASE["dir"]
    if d and not _BASE["failed"] and exitstatus == 0 and os.environ.get("BARRIERCLIENT_E2E_KEEP") != "1":
        shutil.rmtree(d, ignore_errors=True)
    elif d:
        sys.stderr.write("\ne2e run directories kept in %s\n" % d)


_counter = [0]


def _new_run_dir(name):
    _counter[0] += 1
    safe = "".join(c if c.isalnum() else "-" for c in name)[:40]
    path = os.path.join(base_dir(), "%03d-%s" % (_counter[0], safe))
    os.makedirs(path)
    return path


@pytest.fixture
def run_dir(request):
    return _new_run_dir(request.node.name)


@pytest.fixture(scope="module")
def module_run_dir(request):
    return _new_run_dir(request.module.__name__)


@pytest.fixture(scope="module")
def session(module_run_dir):
    """A real barriers server and a QEMU on it as VM-1, shared by a module's
    tests (a module that needs another set-up defines its own)."""
    s = RealSession(module_run_dir)
    try:
        s.start()
        yield s
    finally:
        s.close()


@pytest.fixture
def report():
    """report(line): a line printed in the run's summary, passed or failed
    (figures a run must show, e.g. the property fuzzer's counts)."""
    return _REPORT.append


@pytest.fixture
def qemu_factory(run_dir):
    """qemu_factory(port, **kw) -> a started Qemu; all are stopped at teardown."""
    started = []

    def make(port, subdir=None, start=True, **kw):
        d = run_dir if subdir is None else os.path.join(run_dir, subdir)
        q = Qemu(d, port, **kw)
        started.append(q)
        return q.start() if start else q
    yield make
    for q in started:
        q.stop()


@pytest.fixture
def barrier_server(run_dir):
    """A started real barriers (TLS off) under its own Xvfb; closed at teardown."""
    srv = BarrierServer(run_dir)
    try:
        srv.start()
        yield srv
    finally:
        srv.close()


@pytest.fixture
def real_session(run_dir):
    """barriers + QEMU connected to it + a driver; everything ended at teardown."""
    s = RealSession(run_dir)
    try:
        s.start()
        yield s
    finally:
        s.close()


@pytest.fixture
def scripted_server():
    """scripted_server(on_connect=None, **kw) -> a started ScriptedServer; closed at teardown."""
    made = []

    def make(**kw):
        s = ScriptedServer(**kw).start()
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


@pytest.fixture
def vm(session):
    """The pointer is on the VM screen and everything earlier has reached QEMU.
    `session` is the module's own (plain in test_real_barrier, TLS in test_tls)."""
    assert session.qemu.alive(), "QEMU died earlier in this module:\n" + session.qemu.stderr_tail()
    session.ensure_on_vm()
    session.flush()
    return session
