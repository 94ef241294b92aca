# SPDX-License-Identifier: GPL-2.0-or-later
"""libvirt as users run it: Debian's libvirtd, started by the test, and the
README's domain XML.

    lv = Libvirtd(run_dir).start()          # its own config, state, runtime dirs
    xml = readme_domain_xml()               # the block of README.md's "### libvirt"
    xml = fill_placeholders(xml, {...})     # only the PLACEHOLDERS below
    lv.virsh("define", path); lv.virsh("start", name)
    lv.qmp(name, "qom-get", path=..., property=...)   # virsh qemu-monitor-command
    lv.qemu_pid(name)                       # from the daemon's pid file
    lv.stop()                               # SIGTERM to the daemon's pid, reaped

libvirtd runs as root (the QEMU driver's system mode) in a private mount
namespace (unshare --mount): the run directory's etc/run/lib/log/cache are
bind-mounted over /etc/libvirt, /run/libvirt, /var/lib/libvirt,
/var/log/libvirt and /var/cache/libvirt, so it reads our qemu.conf and leaves
nothing behind but the empty mount points.  The daemon looks up the user
`libvirt-qemu` and the group `kvm` even when told to run QEMU as root: copies
of /etc/passwd and /etc/group with them are bind-mounted in the namespace
too, and the machine's own files are left alone.  `stdio_handler = "file"`
makes the daemon write QEMU's stderr itself, so no virtlogd is needed.
virsh reaches it from outside the namespace through the socket in the run
directory (qemu:///system?socket=...).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import textwrap

from .qemu import REPO_ROOT
from .util import OwnedProcess, wait_until

README = os.path.join(REPO_ROOT, "README.md")
README_SECTION = "### libvirt"

# The values of the README's domain that a run replaces, each found exactly
# once in the block (the README's text names them): key -> the README's text.
PLACEHOLDERS = {
    "type": "type='kvm'",                                      # type='qemu': TCG (no working KVM here)
    "emulator": "/opt/barrierclient/bin/qemu-system-x86_64",   # the patched QEMU
    "server": "server=192.168.1.10",
    "port": "port=24800",
    "kernel": "/path/to/vmlinux",
    "initrd": "/path/to/initrd.gz",
    "console": "/path/to/console.log",
}

# Debian 12's packages (scripts/setup-deps.sh installs them).
PACKAGES = ("libvirt-daemon", "libvirt-clients", "libvirt-daemon-driver-qemu")
TOOLS = ("libvirtd", "virsh", "unshare", "mount")

# The daemon answers within a few seconds; `virsh define` probes the emulator
# (QEMU started with -machine none and queried over QMP): ~20 s on 2 busy cores.
START_TIMEOUT = 60.0
VIRSH_TIMEOUT = 180.0
# The daemon saves its state and exits on SIGTERM.
STOP_TIMEOUT = 20.0

QEMU_CONF = """\
# barrierclient's e2e test: QEMU as root, no confinement, no relabelling
user = "root"
group = "root"
security_driver = "none"
dynamic_ownership = 0
# QEMU's stderr straight to log/qemu/DOMAIN.log: no virtlogd
stdio_handler = "file"
# QEMU in the daemon's mount namespace (no private /dev per domain)
namespaces = [ ]
"""

# Inside the new mount namespace: bind the run directory's folders over
# libvirt's, then become libvirtd (same pid: unshare and sh exec).
NAMESPACE_SCRIPT = r"""
set -e
r=$1
for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
    mkdir -p "$d"
done
mount --bind "$r/etc" /etc/libvirt
mount --bind "$r/run" /run/libvirt
mount --bind "$r/lib" /var/lib/libvirt
mount --bind "$r/log" /var/log/libvirt
mount --bind "$r/cache" /var/cache/libvirt
mount --bind "$r/passwd" /etc/passwd
mount --bind "$r/group" /etc/group
exec libvirtd --pid-file "$r/libvirtd.pid" --config "$r/etc/libvirtd.conf"
"""


def missing_reason():
    """None if libvirt can be started here, else the one line that says what is missing."""
    missing = [t for t in TOOLS if shutil.which(t) is None
               and not os.path.exists(os.path.join("/usr/sbin", t))]
    if missing:
        return ("libvirt is missing (%s not found): apt-get install --no-install-recommends %s "
                "(scripts/setup-deps.sh does)" % (", ".join(missing), " ".join(PACKAGES)))
    if os.geteuid() != 0:
        return "the libvirt test runs libvirtd in system mode and needs root"
    return None


def readme_domain_xml(path=README):
    """The domain XML of README.md's libvirt section: its first indented block
    that starts with <domain, dedented."""
    with open(path) as f:
        lines = f.read().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == README_SECTION)
    except StopIteration:
        raise AssertionError("README.md has no %r section" % README_SECTION) from None
    block = None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith("#"):
            break
        if block is None:
            if line.startswith("    <domain"):
                block = [line]
        elif line.startswith("    ") or not line.strip():
            block.append(line)
        else:
            break
    if block is None:
        raise AssertionError("README.md's %r section has no indented <domain> block" % README_SECTION)
    xml = textwrap.dedent("\n".join(block)).strip() + "\n"
    if not xml.rstrip().endswith("</domain>"):
        raise AssertionError("README.md's domain block does not end with </domain>:\n" + xml)
    return xml


def fill_placeholders(xml, values):
    """Replace each PLACEHOLDERS text by values[key]; every one must be there exactly once."""
    for key, text in PLACEHOLDERS.items():
        n = xml.count(text)
        if n != 1:
            raise AssertionError("README.md's domain has %r %d times, expected once "
                                 "(harness/libvirt.py PLACEHOLDERS):\n%s" % (text, n, xml))
        xml = xml.replace(text, values[key])
    return xml


def domain_name(xml):
    m = re.search(r"<name>([^<]+)</name>", xml)
    if not m:
        raise AssertionError("the domain XML has no <name>")
    return m.group(1)


class VirshError(AssertionError):
    pass


class Libvirtd:
    def __init__(self, run_dir):
        self.run_dir = os.path.abspath(run_dir)
        self.root = os.path.join(self.run_dir, "libvirt")
        self.socket = os.path.join(self.root, "run", "libvirt-sock")
        self.uri = "qemu:///system?socket=" + self.socket
        self.log_path = os.path.join(self.run_dir, "libvirtd.log")
        self.proc = None

    def _prepare(self):
        for d in ("etc", "run", "lib", "log", "cache"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        with open(os.path.join(self.root, "etc", "qemu.conf"), "w") as f:
            f.write(QEMU_CONF)
        with open(os.path.join(self.root, "etc", "libvirtd.conf"), "w") as f:
            f.write('unix_sock_dir = "%s"\n' % os.path.dirname(self.socket))
        # the user and groups libvirtd looks up, in copies of the machine's files
        texts = {}
        used = set()
        for name in ("passwd", "group"):
            with open(os.path.join("/etc", name)) as f:
                texts[name] = f.read()
            for line in texts[name].splitlines():
                fields = line.split(":")
                used.update(int(v) for v in fields[2:4] if v.isdigit())
        uid, kvm = [i for i in range(64055, 65000) if i not in used][:2]
        extra = {"passwd": ["libvirt-qemu:x:%d:%d:libvirt-qemu (e2e):/nonexistent:/usr/sbin/nologin" % (uid, uid)],
                 "group": ["libvirt-qemu:x:%d:" % uid, "kvm:x:%d:" % kvm]}
        for name, text in texts.items():
            have = {line.split(":")[0] for line in text.splitlines()}
            if text and not text.endswith("\n"):
                text += "\n"
            text += "".join(line + "\n" for line in extra[name] if line.split(":")[0] not in have)
            with open(os.path.join(self.root, name), "w") as f:
                f.write(text)

    def start(self):
        self._prepare()
        log = open(self.log_path, "ab")
        try:
            self.proc = OwnedProcess(
                ["unshare", "--mount", "--propagation", "private", "sh", "-c", NAMESPACE_SCRIPT,
                 "sh", self.root], "libvirtd", stdout=log, stderr=log)
        finally:
            log.close()

        def answers():
            if not self.proc.alive():
                raise AssertionError("libvirtd exited with %s at start; its log:\n%s"
                                     % (self.proc.returncode, self.log_tail()))
            if not os.path.exists(self.socket):
                return False
            return self._run(["uri"], timeout=10).returncode == 0
        wait_until(answers, START_TIMEOUT, lambda: "libvirtd to answer on %s; its log:\n%s"
                   % (self.socket, self.log_tail()))
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def _run(self, args, timeout=VIRSH_TIMEOUT):
        return subprocess.run(["virsh", "-q", "-c", self.uri] + list(args), capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def virsh(self, *args, check=True, timeout=VIRSH_TIMEOUT):
        """Run virsh against this daemon; its stdout (VirshError with stderr if it fails and check)."""
        res = self._run(args, timeout)
        if check and res.returncode != 0:
            raise VirshError("virsh %s failed (exit %d): %s\nlibvirtd's log:\n%s"
                             % (" ".join(args), res.returncode, res.stderr.strip(), self.log_tail()))
        return res.stdout

    def qmp(self, domain, command, **arguments):
        """A QMP command through `virsh qemu-monitor-command`; its "return" value."""
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        out = json.loads(self.virsh("qemu-monitor-command", domain, json.dumps(msg)))
        if "error" in out:
            raise VirshError("%s: %s" % (command, out["error"]))
        return out["return"]

    def domstate(self, domain):
        return self.virsh("domstate", domain).strip()

    def domains(self):
        """Names of every defined or running domain."""
        return [n.strip() for n in self.virsh("list", "--all", "--name").splitlines() if n.strip()]

    def qemu_pid(self, domain):
        """The pid of the domain's QEMU, from the daemon's pid file (None if there is none)."""
        try:
            with open(os.path.join(self.root, "run", "qemu", domain + ".pid")) as f:
                return int(f.read().strip())
        except (FileNotFoundError, ValueError):
            return None

    def qemu_log(self, domain, n=30):
        """The tail of the domain's QEMU log: its command line and its stderr."""
        return _tail(os.path.join(self.root, "log", "qemu", domain + ".log"), n)

    def log_tail(self, n=30):
        return _tail(self.log_path, n)

    def cleanup(self, domain, qemu_pid=None):
        """After a failure: destroy and undefine the domain; a QEMU that outlives
        that (started through this daemon) is killed by its pid."""
        if self.alive():
            self._run(["destroy", domain], timeout=30)
            self._run(["undefine", domain], timeout=30)
        if qemu_pid is not None and process_running(qemu_pid):
            try:
                os.kill(qemu_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self):
        """SIGTERM to the daemon (by pid), SIGKILL after STOP_TIMEOUT; reaped."""
        if self.proc is not None:
            self.proc.stop(timeout=STOP_TIMEOUT)


def process_running(pid):
    """True while pid is a process that has not exited (a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _tail(path, n):
    try:
        with open(path, "rb") as f:
            return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
    except FileNotFoundError:
        return "(no %s)" % path
