# SPDX-License-Identifier: GPL-2.0-or-later
"""The C shim (ui/input-barrier.c) and libbarrierclient.so under valgrind's
memcheck, in the real QEMU (issue 8): one whole scenario against the scripted
server -- handshake, keys, buttons, motion, wheel in four directions, a
clipboard each way (server -> QEMU, and a VNC viewer's -> server), a hostile
frame with a key held, the reconnect, a server that closes, the reconnect,
then QMP quit, which finalizes the object -- and valgrind must report 0
errors, definite leaks included.

QEMU runs `-machine none` (no guest CPU to emulate under valgrind, no input
devices: the trace still shows every injected event, pointer motion is
relative) with a VNC display on a unix socket for the clipboard peer.

Suppressions: none of our own (only valgrind's default ones for glibc and
the loader apply), and none may be added for libbarrierclient or
ui/input-barrier.c.  Leaks count as errors when definite (or indirect);
"possibly lost" is left out: glibc's thread-local blocks of QEMU's threads
still running at exit (672 bytes, the RCU thread and a finished connect
thread's cached stack) are reported so.
"""
import os
import re
import shutil

import pytest

from harness import scripted_server as S
from harness.qemu import DOWN_STATES, UP_STATES, Qemu, only
from harness.rfb import RfbClient
from harness.util import wait_until

pytestmark = pytest.mark.qemu

VALGRIND_ERROR_EXIT = 99

# Under memcheck QEMU runs 20-50 times slower: it takes 10-30 s to start on a
# loaded 2-core machine; every wait of the scenario is sized for that.
START_TIMEOUT = 150.0
STEP_TIMEOUT = 60.0

A_ID, A_BUTTON = S.KEY_A
B_ID, B_BUTTON = S.KEY_B
RET_ID, RET_BUTTON = S.KEY_RETURN
TYPE_A = S.dkdn(A_ID, 0, A_BUTTON) + S.dkup(A_ID, 0, A_BUTTON)
A = [("key", "a", True), ("key", "a", False)]


def valgrind_argv(log_path):
    return ["valgrind", "--tool=memcheck", "--error-exitcode=%d" % VALGRIND_ERROR_EXIT,
            "--track-origins=no", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect", "--gen-suppressions=all", "-v",
            "--log-file=%s" % log_path]


def machine_args(run_dir):
    return ["-machine", "none", "-accel", "tcg", "-display", "none", "-nodefaults",
            "-vnc", "unix:%s" % os.path.join(run_dir, "vnc.sock")]


def connect(srv, q):
    conn = srv.accept(START_TIMEOUT)
    conn.handshake(timeout=STEP_TIMEOUT)
    conn.start_keepalive(3.0)
    conn.send(S.cinn(0, 540, 5, 0))
    conn.sync(STEP_TIMEOUT)
    return conn


def send_and_sync(conn, *frames):
    conn.send(*frames)
    conn.sync(STEP_TIMEOUT)


def used_suppressions(log):
    """{name: count} of the suppressions valgrind used (-v prints them at exit)."""
    return {m.group(2): int(m.group(1))
            for m in re.finditer(r"used_suppression:\s+(\d+)\s+(\S+)", log)}


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind not installed")
def test_shim_and_library_under_valgrind(scripted_server, run_dir):
    srv = scripted_server()
    log_path = os.path.join(run_dir, "valgrind.log")
    q = Qemu(run_dir, srv.port, absolute_pointer=False, object_extra={"reconnect-ms": 100},
             wrapper=valgrind_argv(log_path), machine_args=machine_args(run_dir))
    try:
        q.start(timeout=START_TIMEOUT)
        mark = q.trace.mark()

        # handshake, keys, buttons, motion, wheel in four directions
        conn = connect(srv, q)
        send_and_sync(conn, TYPE_A, S.dkdn(RET_ID, 0, RET_BUTTON), S.dkup(RET_ID, 0, RET_BUTTON),
                      S.dmdn(1), S.dmup(1), S.dmdn(3), S.dmup(3),
                      S.dmmv(100, 600), S.dmmv(1919, 1079), S.dmrm(-5, 7),
                      S.dmwm(0, 120), S.dmwm(0, -120), S.dmwm(120, 0), S.dmwm(-120, 0))
        keys_and_buttons = A + [("key", "ret", True), ("key", "ret", False),
                                ("btn", "left", True), ("btn", "left", False),
                                ("btn", "right", True), ("btn", "right", False)] + [
            e for b in ("wheel-up", "wheel-down", "wheel-right", "wheel-left")
            for e in (("btn", b, True), ("btn", b, False))]
        q.trace.wait_for(keys_and_buttons, STEP_TIMEOUT, since=mark)
        assert q.trace.since(mark, only("rel")), "no relative motion injected"

        # server clipboard -> QEMU's clipboard, read back by a VNC viewer
        vnc_path = os.path.join(run_dir, "vnc.sock")
        wait_until(lambda: os.path.exists(vnc_path), STEP_TIMEOUT, "QEMU's VNC socket")
        vnc = RfbClient(vnc_path, timeout=STEP_TIMEOUT)
        try:
            vnc.wait_caps(STEP_TIMEOUT)
            text = ("clipboard under valgrind ✓ " * 400).encode()
            data = S.marshal(text)
            send_and_sync(conn, S.dclp(0, 5, 1, str(len(data)).encode()),
                          S.dclp(0, 5, 2, data[:4000]), S.dclp(0, 5, 2, data[4000:]), S.dclp(0, 5, 3, b""))
            assert vnc.wait_text(text, STEP_TIMEOUT) == text
            # the viewer's clipboard -> the server (CCLP now, the data when the pointer leaves)
            back = b"from the VNC viewer"
            vnc.set_text(back)
            wait_until(lambda: conn.count("CCLP") >= 1, STEP_TIMEOUT, "CCLP from the client")
            send_and_sync(conn, S.cout())
            wait_until(lambda: any(m.code == "DCLP" and m.payload.endswith(back) for m in conn.messages),
                       STEP_TIMEOUT, "the viewer's text in the client's DCLP stream")
        finally:
            vnc.close()

        # hostile frames the client skips: unknown codes, a 4 MiB one, a
        # clipboard whose chunk is larger than announced
        send_and_sync(conn, S.cinn(0, 540, 6, 0), S.msg("ZZZZ", "I", 7),
                      S.frame(b"QQQQ" + b"\xa5" * (4 * 1024 * 1024 - 4)),
                      S.dclp(0, 6, 1, b"10"), S.dclp(0, 6, 2, b"z" * 100), S.dclp(0, 6, 3, b""))
        # a hostile frame with a key held: dropped, the key released
        send_and_sync(conn, S.dkdn(B_ID, 0, B_BUTTON))
        conn.send_until_dropped(S.raw_length(0xFFFFFFFF, b"DKDN" + b"\x00" * 40))
        conn.wait_closed(STEP_TIMEOUT)
        q.trace.wait_for([("key", "b", True), ("key", "b", False)], STEP_TIMEOUT, since=mark)

        # reconnect; the server closes; reconnect again
        again = connect(srv, q)
        m1 = q.trace.mark()
        send_and_sync(again, TYPE_A)
        q.trace.wait_for(A, STEP_TIMEOUT, since=m1)
        again.close()
        q.wait_state(DOWN_STATES, STEP_TIMEOUT, "client after the server closed")
        last = connect(srv, q)
        q.wait_state(UP_STATES, STEP_TIMEOUT, "client back")
        m2 = q.trace.mark()
        send_and_sync(last, TYPE_A)
        q.trace.wait_for(A, STEP_TIMEOUT, since=m2)

        expected = keys_and_buttons + [("key", "b", True), ("key", "b", False)] + A + A
        assert q.trace.since(mark, only("key", "btn")) == expected

        # quit: QEMU finalizes the object (session freed, socket closed) and exits
        q.qmp.execute("quit")
        wait_until(lambda: not q.alive(), START_TIMEOUT, "QEMU to exit after quit")
        rc = q.proc.returncode
    finally:
        q.stop()

    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    summary = re.findall(r"ERROR SUMMARY: (\d+) errors from (\d+) contexts \(suppressed: (\d+) from (\d+)\)", log)
    assert summary, "no ERROR SUMMARY in %s" % log_path
    errors, _, suppressed, _ = (int(x) for x in summary[-1])
    leaks = re.findall(r"(definitely|indirectly|possibly) lost: ([\d,]+) bytes", log)
    print("valgrind: %d errors (%d suppressed by valgrind's defaults: %s); %s"
          % (errors, suppressed, used_suppressions(log) or "none",
             ", ".join("%s lost %s bytes" % kv for kv in leaks)))
    assert errors == 0 and rc != VALGRIND_ERROR_EXIT, \
        "valgrind found %d errors (exit %s); see %s:\n%s" % (errors, rc, log_path, log[-6000:])
    assert rc == 0, "QEMU exited with %s after quit; see %s" % (rc, log_path)
    assert "shutdown" in "".join(e[2] for e in q.trace.since(0, only("barrier"))
                                 if e[1] == "input_barrier_disconnect"), \
        "the object was not finalized at quit (no shutdown disconnect traced)"
