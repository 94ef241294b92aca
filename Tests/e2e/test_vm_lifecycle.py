# SPDX-License-Identifier: GPL-2.0-or-later
"""Input across the VM's life cycle (issue 19): stop/cont, savevm/loadvm, live migration.

QEMU drops every input event while the VM is not running (ui/input.c), before
its trace, so a stopped VM shows nothing in the trace whatever the object
does; what matters is what the guest gets when it runs again:

  * a key pressed before `stop` and released while stopped: released after `cont`;
  * a key pressed and released while stopped: never appears;
  * a key held across the stop: not pressed again (released once, later);
  * a key pressed while stopped and still held: pressed after `cont`;
  * the connection stays up while the VM is stopped (keepalives answered).

Live migration on loopback between two patched QEMUs with the same screen
name, against the real Barrier 2.4 server (which refuses a second screen of
the same name with EBSY): the destination (-incoming) does not connect before
its VM runs, the source lets go of the name when the migration completes, no
EBSY is reported by either, and a key typed after the migration reaches the
destination within MIGRATION_GAP_LIMIT of the completion (the gap is printed);
with the source killed right after completion and left in postmigrate.  A
cancelled or failed migration keeps input on the source.

Issue 27, against the scripted server:

  * `qom-set name ""` on the live object (QMP, and HMP `qom-set -j`) is
    refused with an error that names the property; QEMU lives and the old
    name stays connected (the same connection types);
  * a paused VM that migrates (`stop`, `migrate` to a -incoming QEMU) closes
    its connection within PAUSED_RELEASE_LIMIT of the migration's end, so its
    screen name is free before the destination dials; the destination stays
    away until `cont`, then connects and types;
  * save/restore as `virsh save`/`restore` do it: a running and a paused VM
    migrated to a file (`exec:cat > FILE` and `file:FILE`), the source left
    alive in postmigrate; a new QEMU `-S -incoming` from that file, `cont`:
    it connects (after the saved VM let go of the name: no EBSY from a real
    server) and types;
  * `system_reset` with a key held and Caps Lock on (a PS/2-only machine whose
    SeaBIOS sits in its boot menu, so it reports the Caps Lock LED,
    `-trace ps2_set_ledstate`): no key is pressed again after the reset, the
    held key's release comes once and nothing is left to release on leave;
    the reset turned the guest's LEDs off, so the next entry with the
    server's Caps Lock on taps Caps Lock once (and the guest's LED is on
    again), while an entry whose lock state already matches taps nothing.
"""
import os
import re
import time

import pytest

from harness import scripted_server as S
from harness.driver import Driver
from harness.qemu import (ERROR_LINE_PATTERNS, MACHINE_ARGS, QOM_PATH, STATE_ACTIVE, UP_STATES, QMPError,
                          only)
from harness.session import RealSession
from harness.scripted_server import connect
from harness.util import free_tcp_port, hold_for, is_listening, wait_until

pytestmark = pytest.mark.qemu

A_ID, A_BUTTON = S.KEY_A
B_ID, B_BUTTON = S.KEY_B
RET_ID, RET_BUTTON = S.KEY_RETURN
C_ID, C_BUTTON = (0x63, 54)
D_ID, D_BUTTON = (0x64, 40)
TYPE_A = S.dkdn(A_ID, 0, A_BUTTON) + S.dkup(A_ID, 0, A_BUTTON)
TYPE_RET = S.dkdn(RET_ID, 0, RET_BUTTON) + S.dkup(RET_ID, 0, RET_BUTTON)
TYPE_D = S.dkdn(D_ID, 0, D_BUTTON) + S.dkup(D_ID, 0, D_BUTTON)
A = [("key", "a", True), ("key", "a", False)]
RET = [("key", "ret", True), ("key", "ret", False)]
KEYS = only("key")


def key(name, down):
    return ("key", name, down)


def types_a(conn, q, timeout=5.0):
    mark = q.trace.mark()
    conn.send(TYPE_A)
    q.trace.wait_for(A, timeout, since=mark)


def hmp_ok(q, command):
    out = (q.hmp(command) or "").strip()
    assert not re.search(r"(?i)\berror\b", out), "HMP %r: %s" % (command, out)
    return out


def stop_vm(q):
    hmp_ok(q, "stop")
    assert q.runstate() == "paused"


def cont_vm(q):
    hmp_ok(q, "cont")
    assert q.runstate() == "running"


@pytest.fixture
def scripted(scripted_server, qemu_factory):
    srv = scripted_server()
    q = qemu_factory(srv.port)
    return srv, q


# ------------------------------------------------------------- stop / cont --

def test_stop_cont_the_guest_gets_what_changed_while_stopped(scripted):
    srv, q = scripted
    conn = connect(srv, q)
    start = q.trace.mark()
    conn.send(S.dkdn(A_ID, 0, A_BUTTON), S.dkdn(B_ID, 0, B_BUTTON))
    q.trace.wait_for(lambda evs: key("a", True) in evs and key("b", True) in evs, 5, since=start,
                     what="a and b pressed")

    stop_vm(q)
    stopped = q.trace.mark()
    # while stopped: a goes up, Return is pressed and released, c goes down and stays
    conn.send(S.dkup(A_ID, 0, A_BUTTON), TYPE_RET, S.dkdn(C_ID, 0, C_BUTTON))
    conn.sync()                                   # the client has read all of it
    assert q.state() in UP_STATES, "state %s while the VM is stopped" % q.state()
    assert not q.trace.since(stopped, KEYS), "keys reached the trace of a stopped VM"

    resumed = q.trace.mark()
    cont_vm(q)
    got = q.trace.wait_for(lambda evs: key("a", False) in evs and key("c", True) in evs, 5, since=resumed,
                           keep=KEYS, what="after cont: a released and c pressed")
    assert sorted(got) == sorted([key("a", False), key("c", True)]), \
        "after cont the guest must get exactly a's release and c's press: %s" % got

    # b was held across the stop: not pressed again, released once now; c too
    tail = q.trace.mark()
    conn.send(S.dkup(B_ID, 0, B_BUTTON), S.dkup(C_ID, 0, C_BUTTON))
    types_a(conn, q)
    assert q.trace.since(tail, KEYS) == [key("b", False), key("c", False)] + A
    evs = q.trace.since(start, KEYS)
    print("keys of the whole scenario: %s" % evs)
    assert ("key", "ret", True) not in evs, "a key pressed and released while stopped reached the guest"
    assert evs.count(key("b", True)) == 1, "b, held across the stop, was pressed again"
    assert len(srv.connections) == 1


def test_connection_stays_up_across_a_10s_stop(scripted):
    """HART 1000: the client drops a server whose keepalives stop for 3 s, and
    the server drops a client that does not echo them; 10 s of stopped VM must
    change neither."""
    srv, q = scripted
    conn = connect(srv, q, options=[(b"HART", 1000)], keepalive=1.0)
    stop_vm(q)
    sent0, echoed0 = conn.calv_sent, conn.count("CALV")

    def up():
        return not conn.closed_by_peer.is_set() and q.alive()
    hold_for(10, "VM stopped for 10 s", check=up)
    conn.wait_keepalives_echoed(3)
    sent, echoed = conn.calv_sent - sent0, conn.count("CALV") - echoed0
    print("while stopped: %d keepalives sent, %d echoed; state %s" % (sent, echoed, q.state()))
    assert sent >= 8 and echoed >= sent, "keepalives while stopped: %d sent, %d echoed" % (sent, echoed)
    assert q.state() in UP_STATES
    assert q.runstate() == "paused"
    cont_vm(q)
    types_a(conn, q)
    assert len(srv.connections) == 1, "the client reconnected"


# ------------------------------------------------------- savevm / loadvm --

def add_snapshot_disk(q, run_dir):
    """A qcow2 node (blockdev-create on a new file, no device) that savevm can
    write the VM state to: the test machine has no block device.  Returns None
    or the reason savevm cannot work on this build."""
    img = os.path.join(run_dir, "vmstate.qcow2")

    def create(job, options):
        try:
            q.qmp.execute("blockdev-create", **{"job-id": job, "options": options})
        except QMPError as e:
            return str(e)

        def concluded():
            for j in q.qmp.execute("query-jobs"):
                if j["id"] == job and j["status"] == "concluded":
                    q.qmp.execute("job-dismiss", id=job)
                    return j
            return None
        j = wait_until(concluded, 10, "blockdev-create job %s" % job)
        return j.get("error")

    try:
        err = create("vmstate-file", {"driver": "file", "filename": img, "size": 0})
        if not err:
            q.qmp.execute("blockdev-add", driver="file", **{"node-name": "vmstate-file", "filename": img})
            err = create("vmstate-qcow2", {"driver": "qcow2", "file": "vmstate-file", "size": 1 << 20})
        if not err:
            q.qmp.execute("blockdev-add", driver="qcow2", **{"node-name": "vmstate", "file": "vmstate-file"})
    except QMPError as e:
        err = str(e)
    return ("this QEMU cannot make a qcow2 node for savevm: %s" % err) if err else None


def test_savevm_loadvm_the_guest_gets_what_changed(scripted, run_dir):
    srv, q = scripted
    reason = add_snapshot_disk(q, run_dir)
    if reason:
        pytest.skip(reason)
    conn = connect(srv, q)
    start = q.trace.mark()
    conn.send(S.dkdn(A_ID, 0, A_BUTTON), S.dkdn(B_ID, 0, B_BUTTON))
    q.trace.wait_for(lambda evs: key("a", True) in evs and key("b", True) in evs, 5, since=start,
                     what="a and b pressed")

    out = (q.hmp("savevm s1") or "").strip()
    if out:
        pytest.skip("savevm refused by this QEMU: %s" % out)
    assert q.runstate() == "running"
    hmp_ok(q, "loadvm s1")                        # running -> restore-vm -> running
    assert q.runstate() == "running"
    fence = q.trace.mark()                        # (Return: a typed `a` would release the held a)
    conn.send(TYPE_RET)
    q.trace.wait_for(RET, 5, since=fence)
    assert q.trace.since(start, KEYS) == [key("a", True), key("b", True)] + RET, \
        "savevm/loadvm of a running VM changed the held keys"

    stop_vm(q)
    conn.send(S.dkup(A_ID, 0, A_BUTTON), TYPE_D, S.dkdn(C_ID, 0, C_BUTTON))
    conn.sync()
    hmp_ok(q, "loadvm s1")                        # a stopped VM stays stopped
    print("run state after loadvm of a stopped VM: %s" % q.runstate())
    assert q.runstate() != "running"
    resumed = q.trace.mark()
    cont_vm(q)
    got = q.trace.wait_for(lambda evs: key("a", False) in evs and key("c", True) in evs, 5, since=resumed,
                           keep=KEYS, what="after cont: a released and c pressed")
    assert sorted(got) == sorted([key("a", False), key("c", True)]), got
    tail = q.trace.mark()
    conn.send(S.dkup(B_ID, 0, B_BUTTON), S.dkup(C_ID, 0, C_BUTTON))
    types_a(conn, q)
    assert q.trace.since(tail, KEYS) == [key("b", False), key("c", False)] + A
    evs = q.trace.since(start, KEYS)
    print("keys of the whole scenario: %s" % evs)
    assert key("d", True) not in evs and evs.count(key("b", True)) == 1, evs
    assert len(srv.connections) == 1


# ---------------------------------------------------------- live migration --

# Input from the destination within this long of the migration's completion (issue 19).
MIGRATION_GAP_LIMIT = 2.0
MIGRATION_TIMEOUT = 30.0
# A migration slow enough to be cancelled or failed while active: ~100 bytes
# per 100 ms tick (max-bandwidth below 10 B/s means no limit at all).
SLOW_BANDWIDTH = 1000


class Migration:
    """barriers + source QEMU (connected, the session's qemu) + destination
    QEMU started with -incoming on a loopback port; both named VM-1."""

    def __init__(self, session, src, dst, port):
        self.s, self.src, self.dst, self.port = session, src, dst, port
        self.server = session.server

    def ebsy_lines(self):
        rx = ERROR_LINE_PATTERNS["EBSY"]
        return {name: [l for l in q.trace.stderr_lines() if rx.search(l)]
                for name, q in (("source", self.src), ("destination", self.dst))}

    def server_refusals(self):
        return [l for l in self.server.log_text(0).splitlines()
                if re.search(r"already connected|is busy|EBSY", l)]

    def assert_no_ebsy(self):
        lines = self.ebsy_lines()
        assert not any(lines.values()), "EBSY reported: %s" % lines
        assert not self.server_refusals(), "barriers refused a screen: %s" % self.server_refusals()

    def dst_connect_lines(self):
        return [e for e in self.dst.trace.since(0, only("barrier")) if e[1] == "input_barrier_connect"]

    def start(self):
        self.src.hmp("migrate -d tcp:127.0.0.1:%d" % self.port)


@pytest.fixture
def migration(run_dir, qemu_factory):
    s = RealSession(run_dir)
    try:
        s.server.start()
        s.driver = Driver(s.server)
        mark = s.server.log_mark()
        src = qemu_factory(s.server.port, subdir="src", name=s.server.client_name)
        s.qemu = src
        s.server.wait_client_connected(20, since=mark)
        port = free_tcp_port()
        dst = qemu_factory(s.server.port, subdir="dst", name=s.server.client_name,
                           extra_args=["-incoming", "tcp:127.0.0.1:%d" % port])
        assert dst.runstate() == "inmigrate"
        wait_until(lambda: is_listening(port), 10, "the destination to listen on 127.0.0.1:%d" % port)
        yield Migration(s, src, dst, port)
    finally:
        s.close()


def typing_works(s):
    s.ensure_on_vm()
    got = s.capture(lambda d: d.type("a"))
    assert got == A, "typed a on the server, QEMU %s got %s" % (s.qemu.run_dir, got)


@pytest.mark.real_server
@pytest.mark.parametrize("source_after", ["killed", "postmigrate"])
def test_live_migration_moves_input_to_the_destination(migration, source_after):
    m = migration
    s, src, dst = m.s, m.src, m.dst
    typing_works(s)                               # input on the source
    assert not m.dst_connect_lines(), "the destination connected before its VM runs: %s" % m.dst_connect_lines()
    assert dst.state() not in UP_STATES
    assert s.server.client_connected_count() == 1

    # a key held on the VM across the migration: the source lets go of it
    held = src.trace.mark()
    s.driver.keydown("b")
    src.trace.wait_for([key("b", True)], 5, since=held, what="b pressed on the source")
    log_mark = s.server.log_mark()
    began = time.monotonic()
    m.start()
    result = src.wait_migration(("completed", "failed", "cancelled"), MIGRATION_TIMEOUT)
    done = time.monotonic()
    assert result["status"] == "completed", "migration ended %s: %s" % (result["status"], result)
    if source_after == "killed":
        src.kill()
    s.driver.keyup("b")                           # the server jumped home: goes to its own screen
    s.driver.on_client = False

    s.server.wait_client_connected(10, since=log_mark)
    dst.wait_state(UP_STATES, MIGRATION_GAP_LIMIT, "destination connected")
    connected = time.monotonic()
    s.qemu = dst
    # enter pushing every 0.1 s (the default 1 s is harness time, not the object's), centre
    s.driver.enter(push_interval=0.1)
    entered = time.monotonic()
    centre = dst.trace.mark()
    s.driver.move(200, 0)
    s.wait_abs(centre)
    typing_works(s)
    typed = time.monotonic()
    gap = typed - done
    print("migration (%s): %.0f ms, total-time %s ms, downtime %s ms; after completion the destination was "
          "connected at %.3f s, the pointer on it at %.3f s, and a typed key had reached it at %.3f s"
          % (source_after, (done - began) * 1000, result.get("total-time"), result.get("downtime"),
             connected - done, entered - done, gap))
    dst.wait_state(STATE_ACTIVE, 5, "destination active")
    assert dst.runstate() == "running"
    assert gap <= MIGRATION_GAP_LIMIT, "input reached the destination %.2f s after the migration" % gap
    m.assert_no_ebsy()
    assert src.trace.since(held, KEYS)[:2] == [key("b", True), key("b", False)], \
        "the source did not release b, held at the migration: %s" % src.trace.since(held, KEYS)
    if source_after == "postmigrate":
        assert src.alive() and src.runstate() == "postmigrate"
        assert src.state() not in UP_STATES, "the source is still %s" % src.state()
        assert src.tcp_connections(s.server.port) == 0, "the source still holds a connection"
        assert s.server.client_connected_count() == 2, "someone else connected: %s" % s.server.log_text(0)
        assert not [l for l in src.trace.since(0, only("barrier")) if l[1] == "input_barrier_connect"][1:], \
            "the source in postmigrate dialled again"


@pytest.mark.real_server
@pytest.mark.parametrize("end", ["cancelled", "failed"])
def test_migration_that_does_not_complete_keeps_input_on_the_source(migration, end):
    m = migration
    s, src, dst = m.s, m.src, m.dst
    typing_works(s)
    src.qmp.execute("migrate-set-parameters", **{"max-bandwidth": SLOW_BANDWIDTH})
    m.start()
    src.wait_migration("active", 10)
    typing_works(s)                               # the source VM runs: input goes on
    if end == "cancelled":
        hmp_ok(src, "migrate_cancel")
    else:
        dst.kill()                                # the destination dies mid-stream
    result = src.wait_migration(("cancelled", "failed", "completed"), MIGRATION_TIMEOUT)
    assert result["status"] == end, result
    assert src.runstate() == "running"
    src.wait_state(UP_STATES, 5, "the source connected after the %s migration" % end)
    typing_works(s)
    print("%s migration: the source stayed %s; barriers saw %d connections"
          % (end, src.state(), s.server.client_connected_count()))
    assert not m.dst_connect_lines(), "the destination connected: %s" % m.dst_connect_lines()
    m.assert_no_ebsy()



# ------------------------------------------------------------ the empty name --

# The refusal must say which property is wrong.
NAME_ERROR = re.compile(r"(?i)\bname\b")


def qmp_error(q, what, command, **args):
    """Run a QMP command that must be refused: its error text.  QEMU dying on
    it fails the test with its exit status (a closed QMP socket is not a refusal)."""
    try:
        ret = q.qmp.execute(command, **args)
    except QMPError as e:
        if "socket closed" not in str(e):
            return str(e)
    else:
        raise AssertionError("%s was accepted (returned %r)" % (what, ret))
    wait_until(lambda: not q.alive(), 5, "QEMU to exit after its QMP socket closed")
    raise AssertionError("QEMU died on %s: exit %s\n%s" % (what, q.proc.returncode, q.stderr_tail(10)))


def test_empty_name_is_refused_live_and_the_old_name_stays_connected(scripted):
    srv, q = scripted
    conn = connect(srv, q)
    err = qmp_error(q, 'QMP qom-set name ""', "qom-set", path=QOM_PATH, property="name", value="")
    print('QMP qom-set name "": %s' % err)
    assert NAME_ERROR.search(err), "the refusal does not name the property: %r" % err
    assert q.alive()
    out = (q.hmp('qom-set -j %s name ""' % QOM_PATH) or "").strip()
    assert q.alive(), "QEMU died on HMP qom-set -j name \"\": exit %s" % q.proc.returncode
    print('HMP qom-set -j name "": %r' % out)
    assert re.search(r"(?i)\berror\b", out) and NAME_ERROR.search(out), \
        "HMP qom-set -j name \"\" was not refused with an error naming the property: %r" % out

    assert q.qom_get(QOM_PATH, "name") == "VM-1"
    assert q.state() in UP_STATES
    conn.sync()
    assert not conn.closed_by_peer.is_set() and len(srv.connections) == 1, \
        "a refused name closed or changed the connection"
    types_a(conn, q)


# ------------------------------------------- a paused VM that migrates away --

# The source of a migration closes its connection within this long of the
# migration's end (issue 27), so the destination never meets EBSY.
PAUSED_RELEASE_LIMIT = 1.0


def migrated(q, uri, timeout=MIGRATION_TIMEOUT):
    """QMP migrate to uri; wait for the end.  Returns (query-migrate dict, the
    migration's end on time.monotonic(): its start + QEMU's total-time)."""
    began = time.monotonic()
    q.qmp.execute("migrate", uri=uri)
    result = q.wait_migration(("completed", "failed", "cancelled"), timeout)
    assert result["status"] == "completed", "migration to %s ended %s: %s" % (uri, result["status"], result)
    return result, began + result.get("total-time", 0) / 1000.0


def released_name_in_time(q, conn, ended, what):
    """conn (the migrated VM's) is closed by QEMU within PAUSED_RELEASE_LIMIT of ended."""
    left = ended + PAUSED_RELEASE_LIMIT - time.monotonic()
    try:
        wait_until(conn.closed_by_peer.is_set, max(left, 0.0), "%s to close its connection" % what)
    except AssertionError:
        raise AssertionError(
            "%s still holds its connection %.1f s after the migration's end (state %s, %d socket(s) to the "
            "server): the screen name stays taken, the destination would get EBSY"
            % (what, time.monotonic() - ended, q.state(), q.tcp_connections(conn.server.port))) from None
    closed = time.monotonic() - ended
    print("%s closed its connection at most %.3f s after the migration's end" % (what, closed))
    assert q.state() not in UP_STATES, "%s is still %s" % (what, q.state())
    assert q.tcp_connections(conn.server.port) == 0, "%s still holds a connection" % what


def restored_connects_and_types(srv, q, old_conns, what):
    """q has not dialled while paused; after cont it connects (the old
    connections closed by then: a real server would not say EBSY) and types."""
    hold_for(0.5, "%s paused for 0.5 s" % what, check=lambda: len(srv.connections) == old_conns)
    assert q.state() not in UP_STATES
    cont_vm(q)
    conn = connect(srv, q)
    busy = [c for c in srv.connections[:old_conns] if not c.closed_by_peer.is_set()]
    assert not busy, "%s connected while an earlier connection of its name was open (EBSY)" % what
    assert conn.hello_back.name == srv.client_name
    types_a(conn, q)
    return conn


def test_paused_vm_that_migrates_frees_its_name_and_the_destination_types_after_cont(scripted_server,
                                                                                    qemu_factory):
    srv = scripted_server()
    src = qemu_factory(srv.port, subdir="src")
    conn = connect(srv, src)
    types_a(conn, src)
    port = free_tcp_port()
    dst = qemu_factory(srv.port, subdir="dst", extra_args=["-incoming", "tcp:127.0.0.1:%d" % port])
    assert dst.runstate() == "inmigrate"
    wait_until(lambda: is_listening(port), 10, "the destination to listen on 127.0.0.1:%d" % port)

    stop_vm(src)
    conn.sync()
    assert not conn.closed_by_peer.is_set(), "stop closed the connection"
    result, ended = migrated(src, "tcp:127.0.0.1:%d" % port)
    print("paused migration: total-time %s ms, downtime %s ms" % (result.get("total-time"), result.get("downtime")))
    released_name_in_time(src, conn, ended, "the paused source")
    assert src.alive() and src.runstate() == "postmigrate"

    dst.wait_migration("completed", MIGRATION_TIMEOUT, "the incoming migration")
    assert dst.runstate() == "paused", "the destination of a paused VM is %s" % dst.runstate()
    restored_connects_and_types(srv, dst, 1, "the destination")
    assert len(srv.connections) == 2
    assert [e for e in src.trace.since(0, only("barrier")) if e[1] == "input_barrier_connect"][1:] == [], \
        "the source in postmigrate dialled again"


# -------------------------------------------------------- save and restore --

SAVE_URIS = {
    "exec": ("exec:cat > {path}", "exec:cat {path}"),
    "file": ("file:{path}", "file:{path}"),
}


@pytest.mark.parametrize("uri", list(SAVE_URIS))
@pytest.mark.parametrize("vm_state", ["running", "paused"])
def test_save_and_restore_connects_and_types_without_ebsy(scripted_server, qemu_factory, run_dir, vm_state, uri):
    """virsh save: (pause,) migrate to a file; virsh restore: -S -incoming
    from it, cont.  The saved QEMU stays alive (the worst case: virsh kills
    it only afterwards, a user's `migrate` to a file never does)."""
    srv = scripted_server()
    src = qemu_factory(srv.port, subdir="saved")
    conn = connect(srv, src)
    types_a(conn, src)
    path = os.path.join(run_dir, "vm-%s.state" % vm_state)
    out_uri, in_uri = (u.format(path=path) for u in SAVE_URIS[uri])
    if vm_state == "paused":
        stop_vm(src)
        conn.sync()
    result, ended = migrated(src, out_uri)
    print("saved a %s VM to %s: %d bytes, total-time %s ms"
          % (vm_state, uri, os.path.getsize(path), result.get("total-time")))
    released_name_in_time(src, conn, ended, "the saved %s VM" % vm_state)
    assert src.alive() and src.runstate() == "postmigrate"

    dst = qemu_factory(srv.port, subdir="restored", extra_args=["-S", "-incoming", in_uri])
    dst.wait_migration("completed", MIGRATION_TIMEOUT, "the restore from %s" % in_uri)
    print("restored: run state %s" % dst.runstate())
    assert dst.runstate() in ("paused", "prelaunch"), dst.runstate()
    restored_connects_and_types(srv, dst, 1, "the restored VM")
    assert len(srv.connections) == 2
    assert not [l for l in dst.trace.stderr_lines() if ERROR_LINE_PATTERNS["EBSY"].search(l)]


# ------------------------------------------------------------ system_reset --

CAPS_ID, CAPS_BUTTON = (0xFFE5, 66)        # Caps_Lock, X11 key code
CAPS_MASK = 0x1000                         # KeyModifierCapsLock in CINN / key masks
CAPS_LED = 4                               # QEMU_CAPS_LOCK_LED
CAPS_TAP = [key("caps_lock", True), key("caps_lock", False)]
LED_TRACE = re.compile(r"ps2_set_ledstate\s+\S+\s+ledstate\s+(\d+)")
# The guest's firmware must reach its boot menu (TCG) before it reports LEDs.
LED_TIMEOUT = 20.0
# A PS/2 keyboard only (no usb-kbd): SeaBIOS drives its LEDs from the Caps
# Lock it reads while it waits in its boot menu (60 s, longer than the test).
PS2_ONLY_MACHINE = [a for i, a in enumerate(MACHINE_ARGS)
                    if a != "usb-kbd" and not (a == "-device" and MACHINE_ARGS[i + 1] == "usb-kbd")]
BOOT_MENU_ARGS = ["-boot", "menu=on,splash-time=60000", "-trace", "ps2_set_ledstate"]
# SeaBIOS's debug console (port 0x402) says when it waits in the menu.
BOOT_MENU_LINE = "Press ESC for boot menu"


def in_boot_menu(path, times):
    """SeaBIOS has reached its boot menu `times` times (boots and resets)."""
    def seen():
        try:
            with open(path, "rb") as f:
                return f.read().decode("latin-1").count(BOOT_MENU_LINE)
        except FileNotFoundError:
            return 0
    wait_until(lambda: seen() >= times, LED_TIMEOUT,
               lambda: "SeaBIOS in its boot menu (%d times; seen %d) in %s" % (times, seen(), path))


class Leds:
    """The guest's lock LEDs as its PS/2 keyboard was told them (ps2_set_ledstate)."""

    def __init__(self, q):
        self.q = q

    def mark(self):
        return len(self.q.trace.poll().other)

    def since(self, mark):
        self.q.trace.poll()
        return [int(m.group(1)) for _, line in self.q.trace.other[mark:]
                for m in [LED_TRACE.search(line)] if m]

    def wait(self, value, mark, what):
        wait_until(lambda: value in self.since(mark), LED_TIMEOUT,
                   lambda: "%s: the guest's LEDs set to %d; seen %s" % (what, value, self.since(mark)))


def pointer_fence(conn, q, x):
    """Everything sent before has been injected: a motion to (x, 300) shows up."""
    mark = q.trace.mark()
    conn.send(S.dmmv(x, 300))
    q.trace.wait_for(lambda evs: any(e[:2] == ("abs", "x") for e in evs), 5, since=mark,
                     keep=only("abs"), what="the fence motion to x=%d" % x)


def test_system_reset_releases_nothing_twice_and_resyncs_caps_lock(scripted_server, qemu_factory, run_dir):
    srv = scripted_server()
    bios = os.path.join(run_dir, "seabios.log")
    q = qemu_factory(srv.port, machine_args=PS2_ONLY_MACHINE, extra_args=BOOT_MENU_ARGS + [
        "-chardev", "file,id=bios,path=%s" % bios, "-device", "isa-debugcon,iobase=0x402,chardev=bios"])
    leds = Leds(q)
    conn = connect(srv, q)                     # entered, the server's Caps Lock off
    in_boot_menu(bios, 1)
    # Caps Lock typed on the server: the guest turns its LED on
    led0 = leds.mark()
    start = q.trace.mark()
    conn.send(S.dkdn(CAPS_ID, 0, CAPS_BUTTON), S.dkup(CAPS_ID, CAPS_MASK, CAPS_BUTTON))
    q.trace.wait_for(CAPS_TAP, 5, since=start)
    leds.wait(CAPS_LED, led0, "Caps Lock typed")
    # in sync: leaving and entering with Caps Lock on taps nothing
    mark = q.trace.mark()
    conn.send(S.cout(), S.cinn(0, 540, 2, CAPS_MASK))
    pointer_fence(conn, q, 100)
    assert q.trace.since(mark, KEYS) == [], "an entry whose Caps Lock matches the guest's tapped a key"

    # a key held across the reset
    conn.send(S.dkdn(B_ID, CAPS_MASK, B_BUTTON))
    q.trace.wait_for([key("b", True)], 5, since=mark)
    led1 = leds.mark()
    reset = q.trace.mark()
    hmp_ok(q, "system_reset")
    leds.wait(0, led1, "system_reset")         # the guest's keyboard was reset
    in_boot_menu(bios, 2)
    assert q.alive() and q.runstate() == "running"
    assert q.state() in UP_STATES and not conn.closed_by_peer.is_set(), "the reset dropped the connection"

    # the server lets go of b: its release once, nothing pressed again
    conn.send(S.dkup(B_ID, CAPS_MASK, B_BUTTON))
    pointer_fence(conn, q, 200)
    assert q.trace.since(reset, KEYS) == [key("b", False)], \
        "after the reset, the server's release of b: %s" % q.trace.since(reset, KEYS)
    # nothing is held: leaving releases nothing
    conn.send(S.cout())
    conn.sync()
    assert q.trace.since(reset, KEYS) == [key("b", False)], \
        "leaving after the reset released %s" % q.trace.since(reset, KEYS)[1:]

    # next entry, the server's Caps Lock still on: the guest's went off at the
    # reset, so the client taps Caps Lock once, and the guest's LED is on again
    led2 = leds.mark()
    entry = q.trace.mark()
    conn.send(S.cinn(0, 540, 3, CAPS_MASK))
    pointer_fence(conn, q, 300)
    got = q.trace.since(entry, KEYS)
    print("keys since the reset: %s; LEDs since the reset: %s" % (q.trace.since(reset, KEYS), leds.since(led1)))
    assert got == CAPS_TAP, "entry with Caps Lock on after a reset: %s (expected one Caps Lock tap)" % got
    leds.wait(CAPS_LED, led2, "the entry's Caps Lock tap")
    # and in sync again: the next entry taps nothing
    again = q.trace.mark()
    conn.send(S.cout(), S.cinn(0, 540, 4, CAPS_MASK))
    pointer_fence(conn, q, 400)
    assert q.trace.since(again, KEYS) == []
    types_a(conn, q)
    assert len(srv.connections) == 1
