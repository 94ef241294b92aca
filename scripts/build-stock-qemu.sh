#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# QEMU 10.0.2 as Debian ships its source, without qemu-patch/: the stock
# input-barrier client of the same QEMU version as ours, for `make bench`
# (BARRIERCLIENT_STOCK_QEMU=build/qemu-stock-10.0.2), so that a comparison
# with it measures the clients and not two QEMU versions. Same configure
# flags as scripts/build-qemu.sh but the library; cached and incremental.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
src=$cache/qemu-10.0.2/src
build=$cache/qemu-10.0.2/build-stock
venv=$cache/venv
start=$(date +%s)

[ -d "$src" ] || "$here/scripts/fetch-qemu.sh" >&2
if [ ! -f "$build/build.ninja" ]; then
    rm -rf "$build"
    mkdir -p "$build"
    (cd "$build" && "$src/configure" --python="$venv/bin/python3" --target-list=x86_64-softmmu \
        --without-default-features --disable-docs --enable-slirp --enable-gnutls \
        --enable-pixman --enable-vnc --disable-werror --disable-download \
        --disable-install-blobs >configure.log 2>&1) ||
        { tail -30 "$build/configure.log" >&2; exit 1; }
fi
ninja -C "$build" qemu-system-x86_64
mkdir -p "$here/build"
ln -sfn "$build/qemu-system-x86_64" "$here/build/qemu-stock-10.0.2"
echo "build-stock-qemu: build/qemu-stock-10.0.2 ($(( $(date +%s) - start )) s)"
