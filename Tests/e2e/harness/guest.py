# SPDX-License-Identifier: GPL-2.0-or-later
"""A small Linux guest that prints its own evdev events: what the guest sees.

    image = guest_image()                 # scripts/build-guest.sh: built once, cached
    g = Guest(run_dir, DEVICE_SETS["virtio"], image)
    q = Qemu(run_dir, port, machine_args=g.machine_args(), absolute_pointer=False).start()
    g.wait_booted(BOOT_TIMEOUT)           # every input device of the set is open
    mark = g.mark()
    ... drive a server ...
    g.wait_for(lambda evs: ..., timeout, since=mark, what="...")
    g.since(mark, kinds=("key",))         # [GuestEvent("key", "KEY_A", 1, "QEMU Virtio Keyboard"), ...]
    g.position("QEMU Virtio Tablet")      # (ABS_X, ABS_Y) as the guest has them now

The guest (scripts/build-guest.sh, Tests/e2e/guest/) is Debian's kernel with
the input drivers as modules, busybox and a static evdev reader that writes
one line per device and per event on the serial console (a file here):

    @dev N rel=HEX abs=HEX x=MIN:MAX y=MIN:MAX ax=V ay=V name=NAME
    @ev N TYPE CODE VALUE        @gone N        @ready

Events keep the order in which the reader read them.  Across two devices
that order is not the order QEMU injected them in (USB devices are polled,
each virtio device has its own queue), so tests compare one kind of event
at a time, wait for what they expect, and end a key capture with a fence
key on the same keyboard.
"""
import collections
import os
import re
import subprocess
import time

from . import scripted_server as ss
from .driver import Driver
from .qemu import OBJECT_ID, REPO_ROOT, Qemu, object_props, qemu_version
from .session import RealSession
from .util import read_new, wait_until

GUEST_ENV = "BARRIERCLIENT_GUEST"           # a prebuilt guest directory (vmlinux, initrd.gz)
ACCEL_ENV = "BARRIERCLIENT_GUEST_ACCEL"     # "kvm" to try KVM; TCG by default (nested KVM is broken here)
BUILD_SCRIPT = os.path.join(REPO_ROOT, "scripts", "build-guest.sh")

# TCG boots the guest to its reader in 4-6 s on 2 busy cores; USB and virtio
# devices, and hot-plugged ones, come up to a few seconds later.
BOOT_TIMEOUT = 60.0
DEVICE_TIMEOUT = 30.0
# An event already sent by the server reaches the guest's reader within this.
EVENT_TIMEOUT = 10.0

# The guest's evdev device names of QEMU's devices.
PS2_KEYBOARD = "AT Translated Set 2 keyboard"
PS2_MOUSE = "ImExPS/2 Generic Explorer Mouse"   # psmouse proto=exps: wheel and horizontal wheel
USB_TABLET = "QEMU QEMU USB Tablet"
VIRTIO_KEYBOARD = "QEMU Virtio Keyboard"
VIRTIO_MOUSE = "QEMU Virtio Mouse"
VIRTIO_TABLET = "QEMU Virtio Tablet"

# The key that ends a key capture (see GuestSession.capture): not one the tests press.
FENCE_KEY = "KEY_F12"

EV_TYPES = {1: "key", 2: "rel", 3: "abs", 17: "led", 20: "rep"}
REL_HWHEEL_BIT = 0x06


# ---------------------------------------------------------------------------
# evdev code names, from the kernel's own header (linux-libc-dev)
# ---------------------------------------------------------------------------
_CODES_HEADER = "/usr/include/linux/input-event-codes.h"
_PREFIXES = {"key": ("KEY_", "BTN_"), "rel": ("REL_",), "abs": ("ABS_",), "led": ("LED_",)}
# aliases that would otherwise name a code first
_NOT_NAMES = {"BTN_MISC", "BTN_MOUSE", "BTN_JOYSTICK", "BTN_GAMEPAD", "BTN_DIGI", "BTN_WHEEL",
              "BTN_TRIGGER_HAPPY", "KEY_MIN_INTERESTING", "KEY_RESERVED"}


def _load_codes():
    by_name, by_code = {}, {}
    with open(_CODES_HEADER) as f:
        for line in f:
            m = re.match(r"#define\s+((?:KEY|BTN|REL|ABS|LED)_\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", line)
            if not m or m.group(1).endswith(("_MAX", "_CNT")):
                continue
            name, value = m.group(1), int(m.group(2), 0)
            kind = next(k for k, pre in _PREFIXES.items() if name.startswith(pre))
            by_name[name] = (kind, value)
            if name not in _NOT_NAMES:
                by_code.setdefault((kind, value), name)
    return by_name, by_code


CODE_OF, NAME_OF = _load_codes()


def code_name(kind, code):
    return NAME_OF.get((kind, code), "%s_%d" % (kind.upper(), code))


class GuestEvent(collections.namedtuple("GuestEvent", "kind code value device")):
    """One evdev event: kind 'key'/'rel'/'abs'/'led', code a name (KEY_A, REL_X...)."""

    def short(self):
        return (self.kind, self.code, self.value)

    def __repr__(self):
        return "%s %s %d @%s" % (self.kind, self.code, self.value, self.device)


def shorts(events):
    """[(kind, code, value), ...]: events as tests compare them."""
    return [e.short() for e in events]


def presses(events):
    """Key and button events without the guest kernel's autorepeats (value 2)."""
    return [e.short() for e in events if e.kind == "key" and e.value != 2]


def rel_sum(events, code, device=None):
    """The sum of a relative axis: a PS/2 mouse splits a large move into several packets."""
    return sum(e.value for e in events if e.kind == "rel" and e.code == code
               and (device is None or e.device == device))


# ---------------------------------------------------------------------------
# The guest image
# ---------------------------------------------------------------------------
_IMAGE = {}


def guest_image():
    """The guest directory (vmlinux, initrd.gz): $BARRIERCLIENT_GUEST, else built
    (once per run, cached across runs) by scripts/build-guest.sh."""
    if "dir" not in _IMAGE:
        path = os.environ.get(GUEST_ENV)
        if not path:
            res = subprocess.run([BUILD_SCRIPT], capture_output=True, text=True, timeout=900)
            if res.returncode != 0:
                raise RuntimeError("scripts/build-guest.sh failed:\n%s" % res.stderr[-2000:])
            path = res.stdout.strip().splitlines()[-1]
        for f in ("vmlinux", "initrd.gz"):
            if not os.path.isfile(os.path.join(path, f)):
                raise RuntimeError("no %s in the guest directory %s" % (f, path))
        _IMAGE["dir"] = path
    return _IMAGE["dir"]


# ---------------------------------------------------------------------------
# Device sets
# ---------------------------------------------------------------------------
class DeviceSet:
    """QEMU's input devices for a guest, and the guest devices that get each kind of input.

    keyboard: gets the keys; absolute: gets positions (None: the guest has no
    absolute pointer, positions become relative moves); relative: gets
    relative moves; hwheel: the device that gets the wheel has a horizontal one;
    side_buttons: the device that gets the buttons has back and forward.
    tablet_id / tablet_device: the QEMU id and -device argument of the tablet
    the hot-plug tests remove and add back (or add and remove, when the set
    has none).
    """

    def __init__(self, name, args, keyboard, absolute, relative, hwheel, side_buttons,
                 tablet_device, tablet_present):
        self.name = name
        self.args = list(args)
        self.keyboard = keyboard
        self.absolute = absolute
        self.relative = relative
        self.hwheel = hwheel
        self._side_buttons = side_buttons
        self.tablet_device = tablet_device      # -device value, with id=
        self.tablet_present = tablet_present
        self.devices = [d for d in (keyboard, absolute, relative) if d]

    @property
    def side_buttons(self):
        """A bool, or a callable of the QEMU version for devices that changed."""
        if callable(self._side_buttons):
            return self._side_buttons(qemu_version())
        return self._side_buttons

    @property
    def tablet_id(self):
        return re.search(r"\bid=([\w-]+)", self.tablet_device).group(1)

    @property
    def tablet_name(self):
        return USB_TABLET if self.tablet_device.startswith("usb-tablet") else VIRTIO_TABLET

    def __repr__(self):
        return self.name


DEVICE_SETS = collections.OrderedDict((s.name, s) for s in [
    # libvirt's default: the pc machine's PS/2 keyboard and mouse, and a USB
    # tablet.  The tablet activates when the guest polls it, so it gets the
    # buttons and the wheel, and QEMU's USB tablet has a vertical wheel only
    # and, before QEMU 10.2 (hw/usb/dev-hid.c's report descriptor: Usage
    # Maximum 5), three buttons: back and forward are lost there.
    DeviceSet("ps2-usb-tablet",
              ["-device", "qemu-xhci,id=xhci", "-device", "usb-tablet,id=tablet0,bus=xhci.0"],
              keyboard=PS2_KEYBOARD, absolute=USB_TABLET, relative=PS2_MOUSE,
              hwheel=False, side_buttons=lambda version: version >= (10, 2),
              tablet_device="usb-tablet,id=tablet0,bus=xhci.0", tablet_present=True),
    # all virtio: the mouse's driver binds after the tablet's (PCI order), so
    # the mouse is QEMU's active pointer, the case where positions once became
    # relative moves; it gets the buttons and the wheel.
    DeviceSet("virtio",
              ["-device", "virtio-keyboard-pci", "-device", "virtio-tablet-pci,id=tablet0",
               "-device", "virtio-mouse-pci"],
              keyboard=VIRTIO_KEYBOARD, absolute=VIRTIO_TABLET, relative=VIRTIO_MOUSE,
              hwheel=True, side_buttons=True,
              tablet_device="virtio-tablet-pci,id=tablet0", tablet_present=True),
    # keyboard and a relative mouse only (games): the PS/2 pair of the pc machine.
    DeviceSet("ps2-relative-only", [],
              keyboard=PS2_KEYBOARD, absolute=None, relative=PS2_MOUSE,
              hwheel=True, side_buttons=True,
              tablet_device="virtio-tablet-pci,id=tablet9", tablet_present=False),
])


# ---------------------------------------------------------------------------
# The guest's console
# ---------------------------------------------------------------------------
_LINE_RX = re.compile(r"@(dev|ev|gone|ready|error|dropped)\b ?(.*)$")
_DEV_RX = re.compile(r"(\d+) rel=([0-9a-f]+) abs=([0-9a-f]+) x=(-?\d+):(-?\d+) y=(-?\d+):(-?\d+) "
                     r"ax=(-?\d+) ay=(-?\d+) name=(.*)$")


class GuestDevice:
    def __init__(self, number, rel, abs_bits, xrange, yrange, x, y, name):
        self.number = number
        self.rel = rel
        self.abs_bits = abs_bits
        self.xrange = xrange
        self.yrange = yrange
        self.pos = {"ABS_X": x, "ABS_Y": y}
        self.name = name
        self.present = True

    def has_rel(self, bit):
        return bool(self.rel & (1 << bit))


class Guest:
    def __init__(self, run_dir, device_set, image=None):
        self.run_dir = os.path.abspath(run_dir)
        os.makedirs(self.run_dir, exist_ok=True)
        self.device_set = device_set
        self.image = image or guest_image()
        self.serial_path = os.path.join(self.run_dir, "guest-serial.log")
        if os.path.exists(self.serial_path):
            os.unlink(self.serial_path)
        self.offset = 0
        self.events = []            # GuestEvent, in the order the reader printed them
        self.devices = {}           # number -> GuestDevice (the present one)
        self.ready = False
        self.errors = []
        self.other = []             # console lines that are not the reader's (kernel messages)
        self.dropped = []           # devices whose events the guest kernel dropped (reader late)

    def machine_args(self):
        accel = os.environ.get(ACCEL_ENV, "tcg")
        return ["-machine", "pc,accel=%s" % accel, "-m", "256", "-nodefaults", "-display", "none",
                "-L", "/usr/share/seabios", "-L", "/usr/share/qemu",
                "-kernel", os.path.join(self.image, "vmlinux"),
                "-initrd", os.path.join(self.image, "initrd.gz"),
                "-append", "console=ttyS0 loglevel=3",
                "-serial", "file:%s" % self.serial_path] + self.device_set.args

    # ---- console ----------------------------------------------------------
    def poll(self):
        text, self.offset = read_new(self.serial_path, self.offset)
        for line in text.splitlines():
            m = _LINE_RX.search(line)
            if not m:
                if line.strip():
                    self.other.append(line.rstrip())
                continue
            what, rest = m.group(1), m.group(2)
            if what == "ev":
                n, t, code, value = (int(v) for v in rest.split()[:4])
                kind = EV_TYPES.get(t, "type%d" % t)
                dev = self.devices.get(n)
                name = code_name(kind, code)
                if dev is not None and kind == "abs" and name in dev.pos:
                    dev.pos[name] = value
                self.events.append(GuestEvent(kind, name, value, dev.name if dev else "event%d" % n))
            elif what == "dev":
                d = _DEV_RX.match(rest)
                if d:
                    g = d.groups()
                    self.devices[int(g[0])] = GuestDevice(
                        int(g[0]), int(g[1], 16), int(g[2], 16), (int(g[3]), int(g[4])),
                        (int(g[5]), int(g[6])), int(g[7]), int(g[8]), g[9].strip())
            elif what == "gone":
                dev = self.devices.pop(int(rest.split()[0]), None)
                if dev is not None:
                    dev.present = False
            elif what == "ready":
                self.ready = True
            elif what == "dropped":
                dev = self.devices.get(int(rest.split()[0]))
                self.dropped.append(dev.name if dev else rest)
            elif what == "error":
                self.errors.append(rest)
        return self

    def device(self, name):
        """The present guest device with this evdev name, or None."""
        self.poll()
        return next((d for d in self.devices.values() if d.name == name), None)

    def wait_booted(self, timeout=BOOT_TIMEOUT):
        """Wait until the reader runs and has opened every device of the set."""
        want = self.device_set.devices

        def booted():
            self.poll()
            return self.ready and all(self.device(n) for n in want)
        wait_until(booted, timeout, lambda: "the guest to boot and list %s; it has %s; console tail:\n%s"
                   % (want, sorted(d.name for d in self.devices.values()), "\n".join(self.other[-15:])))
        if self.errors:
            raise AssertionError("the guest's init failed: %s" % self.errors)
        return self

    def wait_device(self, name, present=True, timeout=DEVICE_TIMEOUT):
        wait_until(lambda: (self.device(name) is not None) == present, timeout,
                   lambda: "the guest device %r to %s; present: %s" % (
                       name, "appear" if present else "go away",
                       sorted(d.name for d in self.devices.values())))
        return self.device(name)

    # ---- events -----------------------------------------------------------
    def mark(self):
        self.poll()
        return len(self.events)

    def since(self, mark=0, kinds=None, device=None):
        self.poll()
        return [e for e in self.events[mark:]
                if (kinds is None or e.kind in kinds) and (device is None or e.device == device)]

    def wait_for(self, pred, timeout=EVENT_TIMEOUT, since=0, kinds=None, what="events in the guest"):
        """Wait until pred(events since `since`, of these kinds) holds; return those events."""
        def check():
            evs = self.since(since, kinds)
            return evs if pred(evs) else None
        return wait_until(check, timeout, lambda: "%s; the guest got since the mark: %s"
                          % (what() if callable(what) else what, self.since(since, kinds)[-60:]))

    def position(self, name):
        """(ABS_X, ABS_Y) of a guest device as the guest has them now."""
        dev = self.device(name)
        return dev.pos["ABS_X"], dev.pos["ABS_Y"]

    def expected_abs(self, name, x, y, width, height):
        """Where a server position (x, y) on a width x height screen lands in a
        guest device's own axis ranges: x * 0x7fff / (width - 1) as QEMU's
        input layer has it, then scaled to the device's range.  Exact, as a float."""
        dev = self.device(name)

        def scale(v, size, rng):
            lo, hi = rng
            return lo + v * (hi - lo) / (size - 1)
        return scale(x, width, dev.xrange), scale(y, height, dev.yrange)

    def wait_position(self, name, x, y, width, height, timeout=EVENT_TIMEOUT):
        """Wait until the device is within one guest unit of where (x, y) lands; return its position."""
        want = self.expected_abs(name, x, y, width, height)

        def there():
            pos = self.position(name)
            return pos if all(abs(p - w) <= 1 for p, w in zip(pos, want)) else None
        return wait_until(there, timeout, lambda: "%s at %s (server %d,%d), within one unit; it is at %s"
                          % (name, tuple(round(w, 2) for w in want), x, y, self.position(name)))

    def wait_rel(self, mark, dx, dy, device, timeout=EVENT_TIMEOUT):
        """Wait until the relative motion since mark on device adds up to (dx, dy)."""
        def done():
            evs = self.since(mark, kinds=("rel",), device=device)
            return (rel_sum(evs, "REL_X"), rel_sum(evs, "REL_Y")) == (dx, dy)
        wait_until(done, timeout, lambda: "relative motion %s on %s; got %s" % (
            (dx, dy), device, self.since(mark, kinds=("rel", "abs"))))


def pointer_input(e):
    """Buttons and wheels: what the pointing device the guest activated last gets."""
    return (e.kind == "key" and e.code.startswith("BTN_")) or \
        (e.kind == "rel" and e.code in ("REL_WHEEL", "REL_HWHEEL"))


def in_order(events, want):
    """want (a list) is a subsequence of events."""
    it = iter(events)
    return all(any(e == w for e in it) for w in want)


# ---------------------------------------------------------------------------
# A guest driven by a real Barrier server, and by a scripted one
# ---------------------------------------------------------------------------
# How far right the pointer goes after entering the VM at its left edge.
ENTER_STEP = 200
# The scripted server's object, beside the real server's barrier0.
SCRIPTED_OBJECT_ID = "barrier1"
# X11 KeyID and key code of the fence key, for the scripted server.
SCRIPTED_FENCE = (0xEFC9, 96)        # F12
# The object's trace line for its pointer mode (patch 9 of the series).
POINTER_TRACE = re.compile(r"^(\S+): (absolute|relative) pointer moves")


class GuestSession(RealSession):
    """A real barriers + QEMU booting the test guest with a device set + a driver.

    The scripted server comes on demand (scripted()) as a second input-barrier
    object (keycodes=x11), so that both drive the same guest."""

    def __init__(self, run_dir, device_set, server_options=()):
        super().__init__(run_dir)
        self.server.options.extend(server_options)
        self.device_set = device_set
        self.guest = Guest(run_dir, device_set)
        self.scripted_server = None
        self.conn = None
        self.boot_seconds = None
        self.scripted_active = False      # the scripted server's pointer is on the VM
        self.vm_x = None
        self._seq = 0

    def make_qemu(self):
        return Qemu(self.run_dir, self.server.port, name=self.server.client_name,
                    machine_args=self.guest.machine_args(), absolute_pointer=False)

    def start(self, connect_timeout=20.0):
        """As RealSession.start, and the guest booted: boot_seconds from QEMU's start."""
        self.server.start()
        self.driver = Driver(self.server)
        mark = self.server.log_mark()
        started = time.monotonic()
        self.qemu = self.make_qemu().start()
        self.server.wait_client_connected(connect_timeout, since=mark)
        self.guest.wait_booted()
        self.boot_seconds = time.monotonic() - started
        return self

    def close(self):
        if self.scripted_server is not None:
            self.scripted_server.close()
        super().close()

    @property
    def geometry(self):
        return self.server.width, self.server.height

    # ---- pointer mode -----------------------------------------------------
    def pointer_mode(self, object_id=OBJECT_ID):
        """'absolute' or 'relative': what the object traced last, None before."""
        mode = None
        for ev in self.trace.since(0, lambda e: e[0] == "barrier" and e[1] == "input_barrier_pointer"):
            m = POINTER_TRACE.match(ev[2])
            if m and m.group(1) == object_id:
                mode = m.group(2)
        return mode

    def wait_pointer_mode(self, mode, object_id=OBJECT_ID, timeout=10.0):
        wait_until(lambda: self.pointer_mode(object_id) == mode, timeout,
                   lambda: "%s to send %s pointer moves; it traced %s" % (
                       object_id, mode, self.pointer_mode(object_id)))

    # ---- relative motion --------------------------------------------------
    def relative_totals(self):
        """((QEMU's x, y), (the guest's x, y)): all relative motion QEMU injected
        since it started, and all the set's relative device got."""
        qemu = self.trace.since(0, lambda e: e[0] == "rel")
        guest = self.guest.since(0, kinds=("rel",), device=self.device_set.relative)
        return ((sum(e[2] for e in qemu if e[1] == "x"), sum(e[2] for e in qemu if e[1] == "y")),
                (rel_sum(guest, "REL_X"), rel_sum(guest, "REL_Y")))

    def settle_relative(self, timeout=EVENT_TIMEOUT):
        """Wait until the guest's relative device has all the relative motion QEMU
        injected.  QEMU's PS/2 mouse sends at most 4 packets of 127 per event and
        keeps the rest of a larger move (the harness's leave() makes such moves)
        until its next event: nudges of +1 and -1 from the scripted server send it."""
        last = [0.0]

        def settled():
            qemu, guest = self.relative_totals()
            if qemu == guest:
                return True
            if time.monotonic() - last[0] > 0.3:
                if not self.scripted_active:
                    self.scripted_enter(960, 540)
                self.conn.send(ss.dmrm(1, 0), ss.dmrm(-1, 0))
                last[0] = time.monotonic()
            return False
        wait_until(settled, timeout, lambda: "the guest's %s to catch up with QEMU's relative "
                   "motion (QEMU, guest): %s" % (self.device_set.relative, self.relative_totals()))

    # ---- real server ------------------------------------------------------
    def on_vm(self):
        """The pointer on the VM, away from its left edge (where a move left would
        leave), and that move in the guest.  With absolute moves, vm_x is then
        the pointer's x on the VM screen."""
        if self.driver.on_client:
            return
        self.vm_x = None
        g = self.guest
        mark = g.mark()
        self.driver.enter()
        self.driver.move(ENTER_STEP, 0)
        if self.pointer_mode() == "absolute":
            # x is ENTER_STEP, or a little more if enter() pushed once more
            # while barriers was switching: read it back
            unit = 0x7FFF / (self.server.width - 1)
            evs = g.wait_for(lambda evs: any(e.code == "ABS_X" and e.value >= ENTER_STEP * unit - 1
                                             for e in evs),
                             since=mark, kinds=("abs",), what="ABS_X of x >= %d after entering" % ENTER_STEP)
            self.vm_x = round([e.value for e in evs if e.code == "ABS_X"][-1] / unit)
        else:
            g.wait_for(lambda evs: rel_sum(evs, "REL_X") == ENTER_STEP, since=mark, kinds=("rel",),
                       what="REL_X adding up to %d after entering" % ENTER_STEP)

    def keys(self, action, timeout=EVENT_TIMEOUT):
        """Run action(driver) on the VM, then press and release the fence key;
        return the key events the guest got before the fence, autorepeats left
        out.  One keyboard, one queue: nothing the action made comes later."""
        self.on_vm()
        mark = self.guest.mark()
        action(self.driver)
        self.driver.physical_key("F12")
        return self._until_fence(mark, timeout)

    def pointer(self, action, want, timeout=EVENT_TIMEOUT):
        """Run action(driver) on the VM; wait until the guest's buttons and wheels
        (pointer_input) since then hold `want` in order; return all of them.
        Buttons and wheels all go to one device, in order: an unwanted event
        that came first is in the list."""
        self.on_vm()
        return self._wait_pointer(self.guest.mark(), lambda: action(self.driver), want, timeout)

    def _wait_pointer(self, mark, act, want, timeout):
        act()
        evs = self.guest.wait_for(lambda evs: in_order(shorts(evs), want), timeout, since=mark,
                                  what="the buttons and wheels %s" % (want,),
                                  kinds=("key", "rel"))
        return [e.short() for e in evs if pointer_input(e)]

    def _until_fence(self, mark, timeout):
        fence = [("key", FENCE_KEY, 1), ("key", FENCE_KEY, 0)]
        evs = self.guest.wait_for(lambda evs: in_order(presses(evs), fence), timeout, since=mark,
                                  kinds=("key",), what="the fence key %s" % FENCE_KEY)
        return [e for e in evs if e.code != FENCE_KEY and e.value != 2]

    # ---- scripted server --------------------------------------------------
    def scripted(self):
        """The scripted server's connection (handshake done), attached once."""
        if self.conn is None:
            self.scripted_server = ss.ScriptedServer(client_name=self.server.client_name).start()
            self.qemu.hmp("object_add " + object_props(
                self.scripted_server.port, name=self.server.client_name,
                object_id=SCRIPTED_OBJECT_ID, extra={"keycodes": "x11"}))
            self.conn = self.scripted_server.accept(timeout=20)
            self.conn.handshake()
            self.conn.start_keepalive(3.0)
        return self.conn

    def scripted_enter(self, x, y):
        """CINN: the scripted server's pointer enters the VM at (x, y)."""
        self._seq += 1
        self.scripted().send(ss.cinn(x, y, self._seq))
        self.conn.sync()
        self.scripted_active = True

    def scripted_leave(self):
        """COUT: the scripted server's pointer leaves the VM."""
        self.scripted().send(ss.cout())
        self.scripted_active = False

    def scripted_keys(self, *frames, timeout=EVENT_TIMEOUT):
        """Send frames, then the fence key; return the key events before the fence."""
        mark = self.guest.mark()
        keyid, button = SCRIPTED_FENCE
        self.scripted().send(*frames)
        self.conn.send(ss.dkdn(keyid, 0, button), ss.dkup(keyid, 0, button))
        return self._until_fence(mark, timeout)

    def scripted_pointer(self, frames, want, timeout=EVENT_TIMEOUT):
        """Send frames; wait for the buttons and wheels `want` (see pointer())."""
        conn = self.scripted()
        return self._wait_pointer(self.guest.mark(), lambda: conn.send(*frames), want, timeout)
