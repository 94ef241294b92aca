# SPDX-License-Identifier: GPL-2.0-or-later
"""A scripted Barrier server on loopback, for what a real one cannot be made to do.

    srv = ScriptedServer().start()          # listens on 127.0.0.1:<free port>
    conn = srv.accept(timeout=10)           # next client connection
    conn.handshake()                        # hello 1.6, hello-back, QINF, DINF, CIAK, CROP, DSOP(0)
    conn.start_keepalive(3.0)               # CALV every 3 s; echoes are counted
    conn.send(dkdn(0x61, 0, 38), dkup(0x61, 0, 38))
    conn.send_raw(b"...", split=1)          # byte by byte
    conn.reset()                            # RST instead of FIN
    srv.close()

Protocol: every message is u32 big-endian length + payload; payload = 4 ASCII
code + big-endian fields (protocol section 2.1).  The hello has no code: it is
"Barrier" (or "Synergy") + u16 major + u16 minor.
"""
import queue
import socket
import struct
import threading
import time

from .qemu import UP_STATES
from .util import recv_exact, wait_until

# ---------------------------------------------------------------------------
# Message builders: each returns one complete frame (length prefix included).
# ---------------------------------------------------------------------------


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def msg(code, fmt="", *fields):
    """frame(code + struct.pack('>' + fmt, *fields)); code is 4 ASCII chars."""
    assert len(code) == 4
    return frame(code.encode("ascii") + struct.pack(">" + fmt, *fields))


def string(data):
    data = data.encode() if isinstance(data, str) else data
    return struct.pack(">I", len(data)) + data


def hello(name=b"Barrier", major=1, minor=6):
    return frame(name + struct.pack(">HH", major, minor))


def qinf(): return msg("QINF")
def ciak(): return msg("CIAK")
def crop(): return msg("CROP")
def calv(): return msg("CALV")
def cnop(): return msg("CNOP")
def cout(): return msg("COUT")
def cbye(): return msg("CBYE")
def eunk(): return msg("EUNK")
def ebsy(): return msg("EBSY")
def ebad(): return msg("EBAD")
def eicv(major=1, minor=6): return msg("EICV", "HH", major, minor)


def dsop(pairs=()):
    """pairs: [(b'HART', 3000), ...] or [(0x48415254, 3000), ...]"""
    flat = []
    for k, v in pairs:
        if isinstance(k, (bytes, str)):
            k = struct.unpack(">I", k.encode() if isinstance(k, str) else k)[0]
        flat += [k, v & 0xFFFFFFFF]
    return frame(b"DSOP" + struct.pack(">I", len(flat)) + struct.pack(">%dI" % len(flat), *flat))


def cinn(x, y, seq=1, mask=0): return msg("CINN", "hhIH", x, y, seq, mask)
def dkdn(keyid, mask, button): return msg("DKDN", "HHH", keyid, mask, button)
def dkup(keyid, mask, button): return msg("DKUP", "HHH", keyid, mask, button)
def dkrp(keyid, mask, count, button): return msg("DKRP", "HHHH", keyid, mask, count, button)
def dmdn(button): return msg("DMDN", "B", button)
def dmup(button): return msg("DMUP", "B", button)
def dmmv(x, y): return msg("DMMV", "hh", x, y)
def dmrm(dx, dy): return msg("DMRM", "hh", dx, dy)
def dmwm(xdelta, ydelta): return msg("DMWM", "hh", xdelta, ydelta)
def cclp(cid, seq=0): return msg("CCLP", "BI", cid, seq)
def csec(on): return msg("CSEC", "B", 1 if on else 0)


def dclp(cid, seq, mark, data):
    return frame(b"DCLP" + struct.pack(">BIB", cid, seq, mark) + string(data))


def marshal(text):
    """A marshalled clipboard holding one text format (protocol 2.7.3):
    u32 count, u32 format (0 = text), u32 length, the text."""
    return struct.pack(">III", 1, 0, len(text)) + text


def raw_length(length, payload=b""):
    """A length prefix that need not match the payload (absurd lengths)."""
    return struct.pack(">I", length) + payload


# X11 key codes (evdev + 8) and KeyIDs for a few keys, for scripted key events.
KEY_A = (0x61, 38)          # (KeyID, button)
KEY_B = (0x62, 56)
KEY_RETURN = (0xEF0D, 36)


# ---------------------------------------------------------------------------
# Parsing what the client sends
# ---------------------------------------------------------------------------
class Message:
    def __init__(self, payload, t):
        self.payload = payload
        self.time = t
        if payload[:7] in (b"Barrier", b"Synergy"):
            self.code = "HELLO"
            self.protocol = payload[:7]
            self.major, self.minor = struct.unpack(">HH", payload[7:11])
            (n,) = struct.unpack(">I", payload[11:15])
            self.name = payload[15:15 + n].decode("utf-8", "replace")
        else:
            self.code = payload[:4].decode("ascii", "replace")
        if self.code == "DINF" and len(payload) >= 18:
            self.x, self.y, self.w, self.h, self.warp, self.mx, self.my = struct.unpack(">7h", payload[4:18])

    def __repr__(self):
        return "<%s %s>" % (self.code, self.payload[4:].hex() if self.code != "HELLO" else self.name)


class ProtocolViolation(AssertionError):
    pass


class Connection:
    """One accepted client connection; a reader thread collects its messages."""

    def __init__(self, sock, addr, server):
        self.sock = sock
        self.addr = addr
        self.server = server
        self.accepted_at = time.monotonic()
        self.messages = []          # every Message received, in order
        self.inbox = queue.Queue()
        self.closed_by_peer = threading.Event()
        self.closed = False
        self.errors = []
        self.calv_sent = 0
        self._ka_stop = threading.Event()
        self._ka_thread = None
        self._send_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # ---- receiving --------------------------------------------------------
    def _recv_exact(self, n):
        return recv_exact(self.sock, n, "the client")

    def _read_loop(self):
        try:
            while True:
                (n,) = struct.unpack(">I", self._recv_exact(4))
                if n > 4 * 1024 * 1024:
                    self.errors.append("client sent a %d-byte length" % n)
                    break
                m = Message(self._recv_exact(n), time.monotonic())
                self.messages.append(m)
                self.inbox.put(m)
        except (EOFError, OSError):
            pass
        finally:
            self.closed_by_peer.set()

    def expect(self, code, timeout=10.0):
        """Next message from the client must have this code (CALV echoes are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                m = self.inbox.get(timeout=max(0.01, left))
            except queue.Empty:
                raise ProtocolViolation("no %s from the client within %.1f s (got %s)"
                                        % (code, timeout, self.messages)) from None
            if m.code == code:
                return m
            if m.code in ("CALV", "CNOP") and code not in ("CALV", "CNOP"):
                continue
            raise ProtocolViolation("expected %s from the client, got %r" % (code, m))

    def count(self, code):
        return sum(1 for m in self.messages if m.code == code)

    def wait_closed(self, timeout):
        """Wait until the client closed (or reset) the connection."""
        wait_until(self.closed_by_peer.is_set, timeout, "the client to close connection from %s" % (self.addr,))

    # ---- sending ----------------------------------------------------------
    def send(self, *frames):
        self.send_raw(b"".join(frames))

    def send_raw(self, data, split=None):
        """Write bytes; split=N writes them N bytes per send() (TCP_NODELAY is on)."""
        with self._send_lock:
            if split:
                for i in range(0, len(data), split):
                    self.sock.sendall(data[i:i + split])
            else:
                self.sock.sendall(data)

    def send_until_dropped(self, data):
        """Write bytes the client is expected to hang up on part-way: a reset or
        broken pipe is the expected outcome, not an error.  True if all were written."""
        try:
            self.send_raw(data)
            return True
        except OSError:
            return False

    def sync(self, timeout=5.0):
        """In-band barrier: send CALV and wait for its echo, so the client has
        processed everything sent before it."""
        before = self.count("CALV")
        self.send(calv())
        wait_until(lambda: self.count("CALV") > before or self.closed_by_peer.is_set(), timeout,
                   "the client to echo CALV")
        if self.count("CALV") <= before:
            raise ProtocolViolation("the client closed the connection instead of echoing CALV")

    def handshake(self, protocol=b"Barrier", version=(1, 6), options=(), timeout=10.0):
        """Run the server side of the handshake; return the client's hello-back Message."""
        self.send(hello(protocol, *version))
        hb = self.expect("HELLO", timeout)
        if hb.name != self.server.client_name:
            raise ProtocolViolation("client says its name is %r, expected %r" % (hb.name, self.server.client_name))
        if (hb.major, hb.minor) != (1, 6):
            raise ProtocolViolation("client answered version %d.%d, expected 1.6" % (hb.major, hb.minor))
        self.hello_back = hb
        self.send(qinf())
        self.dinf = self.expect("DINF", timeout)
        self.send(ciak(), crop(), dsop(options))
        return hb

    def start_keepalive(self, interval=3.0):
        """Send CALV every interval seconds until close(); count them in calv_sent."""
        def loop():
            while not self._ka_stop.wait(interval):
                try:
                    self.send(calv())
                    self.calv_sent += 1
                except OSError:
                    return
        self._ka_thread = threading.Thread(target=loop, daemon=True)
        self._ka_thread.start()

    def wait_keepalives_echoed(self, timeout=5.0):
        """Every CALV the keepalive timer sent has been echoed."""
        wait_until(lambda: self.count("CALV") >= self.calv_sent, timeout,
                   lambda: "CALV echoes: sent %d, echoed %d" % (self.calv_sent, self.count("CALV")))

    def stop_keepalive(self):
        self._ka_stop.set()

    def close(self):
        self._ka_stop.set()
        if not self.closed:
            self.closed = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()

    def reset(self):
        """Close with a TCP RST (SO_LINGER 0).

        The reader thread blocked in recv() keeps the socket open after close(),
        so wake it first with shutdown(SHUT_RD) (sends nothing on Linux), let it
        exit, then close: only then does the kernel send the RST."""
        self._ka_stop.set()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            self.sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        self._reader.join(5)
        self.closed = True
        self.sock.close()


class ScriptedServer:
    """Listens on 127.0.0.1; hands each accepted connection to on_connect (in its own thread).

    on_connect=None: connections are only queued; the test drives them via accept().
    """

    def __init__(self, client_name="VM-1", port=0, on_connect=None):
        self.client_name = client_name
        self.on_connect = on_connect
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", port))
        self.port = self.lsock.getsockname()[1]
        self.connections = []
        self._pending = queue.Queue()
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self.lsock.listen(16)
        self.lsock.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                sock, addr = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(sock, addr, self)
            self.connections.append(conn)
            if self.on_connect is not None:
                threading.Thread(target=self._run_script, args=(conn,), daemon=True).start()
            self._pending.put(conn)

    def _run_script(self, conn):
        try:
            self.on_connect(conn)
        except Exception as e:  # noqa: BLE001 - recorded for the test to assert on
            conn.errors.append(repr(e))

    def accept(self, timeout=10.0):
        """The next connection not yet returned by accept()."""
        try:
            return self._pending.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no client connected to 127.0.0.1:%d within %.1f s"
                                 % (self.port, timeout)) from None

    def close(self):
        self._stop.set()
        try:
            self.lsock.close()
        except OSError:
            pass
        for c in self.connections:
            c.close()


def standard_session(keepalive=3.0):
    """on_connect script: the normal handshake, then keepalives."""
    def script(conn):
        conn.handshake()
        conn.start_keepalive(keepalive)
    return script


def connect(srv, q, timeout=15.0, enter=(0, 540), seq=1, mask=0, options=(), keepalive=3.0,
            step_timeout=5.0, up_timeout=5.0):
    """The e2e tests' usual session with QEMU's object: accept its next
    connection on srv, run the handshake (DSOP `options`), start keepalives,
    enter the screen at `enter` (CINN with `seq` and the modifier `mask`;
    None: stay outside), sync (the client has digested all of it) and wait
    until the object's QOM state is connected or active (up_timeout None:
    no QOM read, e.g. under valgrind).  Returns the Connection."""
    conn = srv.accept(timeout)
    conn.handshake(options=options, timeout=step_timeout)
    conn.start_keepalive(keepalive)
    if enter is not None:
        conn.send(cinn(enter[0], enter[1], seq, mask))
    conn.sync(step_timeout)
    if up_timeout is not None:
        q.wait_state(UP_STATES, up_timeout, "connected to the scripted server on port %d" % srv.port)
    return conn
