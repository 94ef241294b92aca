# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal blocking Barrier client in Python, used to test the harness itself
(scripted server and real barriers) without QEMU."""
import socket
import struct
import time

from .scripted_server import frame, string
from .util import recv_exact


class MiniClient:
    def __init__(self, port, name="VM-1", host="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.name = name
        self.received = []      # (code, payload) in order

    def _recv_exact(self, n):
        return recv_exact(self.sock, n, "server")

    def read(self):
        """Next message as (code, payload after the code); the hello's code is 'HELLO'."""
        (n,) = struct.unpack(">I", self._recv_exact(4))
        payload = self._recv_exact(n)
        if payload[:7] in (b"Barrier", b"Synergy"):
            m = ("HELLO", payload[7:])
        else:
            m = (payload[:4].decode("ascii", "replace"), payload[4:])
        self.received.append(m)
        if m[0] == "CALV":
            self.sock.sendall(frame(b"CALV"))
        return m

    def read_until(self, code, timeout=10.0):
        """Read (echoing CALV) until a message with this code arrives; return its payload."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            c, p = self.read()
            if c == code:
                return p
        raise AssertionError("no %s within %.1f s; got %s" % (code, timeout, [c for c, _ in self.received]))

    def handshake(self, width=1920, height=1080):
        self.read_until("HELLO")
        self.sock.sendall(frame(b"Barrier" + struct.pack(">HH", 1, 6) + string(self.name)))
        self.read_until("QINF")
        self.sock.sendall(frame(b"DINF" + struct.pack(">7h", 0, 0, width, height, 0, 0, 0)))
        self.read_until("CIAK")
        self.read_until("DSOP")

    def close(self):
        self.sock.close()
