#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (Python stdlib only):

  Fuzz/corpus-session/  inputs of Fuzz/FuzzSession.swift
  Fuzz/corpus-capi/     inputs of Fuzz/FuzzCAPI.swift

from slices of the real Barrier 2.4 capture
(Tests/BarrierCoreTests/Fixtures/server-to-client.bin) and from scripted
scenarios. Deterministic: rerunning it rewrites the same files.

    python3 Fuzz/make-corpus.py
"""
import hashlib
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Tests/BarrierCoreTests/Fixtures/server-to-client.bin")


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def msg(code, fmt="", *fields):
    return frame(code.encode() + struct.pack(">" + fmt, *fields))


def string(b):
    return struct.pack(">I", len(b)) + b


HELLO = frame(b"Barrier" + struct.pack(">HH", 1, 6))
HANDSHAKE = HELLO + msg("QINF") + msg("CIAK") + msg("CROP") + frame(b"DSOP" + struct.pack(">I", 0))


def enter(x=0, y=540, seq=1, mask=0):
    return msg("CINN", "hhIH", x, y, seq, mask)


def dkdn(i, b, mask=0):
    return msg("DKDN", "HHH", i, mask, b)


def dkup(i, b, mask=0):
    return msg("DKUP", "HHH", i, mask, b)


def dkrp(i, b, count, mask=0):
    return msg("DKRP", "HHHH", i, mask, count, b)


def dclp(cid, mark, data, seq=0):
    return frame(b"DCLP" + struct.pack(">BIB", cid, seq, mark) + string(data))


def clipboard_stream(cid, text, chunk=32 * 1024):
    data = struct.pack(">III", 1, 0, len(text)) + text
    out = dclp(cid, 1, str(len(data)).encode())
    for i in range(0, max(len(data), 1), chunk):
        out += dclp(cid, 2, data[i:i + chunk])
    return out + dclp(cid, 3, b"")


def options(pairs):
    body = struct.pack(">I", 2 * len(pairs))
    for k, v in pairs:
        body += k.encode() + struct.pack(">i", v)
    return frame(b"DSOP" + body)


def frames_of(data):
    out, i = [], 0
    while i + 4 <= len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        out.append(data[i:i + 4 + n])
        i += 4 + n
    return out


# --- session target: [config, flags, n, script(n), server bytes] -------------
# config: bits 0-2 keycodes (auto 0, x11 1, windows 2, macos 3, off 4),
#         bits 3-5 clipboard limit index (0 0, 1 1, 2 16, 3 100, 4 1 KiB,
#         5 64 KiB, 6 1 MiB, 7 16 MiB), bit 6 never retry, bit 7 time near max
# flags:  bit 0 handshake, bit 1 enter, bit 2 relative, bit 3 no auto-connect,
#         bits 4-6 LEDs, bit 7 no auto-tick
# script: 0x00-0x7e feed n, 0x7f feed 4096, 0x80+i tick after steps[i],
#         0xa0+l LEDs, 0xa8+id guest clipboard (arg: size index), 0xb0
#         disconnected (arg: message length), 0xb1 start, 0xb2 connected,
#         0xb3 shutdown, 0xb4/0xb5 absolute/relative, 0xb6 handshake (arg bit 0:
#         enter), 0xb7 wait arg*100 ms, 0xb8+h feed h*256+arg, 0xc0+k feed (k+1)*64
def session(config, flags, script, data):
    assert len(script) < 256
    return bytes([config, flags, len(script)]) + bytes(script) + data


X11 = 1 | 6 << 3      # x11 keycodes, 1 MiB clipboard
AUTO = 0 | 6 << 3
WIN = 2 | 6 << 3
MAC = 3 | 6 << 3

TYPING = (dkdn(0x61, 38) + dkup(0x61, 38) + dkdn(0xEFE1, 50) + dkdn(0x5A, 52, 1) + dkup(0x5A, 52, 1)
          + dkup(0xEFE1, 50) + dkdn(0x31, 10) + dkrp(0x31, 10, 3) + dkup(0x31, 10)
          + dkdn(0xEFE1, 50) + dkdn(0x21, 10, 1) + dkup(0x21, 10, 1) + dkup(0xEFE1, 50))


def session_seeds():
    seeds = {}
    fixture = open(FIXTURE, "rb").read()
    frames = frames_of(fixture)
    # Slices of the real capture, cut at frame boundaries, at most ~60 KB.
    slices, cur = [], b""
    for f in frames:
        if cur and len(cur) + len(f) > 60_000:
            slices.append(cur)
            cur = b""
        if len(f) > 60_000:
            f = f[:60_000]
        cur += f
    slices.append(cur)
    for k, s in enumerate(slices[:10]):
        flags = 0 if k == 0 else 3  # later slices: the harness greets first
        seeds[f"fixture-slice-{k:02d}"] = session(X11 if k % 2 else AUTO, flags, [], s)
    head = fixture[:4096]
    seeds["fixture-head-chunked"] = session(AUTO, 0, [1, 2, 3, 7, 11, 13, 0x90, 31, 64, 0x85, 0x7f], head)
    seeds["fixture-head-windows"] = session(WIN, 0, [], head)
    seeds["fixture-head-macos-relative"] = session(MAC, 4, [], head)

    seeds["typing-x11"] = session(X11, 3, [], TYPING)
    seeds["typing-auto-split"] = session(AUTO, 3, [5] * 40 + [0x7f], TYPING)
    seeds["typing-off-caps-leds"] = session(4 | 6 << 3, 3 | 0x40, [], enter(mask=0x3000) + TYPING)
    seeds["keys-held-then-leave"] = session(X11, 3, [], dkdn(0x61, 38) + dkdn(0xEFE3, 37)
                                            + msg("DMDN", "B", 1) + msg("DMDN", "B", 3) + msg("COUT"))
    seeds["keys-held-then-eof"] = session(X11, 3, [0x40, 0xb0, 4], dkdn(0x61, 38) + msg("DMDN", "B", 2) + b"oops")
    seeds["keys-held-then-timeout"] = session(X11, 3, [0x40, 0x8e, 0x8e], dkdn(0x61, 38) + dkrp(0x61, 38, 500))
    seeds["keys-held-then-shutdown"] = session(AUTO, 3, [0x40, 0xb3, 0xb1], dkdn(0x41, 0) + dkdn(0x61, 0))
    seeds["wheel-and-mouse"] = session(AUTO, 3, [], msg("DMWM", "hh", 0, 120) + msg("DMWM", "hh", -60, -60)
                                       + msg("DMWM", "hh", 32767, -32768) + msg("DMMV", "hh", 100, 100)
                                       + msg("DMRM", "hh", -5, 7) + msg("DMDN", "B", 4) + msg("DMUP", "B", 4)
                                       + msg("DMMV", "hh", -32768, 32767))
    seeds["wheel-relative-pointer"] = session(AUTO, 7, [], msg("DMMV", "hh", 10, 10) + msg("DMMV", "hh", 3000, -3000)
                                              + msg("DMWM", "h", 120))
    text = ("clipboard \u00e9\u00e8 " * 200).encode()
    seeds["clipboard-stream"] = session(AUTO, 3, [], clipboard_stream(0, text, 512) + clipboard_stream(1, b"primary"))
    seeds["clipboard-interleaved"] = session(2 << 3, 3, [], dclp(0, 1, b"40") + msg("CALV") + dclp(1, 1, b"20")
                                             + dclp(0, 2, b"x" * 30) + dclp(1, 2, b"y" * 30) + dclp(0, 3, b"")
                                             + dclp(1, 3, b"") + dclp(0, 1, b"9999999999") + dclp(0, 2, b"z")
                                             + dclp(0, 3, b"") + dclp(3, 1, b"1"))
    seeds["clipboard-guest-grab"] = session(AUTO, 3, [0xa8, 2, 0xa9, 3, 0x40, 0xaa, 1], msg("COUT") + enter(seq=2)
                                            + msg("CCLP", "BI", 0, 2) + msg("COUT"))
    seeds["clipboard-size-option"] = session(AUTO, 3, [], options([("CLPS", 0), ("CLPZ", 10), ("HART", 500)])
                                             + clipboard_stream(0, b"too long for ten bytes") + msg("CROP"))
    seeds["eunk"] = session(AUTO, 0, [], HELLO + msg("QINF") + msg("EUNK"))
    seeds["ebsy-retry"] = session(AUTO, 0, [0x40, 0x86, 0xb6, 1, 0x86, 0xb6, 0], HELLO + msg("EBSY"))
    seeds["eicv"] = session(AUTO, 0, [], HELLO + msg("EICV", "HH", 1, 8))
    seeds["ebad-cbye"] = session(AUTO, 3, [0x20, 0x86, 0xb6, 1, 0x7f], msg("EBAD") + msg("CBYE"))
    seeds["hello-synergy"] = session(AUTO, 0, [], frame(b"Synergy" + struct.pack(">HH", 1, 8)) + msg("QINF"))
    seeds["hello-old-version"] = session(AUTO, 0, [], frame(b"Barrier" + struct.pack(">HH", 1, 5)))
    seeds["hello-garbage"] = session(AUTO, 0, [], frame(b"SSH-2.0-OpenSSH_9.6") + b"\x00" * 20)
    seeds["hello-byte-split"] = session(AUTO, 0, [1] * 60, HANDSHAKE + enter() + TYPING[:40])
    seeds["absurd-length-max"] = session(AUTO, 3, [], struct.pack(">I", 0xFFFFFFFF) + b"A" * 16)
    seeds["absurd-length-4mib"] = session(AUTO, 3, [], struct.pack(">I", 4 * 1024 * 1024) + b"DCLP" + b"\x00" * 64)
    seeds["absurd-length-small"] = session(AUTO, 3, [], struct.pack(">I", 3) + b"abc")
    seeds["absurd-length-zero"] = session(AUTO, 0, [], struct.pack(">I", 0))
    seeds["truncated-fields"] = session(AUTO, 3, [], frame(b"DKDN\x00") + frame(b"DSOP\xff\xff\xff\xff"))
    seeds["unknown-messages"] = session(AUTO, 3, [], msg("QQQQ") + frame(b"\xff\xfe\x00\x01") + msg("CNOP")
                                        + msg("CSEC", "B", 1) + msg("DFTR") + msg("DDRG"))
    seeds["keepalive-timeout"] = session(AUTO, 1, [0x86, 0x89, 0x86, 0x86, 0x8b], msg("CALV"))
    seeds["hello-timeout-reconnect"] = session(AUTO, 0, [0x8e, 0x85, 0x86, 0x86, 0x8e, 0xb6, 1], b"")
    seeds["no-autoconnect"] = session(AUTO, 8, [0xb0, 0, 0x86, 0xb2, 0x7f, 0xb3, 0xb1, 0xb2], HANDSHAKE + enter())
    seeds["time-near-max"] = session(AUTO | 0x80, 3, [0x97, 0x40, 0x97], msg("CALV") + options([("HART", 2147483647)]))
    seeds["never-retry"] = session(AUTO | 0x40, 3, [0x7f, 0x8e, 0xb1], msg("CBYE"))
    seeds["dkrp-bursts"] = session(X11, 3, [], dkrp(0x61, 38, 65535) + dkrp(0x62, 0, 0) + dkup(0x61, 38)
                                   + dkdn(0, 0) + dkdn(0xFFFF, 0xFFFF) + dkup(0xFFFF, 0xFFFF))
    many = b"".join(dkdn(0x20 + i, 9 + i) for i in range(140))
    seeds["held-key-capacity"] = session(X11, 3, [], many + msg("COUT"))
    return seeds


# --- C API target: [shape, name_len, x, y, w, h, kc, delay, clip, name, ops] --
# ops (op % 20): 0-3 feed (len byte, x8 when op >= 0x80), 4 odd feeds,
# 5-6 tick (step index), 7 start, 8 connected, 9 disconnected (arg),
# 10 shutdown, 11 LEDs, 12 absolute (u32), 13 clipboard (arg...), 14 drain,
# 15 next_action(NULL)+state, 16 names (u32), 17 foreign handles,
# 18 feed a handshake, 19 wait arg*10 ms
def capi(shape, name, ops, x=0, y=0, w=0, h=1, kc=0, delay=0, clip=0):
    name_len = 0xff if len(name) == 256 else len(name)
    return bytes([shape, name_len, x, y, w, h, kc, delay, clip]) + name + bytes(ops)


def feed_ops(data):
    ops = []
    i = 0
    while i < len(data):
        n = min(255, len(data) - i)
        ops += [0, n] + list(data[i:i + n]) + [14]
        i += n
    return ops


def capi_seeds():
    seeds = {}
    fixture = open(FIXTURE, "rb").read()
    start = [7, 14, 8, 14]
    seeds["capi-fixture-head"] = capi(0x40, b"VM-1", start + feed_ops(fixture[:1200]) + [5, 3, 10, 14])
    seeds["capi-fixture-later"] = capi(0xc0, b"VM-1", start + feed_ops(fixture[286:1500]) + [9, 2, 10])
    seeds["capi-typing"] = capi(0x80, b"VM-1", start + feed_ops(TYPING) + [14, 5, 9, 14, 9, 14, 10, 14])
    seeds["capi-keys-held-eof"] = capi(0x80, b"VM-1", start + feed_ops(dkdn(0x61, 38) + msg("DMDN", "B", 1))
                                       + [9, 0, 14, 5, 3, 14, 7, 8, 18, 14])
    seeds["capi-clipboard"] = capi(0xc0, b"guest", start + feed_ops(clipboard_stream(0, b"hello world" * 10))
                                   + [13, 0x0a, 5, 104, 105, 106, 107, 108, 13, 0x04, 13, 0x02, 13, 0x06, 13, 0x08, 2,
                                      13, 0x81, 0, 0, 0, 2, 14], clip=0)
    seeds["capi-odd-feeds"] = capi(0x40, b"VM-1", start + [4, 0, 4, 1, 4, 2, 4, 3, 15, 16, 0xff, 0xff, 0xff, 0xfd,
                                                          17, 11, 0x80, 0xff, 0xff, 0xff, 0xff, 12, 0x80, 0, 0, 0])
    seeds["capi-reconnect"] = capi(0x40, b"VM-1", [7, 9, 0, 5, 3, 5, 3, 8, 18, 9, 2, 104, 111, 115, 116,
                                                  5, 9, 7, 10, 7, 8], delay=3)
    seeds["capi-no-drain"] = capi(0x80, b"VM-1", start + [0, 20] + list(TYPING[:20]) + [5, 4, 5, 8, 7, 8, 19, 200])
    seeds["capi-long-name"] = capi(0x40, b"n" * 255, start + [18, 14])
    seeds["capi-name-256"] = capi(0x40, b"n" * 256, start)
    seeds["capi-name-empty"] = capi(0x40, b"", start)
    seeds["capi-name-nul"] = capi(0x40, b"VM\x001", start)
    seeds["capi-name-null"] = capi(0x44, b"VM-1", start)
    seeds["capi-config-null"] = capi(0x48, b"VM-1", start)
    seeds["capi-out-null"] = capi(0x50, b"VM-1", start)
    seeds["capi-msg-null-bad"] = capi(0x60, b"VM-1", start, w=4)
    seeds["capi-size-zero"] = capi(0x41, b"VM-1", start)
    seeds["capi-size-short"] = capi(0x42, b"VM-1", start)
    seeds["capi-size-long"] = capi(0x43, b"VM-1", start)
    seeds["capi-bad-origin"] = capi(0x40, b"VM-1", start, x=5)
    seeds["capi-bad-size"] = capi(0x40, b"VM-1", start, h=6)
    seeds["capi-bad-keycodes"] = capi(0x40, b"VM-1", start, kc=5)
    seeds["capi-bad-keycodes-huge"] = capi(0x40, b"VM-1", start, kc=0xf3)
    seeds["capi-bad-clipboard"] = capi(0x40, b"VM-1", start, clip=6)
    seeds["capi-edge-geometry"] = capi(0xc0, b"VM-1", start + feed_ops(msg("DMMV", "hh", 32767, -32768)), x=3, y=4,
                                       w=3, h=2, kc=4, delay=5, clip=5)
    seeds["capi-time-max"] = capi(0x40, b"VM-1", start + [5, 14, 5, 14, 5, 13, 6, 13], delay=5)
    return seeds


def write(directory, seeds):
    """Rewrites the generated seeds; regression-* files (inputs that once
    crashed a fuzzer, kept as they were found) are left in place."""
    path = os.path.join(ROOT, directory)
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if not name.startswith("regression-"):
            os.unlink(os.path.join(path, name))
    total = 0
    for name, data in sorted(seeds.items()):
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"{directory}: {len(seeds)} files, {total} bytes")


if __name__ == "__main__":
    write("Fuzz/corpus-session", session_seeds())
    write("Fuzz/corpus-capi", capi_seeds())
