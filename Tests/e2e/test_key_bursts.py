# SPDX-License-Identifier: GPL-2.0-or-later
"""Every key of a burst reaches the guest, whole and in order (issue 28).

Password managers' auto-type and text expanders send dozens of keys at
once; through the server they reach the object in one read.  QEMU's
keyboards queue little (PS/2: 16 bytes; USB: 16 scancodes, one read per
poll; virtio: the buffers the guest posted, and a report that does not fit
is dropped whole) and drop the rest.  The object asks the keyboard how many
key events it takes (qemu_input_key_space(), patch 4 of the series) and
gives it no more, each key event its own report.

A guest with each keyboard gets 100 characters (Shift and AltGr among them,
a click in the middle) in one write from the scripted server, and a
200-character line typed with xdotool through the real barriers 2.4 server.
The time each keyboard took is printed (docs/performance.md has them).
"""
import os
import time

import pytest

from harness import scripted_server as ss
from harness.guest import (DEVICE_SETS, PS2_KEYBOARD, PS2_MOUSE, SCRIPTED_FENCE, DeviceSet, GuestSession,
                           presses)

pytestmark = [pytest.mark.qemu, pytest.mark.real_server]

USB_KEYBOARD = "QEMU QEMU USB Keyboard"

KEYBOARDS = {
    "ps2": DeviceSet("ps2-keyboard", [],
                     keyboard=PS2_KEYBOARD, absolute=None, relative=PS2_MOUSE, hwheel=True, side_buttons=True,
                     tablet_device="virtio-tablet-pci,id=tablet9", tablet_present=False),
    # usb-kbd activates its handler when realized: it gets the keys, not the PS/2 keyboard
    "usb": DeviceSet("usb-keyboard", ["-device", "qemu-xhci,id=xhci", "-device", "usb-kbd,bus=xhci.0"],
                     keyboard=USB_KEYBOARD, absolute=None, relative=PS2_MOUSE, hwheel=True, side_buttons=True,
                     tablet_device="usb-tablet,id=tablet9,bus=xhci.0", tablet_present=False),
    "virtio": DEVICE_SETS["virtio"],
}

# X11 key codes (the scripted object has keycodes=x11) and evdev names
X11 = {c: code for code, c in zip(range(24, 34), "qwertyuiop")}
X11.update({c: code for code, c in zip(range(38, 47), "asdfghjkl")})
X11.update({c: code for code, c in zip(range(52, 59), "zxcvbnm")})
X11.update({c: code for code, c in zip(range(10, 20), "1234567890")})
X11[" "] = 65
SHIFT = (0xFFE1, 50, "KEY_LEFTSHIFT")
ALTGR = (0xFE03, 108, "KEY_RIGHTALT")      # ISO_Level3_Shift


def evdev(c):
    return "KEY_SPACE" if c == " " else "KEY_" + c.upper()


def burst(text, altgr_every=0):
    """(frames, expected guest key events) for text, capitals with Shift, and
    every altgr_every-th character with AltGr held (as AltGr+q on a German layout)."""
    frames, want = [], []
    for i, c in enumerate(text):
        low = c.lower()
        mods = []
        if c.isupper():
            mods.append(SHIFT)
        if altgr_every and i % altgr_every == altgr_every - 1:
            mods.append(ALTGR)
        mask = (1 if c.isupper() else 0) | (0x2000 if len(mods) > (1 if c.isupper() else 0) else 0)
        for keyid, button, name in mods:
            frames.append(ss.dkdn(keyid, 0, button))
            want.append(("key", name, 1))
        frames += [ss.dkdn(ord(c), mask, X11[low]), ss.dkup(ord(c), mask, X11[low])]
        want += [("key", evdev(low), 1), ("key", evdev(low), 0)]
        for keyid, button, name in reversed(mods):
            frames.append(ss.dkup(keyid, 0, button))
            want.append(("key", name, 0))
    return frames, want


TEXT = ("The Quick Brown Fox jumps over the lazy dog 0123456789 "
        "Pack my box with five dozen liquor jugs 42 times")[:100]
assert len(TEXT) == 100


@pytest.fixture(scope="module", params=list(KEYBOARDS))
def gs(request, module_run_dir):
    s = GuestSession(os.path.join(module_run_dir, request.param), KEYBOARDS[request.param])
    try:
        s.start()
        yield s
    finally:
        s.close()


def test_a_burst_of_100_characters_in_one_write_arrives_whole_and_in_order(gs):
    gs.scripted_enter(100, 100)
    frames, want = burst(TEXT, altgr_every=7)
    half = len(frames) // 2
    while frames[half - 1][4:8] != b"DKUP" or frames[half][4:8] != b"DKDN":
        half += 1
    click = [ss.dmdn(1), ss.dmup(1)]
    fence = [ss.dkdn(SCRIPTED_FENCE[0], 0, SCRIPTED_FENCE[1]), ss.dkup(SCRIPTED_FENCE[0], 0, SCRIPTED_FENCE[1])]
    mark = gs.guest.mark()
    qmark = gs.qemu.trace.mark()
    started = time.monotonic()
    gs.scripted().send(*(frames[:half] + click + frames[half:] + fence))
    got = gs._until_fence(mark, timeout=30)
    took = time.monotonic() - started
    keys = [e for e in presses(got) if e[1].startswith("KEY_")]
    assert not gs.guest.dropped, "the guest's reader was late (SYN_DROPPED): not a test of the device"
    print("%s: %d key events (100 characters, Shift and AltGr) in one write reached the guest in %.2f s"
          % (gs.device_set.name, len(want), took))
    assert keys == want, "lost or reordered: %d of %d arrived" % (len(keys), len(want))
    assert {e.device for e in got if e.code.startswith("KEY_")} == {gs.device_set.keyboard}
    # the click keeps its place between the two halves where QEMU injects it
    # (the guest reads its keyboard and its mouse through two devices)
    injected = [e for e in gs.qemu.trace.since(qmark) if e[0] in ("key", "btn")]
    left = injected.index(("btn", "left", True))
    assert sum(1 for e in injected[:left] if e[0] == "key") == half, "the click overtook a key or fell behind"


def test_xdotool_types_a_200_character_line_through_barriers_whole(gs):
    line = ("the quick brown fox jumps over the lazy dog " * 5)[:200]
    got = gs.keys(lambda d: d.type(line), timeout=60)
    keys = [e for e in presses(got) if e[1].startswith("KEY_")]
    want = [ev for c in line for ev in (("key", evdev(c), 1), ("key", evdev(c), 0))]
    assert keys == want, "%d of %d key events arrived" % (len(keys), len(want))
