# SPDX-License-Identifier: GPL-2.0-or-later
"""The harness itself, without QEMU: trace parsing, the scripted server against
a tiny Python client, and the real barriers + xdotool driver against it."""
import struct

import pytest

from harness import scripted_server as S
from harness.mini_client import MiniClient
from harness.qemu import parse_trace_line
from harness.util import WaitTimeout, wait_until


@pytest.mark.parametrize("line,event", [
    # QEMU 7.2 stock log backend (pid@time: prefix) and the plain form
    ("24274@1795606302.553614:input_event_key_qcode con -1, key qcode a, down 1", ("key", "a", True)),
    ("input_event_key_qcode con -1, key qcode shift_r, down 0", ("key", "shift_r", False)),
    ("input_event_key_number con -1, key number 0x1c [ret], down 1", ("key", "ret", True)),
    ("1@2.3:input_event_btn con -1, button wheel-up, down 1", ("btn", "wheel-up", True)),
    ("input_event_abs con -1, axis x, value 0x7fff", ("abs", "x", 0x7FFF)),
    ("input_event_rel con -1, axis y, value -5", ("rel", "y", -5)),
    ("9@1.0:input_event_sync ", ("sync",)),
    ("input_barrier_state connecting -> connected", ("barrier", "input_barrier_state", "connecting -> connected")),
    ("qemu-system-x86_64: some warning", None),
])
def test_trace_lines_parse(line, event):
    assert parse_trace_line(line) == event


def test_wait_until_names_what_it_waited_for():
    with pytest.raises(WaitTimeout, match="waiting for the moon"):
        wait_until(lambda: False, 0.05, "the moon")
    assert wait_until(lambda: 42, 1, "x") == 42


def test_message_builders_match_the_wire_format():
    assert S.hello() == bytes.fromhex("0000000b4261727269657200010006")
    assert S.dkdn(0x61, 0, 38) == bytes.fromhex("0000000a444b444e006100000026")
    assert S.cinn(0, 540, 1, 0) == bytes.fromhex("0000000e43494e4e0000021c000000010000")
    assert S.dsop() == bytes.fromhex("0000000844534f5000000000")
    assert S.dmwm(0, -120) == S.frame(b"DMWM" + struct.pack(">hh", 0, -120))


def test_scripted_server_handshake_keepalive_and_split_frames(scripted_server):
    srv = scripted_server(on_connect=S.standard_session(keepalive=0.2))
    c = MiniClient(srv.port)
    try:
        c.handshake()
        conn = srv.connections[0]
        assert conn.hello_back.name == "VM-1"
        assert (conn.dinf.w, conn.dinf.h) == (1920, 1080)
        c.read_until("CALV")
        c.read_until("CALV")              # the mini client echoes each one
        wait_until(lambda: conn.count("CALV") >= 2, 5, "two CALV echoes from the mini client")
        conn.send_raw(S.dkdn(0x61, 0, 38), split=1)
        assert c.read_until("DKDN") == struct.pack(">HHH", 0x61, 0, 38)
    finally:
        c.close()


@pytest.mark.real_server
def test_real_barriers_sends_what_the_driver_does(barrier_server):
    from harness.driver import Driver
    c = MiniClient(barrier_server.port)
    try:
        c.handshake()
        barrier_server.wait_client_connected(10)
        d = Driver(barrier_server)
        d.enter()
        c.read_until("CINN")
        d.type("a")
        assert c.read_until("DKDN") == struct.pack(">HHH", 0x61, 0, 38)
        d.click(1)
        assert c.read_until("DMDN") == b"\x01"
        d.scroll("up")
        assert c.read_until("DMWM") == struct.pack(">hh", 0, 120)
        d.leave()
        c.read_until("COUT")
        d.close()
    finally:
        c.close()


@pytest.mark.real_server
def test_real_barriers_with_tls_on_starts_and_listens(run_dir):
    from harness.barrier_server import BarrierServer
    from harness.util import is_listening
    srv = BarrierServer(run_dir, tls=True)
    try:
        srv.start()
        assert is_listening(srv.port)
        assert "--enable-crypto" in srv.barriers.argv
        assert len(srv.fingerprint_sha256) == 64
    finally:
        srv.close()
