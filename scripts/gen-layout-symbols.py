#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generates what keycodes=auto knows about keyboard layouts, from Debian's xkb-data.

Usage (from the repository root; needs xkb-data and libxkbcommon0, Debian packages):

    python3 scripts/gen-layout-symbols.py [--check] \
        ~/.cache/barrierclient/qemu-10.0.2/src/subprojects/keycodemapdb/data/keymaps.csv

writes (or with --check, fails unless they are current)

  * Sources/BarrierCore/Keys/LayoutSymbols.generated.swift: for every symbol
    (Barrier KeyID) a physical key types in one of LAYOUTS, on which levels
    (plain, Shift, AltGr, Shift+AltGr) and in how many of the layouts; plus
    precomposed letters and the letter they are made from (a macOS server sends
    "e with circumflex" with the E key's button after a dead key);
  * Tests/BarrierCoreTests/Fixtures/layout-keystrokes.txt: every key of the
    typing block of every layout in TESTED, at every level, as an X11, a
    Windows and a macOS server would send it (KeyID, mask, button) with the
    physical key (evdev code) the guest must get.

The layouts are compiled by libxkbcommon (ctypes) from the installed xkb-data,
so the tables follow the data the X servers themselves use. A server's
button for a physical key comes from keymaps.csv (QEMU's keycodemapdb), like
scripts/gen-keytables.py: X11 = evdev + 8, Windows = set-1 scancode with the
E0 prefix as 0x100, macOS = kVK code + 1 (protocol §4).
"""

import ctypes
import hashlib
import importlib.util
import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT_SWIFT = os.path.join(ROOT, "Sources/BarrierCore/Keys/LayoutSymbols.generated.swift")
OUT_CASES = os.path.join(ROOT, "Tests/BarrierCoreTests/Fixtures/layout-keystrokes.txt")

# (layout, variant): the layouts users type on. PC layouts serve X11 and
# Windows servers (Windows' layouts of these countries put the same symbols on
# the same keys, with fewer AltGr extras); the macintosh variants serve macOS.
PC_LAYOUTS = [
    ("us", ""), ("us", "intl"), ("gb", ""), ("de", ""), ("fr", ""), ("be", ""), ("es", ""),
    ("latam", ""), ("pt", ""), ("br", ""), ("it", ""), ("se", ""), ("no", ""), ("dk", ""),
    ("fi", ""), ("ch", ""), ("ch", "fr"), ("ru", ""), ("ua", ""), ("gr", ""), ("il", ""),
    ("jp", ""), ("kr", ""), ("pl", ""), ("cz", ""), ("hu", ""), ("tr", ""), ("ca", "fr"),
]
MAC_LAYOUTS = [
    ("us", "mac"), ("gb", "mac"), ("de", "mac"), ("fr", "mac"), ("es", "mac"), ("it", "mac"),
    ("se", "mac"), ("no", "mac"), ("dk", "mac"), ("fi", "mac"), ("ch", "de_mac"),
    ("ch", "fr_mac"), ("ru", "mac"), ("ua", "macOS"), ("jp", "mac"), ("pt", "mac"),
]
LAYOUTS = PC_LAYOUTS + MAC_LAYOUTS

# The layouts issue 18 names: (name, PC layout, macOS layout).
TESTED = [
    ("us", ("us", ""), ("us", "mac")), ("gb", ("gb", ""), ("gb", "mac")),
    ("de", ("de", ""), ("de", "mac")), ("fr", ("fr", ""), ("fr", "mac")),
    ("es", ("es", ""), ("es", "mac")), ("it", ("it", ""), ("it", "mac")),
    ("se", ("se", ""), ("se", "mac")), ("no", ("no", ""), ("no", "mac")),
    ("dk", ("dk", ""), ("dk", "mac")), ("fi", ("fi", ""), ("fi", "mac")),
    ("ch", ("ch", ""), ("ch", "de_mac")), ("ch-fr", ("ch", "fr"), ("ch", "fr_mac")),
    ("ru", ("ru", ""), ("ru", "mac")), ("ua", ("ua", ""), ("ua", "macOS")),
    ("gr", ("gr", ""), ("gr", "")), ("il", ("il", ""), ("il", "")),
    ("jp", ("jp", ""), ("jp", "mac")), ("kr", ("kr", ""), ("kr", "")),
]

# X dead keysyms -> Barrier's KeyIDs for them, combining marks (protocol §3.1,
# barrier/key_types.h kKeyDead*).
DEAD_KEYS = {
    0xFE50: 0x0300, 0xFE51: 0x0301, 0xFE52: 0x0302, 0xFE53: 0x0303, 0xFE54: 0x0304,
    0xFE55: 0x0306, 0xFE56: 0x0307, 0xFE57: 0x0308, 0xFE58: 0x030A, 0xFE59: 0x030B,
    0xFE5A: 0x030C, 0xFE5B: 0x0327, 0xFE5C: 0x0328,
}

# Modifier masks (protocol §3.2) a server sends with a key of each level.
SHIFT, CONTROL, ALT, ALTGR = 0x0001, 0x0002, 0x0004, 0x0020
LEVEL_MASKS = {
    "x11": [0, SHIFT, ALTGR, SHIFT | ALTGR],
    # Windows' AltGr is Right Alt with a fake Left Control.
    "windows": [0, SHIFT, CONTROL | ALT, SHIFT | CONTROL | ALT],
    # Option; a macOS server strips AltGr from the mask.
    "macos": [0, SHIFT, ALT, SHIFT | ALT],
}

# Physical keys of the typing block (evdev codes): the keys whose symbol
# depends on the layout, where a test can go wrong.
TYPING_BLOCK = set(range(2, 14)) | set(range(16, 28)) | set(range(30, 42)) | set(range(43, 54)) \
    | {57, 86, 89, 124}


class RuleNames(ctypes.Structure):
    _fields_ = [(n, ctypes.c_char_p) for n in ("rules", "model", "layout", "variant", "options")]


def xkbcommon():
    lib = ctypes.CDLL("libxkbcommon.so.0")
    lib.xkb_context_new.restype = ctypes.c_void_p
    lib.xkb_context_new.argtypes = [ctypes.c_int]
    lib.xkb_keymap_new_from_names.restype = ctypes.c_void_p
    lib.xkb_keymap_new_from_names.argtypes = [ctypes.c_void_p, ctypes.POINTER(RuleNames), ctypes.c_int]
    for name in ("xkb_keymap_min_keycode", "xkb_keymap_max_keycode", "xkb_keymap_unref"):
        getattr(lib, name).argtypes = [ctypes.c_void_p]
    lib.xkb_keymap_num_layouts_for_key.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.xkb_keymap_num_levels_for_key.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32]
    lib.xkb_keymap_key_get_syms_by_level.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
        ctypes.POINTER(ctypes.POINTER(ctypes.c_uint32))]
    lib.xkb_keysym_to_utf32.restype = ctypes.c_uint32
    lib.xkb_keysym_to_utf32.argtypes = [ctypes.c_uint32]
    return lib


def key_id(lib, keysym):
    """The KeyID a Barrier server sends for an X keysym (protocol §3.1), or None."""
    if keysym in DEAD_KEYS:
        return DEAD_KEYS[keysym]
    if 0x20 <= keysym <= 0x7E or 0xA0 <= keysym <= 0xFF:
        return keysym
    if 0xFE00 <= keysym <= 0xFFFF:
        return keysym - 0x1000
    code = lib.xkb_keysym_to_utf32(keysym)
    if code and code <= 0xFFFF and not 0xE000 <= code <= 0xEFFF:
        return code
    return None


def compile_layout(lib, ctx, layout, variant):
    """{evdev: [(level 0..3, keysym)]} of the layout's first group."""
    names = RuleNames(b"evdev", b"pc105", layout.encode(), variant.encode(), None)
    keymap = lib.xkb_keymap_new_from_names(ctx, ctypes.byref(names), 0)
    if not keymap:
        sys.exit("gen-layout-symbols: xkb-data has no layout %s(%s)" % (layout, variant))
    keys = {}
    try:
        for keycode in range(lib.xkb_keymap_min_keycode(keymap), lib.xkb_keymap_max_keycode(keymap) + 1):
            if lib.xkb_keymap_num_layouts_for_key(keymap, keycode) < 1:
                continue
            for level in range(min(4, lib.xkb_keymap_num_levels_for_key(keymap, keycode, 0))):
                syms = ctypes.POINTER(ctypes.c_uint32)()
                n = lib.xkb_keymap_key_get_syms_by_level(keymap, keycode, 0, level, ctypes.byref(syms))
                if n == 1:
                    keys.setdefault(keycode - 8, []).append((level, syms[0]))
    finally:
        lib.xkb_keymap_unref(keymap)
    return keys


def load_platform_tables(csv_path):
    spec = importlib.util.spec_from_file_location("gen_keytables", os.path.join(HERE, "gen-keytables.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    _, _, qnum, macos, _ = gen.load(csv_path)
    windows_button, macos_button = {}, {}
    for q, evdev in enumerate(qnum):
        if evdev and q != 0xB7 and evdev not in windows_button:
            windows_button[evdev] = (q & 0x7F) | (0x100 if q & 0x80 else 0)
    for kvk, evdev in enumerate(macos):
        if evdev and evdev not in macos_button:
            macos_button[evdev] = kvk + 1
    return windows_button, macos_button


def composed_letters(base_ids):
    """Precomposed letter -> the letter it is made from, for letters of the tables."""
    pairs = {}
    for code in list(range(0xC0, 0x250)) + list(range(0x370, 0x530)) + list(range(0x1E00, 0x1F00)):
        decomposed = unicodedata.normalize("NFD", chr(code))
        if len(decomposed) < 2 or not all(unicodedata.combining(c) for c in decomposed[1:]):
            continue
        base = ord(decomposed[0])
        if base in base_ids:
            pairs[code] = base
    return pairs


def swift_hex_array(values, width, per_line):
    fmt = "0x%%0%dX" % width
    lines = []
    for start in range(0, len(values), per_line):
        lines.append("        " + ", ".join(fmt % v for v in values[start:start + per_line]) + ",")
    return "\n".join(lines)


def write(path, text, check):
    """Writes `text` to `path`, or with `check` only says whether it is current."""
    if check:
        with open(path) as f:
            if f.read() != text:
                sys.exit("gen-layout-symbols: %s is stale: run scripts/gen-layout-symbols.py" % path)
        return
    with open(path, "w") as f:
        f.write(text)


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    check = len(args) != len(sys.argv) - 1
    if len(args) != 1:
        sys.exit("usage: gen-layout-symbols.py [--check] path/to/keymaps.csv")
    csv_path = args[0]
    lib = xkbcommon()
    ctx = lib.xkb_context_new(0)
    compiled = {lv: compile_layout(lib, ctx, *lv) for lv in LAYOUTS}

    # (KeyID, evdev) -> [layouts typing it on level 0, 1, 2, 3]
    counts = {}
    for keys in compiled.values():
        seen = set()
        for evdev, syms in keys.items():
            if evdev > 0xFF:
                continue
            for level, keysym in syms:
                kid = key_id(lib, keysym)
                if kid is None or (kid, evdev, level) in seen:
                    continue
                seen.add((kid, evdev, level))
                counts.setdefault((kid, evdev), [0, 0, 0, 0])[level] += 1
    entries = sorted((kid << 48) | (evdev << 32) | (min(c[0], 255) << 24) | (min(c[1], 255) << 16)
                     | (min(c[2], 255) << 8) | min(c[3], 255)
                     for (kid, evdev), c in counts.items())
    composed = composed_letters({kid for kid, _ in counts})
    composed_entries = sorted((code << 16) | base for code, base in composed.items())

    xkb_version = open("/usr/share/doc/xkb-data/changelog.Debian.gz", "rb").read() \
        if os.path.exists("/usr/share/doc/xkb-data/changelog.Debian.gz") else b""
    out = [
        "// GENERATED by scripts/gen-layout-symbols.py: do not edit by hand.",
        "// SPDX-License-Identifier: GPL-2.0-or-later",
        "// Source: xkb-data (Debian), compiled by libxkbcommon; changelog sha256 %s"
        % hashlib.sha256(xkb_version).hexdigest()[:16],
        "// Layouts: %s" % " ".join(l + ("(%s)" % v if v else "") for l, v in LAYOUTS),
        "",
        "/// What the common keyboard layouts type on each physical key, for",
        "/// keycodes=auto (PlatformDetector): which server platform's reading of a",
        "/// button makes a key that can type the KeyID that came with it.",
        "enum LayoutSymbols {",
        "    /// Sorted: KeyID << 48 | evdev << 32 | then one byte per level (plain,",
        "    /// Shift, AltGr, Shift+AltGr, high to low): in how many layouts the key",
        "    /// types the KeyID on that level.",
        "    static let entries: [UInt64] = [",
        swift_hex_array(entries, 16, 4),
        "    ]",
        "",
        "    /// Sorted: precomposed letter << 16 | the letter it is made of (what a",
        "    /// dead key and a letter make on a macOS server, sent with the letter's",
        "    /// button).",
        "    static let composed: [UInt32] = [",
        swift_hex_array(composed_entries, 8, 6),
        "    ]",
        "}",
    ]
    write(OUT_SWIFT, "\n".join(out) + "\n", check)

    windows_button, macos_button = load_platform_tables(csv_path)
    buttons = {
        "x11": lambda evdev: evdev + 8 if evdev + 8 <= 0xFF else None,
        "windows": windows_button.get,
        "macos": macos_button.get,
    }
    lines = [
        "# GENERATED by scripts/gen-layout-symbols.py: do not edit by hand.",
        "# layout platform KeyID mask button evdev: one key as the server sends it (hex) and",
        "# the physical key the guest must get (decimal). macOS sends nothing for a dead key",
        "# and the composed letter with the letter's button (\"composed\" lines).",
    ]
    total = 0
    for name, pc, mac in TESTED:
        for platform in ("x11", "windows", "macos"):
            keys = compile_layout(lib, ctx, *(mac if platform == "macos" else pc))
            dead = []
            for evdev in sorted(keys):
                if evdev not in TYPING_BLOCK:
                    continue
                button = buttons[platform](evdev)
                if button is None:
                    continue
                for level, keysym in keys[evdev]:
                    kid = key_id(lib, keysym)
                    if kid is None:
                        continue
                    if keysym in DEAD_KEYS and platform == "macos":
                        dead.append((level, keysym))
                        continue
                    lines.append("%s %s %04X %04X %04X %d" % (name, platform, kid,
                                                              LEVEL_MASKS[platform][level], button, evdev))
                    total += 1
            for _, keysym in dead:
                mark = chr(DEAD_KEYS[keysym])
                for letter in "aeiounyc":
                    made = unicodedata.normalize("NFC", letter + mark)
                    evdev = next((e for e, syms in keys.items() for lvl, ks in syms
                                  if lvl == 0 and ks == ord(letter)), None)
                    if len(made) == 1 and evdev is not None and buttons["macos"](evdev):
                        lines.append("%s macos %04X 0000 %04X %d composed" % (
                            name, ord(made), buttons["macos"](evdev), evdev))
                        total += 1
    write(OUT_CASES, "\n".join(lines) + "\n", check)
    print("gen-layout-symbols: %s%d layouts, %d (KeyID, key) entries, %d composed letters; "
          "%d test keystrokes" % ("current: " if check else "", len(LAYOUTS), len(entries), len(composed_entries), total))


if __name__ == "__main__":
    main()
