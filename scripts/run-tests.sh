#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every test suite and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
run() {
    local name=$1
    shift
    echo "==== $name"
    if "$@"; then
        passed=$((passed + 1))
        echo "==== $name: passed"
    else
        failed=$((failed + 1))
        echo "==== $name: FAILED"
    fi
}

run "swift test (core)" swift test
run "generated key tables current" ./scripts/check-generated.sh
run "mutation list current (every mutation applies: make mutation-pass)" python3 ./scripts/mutation-pass.py --list
run "C ABI (header, .so, valgrind)" ./scripts/test-c-abi.sh
run "fuzzing (libFuzzer, 60 s per target)" ./scripts/fuzz.sh all 60
run "QEMU patches: checkpatch.pl clean" ./scripts/check-patches.sh
run "QEMU series made from qemu-patch/src (scripts/qemu-series.sh)" ./scripts/qemu-series.sh check
run "QEMU 10.2.2 build (qemu-patch/ applied)" ./scripts/build-qemu.sh
run "end to end on QEMU 10.2.2 (real servers, scripted server, guest, libvirt)" ./scripts/run-e2e.sh
run "QEMU 10.0.13: build (qemu-patch/10.0/) and smoke subset" ./scripts/smoke-qemu.sh 10.0.13
run "QEMU 10.0.2: build (10.0.2 base + qemu-patch/10.0/) and smoke subset" ./scripts/smoke-qemu.sh 10.0.2
echo
echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]
