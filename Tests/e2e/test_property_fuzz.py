# SPDX-License-Identifier: GPL-2.0-or-later
"""A property fuzzer for the input-barrier object (issue 27): no value of any
property, at creation or live, in any order, may kill or hang QEMU, leak, or
leave the object unable to connect once a sane configuration is set again.

One QEMU (`-machine none`, see start()) with barrier0 connected to a scripted
server that types while properties change, a tls-creds-x509 object `tls0` and
a tls-creds-anon `anon0` (endpoint=server) for `tls-creds` to point at.
Every property of `qom-list-properties typename=input-barrier` is fuzzed
(its enums' values from the QMP schema; a property added
later is covered without touching this file): the ones README.md's table
marks "(read only)" and QOM's own `type` must refuse every write.  Operations
(seeded: $BARRIERCLIENT_FUZZ_SEED, printed), sent in batches of BATCH over
the one QMP socket without waiting for the object between them:

  * QMP qom-set of a random property of barrier0 or barrier1 to a random or
    edge value: empty, 0, -1, the type's min/max and one beyond, 2^31, 2^32,
    2^40, 2^64, 64 KiB strings, NUL (JSON \\u0000 and raw C0 80, which QEMU's
    parser takes as modified UTF-8), invalid UTF-8 (raw bytes: lone
    continuation, truncated, encoded surrogate, overlong, beyond U+10FFFF;
    escaped lone surrogates \\udcff \\ud800, noncharacters), wrong JSON types
    (int for str, str for int, float, bool, null, list, dict), enum values
    and near misses, ids of objects for tls-creds (barrier0 itself among
    them), fingerprints of every form; each followed by a qom-get of it;
  * the same through HMP `qom-set` (plain text and `-j` JSON);
  * `enabled` toggles;
  * object-add of barrier1 with random properties (a name sometimes missing
    or empty), object-del of it (present or not);
  * object-del / object-add of tls0, qom-get of any property (read-only
    ones too), qom-set on paths that do not exist;
  * HMP stop / cont / system_reset, now and then.

An operation is one command, a set and the qom-get after it counting as one;
the summary prints how many were accepted and refused, by kind and property.

Oracles on every answer (violations listed at the end, the run goes on):
a write to a read-only property accepted; a set on an absent object accepted;
object-add of a present id or without a name accepted; object-del of an
absent id accepted or of a present one refused; an accepted QMP set whose
qom-get right after reads another value (width/height while follow-display
may be on excepted); a refused set that changed the value.  QEMU dying ends
the run with the operation that killed it (the first without an answer),
the seed and the ops log (`fuzz-ops.log` in the run directory).

After a warm-up of WARMUP_OPS operations and again at the end, a sane
configuration is set (every value back through qom-set, barrier1 deleted),
barrier0 must connect to the scripted server and a typed key reach QEMU's
input trace; QEMU's fds, threads and resident memory are read there, at the
same state: the end may not exceed the warm-up's by more than FD_GROWTH /
THREAD_GROWTH / RSS_GROWTH_KB (SOAK_RSS_GROWTH_KB for the soak run).

Runs: 10,000 operations in `make test` (~30 s on 2 cores), $BARRIERCLIENT_FUZZ_OPS
to choose; SOAK_OPS with BARRIERCLIENT_SOAK=1 (`make soak`, ~10 min);
VALGRIND_OPS under valgrind memcheck (~35 s): no invalid read, write or free
and no other memcheck error, no definite or indirect leak whose stack passes
through the object or libbarrierclient (QEMU's own are printed: HMP
`qom-set -j` leaks every value it parses, qom/qom-hmp-cmds.c).  And at
creation: `-object input-barrier,...` with CMDLINE_VALUES (argv bytes, any
invalid UTF-8) for every writable property: refused (exit 1) or running,
never a signal or a hang.
"""
import json
import os
import random
import re
import shutil
import subprocess
import threading
import time

import pytest

from harness import scripted_server as S
from harness.qemu import ALL_STATES, OBJECT_TYPE, QOM_PATH, REPO_ROOT, UP_STATES, Qemu, QMPError
from harness.tls import make_client_cert
from harness.util import wait_until

import test_valgrind

pytestmark = pytest.mark.qemu

SEED_ENV = "BARRIERCLIENT_FUZZ_SEED"
OPS_ENV = "BARRIERCLIENT_FUZZ_OPS"
DEFAULT_OPS = 10000
SOAK_OPS = 200000
VALGRIND_OPS = 600
WARMUP_OPS = 1000
BATCH = 32
# At the same state (barrier0 connected, barrier1 absent, tls0 present), after
# the run vs after the warm-up: a leaked socket or timer is one fd, a leaked
# session or 64 KiB value per operation would be megabytes.
FD_GROWTH = 2
RSS_GROWTH_KB = 4096
# 200,000 operations: glibc's arenas of the connect threads and QEMU's own
# HMP -j leak add ~1.5 MiB per 100,000 (measured); a leak of 64 bytes per
# operation would be 12 MiB.
SOAK_RSS_GROWTH_KB = 8192
THREAD_GROWTH = 2
# The sane configuration connects and types within this (no back-off: it
# reconnects at once).
SANE_TIMEOUT = 15.0

A_ID, A_BUTTON = S.KEY_A
OBJ0, OBJ1 = "barrier0", "barrier1"
CREDS_X509, CREDS_ANON = "tls0", "anon0"
PATHS = {OBJ0: QOM_PATH, OBJ1: "/objects/" + OBJ1}
BOGUS_PATHS = ["/objects/nonexistent", "/objects/barrier0/name", "/objects/barrier2", "/objects/"]
# QOM's own property of every object: read only.
QOM_READ_ONLY = {"type"}
README = os.path.join(REPO_ROOT, "README.md")

INT_RANGES = {
    "int8": (-2 ** 7, 2 ** 7 - 1), "uint8": (0, 2 ** 8 - 1),
    "int16": (-2 ** 15, 2 ** 15 - 1), "uint16": (0, 2 ** 16 - 1),
    "int32": (-2 ** 31, 2 ** 31 - 1), "uint32": (0, 2 ** 32 - 1),
    "int64": (-2 ** 63, 2 ** 63 - 1), "uint64": (0, 2 ** 64 - 1),
    "int": (-2 ** 63, 2 ** 63 - 1), "uint": (0, 2 ** 64 - 1), "size": (0, 2 ** 64 - 1),
}
INT_EDGES = [0, 1, -1, 2, 255, 256, 2 ** 15 - 1, 2 ** 15, 2 ** 16 - 1, 2 ** 16, 2 ** 31 - 1, 2 ** 31,
             2 ** 32 - 1, 2 ** 32, 2 ** 40, 2 ** 53 + 1, 2 ** 63 - 1, -2 ** 63, 2 ** 64 - 1, 2 ** 64,
             -2 ** 64, 10 ** 30, -(10 ** 30)]
FLOATS = [0.5, -0.0, 1.0, 1920.0, 1e308, -1e308, 5e-324]


class Raw:
    """String bytes put into the JSON text as they are (not escaped): invalid
    UTF-8 for QEMU's parser.  Never 0xFE/0xFF or control bytes: those break
    QEMU's JSON lexer, which would answer one command with several errors."""

    def __init__(self, data, escaped=False):
        """escaped: data's quotes and backslashes are already JSON-escaped."""
        assert escaped or not any(b in data for b in b'"\\')
        assert not any(b in data for b in b"\xfe\xff") and all(b >= 0x20 for b in data)
        self.data = data

    def __repr__(self):
        return "raw%r" % (self.data[:40] + (b"..." if len(self.data) > 40 else b""),)


RAW_STRINGS = [b"\xc0\x80", b"VM\xc0\x801", b"\x80", b"\xc3", b"ab\xe2\x82", b"\xed\xa0\x80", b"\xed\xbf\xbf",
               b"\xe0\x80\x80", b"\xc1\xbf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfd",
               b"\xc0\x80" * 2000, b"\x80" * 300]
# Escaped: QEMU's parser refuses lone surrogates and noncharacters.
ESCAPED_INVALID = ["\udcff", "\ud800", "\udfff", "\ud800A", "a\udc80b", "\ufffe", "\uffff", "\ufdd0",
                   "\U0010fffe"]
EDGE_STRINGS = ["", " ", "a", "0", "-1", "VM-1", "\x00", "a\x00b", "\x00" * 64, "\t\n\r", "\x01\x1f\x7f",
                "é", "\u200b", "\U0001f600", "\ufffd", "%s%s%n%x", "../../../../etc/passwd", "'", '"', "\\",
                "localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", "255.255.255.255", "1.2.3", "http",
                "x" * 255, "x" * 256, "é" * 128, "a" * 1000,
                "v2:sha256:" + "0" * 64, "v2:sha256:" + "g" * 64, "sha256:" + "ab" * 32,
                ":".join(["AB"] * 32), "AB" * 32, "v2:sha256:" + "0" * 63, "v2:sha256:" + "0" * 65,
                "barrier0", "barrier1", "tls0", "anon0", "/objects/tls0", "nonexistent"]
# Large strings: QEMU's JSON parser takes ~3.5 ms per KiB (any property, even
# refused ones), so they are a small share of the values (HUGE_SHARE).
HUGE_STRINGS = ["a" * 4096, "a" * 65536, "b" * 65537, "\u00ff" * 32768, "\x00" * 65536, "x" * 70000]
HUGE_RAW = [b"\xc0\x80" * 32768, b"\x80" * 65536]
HUGE_SHARE = 0.004
HMP_JSON_MAX = 1024
HMP_JSON_SHARE = 0.25
WRONG_TYPES = [None, True, False, [], [1, "a"], {}, {"a": 1}, [[[[]]]], 0, -1, 2 ** 64, 1.5, "1"]
NOCHECK = object()


class V:
    """A value to send: its JSON object (Raw inside for raw bytes) and what a
    qom-get must read after QEMU accepted it (NOCHECK: not predicted)."""

    def __init__(self, obj, expect=NOCHECK):
        self.obj = obj
        self.expect = expect

    def __repr__(self):
        return short(self.obj)


def short(v, limit=60):
    if isinstance(v, Raw):
        return repr(v)
    text = repr(v)
    if len(text) > limit:
        return "%s...(%d chars)" % (text[:limit], len(v) if isinstance(v, (str, list, dict)) else len(text))
    return text


def string_value(s):
    """A str sent as JSON: QEMU stores NUL as C0 80 and reads it back as NUL."""
    return V(s, s)


def raw_value(data):
    expect = NOCHECK
    if b"\xc0\x80" in data:
        try:
            expect = data.replace(b"\xc0\x80", b"\x00").decode("utf-8")
        except UnicodeDecodeError:
            expect = NOCHECK
    return V(Raw(data), expect)


def encode(msg):
    """JSON bytes of msg with every Raw string's bytes put in verbatim."""
    raws = []

    def sub(o):
        if isinstance(o, Raw):
            raws.append(o.data)
            return "@@RAW%d@@" % (len(raws) - 1)
        if isinstance(o, dict):
            return {k: sub(v) for k, v in o.items()}
        if isinstance(o, list):
            return [sub(v) for v in o]
        return o
    data = json.dumps(sub(msg)).encode()
    for i, r in enumerate(raws):
        data = data.replace(b"@@RAW%d@@" % i, r, 1)
    return data


def text_of(v):
    """The value as a user types it after HMP `qom-set PATH PROP` (plain)."""
    o = v.obj
    if isinstance(o, Raw):
        return o
    if isinstance(o, bool):
        return "on" if o else "off"
    if isinstance(o, (int, float)):
        return repr(o)
    if isinstance(o, str):
        return o
    return json.dumps(o)


# ---------------------------------------------------------------------------
# The properties
# ---------------------------------------------------------------------------
def readme_read_only():
    """Properties README.md's properties table marks "(read only)"."""
    names = set()
    with open(README, encoding="utf-8") as f:
        for line in f:
            if line.startswith("| `") and "(read only)" in line:
                names.update(re.findall(r"`([a-z0-9-]+)`", line.split("|")[1]))
    assert names, "README.md's properties table marks no property (read only)"
    return names


class Prop:
    def __init__(self, info, read_only):
        self.name = info["name"]
        self.type = info["type"]
        self.default = info.get("default-value")
        self.description = info.get("description", "")
        self.read_only = read_only
        if self.type in ("str", "string"):
            self.kind = "str"
        elif self.type == "bool":
            self.kind = "bool"
        elif self.type in INT_RANGES:
            self.kind = "int"
        else:
            self.kind = "enum"
        self.enum = []            # an enum's values (list_props fills them in)

    def __repr__(self):
        return "%s (%s%s)" % (self.name, self.type, ", read only" if self.read_only else "")


def sane_values(srv_port):
    """Values under which barrier0 connects to the scripted server."""
    return {"name": "VM-1", "server": "127.0.0.1", "port": str(srv_port), "x-origin": 0, "y-origin": 0,
            "width": 1920, "height": 1080, "reconnect-ms": 100, "keycodes": "x11", "clipboard": True,
            "clipboard-max-size": 1 << 20, "tls-creds": "", "tls-fingerprint": "", "follow-display": False}


class Values:
    """Random and edge values for a property."""

    def __init__(self, rng, srv_port):
        self.rng = rng
        self.srv_port = srv_port
        self.huge = 0             # values of 4 KiB and more sent

    def good(self, p):
        r = self.rng
        if p.kind == "int":
            lo, hi = INT_RANGES[p.type]
            v = r.choice([r.randint(max(lo, 0), min(hi, 4096)), r.randint(lo, hi), r.randint(0, 100)])
            return V(v, v)
        if p.kind == "bool":
            v = r.random() < 0.5
            return V(v, v)
        if p.kind == "enum":
            v = r.choice(p.enum or ["x"])
            return V(v, v)
        if p.name == "port":
            v = r.choice([str(self.srv_port)] * 4 + ["24800", "0", "65535", "65536", "http", "-1", "1e3"])
        elif p.name == "server":
            v = r.choice(["127.0.0.1"] * 4 + ["localhost", "::1", "127.1", "0", "256.1.1.1", "host.invalid"])
        elif p.name == "tls-creds":
            v = r.choice([CREDS_X509, CREDS_ANON, OBJ0, OBJ1, "", "nonexistent"])
        elif p.name == "tls-fingerprint":
            v = r.choice(["v2:sha256:" + "%064x" % r.getrandbits(256), ":".join(["%02X" % r.randrange(256)] * 32),
                          "", "sha256:" + "0" * 64])
        else:
            v = r.choice(["VM-1", "VM-2", "vm", "ÄÖÜ-ß", "a" * r.randint(1, 300)])
        return string_value(v)

    def edge(self, p):
        r = self.rng
        if p.kind == "int":
            lo, hi = INT_RANGES[p.type]
            v = r.choice(INT_EDGES + [lo, hi, lo - 1, hi + 1])
            return V(v, v)
        if p.kind == "enum":
            base = r.choice(p.enum or ["auto"])
            return string_value(r.choice([base.upper(), base + " ", " " + base, base + "\x00", base[:-1], "",
                                          "x" * 300, base + base]))
        if p.kind == "bool":
            return string_value(r.choice(["on", "off", "true", "false", "yes", "no", "1", "0", ""]))
        return self.any_string()

    def any_string(self):
        r = self.rng
        pick = r.random()
        if pick < HUGE_SHARE * 4:                      # any_string() is about a quarter of the values
            self.huge += 1
            return string_value(r.choice(HUGE_STRINGS)) if pick < HUGE_SHARE * 3 else raw_value(r.choice(HUGE_RAW))
        if pick < 0.6:
            return string_value(r.choice(EDGE_STRINGS))
        if pick < 0.8:
            return raw_value(r.choice(RAW_STRINGS))
        return V(r.choice(ESCAPED_INVALID))          # refused by QEMU's parser

    def wrong_type(self, p):
        r = self.rng
        v = r.choice(WRONG_TYPES + FLOATS)
        if p.kind == "str" and isinstance(v, str):
            v = 7
        return V(v)

    def value(self, p):
        pick = self.rng.random()
        if pick < 0.35:
            return self.good(p)
        if pick < 0.7:
            return self.edge(p)
        if pick < 0.85:
            return self.wrong_type(p)
        return self.any_string() if p.kind != "str" else self.wrong_type(p)


# ---------------------------------------------------------------------------
# The scripted server: handshakes whatever name comes, then types
# ---------------------------------------------------------------------------
LETTERS = [(0x61 + i, b) for i, b in enumerate([38, 56, 54, 40, 26, 41, 42, 43, 31, 44, 45, 46, 58, 57, 32,
                                                 33, 24, 27, 39, 28, 30, 55, 25, 53, 29, 52])]
# Pacing of the scripted server's traffic on each connection (not a wait).
TRAFFIC_INTERVAL = 0.005


class TypingServer:
    def __init__(self, seed):
        self.seed = seed
        self.quiet = threading.Event()        # the sane phase: no traffic, keepalives only
        self.handshakes = 0
        self.frames = 0
        self.srv = None

    def script(self, conn):
        conn.ready = False
        try:
            conn.send(S.hello())
            hb = conn.expect("HELLO", 5)
            conn.client = hb.name
            conn.send(S.qinf())
            conn.expect("DINF", 5)
            conn.send(S.ciak(), S.crop(), S.dsop(), S.cinn(10, 10, 1, 0))
            self.handshakes += 1
            conn.ready = True
            rng = random.Random("%s-%d" % (self.seed, self.handshakes))
            last_calv = time.monotonic()
            while not conn.closed_by_peer.wait(TRAFFIC_INTERVAL):
                if time.monotonic() - last_calv > 1.0:
                    conn.send(S.calv())
                    last_calv = time.monotonic()
                if not self.quiet.is_set():
                    frames = [f for _ in range(rng.randint(1, 4)) for f in self.traffic(rng)]
                    conn.send(*frames)
                    self.frames += len(frames)
        except (OSError, AssertionError):
            pass
        finally:
            conn.close()

    @staticmethod
    def traffic(rng):
        keyid, button = rng.choice(LETTERS)
        pick = rng.random()
        if pick < 0.4:
            return [S.dkdn(keyid, 0, button), S.dkup(keyid, 0, button)]
        if pick < 0.5:
            return [S.dkdn(keyid, 0, button)]                      # held until the session ends
        if pick < 0.6:
            return [S.dkrp(keyid, 0, rng.randint(1, 3), button), S.dkup(keyid, 0, button)]
        if pick < 0.75:
            return [S.dmmv(rng.randint(-10, 2100), rng.randint(-10, 1200))]
        if pick < 0.8:
            return [S.dmrm(rng.randint(-50, 50), rng.randint(-50, 50))]
        if pick < 0.85:
            return [S.dmwm(rng.choice([0, 120, -120, 30]), rng.choice([0, 120, -120, 7]))]
        if pick < 0.9:
            b = rng.randint(1, 5)
            return [S.dmdn(b), S.dmup(b)]
        if pick < 0.93:
            data = S.marshal(b"fuzz %d" % rng.randint(0, 10 ** 6))
            seq = rng.randint(1, 9)
            return [S.dclp(0, seq, 1, str(len(data)).encode()), S.dclp(0, seq, 2, data), S.dclp(0, seq, 3, b"")]
        if pick < 0.96:
            return [S.cout(), S.cinn(rng.randint(0, 1919), rng.randint(0, 1079), rng.randint(1, 100), 0)]
        return [S.calv(), S.cnop()]


# ---------------------------------------------------------------------------
# The fuzzer
# ---------------------------------------------------------------------------
class QemuDied(AssertionError):
    pass


class Op:
    __slots__ = ("n", "kind", "obj", "prop", "value", "msg", "desc", "resp", "pair")

    def __init__(self, kind, msg, desc, obj=None, prop=None, value=None):
        self.n = None
        self.kind, self.msg, self.desc = kind, msg, desc
        self.obj, self.prop, self.value = obj, prop, value
        self.resp = None
        self.pair = None          # a get's set


class Fuzzer:
    def __init__(self, q, srv, typing, props, seed, creds_dir, log_path, sock_timeout=10.0):
        self.q, self.srv, self.typing = q, srv, typing
        self.props = props
        self.by_name = {p.name: p for p in props}
        self.writable = [p for p in props if not p.read_only]
        self.seed = seed
        self.rng = random.Random(seed)
        self.values = Values(self.rng, srv.port)
        self.creds_dir = creds_dir
        self.log = open(log_path, "w", encoding="utf-8", errors="backslashreplace")
        self.log_path = log_path
        q.qmp.sock.settimeout(sock_timeout)
        self.n = 0
        self.counts = {}          # kind -> [accepted, refused]
        self.prop_counts = {}     # property -> [accepted, refused]
        self.violations = []
        self.exists = {OBJ0: True, OBJ1: False, CREDS_X509: True}
        self.model = {OBJ0: {p.name: self.get_now(OBJ0, p.name) for p in props}, OBJ1: {}}
        self.pending = {}         # (obj, prop) -> (accepted, expect, before) of the last set
        self.running = True
        self.history = []         # the last batches' ops, for a crash report
        self.allow_vm_ops = True
        self.sane_retries = []    # sane values refused on a first pass, set on a second

    def get_now(self, obj, prop):
        return self.q.qmp.execute("qom-get", path=PATHS[obj], property=prop)

    def close(self):
        self.log.close()

    # ---- generating operations ------------------------------------------
    def qmp(self, command, **args):
        return {"execute": command, "arguments": args} if args else {"execute": command}

    def op_set(self, via="qmp"):
        r = self.rng
        obj = OBJ0 if r.random() < 0.7 else OBJ1
        p = r.choice(self.props)
        v = self.values.value(p)
        path = PATHS[obj]
        if via == "qmp":
            return Op("qom-set", self.qmp("qom-set", path=path, property=p.name, value=v.obj),
                      "qom-set %s %s %r" % (obj, p.name, v), obj, p.name, v)
        # QEMU's HMP qom-set -j leaks every value it parses (qom/qom-hmp-cmds.c,
        # ~180 bytes a call): small values there, and a quarter of the HMP sets,
        # or the run's memory growth would be QEMU's leak
        json_mode = r.random() < HMP_JSON_SHARE and len(encode(v.obj)) <= HMP_JSON_MAX
        if json_mode:
            # the value's JSON, raw bytes and all, inside the command line's JSON string
            text = encode(v.obj).replace(b"\\", b"\\\\").replace(b'"', b'\\"')
            line = Raw(("qom-set -j %s %s " % (path, p.name)).encode() + text, escaped=True)
        else:
            t = text_of(v)
            if isinstance(t, Raw):
                line = Raw(("qom-set %s %s " % (path, p.name)).encode() + t.data)
            else:
                line = "qom-set %s %s %s" % (path, p.name, t)
            v = V(v.obj, NOCHECK)
        return Op("hmp-qom-set", self.qmp("human-monitor-command", **{"command-line": line}),
                  "hmp %sqom-set %s %s %r" % ("-j " if json_mode else "", obj, p.name, v), obj, p.name, v)

    def op_get(self, obj, prop):
        return Op("qom-get", self.qmp("qom-get", path=PATHS[obj], property=prop),
                  "qom-get %s %s" % (obj, prop), obj, prop)

    def op_add(self):
        r = self.rng
        args = {"qom-type": OBJECT_TYPE, "id": OBJ1}
        if r.random() < 0.6:
            args.update({"name": "VM-2", "server": "127.0.0.1", "port": str(self.srv.port)})
        for p in r.sample(self.writable, r.randint(0, 4)):
            args[p.name] = self.values.value(p).obj
        if r.random() < 0.05:
            args.pop("name", None)
        elif r.random() < 0.05:
            args["name"] = ""
        return Op("object-add", self.qmp("object-add", **args),
                  "object-add %s" % {k: short(v, 30) for k, v in args.items()}, OBJ1, value=args)

    def op_del(self, obj=OBJ1):
        return Op("object-del", self.qmp("object-del", id=obj), "object-del %s" % obj, obj)

    def op_creds(self):
        if self.exists[CREDS_X509] and self.rng.random() < 0.6:
            return Op("creds-del", self.qmp("object-del", id=CREDS_X509), "object-del %s" % CREDS_X509)
        return Op("creds-add", self.qmp("object-add", **{"qom-type": "tls-creds-x509", "id": CREDS_X509,
                                                         "endpoint": "client", "dir": self.creds_dir,
                                                         "verify-peer": False}),
                  "object-add tls-creds-x509 %s" % CREDS_X509)

    def op_hmp(self, line):
        return Op("hmp", self.qmp("human-monitor-command", **{"command-line": line}), "hmp %s" % line)

    def generate(self, n):
        """About n operations (a set and its get count as one)."""
        ops = []
        r = self.rng
        while len(ops) < n:
            pick = r.random()
            if pick < 0.62:
                op = self.op_set("qmp")
                ops += [op, self.op_get(op.obj, op.prop)]
            elif pick < 0.74:
                op = self.op_set("hmp")
                ops += [op, self.op_get(op.obj, op.prop)]
            elif pick < 0.80:
                obj = OBJ0 if r.random() < 0.75 else OBJ1
                v = r.random() < 0.6
                op = Op("enabled", self.qmp("qom-set", path=PATHS[obj], property="enabled", value=v),
                        "qom-set %s enabled %s" % (obj, v), obj, "enabled", V(v, v))
                ops += [op, self.op_get(obj, "enabled")]
            elif pick < 0.86:
                ops.append(self.op_add())
            elif pick < 0.91:
                ops.append(self.op_del())
            elif pick < 0.96:
                obj = OBJ0 if r.random() < 0.7 else OBJ1
                ops.append(self.op_get(obj, r.choice(self.props).name))
            elif pick < 0.975:
                ops.append(self.op_creds())
            elif pick < 0.99:
                p = r.choice(self.props)
                ops.append(Op("bogus-path", self.qmp("qom-set", path=r.choice(BOGUS_PATHS), property=p.name,
                                                     value=self.values.value(p).obj), "qom-set on a bogus path"))
            elif self.allow_vm_ops:
                line = r.choice(["stop", "cont", "cont", "system_reset"])
                ops.append(self.op_hmp(line))
        for a, b in zip(ops, ops[1:]):
            if b.kind == "qom-get" and a.kind in ("qom-set", "hmp-qom-set", "enabled") and \
                    (a.obj, a.prop) == (b.obj, b.prop):
                b.pair = a
        return ops

    # ---- running them ----------------------------------------------------
    def run(self, count):
        done = 0
        while done < count:
            ops = self.generate(min(BATCH, count - done))
            self.execute(ops)
            done += sum(1 for op in ops if op.kind != "qom-get" or op.pair is None)

    def execute(self, ops):
        for op in ops:
            self.n += 1
            op.n = self.n
            op.msg["id"] = op.n
        self.history = (self.history + ops)[-3 * BATCH:]
        try:
            self.q.qmp.sock.sendall(b"".join(encode(op.msg) + b"\n" for op in ops))
        except OSError as e:
            self.died(ops[0], "sending: %s" % e)
        for op in ops:
            try:
                resp = self.q.qmp._read()
                while "event" in resp:
                    resp = self.q.qmp._read()
            except (OSError, QMPError, ValueError) as e:
                self.died(op, str(e))
            if "id" in resp and resp["id"] != op.n:
                raise AssertionError("QMP answers out of step: #%d answered for #%d" % (resp["id"], op.n))
            op.resp = resp
            self.settle(op)

    def died(self, op, why):
        if self.q.alive():
            try:
                wait_until(lambda: not self.q.alive(), 5, "QEMU to exit after its QMP socket failed")
            except AssertionError:
                pass
        tail = [o for o in self.history if o.n < op.n][-8:]
        with open(self.log_path + ".crash", "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write("seed %s\nkilled by #%d %s\nfull message: %s\n" % (self.seed, op.n, op.desc, encode(op.msg)))
        self.log.flush()
        raise QemuDied(
            "QEMU %s (exit %s) at operation #%d, the first without an answer: %s\n"
            "seed %s (%s=%s reproduces the run); the 8 before it:\n  %s\n"
            "the full message in %s.crash, every operation in %s; QEMU's stderr:\n%s"
            % ("died" if not self.q.alive() else "stopped answering (%s)" % why,
               self.q.proc.returncode, op.n, op.desc, self.seed, SEED_ENV, self.seed,
               "\n  ".join("#%d %s -> %s" % (o.n, o.desc, result_text(o)) for o in tail),
               self.log_path, self.log_path, self.q.stderr_tail(8)))

    def count(self, table, key, accepted):
        c = table.setdefault(key, [0, 0])
        c[0 if accepted else 1] += 1

    def violation(self, op, text):
        self.violations.append("#%d %s: %s" % (op.n, op.desc, text))

    def settle(self, op):
        """Book one answer, check it against the model, update the model."""
        resp = op.resp
        ok = "return" in resp
        if op.kind == "hmp-qom-set" or op.kind == "hmp":
            out = (resp.get("return") or "") if ok else resp["error"].get("desc", "")
            ok = ok and not out.strip()
        self.log.write("#%d %s -> %s\n" % (op.n, op.desc, result_text(op)))
        if op.kind == "qom-get" and op.pair is not None:
            self.check_get(op, ok)
            return
        self.count(self.counts, op.kind, ok)
        k = op.kind
        if k in ("qom-set", "hmp-qom-set", "enabled"):
            p = self.by_name.get(op.prop)
            self.count(self.prop_counts, op.prop, ok)
            if ok and p.read_only:
                self.violation(op, "a write to the read-only property %s was accepted" % op.prop)
            if ok and not self.exists[op.obj]:
                self.violation(op, "accepted on %s, which does not exist" % op.obj)
            before = self.model[op.obj].get(op.prop, NOCHECK) if self.exists[op.obj] else NOCHECK
            self.pending[(op.obj, op.prop)] = (ok, op.value.expect, before)
        elif k == "object-add":
            args = op.value
            if ok and self.exists[OBJ1]:
                self.violation(op, "object-add of an id that exists was accepted")
            if ok and not args.get("name"):
                self.violation(op, "object-add without a name (or an empty one) was accepted")
            if ok:
                self.exists[OBJ1] = True
                self.model[OBJ1] = {}
        elif k == "object-del":
            if ok != self.exists[OBJ1]:
                self.violation(op, "object-del of %s %s while it %s" % (
                    OBJ1, "accepted" if ok else "refused", "exists" if self.exists[OBJ1] else "does not exist"))
            self.exists[OBJ1] = False
            self.model[OBJ1] = {}
        elif k == "creds-del" and ok:
            self.exists[CREDS_X509] = False
        elif k == "creds-add" and ok:
            self.exists[CREDS_X509] = True
        elif k == "bogus-path" and ok:
            self.violation(op, "a qom-set on a path that does not exist was accepted")
        elif k == "hmp" and ok:
            self.running = {"stop": False, "cont": True}.get(op.desc.split()[-1], self.running)
        elif k == "qom-get":
            if ok != self.exists[op.obj]:
                self.violation(op, "qom-get %s while %s %s" % ("answered" if ok else "refused", op.obj,
                                                              "exists" if self.exists[op.obj] else "does not"))
            if ok:
                self.check_read_only_value(op, resp["return"])
                self.model[op.obj][op.prop] = resp["return"]

    def check_read_only_value(self, op, value):
        if op.prop == "state" and value not in ALL_STATES:
            self.violation(op, "state reads %r" % (value,))
        p = self.by_name[op.prop]
        if p.kind == "enum" and p.enum and value not in p.enum:
            self.violation(op, "%s reads %r, not one of %s" % (op.prop, value, p.enum))

    def self_changing(self, obj, prop):
        """Properties the object may change by itself between two operations."""
        p = self.by_name[prop]
        if p.read_only:
            return True
        if prop in ("width", "height"):
            return self.model[obj].get("follow-display", True) is not False
        return False

    def check_get(self, op, ok):
        s = op.pair
        accepted, expect, before = self.pending.pop((s.obj, s.prop), (None, NOCHECK, NOCHECK))
        if ok != self.exists[op.obj]:
            self.violation(op, "qom-get %s while %s %s" % ("answered" if ok else "refused", op.obj,
                                                          "exists" if self.exists[op.obj] else "does not"))
        if not ok:
            return
        got = op.resp["return"]
        self.check_read_only_value(op, got)
        if not self.self_changing(op.obj, op.prop):
            if accepted and expect is not NOCHECK and got != expect:
                self.violation(s, "accepted, but qom-get reads %s" % short(got))
            if accepted is False and before is not NOCHECK and got != before:
                self.violation(s, "refused, but the value changed from %s to %s" % (short(before), short(got)))
        self.model[op.obj][op.prop] = got

    # ---- the sane configuration -------------------------------------------
    def set_sane(self, timeout=SANE_TIMEOUT):
        """barrier1 gone, tls0 back, every property of barrier0 sane: it connects and types."""
        q, srv = self.q, self.srv
        self.typing.quiet.set()
        if not self.running:
            q.qmp.execute("cont")
            self.running = True
        if self.exists[OBJ1]:
            q.qmp.execute("object-del", id=OBJ1)
            self.exists[OBJ1] = False
            self.model[OBJ1] = {}
        if not self.exists[CREDS_X509]:
            self.execute([self.op_creds()])
            assert self.exists[CREDS_X509], "tls-creds-x509 %s could not be added back" % CREDS_X509
        q.qmp.execute("qom-set", path=QOM_PATH, property="enabled", value=False)
        sane = sane_values(srv.port)
        # Values that depend on each other (clipboard on refuses the
        # clipboard-max-size that clipboard off let in) may need a second
        # pass, as a user setting them one by one would do.
        todo = [p.name for p in self.writable if p.name in sane]
        for attempt in range(3):
            refused = {}
            for name in todo:
                try:
                    q.qmp.execute("qom-set", path=QOM_PATH, property=name, value=sane[name])
                except QMPError as e:
                    refused[name] = str(e)
            if refused and attempt == 0:
                self.sane_retries.append(refused)
            if not refused or len(refused) == len(todo):
                break
            todo = list(refused)
        assert not refused, "the sane values were refused after the run: %s" % refused
        first = len(srv.connections)
        began = time.monotonic()
        q.qmp.execute("qom-set", path=QOM_PATH, property="enabled", value=True)

        def connected():
            for c in srv.connections[first:]:
                if getattr(c, "ready", False) and getattr(c, "client", None) == "VM-1" \
                        and not c.closed_by_peer.is_set():
                    return c
            return None
        conn = wait_until(connected, timeout, lambda: "barrier0 with the sane configuration to connect: "
                          "state %s, last-error %r, %d connections since" % (
                              q.state(), q.qom_get(QOM_PATH, "last-error"), len(srv.connections) - first))
        q.wait_state(UP_STATES, timeout, "barrier0 after the sane configuration")
        mark = q.trace.mark()
        conn.send(S.cinn(100, 100, 1000, 0), S.dkdn(A_ID, 0, A_BUTTON), S.dkup(A_ID, 0, A_BUTTON))
        q.trace.wait_for([("key", "a", True), ("key", "a", False)], timeout, since=mark,
                         what="a key typed on the sane connection")
        took = time.monotonic() - began
        self.model[OBJ0] = {p.name: self.get_now(OBJ0, p.name) for p in self.props}
        self.typing.quiet.clear()
        return conn, took

    def summary(self):
        acc = sum(c[0] for c in self.counts.values())
        ref = sum(c[1] for c in self.counts.values())
        lines = ["%d operations (%d accepted, %d refused) + %d qom-gets of what was set; seed %s"
                 % (acc + ref, acc, ref, self.n - acc - ref, self.seed)]
        lines.append("  by kind: " + ", ".join("%s %d/%d" % (k, a, r) for k, (a, r) in sorted(self.counts.items())))
        lines.append("  sets by property (accepted/refused): " + ", ".join(
            "%s %d/%d" % (k, a, r) for k, (a, r) in sorted(self.prop_counts.items())))
        lines.append("  values of 4 KiB and more: %d" % self.values.huge)
        lines.append("  scripted server: %d handshakes, %d frames sent" % (self.typing.handshakes,
                                                                            self.typing.frames))
        for refused in self.sane_retries:
            lines.append("  the sane configuration needed a second pass: %s" % refused)
        return "\n".join(lines)

    def operations(self):
        return sum(a + r for a, r in self.counts.values())


def result_text(op):
    if op.resp is None:
        return "(no answer)"
    if "error" in op.resp:
        return "refused: %s" % short(op.resp["error"].get("desc", op.resp["error"]), 120)
    ret = op.resp.get("return")
    if op.kind in ("hmp-qom-set", "hmp") and ret:
        return "refused: %s" % short(ret.strip(), 120)
    return "ok" if ret in ({}, "", None) else "ok %s" % short(ret)


# Lookups of server names go on in QEMU's threads after a new value replaced
# them (getaddrinfo cannot be cancelled), each with its socket: a burst of
# `server` changes leaves dozens for as long as the resolver takes (5 s per
# try without an answer).  fds and threads are read once those are done.
SETTLE_TIMEOUT = 60.0


def settled(q, fds_limit, threads_limit):
    """(fds, threads) of QEMU once both are within the limits, or at SETTLE_TIMEOUT."""
    seen = []

    def within():
        seen.append((q.fd_count(), q.threads()))
        return seen[-1][0] <= fds_limit and seen[-1][1] <= threads_limit
    try:
        wait_until(within, SETTLE_TIMEOUT, "QEMU's fds and threads to settle")
    except AssertionError:
        pass
    return seen[-1]


def settled_rss(q, still_polls=10):
    """VmRSS once it stops moving (the same for still_polls polls in a row)."""
    seen = []

    def still():
        seen.append(q.rss_kb())
        tail = seen[-still_polls:]
        return tail[0] if len(tail) == still_polls and len(set(tail)) == 1 else None
    try:
        return wait_until(still, 10, "RSS to settle")
    except AssertionError:
        return max(seen[-still_polls:])


def schema_enums(q):
    """{property: enum values} of input-barrier's object-add arguments (QMP introspection)."""
    schema = {e["name"]: e for e in q.qmp.execute("query-qmp-schema")}
    args = schema[schema["object-add"]["arg-type"]]
    out = {}
    for variant in args.get("variants", []):
        if variant["case"] == OBJECT_TYPE:
            for m in schema[variant["type"]]["members"]:
                t = schema.get(m["type"], {})
                if t.get("meta-type") == "enum":
                    out[m["name"]] = list(t["values"])
    return out


def list_props(q):
    """Every property of the type; read only: README.md's "(read only)" ones and QOM's type;
    an enum's values from the schema (a read-only enum: those of a writable one of its type)."""
    read_only = readme_read_only() | QOM_READ_ONLY
    infos = q.qmp.execute("qom-list-properties", typename=OBJECT_TYPE)
    props = [Prop(i, i["name"] in read_only) for i in infos]
    names = {p.name for p in props}
    missing = read_only - names
    assert not missing, "README.md marks %s read only, the object has no such property" % sorted(missing)
    enums = schema_enums(q)
    by_type = {p.type: enums[p.name] for p in props if p.name in enums}
    by_type.setdefault("InputBarrierState", list(ALL_STATES))
    for p in props:
        if p.kind == "enum":
            p.enum = enums.get(p.name) or by_type.get(p.type, [])
    return props


def seed_of():
    s = os.environ.get(SEED_ENV)
    return int(s) if s else random.SystemRandom().randrange(2 ** 32)


@pytest.fixture(scope="module")
def creds_dir(module_run_dir):
    d = os.path.join(module_run_dir, "creds")
    os.makedirs(d, exist_ok=True)
    make_client_cert(d)
    return d


def creds_args(creds_dir):
    return ["-object", "tls-creds-x509,id=%s,endpoint=client,dir=%s,verify-peer=off" % (CREDS_X509, creds_dir),
            # endpoint=server: QEMU 10.2's tls-creds-anon with endpoint=client
            # dies at creation (qcrypto_tls_creds_anon_load never allocates
            # its box); a server one is as wrong for tls-creds
            "-object", "tls-creds-anon,id=%s,endpoint=server" % CREDS_ANON]


def start(scripted_server, run_dir, creds_dir, seed, **qemu_kw):
    """The scripted server and the fuzzed QEMU: `-machine none` with a VNC
    display (a clipboard peer), as test_valgrind.py runs it.  No guest CPU:
    a TCG guest's own memory grows with every system_reset (its translations,
    ~20 KiB a reset without any input-barrier) and would hide ours; input
    still reaches QEMU's input layer and its trace, and stop, cont and
    system_reset still run the object's VM state and reset handlers."""
    typing = TypingServer(seed)
    srv = scripted_server(on_connect=typing.script)
    typing.srv = srv
    q = Qemu(run_dir, srv.port, object_extra={"reconnect-ms": 100, "keycodes": "x11"},
             extra_args=creds_args(creds_dir), absolute_pointer=False,
             machine_args=test_valgrind.machine_args(run_dir), **qemu_kw)
    return typing, srv, q


def fuzz_run(q, srv, typing, run_dir, creds_dir, seed, ops, report, rss_growth_kb=RSS_GROWTH_KB):
    props = list_props(q)
    print("\nproperty fuzzer: seed %d (%s=%d repeats it), %d operations; properties: %s"
          % (seed, SEED_ENV, seed, ops, ", ".join(map(repr, props))))
    fz = Fuzzer(q, srv, typing, props, seed, creds_dir, os.path.join(run_dir, "fuzz-ops.log"))
    try:
        q.wait_state(UP_STATES, SANE_TIMEOUT, "barrier0 at start")
        fds_start, thr_start = q.fd_count(), q.threads()
        warm = min(WARMUP_OPS, ops // 10)
        t0 = time.monotonic()
        fz.run(warm)
        fz.set_sane()
        fds0, thr0 = settled(q, fds_start, thr_start)
        rss0 = settled_rss(q)
        t1 = time.monotonic()
        fz.run(ops - fz.operations())
        run_s = time.monotonic() - t1
        conn, took = fz.set_sane()
        fds1, thr1 = settled(q, fds0 + FD_GROWTH, thr0 + THREAD_GROWTH)
        rss1 = settled_rss(q)
        total_s = time.monotonic() - t0
    finally:
        fz.close()
    print(fz.summary())
    print("  %d operations in %.1f s (%.0f per second after the warm-up); the sane configuration typed "
          "%.2f s after enabled=on" % (fz.operations(), total_s, (fz.operations() - warm) / run_s, took))
    print("  QEMU after the warm-up -> after the run: fds %d -> %d, RSS %d -> %d KiB, "
          "threads %d -> %d"
          % (fds0, fds1, rss0, rss1, thr0, thr1))
    report("property fuzzer: %s in %.0f s; QEMU alive, fds %d -> %d, RSS %d -> %d KiB, threads %d -> %d, "
           "%d violations; the sane configuration typed" % (fz.summary().splitlines()[0], total_s, fds0, fds1,
                                                             rss0, rss1, thr0, thr1, len(fz.violations)))
    assert q.alive()
    assert fz.operations() >= ops
    assert not fz.violations, "%d violations (seed %d), first ones:\n  %s\nops log: %s" % (
        len(fz.violations), seed, "\n  ".join(fz.violations[:25]), fz.log_path)
    assert fds1 <= fds0 + FD_GROWTH, "QEMU's fds grew %d -> %d over %d operations" % (fds0, fds1, ops)
    assert rss1 <= rss0 + rss_growth_kb, "QEMU's RSS grew %d -> %d KiB over %d operations" % (rss0, rss1, ops)
    assert thr1 <= thr0 + THREAD_GROWTH, "QEMU's threads grew %d -> %d over %d operations" % (thr0, thr1, ops)
    return fz


def test_property_fuzz(scripted_server, run_dir, creds_dir, report):
    seed = seed_of()
    ops = int(os.environ.get(OPS_ENV, DEFAULT_OPS))
    typing, srv, q = start(scripted_server, run_dir, creds_dir, seed)
    try:
        q.start()
        fuzz_run(q, srv, typing, run_dir, creds_dir, seed, ops, report)
    finally:
        q.stop()


@pytest.mark.soak
@pytest.mark.timeout(SOAK_OPS // 100 + 600)
def test_property_fuzz_soak(scripted_server, run_dir, creds_dir, report):
    seed = seed_of()
    typing, srv, q = start(scripted_server, run_dir, creds_dir, seed)
    try:
        q.start()
        fuzz_run(q, srv, typing, run_dir, creds_dir, seed, SOAK_OPS, report, SOAK_RSS_GROWTH_KB)
    finally:
        q.stop()


# ---------------------------------------------------------------------------
# At creation, on the command line
# ---------------------------------------------------------------------------
# -object values are argv bytes: invalid UTF-8 of any kind (0xFE, 0xFF too),
# no NUL; a comma is written ",,".
CMDLINE_VALUES = [b"", b" ", b"0", b"-1", b"1", b"65535", b"65536", b"32768", b"-32769", b"4294967295",
                  b"4294967296", b"1099511627776", b"18446744073709551616", b"0x10", b"1e3", b"on", b"off",
                  b"auto", b"X11", b"x" * 255, b"x" * 256, b"x" * 65536, b"\xff\xfe", b"a\xc0\x80b", b"\xed\xa0\x80",
                  b"\x80", b"%s%n", b"a,,b", b"VM-1", b"127.0.0.1", b"http", b"tls0", b"barrier0",
                  b"v2:sha256:" + b"0" * 64, "é".encode() * 200]
CMDLINE_TIMEOUT = 30.0


def test_creation_values_on_the_command_line(run_dir, scripted_server, creds_dir, report):
    """`-object input-barrier,...,PROP=VALUE` for every writable property and
    CMDLINE_VALUES: QEMU refuses it (exit 1, one error line) or runs (exit 0
    after QMP quit on stdin); never a signal or a hang.  An empty name is
    refused naming it."""
    srv = scripted_server(on_connect=S.standard_session())
    probe = Qemu(os.path.join(run_dir, "probe"), srv.port, absolute_pointer=False,
                 machine_args=test_valgrind.machine_args(run_dir))
    try:
        props = list_props(probe.start())
    finally:
        probe.stop()
    binary = probe.binary
    base = ["-machine", "none", "-nodefaults", "-display", "none", "-qmp", "stdio"] + creds_args(creds_dir)
    quit_ = b'{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n'
    results = {0: 0, 1: 0}
    started = time.monotonic()
    for p in props:
        if p.read_only:
            continue
        for value in CMDLINE_VALUES:
            obj = b"input-barrier,id=b0,name=VM-1,server=127.0.0.1,port=%d,%s=%s" % (
                srv.port, p.name.encode(), value)
            argv = [binary.encode()] + [a.encode() for a in base] + [b"-object", obj]
            try:
                res = subprocess.run(argv, input=quit_, capture_output=True, timeout=CMDLINE_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise AssertionError("QEMU hung (%.0f s) with -object %r" % (CMDLINE_TIMEOUT, obj)) from None
            err = res.stderr.decode("utf-8", "replace")
            assert res.returncode in (0, 1), "QEMU %s with -object %r:\n%s" % (
                "died on signal %d" % -res.returncode if res.returncode < 0 else "exited %d" % res.returncode,
                obj, err[-2000:])
            results[res.returncode] += 1
            if p.name == "name" and value == b"":
                assert res.returncode == 1 and "name" in err, "name= at creation: exit %d, %r" % (
                    res.returncode, err)
    line = ("-object input-barrier with %d values (%d properties): %d refused, %d ran, none died, in %.1f s"
            % (sum(results.values()), len([p for p in props if not p.read_only]), results[1], results[0],
               time.monotonic() - started))
    print("\n" + line)
    report(line)


# ---------------------------------------------------------------------------
# Under valgrind
# ---------------------------------------------------------------------------
OURS = re.compile(r"input-barrier|input_barrier|libbarrierclient|\bbc_\w+|\$s\d*BarrierC")
LEAK_HEAD = re.compile(r"^==\d+== ([\d,]+ \(?[\d,]* ?\)? ?bytes .*?(definitely|indirectly) lost in loss record.*)$")


def valgrind_blocks(log):
    """Each memcheck report of the log: (first line, its stack lines)."""
    blocks, cur = [], None
    for line in log.splitlines():
        m = re.match(r"^==\d+== (.*)$", line)
        if not m:
            continue
        text = m.group(1)
        if not text.strip():
            if cur:
                blocks.append(cur)
            cur = None
        elif cur is None:
            cur = [text]
        else:
            cur.append(text)
    if cur:
        blocks.append(cur)
    return blocks


ERROR_KINDS = re.compile(r"^(Invalid (read|write|free)|Mismatched free|Conditional jump|Use of uninitialised|"
                         r"Syscall param|Source and destination overlap|Argument '.*' of function .* fishy|"
                         r"Jump to the invalid address|Process terminating)")


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind not installed")
@pytest.mark.timeout(900)
def test_property_fuzz_under_valgrind(scripted_server, run_dir, creds_dir, report):
    seed = seed_of()
    log_path = os.path.join(run_dir, "valgrind.log")
    typing, srv, q = start(scripted_server, run_dir, creds_dir, seed, wrapper=test_valgrind.valgrind_argv(log_path))
    started = time.monotonic()
    try:
        q.start(timeout=test_valgrind.START_TIMEOUT)
        props = list_props(q)
        fz = Fuzzer(q, srv, typing, props, seed, creds_dir, os.path.join(run_dir, "fuzz-ops.log"),
                    sock_timeout=test_valgrind.STEP_TIMEOUT)
        try:
            print("\nproperty fuzzer under valgrind: seed %d, %d operations" % (seed, VALGRIND_OPS))
            q.wait_state(UP_STATES, test_valgrind.STEP_TIMEOUT, "barrier0 at start")
            fz.run(VALGRIND_OPS)
            fz.set_sane(timeout=test_valgrind.STEP_TIMEOUT)
        finally:
            fz.close()
        print(fz.summary())
        assert not fz.violations, "%d violations (seed %d):\n  %s" % (
            len(fz.violations), seed, "\n  ".join(fz.violations[:25]))
        q.qmp.execute("quit")
        wait_until(lambda: not q.alive(), test_valgrind.START_TIMEOUT, "QEMU to exit after quit")
        rc = q.proc.returncode
    finally:
        q.stop()
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    errors, our_leaks, other_leaks = [], [], []
    for block in valgrind_blocks(log):
        head = block[0]
        if ERROR_KINDS.match(head):
            errors.append(block)
        elif re.search(r"(definitely|indirectly) lost in loss record", head):
            (our_leaks if any(OURS.search(l) for l in block) else other_leaks).append(block)
    print("valgrind, %d operations in %.0f s: %d memcheck errors, %d leak records through our code, "
          "%d others (QEMU's own: %s)" % (fz.operations(), time.monotonic() - started, len(errors),
                                         len(our_leaks), len(other_leaks),
                                         "; ".join(b[0] for b in other_leaks[:5]) or "none"))
    report("property fuzzer under valgrind: %s; %d memcheck errors, %d leak records through our code, "
           "%d of QEMU's own" % (fz.summary().splitlines()[0], len(errors), len(our_leaks), len(other_leaks)))
    fmt = lambda blocks: "\n\n".join("\n".join(b[:25]) for b in blocks[:5])  # noqa: E731
    assert not errors, "memcheck errors (seed %d, log %s):\n%s" % (seed, log_path, fmt(errors))
    assert not our_leaks, "leaks through the object or the library (seed %d, log %s):\n%s" % (
        seed, log_path, fmt(our_leaks))
    assert rc in (0, test_valgrind.VALGRIND_ERROR_EXIT), "QEMU exited with %s after quit" % rc
