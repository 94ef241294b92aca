#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds qemu-system-x86_64 with the input-barrier object backed by
# libbarrierclient.  Run scripts/setup-deps.sh once before.
#
#   scripts/build-qemu.sh [--qemu-version V] [--full] [configure flags...]
#
# V is 10.2.2 (the default), 10.0.13 or 10.0.2 (scripts/qemu-versions.sh);
# $QEMU_VERSION gives it too.  The series is qemu-patch/*.patch for 10.2 and
# qemu-patch/10.0/*.patch for 10.0 (after qemu-patch/10.0/10.0.2/ on 10.0.2),
# without the cover letter ($BARRIERCLIENT_QEMU_PATCHES: another directory
# of *.patch).
#
# The test build (default): a stripped configuration (no KVM, no firmware),
# left at build/qemu-V/qemu-system-x86_64 and, for the default version, at
# build/qemu-system-x86_64 (symlinks into the cache).
#
# --full: what a VFIO desktop needs (KVM, VFIO, VNC, SPICE, USB with
# redirection, virtio/vhost, virtfs, audio, TPM, seccomp, slirp, gnutls, the
# tools and the firmware), left at build/qemu-V-full/qemu-system-x86_64;
# installs its apt packages first (scripts/setup-deps.sh --full).  It has
# its own tree, build directory, library copy and lock (-full suffix), so it
# neither waits for nor disturbs the test build.  scripts/install-qemu.sh
# installs it.
#
#   $cache/qemu-V/src          pristine tree (scripts/fetch-qemu.sh)
#   $cache/qemu-V/patched      copy of it with the series applied; redone only
#                              when the series changes
#   $cache/qemu-V/build        QEMU build directory (incremental)
#   $cache/qemu-V/barrierclient   the library QEMU is built against and finds
#                              at run time (rpath); a stable copy so that a
#                              new library rebuilds only the shim
#
# The library comes from `make lib` (build/lib), or from the staged prefix
# named by BARRIERCLIENT_LIB (a directory holding lib/libbarrierclient.so,
# include/barrierclient.h).
set -euo pipefail

start=$(date +%s)
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/qemu-versions.sh"
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
venv="$cache/venv"

log() { echo "build-qemu: $*"; }

version=${QEMU_VERSION:-$QEMU_DEFAULT_VERSION}
full=0
extra=()
while [ $# -gt 0 ]; do
    case $1 in
    --qemu-version) version=${2:?--qemu-version needs a version}; shift 2 ;;
    --qemu-version=*) version=${1#*=}; shift ;;
    --full) full=1; shift ;;
    *) extra+=("$1"); shift ;;
    esac
done
qemu_version_info "$version" || exit 1

kind=""
if [ "$full" = 1 ]; then
    kind=-full
    "$here/scripts/setup-deps.sh" --full
fi
tree="$cache/qemu-$version/patched$kind"
build="$cache/qemu-$version/build$kind"
libstage="$cache/qemu-$version/barrierclient$kind"
out="$here/build/qemu-$version$kind"

[ -x "$venv/bin/python3" ] || { log "no $venv; run scripts/setup-deps.sh first" >&2; exit 1; }
# One build of a version at a time: concurrent runs (parallel test sessions)
# would patch and compile the same tree under each other.
mkdir -p "$cache"
exec 9>"$cache/qemu-$version$kind.lock"
flock 9
src=$("$here/scripts/fetch-qemu.sh" "$version")

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
libversion=$(sed -n 's/^Version: *//p' "$stage/lib/pkgconfig/barrierclient.pc" 2>/dev/null || true)
sed -e "s|@PREFIX@|$libstage|" -e "s|@VERSION@|${libversion:-0}|" "$here/barrierclient.pc.in" \
    >"$libstage/lib/pkgconfig/barrierclient.pc.new"
cmp -s "$libstage/lib/pkgconfig/barrierclient.pc.new" "$libstage/lib/pkgconfig/barrierclient.pc" &&
    rm "$libstage/lib/pkgconfig/barrierclient.pc.new" ||
    mv "$libstage/lib/pkgconfig/barrierclient.pc.new" "$libstage/lib/pkgconfig/barrierclient.pc"
pcdir="$libstage/lib/pkgconfig"

# 2. The patched tree, redone when the series changes.
series=$(qemu_series_dir "$here" "$version")
mapfile -t patches < <(qemu_base_patches "$here" "$version"; qemu_series_patches "$series")
[ ${#patches[@]} -gt 0 ] || { log "no patches in $series" >&2; exit 1; }
hash=$(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$tree/.patched" 2>/dev/null)" != "$hash" ]; then
    log "applying ${#patches[@]} patches of $series to a fresh copy of $src"
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
            { log "$(basename "$p") does not apply to QEMU $version" >&2; exit 1; }
    done
    (cd "$tree.new" && for f in $touched; do [ -e "$f" ] && touch "$f"; done; true)
    echo "$touched" >"$tree.new/.patched-files"
    echo "$hash" >"$tree.new/.patched"
    rm -rf "$tree"
    mv "$tree.new" "$tree"
fi

# 3. Configure once per set of flags, then build incrementally.
common=(--python="$venv/bin/python3" --target-list=x86_64-softmmu --disable-docs
        --disable-werror --disable-download --enable-barrierclient)
if [ "$full" = 1 ]; then
    # The firmware: the +ds tarball has none; Debian's packages have it
    # (scripts/setup-deps.sh --full installs them).
    "$here/scripts/qemu-firmware.sh" "$tree/pc-bios"
    # Default features (whatever this machine has) plus, required, what a
    # desktop with a passed-through GPU needs.  Relocatable: it runs from
    # wherever scripts/install-qemu.sh puts it.
    flags=("${common[@]}" --prefix=/opt/barrierclient --disable-rust --disable-guest-agent
           --enable-kvm --enable-vnc --enable-vnc-jpeg --enable-png --enable-spice
           --enable-spice-protocol --enable-libusb --enable-usb-redir --enable-slirp
           --enable-gnutls --enable-pixman --enable-virtfs --enable-attr --enable-cap-ng
           --enable-seccomp --enable-linux-aio --enable-linux-io-uring --enable-numa
           --enable-zstd --enable-tpm --enable-vhost-net --enable-vhost-user
           --enable-vhost-kernel --enable-pa --enable-alsa --enable-pipewire --enable-tools
           "${extra[@]}")
    targets=()          # everything `meson install` installs
else
    flags=("${common[@]}" --without-default-features --enable-slirp --enable-gnutls
           --enable-pixman --enable-vnc --disable-install-blobs "${extra[@]}")
    targets=(qemu-system-x86_64)
fi
config_id=$(printf '%s\n' "${flags[@]}" "$pcdir" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$build/.configured" 2>/dev/null)" != "$config_id" ] ||
   [ ! -f "$build/build.ninja" ]; then
    log "configuring QEMU $version in $build"
    rm -rf "$build"
    mkdir -p "$build"
    (cd "$build" && PKG_CONFIG_PATH="$pcdir" "$tree/configure" "${flags[@]}" \
        >configure.log 2>&1) ||
        { tail -30 "$build/configure.log" >&2; log "configure failed, see $build/configure.log" >&2; exit 1; }
    echo "$config_id" >"$build/.configured"
fi
PKG_CONFIG_PATH="$pcdir" ninja -C "$build" "${targets[@]}"

mkdir -p "$out"
ln -sfn "$build/qemu-system-x86_64" "$out/qemu-system-x86_64"
log "${out#"$here/"}/qemu-system-x86_64 -> $build/qemu-system-x86_64 (QEMU $version, series $series, library: $stage)"
if [ "$full" = 0 ] && [ "$version" = "$QEMU_DEFAULT_VERSION" ]; then
    ln -sfn "$build/qemu-system-x86_64" "$here/build/qemu-system-x86_64"
    log "build/qemu-system-x86_64 -> $build/qemu-system-x86_64"
fi
log "took $(( $(date +%s) - start )) s"
