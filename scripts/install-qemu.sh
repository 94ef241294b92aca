#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the full QEMU (scripts/build-qemu.sh --full) and libbarrierclient
# under PREFIX, for libvirt's <emulator>PREFIX/bin/qemu-system-x86_64</emulator>:
#
#   PREFIX/bin/qemu-system-x86_64, qemu-img, qemu-nbd, qemu-io, ...
#   PREFIX/share/qemu/         firmware (SeaBIOS, iPXE, OVMF), keymaps, descriptors
#   PREFIX/lib/libbarrierclient.so, PREFIX/include, PREFIX/lib/pkgconfig
#   PREFIX/libexec/qemu-bridge-helper, ...
#
# The binaries find the firmware relative to themselves (QEMU's relocatable
# install) and the library through their rpath, set to PREFIX/lib.
#
#   scripts/install-qemu.sh PREFIX      ($DESTDIR is prepended to every path
#                                        written, not to the rpath)
# $QEMU_VERSION (default 10.2.2) picks the build.  Empty firmware stand-ins
# (other architectures) and the firmware descriptors that name files not
# installed are left out.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/qemu-versions.sh"
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
prefix=${1:?usage: install-qemu.sh PREFIX}
case $prefix in /*) ;; *) echo "install-qemu: PREFIX must be absolute" >&2; exit 2 ;; esac
version=${QEMU_VERSION:-$QEMU_DEFAULT_VERSION}
qemu_version_info "$version" || exit 1
build=$cache/qemu-$version/build-full
dest=${DESTDIR:-}$prefix
configured=/opt/barrierclient   # build-qemu.sh --full's --prefix

[ -f "$build/build.ninja" ] || { echo "install-qemu: no full build of QEMU $version; run scripts/build-qemu.sh --full" >&2; exit 1; }
command -v patchelf >/dev/null || { echo "install-qemu: patchelf missing; run scripts/setup-deps.sh --full" >&2; exit 1; }

# The library (its own install: lib, header, .pc).
"$here/scripts/build-lib.sh" embedded "$dest" >/dev/null

# QEMU, staged first (meson installs under the configured prefix), then moved.
exec 9>"$cache/qemu-$version-full.lock"
flock 9
stage=$(mktemp -d "${TMPDIR:-/tmp}/install-qemu.XXXXXX")
trap 'rm -rf "$stage"' EXIT
"$cache/venv/bin/meson" install -C "$build" --destdir "$stage" --quiet --no-rebuild
root=$stage$configured
find "$root/share/qemu" -type f -empty -delete
# Descriptors: point at PREFIX, and only at firmware that is there.
if [ -d "$root/share/qemu/firmware" ]; then
    for j in "$root"/share/qemu/firmware/*.json; do
        sed -i "s|$configured/share/qemu|$prefix/share/qemu|g" "$j"
        for f in $(sed -n 's|.*"filename": *"\([^"]*\)".*|\1|p' "$j"); do
            [ -s "$root/share/qemu/${f##*/}" ] || { rm "$j"; break; }
        done
    done
fi
mkdir -p "$dest"
cp -a "$root"/. "$dest"/
for exe in "$dest"/bin/qemu-system-x86_64; do
    patchelf --set-rpath "$prefix/lib" "$exe"
done

# What libvirt will run must work from there.
qemu=$dest/bin/qemu-system-x86_64
if [ -z "${DESTDIR:-}" ]; then
    "$qemu" -object input-barrier,help | grep -q 'name=' ||
        { echo "install-qemu: $qemu does not list input-barrier's properties" >&2; exit 1; }
    "$qemu" -accel help | grep -qx kvm ||
        { echo "install-qemu: $qemu has no kvm accelerator" >&2; exit 1; }
fi
echo "install-qemu: QEMU $version in $dest (emulator: $prefix/bin/qemu-system-x86_64, library: $prefix/lib)"
