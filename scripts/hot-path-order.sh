#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates Sources/BarrierClientC/hot-path.order (see hot-path-order.py);
# with --check, only says whether it is current (the C ABI suite runs that).
set -euo pipefail
cd "$(dirname "$0")/.."
check=()
[ "${1:-}" = --check ] && check=(--check)
BARRIERCLIENT_EMBEDDED=1 swift build -c release --product barrierclient --scratch-path .build-embedded >&2
libdir=.build-embedded/release
# (its own binary: bench.sh's capi-cold links the installed library instead)
mkdir -p build/hot-path
cc -O2 -Iinclude Benchmarks/CApiBench/capi_cold.c -o build/hot-path/capi-cold -L"$libdir" -lbarrierclient
exec python3 scripts/hot-path-order.py "${check[@]}" build/hot-path/capi-cold "$libdir"
