#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: the stock input-barrier (Debian's QEMU 7.2) against ours
# (QEMU 10.2.2, scripts/build-qemu.sh's default, + libbarrierclient), same
# scripted loopback server, same run, interleaved rounds; medians and ratios
# on stdout, everything in build/bench/results.json; then the burst times of
# each guest keyboard (build/bench/bursts.txt).  See docs/performance.md.
#
# Usage: scripts/bench.sh [bench.py args...]   e.g. --rounds 3 --idle 10
# Env:   BARRIERCLIENT_STOCK_QEMU=build/qemu-stock-10.0.2  compare with the stock
#        client of QEMU 10.0.2 (scripts/build-stock-qemu.sh) instead of 7.2
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
cd "$here"

# The stock client: Debian's qemu-system-x86 7.2 (not needed by the tests).
if ! dpkg-query -W -f='${Status}' qemu-system-x86 2>/dev/null | grep -q "ok installed"; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    echo "bench: installing Debian's qemu-system-x86 (the stock client)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq qemu-system-x86 >/dev/null
fi

# Ours: the library (make lib) and the patched QEMU (incremental).
[ -x "$cache/venv/bin/python3" ] || ./scripts/setup-deps.sh
./scripts/build-qemu.sh

# The shipped library through its C API (throughput, allocations).
mkdir -p build/bench
cc -O2 -Iinclude Benchmarks/CApiBench/capi_bench.c -o build/bench/capi-bench \
    -Lbuild/lib/lib -lbarrierclient -Wl,-rpath,"$here/build/lib/lib" -ldl
./build/bench/capi-bench | tee build/bench/capi-bench.txt
# One message at a time into a cold engine (what a single event costs).
cc -O2 -Iinclude Benchmarks/CApiBench/capi_cold.c -o build/bench/capi-cold \
    -Lbuild/lib/lib -lbarrierclient -Wl,-rpath,"$here/build/lib/lib"
./build/bench/capi-cold | tee build/bench/capi-cold.txt

"$cache/venv/bin/python3" Benchmarks/qemu-bench/bench.py "$@"

# Bursts (issue 28): 100 characters (238 key events with Shift and AltGr) in
# one write, timed until the guest's evdev reader has every one of them, on
# each keyboard; VNC's key-delay-ms=10 would take 2.4 s for the same events.
# The stock client has no figure here: it loses most of the keys.
echo "bench: bursts into a guest (Tests/e2e/test_key_bursts.py)"
./scripts/run-e2e.sh Tests/e2e/test_key_bursts.py -k 100_characters -s 2>&1 |
    sed -n 's/.*\(\(ps2\|usb\)-keyboard\|virtio\): \(.*\)/burst: \1: \3/p' | tee build/bench/bursts.txt
