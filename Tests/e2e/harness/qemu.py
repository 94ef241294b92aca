# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU with an input-barrier object, its input trace, a tiny QMP client, /proc figures.

    q = Qemu(run_dir, port=srv.port).start()
    mark = q.trace.mark()
    ... drive the server ...
    q.trace.wait_for([("key", "a", True), ("key", "a", False)], 5, since=mark)
    q.state()          # QOM "state" of /objects/barrier0
    q.hmp("object_del barrier0")
    q.fd_count(), q.rss_kb()

Names that come from the QEMU patch (trace events, QOM property and state
strings, error wording) are kept together right below, so they are easy to
adjust when the patch settles.
"""
import json
import os
import re
import socket
import subprocess

from .util import OwnedProcess, read_new, wait_until

# ---------------------------------------------------------------------------
# Everything that depends on the QEMU patch lives here.
# ---------------------------------------------------------------------------
QEMU_ENV = "BARRIERCLIENT_QEMU"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEFAULT_QEMU = os.path.join(REPO_ROOT, "build", "qemu-system-x86_64")

OBJECT_ID = "barrier0"
OBJECT_TYPE = "input-barrier"
QOM_PATH = "/objects/" + OBJECT_ID
QOM_STATE_PROPERTY = "state"

# QOM "state" strings (include/barrierclient.h, bc_state).
STATE_DISCONNECTED = "disconnected"
STATE_CONNECTING = "connecting"
STATE_HANDSHAKING = "handshaking"
STATE_CONNECTED = "connected"
STATE_ACTIVE = "active"
STATE_STOPPED = "stopped"
ALL_STATES = (STATE_DISCONNECTED, STATE_CONNECTING, STATE_HANDSHAKING,
              STATE_CONNECTED, STATE_ACTIVE, STATE_STOPPED)
UP_STATES = (STATE_CONNECTED, STATE_ACTIVE)
DOWN_STATES = (STATE_DISCONNECTED, STATE_CONNECTING, STATE_HANDSHAKING)

# Bool property: false stops the object (releases what is held, disconnects,
# state stopped); true connects again at once, also after reconnect-ms=0 gave up.
QOM_ENABLED_PROPERTY = "enabled"

# Trace events of the patch: enabled with -trace 'input_barrier_*'.
BARRIER_TRACE_GLOB = "input_barrier_*"
# A trace line that reports a state change, and the group with the new state.
# (Guess until the patch lands: "input_barrier_state ... connecting -> connected"
#  or "... state connected".)
BARRIER_STATE_TRACE = re.compile(r"input_barrier_state\b.*?(?:->\s*|state[ =:]\s*|to\s+)([a-z]+)\s*$")

# One clear line on stderr per server error (EUNK / EBSY / EICV), matched loosely.
ERROR_LINE_PATTERNS = {
    "EUNK": re.compile(r"(?i)EUNK|unknown (screen|client|name)|not in the server'?s? config"),
    "EBSY": re.compile(r"(?i)EBSY|busy|already connected|in use"),
    "EICV": re.compile(r"(?i)EICV|incompatible|version"),
}

# How long the client may take to come back after a failure: the retry delay
# doubles up to 30 s (bc_config.reconnect_ms), plus the hello timeout.
RECONNECT_TIMEOUT = 45.0
# No keepalive for 3 periods of 3 s = dead.
DEAD_SERVER_TIMEOUT = 10.0
# A server that accepts but never says hello: the client gives up after this
# (the Barrier client uses 15 s) and retries.
HELLO_TIMEOUT = 20.0


def qemu_binary():
    return os.environ.get(QEMU_ENV) or DEFAULT_QEMU


_versions = {}


def qemu_version():
    """(major, minor, micro) of the QEMU binary the tests run."""
    path = qemu_binary()
    if path not in _versions:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
        m = re.search(r"version (\d+)\.(\d+)\.(\d+)", out)
        _versions[path] = tuple(int(x) for x in m.groups()) if m else (0, 0, 0)
    return _versions[path]


def qemu_missing_reason():
    """None if the QEMU binary can be run, else the one line that explains why the tests skip."""
    path = qemu_binary()
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return None
    return ("QEMU binary %s not found (build it, or set %s=/path/to/qemu-system-x86_64)"
            % (path, QEMU_ENV))


def object_props(port, name="VM-1", server="127.0.0.1", object_id=OBJECT_ID, extra=None):
    props = ["id=%s" % object_id, "name=%s" % name, "server=%s" % server, "port=%d" % port]
    for k, v in (extra or {}).items():
        props.append("%s=%s" % (k, v))
    return OBJECT_TYPE + "," + ",".join(props)


# ---------------------------------------------------------------------------
# Trace
# ---------------------------------------------------------------------------
_EVENT_RX = re.compile(r"(input_event_\w+|input_barrier_\w+)\s?(.*)$")
_PARSERS = {
    "input_event_key_qcode": (re.compile(r"key qcode (\S+), down (\d)"),
                              lambda m: ("key", m.group(1), m.group(2) == "1")),
    "input_event_key_number": (re.compile(r"key number 0x[0-9a-fA-F]+ \[(\S*)\], down (\d)"),
                               lambda m: ("key", m.group(1), m.group(2) == "1")),
    "input_event_btn": (re.compile(r"button (\S+), down (\d)"),
                        lambda m: ("btn", m.group(1), m.group(2) == "1")),
    "input_event_abs": (re.compile(r"axis (\S+), value 0x([0-9a-fA-F]+)"),
                        lambda m: ("abs", m.group(1), int(m.group(2), 16))),
    "input_event_rel": (re.compile(r"axis (\S+), value (-?\d+)"),
                        lambda m: ("rel", m.group(1), int(m.group(2)))),
    "input_event_sync": (re.compile(r""), lambda m: ("sync",)),
}


def parse_trace_line(line):
    """One stderr line -> an event tuple, or None if it is not an input trace line.

    ('key', qcode, down) ('btn', button, down) ('abs', axis, value) ('rel', axis, value)
    ('sync',) and ('barrier', event_name, rest_of_line) for input_barrier_* events.
    """
    m = _EVENT_RX.search(line)
    if not m:
        return None
    name, rest = m.group(1), m.group(2).strip()
    if name.startswith("input_barrier_"):
        return ("barrier", name, rest)
    parser = _PARSERS.get(name)
    if parser is None:
        return None
    pm = parser[0].search(rest)
    return parser[1](pm) if pm else None


def only(*kinds):
    """A filter for Trace methods: keep events whose kind is one of kinds ('key', 'btn', ...)."""
    return lambda ev: ev[0] in kinds


INPUT = only("key", "btn")


class Trace:
    """Reads QEMU's stderr file incrementally and keeps the parsed events in order."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.events = []      # parsed event tuples, in order
        self.other = []       # (event_index_at_the_time, line) of non-trace stderr lines

    def poll(self):
        text, self.offset = read_new(self.path, self.offset)
        for line in text.splitlines():
            ev = parse_trace_line(line)
            if ev is not None:
                self.events.append(ev)
            elif line.strip():
                self.other.append((len(self.events), line))
        return self

    def mark(self):
        """A position in the event stream; events after it are 'since mark'."""
        self.poll()
        return len(self.events)

    def since(self, mark=0, keep=None):
        self.poll()
        evs = self.events[mark:]
        return [e for e in evs if keep(e)] if keep else evs

    def stderr_lines(self, mark=0):
        """Non-trace stderr lines printed after mark (an event index)."""
        self.poll()
        return [line for idx, line in self.other if idx >= mark]

    def wait_for(self, expected, timeout=5.0, since=0, keep=INPUT, what=None):
        """Wait until `expected` shows up after `since`; return the filtered events seen.

        expected: a list of event tuples that must appear as a contiguous run in
        the filtered events, or a predicate taking the filtered list.
        """
        if callable(expected):
            pred = expected
            desc = what or getattr(expected, "__doc__", None) or "a condition on the trace"
        else:
            want = list(expected)
            desc = what or "the sequence %s" % (want,)

            def pred(evs):
                n = len(want)
                return any(evs[i:i + n] == want for i in range(len(evs) - n + 1)) if n else True

        def check():
            evs = self.since(since, keep)
            return evs if pred(evs) else None

        return wait_until(check, timeout, lambda: "%s in the QEMU trace; seen since mark: %s"
                          % (desc, _short(self.since(since, keep))))

    def barrier_states(self, mark=0):
        """States reported by input_barrier_* trace lines after mark."""
        out = []
        for ev in self.since(mark, only("barrier")):
            m = BARRIER_STATE_TRACE.search(ev[1] + " " + ev[2])
            if m:
                out.append(m.group(1))
        return out


def _short(evs, limit=60):
    if len(evs) <= limit:
        return evs
    return "%s ... (%d more) ... %s" % (evs[:limit // 2], len(evs) - limit, evs[-limit // 2:])


# ---------------------------------------------------------------------------
# QMP
# ---------------------------------------------------------------------------
class QMPError(RuntimeError):
    pass


class QMP:
    """Minimal synchronous QMP client over a unix socket."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise QMPError("unexpected QMP greeting %r" % greeting)
        self.execute("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise QMPError("QMP socket closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, cmd, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            resp = self._read()
            if "event" in resp:
                self.events.append(resp)
                continue
            if "error" in resp:
                raise QMPError("%s: %s" % (cmd, resp["error"].get("desc", resp["error"])))
            return resp.get("return")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# The QEMU process
# ---------------------------------------------------------------------------
# The machine of every test: a small pc whose guest (SeaBIOS, no boot device)
# runs, with a USB keyboard and tablet for the injected input.
MACHINE_ARGS = ["-machine", "pc,accel=tcg", "-m", "32", "-L", "/usr/share/seabios",
                "-display", "none", "-nodefaults",
                "-device", "qemu-xhci", "-device", "usb-tablet", "-device", "usb-kbd"]


class Qemu:
    def __init__(self, run_dir, port, name="VM-1", server="127.0.0.1", binary=None,
                 with_object=True, object_extra=None, extra_args=(), absolute_pointer=True,
                 wrapper=(), machine_args=None):
        self.run_dir = os.path.abspath(run_dir)
        os.makedirs(self.run_dir, exist_ok=True)
        self.port = port
        self.name = name
        self.server = server
        self.binary = binary or qemu_binary()
        self.with_object = with_object
        self.object_extra = object_extra
        self.extra_args = list(extra_args)
        self.absolute_pointer = absolute_pointer
        self.wrapper = list(wrapper)          # argv prefix, e.g. valgrind and its options
        self.machine_args = MACHINE_ARGS if machine_args is None else list(machine_args)
        self.stderr_path = os.path.join(self.run_dir, "qemu.stderr")
        self.qmp_path = os.path.join(self.run_dir, "qmp.sock")
        self.mon_path = os.path.join(self.run_dir, "mon.sock")
        self.proc = None
        self.qmp = None
        self.trace = Trace(self.stderr_path)

    def command(self):
        argv = self.wrapper + [self.binary] + self.machine_args + [
            "-trace", "input_event_*", "-trace", BARRIER_TRACE_GLOB,
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            "-monitor", "unix:%s,server=on,wait=off" % self.mon_path]
        if self.with_object:
            argv += ["-object", self.object_props()]
        return argv + self.extra_args

    def object_props(self, port=None):
        return object_props(self.port if port is None else port, self.name, self.server,
                            extra=self.object_extra)

    def start(self, timeout=20.0):
        for p in (self.qmp_path, self.mon_path):
            if os.path.exists(p):
                os.unlink(p)
        err = open(self.stderr_path, "ab")
        try:
            self.proc = OwnedProcess(self.command(), "qemu", stdout=err, stderr=err)
        finally:
            err.close()

        def qmp_up():
            if not self.proc.alive():
                raise AssertionError("QEMU exited with %s at start; stderr:\n%s"
                                     % (self.proc.returncode, self.stderr_tail()))
            if not os.path.exists(self.qmp_path):
                return False
            try:
                self.qmp = QMP(self.qmp_path)
            except (OSError, QMPError):
                return False
            return True
        wait_until(qmp_up, timeout, "QEMU's QMP socket %s" % self.qmp_path)
        if self.absolute_pointer:
            self.activate_tablet()
        return self

    def activate_tablet(self):
        """Make the USB tablet the active pointer, as a guest's HID driver would.

        No guest OS runs here, so the PS/2 mouse of the pc machine stays the
        active pointer and QEMU reports a relative-only guest; the client then
        (rightly) sends relative motion.  HMP mouse_set switches to the tablet
        the way a booted guest does when it starts using it.
        """
        for line in self.hmp("info mice").splitlines():
            m = re.match(r"[ *]*Mouse #(\d+): (.*?)( \(absolute\))?( \[current\])?$", line.strip())
            if m and m.group(3):
                self.hmp("mouse_set %s" % m.group(1))
                return
        raise AssertionError("no absolute pointer in 'info mice'")

    def stop(self):
        if self.qmp is not None:
            self.qmp.close()
            self.qmp = None
        if self.proc is not None:
            self.proc.stop()

    def kill(self):
        if self.proc is not None:
            self.proc.kill()

    def alive(self):
        return self.proc is not None and self.proc.alive()

    @property
    def pid(self):
        return self.proc.pid

    def stderr_tail(self, n=30):
        try:
            with open(self.stderr_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return ""
        return "\n".join(lines[-n:])

    # ---- monitor ----------------------------------------------------------
    def hmp(self, command):
        """Run an HMP command through QMP's human-monitor-command; return its output text."""
        return self.qmp.execute("human-monitor-command", **{"command-line": command})

    def qom_get(self, path, prop):
        return self.qmp.execute("qom-get", path=path, property=prop)

    def state(self):
        """QOM state of the barrier object, or None if the object does not exist.

        If the object exists but has no state property, fall back to the last
        state an input_barrier_* trace line reported (None if none did).
        """
        try:
            return self.qom_get(QOM_PATH, QOM_STATE_PROPERTY)
        except QMPError as e:
            if "not found" in str(e).lower() and "property" in str(e).lower():
                states = self.trace.barrier_states()
                return states[-1] if states else None
            return None

    def wait_state(self, states, timeout, what=None):
        states = (states,) if isinstance(states, str) else tuple(states)
        seen = []

        def check():
            s = self.state()
            if not seen or seen[-1] != s:
                seen.append(s)
            return s in states
        wait_until(check, timeout, lambda: "%s: QOM %s.%s in %s; states seen: %s"
                   % (what or "state", QOM_PATH, QOM_STATE_PROPERTY, states, seen))
        return seen[-1]

    def qom_set(self, prop, value, path=QOM_PATH):
        """HMP qom-set (the value is parsed as the property's type, as a user types it);
        returns HMP's output: empty on success, the error text otherwise."""
        return (self.hmp("qom-set %s %s %s" % (path, prop, value)) or "").strip()

    def runstate(self):
        """The VM's run state (query-status): running, paused, postmigrate, inmigrate..."""
        return self.qmp.execute("query-status")["status"]

    def migration(self):
        """query-migrate on this QEMU (a dict; "status" is absent before any migration)."""
        return self.qmp.execute("query-migrate")

    def wait_migration(self, statuses, timeout, what="migration"):
        """Poll query-migrate until its status is one of statuses; return the dict."""
        statuses = (statuses,) if isinstance(statuses, str) else tuple(statuses)
        seen = []

        def check():
            m = self.migration()
            if not seen or seen[-1] != m.get("status"):
                seen.append(m.get("status"))
            return m if m.get("status") in statuses else None
        return wait_until(check, timeout, lambda: "%s: query-migrate status in %s; seen %s"
                          % (what, statuses, seen))

    def object_del(self, object_id=OBJECT_ID):
        return self.hmp("object_del %s" % object_id)

    def object_add(self, port=None):
        return self.hmp("object_add %s" % self.object_props(port))

    # ---- /proc ------------------------------------------------------------
    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def _status(self, field, missing=None):
        """A number of /proc/PID/status (VmRSS: kB, Threads: a count); when
        the line is not there (a zombie has no VmRSS), `missing`, or an error."""
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        if missing is None:
            raise AssertionError("no %s: line in /proc/%d/status" % (field, self.pid))
        return missing

    def rss_kb(self):
        return self._status("VmRSS", missing=0)

    def threads(self):
        return self._status("Threads")

    def tcp_connections(self, port):
        """How many of QEMU's sockets are TCP connections to 127.0.0.1:port (any state)."""
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % self.pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (self.pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        want = "0100007F:%04X" % port
        n = 0
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[2] == want and fields[9] in inodes:
                    n += 1
        return n
