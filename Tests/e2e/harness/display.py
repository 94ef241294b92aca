# SPDX-License-Identifier: GPL-2.0-or-later
"""The test guest with a display whose resolution the test sets at run time.

    g = DisplayGuest(run_dir, TABLET_ONLY, DISPLAY_DEVICES["std-vga"])
    q = Qemu(run_dir, port, machine_args=g.machine_args(), absolute_pointer=False).start()
    g.wait_booted()
    ctl = g.control()                     # display-ctl answers on the guest's ttyS1
    ctl.wait_up()                         # {'driver': 'bochs-drm', 'mode': (1280, 800), ...}
    ctl.set_mode(1024, 768)               # DRM SETCRTC in the guest
    wait_console_size(q, (1024, 768))     # QEMU's console, read from a screendump's PPM header

The guest is scripts/build-guest.sh's, booted with `bcdisplay` on its kernel
command line: its init then loads the DRM drivers (bochs-drm for QEMU's VGA,
virtio_gpu for virtio-vga) and starts Tests/e2e/guest/display-ctl on ttyS1,
QEMU's second serial port, a unix socket here (guest-cmd.sock in the run
directory).  The kernel's fbdev console sets the connector's preferred mode
when the driver loads (1280x800: QEMU's xres/yres defaults); display-ctl then
sets a mode of the connector's list with a dumb framebuffer of that size and
stays DRM master, so the mode stays.
"""
import os
import socket
import time

from .guest import VIRTIO_KEYBOARD, VIRTIO_TABLET, DeviceSet, Guest
from .util import wait_until

# display-ctl is up within this after the guest booted (the drivers load first).
DISPLAY_TIMEOUT = 60.0
# A mode set in the guest answers within this (a DRM SETCRTC under TCG).
MODE_TIMEOUT = 20.0
# QEMU's console takes a new guest mode within this.
CONSOLE_TIMEOUT = 10.0


class DisplayDevice:
    """QEMU's display device, the guest's DRM driver for it, and the mode the
    guest's fbdev console sets when that driver loads."""

    def __init__(self, name, args, driver, boot_mode):
        self.name = name
        self.args = list(args)
        self.driver = driver
        self.boot_mode = boot_mode

    def __repr__(self):
        return self.name


DISPLAY_DEVICES = {d.name: d for d in [
    # the pc machine's standard VGA (PCI 1234:1111, Bochs VBE): bochs-drm.
    # QEMU updates its console from VBE registers when it refreshes the display
    # (a display listener's timer, or a screendump).
    DisplayDevice("std-vga", ["-vga", "std"], "bochs-drm", (1280, 800)),
    # virtio-vga: virtio_gpu; QEMU resizes the console when the guest sets a scanout.
    DisplayDevice("virtio-vga", ["-device", "virtio-vga"], "virtio_gpu", (1280, 800)),
]}

# Input devices of a display guest: a virtio keyboard and tablet, no virtio
# mouse, so the tablet is QEMU's active pointer once its driver loads (the
# pc machine's PS/2 mouse never activates) and the object sends positions.
TABLET_ONLY = DeviceSet(
    "virtio-tablet", ["-device", "virtio-keyboard-pci", "-device", "virtio-tablet-pci,id=tablet0"],
    keyboard=VIRTIO_KEYBOARD, absolute=VIRTIO_TABLET, relative=None, hwheel=True, side_buttons=True,
    tablet_device="virtio-tablet-pci,id=tablet0", tablet_present=True)

KERNEL_FLAG = "bcdisplay"
CHARDEV_ID = "guestcmd"


class DisplayGuest(Guest):
    """A Guest (evdev events on ttyS0) with a display device and display-ctl on ttyS1."""

    def __init__(self, run_dir, device_set, display, image=None):
        super().__init__(run_dir, device_set, image)
        self.display = display
        self.cmd_path = os.path.join(self.run_dir, "guest-cmd.sock")
        if os.path.exists(self.cmd_path):
            os.unlink(self.cmd_path)
        self._control = None

    def machine_args(self):
        args = super().machine_args()
        i = args.index("-append")
        args[i + 1] += " " + KERNEL_FLAG
        # the second -serial is the guest's ttyS1
        return args + ["-chardev", "socket,id=%s,path=%s,server=on,wait=off" % (CHARDEV_ID, self.cmd_path),
                       "-serial", "chardev:%s" % CHARDEV_ID] + self.display.args

    def control(self):
        """The connection to display-ctl (QEMU must be running: it listens on the socket)."""
        if self._control is None:
            self._control = DisplayControl(self.cmd_path)
        return self._control

    def close(self):
        if self._control is not None:
            self._control.close()
            self._control = None


class DisplayControl:
    """display-ctl's command line: one command, one '@...' answer line."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.setblocking(False)
        self.buf = b""
        self.lines = []          # every answer line, in order
        self.taken = 0           # answers before this index were handed out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, command):
        self.sock.sendall(command.encode() + b"\n")

    def _poll(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            if not data:
                raise AssertionError("the guest's command line (ttyS1) was closed")
            self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.decode("utf-8", "replace").strip()
            # (lines that are not answers: the tty's echo before display-ctl made it raw)
            if line.startswith("@"):
                self.lines.append(line)

    def _answer(self, prefix):
        """The first answer starting with prefix after those handed out, or None."""
        self._poll()
        for i in range(self.taken, len(self.lines)):
            if self.lines[i].startswith(prefix):
                self.taken = i + 1
                return self.lines[i]
        return None

    def ask(self, command, prefix, timeout=MODE_TIMEOUT):
        self.send(command)
        return wait_until(lambda: self._answer(prefix), timeout,
                          lambda: "display-ctl's answer %r to %r; its lines: %s"
                          % (prefix, command, self.lines[-10:]))

    def wait_up(self, timeout=DISPLAY_TIMEOUT):
        """Wait until display-ctl answers (ping again and again: what reaches the
        guest's ttyS1 before display-ctl opens it is lost), then return info()."""
        last = [0.0]

        def pong():
            if self._answer("@pong"):
                return True
            if time.monotonic() - last[0] > 0.5:
                self.send("ping")
                last[0] = time.monotonic()
            return False
        wait_until(pong, timeout, lambda: "display-ctl on the guest's ttyS1 to answer ping; lines: %s"
                   % self.lines[-10:])
        return self.info()

    def info(self):
        """{'driver': ..., 'connector': ..., 'crtc': ..., 'mode': (w, h)}: the DRM card and
        the mode its CRTC shows now."""
        line = self.ask("info", "@info ")
        if " error " in line or line.startswith("@info error"):
            raise AssertionError("display-ctl: %s" % line)
        fields = dict(f.split("=", 1) for f in line.split()[1:])
        w, h = fields["mode"].split("x")
        fields["mode"] = (int(w), int(h))
        return fields

    def modes(self):
        """[(w, h), ...]: the connector's modes."""
        line = self.ask("modes", "@modes")
        return [tuple(int(v) for v in m.split("x")) for m in line.split()[1:] if "x" in m]

    def set_mode(self, w, h, timeout=MODE_TIMEOUT):
        line = self.ask("mode %d %d" % (w, h), "@mode %d %d " % (w, h), timeout)
        if not line.endswith(" ok"):
            raise AssertionError("the guest could not set %dx%d: %s" % (w, h, line))
        return line


# ---------------------------------------------------------------------------
# QEMU's view: the console's size
# ---------------------------------------------------------------------------
def console_size(qemu, path=None):
    """(w, h) of QEMU's first graphical console: QMP screendump (which first
    updates the console from the device) and its PPM header."""
    path = path or os.path.join(qemu.run_dir, "screendump.ppm")
    qemu.qmp.execute("screendump", filename=path)
    with open(path, "rb") as f:
        head = f.read(64)
    fields = head.split(None, 3)
    if fields[0] != b"P6":
        raise AssertionError("screendump %s is no PPM: %r" % (path, head[:16]))
    return int(fields[1]), int(fields[2])


def wait_console_size(qemu, size, timeout=CONSOLE_TIMEOUT):
    seen = []

    def there():
        s = console_size(qemu)
        if not seen or seen[-1] != s:
            seen.append(s)
        return s == tuple(size)
    wait_until(there, timeout, lambda: "QEMU's console (screendump) at %dx%d; sizes seen: %s"
               % (size[0], size[1], seen), interval=0.2)
    return tuple(size)
