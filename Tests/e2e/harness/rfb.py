# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal RFB (VNC) client for QEMU's extended clipboard.

    vnc = RfbClient(path_of_qemu_vnc_unix_socket)   # RFB 3.8, security None
    vnc.wait_text(expected_bytes, timeout)          # QEMU's clipboard, as a VNC viewer sees it
    vnc.set_text(b"...")                            # the viewer copies text

Only what QEMU's ui/vnc-clipboard.c speaks: SetEncodings with the extended
clipboard pseudo-encoding 0xC0A1E5CE; ServerCutText/ClientCutText with a
negative length = extended format: u32 flags, then for "provide" a zlib
stream of (u32 size, the text with its NUL).  No framebuffer is requested.
"""
import socket
import struct
import threading
import zlib

from .util import recv_exact, wait_until

ENCODING_RAW = 0
ENCODING_CLIPBOARD_EXT = 0xC0A1E5CE

CB_TEXT = 1 << 0
CB_CAPS = 1 << 24
CB_REQUEST = 1 << 25
CB_PEEK = 1 << 26
CB_NOTIFY = 1 << 27
CB_PROVIDE = 1 << 28

MSG_SET_ENCODINGS = 2
MSG_CLIENT_CUT_TEXT = 6
MSG_SERVER_CUT_TEXT = 3


class RfbError(AssertionError):
    pass


class RfbClient:
    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self._lock = threading.Lock()
        self.server_caps = None
        self.texts = []             # every text QEMU provided, in order (bytes, NUL stripped)
        self.requests = 0           # REQUESTs QEMU sent us
        self.notifies = 0           # NOTIFYs QEMU sent us
        self.errors = []
        self.closed = threading.Event()
        self._mine = None           # the text we offer, sent when QEMU requests it
        self._handshake()
        self.sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # ---- wire -------------------------------------------------------------
    def _recv_exact(self, n):
        return recv_exact(self.sock, n, "VNC server")

    def _send(self, data):
        with self._lock:
            self.sock.sendall(data)

    def _handshake(self):
        version = self._recv_exact(12)
        if not version.startswith(b"RFB 003."):
            raise RfbError("not an RFB server: %r" % version)
        self.sock.sendall(b"RFB 003.008\n")
        (n,) = struct.unpack(">B", self._recv_exact(1))
        if n == 0:
            (ln,) = struct.unpack(">I", self._recv_exact(4))
            raise RfbError("VNC refused: %r" % self._recv_exact(ln))
        types = self._recv_exact(n)
        if 1 not in types:
            raise RfbError("VNC server offers no security None: %r" % types)
        self.sock.sendall(b"\x01")
        (result,) = struct.unpack(">I", self._recv_exact(4))
        if result != 0:
            raise RfbError("VNC security handshake failed (%d)" % result)
        self.sock.sendall(b"\x01")                     # ClientInit: shared
        self.width, self.height = struct.unpack(">HH", self._recv_exact(4))
        self.pixel_format = self._recv_exact(16)
        (ln,) = struct.unpack(">I", self._recv_exact(4))
        self.name = self._recv_exact(ln)
        encodings = [ENCODING_RAW, ENCODING_CLIPBOARD_EXT]
        self.sock.sendall(struct.pack(">BxH", MSG_SET_ENCODINGS, len(encodings))
                          + b"".join(struct.pack(">I", e) for e in encodings))

    def _read_loop(self):
        try:
            while True:
                (kind,) = struct.unpack(">B", self._recv_exact(1))
                if kind == MSG_SERVER_CUT_TEXT:
                    _pad, length = struct.unpack(">3si", self._recv_exact(7))
                    data = self._recv_exact(abs(length))
                    if length < 0:
                        self._extended(data)
                    else:
                        self.texts.append(data)   # old-style Latin-1 cut text
                elif kind == 2:                    # Bell
                    continue
                elif kind == 0:                    # FramebufferUpdate (raw only)
                    self._skip_update()
                elif kind == 1:                    # SetColourMapEntries
                    _pad, _first, count = struct.unpack(">BHH", self._recv_exact(5))
                    self._recv_exact(6 * count)
                else:
                    self.errors.append("unexpected server message %d" % kind)
                    return
        except (EOFError, OSError) as e:
            if not self.closed.is_set():
                self.errors.append(str(e))
        finally:
            self.closed.set()

    def _skip_update(self):
        _pad, rects = struct.unpack(">BH", self._recv_exact(3))
        bpp = self.pixel_format[0] // 8
        for _ in range(rects):
            _x, _y, w, h, enc = struct.unpack(">HHHHi", self._recv_exact(12))
            if enc == ENCODING_RAW:
                self._recv_exact(w * h * bpp)
            elif enc < 0:
                continue                           # pseudo-encodings carry no data here
            else:
                raise EOFError("unexpected framebuffer encoding %d" % enc)

    def _extended(self, data):
        (flags,) = struct.unpack(">I", data[:4])
        if flags & CB_CAPS:
            self.server_caps = flags
            return
        if flags & CB_PROVIDE and flags & CB_TEXT:
            raw = zlib.decompress(data[4:])
            (size,) = struct.unpack(">I", raw[:4])
            text = raw[4:4 + size]
            if len(text) != size:
                self.errors.append("provide: %d bytes announced, %d present" % (size, len(text)))
            self.texts.append(text.rstrip(b"\0"))
        if flags & CB_NOTIFY:
            self.notifies += 1
            if flags & CB_TEXT:
                self._client_cut_ext(CB_REQUEST | CB_TEXT)
        if flags & CB_REQUEST:
            self.requests += 1
            if flags & CB_TEXT and self._mine is not None:
                self._provide(self._mine)

    def _client_cut_ext(self, flags, payload=b""):
        body = struct.pack(">I", flags) + payload
        self._send(struct.pack(">B3si", MSG_CLIENT_CUT_TEXT, b"\0\0\0", -len(body)) + body)

    def _provide(self, text):
        data = text + b"\0"
        self._client_cut_ext(CB_PROVIDE | CB_TEXT, zlib.compress(struct.pack(">I", len(data)) + data))

    # ---- API --------------------------------------------------------------
    def wait_caps(self, timeout=5.0):
        wait_until(lambda: self.server_caps is not None or self.closed.is_set(), timeout,
                   "QEMU's extended clipboard capabilities on VNC")
        if self.server_caps is None:
            raise RfbError("VNC closed before the clipboard caps: %s" % self.errors)
        return self.server_caps

    def set_text(self, text):
        """Copy text in the viewer: NOTIFY now, PROVIDE when QEMU requests it."""
        self._mine = text
        self._client_cut_ext(CB_NOTIFY | CB_TEXT)

    def wait_text(self, expected, timeout):
        """Wait until QEMU provided exactly `expected` (bytes); return it."""
        def got():
            if self.closed.is_set():
                raise RfbError("VNC connection closed: %s" % self.errors)
            return bool(self.texts) and self.texts[-1] == expected
        wait_until(got, timeout, lambda: "QEMU's clipboard on VNC to be the %d expected bytes "
                   "(got %s)" % (len(expected), ["%d bytes" % len(t) for t in self.texts]))
        return self.texts[-1]

    def close(self):
        self.closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
