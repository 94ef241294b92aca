# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 16: the server's per-screen modifier mapping, against a real Barrier 2.4.

Lines such as `ctrl = super` in the VM's screen section of barrier.conf reach
the client as DSOP options (MMFC = 5 ...); the client applies them to the
modifier keys it presses: a remapped modifier presses the target modifier's key
on the same side, a modifier mapped to `none` presses nothing.  The server
sends CROP + DSOP when the client connects and again on every configuration
reload (SIGHUP: Barrier's ServerApp::reloadConfig -> Server::setConfig ->
sendOptions), and each of them starts from no mapping.

One barriers + QEMU pair serves the module.  The configuration it starts with
maps ctrl to super; each test first asks for the screen section it needs
(reloading the server only when that differs from the current one) and checks
from barriers' log that the new options were sent.  On a mismatch the
assertion message lists the key messages barriers logged for the action.
"""
import re

import pytest

from harness.session import RealSession

pytestmark = [pytest.mark.qemu, pytest.mark.real_server]

INITIAL_SCREEN = ["ctrl = super"]


def press(qcode):
    return [("key", qcode, True), ("key", qcode, False)]


def chord(first, second):
    """What `xdotool key first+second` gives: first down, second down, first up, second up."""
    return [("key", first, True), ("key", second, True), ("key", first, False), ("key", second, False)]


@pytest.fixture(scope="module")
def session(module_run_dir):
    s = RealSession(module_run_dir)
    s.server.client_screen = list(INITIAL_SCREEN)
    try:
        s.start()
        yield s
    finally:
        s.close()


def options_sent(srv, since):
    """What barriers logged sending the VM about options after since, e.g.
    ['send reset options to "VM-1"', 'send set options to "VM-1" size=2']."""
    rx = re.compile(r'send (?:reset|set) options to "%s".*$' % re.escape(srv.client_name))
    return [m.group(0) for m in map(rx.search, srv.log_text(since).splitlines()) if m]


def configure(session, lines):
    """Make VM-1's screen section exactly `lines`: rewrite barrier.conf and reload the
    server (SIGHUP) unless it already is; wait until barriers logged sending the VM the
    reset (CROP) and the new options (DSOP: 2 ints per option). Returns the log mark
    taken before the reload, or None when nothing had to change."""
    srv = session.server
    lines = list(lines)
    if srv.client_screen == lines:
        return None
    srv.client_screen = lines
    mark = srv.reload()
    name = re.escape(srv.client_name)
    srv.wait_log(r'send reset options to "%s"' % name, 5, since=mark)
    srv.wait_log(r'send set options to "%s" size=%d\b' % (name, 2 * len(lines)), 5, since=mark)
    return mark


def capture_keys(session, action):
    """The key events of action, and barriers' log lines of the key messages it sent."""
    mark = session.server.log_mark()
    got = session.capture(action)
    sent = [line.split("] ", 1)[-1] for line in session.server.log_text(mark).splitlines()
            if re.search(r"send key (down|up|repeat)", line)]
    return got, "barriers sent:\n  " + "\n  ".join(sent or ["(no key messages logged)"])


def check(session, action, expected):
    got, sent = capture_keys(session, action)
    assert got == expected, sent


# ------------------------------------------------------------ ctrl = super --

def test_mapping_is_sent_when_the_client_connects(session):
    # the configuration barriers started with, before any reload: one option
    # (MMFC); barriers logs "set options" a moment after "reset options"
    session.server.wait_log(r'send set options to "VM-1"', 10)
    head = session.server.log_text(0).split("reload configuration")[0]
    sent = options_sent(session.server, 0)
    assert re.search(r'send set options to "VM-1" size=2\b', head), \
        "barriers did not send the VM one option at connect; it logged: %s" % (sent,)


def test_ctrl_c_arrives_as_meta_c(vm):
    configure(vm, ["ctrl = super"])
    check(vm, lambda d: d.key("ctrl+c"), chord("meta_l", "c"))


def test_right_control_arrives_as_right_meta(vm):
    configure(vm, ["ctrl = super"])
    # physical_key: xdotool would add Control_L to Control_R
    check(vm, lambda d: d.physical_key("Control_R"), press("meta_r"))


def test_other_modifiers_are_not_remapped(vm):
    configure(vm, ["ctrl = super"])
    # only ctrl is mapped: super stays super (it is not sent to ctrl), shift and alt stay
    check(vm, lambda d: d.key("super+a"), chord("meta_l", "a"))
    check(vm, lambda d: d.key("alt+x"), chord("alt", "x"))
    check(vm, lambda d: d.key("shift+z"), chord("shift", "z"))


def test_reload_without_the_line_gives_ctrl_again(vm):
    configure(vm, ["ctrl = super"])
    check(vm, lambda d: d.key("ctrl+c"), chord("meta_l", "c"))
    mark = configure(vm, [])
    log = vm.server.log_text(mark)
    assert "reload configuration" in log and "reloaded configuration" in log
    # the reload sent CROP and then an empty DSOP (no options left for the VM)
    assert options_sent(vm.server, mark) == [
        'send reset options to "VM-1"', 'send set options to "VM-1" size=0']
    check(vm, lambda d: d.key("ctrl+c"), chord("ctrl", "c"))
    check(vm, lambda d: d.physical_key("Control_R"), press("ctrl_r"))


def test_swapped_ctrl_and_super(vm):
    configure(vm, ["ctrl = super", "super = ctrl"])
    check(vm, lambda d: d.key("ctrl+c"), chord("meta_l", "c"))
    check(vm, lambda d: d.key("super+a"), chord("ctrl", "a"))
    check(vm, lambda d: d.physical_key("Control_R"), press("meta_r"))
    check(vm, lambda d: d.physical_key("Super_R"), press("ctrl_r"))


def test_modifier_held_across_a_reload_is_released_as_pressed(vm):
    # Control_L pressed under ctrl = super is meta_l in the guest; the server then
    # drops the mapping while the key is held: its release must let go of meta_l
    # (the key the guest has down), not press or release ctrl.
    configure(vm, ["ctrl = super"])
    trace, d = vm.trace, vm.driver
    mark = trace.mark()
    d.key_press("Control_L")
    try:
        trace.wait_for([("key", "meta_l", True)], 5, since=mark)
        configure(vm, [])
    finally:
        d.key_release("Control_L")
    vm.flush()
    got = trace.since(mark, lambda e: e[0] == "key")
    assert got == press("meta_l"), "Control_L pressed under ctrl = super, released after a reload " \
        "without it; barriers log since the press:\n%s" % vm.server.log_text(0)[-3000:]
    check(vm, lambda d: d.key("ctrl+c"), chord("ctrl", "c"))


# ------------------------------------------------------------------- none --

def test_super_none_injects_nothing_for_super(vm):
    configure(vm, ["super = none"])
    check(vm, lambda d: d.physical_key("Super_L"), [])
    check(vm, lambda d: d.physical_key("Super_R"), [])
    # other keys still arrive, alone and under the dropped modifier
    check(vm, lambda d: (d.physical_key("Super_L"), d.type("a")), press("a"))
    check(vm, lambda d: d.key("super+a"), press("a"))
    # and the other modifiers are themselves (the DSOP replaced ctrl = super)
    check(vm, lambda d: d.key("ctrl+c"), chord("ctrl", "c"))


def test_alt_none_injects_nothing_for_alt(vm):
    configure(vm, ["alt = none"])
    check(vm, lambda d: d.physical_key("Alt_L"), [])
    check(vm, lambda d: d.key("alt+x"), press("x"))
    check(vm, lambda d: d.key("super+a"), chord("meta_l", "a"))
    check(vm, lambda d: d.physical_key("Shift_R"), press("shift_r"))
