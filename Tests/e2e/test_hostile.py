"""A scripted server does what a real one never would: the client must inject
exactly what well-formed input says, drop and redial a connection that breaks
the protocol, never take QEMU down, and not flood stderr."""
import pytest

from harness import scripted_server as S
from harness.qemu import (DOWN_STATES, ERROR_LINE_PATTERNS, HELLO_TIMEOUT, RECONNECT_TIMEOUT,
                          UP_STATES, only)
from harness.util import wait_until

pytestmark = pytest.mark.qemu

A_ID, A_BUTTON = S.KEY_A
RET_ID, RET_BUTTON = S.KEY_RETURN
TYPE_A = S.dkdn(A_ID, 0, A_BUTTON) + S.dkup(A_ID, 0, A_BUTTON)
TYPE_RET = S.dkdn(RET_ID, 0, RET_BUTTON) + S.dkup(RET_ID, 0, RET_BUTTON)
A = [("key", "a", True), ("key", "a", False)]
RET = [("key", "ret", True), ("key", "ret", False)]


def connect(srv, q, timeout=15.0, enter=True):
    """Accept QEMU's next connection, complete the handshake, start keepalives, enter the screen."""
    conn = srv.accept(timeout)
    conn.handshake()
    conn.start_keepalive(3.0)
    if enter:
        conn.send(S.cinn(0, 540, 1, 0))
    conn.sync()                                   # the client has digested all of it
    return conn


def types_a(conn, q, timeout=5.0):
    mark = q.trace.mark()
    conn.send_raw(TYPE_A)
    q.trace.wait_for(A, timeout, since=mark)


@pytest.fixture
def setup(scripted_server, qemu_factory):
    srv = scripted_server()
    q = qemu_factory(srv.port)
    return srv, q


# ----------------------------------------------------------------- baseline --

def test_well_formed_session_injects_keys_buttons_wheel_and_motion(setup):
    srv, q = setup
    conn = connect(srv, q)
    mark = q.trace.mark()
    conn.send(TYPE_A, TYPE_RET, S.dmdn(1), S.dmup(1), S.dmwm(0, 120), S.dmmv(0, 0), S.dmmv(1919, 1079))
    conn.sync()
    q.trace.wait_for(lambda evs: len([e for e in evs if e[0] == "abs"]) >= 4, 5, since=mark, keep=None,
                     what="the absolute events of two motions")
    assert q.trace.since(mark, only("key", "btn")) == A + RET + [
        ("btn", "left", True), ("btn", "left", False), ("btn", "wheel-up", True), ("btn", "wheel-up", False)]
    assert [e for e in q.trace.since(mark) if e[0] == "abs"][-2:] == [("abs", "x", 0x7FFF), ("abs", "y", 0x7FFF)]


def test_synergy_hello_is_answered_in_kind(setup):
    srv, q = setup
    conn = srv.accept(15)
    hb = conn.handshake(protocol=b"Synergy")
    assert hb.protocol == b"Synergy"
    conn.send(S.cinn(0, 540, 1, 0))
    conn.sync()
    types_a(conn, q)


def test_every_keepalive_is_echoed_and_hart_is_honoured(setup):
    srv, q = setup
    conn = srv.accept(15)
    conn.handshake(options=[(b"HART", 500)])      # keepalive every 0.5 s
    conn.start_keepalive(0.5)
    wait_until(lambda: conn.calv_sent >= 6, 10, "six keepalives sent")
    conn.wait_keepalives_echoed()
    assert q.state() in UP_STATES
    conn.stop_keepalive()                         # silence: 3 periods = 1.5 s
    conn.wait_closed(5)                           # far sooner than the default 9 s
    q.wait_state(DOWN_STATES, 5, "client dropped a server that stopped its 0.5 s keepalive")


# ------------------------------------------------------------------ framing --

def test_everything_split_byte_by_byte_still_works(setup):
    srv, q = setup
    conn = srv.accept(15)
    conn.send_raw(S.hello(), split=1)
    conn.expect("HELLO")
    conn.send_raw(S.qinf(), split=1)
    conn.expect("DINF")
    conn.send_raw(S.ciak() + S.crop() + S.dsop([(b"HART", 3000)]) + S.cinn(0, 540, 1, 0), split=1)
    mark = q.trace.mark()
    conn.send_raw(TYPE_A + TYPE_RET, split=1)
    got = q.trace.wait_for(A + RET, 10, since=mark)
    assert got == A + RET
    before = conn.count("CALV")
    conn.send_raw(S.calv(), split=1)
    wait_until(lambda: conn.count("CALV") > before, 5, "the CALV echo of a split CALV")


def test_burst_of_20000_messages_is_injected_completely(setup):
    srv, q = setup
    conn = connect(srv, q)
    mark = q.trace.mark()
    conn.send_raw(TYPE_A * 10000)                 # 20 000 messages in one write
    got = q.trace.wait_for(lambda evs: len(evs) >= 20000, 60, since=mark, keep=only("key"),
                           what="20 000 key events")
    assert got == A * 10000
    assert not conn.closed_by_peer.is_set(), "the client dropped the connection after the burst"
    types_a(conn, q)
    assert q.alive()


def test_bursts_of_motion_and_wheel_do_not_stall_keepalive(setup):
    srv, q = setup
    conn = connect(srv, q)
    mark = q.trace.mark()
    conn.send_raw(b"".join(S.dmmv(i % 1920, i % 1080) for i in range(10000))
                  + S.dmwm(0, 120) * 10000)
    q.trace.wait_for(lambda evs: evs.count(("btn", "wheel-up", True)) >= 10000, 60, since=mark,
                     keep=only("btn"), what="10 000 wheel-up clicks")
    before = conn.count("CALV")
    conn.send(S.calv())
    wait_until(lambda: conn.count("CALV") > before, 5, "the CALV echo right after the burst")


@pytest.mark.parametrize("length", [0xFFFFFFFF, 4 * 1024 * 1024 + 1], ids=["4GiB-1", "4MiB+1"])
def test_absurd_length_drops_the_connection_and_the_client_redials(setup, length):
    srv, q = setup
    conn = connect(srv, q)
    conn.send_raw(S.raw_length(length, b"DKDN" + b"\x00" * 60))
    conn.wait_closed(10)
    assert q.alive(), "QEMU died on a %#x-byte length" % length
    again = connect(srv, q, RECONNECT_TIMEOUT)
    types_a(again, q)


def test_connection_closed_mid_message_injects_nothing_and_client_redials(setup):
    srv, q = setup
    conn = connect(srv, q)
    mark = q.trace.mark()
    conn.send_raw(S.dkdn(A_ID, 0, A_BUTTON)[:7])  # half a key press
    conn.close()
    again = connect(srv, q, RECONNECT_TIMEOUT)
    assert q.trace.since(mark, only("key")) == [], "half a DKDN must not reach the guest"
    types_a(again, q)


def test_connection_reset_client_redials(setup):
    srv, q = setup
    conn = connect(srv, q)
    conn.reset()
    again = connect(srv, q, RECONNECT_TIMEOUT)
    types_a(again, q)


# -------------------------------------------------------- unexpected content --

def test_unknown_message_codes_are_skipped(setup):
    srv, q = setup
    conn = connect(srv, q)
    mark = q.trace.mark()
    conn.send(S.msg("ZZZZ", "I", 7), S.frame(b"QQQQ" + b"\xff" * 100), S.frame(b"\x00\x01\x02\x03"),
              TYPE_A)
    assert q.trace.wait_for(A, 5, since=mark) == A
    assert not conn.closed_by_peer.is_set()
    assert len(srv.connections) == 1


def test_messages_a_vm_ignores_do_not_drop_the_connection(setup):
    srv, q = setup
    conn = connect(srv, q)
    mark = q.trace.mark()
    conn.send(S.cclp(0), S.csec(True), S.csec(False),
              S.dclp(0, 0, 1, b"4"), S.dclp(0, 0, 2, b"\x00\x00\x00\x00"), S.dclp(0, 0, 3, b""),
              S.frame(b"DFTR" + b"\x01" + S.string(b"10")), S.frame(b"DDRG" + b"\x00\x01" + S.string(b"/x,")),
              S.dkrp(A_ID, 0, 1, A_BUTTON) + S.dkup(A_ID, 0, A_BUTTON),  # stray repeat/up: harmless
              TYPE_RET)
    q.trace.wait_for(RET, 5, since=mark)
    assert not conn.closed_by_peer.is_set()
    assert len(srv.connections) == 1


# ---------------------------------------------------------- server refusals --

def _refuse_with(error):
    def script(conn):
        conn.send(S.hello())
        conn.expect("HELLO")
        if error == "EICV":                       # Barrier answers a bad version right away
            conn.send(S.eicv(1, 6))
        else:                                     # EUNK / EBSY come after QINF/DINF
            conn.send(S.qinf())
            conn.expect("DINF")
            conn.send(S.ciak(), S.ebsy() if error == "EBSY" else S.eunk())
        conn.wait_closed(10)                      # the client hangs up by itself
    return script


@pytest.mark.parametrize("error", ["EUNK", "EBSY", "EICV"])
def test_server_refusal_gives_one_clear_error_line_and_client_retries_later(scripted_server,
                                                                            qemu_factory, error):
    srv = scripted_server(on_connect=_refuse_with(error))
    q = qemu_factory(srv.port)
    first = srv.accept(15)
    first.wait_closed(10)
    assert not first.errors, first.errors
    second = srv.accept(RECONNECT_TIMEOUT)        # it tries again, later
    second.wait_closed(10)
    assert second.accepted_at - first.accepted_at >= 0.5, "redialled without any back-off"
    lines = [l for l in q.trace.stderr_lines() if ERROR_LINE_PATTERNS[error].search(l)]
    attempts = len(srv.connections)
    assert 1 <= len(lines) <= attempts, \
        "expected one clear %s line per attempt (%d attempts), got %d:\n%s" % (
            error, attempts, len(lines), "\n".join(lines))
    assert len(q.trace.stderr_lines()) <= 3 * attempts, "stderr flood:\n" + "\n".join(q.trace.stderr_lines())
    assert q.alive()


def test_server_that_never_says_hello_times_out_and_client_retries(setup):
    srv, q = setup
    silent = srv.accept(15)                       # accept, then say nothing at all
    q.wait_state(DOWN_STATES, 5, "client waiting for the hello")
    silent.wait_closed(HELLO_TIMEOUT)             # the client gives up on it
    again = connect(srv, q, RECONNECT_TIMEOUT)    # and dials again; this one answers
    q.wait_state(UP_STATES, 5, "client connected to a server that answers")
    types_a(again, q)
