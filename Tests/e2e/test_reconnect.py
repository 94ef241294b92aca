# SPDX-License-Identifier: GPL-2.0-or-later
"""The client survives a real Barrier server that crashes or freezes: it notices,
reconnects by itself, and typing works again, without anyone touching QEMU."""
import time

import pytest

from harness.qemu import DEAD_SERVER_TIMEOUT, DOWN_STATES, RECONNECT_TIMEOUT, UP_STATES
from harness.util import hold_for

pytestmark = [pytest.mark.qemu, pytest.mark.real_server]

A = [("key", "a", True), ("key", "a", False)]


def typing_works(session):
    session.ensure_on_vm()
    assert session.capture(lambda d: d.type("a")) == A


def test_client_reconnects_after_the_server_is_killed_and_restarted(real_session):
    s = real_session
    typing_works(s)

    s.server.kill()                    # SIGKILL: the port closes, the connection drops
    s.driver.on_client = False         # a new server starts with the pointer at home
    s.qemu.wait_state(DOWN_STATES, 5, "client notices the server is gone")

    s.server.restart()                 # same port, nobody tells QEMU
    s.server.wait_client_connected(RECONNECT_TIMEOUT, since=0)
    s.qemu.wait_state(UP_STATES, 5, "client connected again")
    typing_works(s)
    assert s.qemu.alive()


def test_frozen_server_is_declared_dead_within_10s_then_client_reconnects(real_session):
    s = real_session
    typing_works(s)
    s.driver.leave()                   # pointer home, so the thawed server starts clean
    mark = s.server.log_mark()

    frozen_at = time.monotonic()
    s.server.freeze()                  # SIGSTOP: socket open, but no CALV any more
    s.qemu.wait_state(DOWN_STATES, DEAD_SERVER_TIMEOUT, "client declares the frozen server dead")
    hold_for(max(0.0, 15 - (time.monotonic() - frozen_at)), "server frozen for 15 s", check=s.qemu.alive)

    s.server.thaw()
    s.server.wait_client_connected(RECONNECT_TIMEOUT, since=mark)
    s.qemu.wait_state(UP_STATES, 10, "client connected again after SIGCONT")
    typing_works(s)
