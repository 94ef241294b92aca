# SPDX-License-Identifier: GPL-2.0-or-later
"""Soak (issue 8): long runs that prove nothing accumulates and nothing sticks.
Deselected unless BARRIERCLIENT_SOAK=1 (`make soak`); they take minutes.

- 1000 object_del/object_add cycles over QMP, alternating a server that is up
  and one that is down: QEMU alive, fds and RSS flat.
- 100 restarts of a real Barrier server while a key is held: each time the
  VM gets the key's release when the server dies, and the client is back
  within 2 s of the server's return.
"""
import time

import pytest

from harness.qemu import ALL_STATES, DOWN_STATES, STATE_STOPPED, UP_STATES
from harness.scripted_server import standard_session
from harness.util import free_tcp_port

pytestmark = [pytest.mark.qemu, pytest.mark.soak]

CYCLES = 1000
RESTARTS = 100
RECONNECT_WITHIN_S = 2.0


def test_1000_object_del_add_cycles_alternating_server_up_and_down(scripted_server, qemu_factory):
    srv = scripted_server(on_connect=standard_session())
    dead_port = free_tcp_port()
    q = qemu_factory(srv.port)
    q.qmp.execute("stop")             # the guest's own RSS growth is not ours
    q.wait_state(UP_STATES, 10, "first connection")

    def cycle(i):
        up = i % 2 == 0
        q.hmp("object_del barrier0")
        q.hmp("object_add " + q.object_props(port=srv.port if up else dead_port))
        q.wait_state(UP_STATES if up else DOWN_STATES + (STATE_STOPPED,), 10,
                     "state after object_add (server %s)" % ("up" if up else "down"))

    for i in range(20):
        cycle(i)
    fds0, rss0 = q.fd_count(), q.rss_kb()
    started = time.monotonic()
    for i in range(CYCLES):
        cycle(i)
    fds1, rss1 = q.fd_count(), q.rss_kb()
    print("\n%d cycles in %.0f s: fds %d -> %d, RSS %d -> %d KiB"
          % (CYCLES, time.monotonic() - started, fds0, fds1, rss0, rss1))
    assert q.alive()
    assert q.state() in ALL_STATES
    assert fds1 <= fds0 + 2
    assert rss1 <= rss0 + 4096, "RSS grew %d -> %d KiB over %d cycles" % (rss0, rss1, CYCLES)


@pytest.mark.real_server
def test_100_server_restarts_while_typing_release_every_key_and_reconnect_quickly(real_session):
    s = real_session
    held = ("key", "a", True)
    released = ("key", "a", False)
    reconnect_times = []
    for i in range(RESTARTS):
        s.ensure_on_vm()
        mark = s.trace.mark()
        s.driver.keydown("a")
        s.trace.wait_for(lambda evs: held in evs, 5, since=mark, what="the held key reaches the VM")

        s.server.kill()               # the server dies with the key down
        s.trace.wait_for(lambda evs: released in evs, 5, since=mark,
                         what="the VM gets the key's release when the server dies")
        s.driver.keyup("a")           # on the server's display; nobody listens now
        s.driver.on_client = False

        s.server.restart()            # listening again from here
        back = time.monotonic()
        s.server.wait_client_connected(10, since=0)
        s.qemu.wait_state(UP_STATES, 5, "client connected again")
        reconnect_times.append(time.monotonic() - back)

    presses = sum(1 for e in s.trace.since(0) if e == held)
    releases = sum(1 for e in s.trace.since(0) if e == released)
    reconnect_times.sort()
    print("\n%d restarts: reconnect after the server's return p50 %.2f s, max %.2f s"
          % (RESTARTS, reconnect_times[len(reconnect_times) // 2], reconnect_times[-1]))
    assert presses == releases == RESTARTS
    assert reconnect_times[-1] <= RECONNECT_WITHIN_S
    assert s.qemu.alive()
