# SPDX-License-Identifier: GPL-2.0-or-later
"""A real Barrier server + QEMU connected to it + a driver for the server's display.

capture(action) returns exactly the key/button events an action produced:
it takes a trace mark, runs the action, then makes 1-pixel pointer motions
(sentinels) and waits until their absolute events reach QEMU. Barrier
delivers in order on one TCP stream, so everything the action produced is in
the trace before the sentinels; nothing is guessed with sleeps.
"""
from .barrier_server import BarrierServer
from .driver import Driver
from .qemu import INPUT, Qemu, only


class RealSession:
    def __init__(self, run_dir, tls=False, qemu_binary=None, qemu_args=()):
        self.server = BarrierServer(run_dir, tls=tls)
        self.qemu_args = list(qemu_args)
        self.qemu = None
        self.driver = None
        self.run_dir = run_dir
        self.qemu_binary = qemu_binary
        self._flip = 1

    def start(self, connect_timeout=20.0):
        self.server.start()
        self.driver = Driver(self.server)
        mark = self.server.log_mark()
        self.qemu = self.make_qemu().start()
        self.server.wait_client_connected(connect_timeout, since=mark)
        return self

    def make_qemu(self):
        """The QEMU to start against the server (TLS sessions override it)."""
        return Qemu(self.run_dir, self.server.port, name=self.server.client_name,
                    binary=self.qemu_binary, extra_args=self.qemu_args)

    def close(self):
        if self.driver is not None:
            self.driver.close()
        if self.qemu is not None:
            self.qemu.stop()
        self.server.close()

    @property
    def trace(self):
        return self.qemu.trace

    # ---- screen -----------------------------------------------------------
    def ensure_on_vm(self, centre=True):
        """Pointer on the VM screen, away from its left edge (room for sentinel moves)."""
        if not self.driver.on_client:
            self.driver.enter()
            if centre:
                mark = self.trace.mark()
                self.driver.move(200, 0)
                self.wait_abs(mark)

    def wait_abs(self, mark, timeout=5.0):
        """Wait for any absolute pointer event after mark; return the index of the first one."""
        def first_abs():
            evs = self.trace.since(mark)
            for i, e in enumerate(evs):
                if e[0] == "abs":
                    return mark + i + 1   # +1 so that index 0 is truthy
            return None
        return self.trace_wait(first_abs, timeout, "an absolute pointer event (the sentinel motion)") - 1

    def trace_wait(self, pred, timeout, what):
        from .util import wait_until
        return wait_until(pred, timeout, lambda: "%s; seen since: %s" % (what, self.trace.since(0)[-20:]))

    def sentinel(self):
        """Move the pointer by one pixel, alternating right/left."""
        self.driver.move(self._flip, 0)
        self._flip = -self._flip

    def flush(self, timeout=5.0):
        """Return once everything sent so far has reached QEMU."""
        mark = self.trace.mark()
        self.sentinel()
        self.wait_abs(mark, timeout)

    def leave_with_key_held(self, key="a", timeout=5.0):
        """Hold `key` on the VM, leave for the server screen, and return the key
        events that reached QEMU after leaving (expected: just its release)."""
        trace, d = self.trace, self.driver
        mark = trace.mark()
        d.keydown(key)
        try:
            trace.wait_for([("key", key, True)], timeout, since=mark)
            leave_mark = trace.mark()
            d.leave()
            return trace.wait_for(lambda evs: ("key", key, False) in evs, timeout, since=leave_mark,
                                  keep=only("key"), what="the release of %r after leaving the VM" % key)
        finally:
            d.keyup(key)

    def capture(self, action, keep=INPUT, timeout=5.0):
        """Run action(driver); return the filtered events it produced, in order.

        Two sentinels end the capture: barriers now and then sends a motion
        made right after a key before that key (its X11 screen reads motion
        and keys on different paths), never two motions later."""
        self.flush(timeout)
        mark = self.trace.mark()
        action(self.driver)
        self.sentinel()
        first = self.wait_abs(mark, timeout)
        # the end of that motion: the sync after its absolute events
        after = self.trace_wait(
            lambda: next((first + i + 1 for i, e in enumerate(self.trace.since(first)) if e == ("sync",)), None),
            timeout, "the input sync after the sentinel motion")
        self.sentinel()
        end = self.wait_abs(after, timeout)
        evs = self.trace.events[mark:end]
        return [e for e in evs if keep(e)] if keep else evs
