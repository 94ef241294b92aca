# SPDX-License-Identifier: GPL-2.0-or-later
"""Hot-unplugging and re-adding the input-barrier object (HMP object_del /
object_add) a hundred times leaks nothing: file descriptors and RSS stay flat,
the state is always a known one, and QEMU stays alive."""
import pytest

from harness.qemu import ALL_STATES, DOWN_STATES, STATE_STOPPED, UP_STATES
from harness.scripted_server import standard_session
from harness.util import free_tcp_port

pytestmark = pytest.mark.qemu

CYCLES = 100
WARMUP = 10
FD_SLACK = 2              # a socket may be mid-close when we count
RSS_SLACK_KB = 4096       # allocator noise; a leak of 40 KiB per cycle would exceed it


def hmp_ok(q, command):
    out = q.hmp(command) or ""
    assert "rror" not in out, "HMP %r failed: %s" % (command, out.strip())
    return out


@pytest.mark.parametrize("server_up", [True, False], ids=["server-up", "server-down"])
def test_object_del_add_cycles_keep_fds_and_rss_flat(scripted_server, qemu_factory, server_up, record_property):
    if server_up:
        srv = scripted_server(on_connect=standard_session())
        port = srv.port
        settled = UP_STATES
    else:
        srv = None
        port = free_tcp_port()        # nobody listens: every connect is refused
        settled = DOWN_STATES + (STATE_STOPPED,)
    q = qemu_factory(port)
    # Pause the guest: a running guest (SeaBIOS, TCG) grows RSS by itself; the
    # main loop, and with it the barrier object, keeps running.
    q.qmp.execute("stop")
    q.wait_state(settled, 10, "first connection attempt settled")

    def cycle():
        hmp_ok(q, "object_del barrier0")
        assert q.state() is None, "barrier0 still exists after object_del"
        hmp_ok(q, "object_add " + q.object_props())
        state = q.wait_state(settled, 10, "state after object_add")
        assert state in ALL_STATES

    for _ in range(WARMUP):
        cycle()
    fds0, rss0 = q.fd_count(), q.rss_kb()
    for _ in range(CYCLES):
        cycle()
    fds1, rss1 = q.fd_count(), q.rss_kb()
    record_property("fds", "%d -> %d" % (fds0, fds1))
    record_property("rss_kb", "%d -> %d" % (rss0, rss1))
    print("%s: fds %d -> %d, RSS %d -> %d KiB after %d cycles"
          % ("server up" if server_up else "server down", fds0, fds1, rss0, rss1, CYCLES))

    assert q.alive(), "QEMU died during object_del/object_add cycles:\n" + q.stderr_tail()
    assert fds1 <= fds0 + FD_SLACK, "fd leak: %d -> %d over %d cycles" % (fds0, fds1, CYCLES)
    assert rss1 <= rss0 + RSS_SLACK_KB, "RSS grew %d -> %d KiB over %d cycles" % (rss0, rss1, CYCLES)
    assert q.tcp_connections(port) <= 1, "old connections to the server are still open"
    if srv is not None:
        still_open = [c for c in srv.connections if not c.closed_by_peer.is_set()]
        assert len(still_open) <= 1, "%d connections the client never closed" % len(still_open)
