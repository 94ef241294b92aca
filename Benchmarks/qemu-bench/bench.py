#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU-level benchmark: Debian's stock input-barrier (QEMU 7.2) against ours
(QEMU 10.0.2 + libbarrierclient), driven by the same scripted loopback server
(Tests/e2e/harness/scripted_server.py), interleaved, several rounds.

    python3 Benchmarks/qemu-bench/bench.py [--rounds N] [--latency-rounds N] [--samples N]
        [--idle S] [--only throughput,latency,idle]

Figures (medians over rounds; see README.md, "Performance"):
  throughput  bursts of 1 000 / 20 000 / 1 000 000 mixed messages (moves, keys,
              wheel), timed from the first byte sent to the echo of the CALV
              sent right after the burst.  A client whose socket makes no
              progress for STALL_S seconds has stalled (it is restarted).
  latency     server send time (CLOCK_REALTIME) -> QEMU input_event_* trace
              timestamp (log backend, -msg timestamp=on: gettimeofday), single
              events; and the CALV round trip.  The two clients take turns
              sample by sample, so the machine's other load hits both alike;
              p50 / p99 per round (400 samples), the median over 5 rounds
              reported with the range, ratios per round.
  main loop   QMP query-status round trips while the 1 000 000-message
              burst runs: how long the client keeps the main loop away.
  idle        CPU (utime+stime, /proc/PID/stat) and wakeups (voluntary +
              involuntary context switches of the main-loop thread,
              /proc/PID/status) over IDLE_S seconds connected, CALV every 3 s;
              a QEMU without the object runs alongside as the baseline.
  size        stripped libbarrierclient.so; RSS with and without the object.

Writes build/bench/results.json.
"""
import argparse
import datetime
import fcntl
import json
import os
import platform
import random
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))

from harness import scripted_server as ss  # noqa: E402
from harness.qemu import Qemu  # noqa: E402
from harness.util import wait_until  # noqa: E402

# The stock client: Debian's QEMU 7.2, or BARRIERCLIENT_STOCK_QEMU (e.g.
# build/qemu-stock-10.0.2 from scripts/build-stock-qemu.sh: the same QEMU as ours).
STOCK_BIN = os.environ.get("BARRIERCLIENT_STOCK_QEMU") or "/usr/bin/qemu-system-x86_64"
OURS_BIN = os.environ.get("BARRIERCLIENT_QEMU") or os.path.join(ROOT, "build", "qemu-system-x86_64")
LIB = os.path.join(ROOT, "build", "lib", "lib", "libbarrierclient.so")
OUT_DIR = os.path.join(ROOT, "build", "bench")

SIZES = (1_000, 20_000, 1_000_000)
REPEAT = {1_000: 5, 20_000: 2}   # bursts per round (a stall ends the round's try)
STALL_S = 2.0          # no progress for this long = the client stopped reading
IDLE_S = 30.0
KEEPALIVE_S = 3.0
SIOCOUTQ = 0x5411      # TIOCOUTQ: bytes not yet acknowledged by the peer
WIDTH, HEIGHT = 1920, 1080


def log(*a):
    print("bench:", *a, flush=True)


# ---------------------------------------------------------------------------
# Streams
# ---------------------------------------------------------------------------
def mixed_burst(n):
    """n mixed messages: per 10, 6 moves, a key down and up, 2 wheel steps."""
    block = []
    for i in range(1000):
        k = i % 10
        if k < 6:
            block.append(ss.dmmv(100 + (i * 7) % (WIDTH - 200), 100 + (i * 3) % (HEIGHT - 200)))
        elif k == 6:
            block.append(ss.dkdn(0x61, 0, 38))
        elif k == 7:
            block.append(ss.dkup(0x61, 0, 38))
        else:
            block.append(ss.dmwm(0, 120 if k == 8 else -120))
    whole, rest = divmod(n, len(block))
    return b"".join(block) * whole + b"".join(block[:rest])


# ---------------------------------------------------------------------------
# One client under test: a QEMU and its server connection
# ---------------------------------------------------------------------------
class BenchQemu(Qemu):
    """The harness's QEMU launcher with the bench's command line: only the
    object under test, input traces with wall-clock timestamps (off until
    the latency phase), a monitor for mouse_set."""

    def command(self):
        argv = [self.binary, "-machine", "pc,accel=tcg", "-m", "32", "-L", "/usr/share/seabios",
                "-display", "none", "-nodefaults",
                # keys to the PS/2 keyboard, which SeaBIOS reads at once: ours
                # paces keys to what the keyboard takes, and a usb-kbd that
                # only the firmware polls drains slowly
                "-device", "qemu-xhci", "-device", "usb-tablet",
                "-msg", "timestamp=on", "-trace", "input_event_*",
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if self.with_object:
            argv += ["-object", self.object_props()]
        return argv

    def trace_input(self, on):
        self.qmp.execute("trace-event-set-state", name="input_event_*", enable=on)


class Client:
    def __init__(self, kind, server, run_dir):
        self.kind = kind                  # "stock" or "ours"
        self.server = server
        self.run_dir = run_dir
        self.qemu = None
        self.conn = None
        self.lock = threading.Lock()      # held while measuring: no keepalive then
        self.restarts = 0

    @property
    def binary(self):
        return STOCK_BIN if self.kind == "stock" else OURS_BIN

    def start(self):
        d = os.path.join(self.run_dir, "%s-%d" % (self.kind, self.restarts))
        self.qemu = BenchQemu(d, port=self.server.port, binary=self.binary,
                              object_extra={"width": WIDTH, "height": HEIGHT})
        self.qemu.start()
        self.qemu.trace_input(False)
        self.conn = self.server.accept(timeout=20)
        self.conn.handshake()
        self.conn.send(ss.cinn(WIDTH // 2, HEIGHT // 2, seq=1))
        self.conn.sync(10)
        self.last_keepalive = time.monotonic()
        return self

    def stop(self):
        if self.conn:
            self.conn.close()
        if self.qemu:
            self.qemu.stop()
        self.conn = self.qemu = None

    def restart(self):
        self.stop()
        self.restarts += 1
        # a connection the old QEMU made (a reconnect) must not be taken for the new one's
        while not self.server._pending.empty():
            self.server._pending.get_nowait().close()
        self.start()

    def keepalive_if_due(self):
        with self.lock:
            if self.conn and time.monotonic() - self.last_keepalive >= KEEPALIVE_S:
                try:
                    self.conn.sync(5)
                except Exception:  # noqa: BLE001 - a stalled client; dealt with by the burst
                    pass
                self.last_keepalive = time.monotonic()

    def drain(self):
        while True:
            try:
                self.conn.inbox.get_nowait()
            except Exception:  # noqa: BLE001 - queue.Empty
                return

    # ---- throughput ---------------------------------------------------------
    def burst(self, data, n, qmp_rtts=None):
        """Messages/s until the CALV after the burst is echoed, or None (stall).
        With qmp_rtts (a list), QMP query-status round trips (µs) made while
        the burst runs are appended to it: how long the main loop is away."""
        with self.lock:
            conn = self.conn
            self.drain()
            payload = data + ss.calv()
            sent = [0]
            err = []
            started = []

            def sender():
                try:
                    view = memoryview(payload)
                    started.append(time.monotonic())
                    while sent[0] < len(view):
                        sent[0] += conn.sock.send(view[sent[0]:sent[0] + 262144])
                except OSError as e:
                    err.append(e)
            stop_pings = threading.Event()

            def pinger():
                while not stop_pings.is_set():
                    t = time.monotonic()
                    self.qemu.qmp.execute("query-status")
                    qmp_rtts.append((time.monotonic() - t) * 1e6)
                    time.sleep(0.002)
            pings = threading.Thread(target=pinger, daemon=True) if qmp_rtts is not None else None
            t0 = time.monotonic()
            th = threading.Thread(target=sender, daemon=True)
            th.start()
            if pings:
                pings.start()
            last_progress, last_t = -1, time.monotonic()
            result = None
            while True:
                try:
                    m = conn.inbox.get(timeout=0.05)
                except Exception:  # noqa: BLE001 - queue.Empty
                    m = None
                if m is not None and m.code == "CALV":
                    # from the first byte handed to the kernel to the echo
                    result = n / (m.time - (started[0] if started else t0))
                    break
                outq = struct.unpack("i", fcntl.ioctl(conn.sock.fileno(), SIOCOUTQ, b"\0\0\0\0"))[0]
                progress = sent[0] - outq
                now = time.monotonic()
                if progress != last_progress:
                    last_progress, last_t = progress, now
                elif now - last_t > STALL_S or err or conn.closed_by_peer.is_set():
                    break
            if pings:
                stop_pings.set()
                pings.join(5)
            self.last_keepalive = time.monotonic()
        if result is None:
            log("%s stalled on a %d-message burst (%d of %d bytes consumed); restarting it"
                % (self.kind, n, max(0, last_progress), len(payload)))
            self.restart()
            th.join(5)
        else:
            th.join(5)
        return result

    # ---- latency --------------------------------------------------------------
    # One sample at a time, the two clients taking turns (bench.phase_latency):
    # whatever else the machine does then hits both alike.  Nothing polls while
    # a client works (a busy reader would take a core from QEMU on a 2-core
    # machine): send, sleep, then read what the trace says.
    # QEMU 10.0 (and 7.2) prefix "pid@seconds.micro:", QEMU 10.2 an ISO time
    # in UTC ("2026-12-03T19:29:40.173864Z ").
    TRACE_RX = re.compile(rb"(?:\d+@(\d+)|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d))\.(\d{6})(?::|Z )input_event_\w+")

    @staticmethod
    def trace_seconds(mm):
        if mm.group(1):
            whole = int(mm.group(1))
        else:
            when = datetime.datetime.strptime(mm.group(2).decode(), "%Y-%m-%dT%H:%M:%S")
            whole = int(when.replace(tzinfo=datetime.timezone.utc).timestamp())
        return whole + int(mm.group(3)) / 1e6

    def latency_begin(self):
        self.lock.acquire()
        self.qemu.trace_input(True)
        self.conn.sync(5)
        self.drain()
        self.trace_file = open(self.qemu.stderr_path, "rb")
        self.trace_file.seek(0, os.SEEK_END)

    def latency_end(self):
        self.trace_file.close()
        self.qemu.trace_input(False)
        self.conn.sync(5)
        self.last_keepalive = time.monotonic()
        self.lock.release()

    def event_sample(self, i):
        """Microseconds from send to the first input_event_* trace line, or None."""
        if i % 2 == 0:
            m = ss.dmmv(200 + (i * 13) % 1500, 300 + (i * 7) % 500)
        else:
            m = ss.dkdn(0x61, 0, 38) if (i // 2) % 2 == 0 else ss.dkup(0x61, 0, 38)
        t_send = time.time()
        self.conn.sock.sendall(m)
        time.sleep(random.uniform(0.003, 0.008))
        data = self.trace_file.read()
        deadline = time.monotonic() + 2.0
        while not self.TRACE_RX.search(data) and time.monotonic() < deadline:
            time.sleep(0.001)
            data += self.trace_file.read()
        mm = self.TRACE_RX.search(data)
        # the rest of this event's lines (second axis, sync) are written by now
        time.sleep(0.001)
        self.trace_file.read()
        if not mm:
            return None
        return (self.trace_seconds(mm) - t_send) * 1e6

    def keepalive_sample(self):
        """Microseconds from sending a CALV to receiving its echo."""
        t0 = time.monotonic()
        self.conn.sock.sendall(ss.calv())
        while True:
            m = self.conn.inbox.get(timeout=5)
            if m.code == "CALV":
                break
        time.sleep(random.uniform(0.002, 0.006))
        return (m.time - t0) * 1e6


# ---------------------------------------------------------------------------
# /proc
# ---------------------------------------------------------------------------
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime, stime


def ctx_switches(pid):
    v = n = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                v = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                n = int(line.split()[1])
    return v + n


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def median(values):
    return statistics.median(values) if values else None


# ---------------------------------------------------------------------------
# Machine
# ---------------------------------------------------------------------------
def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "stock": subprocess.run([STOCK_BIN, "--version"], capture_output=True, text=True)
            .stdout.splitlines()[0],
            "ours": subprocess.run([OURS_BIN, "--version"], capture_output=True, text=True)
            .stdout.splitlines()[0]}


def stripped_size(path):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "lib.so")
        subprocess.run(["strip", "-o", out, path], check=True)
        return os.path.getsize(out)


# ---------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------
def phase_throughput(clients, rounds, sizes, bursts):
    res = {c.kind: {n: [] for n in sizes} for c in clients}
    res["qmp"] = {c.kind: [] for c in clients}
    for r in range(rounds):
        order = clients if r % 2 == 0 else list(reversed(clients))
        for n in sizes:
            for c in order:
                for other in clients:
                    other.keepalive_if_due()
                # small bursts are short: a few back to back, their median
                runs = []
                for _ in range(REPEAT.get(n, 1)):
                    # the largest burst: how long the main loop is away meanwhile
                    rtts = [] if n == max(sizes) else None
                    runs.append(c.burst(bursts[n], n, rtts))
                    if rtts is not None and runs[-1] is not None:
                        res["qmp"][c.kind].append(rtts)
                    if runs[-1] is None:
                        break
                rate = None if None in runs else median(runs)
                res[c.kind][n].append(rate)
                log("round %d: %s %7d msgs: %s" % (r + 1, c.kind, n,
                    "STALL" if rate is None else "%.0f msg/s" % rate))
    return res


def phase_latency(clients, rounds, samples):
    """Per round and client: `samples` event latencies and as many CALV round
    trips, the clients taking turns sample by sample (the first one of each
    pair alternating).  Returns {kind: [round, ...]} for each, a round being a
    list of microseconds."""
    ev = {c.kind: [] for c in clients}
    ka = {c.kind: [] for c in clients}
    for r in range(rounds):
        for c in clients:
            c.latency_begin()
        try:
            got = {c.kind: [] for c in clients}
            for i in range(samples):
                for c in (clients if i % 2 == 0 else clients[::-1]):
                    v = c.event_sample(i)
                    if v is not None:
                        got[c.kind].append(v)
            for c in clients:
                ev[c.kind].append(got[c.kind])
            got = {c.kind: [] for c in clients}
            for i in range(samples):
                for c in (clients if i % 2 == 0 else clients[::-1]):
                    got[c.kind].append(c.keepalive_sample())
            for c in clients:
                ka[c.kind].append(got[c.kind])
        finally:
            for c in clients:
                c.latency_end()
        log("latency round %d: %s" % (r + 1, ", ".join(
            "%s event p50/p99 %.0f/%.0f µs, CALV %.0f/%.0f µs"
            % (c.kind, pct(ev[c.kind][-1], 50), pct(ev[c.kind][-1], 99),
               pct(ka[c.kind][-1], 50), pct(ka[c.kind][-1], 99)) for c in clients)))
    return ev, ka


def latency_summary(rounds_of_samples):
    """Median over rounds of each round's p50 and p99 (what the report shows),
    their spread, and the pooled percentiles."""
    pooled = [v for r in rounds_of_samples for v in r]
    p50s = [pct(r, 50) for r in rounds_of_samples if r]
    p99s = [pct(r, 99) for r in rounds_of_samples if r]
    return {"p50": median(p50s), "p99": median(p99s),
            "p50_rounds": p50s, "p99_rounds": p99s,
            "pooled_p50": pct(pooled, 50), "pooled_p99": pct(pooled, 99),
            "n": len(pooled), "rounds": len(rounds_of_samples)}


def phase_idle(server, run_dir, seconds):
    """Four QEMUs at once: stock and ours, each with and without the object."""
    procs = {}
    clients = []
    try:
        for kind in ("stock", "ours"):
            c = Client(kind, server, os.path.join(run_dir, "idle"))
            c.restarts = 100
            c.start()
            clients.append(c)
            procs[kind] = c.qemu
            bare = BenchQemu(os.path.join(run_dir, "idle", kind + "-bare"), port=0,
                             binary=c.binary, with_object=False)
            bare.start()
            procs[kind + "-bare"] = bare
        time.sleep(1.0)
        before = {k: (cpu_seconds(q.pid), ctx_switches(q.pid)) for k, q in procs.items()}
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            for c in clients:
                c.keepalive_if_due()
            time.sleep(0.05)
        after = {k: (cpu_seconds(q.pid), ctx_switches(q.pid)) for k, q in procs.items()}
        elapsed = time.monotonic() - t0
        out = {}
        for k, q in procs.items():
            out[k] = {"cpu_ms": round((after[k][0] - before[k][0]) * 1000, 1),
                      "wakeups": after[k][1] - before[k][1],
                      "rss_kb": rss_kb(q.pid), "seconds": round(elapsed, 1)}
        for c in clients:
            out[c.kind]["keepalives"] = c.conn.count("CALV")
        return out
    finally:
        for c in clients:
            c.stop()
        for k, q in procs.items():
            if k.endswith("-bare"):
                q.stop()


# ---------------------------------------------------------------------------
def fmt_rate(v):
    return "stall" if v is None else "%.0f k/s" % (v / 1e3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--latency-rounds", type=int, default=5)
    ap.add_argument("--samples", type=int, default=400)
    ap.add_argument("--idle", type=float, default=IDLE_S)
    ap.add_argument("--only", default="throughput,latency,idle")
    args = ap.parse_args()
    phases = args.only.split(",")

    for b in (STOCK_BIN, OURS_BIN):
        if not os.access(b, os.X_OK):
            sys.exit("bench: %s missing (make bench builds and installs it)" % b)
    os.makedirs(OUT_DIR, exist_ok=True)
    run_dir = tempfile.mkdtemp(prefix="qemu-bench.", dir=OUT_DIR)
    results = {"machine": machine(), "note": "shared machine: other builds and tests ran at the same time"}
    log("machine: %s" % results["machine"])

    server = ss.ScriptedServer().start()
    clients = []
    try:
        if "throughput" in phases or "latency" in phases:
            bursts = {n: mixed_burst(n) for n in SIZES}
            clients = [Client("stock", server, run_dir).start(), Client("ours", server, run_dir).start()]
        # Latency first: the throughput bursts' keys wait for the USB keyboard,
        # which only SeaBIOS reads here (slowly), up to KeyPacer.maxWait (10 s).
        if "latency" in phases:
            ev, ka = phase_latency(clients, args.latency_rounds, args.samples)
            results["latency_us"] = {
                k: {"event": latency_summary(ev[k]), "calv_rtt": latency_summary(ka[k]),
                    "all_event": ev[k], "all_calv_rtt": ka[k]}
                for k in ev}
        if "throughput" in phases:
            tp = phase_throughput(clients, args.rounds, SIZES, bursts)
            qmp = tp.pop("qmp")
            results["qmp_during_burst_us"] = {
                k: {"max": max((max(r) for r in v if r), default=None),
                    "p99": median([pct(r, 99) for r in v if r]),
                    "n": sum(len(r) for r in v)} for k, v in qmp.items()}
            results["throughput"] = {
                k: {str(n): {"median_msgs_per_s": median([v for v in vs if v is not None]),
                             "stalls": sum(1 for v in vs if v is None), "runs": len(vs),
                             "all": vs}
                    for n, vs in d.items()} for k, d in tp.items()}
        for c in clients:
            c.stop()
        clients = []
        if "idle" in phases:
            results["idle"] = phase_idle(server, run_dir, args.idle)
        results["size"] = {"stripped_so_bytes": stripped_size(LIB)}
    finally:
        for c in clients:
            c.stop()
        server.close()

    with open(os.path.join(OUT_DIR, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    report(results)


def ratio(a, b, higher_better=True, digits=1):
    if a is None or b is None or a == 0 or b == 0:
        return "-"
    return "%.*fx" % (digits, (a / b) if higher_better else (b / a))


def report(r):
    rows = []
    per_round = []
    tp = r.get("throughput")
    if tp:
        for n in SIZES:
            s, o = tp["stock"][str(n)], tp["ours"][str(n)]
            sv = None if s["stalls"] == s["runs"] else s["median_msgs_per_s"]
            ov = None if o["stalls"] == o["runs"] else o["median_msgs_per_s"]
            sdesc = fmt_rate(sv) + ("" if not s["stalls"] else " (%d/%d stalled)" % (s["stalls"], s["runs"]))
            odesc = fmt_rate(ov) + ("" if not o["stalls"] else " (%d/%d stalled)" % (o["stalls"], o["runs"]))
            rr = "stock stalls" if sv is None and ov is not None else ratio(ov, sv)
            rows.append(("throughput, %d-message burst" % n, sdesc, odesc, rr))
    qmp = r.get("qmp_during_burst_us")
    if qmp:
        def q(v):
            return "stalls" if v["max"] is None else "%.1f / %.1f ms" % (v["p99"] / 1e3, v["max"] / 1e3)
        rows.append(("QMP reply during a %d-message burst, p99 / max" % max(SIZES),
                     q(qmp["stock"]), q(qmp["ours"]), "-"))
    lat = r.get("latency_us")
    if lat:
        n = lat["ours"]["event"]["rounds"]
        for kind, key, label in (("event", "p50", "event latency p50"), ("event", "p99", "event latency p99"),
                                 ("calv_rtt", "p50", "CALV round trip p50"),
                                 ("calv_rtt", "p99", "CALV round trip p99")):
            s, o = lat["stock"][kind], lat["ours"][kind]
            rr = "%s: %s" % (key, ", ".join("%.2f" % (a / b) for a, b in
                                           zip(s[key + "_rounds"], o[key + "_rounds"])))
            rows.append(("%s (median of %d rounds)" % (label, n),
                         "%.0f µs (%.0f-%.0f)" % (s[key], min(s[key + "_rounds"]), max(s[key + "_rounds"])),
                         "%.0f µs (%.0f-%.0f)" % (o[key], min(o[key + "_rounds"]), max(o[key + "_rounds"])),
                         ratio(s[key], o[key], digits=2)))
            per_round.append("%s %s" % (label, rr))
    idle = r.get("idle")
    if idle:
        for key, label in (("cpu_ms", "idle CPU, 30 s (process)"), ("wakeups", "idle wakeups, 30 s (main thread)")):
            s, o = idle["stock"][key], idle["ours"][key]
            sb, ob = idle["stock-bare"][key], idle["ours-bare"][key]
            rows.append((label, "%s (no object: %s)" % (s, sb), "%s (no object: %s)" % (o, ob), "-"))
        rows.append(("RSS", "%d KiB (no object: %d)" % (idle["stock"]["rss_kb"], idle["stock-bare"]["rss_kb"]),
                     "%d KiB (no object: %d)" % (idle["ours"]["rss_kb"], idle["ours-bare"]["rss_kb"]), "-"))
    rows.append(("stripped libbarrierclient.so", "-", "%d KiB" % (r["size"]["stripped_so_bytes"] // 1024), "-"))
    # "QEMU emulator version 7.2.22 (Debian ...)" -> "stock 7.2.22"
    stock_version = r["machine"]["stock"].split("version", 1)[-1].split()[0:1]
    head = ("figure", "stock " + "".join(stock_version), "ours", "ours vs stock")
    w = [max(len(str(row[i])) for row in rows + [head]) for i in range(4)]
    line = "| " + " | ".join("%-*s" % (w[i], h) for i, h in enumerate(head)) + " |"
    print(line)
    print("|" + "|".join("-" * (x + 2) for x in w) + "|")
    for row in rows:
        print("| " + " | ".join("%-*s" % (w[i], row[i]) for i in range(4)) + " |")
    if per_round:
        print("stock/ours per round (>1: ours faster):")
        for line in per_round:
            print("  " + line)


if __name__ == "__main__":
    main()
