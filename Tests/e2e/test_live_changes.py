# SPDX-License-Identifier: GPL-2.0-or-later
"""Live changes to a running input-barrier object (issue 16), against the scripted server.

    qom-set x-origin / y-origin / width / height   a new DINF at once; DMMV/DMRM
                                                   ignored until the server's CIAK,
                                                   then scaled to the new rectangle
    qom-set width 0                                refused with an error, nothing changes
    qom-set port / name / server / keycodes / ...  held keys and buttons released, the
                                                   connection closed, a new one at once
    qom-set enabled false / true                   stopped (held input released) /
                                                   connect again at once, also after
                                                   reconnect-ms=0 gave up

Values are set with HMP `qom-set PATH PROP VALUE`, as a user types them (the
value is parsed as the property's type).  "At once" is checked against an
object whose back-off would wait 30 s (reconnect-ms=30000): a connection
within AT_ONCE of the qom-set is not the back-off.
"""
import re
import time

import pytest

from harness import scripted_server as S
from harness.qemu import (QMPError, QOM_ENABLED_PROPERTY, QOM_PATH, STATE_STOPPED, UP_STATES,
                          only)
from harness.util import free_tcp_port, is_listening, wait_until

pytestmark = pytest.mark.qemu

A_ID, A_BUTTON = S.KEY_A
B_ID, B_BUTTON = S.KEY_B
RET_ID, RET_BUTTON = S.KEY_RETURN
TYPE_A = S.dkdn(A_ID, 0, A_BUTTON) + S.dkup(A_ID, 0, A_BUTTON)
TYPE_RET = S.dkdn(RET_ID, 0, RET_BUTTON) + S.dkup(RET_ID, 0, RET_BUTTON)
A = [("key", "a", True), ("key", "a", False)]
RET = [("key", "ret", True), ("key", "ret", False)]
B_DOWN, B_UP = ("key", "b", True), ("key", "b", False)
LEFT_DOWN, LEFT_UP = ("btn", "left", True), ("btn", "left", False)
EXACT = only("key", "btn", "abs", "rel")
MOTION = only("abs", "rel")
MAX = 0x7FFF

# A first retry 30 s away: whatever connects within AT_ONCE was not the back-off.
SLOW_BACKOFF_MS = 30000
AT_ONCE = 1.0
# The refusal of a bad value: HMP prints "Error: ..." (QMP: an error reply).
ERROR_TEXT = re.compile(r"(?i)error|invalid|must|out of range|between|at least")


def connect(srv, q, timeout=15.0, enter=(0, 540)):
    """Accept the next connection, handshake, keepalives, enter the screen at `enter`."""
    conn = srv.accept(timeout)
    conn.handshake()
    conn.start_keepalive(3.0)
    if enter is not None:
        conn.send(S.cinn(enter[0], enter[1], 1, 0))
    conn.sync()
    q.wait_state(UP_STATES, 5, "connected to the scripted server on port %d" % srv.port)
    return conn


def reconnected_at_once(srv, q, t0, what):
    """The connection a live change makes: within AT_ONCE of t0 (no back-off),
    handshaken and entered by connect(), and typing."""
    conn = connect(srv, q, timeout=AT_ONCE + 2)
    delay = conn.accepted_at - t0
    print("%s -> connection after %.3f s" % (what, delay))
    assert delay <= AT_ONCE, "%s: the connection came %.2f s later (back-off?)" % (what, delay)
    types_a(conn, q)
    return conn


def types_a(conn, q, timeout=5.0):
    mark = q.trace.mark()
    conn.send(TYPE_A)
    q.trace.wait_for(A, timeout, since=mark)


def set_ok(q, prop, value):
    out = q.qom_set(prop, value)
    assert not out, "qom-set %s %s answered: %s" % (prop, value, out)


def qom(q, prop):
    """A property's value as text (typed properties answer ints and bools)."""
    v = q.qom_get(QOM_PATH, prop)
    return str(v).lower() if isinstance(v, bool) else str(v)


def dinfs_after_handshake(conn):
    return [m for m in conn.messages if m.code == "DINF"][1:]


def wait_dinf(conn, rect, timeout=5.0):
    """A DINF with rect = (x, y, w, h) arrived after the handshake's; return all of them."""
    def got():
        ds = dinfs_after_handshake(conn)
        return ds if ds and (ds[-1].x, ds[-1].y, ds[-1].w, ds[-1].h) == rect else None
    return wait_until(got, timeout, lambda: "a DINF with (x, y, w, h) = %s; DINFs after the handshake: %s"
                      % (rect, [(d.x, d.y, d.w, d.h) for d in dinfs_after_handshake(conn)]))


def fence(conn, q):
    """Everything the client got before is injected (a typed Return after it is)."""
    mark = q.trace.mark()
    conn.send(TYPE_RET)
    q.trace.wait_for(RET, 5, since=mark)


def scaled(v, origin, size):
    """ScreenGeometry.scale: the guest's absolute coordinate of server coordinate v."""
    return min(max((v - origin) * MAX // (size - 1), 0), MAX)


def motion_lands(conn, q, x, y, want, timeout=5.0):
    """DMMV (x, y) injects abs x, y = want."""
    mark = q.trace.mark()
    conn.send(S.dmmv(x, y))
    conn.sync()
    q.trace.wait_for(lambda evs: ("abs", "x", want[0]) in evs and ("abs", "y", want[1]) in evs,
                     timeout, since=mark, keep=MOTION,
                     what="DMMV (%d, %d) to land at abs (0x%x, 0x%x)" % (x, y, want[0], want[1]))


# ----------------------------------------------------------------- geometry --

@pytest.mark.parametrize("rect", [(0, 0, 1280, 720), (100, 50, 800, 600)],
                         ids=["size", "origin-and-size"])
def test_new_rectangle_sends_dinf_and_motion_waits_for_ciak(scripted_server, qemu_factory, rect):
    x, y, w, h = rect
    srv = scripted_server()
    q = qemu_factory(srv.port)
    conn = connect(srv, q, enter=(0, 540))
    d = conn.dinf
    assert (d.x, d.y, d.w, d.h) == (0, 0, 1920, 1080), "the handshake's DINF: %r" % d

    for prop, value in (("x-origin", x), ("y-origin", y), ("width", w), ("height", h)):
        if (prop, value) not in (("x-origin", 0), ("y-origin", 0)):
            set_ok(q, prop, value)
    ds = wait_dinf(conn, rect)
    print("DINFs after the qom-sets: %s" % [(m.x, m.y, m.w, m.h) for m in ds])
    assert not conn.closed_by_peer.is_set(), "the client hung up instead of sending DINF"
    assert len(srv.connections) == 1, "a geometry change must not reconnect"
    assert [qom(q, p) for p in ("x-origin", "y-origin", "width", "height")] == [str(v) for v in rect]

    # Before the server's CIAK: absolute and relative motion inject nothing.
    fence(conn, q)
    mark = q.trace.mark()
    conn.send(S.dmmv(x + w - 1, y + h - 1), S.dmmv(x + w // 2, y + h // 2), S.dmrm(5, 5), TYPE_A)
    q.trace.wait_for(A, 5, since=mark)
    conn.sync()
    assert q.trace.since(mark, EXACT) == A, "motion before CIAK was injected"

    # After CIAK: the new rectangle, corner to corner.
    conn.send(S.ciak())
    motion_lands(conn, q, x + w - 1, y + h - 1, (MAX, MAX))
    motion_lands(conn, q, x, y, (0, 0))
    mx, my = x + w // 3, y + h // 3
    motion_lands(conn, q, mx, my, (scaled(mx, x, w), scaled(my, y, h)))
    types_a(conn, q)
    assert len(srv.connections) == 1


def test_zero_width_is_refused_and_changes_nothing(scripted_server, qemu_factory):
    srv = scripted_server()
    q = qemu_factory(srv.port)
    conn = connect(srv, q)
    dinfs = conn.count("DINF")

    out = q.qom_set("width", 0)
    print("HMP qom-set width 0: %r" % out)
    assert ERROR_TEXT.search(out), "qom-set width 0 was accepted (HMP output %r)" % out
    with pytest.raises(QMPError) as refused:
        q.qmp.execute("qom-set", path=QOM_PATH, property="width", value=0)
    print("QMP qom-set width 0: %s" % refused.value)
    out = q.qom_set("height", 0)
    assert ERROR_TEXT.search(out), "qom-set height 0 was accepted (HMP output %r)" % out

    assert (qom(q, "width"), qom(q, "height")) == ("1920", "1080")
    conn.sync()
    assert conn.count("DINF") == dinfs, "a refused value sent a DINF: %s" % dinfs_after_handshake(conn)
    assert not conn.closed_by_peer.is_set() and len(srv.connections) == 1, "a refused value reconnected"
    # the old rectangle is still in force, with no CIAK needed
    motion_lands(conn, q, 1919, 1079, (MAX, MAX))
    motion_lands(conn, q, 960, 540, (scaled(960, 0, 1920), scaled(540, 0, 1080)))
    types_a(conn, q)


# ------------------------------------------------------------ the server --

def hold_key_and_button(conn, q):
    mark = q.trace.mark()
    conn.send(S.dkdn(B_ID, 0, B_BUTTON), S.dmdn(1))
    q.trace.wait_for(lambda evs: B_DOWN in evs and LEFT_DOWN in evs, 5, since=mark,
                     what="key b and the left button pressed")


def released(q, mark, timeout=5.0):
    return q.trace.wait_for(lambda evs: B_UP in evs and LEFT_UP in evs, timeout, since=mark,
                            what="key b and the left button released")


def test_new_port_moves_the_session_to_another_server(scripted_server, qemu_factory):
    first, second = scripted_server(), scripted_server()
    q = qemu_factory(first.port, object_extra={"reconnect-ms": SLOW_BACKOFF_MS})
    conn1 = connect(first, q)
    hold_key_and_button(conn1, q)

    mark = q.trace.mark()
    t0 = time.monotonic()
    set_ok(q, "port", second.port)
    released(q, mark)
    conn1.wait_closed(5)
    reconnected_at_once(second, q, t0, "qom-set port (the second server)")
    assert qom(q, "port") == str(second.port)
    assert len(first.connections) == 1, "the client went back to the old port"
    # nothing of the first session is left: b and the button went up exactly once
    evs = q.trace.since(mark, only("key", "btn"))
    assert evs.count(B_UP) == 1 and evs.count(LEFT_UP) == 1 and B_DOWN not in evs, evs


def test_port_accepts_a_service_name(scripted_server, qemu_factory):
    srv = scripted_server()
    q = qemu_factory(srv.port, object_extra={"reconnect-ms": SLOW_BACKOFF_MS})
    connect(srv, q)
    mark = q.trace.mark()
    set_ok(q, "port", "http")
    line = q.trace.wait_for(
        lambda evs: any(e[1] == "input_barrier_connect" and re.search(r"port (http|80)\b", e[2]) for e in evs),
        5, since=mark, keep=only("barrier"), what="a connect to port http (80)")
    print([e for e in line if e[1] == "input_barrier_connect"])
    assert qom(q, "port") in ("http", "80")
    # and back to the number: at once, although port 80 failed (no back-off)
    t0 = time.monotonic()
    set_ok(q, "port", srv.port)
    reconnected_at_once(srv, q, t0, "qom-set port back to a number")


# Properties whose change makes a new connection; (value, the hello name the
# server must expect afterwards).
RECONNECTING = {
    "name": ("VM-2", "VM-2"),
    "server": ("localhost", "VM-1"),
    "keycodes": ("x11", "VM-1"),
    "reconnect-ms": ("20000", "VM-1"),
    "clipboard": ("off", "VM-1"),
    "clipboard-max-size": ("65536", "VM-1"),
}


@pytest.mark.parametrize("prop", list(RECONNECTING))
def test_connection_setting_releases_held_input_and_reconnects_at_once(scripted_server, qemu_factory, prop):
    value, name = RECONNECTING[prop]
    srv = scripted_server()
    q = qemu_factory(srv.port, object_extra={"reconnect-ms": SLOW_BACKOFF_MS})
    conn = connect(srv, q)
    hold_key_and_button(conn, q)

    srv.client_name = name
    mark = q.trace.mark()
    t0 = time.monotonic()
    set_ok(q, prop, value)
    released(q, mark)
    conn.wait_closed(5)
    again = reconnected_at_once(srv, q, t0, "qom-set %s %s" % (prop, value))
    assert again.hello_back.name == name
    assert qom(q, prop) in (value, value.lower(), "false" if value == "off" else value)
    assert len(srv.connections) == 2


# ------------------------------------------------------------- stop, start --

def test_enabled_false_stops_and_true_connects_at_once(scripted_server, qemu_factory):
    srv = scripted_server()
    q = qemu_factory(srv.port, object_extra={"reconnect-ms": SLOW_BACKOFF_MS})
    conn = connect(srv, q)
    assert qom(q, QOM_ENABLED_PROPERTY) == "true"
    hold_key_and_button(conn, q)

    mark = q.trace.mark()
    set_ok(q, QOM_ENABLED_PROPERTY, "false")
    q.wait_state(STATE_STOPPED, 5, "enabled false")
    released(q, mark)
    conn.wait_closed(5)
    assert qom(q, QOM_ENABLED_PROPERTY) == "false"
    assert q.tcp_connections(srv.port) == 0, "still connected after enabled false"
    assert q.state() == STATE_STOPPED and len(srv.connections) == 1

    t0 = time.monotonic()
    set_ok(q, QOM_ENABLED_PROPERTY, "true")
    reconnected_at_once(srv, q, t0, "enabled true")
    assert qom(q, QOM_ENABLED_PROPERTY) == "true"


def test_enabled_true_restarts_an_object_that_gave_up(scripted_server, qemu_factory):
    """reconnect-ms=0: the server goes away, the object gives up (stopped) and
    stays so when the server is back; `qom-set ... enabled true` brings it back."""
    port = free_tcp_port()
    srv = scripted_server(port=port)
    q = qemu_factory(port, object_extra={"reconnect-ms": 0})
    conn = connect(srv, q)
    srv.close()                                   # listener and connection gone
    conn.wait_closed(5)
    q.wait_state(STATE_STOPPED, 10, "reconnect-ms=0 gives up when the server is gone")

    # the listener is gone once its accept thread has left accept()
    wait_until(lambda: not is_listening(port), 5, "the first server's port %d to close" % port)
    back = scripted_server(port=port)             # the server is back on its port
    assert q.state() == STATE_STOPPED and not back.connections, "an object that gave up came back by itself"
    print("enabled while given up: %s" % qom(q, QOM_ENABLED_PROPERTY))
    t0 = time.monotonic()
    set_ok(q, QOM_ENABLED_PROPERTY, "true")
    reconnected_at_once(back, q, t0, "enabled true after giving up")
