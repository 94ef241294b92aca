# SPDX-License-Identifier: GPL-2.0-or-later
"""A real Barrier server (barriers 2.4) under its own Xvfb, on loopback only.

    srv = BarrierServer(run_dir)            # picks a free display and port
    srv.start()                             # Xvfb + barriers, waits until listening
    srv.wait_client_connected(since=mark)   # 'client "VM-1" has connected' in its log
    srv.kill(); srv.restart()               # crash and come back on the same port
    srv.freeze(); srv.thaw()                # SIGSTOP / SIGCONT
    srv.client_screen = ["ctrl = super"]    # lines of VM-1's screen section
    srv.reload()                            # rewrite barrier.conf, SIGHUP, wait until reloaded
    srv.close()                             # ends barriers and Xvfb (only those, by pid)

Everything lives in run_dir: barrier.conf, barriers.log, profile/ (passed as
--profile-dir, so ~/.local/share/barrier is never touched), xvfb.log.
"""
import os
import re
import signal
import subprocess

from .util import OwnedProcess, free_tcp_port, is_listening, read_new, wait_until

SERVER_SCREEN = "server"
CLIENT_SCREEN = "VM-1"


class BarrierServer:
    def __init__(self, run_dir, client_name=CLIENT_SCREEN, server_name=SERVER_SCREEN,
                 tls=False, port=None, geometry=(1920, 1080), options=(),
                 log_level="DEBUG1", binary="barriers", client_screen=()):
        self.run_dir = os.path.abspath(run_dir)
        os.makedirs(self.run_dir, exist_ok=True)
        self.client_name = client_name
        self.server_name = server_name
        self.tls = tls
        self.port = port or free_tcp_port()
        self.width, self.height = geometry
        self.options = list(options)
        # lines of the client's screen section (per-screen options such as "ctrl = super")
        self.client_screen = list(client_screen)
        self.log_level = log_level
        self.binary = binary
        self.log_path = os.path.join(self.run_dir, "barriers.log")
        # where the server's stdout/stderr go (servers that log to stdout set it to log_path)
        self.out_path = os.path.join(self.run_dir, "barriers.out")
        self.conf_path = os.path.join(self.run_dir, "barrier.conf")
        self.profile_dir = os.path.join(self.run_dir, "profile")
        self.xvfb = None
        self.barriers = None
        self.display = None
        self.frozen = False

    # ---- Xvfb -------------------------------------------------------------
    def start_xvfb(self):
        if self.xvfb is not None and self.xvfb.alive():
            return
        rfd, wfd = os.pipe()
        log = open(os.path.join(self.run_dir, "xvfb.log"), "ab")
        try:
            # -displayfd: Xvfb picks a free display number itself and writes it to the fd.
            self.xvfb = OwnedProcess(
                ["Xvfb", "-displayfd", str(wfd), "-screen", "0",
                 "%dx%dx24" % (self.width, self.height), "-nolisten", "tcp", "-noreset",
                 "-r"],  # no X autorepeat: a held key is one press, not a stream of DKRP
                "Xvfb", stdout=log, stderr=log, pass_fds=(wfd,))
        finally:
            os.close(wfd)
            log.close()
        buf = b""
        with os.fdopen(rfd, "rb") as r:
            buf = r.readline()  # Xvfb writes "N\n" once it accepts connections
        if not buf.strip().isdigit():
            self.xvfb.stop()
            raise RuntimeError("Xvfb did not report a display; see %s/xvfb.log" % self.run_dir)
        self.display = ":" + buf.decode().strip()
        with open(os.path.join(self.run_dir, "display"), "w") as f:
            f.write(self.display + "\n")
        env = self.x_env()
        wait_until(lambda: subprocess.run(["xdotool", "getmouselocation"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0,
                   10, "Xvfb %s to answer xdotool" % self.display)

    def x_env(self):
        env = dict(os.environ)
        env["DISPLAY"] = self.display
        env.pop("XAUTHORITY", None)
        return env

    # ---- barriers ---------------------------------------------------------
    def server_env(self):
        """The server process's environment (its X display)."""
        return self.x_env()

    def write_config(self):
        lines = ["section: screens", "\t%s:" % self.server_name, "\t%s:" % self.client_name] + \
                ["\t\t" + o for o in self.client_screen] + ["end",
                 "section: links", "\t%s:" % self.server_name, "\t\tright = %s" % self.client_name,
                 "\t%s:" % self.client_name, "\t\tleft = %s" % self.server_name, "end",
                 "section: options"] + ["\t" + o for o in self.options] + ["end"]
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    # The server's certificate (with its key) and its trusted-clients list,
    # where this server looks for them.
    pem_name = "Barrier.pem"

    def pem_path(self):
        return os.path.join(self.profile_dir, "SSL", self.pem_name)

    def trusted_clients_path(self):
        return os.path.join(self.profile_dir, "SSL", "Fingerprints", "TrustedClients.txt")

    def _tls_setup(self):
        pem = self.pem_path()
        os.makedirs(os.path.dirname(pem), exist_ok=True)
        if not os.path.exists(pem):
            subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "365", "-subj", "/CN=Barrier",
                            "-newkey", "rsa:2048", "-keyout", pem, "-out", pem],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-fingerprint", "-sha256"],
                             check=True, capture_output=True, text=True).stdout
        fp = out.split("=", 1)[1].strip().replace(":", "").lower()
        fingerprints = os.path.join(self.profile_dir, "SSL", "Fingerprints")
        os.makedirs(fingerprints, exist_ok=True)
        with open(os.path.join(fingerprints, "Local.txt"), "w") as f:
            f.write("v2:sha256:%s\n" % fp)
        self.fingerprint_sha256 = fp
        return pem

    def trust_client(self, sha256_hex):
        """TLS: accept a client certificate with this SHA-256 fingerprint."""
        path = self.trusted_clients_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as f:
            f.write("v2:sha256:%s\n" % sha256_hex.replace(":", "").lower())

    def command(self):
        argv = [self.binary, "--no-daemon", "--no-restart", "--no-tray", "--debug", self.log_level,
                "--name", self.server_name, "--log", self.log_path,
                "--address", "127.0.0.1:%d" % self.port, "--profile-dir", self.profile_dir,
                "--display", self.display, "-c", self.conf_path]
        argv.append("--enable-crypto" if self.tls else "--disable-crypto")
        return argv

    def start(self):
        """Start Xvfb (once) and barriers; return when barriers listens on its port."""
        self.start_xvfb()
        if self.barriers is not None and self.barriers.alive():
            return self
        if is_listening(self.port):
            raise RuntimeError("127.0.0.1:%d is already taken by someone else" % self.port)
        os.makedirs(self.profile_dir, exist_ok=True)
        if self.tls:
            self._tls_setup()
        self.write_config()
        # a restarted server gets a fresh log: the old one is kept as barriers-N.log
        if os.path.exists(self.log_path) and os.path.getsize(self.log_path):
            n = 1
            while os.path.exists(os.path.join(self.run_dir, "barriers-%d.log" % n)):
                n += 1
            os.rename(self.log_path, os.path.join(self.run_dir, "barriers-%d.log" % n))
        self.starts = getattr(self, "starts", 0) + 1
        out = open(self.out_path, "ab")
        name = os.path.basename(self.binary)
        try:
            self.barriers = OwnedProcess(self.command(), name, stdout=out, stderr=out,
                                         env=self.server_env())
        finally:
            out.close()
        proc = self.barriers
        wait_until(lambda: is_listening(self.port) or not proc.alive(), 15,
                   "%s to listen on 127.0.0.1:%d" % (name, self.port))
        if not proc.alive():
            raise RuntimeError("%s exited with %s; see %s" % (name, proc.returncode, self.log_path))
        self.frozen = False
        return self

    def stop(self):
        """Stop barriers gracefully (Xvfb stays)."""
        if self.barriers is not None:
            self.barriers.stop()
        self.frozen = False

    def kill(self):
        """SIGKILL barriers: the server crashes; its port closes."""
        if self.barriers is not None:
            self.barriers.kill()
        self.frozen = False
        wait_until(lambda: not is_listening(self.port), 10, "port %d to close" % self.port)

    def restart(self):
        """Start barriers again on the same port (after kill/stop); its log starts empty
        (so wait_log(..., since=0) afterwards sees only the new server)."""
        if self.barriers is not None and self.barriers.alive():
            self.stop()
        return self.start()

    def reload(self, timeout=10.0):
        """Rewrite barrier.conf (options, client_screen) and make the running server
        re-read it: SIGHUP, on which Barrier's ServerApp::reloadConfig logs "reload
        configuration", applies the new configuration (Server::setConfig sends every
        client CROP + DSOP with its options) and then logs "reloaded configuration",
        which is awaited. Returns the log mark taken before the signal."""
        self.write_config()
        mark = self.log_mark()
        self.barriers.signal(signal.SIGHUP)
        self.wait_log(r"\breloaded configuration\b", timeout, since=mark)
        return mark

    def freeze(self):
        self.barriers.signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self):
        self.barriers.signal(signal.SIGCONT)
        self.frozen = False

    def close(self):
        if self.barriers is not None:
            self.barriers.stop()
        if self.xvfb is not None:
            self.xvfb.stop()

    def alive(self):
        return self.barriers is not None and self.barriers.alive()

    # ---- log --------------------------------------------------------------
    def log_mark(self):
        """An offset into barriers.log; pass it as `since` to wait_log."""
        try:
            return os.path.getsize(self.log_path)
        except FileNotFoundError:
            return 0

    def log_text(self, since=0):
        return read_new(self.log_path, since)[0]

    def wait_log(self, regex, timeout=10.0, since=0):
        """Wait until a line matching regex appears in barriers.log after `since`; return it."""
        rx = re.compile(regex)

        def found():
            for line in self.log_text(since).splitlines():
                if rx.search(line):
                    return line
            return None

        def describe():
            tail = self.log_text(since).splitlines()[-8:]
            return "/%s/ in %s; last lines:\n  %s" % (regex, self.log_path, "\n  ".join(tail))
        return wait_until(found, timeout, describe)

    def wait_client_connected(self, timeout=20.0, since=0):
        return self.wait_log(r'client "%s" has connected' % re.escape(self.client_name), timeout, since)

    def wait_client_gone(self, timeout=20.0, since=0):
        return self.wait_log(r'client "%s" (is dead|has disconnected)' % re.escape(self.client_name),
                             timeout, since)

    def client_connected_count(self):
        return len(re.findall(r'client "%s" has connected' % re.escape(self.client_name),
                              self.log_text(0)))
