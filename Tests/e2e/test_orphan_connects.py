# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 17: a connect attempt the library abandons is cancelled, not orphaned.

The client gives up a connect after 10 s and retries with back-off
(reconnect-ms doubling up to 30 s).  Against a server whose SYNs vanish
(a firewall that drops them), the kernel would keep retrying a blocking
connect() for about 2 minutes (tcp_syn_retries); a connect that runs in a
thread of its own keeps that thread and its socket's fd until then, so every
abandoned attempt piles up.  An abandoned attempt must be cancelled: its
socket closed at once, no thread left behind.

The drop: an nftables table of this test's own (`inet barrierclient_test_<pid>_<port>`)
with an output-hook chain that drops `ip daddr 127.0.0.1 tcp dport PORT` packets
whose flags are SYN without ACK.  Nothing else is touched: only loopback,
only that port (a scripted server listens on it the whole time, so the port
stays ours).  The table is deleted at teardown, pass or fail, and tables of
earlier runs whose process is gone are deleted before a new one is added.

For BARRIERCLIENT_ORPHAN_SECONDS (300 s by default; the issue asks for
5 minutes) QEMU's thread count (/proc/PID/status Threads), open fds
(/proc/PID/fd) and TCP sockets to the port are sampled every second:

- the object goes to `connecting` and its `last-error` says the connect
  timed out; it never gets further while the SYNs are dropped;
- the baseline is the highest figure while the first attempt is in flight
  (one attempt's socket, and its thread if the connect has one); no later
  sample exceeds it by more than THREAD_SLACK threads (QEMU's own worker
  pool) or FD_SLACK fds, and QEMU never has more than one socket to the port
  (one attempt in flight);
- no upward trend: the lowest figure of the last minute is not above the
  lowest of the first minute (threads: by more than THREAD_TREND_SLACK);
- then the rule is removed and the object connects to the scripted server
  within RECONNECT_TIMEOUT (the longest back-off plus a connect): it healed.

Every failure message carries the per-minute min/max figures; all samples
are also written to `orphan-samples.tsv` in the run directory.
"""
import os
import re
import select
import shutil
import socket
import subprocess
import time

import pytest

from harness.qemu import (QOM_PATH, RECONNECT_TIMEOUT, STATE_CONNECTING, STATE_DISCONNECTED,
                          UP_STATES, only)
from harness.scripted_server import ScriptedServer, standard_session
from harness.util import WaitTimeout

pytestmark = pytest.mark.qemu

DURATION_ENV = "BARRIERCLIENT_ORPHAN_SECONDS"
DURATION = float(os.environ.get(DURATION_ENV) or 300)
SAMPLE_INTERVAL = 1.0
RECONNECT_MS = 1000
# The object starts connecting at once; the library abandons a connect after
# 10 s (Supervisor.connectTimeout) and says so in last-error.
CONNECTING_WITHIN = 10.0
FIRST_TIMEOUT_WITHIN = 25.0
LAST_ERROR_TIMEOUT = re.compile(r"(?i)no connection within \d+ ?s|timed? ?out")
# States allowed while every SYN is dropped.
DROPPED_STATES = (STATE_CONNECTING, STATE_DISCONNECTED)
THREAD_SLACK = 2          # QEMU's own worker threads come and go
FD_SLACK = 1
THREAD_TREND_SLACK = 1
MAX_SOCKETS_TO_PORT = 1   # one attempt in flight at a time
# How long a probe connect must stay unanswered to show the rule works.
PROBE_SECONDS = 1.5
# The attempts QEMU's trace reports (informational).
CONNECT_TRACE = "input_barrier_connect"

TABLE_PREFIX = "barrierclient_test_"
_TABLE_RX = re.compile(r"^table inet (%s(\d+)_\d+)$" % TABLE_PREFIX)


def _nft(*args, script=None):
    return subprocess.run(["nft"] + list(args), input=script, capture_output=True, text=True,
                          timeout=20)


class SynDrop:
    """An nftables table of our own dropping SYNs to 127.0.0.1:port (output hook)."""

    def __init__(self, port):
        self.port = port
        self.table = "%s%d_%d" % (TABLE_PREFIX, os.getpid(), port)

    @staticmethod
    def remove_stale():
        """Delete tables of earlier runs whose pytest process is gone (a killed run)."""
        out = _nft("list", "tables")
        for line in out.stdout.splitlines():
            m = _TABLE_RX.match(line.strip())
            if m and not os.path.exists("/proc/%s" % m.group(2)):
                _nft("delete", "table", "inet", m.group(1))

    def add(self):
        script = (
            "table inet %s {\n"
            "  chain out {\n"
            "    type filter hook output priority 0; policy accept;\n"
            "    ip daddr 127.0.0.1 tcp dport %d tcp flags & (syn | ack) == syn drop\n"
            "  }\n"
            "}\n" % (self.table, self.port))
        r = _nft("-f", "-", script=script)
        if r.returncode != 0:
            pytest.fail("nft could not add the SYN drop (needs root / CAP_NET_ADMIN): %s\n%s"
                        % (r.stderr.strip(), script))

    def active(self):
        return _nft("list", "table", "inet", self.table).returncode == 0

    def remove(self):
        if self.active():
            r = _nft("delete", "table", "inet", self.table)
            assert r.returncode == 0, "nft delete table inet %s: %s" % (self.table, r.stderr)
        assert not self.active(), "the nft table %s is still there" % self.table


@pytest.fixture
def port_server():
    """A scripted server on 127.0.0.1:<free port>, listening the whole test (the port stays ours)."""
    srv = ScriptedServer(on_connect=standard_session()).start()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def syn_drop(port_server):
    """SYNs to the scripted server's port silently dropped; the rule removed at teardown."""
    if shutil.which("nft") is None:
        pytest.skip("nft missing (scripts/setup-deps.sh installs nftables)")
    SynDrop.remove_stale()
    rule = SynDrop(port_server.port)
    rule.add()
    try:
        _probe_unanswered(port_server.port, rule)
        yield rule
    finally:
        rule.remove()


def _probe_unanswered(port, rule):
    """A connect to the port (a listener is there) stays unanswered for PROBE_SECONDS."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        _, writable, _ = select.select([], [s], [], PROBE_SECONDS)   # the scenario's duration
        assert not writable, ("the nft table %s does not drop SYNs to 127.0.0.1:%d: a probe "
                              "connect completed (%s)"
                              % (rule.table, port, os.strerror(s.getsockopt(socket.SOL_SOCKET,
                                                                             socket.SO_ERROR))))
    finally:
        s.close()


class Sample:
    __slots__ = ("t", "threads", "fds", "sockets", "attempts", "state")

    def __init__(self, t, threads, fds, sockets, attempts, state):
        self.t, self.threads, self.fds = t, threads, fds
        self.sockets, self.attempts, self.state = sockets, attempts, state


def _minutes(samples, length=60.0):
    """Samples in buckets of a minute; a last bucket shorter than half a minute joins the one before."""
    buckets = []
    for s in samples:
        i = int(s.t // length)
        while len(buckets) <= i:
            buckets.append([])
        buckets[i].append(s)
    buckets = [b for b in buckets if b]
    if len(buckets) > 1 and buckets[-1][-1].t - buckets[-1][0].t < length / 2:
        buckets[-2].extend(buckets.pop())
    return buckets


def _report(samples, base_threads, base_fds, first_timeout_t):
    lines = ["baseline (highest while the first attempt was in flight, until %.0f s): "
             "%d threads, %d fds" % (first_timeout_t, base_threads, base_fds),
             "allowed: threads <= %d, fds <= %d, sockets to the port <= %d"
             % (base_threads + THREAD_SLACK, base_fds + FD_SLACK, MAX_SOCKETS_TO_PORT),
             "   seconds | threads min-max | fds min-max | sockets to port max | connect attempts"]
    for b in _minutes(samples):
        lines.append("  %3.0f-%3.0f  |     %4d-%-4d   |  %4d-%-4d  |         %2d          | %d"
                     % (b[0].t, b[-1].t, min(s.threads for s in b), max(s.threads for s in b),
                        min(s.fds for s in b), max(s.fds for s in b),
                        max(s.sockets for s in b), b[-1].attempts))
    tens = _minutes(samples, 10.0)
    lines.append("highest per 10 s: threads %s" % " ".join(str(max(s.threads for s in b)) for b in tens))
    lines.append("                  fds     %s" % " ".join(str(max(s.fds for s in b)) for b in tens))
    lines.append("                  sockets %s" % " ".join(str(max(s.sockets for s in b)) for b in tens))
    return "\n".join(lines)


@pytest.mark.timeout(DURATION + RECONNECT_TIMEOUT + 120)
def test_abandoned_connects_leave_no_thread_or_fd_behind(syn_drop, port_server, qemu_factory,
                                                         run_dir):
    port = port_server.port
    q = qemu_factory(port, object_extra={"reconnect-ms": RECONNECT_MS})
    start = time.monotonic()
    samples = []
    connecting_seen = None      # seconds after start
    first_timeout_t = None
    last_error = None
    tsv = open(os.path.join(run_dir, "orphan-samples.tsv"), "w")
    tsv.write("seconds\tthreads\tfds\tsockets_to_port\tconnect_attempts\tstate\tlast_error\n")

    def attempts():
        return sum(1 for e in q.trace.since(0, only("barrier")) if e[1] == CONNECT_TRACE)

    try:
        next_tick = start
        while True:
            t = time.monotonic() - start
            if not q.alive():
                rc = q.proc.returncode
                pytest.fail("QEMU exited after %.0f s with SYNs dropped (%s); stderr:\n%s"
                            % (t, "signal %d" % -rc if rc < 0 else "status %d" % rc,
                               q.stderr_tail()))
            state = q.state()
            last_error = q.qom_get(QOM_PATH, "last-error")
            s = Sample(t, q.threads(), q.fd_count(), q.tcp_connections(port), attempts(), state)
            samples.append(s)
            tsv.write("%.1f\t%d\t%d\t%d\t%d\t%s\t%s\n"
                      % (t, s.threads, s.fds, s.sockets, s.attempts, state, last_error))
            assert state in DROPPED_STATES, (
                "while every SYN to the port is dropped the object went to %r after %.0f s "
                "(expected one of %s); last-error %r" % (state, t, DROPPED_STATES, last_error))
            if connecting_seen is None and state == STATE_CONNECTING:
                connecting_seen = t
            if first_timeout_t is None and last_error and LAST_ERROR_TIMEOUT.search(last_error):
                first_timeout_t = t
            if connecting_seen is None:
                assert t < CONNECTING_WITHIN, ("the object never showed state %r within %.0f s "
                                               "(states: %s)" % (STATE_CONNECTING, CONNECTING_WITHIN,
                                                                 sorted({x.state for x in samples})))
            if first_timeout_t is None:
                assert t < FIRST_TIMEOUT_WITHIN, (
                    "last-error did not say the connect timed out within %.0f s (it says %r)"
                    % (FIRST_TIMEOUT_WITHIN, last_error))
            if t >= DURATION and first_timeout_t is not None:
                break
            next_tick += SAMPLE_INTERVAL            # periodic sampling, not a wait for a condition
            time.sleep(max(0.0, next_tick - time.monotonic()))
    finally:
        tsv.close()

    first = [s for s in samples if s.t < first_timeout_t]
    later = [s for s in samples if s.t >= first_timeout_t]
    base_threads = max(s.threads for s in first)
    base_fds = max(s.fds for s in first)
    report = _report(samples, base_threads, base_fds, first_timeout_t)
    print("\n%s\nlast-error: %r" % (report, last_error))
    problems = []

    over = [s for s in later if s.threads > base_threads + THREAD_SLACK
            or s.fds > base_fds + FD_SLACK or s.sockets > MAX_SOCKETS_TO_PORT]
    if over:
        problems.append(
            "not flat: over %.0f s with SYNs dropped QEMU went up to %d threads (baseline %d), "
            "%d fds (baseline %d) and %d sockets to the port at once; %d of %d samples over the "
            "limits, the first at %.0f s"
            % (samples[-1].t, max(s.threads for s in later), base_threads,
               max(s.fds for s in later), base_fds, max(s.sockets for s in later), len(over),
               len(later), over[0].t))

    minutes = _minutes(samples)
    if len(minutes) > 1:
        def low(b, k):
            return min(getattr(s, k) for s in b)
        if (low(minutes[-1], "threads") > low(minutes[0], "threads") + THREAD_TREND_SLACK
                or low(minutes[-1], "fds") > low(minutes[0], "fds")):
            problems.append(
                "upward trend: the last minute's lowest is %d threads / %d fds, the first "
                "minute's %d / %d" % (low(minutes[-1], "threads"), low(minutes[-1], "fds"),
                                      low(minutes[0], "threads"), low(minutes[0], "fds")))

    # The drop ends: the client heals and connects to the server on that port.
    syn_drop.remove()
    healed_from = time.monotonic()
    try:
        q.wait_state(UP_STATES, RECONNECT_TIMEOUT,
                     "connected to the scripted server on 127.0.0.1:%d once SYNs pass again" % port)
        print("healed %.1f s after the rule was removed; the server saw %d connection(s)"
              % (time.monotonic() - healed_from, len(port_server.connections)))
    except WaitTimeout as e:
        problems.append("did not heal after the rule was removed: %s" % e)

    if problems:
        pytest.fail("abandoned connect attempts were orphaned, not cancelled "
                    "(each abandoned connect must close its socket and leave no thread):\n- %s\n%s"
                    % ("\n- ".join(problems), report))
