#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds libbarrierclient.so and installs it, its header and its pkg-config
# file under PREFIX (lib/, include/, lib/pkgconfig/).
#   scripts/build-lib.sh embedded PREFIX   Embedded Swift: libc only (shipped)
#   scripts/build-lib.sh static PREFIX     Swift runtime linked in statically
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?usage: build-lib.sh embedded|static PREFIX}
prefix=${2:?usage: build-lib.sh embedded|static PREFIX}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
version=$(sed -n 's/^VERSION := //p' Makefile)

case "$mode" in
embedded)
    BARRIERCLIENT_EMBEDDED=1 swift build -c release --product barrierclient --scratch-path .build-embedded >&2
    built=.build-embedded/release/libbarrierclient.so ;;
static)
    swift build -c release --product barrierclient --scratch-path .build-release >&2
    built=.build-release/release/libbarrierclient.so ;;
*)
    echo "build-lib.sh: mode must be embedded or static" >&2
    exit 2 ;;
esac

install -d "$prefix/lib/pkgconfig" "$prefix/include"
# strip: the symbols of a release build only cost size here.
strip -o "$prefix/lib/libbarrierclient.so.tmp" "$built"
mv "$prefix/lib/libbarrierclient.so.tmp" "$prefix/lib/libbarrierclient.so"
install -m 644 include/barrierclient.h "$prefix/include/barrierclient.h"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" barrierclient.pc.in \
    >"$prefix/lib/pkgconfig/barrierclient.pc"

# Only the C API may be exported, and only libc (plus, for the static
# runtime, the C++ runtime and libm) may be needed at run time.
exported=$(nm -D --defined-only "$prefix/lib/libbarrierclient.so" | awk '$2 != "A" {print $3}')
if grep -v '^bc_' <<<"$exported"; then
    echo "build-lib.sh: symbols outside the bc_ prefix are exported (above)" >&2
    exit 1
fi
needed=$(readelf -d "$prefix/lib/libbarrierclient.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
echo "build-lib.sh: $mode $(stat -c %s "$prefix/lib/libbarrierclient.so") bytes, needs: $needed" >&2
echo "$prefix"
