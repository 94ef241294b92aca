# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 18: with the default keycodes=auto, the guest gets the PHYSICAL key
from the very first key press of a session, whatever the server's layout.

Barrier 2.4 and Deskflow 1.26.0 run on an Xvfb whose keymap is set with
setxkbmap (de, fr, ru, gb) before the server starts, so the server reads that
layout.  Each case is a fresh client session: the input-barrier object is
deleted and added again under a new id (nothing learned before), the pointer
enters the VM screen by motion alone, and the first key of the session is a
character of that layout typed with `xdotool type` (only the Shift xdotool
adds for a shifted character comes before it).  The server sends the KeyID of
the character (de 'z', ru 'а' = U+0430) with the X keycode of the key that
carries it as the button; the guest must get that key (de 'z' -> y), not the
US key of the symbol.

The expected keys are read from the server display's keymap (X keycode - 8 =
evdev -> QEMU qcode, harness/keymap.py), not written by hand.  The gb text
has no '@': gb has it on Shift+apostrophe and on AltGr+q, and xdotool types
AltGr+q through a virtual keycode (<LVL3>, 92) that is no physical key.

One server (and one QEMU) per server kind and layout serves every case.
"""
import os

import pytest

from harness.driver import Driver
from harness.keymap import ServerKeymap, set_layout
from harness.qemu import QMPError, Qemu, object_props, only
from harness.servers import SERVER_KINDS
from harness.session import RealSession

pytestmark = [pytest.mark.qemu, pytest.mark.real_server]

# Layout -> what is typed as the first keys of a session: characters that
# are on a different key than on a US keyboard (or on none there).
LAYOUTS = {
    "de": "zyöa",       # y z semicolon a
    "fr": "aqz",        # q a w
    "ru": "абв",        # f comma d
    "gb": '#"£',        # backslash (the ISO key by Return), Shift+2, Shift+3
}
SERVERS = ["barrier-2.4", "deskflow-1.26.0"]

# What the client exposes once it knows the server's keycode set.
DETECTED_PROPERTY = "detected-keycodes"

CONNECT_TIMEOUT = 20.0


def hmp_ok(q, command):
    out = q.hmp(command) or ""
    assert "rror" not in out, "HMP %r failed: %s" % (command, out.strip())
    return out


class LayoutSession(RealSession):
    """A server on a display with `layout`, QEMU without an input-barrier object
    at first; fresh_object() starts each client session from nothing."""

    def __init__(self, run_dir, kind, layout):
        super().__init__(run_dir)
        self.kind = kind
        self.layout = layout
        self.server = SERVER_KINDS[kind].make(run_dir)
        self.object_id = None
        self.objects = 0
        self.keymap = None

    def start(self, connect_timeout=CONNECT_TIMEOUT):
        srv = self.server
        srv.start_xvfb()
        set_layout(srv.display, self.layout, env=srv.x_env())   # before the server reads the keymap
        self.keymap = ServerKeymap(srv.display)
        srv.start()
        self.driver = Driver(srv)
        self.qemu = Qemu(self.run_dir, srv.port, name=srv.client_name, with_object=False).start()
        return self

    @property
    def object_path(self):
        return "/objects/" + self.object_id

    def fresh_object(self, extra=None):
        """Delete the current input-barrier object (if any) and add a new one under a
        new id; return once the server has accepted it. Returns the trace mark
        taken before the object existed."""
        q, srv = self.qemu, self.server
        assert q.alive(), "QEMU died earlier with this server:\n" + q.stderr_tail()
        if self.object_id is not None:
            mark = srv.log_mark()
            hmp_ok(q, "object_del " + self.object_id)
            srv.wait_client_gone(CONNECT_TIMEOUT, since=mark)
        self.driver.on_client = False     # the server took the pointer back, if it was on the VM
        self.objects += 1
        self.object_id = "kbd%s%d" % (self.layout, self.objects)
        trace_mark, log_mark = self.trace.mark(), srv.log_mark()
        hmp_ok(q, "object_add " + object_props(srv.port, srv.client_name, object_id=self.object_id,
                                               extra=extra))
        srv.wait_client_connected(CONNECT_TIMEOUT, since=log_mark)
        return trace_mark

    def first_keys(self, text, session_mark):
        """In a fresh session (session_mark from fresh_object): enter the VM by
        motion only, type text; return (the key events of the typing, every
        key event of the session)."""
        self.ensure_on_vm()
        got = self.capture(lambda d: d.type(text), keep=only("key"))
        return got, self.trace.since(session_mark, only("key"))

    def detected_keycodes(self):
        """QOM detected-keycodes of the current object; the test is skipped
        (one line) when this build's object has no such property."""
        try:
            return self.qemu.qom_get(self.object_path, DETECTED_PROPERTY)
        except QMPError as e:
            if "property" in str(e).lower() and "not found" in str(e).lower():
                pytest.skip("this build's input-barrier object has no %r property (%s)" % (DETECTED_PROPERTY, e))
            raise


@pytest.fixture(scope="module", params=[(k, lay) for k in SERVERS for lay in LAYOUTS],
                ids=lambda p: "%s-%s" % p)
def layout_session(request, module_run_dir):
    kind, layout = request.param
    reason = SERVER_KINDS[kind].missing_reason()
    if reason:
        pytest.skip(reason)
    s = LayoutSession(os.path.join(module_run_dir, "%s-%s" % (kind, layout)), kind, layout)
    try:
        s.start()
        yield s
    finally:
        s.close()


def test_first_key_of_a_session_is_the_physical_key(layout_session):
    """The first keys of a fresh session, on the server's layout, are the
    physical keys in the guest: nothing else before them, the first press included."""
    s = layout_session
    text = LAYOUTS[s.layout]
    expected = s.keymap.expected_typing(text)
    got, session_keys = s.first_keys(text, s.fresh_object())
    assert session_keys == got, "key events in the session before the typed text"
    first_press = next((e for e in got if e[2]), None)
    want_first = next(e for e in expected if e[2])
    assert first_press == want_first, (
        "the first key press of the session (%r on a %s layout) is %r, not the physical key %r; "
        "all events: %s" % (text[0], s.layout, first_press, want_first, got))
    assert got == expected


def test_detected_keycodes_is_x11_after_the_first_keys(layout_session):
    """What the session learned from its first keys is visible: QOM
    detected-keycodes is auto before any key, x11 after them."""
    s = layout_session
    text = LAYOUTS[s.layout]
    session_mark = s.fresh_object()
    before = s.detected_keycodes()
    got, _ = s.first_keys(text, session_mark)
    assert (before, s.detected_keycodes()) == ("auto", "x11"), "before and after typing %r (events %s)" % (text, got)
