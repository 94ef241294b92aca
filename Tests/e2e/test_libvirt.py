# SPDX-License-Identifier: GPL-2.0-or-later
"""The object under libvirt, as users run it (issue 17).

Debian's libvirtd, started by the test in its own mount namespace and
directories (harness/libvirt.py), defines the domain XML of README.md's
"### libvirt" section, read from the README itself with only its marked
placeholders replaced (domain type, emulator = the patched test build, the
scripted server's address and port, the test guest's kernel, initrd and
console file), and starts it.  Then:

  1. the object reaches `active` against the scripted server (QMP qom-get
     through `virsh qemu-monitor-command`);
  2. keys the server sends reach the guest's PS/2 keyboard, and a position
     its USB tablet, by evdev code (the guest prints them on its console);
  3. `virsh destroy` ends the QEMU process (its pid is gone within a
     deadline, the server sees the connection end), and `virsh undefine`
     leaves no domain and no saved configuration.

Issue 27, the same domain saved and restored: `virsh save` of the running
domain (QEMU exits, the server sees the connection end), `virsh restore`
(running again: it connects and keys reach the guest); then `virsh suspend`
+ `virsh save` of the paused domain, `virsh restore` (paused: it does not
dial), `virsh resume`: it connects and types.  Each restored VM connects
only after the saved one's connection ended (a real server says EBSY
otherwise) and its log has no EBSY line.
"""
import os
import time

import pytest

from harness import libvirt as lv
from harness import scripted_server as ss
from harness.guest import ACCEL_ENV, BOOT_TIMEOUT, DEVICE_SETS, PS2_KEYBOARD, USB_TABLET, Guest, \
    guest_image, in_order, presses
from harness.qemu import ERROR_LINE_PATTERNS, OBJECT_ID, QOM_PATH, QOM_STATE_PROPERTY, STATE_ACTIVE, \
    qemu_binary
from harness.util import hold_for, wait_until

pytestmark = pytest.mark.qemu

# libvirt's pc machine: PS/2 keyboard and mouse; the domain adds a USB tablet.
DEVICE_SET = DEVICE_SETS["ps2-usb-tablet"]
SCREEN = (1920, 1080)                 # the object's default width and height
CONNECT_TIMEOUT = 30.0
STATE_TIMEOUT = 10.0
EVENT_TIMEOUT = 10.0
# virsh destroy: SIGTERM, SIGKILL after 10 s; the pid must be gone by then.
EXIT_TIMEOUT = 15.0

# X11 KeyID and key code (evdev + 8) of the keys sent, and the guest's names.
KEYS = [(0x61, 38, "KEY_A"), (0x7A, 52, "KEY_Z"), (0xFF0D, 36, "KEY_ENTER"), (0xFFC9, 96, "KEY_F12")]


def write_domain_xml(run_dir, srv, image, guest):
    """README.md's domain with its placeholders filled in, written to RUN/domain.xml: (path, name)."""
    xml = lv.readme_domain_xml()
    assert "input-barrier,id=%s,name=%s," % (OBJECT_ID, srv.client_name) in xml, \
        "README.md's domain no longer has the object %s named %s:\n%s" % (OBJECT_ID, srv.client_name, xml)
    xml = lv.fill_placeholders(xml, {
        "type": "type='%s'" % ("kvm" if os.environ.get(ACCEL_ENV) == "kvm" else "qemu"),
        "emulator": os.path.realpath(qemu_binary()),
        "server": "server=127.0.0.1",
        "port": "port=%d" % srv.port,
        "kernel": os.path.join(image, "vmlinux"),
        "initrd": os.path.join(image, "initrd.gz"),
        "console": guest.serial_path,
    })
    xml_path = os.path.join(run_dir, "domain.xml")
    with open(xml_path, "w") as f:
        f.write(xml)
    return xml_path, lv.domain_name(xml)


def test_libvirt_readme_domain(run_dir, scripted_server):
    reason = lv.missing_reason()
    if reason:
        pytest.fail(reason, pytrace=False)
    image = guest_image()
    emulator = os.path.realpath(qemu_binary())
    guest = Guest(run_dir, DEVICE_SET, image)
    srv = scripted_server(client_name="VM-1")
    xml_path, name = write_domain_xml(run_dir, srv, image, guest)

    daemon = lv.Libvirtd(run_dir)
    qemu_pid = None
    started = time.monotonic()
    try:
        daemon.start()
        daemon.virsh("define", xml_path)
        assert name in daemon.domains()
        daemon.virsh("start", name)
        qemu_pid = daemon.qemu_pid(name)
        assert qemu_pid and lv.process_running(qemu_pid), "no QEMU pid for %s after virsh start" % name
        assert os.path.realpath("/proc/%d/exe" % qemu_pid) == emulator, \
            "libvirt ran %s, not the patched QEMU" % os.path.realpath("/proc/%d/exe" % qemu_pid)

        def state():
            return daemon.qmp(name, "qom-get", path=QOM_PATH, property=QOM_STATE_PROPERTY)

        # (1) connected, and active once the server's pointer enters the VM
        conn = srv.accept(timeout=CONNECT_TIMEOUT)
        conn.handshake()
        conn.start_keepalive(3.0)
        guest.wait_booted(BOOT_TIMEOUT)
        booted = time.monotonic() - started
        conn.send(ss.cinn(SCREEN[0] // 2, SCREEN[1] // 2, 1))
        conn.sync()
        seen = []

        def active():
            seen.append(state())
            return seen[-1] == STATE_ACTIVE
        wait_until(active, STATE_TIMEOUT, lambda: "QOM %s.%s to be %s; read %s"
                   % (QOM_PATH, QOM_STATE_PROPERTY, STATE_ACTIVE, sorted(set(seen))))

        # (2) keys and a position reach the guest
        mark = guest.mark()
        for keyid, button, _ in KEYS:
            conn.send(ss.dkdn(keyid, 0, button), ss.dkup(keyid, 0, button))
        want = [("key", code, v) for _, _, code in KEYS for v in (1, 0)]
        guest.wait_for(lambda evs: in_order(presses(evs), want), EVENT_TIMEOUT, since=mark,
                       kinds=("key",), what="the keys %s on the guest's keyboard" % (want,))
        got = [e for e in guest.since(mark, kinds=("key",)) if e.value != 2]
        assert [e.short() for e in got] == want, "the guest got other keys: %s" % got
        assert {e.device for e in got} == {PS2_KEYBOARD}
        x, y = SCREEN[0] // 4, SCREEN[1] // 3
        conn.send(ss.dmmv(x, y))
        guest.wait_position(USB_TABLET, x, y, *SCREEN, timeout=EVENT_TIMEOUT)

        # (3) destroy: the QEMU process is gone, the server sees the connection end
        daemon.virsh("destroy", name)
        wait_until(lambda: not lv.process_running(qemu_pid), EXIT_TIMEOUT,
                   "QEMU (pid %d) to exit after virsh destroy" % qemu_pid)
        conn.wait_closed(EVENT_TIMEOUT)
        assert daemon.domstate(name) == "shut off"
        daemon.virsh("undefine", name)
        assert name not in daemon.domains()
        leftovers = [f for f in os.listdir(os.path.join(daemon.root, "etc", "qemu")) if name in f] + \
            [f for f in os.listdir(os.path.join(daemon.root, "run", "qemu")) if name in f]
        assert not leftovers, "undefine left %s" % leftovers
        print("libvirt: guest booted %.1f s after libvirtd started (define probes the emulator), "
              "whole test %.1f s" % (booted, time.monotonic() - started))
    except BaseException:
        print("libvirtd log:\n%s\nQEMU log:\n%s\nguest console:\n%s" % (
            daemon.log_tail(), daemon.qemu_log(name), "\n".join(guest.other[-20:])))
        daemon.cleanup(name, qemu_pid)
        raise
    finally:
        daemon.stop()
        assert not daemon.alive(), "libvirtd (pid %d) did not exit" % daemon.pid


# ----------------------------------------------------------- save / restore --

def session(srv, seq):
    """The object's next connection: handshake, keepalives, the pointer entered at the centre."""
    conn = srv.accept(timeout=CONNECT_TIMEOUT)
    conn.handshake()
    conn.start_keepalive(3.0)
    conn.send(ss.cinn(SCREEN[0] // 2, SCREEN[1] // 2, seq))
    conn.sync()
    return conn


def keys_reach_the_guest(conn, guest, what):
    mark = guest.mark()
    for keyid, button, _ in KEYS:
        conn.send(ss.dkdn(keyid, 0, button), ss.dkup(keyid, 0, button))
    want = [("key", code, v) for _, _, code in KEYS for v in (1, 0)]
    guest.wait_for(lambda evs: in_order(presses(evs), want), EVENT_TIMEOUT, since=mark, kinds=("key",),
                   what="%s: the keys %s on the guest's keyboard" % (what, want))


def test_libvirt_save_and_restore_running_and_paused(run_dir, scripted_server):
    reason = lv.missing_reason()
    if reason:
        pytest.fail(reason, pytrace=False)
    image = guest_image()
    guest = Guest(run_dir, DEVICE_SET, image)
    srv = scripted_server(client_name="VM-1")
    xml_path, name = write_domain_xml(run_dir, srv, image, guest)
    daemon = lv.Libvirtd(run_dir)
    pids = []
    started = time.monotonic()
    try:
        daemon.start()
        daemon.virsh("define", xml_path)
        daemon.virsh("start", name)
        pids.append(daemon.qemu_pid(name))
        conn = session(srv, 1)
        guest.wait_booted(BOOT_TIMEOUT)
        keys_reach_the_guest(conn, guest, "the started domain")

        for seq, state in enumerate(("running", "paused"), start=2):
            if state == "paused":
                daemon.virsh("suspend", name)
                assert daemon.domstate(name) == "paused"
            path = os.path.join(run_dir, "%s-%s.save" % (name, state))
            t0 = time.monotonic()
            daemon.virsh("save", name, path)
            saved = time.monotonic() - t0
            wait_until(lambda: not lv.process_running(pids[-1]), EXIT_TIMEOUT,
                       "the saved domain's QEMU (pid %d) to exit" % pids[-1])
            conn.wait_closed(EVENT_TIMEOUT)
            assert daemon.domstate(name) == "shut off"
            before = len(srv.connections)
            t0 = time.monotonic()
            daemon.virsh("restore", path)
            restored = time.monotonic() - t0
            pids.append(daemon.qemu_pid(name))
            if state == "paused":
                assert daemon.domstate(name) == "paused", "a domain saved paused restored %s" % daemon.domstate(name)
                hold_for(1.0, "the restored domain paused for 1 s", check=lambda: len(srv.connections) == before)
                daemon.virsh("resume", name)
            assert daemon.domstate(name) == "running"
            conn = session(srv, seq)
            assert all(c.closed_by_peer.is_set() for c in srv.connections[:before]), \
                "the restored domain connected while the saved one's connection was open (EBSY)"
            wait_until(lambda: daemon.qmp(name, "qom-get", path=QOM_PATH, property=QOM_STATE_PROPERTY)
                       == STATE_ACTIVE, STATE_TIMEOUT, "the restored object to be %s" % STATE_ACTIVE)
            if os.path.getsize(guest.serial_path) < guest.offset:
                guest.offset = 0                  # the console file was reopened (truncated)
            keys_reach_the_guest(conn, guest, "the domain restored from a %s save" % state)
            print("virsh save of the %s domain %.1f s (%d bytes), restore %.1f s"
                  % (state, saved, os.path.getsize(path), restored))
        log = daemon.qemu_log(name, 100000)
        busy = [l for l in log.splitlines()
                if "EBSY" in l or ("input-barrier" in l and ERROR_LINE_PATTERNS["EBSY"].search(l))]
        assert not busy, "EBSY in the domain's log: %s" % busy

        daemon.virsh("destroy", name)
        wait_until(lambda: not lv.process_running(pids[-1]), EXIT_TIMEOUT, "QEMU to exit after virsh destroy")
        daemon.virsh("undefine", name)
        print("libvirt save/restore: whole test %.1f s" % (time.monotonic() - started))
    except BaseException:
        print("libvirtd log:\n%s\nQEMU log:\n%s\nguest console:\n%s" % (
            daemon.log_tail(), daemon.qemu_log(name), "\n".join(guest.other[-20:])))
        daemon.cleanup(name, pids[-1] if pids else None)
        raise
    finally:
        daemon.stop()
        assert not daemon.alive(), "libvirtd (pid %d) did not exit" % daemon.pid
