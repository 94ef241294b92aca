# SPDX-License-Identifier: GPL-2.0-or-later
"""The keyboard layout of a server's X display, and the QEMU key a physical key is.

    set_layout(display, "de")                  # setxkbmap, checked with -query
    km = ServerKeymap(display)                 # reads the keymap the server sees
    km.key_of("ö")                             # (47, 0): X keycode, shift level
    km.expected_typing("zyö")                  # the QEMU key events `xdotool type` makes
    qcode_of_x_keycode(47)                     # "semicolon": X keycode - 8 = evdev

X servers with the evdev keycode set (Xvfb, Xorg with evdev/libinput) number
keys evdev + 8, whatever the layout; QEMU's trace names the same physical key
by its QKeyCode (EVDEV_QCODE, from keycodemapdb's keymaps.csv as QEMU 10.0.2
ships it: "Linux Keycode" -> "QEMU QKeyCode").  So a test can say which
physical key a character is on, on the server's own layout, instead of
writing the answer by hand.

A character counts only if it sits on exactly one key at level 1 or 2
(plain or Shift) of the first group and nowhere else: then `xdotool type`
has no choice of key.  (On gb, '@' is on Shift+apostrophe and on AltGr+q;
xdotool takes AltGr+q, through the <LVL3> keycode 92 that has no evdev key.)
"""
import ctypes
import ctypes.util
import subprocess

# evdev code -> QEMU QKeyCode name (the main block, the ISO key, the two JIS
# keys, both Alts).
EVDEV_QCODE = {
    1: "esc", 2: "1", 3: "2", 4: "3", 5: "4", 6: "5", 7: "6", 8: "7", 9: "8", 10: "9", 11: "0",
    12: "minus", 13: "equal", 14: "backspace", 15: "tab",
    16: "q", 17: "w", 18: "e", 19: "r", 20: "t", 21: "y", 22: "u", 23: "i", 24: "o", 25: "p",
    26: "bracket_left", 27: "bracket_right", 28: "ret", 29: "ctrl",
    30: "a", 31: "s", 32: "d", 33: "f", 34: "g", 35: "h", 36: "j", 37: "k", 38: "l",
    39: "semicolon", 40: "apostrophe", 41: "grave_accent", 42: "shift", 43: "backslash",
    44: "z", 45: "x", 46: "c", 47: "v", 48: "b", 49: "n", 50: "m",
    51: "comma", 52: "dot", 53: "slash", 54: "shift_r", 56: "alt", 57: "spc", 58: "caps_lock",
    86: "less", 89: "ro", 97: "ctrl_r", 100: "alt_r", 124: "yen",
}

X_KEYCODE_OFFSET = 8


def qcode_of_x_keycode(keycode):
    evdev = keycode - X_KEYCODE_OFFSET
    if evdev not in EVDEV_QCODE:
        raise KeyError("X keycode %d (evdev %d) is not in harness/keymap.py's EVDEV_QCODE" % (keycode, evdev))
    return EVDEV_QCODE[evdev]


def set_layout(display, layout, env=None):
    """setxkbmap LAYOUT on the display (rules evdev, as Xvfb's), then check it took."""
    subprocess.run(["setxkbmap", "-display", display, layout], check=True, env=env,
                   capture_output=True, text=True)
    query = subprocess.run(["setxkbmap", "-display", display, "-query"], check=True, env=env,
                           capture_output=True, text=True).stdout
    got = dict(line.split(":", 1) for line in query.splitlines() if ":" in line)
    if got.get("layout", "").strip() != layout:
        raise RuntimeError("setxkbmap %s on %s did not take: %s" % (layout, display, query))


class ServerKeymap:
    """Which X keycode and shift level carries a character on a display's keymap
    (group 1 only, levels 1-4), read once through XKB."""

    LEVELS = 4

    def __init__(self, display):
        x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        # keysym -> Unicode: libxkbcommon, a dependency of xdotool (libxdo3)
        xkb = ctypes.CDLL(ctypes.util.find_library("xkbcommon") or "libxkbcommon.so.0")
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x11.XkbKeycodeToKeysym.restype = ctypes.c_ulong
        x11.XkbKeycodeToKeysym.argtypes = [ctypes.c_void_p, ctypes.c_ubyte, ctypes.c_int, ctypes.c_int]
        x11.XStringToKeysym.restype = ctypes.c_ulong
        x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        xkb.xkb_keysym_to_utf32.restype = ctypes.c_uint32
        xkb.xkb_keysym_to_utf32.argtypes = [ctypes.c_uint32]
        dpy = x11.XOpenDisplay(display.encode())
        if not dpy:
            raise RuntimeError("cannot open X display %s" % display)
        try:
            self.carriers = {}      # character -> [(keycode, level), ...]
            for keycode in range(8, 256):
                for level in range(self.LEVELS):
                    sym = x11.XkbKeycodeToKeysym(dpy, keycode, 0, level)
                    cp = xkb.xkb_keysym_to_utf32(sym) if sym else 0
                    if cp:
                        self.carriers.setdefault(chr(cp), []).append((keycode, level))
            self.shift_keycode = x11.XKeysymToKeycode(dpy, x11.XStringToKeysym(b"Shift_L"))
        finally:
            x11.XCloseDisplay(dpy)
        self.display = display

    def key_of(self, char):
        """(X keycode, level 0 or 1) of the one key that types char, else ValueError."""
        where = self.carriers.get(char, [])
        keycodes = sorted({k for k, _ in where})
        if len(keycodes) != 1 or min(lvl for _, lvl in where) > 1:
            raise ValueError("%r is not on exactly one key at level 1 or 2 of %s's keymap "
                             "(keycode, level: %s): xdotool may pick another key; choose another character"
                             % (char, self.display, where))
        return keycodes[0], min(lvl for _, lvl in where)

    def expected_typing(self, text):
        """The QEMU key events of `xdotool type text` when every key is the physical one:
        a plain character is its key's press and release; a shifted one is Shift
        down, the key down, Shift up, the key up (the order Barrier-protocol
        servers send xdotool's events in: Shift is released before the key)."""
        shift = qcode_of_x_keycode(self.shift_keycode)
        events = []
        for c in text:
            keycode, level = self.key_of(c)
            q = qcode_of_x_keycode(keycode)
            if level == 0:
                events += [("key", q, True), ("key", q, False)]
            else:
                events += [("key", shift, True), ("key", q, True), ("key", shift, False), ("key", q, False)]
        return events
