# SPDX-License-Identifier: GPL-2.0-or-later
"""The VM screen's size changes while connected (issue 16).

Real Barrier 2.4 (one server + QEMU for the module, VM-1 right of a 1920x1080
server screen): HMP `qom-set` of width/height (and x-origin/y-origin) on the
live object sends barriers a new DINF; barriers logs it (DEBUG, the harness's
DEBUG1 shows it) as

    received client "VM-1" info shape=X,Y WxH at MX,MY

and answers CIAK.  The pointer, moved by xdotool on the server's display into
the VM and pushed to its corners, then lands at QEMU abs (0, 0) top-left and
(0x7fff, 0x7fff) bottom-right of the new size, and positions inside scale to it.

Guest (scripts/build-guest.sh's guest booted with `bcdisplay`, harness/display.py):
a std VGA (bochs-drm) or virtio-vga (virtio_gpu) display whose mode the guest
sets at run time (display-ctl on ttyS1: DRM SETCRTC of 1024x768, then 800x600).
With `follow-display=on` the object follows QEMU's first graphical console:
a DINF with each new size reaches the (scripted) server and qom-get width /
height read it back.  BARRIERCLIENT_E2E_NO_FOLLOW_DISPLAY=1 leaves the property
out (developing the guest part against a QEMU without it): the guest's modes
and QEMU's console sizes are checked, then the test skips.
"""
import os
import re

import pytest

from harness import scripted_server as S
from harness.display import (DISPLAY_DEVICES, TABLET_ONLY, DisplayGuest, console_size,
                             wait_console_size)
from harness.qemu import QOM_PATH, STATE_ACTIVE, UP_STATES, only
from harness.util import wait_until

pytestmark = pytest.mark.qemu

MAX = 0x7FFF
MOTION = only("abs", "rel")
FOLLOW_PROPERTY = "follow-display"
NO_FOLLOW_ENV = "BARRIERCLIENT_E2E_NO_FOLLOW_DISPLAY"

# What barriers logs when a client's DINF arrives (ClientProxy1_0::recvInfo).
# Then 'send info ack to "VM-1"' (DEBUG1: the CIAK) and 'screen "VM-1" shape changed' (DEBUG).
SHAPE_LOG = r'received client "%s" info shape=%s,%s %sx%s at -?\d+,-?\d+'
SHAPE_CHANGED = r'screen "%s" shape changed'


def scaled(v, origin, size):
    """ScreenGeometry.scale: the guest's absolute coordinate of server coordinate v."""
    return min(max((v - origin) * MAX // (size - 1), 0), MAX)


def qom(q, prop):
    v = q.qom_get(QOM_PATH, prop)
    return str(v).lower() if isinstance(v, bool) else str(v)


def set_ok(q, prop, value):
    out = q.qom_set(prop, value)
    assert not out, "qom-set %s %s answered: %s" % (prop, value, out)


# ===================================================================== real server ==

def last_abs(evs):
    pos = {}
    for e in evs:
        if e[0] == "abs":
            pos[e[1]] = e[2]
    return pos


def push(session, dx, dy, until, what, timeout=15.0):
    """Move the server's pointer by (dx, dy), again after each move's absolute
    event reached QEMU, until until(last absolute position) holds; return it.
    The first move comes at once; a move that brought nothing (the pointer
    already clamped on that side) is not repeated more than 10 times."""
    trace = session.trace
    start = trace.mark()
    st = {"mark": start, "moves": 0}

    def step():
        pos = last_abs(trace.since(start))
        if pos and until(pos):
            return pos
        if st["moves"] == 0 or any(e[0] == "abs" for e in trace.since(st["mark"])):
            if st["moves"] >= 10:
                raise AssertionError("%s: 10 moves and the pointer is at %s" % (what, hexes(pos)))
            st["mark"] = trace.mark()
            session.driver.move(dx, dy)
            st["moves"] += 1
        return None
    return wait_until(step, timeout, lambda: "%s; last absolute position %s"
                      % (what, hexes(last_abs(trace.since(start)))), interval=0.05)


def hexes(pos):
    return {k: hex(v) for k, v in pos.items()}


def reenter(session):
    """Leave and enter again: the pointer sits at the VM screen's left edge (x 0)."""
    if session.driver.on_client:
        session.driver.leave()
    session.driver.enter()
    session.qemu.wait_state(STATE_ACTIVE, 5, "pointer on the VM")


def new_shape(session, changes):
    """qom-set each (prop, value) on the live object; wait until barriers logs the
    final shape (one DINF per qom-set) and the object takes motion again."""
    srv, q = session.server, session.qemu
    mark = srv.log_mark()
    for prop, value in changes:
        set_ok(q, prop, value)
    rect = tuple(int(qom(q, p)) for p in ("x-origin", "y-origin", "width", "height"))
    want = dict(changes)
    for prop, i in (("x-origin", 0), ("y-origin", 1), ("width", 2), ("height", 3)):
        if prop in want:
            assert rect[i] == int(want[prop]), "qom-get %s: %s" % (prop, rect[i])
    line = srv.wait_log(SHAPE_LOG % ((re.escape(srv.client_name),) + rect), 10, since=mark)
    # one DINF per qom-set, each acknowledged (CIAK) and taken as the screen's new shape
    any_shape = SHAPE_LOG % ((re.escape(srv.client_name),) + (r"-?\d+",) * 4)
    ack = 'send info ack to "%s"' % srv.client_name
    changed = SHAPE_CHANGED % re.escape(srv.client_name)
    n = len(changes)
    wait_until(lambda: (len(re.findall(any_shape, srv.log_text(mark))), srv.log_text(mark).count(ack),
                        len(re.findall(changed, srv.log_text(mark)))) == (n, n, n), 10,
               lambda: "%d DINFs, acks and shape changes in barriers' log:\n%s" % (n, srv.log_text(mark)))
    log = srv.log_text(mark)
    print("barriers after qom-set %s:\n%s" % (changes, "\n".join(
        ln for ln in log.splitlines() if "info" in ln or "shape" in ln or "VM-1" in ln)))
    assert "disconnect" not in log.lower(), "barriers dropped the client on a new shape:\n" + log
    return rect, line


@pytest.mark.real_server
def test_real_server_takes_a_new_size_and_the_pointer_reaches_its_corners(session):
    srv, q = session.server, session.qemu
    assert session.qemu.alive()
    # the handshake's shape: the object's defaults
    assert re.search(SHAPE_LOG % (re.escape(srv.client_name), 0, 0, 1920, 1080), srv.log_text(0)), \
        "barriers did not log the handshake's shape:\n" + srv.log_text(0)[-2000:]

    (x, y, w, h), _ = new_shape(session, [("width", 1280), ("height", 720)])
    assert (x, y, w, h) == (0, 0, 1280, 720)
    q.wait_state(UP_STATES, 5, "still connected after the new size")

    reenter(session)
    pos = push(session, 0, -300, lambda p: p.get("y") == 0, "the pointer to the VM's top edge")
    assert (pos.get("x"), pos.get("y")) == (0, 0), "top-left of 1280x720 is abs (0, 0): %s" % hexes(pos)
    # 1280x720: barriers clamps at (1279, 719) on the VM screen, which is abs 0x7fff
    pos = push(session, 500, 300, lambda p: p.get("x") == MAX and p.get("y") == MAX,
               "the pointer to the far corner of 1280x720")
    assert (pos["x"], pos["y"]) == (MAX, MAX)
    # a point inside: up-left by (640, 360) from (1279, 719) = (639, 359) of 1280x720
    mark = q.trace.mark()
    session.driver.move(-640, -360)
    evs = q.trace.wait_for(lambda evs: ("abs", "y", scaled(359, 0, 720)) in evs, 5, since=mark, keep=MOTION,
                           what="the move to (639, 359) of 1280x720")
    assert last_abs(evs) == {"x": scaled(639, 0, 1280), "y": scaled(359, 0, 720)}, hexes(last_abs(evs))


@pytest.mark.real_server
def test_real_server_shrink_scales_positions_to_the_new_size(session):
    """From 1280x720 (or the defaults) to 800x600: the server's positions scale to 800x600."""
    srv, q = session.server, session.qemu
    (x, y, w, h), _ = new_shape(session, [("width", 800), ("height", 600)])
    assert (w, h) == (800, 600)
    reenter(session)
    # the pointer enters at x 0; 400 right and to the top: (400, 0) of 800x600
    pos = push(session, 0, -300, lambda p: p.get("y") == 0, "the pointer to the VM's top edge")
    assert pos == {"x": 0, "y": 0}, hexes(pos)
    mark = q.trace.mark()
    session.driver.move(400, 300)
    evs = q.trace.wait_for(lambda evs: last_abs(evs).get("x") == scaled(400, 0, 800)
                           and last_abs(evs).get("y") == scaled(300, 0, 600), 5, since=mark, keep=MOTION,
                           what="(400, 300) of 800x600 at abs (0x%x, 0x%x)"
                           % (scaled(400, 0, 800), scaled(300, 0, 600)))
    # (not where (400, 300) of the old 1920x1080 was)
    assert last_abs(evs) != {"x": scaled(400, 0, 1920), "y": scaled(300, 0, 1080)}
    pos = push(session, 300, 200, lambda p: p.get("x") == MAX and p.get("y") == MAX,
               "the pointer to the far corner of 800x600")
    assert pos == {"x": MAX, "y": MAX}
    # 200 left of the right edge: (599, 599) of 800x600
    mark = q.trace.mark()
    session.driver.move(-200, 0)
    q.trace.wait_for(lambda evs: last_abs(evs).get("x") == scaled(599, 0, 800), 5, since=mark, keep=MOTION,
                     what="x 599 of 800 at abs 0x%x" % scaled(599, 0, 800))


@pytest.mark.real_server
def test_real_server_takes_a_new_origin(session):
    """x-origin/y-origin with a size: barriers logs the shape's origin and moves
    the pointer on the VM screen in coordinates from (100, 50) to (1123, 817),
    which the object maps from the new origin: the corners are again abs 0 and
    0x7fff, a point inside scales."""
    srv, q = session.server, session.qemu
    (x, y, w, h), line = new_shape(session, [("x-origin", 100), ("y-origin", 50),
                                             ("width", 1024), ("height", 768)])
    assert (x, y, w, h) == (100, 50, 1024, 768)
    print("barriers: %s" % line)
    reenter(session)
    pos = push(session, 0, -400, lambda p: p.get("y") == 0, "the pointer to the VM's top edge")
    assert pos == {"x": 0, "y": 0}, hexes(pos)
    pos = push(session, 500, 400, lambda p: p.get("x") == MAX and p.get("y") == MAX,
               "the pointer to the far corner of 1024x768 at (100, 50)")
    assert pos == {"x": MAX, "y": MAX}
    # 512 left and 384 up of the far corner (1123, 817): (611, 433), i.e. (511, 383) inside
    mark = q.trace.mark()
    session.driver.move(-512, -384)
    q.trace.wait_for(lambda evs: last_abs(evs) == {"x": scaled(611, 100, 1024), "y": scaled(433, 50, 768)},
                     5, since=mark, keep=MOTION,
                     what="(611, 433) of 1024x768 at (100, 50) at abs (0x%x, 0x%x)"
                     % (scaled(611, 100, 1024), scaled(433, 50, 768)))


# =========================================================================== guest ==

def following():
    return os.environ.get(NO_FOLLOW_ENV) != "1"


def dinfs(conn):
    return [(m.x, m.y, m.w, m.h) for m in conn.messages if m.code == "DINF"]


def wait_dinf(conn, rect, timeout=10.0):
    """The latest DINF the server got is rect (x, y, w, h)."""
    return wait_until(lambda: dinfs(conn) and dinfs(conn)[-1] == rect, timeout,
                      lambda: "a DINF of (x, y, w, h) = %s; DINFs so far: %s" % (rect, dinfs(conn)))


def motion_lands(conn, q, x, y, want, timeout=5.0):
    mark = q.trace.mark()
    conn.send(S.dmmv(x, y))
    conn.sync()
    q.trace.wait_for(lambda evs: last_abs(evs) == {"x": want[0], "y": want[1]}, timeout, since=mark,
                     keep=MOTION, what="DMMV (%d, %d) at abs (0x%x, 0x%x)" % (x, y, want[0], want[1]))


def boot_display_guest(run_dir, scripted_server, qemu_factory, display, extra):
    srv = scripted_server()
    g = DisplayGuest(run_dir, TABLET_ONLY, DISPLAY_DEVICES[display])
    q = qemu_factory(srv.port, machine_args=g.machine_args(), absolute_pointer=False, object_extra=extra)
    conn = srv.accept(20)
    conn.handshake()
    conn.start_keepalive(3.0)
    conn.send(S.cinn(0, 0, 1, 0))
    conn.sync()
    q.wait_state(UP_STATES, 10, "connected to the scripted server")
    g.wait_booted()
    info = g.control().wait_up()
    print("%s: handshake DINF %s; display-ctl: %s" % (display, (conn.dinf.w, conn.dinf.h), info))
    assert info["driver"] == DISPLAY_DEVICES[display].driver, info
    return srv, conn, g, q, info


@pytest.mark.parametrize("display", list(DISPLAY_DEVICES))
def test_follow_display_sends_the_guest_resolution(run_dir, scripted_server, qemu_factory, display):
    extra = {FOLLOW_PROPERTY: "on"} if following() else {}
    srv, conn, g, q, info = boot_display_guest(run_dir, scripted_server, qemu_factory, display, extra)
    try:
        boot = DISPLAY_DEVICES[display].boot_mode
        assert info["mode"] == boot, "the guest's fbdev console set %s, not %s" % (info["mode"], boot)
        sizes = []
        if following():
            # the fbdev console's mode is followed too (no screendump before: it would
            # refresh the console for the object)
            wait_dinf(conn, (0, 0) + boot)
        assert wait_console_size(q, boot) == boot
        for w, h in ((1024, 768), (800, 600)):
            before = len(dinfs(conn))
            g.control().set_mode(w, h)
            assert g.control().info()["mode"] == (w, h)
            if following():
                wait_dinf(conn, (0, 0, w, h))
                assert (qom(q, "width"), qom(q, "height")) == (str(w), str(h))
                assert qom(q, FOLLOW_PROPERTY) == "true"
                print("%dx%d: DINFs since the mode set: %s" % (w, h, dinfs(conn)[before:]))
            wait_console_size(q, (w, h))
            sizes.append(console_size(q))
            if following():
                # the server acknowledges; the new corners land at 0 and 0x7fff,
                # on QEMU's input layer and on the guest's tablet
                conn.send(S.ciak())
                motion_lands(conn, q, w - 1, h - 1, (MAX, MAX))
                g.wait_position(TABLET_ONLY.absolute, w - 1, h - 1, w, h)
                motion_lands(conn, q, 0, 0, (0, 0))
                motion_lands(conn, q, w // 3, h // 3, (scaled(w // 3, 0, w), scaled(h // 3, 0, h)))
        print("%s: QEMU's console sizes after the guest's mode sets: %s; DINFs: %s"
              % (display, sizes, dinfs(conn)))
        assert len(srv.connections) == 1, "following the display must not reconnect"
        if not following():
            pytest.skip("%s=1: %s left out; the guest's modes and QEMU's console sizes %s were "
                        "checked, the DINFs not" % (NO_FOLLOW_ENV, FOLLOW_PROPERTY, sizes))
    finally:
        g.close()


def test_without_follow_display_the_guest_resolution_changes_nothing(run_dir, scripted_server, qemu_factory):
    """follow-display off (the default): the guest's mode sets leave the object's
    1920x1080 and send no DINF."""
    srv, conn, g, q, info = boot_display_guest(run_dir, scripted_server, qemu_factory, "std-vga", {})
    try:
        for w, h in ((1024, 768), (800, 600)):
            g.control().set_mode(w, h)
            wait_console_size(q, (w, h))
        conn.sync()
        assert dinfs(conn) == [(0, 0, 1920, 1080)], "DINFs: %s" % dinfs(conn)
        assert (qom(q, "width"), qom(q, "height")) == ("1920", "1080")
        conn.send(S.ciak())
        motion_lands(conn, q, 1919, 1079, (MAX, MAX))
    finally:
        g.close()
