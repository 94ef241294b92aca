#!/usr/bin/env bash
# Regenerates Sources/BarrierClientC/hot-path.order (see hot-path-order.py);
# with --check, only says whether it is current (the C ABI suite runs that).
set -euo pipefail
cd "$(dirname "$0")/.."
check=()
[ "${1:-}" = --check ] && check=(--check)
BARRIERCLIENT_EMBEDDED=1 swift build -c release --product barrierclient --scratch-path .build-embedded >&2
libdir=.build-embedded/release
mkdir -p build/bench
cc -O2 -Iinclude Benchmarks/CApiBench/capi_cold.c -o build/bench/capi-cold -L"$libdir" -lbarrierclient
exec python3 scripts/hot-path-order.py "${check[@]}" build/bench/capi-cold "$libdir"
