# SPDX-License-Identifier: GPL-2.0-or-later
"""A real Barrier 2.4 server (TLS off) drives the VM: what the user does on the
server's X display arrives in QEMU as exactly these input events.

The server runs X11 (Xvfb, evdev key codes), so every key is identified by its
physical position: the qcode is the key's, whatever symbol the layout gives it.
One barriers + QEMU pair serves the whole module; each test captures exactly
the events its action produced (see harness/session.py: capture()).
"""
import pytest

from harness.qemu import STATE_ACTIVE, STATE_CONNECTED, only
from harness.util import wait_until

pytestmark = [pytest.mark.qemu, pytest.mark.real_server]


def press(qcode):
    return [("key", qcode, True), ("key", qcode, False)]


def click_of(button):
    return [("btn", button, True), ("btn", button, False)]


# ---------------------------------------------------------------- keyboard --

def test_letters_arrive_as_their_keys(vm):
    letters = "abcdefghijklmnopqrstuvwxyz"
    got = vm.capture(lambda d: d.type(letters))
    assert got == [ev for c in letters for ev in press(c)]


def test_digits_arrive_as_their_keys(vm):
    digits = "1234567890"
    got = vm.capture(lambda d: d.type(digits))
    assert got == [ev for c in digits for ev in press(c)]


def test_capital_letter_is_shift_plus_letter(vm):
    # barriers sends DKDN Shift_L, DKDN 'Z', DKUP Shift_L, DKUP 'z' (released after shift)
    got = vm.capture(lambda d: d.type("Z"))
    assert got == [("key", "shift", True), ("key", "z", True), ("key", "shift", False), ("key", "z", False)]


@pytest.mark.parametrize("combo,qcode", [
    ("shift+1", "1"),                   # !
    ("shift+2", "2"),                   # @
    ("shift+slash", "slash"),           # ?
    ("shift+minus", "minus"),           # _
    ("shift+equal", "equal"),           # +
    ("shift+semicolon", "semicolon"),   # :
    ("shift+apostrophe", "apostrophe"),  # "
    ("shift+comma", "comma"),           # <
    ("shift+period", "dot"),            # >
    ("shift+bracketleft", "bracket_left"),  # {
    ("shift+bracketright", "bracket_right"),  # }
    ("shift+grave", "grave_accent"),    # ~
    ("shift+backslash", "backslash"),   # |
])
def test_shifted_punctuation_is_shift_then_key(vm, combo, qcode):
    # xdotool presses shift, the key, then releases shift before the key
    got = vm.capture(lambda d: d.key(combo))
    assert got == [("key", "shift", True), ("key", qcode, True), ("key", "shift", False), ("key", qcode, False)]


@pytest.mark.parametrize("keysym,qcode", [
    ("Return", "ret"), ("Tab", "tab"), ("Escape", "esc"), ("BackSpace", "backspace"), ("space", "spc"),
])
def test_editing_keys(vm, keysym, qcode):
    assert vm.capture(lambda d: d.key(keysym)) == press(qcode)


@pytest.mark.parametrize("keysym,qcode", [
    ("Up", "up"), ("Down", "down"), ("Left", "left"), ("Right", "right"),
    ("Home", "home"), ("End", "end"), ("Prior", "pgup"), ("Next", "pgdn"),
    ("Insert", "insert"), ("Delete", "delete"),
])
def test_navigation_keys(vm, keysym, qcode):
    assert vm.capture(lambda d: d.key(keysym)) == press(qcode)


@pytest.mark.parametrize("n", range(1, 13))
def test_function_keys(vm, n):
    assert vm.capture(lambda d: d.key("F%d" % n)) == press("f%d" % n)


# Keypad keysyms of level 1 (Num Lock off), so xdotool does not toggle Num Lock.
@pytest.mark.parametrize("keysym,qcode", [
    ("KP_Insert", "kp_0"), ("KP_End", "kp_1"), ("KP_Down", "kp_2"), ("KP_Next", "kp_3"),
    ("KP_Left", "kp_4"), ("KP_Begin", "kp_5"), ("KP_Right", "kp_6"), ("KP_Home", "kp_7"),
    ("KP_Up", "kp_8"), ("KP_Prior", "kp_9"), ("KP_Delete", "kp_decimal"),
    ("KP_Enter", "kp_enter"), ("KP_Add", "kp_add"), ("KP_Subtract", "kp_subtract"),
    ("KP_Multiply", "kp_multiply"), ("KP_Divide", "kp_divide"),
])
def test_keypad_keys(vm, keysym, qcode):
    assert vm.capture(lambda d: d.key(keysym)) == press(qcode)


@pytest.mark.parametrize("keysym,qcode", [
    ("Shift_L", "shift"), ("Shift_R", "shift_r"),
    ("Control_L", "ctrl"), ("Control_R", "ctrl_r"),
    ("Alt_L", "alt"), ("Alt_R", "alt_r"),
    ("Super_L", "meta_l"), ("Super_R", "meta_r"),
])
def test_left_and_right_modifiers(vm, keysym, qcode):
    # physical_key: xdotool would add Shift_L to Shift_R (it "needs" shift)
    assert vm.capture(lambda d: d.physical_key(keysym)) == press(qcode)


@pytest.mark.parametrize("combo,first,second", [
    ("ctrl+c", "ctrl", "c"), ("alt+x", "alt", "x"), ("super+a", "meta_l", "a"),
])
def test_modifier_chords(vm, combo, first, second):
    got = vm.capture(lambda d: d.key(combo))
    assert got == [("key", first, True), ("key", second, True), ("key", first, False), ("key", second, False)]


def test_key_held_across_events_is_one_press(vm):
    def hold_shift_and_type(d):
        d.keydown("Shift_L")
        d.key("a")
        d.keyup("Shift_L")
    assert vm.capture(hold_shift_and_type) == [
        ("key", "shift", True), ("key", "a", True), ("key", "a", False), ("key", "shift", False)]


# ----------------------------------------------------------------- buttons --

@pytest.mark.parametrize("button,name", [
    (1, "left"), (2, "middle"), (3, "right"), (8, "side"), (9, "extra"),
])
def test_buttons(vm, button, name):
    assert vm.capture(lambda d: d.click(button), keep=only("btn")) == click_of(name)


@pytest.mark.parametrize("direction,name", [
    ("up", "wheel-up"), ("down", "wheel-down"), ("left", "wheel-left"), ("right", "wheel-right"),
])
def test_wheel_one_notch_is_one_click(vm, direction, name):
    assert vm.capture(lambda d: d.scroll(direction), keep=only("btn")) == click_of(name)


def test_wheel_three_notches_are_three_clicks(vm):
    got = vm.capture(lambda d: d.scroll("down", 3), keep=only("btn"))
    assert got == click_of("wheel-down") * 3


# ------------------------------------------------------------------ motion --

def last_abs(evs):
    pos = {}
    for e in evs:
        if e[0] == "abs":
            pos[e[1]] = e[2]
    return pos


def push_pointer(session, dx, dy, until, timeout=10.0):
    """Move by (dx, dy) again and again (each move waits for its absolute event) until
    until(position) holds; return the last absolute position QEMU saw."""
    trace = session.trace
    state = {"mark": trace.mark(), "moves": 0}
    start = state["mark"]

    def step():
        pos = last_abs(trace.since(start))
        if pos and until(pos):
            return True
        if state["moves"] == 0 or any(e[0] == "abs" for e in trace.since(state["mark"])):
            if state["moves"] >= 8:  # the screen is 1920 px wide: 8 moves is plenty
                return None
            state["mark"] = trace.mark()
            session.driver.move(dx, dy)
            state["moves"] += 1
        return False

    def describe():
        return "the pointer to reach the corner; last absolute position %s" % (
            {k: hex(v) for k, v in last_abs(trace.since(start)).items()},)
    result = wait_until(lambda: step() is not False, timeout, describe, interval=0.05)
    return last_abs(trace.since(start)), result


def test_pointer_reaches_top_left_and_bottom_right_corners(session):
    session.ensure_on_vm(centre=False)
    # re-enter so the pointer sits on the left edge (x = 0) of the VM screen
    session.driver.leave()
    session.driver.enter()
    # straight up: x stays at the left edge, y clamps to 0
    pos, _ = push_pointer(session, 0, -400, lambda p: p.get("y") == 0)
    assert (pos.get("x"), pos.get("y")) == (0, 0), "top-left corner is abs (0, 0), got %r" % (pos,)
    # down and right until both axes clamp: the far corner is 0x7fff, 0x7fff
    pos, _ = push_pointer(session, 700, 400, lambda p: p.get("x") == 0x7FFF and p.get("y") == 0x7FFF)
    assert (pos.get("x"), pos.get("y")) == (0x7FFF, 0x7FFF), \
        "bottom-right corner is abs (0x7fff, 0x7fff), got (%s, %s)" % tuple(hex(pos.get(a, -1)) for a in "xy")
    # and back to the middle so the other tests have room
    session.driver.move(-400, -200)
    session.flush()


# ------------------------------------------------------------ enter/leave --

def test_leaving_with_a_key_held_releases_it_in_the_vm(vm):
    got = vm.leave_with_key_held("a")
    assert got == [("key", "a", False)], "leaving must release 'a' exactly once, got %r" % (got,)


def test_state_is_active_on_the_vm_and_connected_elsewhere(session):
    session.ensure_on_vm()
    session.qemu.wait_state(STATE_ACTIVE, 5, "pointer on the VM")
    session.driver.leave()
    session.qemu.wait_state(STATE_CONNECTED, 5, "pointer back on the server")
    session.driver.enter()
    session.qemu.wait_state(STATE_ACTIVE, 5, "pointer on the VM again")
