# SPDX-License-Identifier: GPL-2.0-or-later
"""Small helpers shared by the harness: condition waits, ports, owned processes.

Rule of the harness: never sleep to wait for something.  Wait on a condition
with a deadline (wait_until) and fail with a message that says what was
awaited and what was seen instead.
"""
import os
import signal
import socket
import subprocess
import threading
import time

POLL_INTERVAL = 0.02


class WaitTimeout(AssertionError):
    """A condition did not become true before its deadline."""


def wait_until(predicate, timeout, what, interval=POLL_INTERVAL):
    """Poll predicate() until it returns a truthy value; return that value.

    On timeout raise WaitTimeout("timed out after T s waiting for WHAT").
    `what` may be a string or a callable returning a string (called only on
    failure, so it can describe the state seen at that moment).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = what() if callable(what) else what
            raise WaitTimeout("timed out after %.1f s waiting for %s" % (timeout, text))
        time.sleep(interval)


def hold_for(seconds, what, check=None, interval=0.1):
    """Let a scenario run for a fixed duration (e.g. "server frozen for 15 s").

    This is not a wait for a condition: the duration is part of the scenario.
    If `check` is given it is polled and must stay true the whole time.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check is not None and not check():
            raise AssertionError("during %s: condition broke after %.1f s"
                                 % (what, seconds - (deadline - time.monotonic())))
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))


def free_tcp_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_listening(port, host="127.0.0.1"):
    """True if some socket is in LISTEN state on host:port (reads /proc/net/tcp)."""
    want = "%s:%04X" % ("".join("%02X" % int(b) for b in reversed(host.split("."))), port)
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[1] == want and fields[3] == "0A":
                    return True
    except OSError:
        pass
    return False


class OwnedProcess:
    """A child process this harness started; it is only ever signalled by its pid.

    Every OwnedProcess is remembered in a registry so a session finalizer
    (see conftest.py) can end anything a failing test left behind.
    """

    _registry = []
    _lock = threading.Lock()

    def __init__(self, argv, name, stdout=None, stderr=None, env=None, pass_fds=()):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.popen = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL,
            stdout=stdout if stdout is not None else subprocess.DEVNULL,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
            env=env, start_new_session=True, pass_fds=pass_fds)
        self.pid = self.popen.pid
        with OwnedProcess._lock:
            OwnedProcess._registry.append(self)

    def alive(self):
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.poll()

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, timeout=5.0):
        """SIGTERM (after SIGCONT, in case it is frozen), then SIGKILL; reap it."""
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGCONT)
                os.kill(self.pid, signal.SIGTERM)
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(timeout)
            except ProcessLookupError:
                pass
        else:
            self.popen.poll()
        with OwnedProcess._lock:
            if self in OwnedProcess._registry:
                OwnedProcess._registry.remove(self)

    def kill(self):
        """SIGKILL right away (a crash, not a shutdown)."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.popen.wait(5)
        self.stop()

    @classmethod
    def stop_all(cls):
        with cls._lock:
            procs = list(cls._registry)
        for p in reversed(procs):
            try:
                p.stop(timeout=3.0)
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass

    def __repr__(self):
        return "<%s pid %d%s>" % (self.name, self.pid, "" if self.alive() else " exited %s" % self.returncode)


def read_new(path, offset):
    """Return (text, new_offset) with whatever complete lines were appended after offset."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return "", offset
    cut = data.rfind(b"\n")
    if cut < 0:
        return "", offset
    return data[:cut + 1].decode("utf-8", "replace"), offset + cut + 1


def recv_exact(sock, n, peer="the peer"):
    """Exactly n bytes from a stream socket; EOFError if it closes first."""
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("%s closed the connection" % peer)
        buf += chunk
    return buf
