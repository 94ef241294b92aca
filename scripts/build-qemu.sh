#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds qemu-system-x86_64 10.0.2 with the input-barrier object backed by
# libbarrierclient, and leaves it at build/qemu-system-x86_64 (a symlink into
# the cache).  Run scripts/setup-deps.sh once before.
#
#   $cache/qemu-10.0.2/src       pristine tree (scripts/fetch-qemu.sh)
#   $cache/qemu-10.0.2/patched   copy of it with qemu-patch/*.patch applied;
#                                redone only when the patches change
#   $cache/qemu-10.0.2/build     QEMU build directory (incremental)
#   $cache/qemu-10.0.2/barrierclient   the library QEMU is built against and
#                                finds at run time (rpath); a stable copy so
#                                that a new library rebuilds only the shim
#
# The library comes from `make lib` (build/lib), or from the staged prefix
# named by BARRIERCLIENT_LIB (a directory holding lib/libbarrierclient.so,
# include/barrierclient.h).  Extra configure flags can be given as arguments.
set -euo pipefail

start=$(date +%s)
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
venv="$cache/venv"
tree="$cache/qemu-10.0.2/patched"
build="$cache/qemu-10.0.2/build"
libstage="$cache/qemu-10.0.2/barrierclient"

log() { echo "build-qemu: $*"; }

[ -x "$venv/bin/python3" ] || { log "no $venv; run scripts/setup-deps.sh first" >&2; exit 1; }
# One build at a time: concurrent runs (parallel test sessions) would patch
# and compile the same tree under each other.
mkdir -p "$cache"
exec 9>"$cache/qemu-10.0.2.lock"
flock 9
src=$("$here/scripts/fetch-qemu.sh")

# 1. The library, staged with its header and .pc.
if [ -n "${BARRIERCLIENT_LIB:-}" ]; then
    stage=$(cd "$BARRIERCLIENT_LIB" && pwd)
    log "using the library staged in $stage"
else
    if [ ! -x "$here/scripts/build-lib.sh" ]; then
        log "scripts/build-lib.sh is missing; set BARRIERCLIENT_LIB to a staged library" >&2
        exit 1
    fi
    make -C "$here" lib
    stage="$here/build/lib"
fi
for f in lib/libbarrierclient.so include/barrierclient.h; do
    [ -f "$stage/$f" ] || { log "no $stage/$f" >&2; exit 1; }
done
# Copied only when changed: mtimes stay, so ninja recompiles the shim only
# when the header really changed.
install -d "$libstage/lib/pkgconfig" "$libstage/include"
cmp -s "$stage/lib/libbarrierclient.so" "$libstage/lib/libbarrierclient.so" ||
    install -m 755 "$stage/lib/libbarrierclient.so" "$libstage/lib/libbarrierclient.so"
cmp -s "$stage/include/barrierclient.h" "$libstage/include/barrierclient.h" ||
    install -m 644 "$stage/include/barrierclient.h" "$libstage/include/barrierclient.h"
version=$(sed -n 's/^Version: *//p' "$stage/lib/pkgconfig/barrierclient.pc" 2>/dev/null || true)
sed -e "s|@PREFIX@|$libstage|" -e "s|@VERSION@|${version:-0}|" "$here/barrierclient.pc.in" \
    >"$libstage/lib/pkgconfig/barrierclient.pc.new"
cmp -s "$libstage/lib/pkgconfig/barrierclient.pc.new" "$libstage/lib/pkgconfig/barrierclient.pc" &&
    rm "$libstage/lib/pkgconfig/barrierclient.pc.new" ||
    mv "$libstage/lib/pkgconfig/barrierclient.pc.new" "$libstage/lib/pkgconfig/barrierclient.pc"
pcdir="$libstage/lib/pkgconfig"

# 2. The patched tree, redone when qemu-patch/ changes.
patches=("$here"/qemu-patch/*.patch)
[ -f "${patches[0]}" ] || { log "no patches in qemu-patch/" >&2; exit 1; }
hash=$(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$tree/.patched" 2>/dev/null)" != "$hash" ]; then
    log "applying ${#patches[@]} patches to a fresh copy of $src"
    # Files touched by the old or the new series get a new mtime, so that
    # ninja rebuilds them even when they went back to their pristine text.
    touched=$( (cat "$tree/.patched-files" 2>/dev/null || true
                sed -n 's#^\(---\|+++\) [ab]/\([^[:space:]]*\).*#\2#p' "${patches[@]}") |
              sort -u)
    rm -rf "$tree.new"
    cp -a "$src" "$tree.new"
    rm -f "$tree.new/.unpacked"
    for p in "${patches[@]}"; do
        patch -p1 -s -f --no-backup-if-mismatch -d "$tree.new" <"$p" ||
            { log "$(basename "$p") does not apply" >&2; exit 1; }
    done
    (cd "$tree.new" && for f in $touched; do [ -e "$f" ] && touch "$f"; done; true)
    echo "$touched" >"$tree.new/.patched-files"
    echo "$hash" >"$tree.new/.patched"
    rm -rf "$tree"
    mv "$tree.new" "$tree"
fi

# 3. Configure once per set of flags, then build incrementally.
flags=(--python="$venv/bin/python3" --target-list=x86_64-softmmu
       --without-default-features --disable-docs --enable-slirp --enable-gnutls
       --enable-pixman --enable-vnc --disable-werror --disable-download
       --disable-install-blobs --enable-barrierclient "$@")
config_id=$(printf '%s\n' "${flags[@]}" "$pcdir" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$build/.configured" 2>/dev/null)" != "$config_id" ] ||
   [ ! -f "$build/build.ninja" ]; then
    log "configuring in $build"
    rm -rf "$build"
    mkdir -p "$build"
    (cd "$build" && PKG_CONFIG_PATH="$pcdir" "$tree/configure" "${flags[@]}" \
        >configure.log 2>&1) ||
        { tail -30 "$build/configure.log" >&2; log "configure failed, see $build/configure.log" >&2; exit 1; }
    echo "$config_id" >"$build/.configured"
fi
PKG_CONFIG_PATH="$pcdir" ninja -C "$build" qemu-system-x86_64

mkdir -p "$here/build"
ln -sfn "$build/qemu-system-x86_64" "$here/build/qemu-system-x86_64"
log "build/qemu-system-x86_64 -> $build/qemu-system-x86_64 (library: $stage)"
log "took $(( $(date +%s) - start )) s"
