#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The demo: a real Barrier 2.4 server headless under Xvfb on loopback, the
patched QEMU as its screen VM-1, and xdotool typing and clicking on the
server's display.  Prints what the VM received, from QEMU's input trace.

Run through `make demo` (which builds everything first).
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness.qemu import qemu_binary, qemu_missing_reason  # noqa: E402
from harness.session import RealSession  # noqa: E402
from harness.util import OwnedProcess  # noqa: E402

TEXT = "Hello, VM-1!"


def show(title, events):
    print("  %-34s %s" % (title, " ".join(describe(e) for e in events) or "(nothing)"))


def describe(event):
    kind = event[0]
    if kind == "key":
        return ("+" if event[2] else "-") + event[1]
    if kind == "btn":
        return ("+" if event[2] else "-") + event[1]
    if kind == "abs":
        return "%s=0x%x" % (event[1], event[2])
    if kind == "rel":
        return "%s%+d" % (event[1], event[2])
    return kind


def main():
    missing = qemu_missing_reason()
    if missing:
        print("demo: %s" % missing)
        return 1
    run_dir = tempfile.mkdtemp(prefix="bc-demo-", dir="/tmp")
    session = RealSession(run_dir)
    try:
        print("demo: starting barriers 2.4 under Xvfb and %s as screen VM-1" % qemu_binary())
        session.start()
        print("demo: VM-1 connected to the server (QOM state: %s)" % session.qemu.state())
        session.ensure_on_vm()
        print("demo: the pointer is on VM-1 (QOM state: %s); the VM received:" % session.qemu.state())
        keys = [e for e in session.capture(lambda d: d.type(TEXT)) if e[0] == "key"]
        show("typed %r:" % TEXT, keys)
        show("keys Up Home F5 ctrl+a:", [e for e in session.capture(
            lambda d: d.key("Up", "Home", "F5", "ctrl+a")) if e[0] == "key"])
        for button, name in ((1, "left"), (3, "right"), (8, "back")):
            show("click %s:" % name, [e for e in session.capture(lambda d: d.click(button))
                                      if e[0] == "btn"])
        show("scroll down 2 notches:", [e for e in session.capture(lambda d: d.scroll("down", 2))
                                        if e[0] == "btn"])
        session.driver.leave()
        print("demo: the pointer left VM-1 (QOM state: %s)" % session.qemu.state())
        print("demo: done (logs in %s)" % run_dir)
        return 0
    finally:
        session.close()
        OwnedProcess.stop_all()


if __name__ == "__main__":
    sys.exit(main())
