#!/usr/bin/env python3
"""A stand-in for `qemu-system-x86_64 ... -object input-barrier,...`: a reference
model of the barrier client's intended behaviour, in Python, that prints the same
trace lines QEMU does and answers the same QMP commands.

It exists to prove the e2e harness and tests can pass (and how long a passing
run takes) before the real QEMU patch exists:

    BARRIERCLIENT_QEMU=Tests/e2e/harness/fake_qemu.py scripts/run-e2e.sh

It is NOT the product and says nothing about QEMU itself.  Behaviour modelled:
hello Barrier/Synergy 1.6, DINF, HART, CALV echo + dead-server timer (3 periods),
keys by X11 keycode (evdev + 8), release by button, COUT releases held keys,
buttons 1-5, wheel per 120, DMMV scaled 0..w-1 -> 0..0x7fff, unknown codes skipped,
EUNK/EBSY/EICV -> one stderr line + back-off, hello timeout 15 s, reconnect with
doubling back-off (reconnect-ms, default 1000, max 30 s), QOM state, HMP
object_del/object_add.
"""
import asyncio
import json
import os
import signal
import struct
import sys

PROG = "qemu-system-x86_64"
MAX_MSG = 4 * 1024 * 1024
HELLO_TIMEOUT = 15.0
BUTTONS = {1: "left", 2: "middle", 3: "right", 4: "side", 5: "extra"}
ERRORS = {b"EUNK": "the server does not know screen name %r",
          b"EBSY": "the server already has a screen named %r connected",
          b"EICV": "the server speaks an incompatible protocol version (screen %r)",
          b"EBAD": "the server says screen %r broke the protocol"}


def out(line):
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class Barrier:
    def __init__(self, props):
        self.id = props.get("id", "barrier0")
        self.name = props.get("name", "VM-1")
        self.host = props.get("server", "127.0.0.1")
        self.port = int(props.get("port", "24800"))
        self.w = int(props.get("width", "1920"))
        self.h = int(props.get("height", "1080"))
        self.reconnect_ms = int(props.get("reconnect-ms", "1000"))
        self.state = "disconnected"
        self.task = asyncio.get_event_loop().create_task(self.run())
        self.writer = None

    def set_state(self, new):
        if new != self.state:
            out("input_barrier_state %s: %s -> %s" % (self.id, self.state, new))
            self.state = new

    def stop(self):
        self.task.cancel()
        if self.writer is not None:
            self.writer.close()
        self.set_state("stopped")

    async def run(self):
        delay = self.reconnect_ms / 1000.0
        while True:
            self.set_state("connecting")
            ok = False
            try:
                reader, self.writer = await asyncio.open_connection(self.host, self.port)
                self.set_state("handshaking")
                ok = await self.session(reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as e:
                out("input_barrier_disconnect %s: transport: %s" % (self.id, e or type(e).__name__))
            finally:
                self.release_all()
                if self.writer is not None:
                    self.writer.close()
                    self.writer = None
            self.set_state("disconnected")
            if ok:
                delay = self.reconnect_ms / 1000.0
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    def send(self, payload):
        self.writer.write(struct.pack(">I", len(payload)) + payload)

    async def read_msg(self, reader, timeout):
        n = struct.unpack(">I", await asyncio.wait_for(reader.readexactly(4), timeout))[0]
        if n > MAX_MSG:
            raise ValueError("message length %d" % n)
        return await asyncio.wait_for(reader.readexactly(n), timeout)

    async def session(self, reader):
        """Returns True if the handshake completed (resets the back-off)."""
        self.held = {}
        self.wheel = [0, 0]
        hart = 3.0
        done = False
        while True:
            timeout = HELLO_TIMEOUT if not done else (3 * hart if hart > 0 else None)
            try:
                p = await self.read_msg(reader, timeout)
            except asyncio.TimeoutError:
                out("input_barrier_disconnect %s: timeout: no %s" % (self.id, "keepalive" if done else "handshake"))
                return done
            except asyncio.IncompleteReadError:
                return done
            code = p[:4]
            if p[:7] in (b"Barrier", b"Synergy"):
                major, minor = struct.unpack(">HH", p[7:11])
                if major != 1 or minor < 6:
                    return done
                nm = self.name.encode()
                self.send(p[:7] + struct.pack(">HHI", 1, 6, len(nm)) + nm)
            elif code == b"QINF":
                self.send(b"DINF" + struct.pack(">7h", 0, 0, self.w, self.h, 0, 0, 0))
            elif code == b"CROP":
                hart = 3.0
            elif code == b"DSOP":
                (n,) = struct.unpack(">I", p[4:8])
                vals = struct.unpack(">%dI" % n, p[8:8 + 4 * n])
                for k, v in zip(vals[::2], vals[1::2]):
                    if k == 0x48415254:
                        hart = struct.unpack(">i", struct.pack(">I", v))[0] / 1000.0
                if not done:
                    done = True
                    self.set_state("connected")
            elif code == b"CALV":
                self.send(b"CALV")
            elif code == b"CINN":
                self.set_state("active")
            elif code == b"COUT":
                self.release_all()
                self.set_state("connected")
            elif code in (b"DKDN", b"DKUP") and len(p) >= 10:
                kid, mask, button = struct.unpack(">HHH", p[4:10])
                if code == b"DKDN":
                    q = EVDEV_TO_QCODE.get(button - 8, "unmapped")
                    self.held[button] = q
                    out("input_event_key_qcode con -1, key qcode %s, down 1" % q)
                elif button in self.held:
                    out("input_event_key_qcode con -1, key qcode %s, down 0" % self.held.pop(button))
            elif code in (b"DMDN", b"DMUP") and len(p) >= 5 and p[4] in BUTTONS:
                out("input_event_btn con -1, button %s, down %d" % (BUTTONS[p[4]], code == b"DMDN"))
                out("input_event_sync ")
            elif code == b"DMMV" and len(p) >= 8:
                x, y = struct.unpack(">hh", p[4:8])
                for axis, v, size in (("x", x, self.w), ("y", y, self.h)):
                    v = min(max(v, 0), size - 1)
                    out("input_event_abs con -1, axis %s, value 0x%x" % (axis, v * 0x7FFF // (size - 1)))
                out("input_event_sync ")
            elif code == b"DMWM" and len(p) >= 8:
                dx, dy = struct.unpack(">hh", p[4:8])
                for i, (d, pos, neg) in enumerate(((dx, "wheel-right", "wheel-left"), (dy, "wheel-up", "wheel-down"))):
                    self.wheel[i] += d
                    while abs(self.wheel[i]) >= 120:
                        b = pos if self.wheel[i] > 0 else neg
                        self.wheel[i] -= 120 if self.wheel[i] > 0 else -120
                        out("input_event_btn con -1, button %s, down 1" % b)
                        out("input_event_sync ")
                        out("input_event_btn con -1, button %s, down 0" % b)
                        out("input_event_sync ")
            elif code in ERRORS:
                out("%s: input-barrier %s: %s (%s)" % (PROG, self.id, ERRORS[code] % self.name, code.decode()))
                return done
            elif code == b"CBYE":
                return done
            await self.writer.drain()

    def release_all(self):
        for q in getattr(self, "held", {}).values():
            out("input_event_key_qcode con -1, key qcode %s, down 0" % q)
        self.held = {}


def parse_props(text):
    kind, _, rest = text.partition(",")
    return kind, dict(kv.split("=", 1) for kv in rest.split(",") if "=" in kv)


class Monitor:
    def __init__(self):
        self.objects = {}

    def add(self, text):
        kind, props = parse_props(text)
        if kind != "input-barrier":
            return "Error: unknown object type %s\r\n" % kind
        if props.get("id") in self.objects:
            return "Error: attempt to add duplicate property '%s'\r\n" % props.get("id")
        self.objects[props["id"]] = Barrier(props)
        return ""

    def delete(self, oid):
        b = self.objects.pop(oid, None)
        if b is None:
            return "Error: object '%s' not found\r\n" % oid
        b.stop()
        return ""

    def execute(self, req):
        cmd, args = req.get("execute"), req.get("arguments", {})
        if cmd in ("qmp_capabilities", "stop", "cont"):
            return {"return": {}}
        if cmd == "qom-get":
            path = args.get("path", "")
            oid = path.rsplit("/", 1)[-1]
            if not path.startswith("/objects/") or oid not in self.objects:
                return {"error": {"class": "DeviceNotFound", "desc": "Device '%s' not found" % path}}
            if args.get("property") != "state":
                return {"error": {"class": "GenericError", "desc": "Property 'input-barrier.%s' not found" % args.get("property")}}
            return {"return": self.objects[oid].state}
        if cmd == "qom-list":
            return {"return": [{"name": k, "type": "child<input-barrier>"} for k in self.objects]}
        if cmd == "human-monitor-command":
            line = args.get("command-line", "").split(None, 1)
            if line and line[0] == "object_add":
                return {"return": self.add(line[1] if len(line) > 1 else "")}
            if line and line[0] == "object_del":
                return {"return": self.delete(line[1].strip() if len(line) > 1 else "")}
            return {"return": "unknown command: '%s'\r\n" % (line[0] if line else "")}
        if cmd == "quit":
            os._exit(0)
        return {"error": {"class": "CommandNotFound", "desc": "The command %s has not been found" % cmd}}

    async def serve_qmp(self, reader, writer):
        writer.write(json.dumps({"QMP": {"version": {"package": "fake"}, "capabilities": []}}).encode() + b"\n")
        while True:
            line = await reader.readline()
            if not line:
                return
            try:
                resp = self.execute(json.loads(line))
            except (ValueError, KeyError) as e:
                resp = {"error": {"class": "GenericError", "desc": str(e)}}
            writer.write(json.dumps(resp).encode() + b"\n")
            await writer.drain()


async def main(argv):
    mon = Monitor()
    sockets = []
    for i, a in enumerate(argv):
        if a in ("-qmp", "-monitor") and argv[i + 1].startswith("unix:"):
            path = argv[i + 1][5:].split(",")[0]
            handler = mon.serve_qmp if a == "-qmp" else (lambda r, w: w.close())
            sockets.append(await asyncio.start_unix_server(handler, path))
    for i, a in enumerate(argv):
        if a == "-object":
            err = mon.add(argv[i + 1])
            if err:
                out("%s: -object %s: %s" % (PROG, argv[i + 1], err.strip()))
                sys.exit(1)
    stop = asyncio.Event()
    loop = asyncio.get_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    out("%s: terminating on signal" % PROG)


EVDEV_TO_QCODE = {
    1: "esc", 2: "1", 3: "2", 4: "3", 5: "4", 6: "5", 7: "6", 8: "7",
    9: "8", 10: "9", 11: "0", 12: "minus", 13: "equal", 14: "backspace", 15: "tab", 16: "q",
    17: "w", 18: "e", 19: "r", 20: "t", 21: "y", 22: "u", 23: "i", 24: "o",
    25: "p", 26: "bracket_left", 27: "bracket_right", 28: "ret", 29: "ctrl", 30: "a", 31: "s", 32: "d",
    33: "f", 34: "g", 35: "h", 36: "j", 37: "k", 38: "l", 39: "semicolon", 40: "apostrophe",
    41: "grave_accent", 42: "shift", 43: "backslash", 44: "z", 45: "x", 46: "c", 47: "v", 48: "b",
    49: "n", 50: "m", 51: "comma", 52: "dot", 53: "slash", 54: "shift_r", 55: "kp_multiply", 56: "alt",
    57: "spc", 58: "caps_lock", 59: "f1", 60: "f2", 61: "f3", 62: "f4", 63: "f5", 64: "f6",
    65: "f7", 66: "f8", 67: "f9", 68: "f10", 69: "num_lock", 70: "scroll_lock", 71: "kp_7", 72: "kp_8",
    73: "kp_9", 74: "kp_subtract", 75: "kp_4", 76: "kp_5", 77: "kp_6", 78: "kp_add", 79: "kp_1", 80: "kp_2",
    81: "kp_3", 82: "kp_0", 83: "kp_decimal", 84: "unnamed", 85: "unnamed", 86: "less", 87: "f11", 88: "f12",
    89: "ro", 90: "unnamed", 91: "hiragana", 92: "henkan", 93: "katakanahiragana", 94: "muhenkan", 95: "unnamed", 96: "kp_enter",
    97: "ctrl_r", 98: "kp_divide", 99: "sysrq", 100: "alt_r", 101: "lf", 102: "home", 103: "up", 104: "pgup",
    105: "left", 106: "right", 107: "end", 108: "down", 109: "pgdn", 110: "insert", 111: "delete", 112: "unnamed",
    113: "audiomute", 114: "volumedown", 115: "volumeup", 116: "power", 117: "kp_equals", 118: "unnamed", 119: "pause", 120: "unnamed",
    121: "kp_comma", 122: "lang1", 123: "lang2", 124: "yen", 125: "meta_l", 126: "meta_r", 127: "compose", 128: "stop",
    129: "again", 130: "props", 131: "undo", 132: "front", 133: "copy", 134: "open", 135: "paste", 136: "find",
    137: "cut", 138: "help", 139: "menu", 140: "calculator", 141: "unnamed", 142: "sleep", 143: "wake", 144: "unnamed",
    145: "unnamed", 146: "unnamed", 147: "unnamed", 148: "unnamed", 149: "unnamed", 150: "unnamed", 151: "unnamed", 152: "unnamed",
    153: "unnamed", 154: "unnamed", 155: "mail", 156: "ac_bookmarks", 157: "computer", 158: "ac_back", 159: "ac_forward", 160: "unnamed",
    161: "unnamed", 162: "unnamed", 163: "audionext", 164: "audioplay", 165: "audioprev", 166: "audiostop", 167: "unnamed", 168: "unnamed",
    169: "unnamed", 170: "unnamed", 171: "unnamed", 172: "ac_home", 173: "ac_refresh", 174: "unnamed", 175: "unnamed", 176: "unnamed",
    177: "unnamed", 178: "unnamed", 179: "unnamed", 180: "unnamed", 181: "unnamed", 182: "unnamed", 183: "f13", 184: "f14",
    185: "f15", 186: "f16", 187: "f17", 188: "f18", 189: "f19", 190: "f20", 191: "f21", 192: "f22",
    193: "f23", 194: "f24", 195: "unnamed", 196: "unnamed", 197: "unnamed", 198: "unnamed", 199: "unnamed", 200: "unnamed",
    201: "unnamed", 202: "unnamed", 203: "unnamed", 204: "unnamed", 205: "unnamed", 206: "unnamed", 207: "unnamed", 208: "unnamed",
    209: "unnamed", 210: "unnamed", 211: "unnamed", 212: "unnamed", 213: "unnamed", 214: "unnamed", 215: "unnamed", 216: "unnamed",
    217: "unnamed", 218: "unnamed", 219: "unnamed", 220: "unnamed", 221: "unnamed", 222: "unnamed", 223: "unnamed", 224: "unnamed",
    225: "unnamed", 226: "mediaselect", 227: "unnamed", 228: "unnamed", 229: "unnamed", 230: "unnamed", 231: "unnamed", 232: "unnamed",
    233: "unnamed", 234: "unnamed", 235: "unnamed", 236: "unnamed", 237: "unnamed", 238: "unnamed", 239: "unnamed", 240: "unnamed",
    241: "unnamed", 242: "unnamed", 243: "unnamed", 244: "unnamed", 245: "unnamed", 246: "unnamed", 247: "unnamed", 248: "unnamed",
    249: "unnamed", 250: "unnamed", 251: "unnamed", 252: "unnamed", 253: "unnamed", 254: "unnamed", 255: "unnamed", 256: "unnamed",
    257: "unnamed", 258: "unnamed", 259: "unnamed", 260: "unnamed", 261: "unnamed", 262: "unnamed", 263: "unnamed", 264: "unnamed",
    265: "unnamed", 272: "unnamed", 273: "unnamed", 274: "unnamed", 275: "unnamed", 276: "unnamed", 277: "unnamed", 278: "unnamed",
    279: "unnamed", 288: "unnamed", 289: "unnamed", 290: "unnamed", 291: "unnamed", 292: "unnamed", 293: "unnamed", 294: "unnamed",
    295: "unnamed", 296: "unnamed", 297: "unnamed", 298: "unnamed", 299: "unnamed", 303: "unnamed", 304: "unnamed", 305: "unnamed",
    306: "unnamed", 307: "unnamed", 308: "unnamed", 309: "unnamed", 310: "unnamed", 311: "unnamed", 312: "unnamed", 313: "unnamed",
    314: "unnamed", 315: "unnamed", 316: "unnamed", 317: "unnamed", 318: "unnamed", 320: "unnamed", 321: "unnamed", 322: "unnamed",
    323: "unnamed", 324: "unnamed", 325: "unnamed", 326: "unnamed", 327: "unnamed", 330: "unnamed", 331: "unnamed", 332: "unnamed",
    333: "unnamed", 334: "unnamed", 335: "unnamed", 336: "unnamed", 337: "unnamed", 352: "unnamed", 353: "unnamed", 354: "unnamed",
    355: "unnamed", 356: "unnamed", 357: "unnamed", 358: "unnamed", 359: "unnamed", 360: "unnamed", 361: "unnamed", 362: "unnamed",
    363: "unnamed", 364: "unnamed", 365: "unnamed", 366: "unnamed", 367: "unnamed", 368: "unnamed", 369: "unnamed", 370: "unnamed",
    371: "unnamed", 372: "unnamed", 373: "unnamed", 374: "unnamed", 375: "unnamed", 376: "unnamed", 377: "unnamed", 378: "unnamed",
    379: "unnamed", 380: "unnamed", 381: "unnamed", 382: "unnamed", 383: "unnamed", 384: "unnamed", 385: "unnamed", 386: "unnamed",
    387: "unnamed", 388: "unnamed", 389: "unnamed", 390: "unnamed", 391: "unnamed", 392: "unnamed", 393: "unnamed", 394: "unnamed",
    395: "unnamed", 396: "unnamed", 397: "unnamed", 398: "unnamed", 399: "unnamed", 400: "unnamed", 401: "unnamed", 402: "unnamed",
    403: "unnamed", 404: "unnamed", 405: "unnamed", 406: "unnamed", 407: "unnamed", 408: "unnamed", 409: "unnamed", 410: "unnamed",
    411: "unnamed", 412: "unnamed", 413: "unnamed", 414: "unnamed", 415: "unnamed", 416: "unnamed", 417: "unnamed", 418: "unnamed",
    419: "unnamed", 420: "unnamed", 421: "unnamed", 422: "unnamed", 423: "unnamed", 424: "unnamed", 425: "unnamed", 426: "unnamed",
    427: "unnamed", 428: "unnamed", 429: "unnamed", 430: "unnamed", 431: "unnamed", 432: "unnamed", 433: "unnamed", 434: "unnamed",
    435: "unnamed", 436: "unnamed", 437: "unnamed", 438: "unnamed", 439: "unnamed", 448: "unnamed", 449: "unnamed", 450: "unnamed",
    451: "unnamed", 464: "unnamed", 465: "unnamed", 466: "unnamed", 467: "unnamed", 468: "unnamed", 469: "unnamed", 470: "unnamed",
    471: "unnamed", 472: "unnamed", 473: "unnamed", 474: "unnamed", 475: "unnamed", 476: "unnamed", 477: "unnamed", 478: "unnamed",
    479: "unnamed", 480: "unnamed", 481: "unnamed", 482: "unnamed", 483: "unnamed", 484: "unnamed", 497: "unnamed", 498: "unnamed",
    499: "unnamed", 500: "unnamed", 501: "unnamed", 502: "unnamed", 503: "unnamed", 504: "unnamed", 505: "unnamed", 506: "unnamed",
    512: "unnamed", 513: "unnamed", 514: "unnamed", 515: "unnamed", 516: "unnamed", 517: "unnamed", 518: "unnamed", 519: "unnamed",
    520: "unnamed", 521: "unnamed", 522: "unnamed", 523: "unnamed", 524: "unnamed",
}


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
