# SPDX-License-Identifier: GPL-2.0-or-later
"""Drive the server's X display with xdotool, so barriers sends real events.

Every method returns once xdotool has returned (the X server has the event);
enter()/leave() additionally wait for barriers to log the screen switch.
Key names are X keysym names as xdotool takes them (a, Return, shift+1, KP_End...).
"""
import ctypes
import ctypes.util
import re
import subprocess
import time

from .util import wait_until

BUTTON_OF_SCROLL = {"up": 4, "down": 5, "left": 6, "right": 7}


class XTest:
    """Raw XTest key events by keycode (libXtst, a dependency of xdotool).

    xdotool adds the modifier a keysym "needs": `xdotool key Shift_R` sends
    Shift_L + Shift_R, `Control_R` sends Control_L + Control_R.  To press exactly
    one physical key, look its keycode up and fake just that key.
    """

    def __init__(self, display):
        self.x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        self.xtst = ctypes.CDLL(ctypes.util.find_library("Xtst") or "libXtst.so.6")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x11.XStringToKeysym.restype = ctypes.c_ulong
        self.x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self.x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        self.x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self.dpy = self.x11.XOpenDisplay(display.encode())
        if not self.dpy:
            raise RuntimeError("cannot open X display %s" % display)

    def keycode(self, keysym_name):
        sym = self.x11.XStringToKeysym(keysym_name.encode())
        code = self.x11.XKeysymToKeycode(self.dpy, sym) if sym else 0
        if not code:
            raise ValueError("no key for keysym %r on this display" % keysym_name)
        return code

    def key(self, keycode, down):
        self.xtst.XTestFakeKeyEvent(self.dpy, keycode, 1 if down else 0, 0)
        self.x11.XSync(self.dpy, 0)

    def repeat(self, keycode):
        """What X autorepeat does to a held key: a release and a press, sent in
        one batch so that they usually share a timestamp, which is how Barrier's
        X11 screen tells a repeat (key-repeat message) from a new press."""
        self.xtst.XTestFakeKeyEvent(self.dpy, keycode, 0, 0)
        self.xtst.XTestFakeKeyEvent(self.dpy, keycode, 1, 0)
        self.x11.XSync(self.dpy, 0)

    def close(self):
        if self.dpy:
            self.x11.XCloseDisplay(self.dpy)
            self.dpy = None


class Driver:
    def __init__(self, server, key_delay_ms=20):
        self.server = server
        self.env = server.x_env()
        self.w, self.h = server.width, server.height
        self.key_delay_ms = key_delay_ms
        self.on_client = False
        self._xtest = None

    def xdo(self, *args):
        res = subprocess.run(["xdotool"] + [str(a) for a in args], env=self.env,
                             capture_output=True, text=True, timeout=30)
        if res.returncode != 0:
            raise RuntimeError("xdotool %s failed (%d): %s" % (" ".join(map(str, args)), res.returncode,
                                                              res.stderr.strip()))
        return res.stdout

    def _switch_rx(self, src, dst):
        return r'switch from "%s" to "%s"' % (re.escape(src), re.escape(dst))

    # ---- screens ----------------------------------------------------------
    def enter(self, timeout=10.0, push_interval=1.0):
        """Move to the right edge of the server screen and push past it; wait for the switch.
        Not switched yet after push_interval seconds: push again (e.g. while a client is
        still handshaking, or the first motion after barriers warped the pointer home)."""
        srv = self.server
        mark = srv.log_mark()
        rx = self._switch_rx(srv.server_name, srv.client_name)
        self.xdo("mousemove", self.w // 2, self.h // 2)
        self.xdo("mousemove", self.w - 1, self.h // 2)
        last_push = [time.monotonic()]

        def switched():
            if re.search(rx, srv.log_text(mark)):
                return True
            if time.monotonic() - last_push[0] > push_interval:  # not switched yet: push again
                self.xdo("mousemove_relative", "--", 50, 0)
                last_push[0] = time.monotonic()
            return False
        wait_until(switched, timeout, lambda: "barriers to switch to %s; log tail:\n%s"
                   % (srv.client_name, srv.log_text(mark)[-800:]), interval=0.1)
        self.on_client = True

    def leave(self, timeout=10.0):
        """Move left on the client screen until barriers switches back to the server."""
        srv = self.server
        mark = srv.log_mark()
        rx = self._switch_rx(srv.client_name, srv.server_name)

        last_push = [0.0]

        def switched():
            if re.search(rx, srv.log_text(mark)):
                return True
            if time.monotonic() - last_push[0] > 0.3:
                self.xdo("mousemove_relative", "--", -(self.w // 2 - 10), 0)
                last_push[0] = time.monotonic()
            return False
        wait_until(switched, timeout, lambda: "barriers to switch back to %s; log tail:\n%s"
                   % (srv.server_name, srv.log_text(mark)[-800:]), interval=0.1)
        self.on_client = False

    # ---- keyboard ---------------------------------------------------------
    def type(self, text):
        self.xdo("type", "--delay", self.key_delay_ms, "--", text)

    def key(self, *names):
        """Press and release each key (or combo like ctrl+c) in turn."""
        self.xdo("key", "--delay", self.key_delay_ms, *names)

    def xtest(self):
        if self._xtest is None:
            self._xtest = XTest(self.server.display)
        return self._xtest

    def physical_key(self, keysym_name):
        """Press and release exactly the one key that carries this keysym (no added modifiers)."""
        code = self.xtest().keycode(keysym_name)
        self.xtest().key(code, True)
        self.xtest().key(code, False)

    def key_press(self, keysym_name):
        """Press exactly the key that carries this keysym (XTest)."""
        self.xtest().key(self.xtest().keycode(keysym_name), True)

    def key_release(self, keysym_name):
        self.xtest().key(self.xtest().keycode(keysym_name), False)

    def key_repeat(self, keysym_name):
        """One autorepeat of a held key (see XTest.repeat)."""
        self.xtest().repeat(self.xtest().keycode(keysym_name))

    def close(self):
        if self._xtest is not None:
            self._xtest.close()
            self._xtest = None

    def keydown(self, name):
        self.xdo("keydown", name)

    def keyup(self, name):
        self.xdo("keyup", name)

    # ---- pointer ----------------------------------------------------------
    def click(self, button, repeat=1):
        self.xdo("click", "--repeat", repeat, "--delay", 30, button)

    def buttondown(self, button):
        self.xdo("mousedown", button)

    def buttonup(self, button):
        self.xdo("mouseup", button)

    def scroll(self, direction, notches=1):
        self.click(BUTTON_OF_SCROLL[direction], notches)

    def move(self, dx, dy):
        """Relative motion (on the client barriers turns it into absolute DMMV)."""
        self.xdo("mousemove_relative", "--", dx, dy)

    def move_to(self, x, y):
        """Absolute motion on the server's own screen."""
        self.xdo("mousemove", x, y)
