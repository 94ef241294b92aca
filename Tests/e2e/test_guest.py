# SPDX-License-Identifier: GPL-2.0-or-later
"""What the guest sees (issue 15): a Linux guest prints its own evdev events.

Every other suite stops at QEMU's input trace.  Here a small Linux guest
(scripts/build-guest.sh: Debian's kernel, busybox, a static evdev reader on
the serial console; TCG) boots with one of three device sets, and the tests
assert by evdev code and value what its drivers got through the emulated
devices and QEMU's routing between them:

  ps2-usb-tablet     libvirt's default: PS/2 keyboard and mouse, USB tablet
  virtio             virtio keyboard, tablet and mouse (the mouse is QEMU's
                     active pointer: its driver binds last)
  ps2-relative-only  keyboard and a relative mouse only (games)

One guest per set serves its tests, driven by a real Barrier 2.4 server
(object barrier0, xdotool on its Xvfb) and by a scripted server (object
barrier1, attached on the first scripted test).  The rule under test:
positions go to the absolute device whenever the guest has one, as relative
moves only when it has none; relative motion (DMRM) always to a relative
device; a tablet plugged or unplugged at run time switches at once.
"""
import os
import re

import pytest

from harness import scripted_server as ss
from harness.guest import DEVICE_SETS, SCRIPTED_OBJECT_ID, GuestSession, presses, shorts
from harness.qemu import OBJECT_ID

pytestmark = [pytest.mark.qemu, pytest.mark.real_server]


def press(code):
    return [("key", code, 1), ("key", code, 0)]


class GuestReport:
    """Boot time per device set, printed after the run (a pytest plugin)."""

    def __init__(self):
        self.boots = {}

    def pytest_terminal_summary(self, terminalreporter):
        if self.boots:
            terminalreporter.write_line("guest boot (QEMU start to every input device open): " + ", ".join(
                "%s %.1f s" % kv for kv in self.boots.items()))


def _report(config):
    plugin = config.pluginmanager.get_plugin("guest-report")
    if plugin is None:
        plugin = GuestReport()
        config.pluginmanager.register(plugin, "guest-report")
    return plugin


@pytest.fixture(scope="module", params=list(DEVICE_SETS))
def gs(request, module_run_dir):
    """A GuestSession with one device set, booted once for the set's tests.
    The server has relativeMouseMoves on (used while Scroll Lock is on)."""
    s = GuestSession(os.path.join(module_run_dir, request.param), DEVICE_SETS[request.param],
                     server_options=["relativeMouseMoves = true"])
    try:
        s.start()
        _report(request.config).boots[request.param] = s.boot_seconds
        yield s
    finally:
        s.close()


@pytest.fixture
def g(gs):
    """The session, its QEMU alive."""
    assert gs.qemu.alive(), "QEMU died earlier with this device set:\n" + gs.qemu.stderr_tail()
    return gs


def no_motion(events):
    return [e for e in events if e.kind in ("rel", "abs") and e.code in ("REL_X", "REL_Y", "ABS_X", "ABS_Y")]


# ------------------------------------------------------------------ devices --

def test_positions_are_absolute_whenever_the_guest_has_a_tablet(g):
    ds = g.device_set
    assert g.pointer_mode(OBJECT_ID) == ("absolute" if ds.absolute else "relative")
    if ds.name == "virtio":
        # the case of the issue: the mouse is QEMU's active pointer, and yet
        current = [line for line in g.qemu.hmp("info mice").splitlines() if line.startswith("*")]
        assert current and "Virtio Mouse" in current[0], current


# ----------------------------------------------------------------- keyboard --

LETTERS_DIGITS = "abcdefghijklmnopqrstuvwxyz0123456789"


def test_letters_and_digits(g):
    got = g.keys(lambda d: d.type(LETTERS_DIGITS))
    assert shorts(got) == [ev for c in LETTERS_DIGITS for ev in press("KEY_" + c.upper())]
    assert {e.device for e in got} == {g.device_set.keyboard}


NAVIGATION = [("Up", "KEY_UP"), ("Down", "KEY_DOWN"), ("Left", "KEY_LEFT"), ("Right", "KEY_RIGHT"),
              ("Home", "KEY_HOME"), ("End", "KEY_END")]
# level-1 keypad keysyms (Num Lock off), so that xdotool does not toggle Num Lock
KEYPAD = [("KP_Insert", "KEY_KP0"), ("KP_End", "KEY_KP1"), ("KP_Down", "KEY_KP2"), ("KP_Next", "KEY_KP3"),
          ("KP_Left", "KEY_KP4"), ("KP_Begin", "KEY_KP5"), ("KP_Right", "KEY_KP6"), ("KP_Home", "KEY_KP7"),
          ("KP_Up", "KEY_KP8"), ("KP_Prior", "KEY_KP9"), ("KP_Delete", "KEY_KPDOT"),
          ("KP_Enter", "KEY_KPENTER"), ("KP_Add", "KEY_KPPLUS"), ("KP_Subtract", "KEY_KPMINUS"),
          ("KP_Multiply", "KEY_KPASTERISK"), ("KP_Divide", "KEY_KPSLASH")]
MODIFIERS = [("Shift_L", "KEY_LEFTSHIFT"), ("Shift_R", "KEY_RIGHTSHIFT"),
             ("Control_L", "KEY_LEFTCTRL"), ("Control_R", "KEY_RIGHTCTRL"),
             ("Alt_L", "KEY_LEFTALT"), ("Alt_R", "KEY_RIGHTALT"),
             ("Super_L", "KEY_LEFTMETA"), ("Super_R", "KEY_RIGHTMETA")]


@pytest.mark.parametrize("group,keys", [("arrows-home-end", NAVIGATION), ("keypad", KEYPAD)])
def test_editing_and_keypad_keys(g, group, keys):
    got = g.keys(lambda d: d.key(*[k for k, _ in keys]))
    assert shorts(got) == [ev for _, code in keys for ev in press(code)]


def test_modifiers_both_sides_and_super(g):
    # physical_key: exactly that key (xdotool would add Shift_L to Shift_R).
    # One key at a time: XTest sends its press and release back to back.
    got = []
    for keysym, _ in MODIFIERS:
        got += shorts(g.keys(lambda d: d.physical_key(keysym)))
    assert got == [ev for _, code in MODIFIERS for ev in press(code)]


# X11 (KeyID, key code) of a few keys for the scripted server
SCRIPTED_KEYS = [((0x61, 38), "KEY_A"), ((0x37, 16), "KEY_7"), ((0xEF52, 111), "KEY_UP"),
                 ((0xEF50, 110), "KEY_HOME"), ((0xEF9C, 87), "KEY_KP1"), ((0xEFE2, 62), "KEY_RIGHTSHIFT"),
                 ((0xEFEB, 133), "KEY_LEFTMETA")]


def test_keys_from_the_scripted_server(g):
    g.scripted_enter(960, 540)
    got = []
    for (keyid, button), _ in SCRIPTED_KEYS:
        got += shorts(g.scripted_keys(ss.dkdn(keyid, 0, button), ss.dkup(keyid, 0, button)))
    assert got == [ev for _, code in SCRIPTED_KEYS for ev in press(code)]


def test_a_burst_of_keys_reaches_the_keyboard(g):
    """Every key of one TCP read, all at once.  QEMU's PS/2 keyboard queues 16
    bytes and drops the rest while the guest cannot read them; the object
    gives each keyboard no more than it takes (test_key_bursts.py: longer
    bursts on the PS/2, USB and virtio keyboards)."""
    g.scripted_enter(960, 540)
    frames = [f for (keyid, button), _ in SCRIPTED_KEYS * 2
              for f in (ss.dkdn(keyid, 0, button), ss.dkup(keyid, 0, button))]
    got = g.scripted_keys(*frames, timeout=5)
    assert shorts(got) == [ev for _, code in SCRIPTED_KEYS * 2 for ev in press(code)]


# ------------------------------------------------------------------ buttons --

BUTTONS = [(1, "BTN_LEFT"), (2, "BTN_MIDDLE"), (3, "BTN_RIGHT"), (8, "BTN_SIDE"), (9, "BTN_EXTRA")]
BARRIER_BUTTON = {"BTN_LEFT": 1, "BTN_MIDDLE": 2, "BTN_RIGHT": 3, "BTN_SIDE": 4, "BTN_EXTRA": 5}


def _lost(g, code):
    return code in ("BTN_SIDE", "BTN_EXTRA") and not g.device_set.side_buttons


@pytest.mark.parametrize("button,code", BUTTONS)
def test_buttons(g, button, code):
    if _lost(g, code):
        # QEMU 10.0's USB tablet has three buttons: a left click after it comes alone
        assert g.pointer(lambda d: (d.click(button), d.click(1)), press("BTN_LEFT")) == press("BTN_LEFT")
    else:
        assert g.pointer(lambda d: d.click(button), press(code)) == press(code)


@pytest.mark.parametrize("button,code", BUTTONS)
def test_buttons_from_the_scripted_server(g, button, code):
    g.scripted_enter(960, 540)
    b = BARRIER_BUTTON[code]
    if _lost(g, code):
        got = g.scripted_pointer([ss.dmdn(b), ss.dmup(b), ss.dmdn(1), ss.dmup(1)], press("BTN_LEFT"))
        assert got == press("BTN_LEFT")
    else:
        assert g.scripted_pointer([ss.dmdn(b), ss.dmup(b)], press(code)) == press(code)


# -------------------------------------------------------------------- wheel --

WHEEL = [("up", (0, 120), "REL_WHEEL", 1), ("down", (0, -120), "REL_WHEEL", -1),
         ("left", (-120, 0), "REL_HWHEEL", -1), ("right", (120, 0), "REL_HWHEEL", 1)]


@pytest.mark.parametrize("direction,delta,code,value", WHEEL)
def test_wheel(g, direction, delta, code, value):
    if code == "REL_HWHEEL" and not g.device_set.hwheel:
        # the device that gets the wheel has no horizontal one: nothing comes
        assert g.pointer(lambda d: (d.scroll(direction), d.click(1)), press("BTN_LEFT")) == press("BTN_LEFT")
    else:
        want = [("rel", code, value)]
        assert g.pointer(lambda d: d.scroll(direction), want) == want


@pytest.mark.parametrize("direction,delta,code,value", WHEEL)
def test_wheel_from_the_scripted_server(g, direction, delta, code, value):
    g.scripted_enter(960, 540)
    if code == "REL_HWHEEL" and not g.device_set.hwheel:
        got = g.scripted_pointer([ss.dmwm(*delta), ss.dmdn(1), ss.dmup(1)], press("BTN_LEFT"))
        assert got == press("BTN_LEFT")
    else:
        want = [("rel", code, value)]
        assert g.scripted_pointer([ss.dmwm(*delta)], want) == want


# ------------------------------------------------------------------- motion --

CORNERS_AND_CENTRE = [(960, 540), (0, 0), (1919, 0), (0, 1079), (1919, 1079), (960, 540)]
# QEMU's PS/2 mouse sends at most 4 packets of 127 per input event and keeps
# the rest of a larger move until the next event: relative guests are moved
# in steps of at most this, as a server moves a pointer.
PS2_STEP = 400


def steps(a, b, limit=PS2_STEP):
    """Points from a (excluded) to b (included), no step longer than limit on either axis."""
    n = max(1, -(-max(abs(b[0] - a[0]), abs(b[1] - a[1])) // limit))
    return [(a[0] + (b[0] - a[0]) * i // n, a[1] + (b[1] - a[1]) * i // n) for i in range(1, n + 1)]


def test_positions_from_the_real_server(g):
    """Absolute device: the corners and the centre within one guest unit, and no
    relative motion anywhere.  Relative-only guest: exact relative moves."""
    ds, guest, d = g.device_set, g.guest, g.driver
    w, h = g.geometry
    if d.on_client:
        d.leave()
    g.on_vm()               # a fresh entry: x is known (vm_x) with absolute moves
    mark = guest.mark()
    if ds.absolute is None:
        g.settle_relative()
        for dx, dy in [(200, 0), (480, 270), (-300, -100), (7, -3)]:
            m = guest.mark()
            d.move(dx, dy)
            guest.wait_rel(m, dx, dy, ds.relative)
        assert [e for e in guest.since(mark) if e.kind == "abs"] == []
        return
    # exactly to the left edge, then push into each corner (the screen clamps;
    # only the left edge leads away)
    for moves, corner in [([(-g.vm_x, -400), (0, -400)], (0, 0)), ([(0, 400)] * 3, (0, h - 1)),
                          ([(400, 0)] * 5, (w - 1, h - 1)), ([(0, -400)] * 3, (w - 1, 0))]:
        for dx, dy in moves:
            d.move(dx, dy)
        guest.wait_position(ds.absolute, corner[0], corner[1], w, h)
    for dx, dy in [(-480, 270), (-480, 270)]:
        d.move(dx, dy)
    guest.wait_position(ds.absolute, w - 1 - 960, 540, w, h)
    assert no_motion(guest.since(mark, kinds=("rel",))) == []


def test_positions_from_the_scripted_server(g):
    ds, guest = g.device_set, g.guest
    w, h = g.geometry
    g.scripted_enter(960, 540)
    g.settle_relative()
    mark = guest.mark()
    last = (960, 540)
    for x, y in CORNERS_AND_CENTRE:
        if ds.absolute:
            g.conn.send(ss.dmmv(x, y))
            guest.wait_position(ds.absolute, x, y, w, h)
        else:
            for p in steps(last, (x, y)):
                m = guest.mark()
                g.conn.send(ss.dmmv(*p))
                guest.wait_rel(m, p[0] - last[0], p[1] - last[1], ds.relative)
                last = p
        last = (x, y)
    wrong = "rel" if ds.absolute else "abs"
    assert no_motion(guest.since(mark, kinds=(wrong,))) == []


def test_relative_moves_from_the_scripted_server_are_exact(g):
    ds, guest = g.device_set, g.guest
    g.scripted_enter(960, 540)
    g.settle_relative()
    mark = guest.mark()
    for dx, dy in [(13, -7), (-300, 200), (1, 1)]:
        m = guest.mark()
        g.conn.send(ss.dmrm(dx, dy))
        guest.wait_rel(m, dx, dy, ds.relative)
    assert no_motion(guest.since(mark, kinds=("abs",))) == []


def test_relative_moves_from_the_real_server_are_exact(g):
    """The server's relativeMouseMoves while Scroll Lock locks the cursor to the VM."""
    ds, guest, d, srv = g.device_set, g.guest, g.driver, g.server
    g.on_vm()
    g.settle_relative()
    mark = srv.log_mark()
    d.key("Scroll_Lock")
    srv.wait_log("cursor locked to current screen", since=mark)
    try:
        start = guest.mark()
        for dx, dy in [(13, -7), (-300, 200), (1, 1)]:
            m = guest.mark()
            d.move(dx, dy)
            guest.wait_rel(m, dx, dy, ds.relative)
        assert no_motion(guest.since(start, kinds=("abs",))) == []
    finally:
        mark = srv.log_mark()
        d.key("Scroll_Lock")
        srv.wait_log("cursor unlocked from current screen", since=mark)


# -------------------------------------------------------------------- leave --

def test_leaving_releases_a_held_key_and_button(g):
    """Scripted server: COUT with a key and a button held.  (Barrier itself does
    not leave a screen while a button is held: see the next test.)"""
    guest = g.guest
    g.scripted_enter(960, 540)
    mark = guest.mark()
    keyid, button = ss.KEY_A
    g.conn.send(ss.dkdn(keyid, 0, button), ss.dmdn(1))
    guest.wait_for(lambda evs: {("key", "KEY_A", 1), ("key", "BTN_LEFT", 1)} <= set(presses(evs)),
                   since=mark, what="KEY_A and BTN_LEFT down")
    mark = guest.mark()
    g.scripted_leave()
    got = guest.wait_for(lambda evs: {("key", "KEY_A", 0), ("key", "BTN_LEFT", 0)} <= set(presses(evs)),
                         since=mark, what="KEY_A and BTN_LEFT released on leaving")
    assert sorted(presses(got)) == [("key", "BTN_LEFT", 0), ("key", "KEY_A", 0)]


def test_leaving_the_real_server_with_a_key_held_releases_it(g):
    guest, d = g.guest, g.driver
    g.on_vm()
    mark = guest.mark()
    d.keydown("a")
    try:
        guest.wait_for(lambda evs: ("key", "KEY_A", 1) in presses(evs), since=mark, what="KEY_A down")
        mark = guest.mark()
        d.leave()
        got = guest.wait_for(lambda evs: ("key", "KEY_A", 0) in presses(evs), since=mark,
                             what="KEY_A released on leaving")
        assert presses(got) == [("key", "KEY_A", 0)]
    finally:
        d.keyup("a")


# ----------------------------------------------------------------- hot-plug --

def _mode_is(g, mode):
    for object_id in (OBJECT_ID, SCRIPTED_OBJECT_ID):
        g.wait_pointer_mode(mode, object_id)


def _check_positions(g, absolute):
    """One scripted and one real-server move land as the mode says."""
    ds, guest, d = g.device_set, g.guest, g.driver
    w, h = g.geometry
    g.scripted_enter(100, 100)
    g.settle_relative()
    m = guest.mark()
    g.conn.send(ss.dmmv(300, 200))
    if absolute:
        guest.wait_position(ds.tablet_name, 300, 200, w, h)
    else:
        guest.wait_rel(m, 200, 100, ds.relative)
    g.on_vm()
    g.settle_relative()
    m = guest.mark()
    d.move(30, 20)
    if absolute:
        guest.wait_for(lambda evs: any(e.device == ds.tablet_name for e in evs), since=m,
                       kinds=("abs",), what="an absolute move on %s" % ds.tablet_name)
    else:
        guest.wait_rel(m, 30, 20, ds.relative)
    wrong = "rel" if absolute else "abs"
    assert no_motion(guest.since(m, kinds=(wrong,))) == []


def test_tablet_hot_plug_switches_without_a_reconnect(g):
    """device_del / device_add of a tablet: the objects switch between absolute
    and relative moves at once, their connections stay; the guest shows it."""
    ds, guest, srv = g.device_set, g.guest, g.server
    g.scripted()
    connections = len(g.scripted_server.connections)
    log = srv.log_mark()
    steps = ([("del", False), ("add", True)] if ds.tablet_present else [("add", True), ("del", False)])
    for step, absolute in steps:
        if step == "del":
            g.qemu.qmp.execute("device_del", id=ds.tablet_id)
        else:
            driver, _, props = ds.tablet_device.partition(",")
            args = dict(kv.split("=", 1) for kv in props.split(","))
            g.qemu.qmp.execute("device_add", driver=driver, **args)
        guest.wait_device(ds.tablet_name, present=absolute)
        _mode_is(g, "absolute" if absolute else "relative")
        _check_positions(g, absolute)
    assert len(g.scripted_server.connections) == connections and not g.conn.closed_by_peer.is_set()
    assert not re.search(r'client "%s" (is dead|has disconnected)' % srv.client_name, srv.log_text(log))

