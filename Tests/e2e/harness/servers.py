# SPDX-License-Identifier: GPL-2.0-or-later
"""Every Barrier-protocol server the client is tested against, started the same way.

    kind = SERVER_KINDS["deskflow-1.26.0"]
    reason = kind.missing_reason()          # None, or the one line saying why it cannot run
    srv = kind.make(run_dir, tls=True, protocol="synergy")
    srv.start(); srv.trust_client(hex64); srv.wait_client_connected(); srv.kill(); srv.restart()

Barrier 2.4 is Debian's package (always there once scripts/setup-deps.sh ran).
Input Leap 3.0.3 and Deskflow (1.26.0 and master) are not packaged for Debian
12: scripts/build-servers.sh builds them from ../shared/servers into the cache
(keyed by their sources), and this module asks it where they are.  All of them
share BarrierServer's life cycle, Xvfb and log handling; only the command line,
the TLS file locations and the configuration format differ.  All three log the
same lines for connects and screen switches, so the drivers work unchanged.
"""
import os
import subprocess

from .barrier_server import BarrierServer

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILD_SERVERS = os.path.join(REPO_ROOT, "scripts", "build-servers.sh")


def shared_servers_dir():
    shared = os.environ.get("BARRIERCLIENT_SHARED") or os.path.join(REPO_ROOT, "..", "shared")
    return os.path.abspath(os.path.join(shared, "servers"))


# The one line every test of a server built from ../shared/servers skips with
# when it is not there (run-e2e.sh accepts these skips, and only these).
MISSING_SHARED = ("Input Leap and Deskflow not tested: their sources (%s) are missing; "
                  "set BARRIERCLIENT_SHARED to the directory that holds servers/")


class InputLeapServer(BarrierServer):
    """input-leaps: Barrier's command line; its certificate is InputLeap.pem.
    TLS demands a client certificate unless --disable-client-cert-checking."""
    pem_name = "InputLeap.pem"

    def __init__(self, run_dir, prefix, **kw):
        # --display (in Barrier's command line) also selects the X11 backend
        super().__init__(run_dir, binary=os.path.join(prefix, "bin", "input-leaps"), **kw)


class DeskflowServer(BarrierServer):
    """deskflow-core server: everything but the screen layout lives in an INI
    settings file; it logs to stdout.  The certificate and the trusted clients
    (v2:sha256:... lines, like Barrier's) sit in tls/ beside the settings file.
    protocol="synergy" makes it greet as Synergy instead of Barrier."""

    def __init__(self, run_dir, prefix, protocol=None, log_level="VERBOSE", numeric_log_level=False, **kw):
        super().__init__(run_dir, binary=os.path.join(prefix, "bin", "deskflow-core"), **kw)
        self.protocol = protocol
        if protocol:
            self.options.append("protocol = %s" % protocol)
        # The level that logs every message sent ("send key repeat to ..."): 1.26.0
        # takes an index (6 = DEBUG1); master takes a name (an int resets it to INFO)
        self.log_level = "6" if numeric_log_level else log_level
        self.settings_path = os.path.join(self.run_dir, "deskflow.conf")
        self.log_path = os.path.join(self.run_dir, "deskflow.log")
        self.out_path = self.log_path

    def pem_path(self):
        return os.path.join(self.run_dir, "tls", "deskflow.pem")

    def trusted_clients_path(self):
        return os.path.join(self.run_dir, "tls", "trusted-clients")

    def write_settings(self):
        security = ["tlsEnabled=%s" % ("true" if self.tls else "false")]
        if self.tls:
            # demand a client certificate, like Barrier's command line (trust_client lists ours)
            security += ["certificate=%s" % self.pem_path(), "checkPeerFingerprints=true"]
        lines = ["[core]", "computerName=%s" % self.server_name, "interface=127.0.0.1",
                 "port=%d" % self.port, "display=%s" % self.display, "coreMode=2", "",
                 "[server]", "externalConfig=true", "externalConfigFile=%s" % self.conf_path, "",
                 "[security]"] + security + ["", "[log]", "level=%s" % self.log_level, "toFile=false"]
        with open(self.settings_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def server_env(self):
        env = self.x_env()
        home = os.path.join(self.run_dir, "home")
        os.makedirs(home, exist_ok=True)
        env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_STATE_HOME=os.path.join(home, ".local", "state"))
        return env

    def command(self):
        self.write_settings()
        return [self.binary, "server", "--new-instance", "--settings", self.settings_path]


class ServerKind:
    """One server product and version: how to find it and how to start it."""

    def __init__(self, key, label, build_name=None, make=None):
        self.key = key
        self.label = label
        self.build_name = build_name      # scripts/build-servers.sh name; None = apt package
        self._make = make
        self._prefix = None
        self._reason = None
        self._looked = False

    def _locate(self):
        if self._looked:
            return
        self._looked = True
        if self.build_name is None:
            return
        servers = shared_servers_dir()
        if not os.path.isdir(servers):
            self._reason = MISSING_SHARED % servers
            return
        res = subprocess.run([BUILD_SERVERS, self.build_name], capture_output=True, text=True)
        fields = res.stdout.split()
        if res.returncode != 0 or len(fields) != 2:
            self._reason = "%s: scripts/build-servers.sh %s failed: %s" % (
                self.label, self.build_name, res.stderr.strip().splitlines()[-1:] or "")
            return
        self._prefix = fields[1]

    def missing_reason(self):
        """None when the server can run here, else one line that says what is missing."""
        self._locate()
        return self._reason

    def make(self, run_dir, tls=False, protocol=None):
        self._locate()
        if self._reason:
            raise RuntimeError(self._reason)
        return self._make(run_dir, self._prefix, tls, protocol)


SERVER_KINDS = {k.key: k for k in [
    ServerKind("barrier-2.4", "Barrier 2.4 (Debian 12)",
               make=lambda d, prefix, tls, protocol: BarrierServer(d, tls=tls)),
    ServerKind("input-leap-3.0.3", "Input Leap 3.0.3", "input-leap-3.0.3",
               make=lambda d, prefix, tls, protocol: InputLeapServer(d, prefix, tls=tls)),
    ServerKind("deskflow-1.26.0", "Deskflow 1.26.0", "deskflow-1.26.0",
               make=lambda d, prefix, tls, protocol: DeskflowServer(d, prefix, protocol=protocol, tls=tls,
                                                                    numeric_log_level=True)),
    ServerKind("deskflow-master", "Deskflow master a0a36892 (2026-08)", "deskflow-master",
               make=lambda d, prefix, tls, protocol: DeskflowServer(d, prefix, protocol=protocol, tls=tls)),
]}
