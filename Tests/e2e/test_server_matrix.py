# SPDX-License-Identifier: GPL-2.0-or-later
"""The same scenarios against every server our users run: Barrier 2.4 (Debian),
Input Leap 3.0.3, Deskflow 1.26.0 and Deskflow master; with TLS off and on;
Deskflow also greeting as Synergy (`protocol = synergy`).

With TLS on, the server's certificate is pinned (tls-fingerprint) and the
server demands a client certificate, which it trusts (its TrustedClients /
trusted-clients list holds ours).  Every one of these servers sometimes
stalls a TLS handshake (Deskflow often; Barrier and Input Leap more on a busy
machine: their accept misses a ClientHello that arrives after it started):
the client gives up a handshake after 3 s and retries 1 s later, so the
sessions come up by themselves, only later.

Each test is one capability, the column of the compatibility table that
scripts/compat-table.py writes into README.md from the last run (conftest.py
records every outcome here into $BARRIERCLIENT_CACHE/compat/last-run.json).
Servers built from ../shared/servers are skipped with one line when it is
missing; Barrier 2.4 always runs.
"""
import os
import re

import pytest

from harness.qemu import DOWN_STATES, INPUT, only
from harness.servers import SERVER_KINDS
from harness.session import RealSession
from harness.tls import TLS_HANDSHAKE_TIMEOUT, make_client_cert, tls_qemu
from harness.util import wait_until

pytestmark = [pytest.mark.qemu, pytest.mark.real_server]


class Config:
    def __init__(self, kind, tls, protocol=None):
        self.kind = SERVER_KINDS[kind]
        self.tls = tls
        self.protocol = protocol

    @property
    def id(self):
        return "-".join([self.kind.key, "tls" if self.tls else "plain"] + ([self.protocol] if self.protocol else []))

    @property
    def hello(self):
        return "Synergy" if self.protocol == "synergy" else "Barrier"


CONFIGS = [
    Config("barrier-2.4", False), Config("barrier-2.4", True),
    Config("input-leap-3.0.3", False), Config("input-leap-3.0.3", True),
    Config("deskflow-1.26.0", False), Config("deskflow-1.26.0", True),
    Config("deskflow-1.26.0", False, "synergy"), Config("deskflow-1.26.0", True, "synergy"),
    Config("deskflow-master", False), Config("deskflow-master", True),
    Config("deskflow-master", False, "synergy"), Config("deskflow-master", True, "synergy"),
]

# A stalled TLS handshake is abandoned after TLS_HANDSHAKE_TIMEOUT and retried
# 1 s later, again and again (the delay does not grow): with about 4 stalls
# in 10 tries, 10 in a row (a chance of 1 in 10 000) still fit.
STARTUP_TIMEOUT = 20.0
STALLING_TLS_STARTUP_TIMEOUT = 10 * (TLS_HANDSHAKE_TIMEOUT + 1.0) + STARTUP_TIMEOUT


# What the server logged it sent for the key x (keysym 0x78 = 120); all three
# servers log these at their most detailed level.
SENT_KEY_X = re.compile(r'send key (down|up|repeat) to "VM-1" id=120, mask=0x[0-9a-f]+(?:, count=(\d+))?')


def press(qcode):
    return [("key", qcode, True), ("key", qcode, False)]


def shifted(qcode):
    return [("key", "shift", True), ("key", qcode, True), ("key", "shift", False), ("key", qcode, False)]


class MatrixSession(RealSession):
    """One server of the matrix + QEMU connected to it (over TLS when asked) + a driver."""

    def __init__(self, run_dir, config, client_cert):
        super().__init__(run_dir)
        self.config = config
        self.client_cert = client_cert
        self.server = config.kind.make(run_dir, tls=config.tls, protocol=config.protocol)

    def startup_timeout(self):
        return STALLING_TLS_STARTUP_TIMEOUT if self.config.tls else STARTUP_TIMEOUT

    def start(self, connect_timeout=None):
        if self.config.tls:
            self.server.trust_client(self.client_cert[1][len("v2:sha256:"):])
        return super().start(connect_timeout or self.startup_timeout())

    def make_qemu(self):
        if not self.config.tls:
            return super().make_qemu()
        return tls_qemu(self.run_dir, self.server.port, self.client_cert[0],
                        "v2:sha256:" + self.server.fingerprint_sha256, name=self.server.client_name)


@pytest.fixture(scope="session")
def matrix_client_cert(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("matrix-client-cert"))
    return d, make_client_cert(d)


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda c: c.id)
def matrix(request, module_run_dir, matrix_client_cert):
    config = request.param
    reason = config.kind.missing_reason()
    if reason:
        pytest.skip(reason)
    s = MatrixSession(os.path.join(module_run_dir, config.id), config, matrix_client_cert)
    try:
        s.start()
        yield s
    finally:
        s.close()


@pytest.fixture
def mx(matrix):
    """The pointer is on the VM screen and everything earlier has reached QEMU."""
    assert matrix.qemu.alive(), "QEMU died earlier with this server:\n" + matrix.qemu.stderr_tail()
    matrix.ensure_on_vm()
    matrix.flush()
    return matrix


# ------------------------------------------------------------------ tests --
# `compat` names the column of the compatibility table (scripts/compat-table.py).

@pytest.mark.compat("connect")
def test_connects_with_its_hello(matrix):
    """The client answers the server's hello (Barrier or Synergy) and the server accepts it."""
    assert matrix.qemu.state() in ("connected", "active")
    if matrix.config.tls:
        assert any(e[1] == "input_barrier_tls_verified" for e in matrix.trace.since(0, only("barrier"))), \
            "TLS session without input_barrier_tls_verified"


@pytest.mark.compat("typing")
def test_typing_letters_digits_and_shifted_punctuation(mx):
    text = "thequickbrownfoxjumpsoverthelazydog0123456789"
    assert mx.capture(lambda d: d.type(text)) == [ev for c in text for ev in press(c)]
    combos = [("shift+1", "1"), ("shift+slash", "slash"), ("shift+minus", "minus"),
              ("shift+semicolon", "semicolon"), ("shift+apostrophe", "apostrophe")]
    got = mx.capture(lambda d: d.key(*[c for c, _ in combos]))
    assert got == [ev for _, q in combos for ev in shifted(q)]


@pytest.mark.compat("editing keys")
def test_return_arrows_home_end_and_function_keys(mx):
    keys = [("Return", "ret"), ("Up", "up"), ("Down", "down"), ("Left", "left"), ("Right", "right"),
            ("Home", "home"), ("End", "end")] + [("F%d" % n, "f%d" % n) for n in range(1, 13)]
    got = mx.capture(lambda d: d.key(*[k for k, _ in keys]))
    assert got == [ev for _, q in keys for ev in press(q)]


@pytest.mark.compat("modifiers")
def test_modifiers_on_both_sides_and_super(mx):
    keys = [("Shift_L", "shift"), ("Shift_R", "shift_r"), ("Control_L", "ctrl"), ("Control_R", "ctrl_r"),
            ("Alt_L", "alt"), ("Alt_R", "alt_r"), ("Super_L", "meta_l"), ("Super_R", "meta_r")]

    def each(d):
        for k, _ in keys:
            d.physical_key(k)
    assert mx.capture(each) == [ev for _, q in keys for ev in press(q)]
    assert mx.capture(lambda d: d.key("ctrl+c")) == [
        ("key", "ctrl", True), ("key", "c", True), ("key", "ctrl", False), ("key", "c", False)]


@pytest.mark.compat("autorepeat")
def test_held_key_repeats_as_presses_and_is_released_once(mx):
    """A held key's autorepeat reaches the client as key-repeat messages (from
    Deskflow with 6 trailing bytes, whatever the client's version): each is a
    further press in the VM, and the key is released exactly once.

    The server decides what is a repeat (a release and a press of the same
    time), so the expected events are read from what it logged it sent."""
    trace, d, srv = mx.trace, mx.driver, mx.server
    repeats_wanted = 3
    mark, log_mark = trace.mark(), srv.log_mark()

    def sent():
        return [(m.group(1), int(m.group(2) or 1)) for m in SENT_KEY_X.finditer(srv.log_text(log_mark))]

    d.key_press("x")
    try:
        def repeated_enough():
            if sum(1 for kind, _ in sent() if kind == "repeat") >= repeats_wanted:
                return True
            before = len(sent())
            d.key_repeat("x")
            wait_until(lambda: len(sent()) > before, 5, "the server to log what it sent for a repeat of x")
            return False
        wait_until(repeated_enough, 15, lambda: "%d key-repeat messages for x; the server sent %r"
                   % (repeats_wanted, sent()), interval=0)
    finally:
        d.key_release("x")
    wait_until(lambda: sent() and sent()[-1][0] == "up", 5, "the server to send the release of x")
    mx.flush()
    expected = []
    for kind, count in sent():
        expected += [("key", "x", kind != "up")] * (count if kind == "repeat" else 1)
    got = trace.since(mark, INPUT)
    assert got == expected
    last_press = max(i for i, e in enumerate(got) if e == ("key", "x", True))
    assert got[last_press + 1:] == [("key", "x", False)], "one release after the last repeat"


@pytest.mark.compat("buttons")
def test_buttons_1_2_3_8_9(mx):
    buttons = [(1, "left"), (2, "middle"), (3, "right"), (8, "side"), (9, "extra")]

    def click_all(d):
        for b, _ in buttons:
            d.click(b)
    got = mx.capture(click_all, keep=only("btn"))
    assert got == [ev for _, name in buttons for ev in [("btn", name, True), ("btn", name, False)]]


@pytest.mark.compat("wheel")
def test_wheel_in_four_directions(mx):
    directions = ["up", "down", "left", "right"]

    def scroll_all(d):
        for direction in directions:
            d.scroll(direction)
    got = mx.capture(scroll_all, keep=only("btn"))
    assert got == [ev for w in directions for ev in [("btn", "wheel-" + w, True), ("btn", "wheel-" + w, False)]]


@pytest.mark.compat("leave releases keys")
def test_leaving_with_a_key_held_releases_it(mx):
    assert mx.leave_with_key_held("a") == [("key", "a", False)]
    mx.ensure_on_vm()   # back, away from the edge (room for the sentinels)
    assert mx.capture(lambda drv: drv.type("b")) == press("b")


@pytest.mark.compat("server restart")
def test_server_restart_releases_held_key_and_reconnects(mx):
    """The server dies with a key held in the VM: the key is released; the client
    reconnects when the server is back and works as before."""
    trace, d, srv, q = mx.trace, mx.driver, mx.server, mx.qemu
    mark = trace.mark()
    d.keydown("k")
    trace.wait_for([("key", "k", True)], 5, since=mark)
    srv.kill()
    trace.wait_for(lambda evs: ("key", "k", False) in evs, 15, since=mark, keep=only("key"),
                   what="the release of 'k' after the server died")
    q.wait_state(DOWN_STATES, 15, "the client to notice the server is gone")
    d.keyup("k")
    srv.restart()
    srv.wait_client_connected(mx.startup_timeout(), since=0)
    d.on_client = False
    mx.ensure_on_vm()
    assert mx.capture(lambda drv: drv.type("ok")) == press("o") + press("k")
    assert trace.since(mark, only("key")).count(("key", "k", False)) == 2  # the held one, then "ok"'s
