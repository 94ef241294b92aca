#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetches a QEMU source that Debian ships with `apt-get source`, checks its
# sha256 and unpacks it once under the cache:
#   $BARRIERCLIENT_CACHE/qemu-<version>/src   (pristine, never patched in place)
# Prints the path of the unpacked tree.
#
#   scripts/fetch-qemu.sh [VERSION]     VERSION: 10.2.2 (default, unstable), 10.0.13
#                                       (trixie), 10.0.2 (bookworm-backports);
#                                       also taken from $QEMU_VERSION
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/qemu-versions.sh"
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
version=${1:-${QEMU_VERSION:-$QEMU_DEFAULT_VERSION}}
qemu_version_info "$version" || exit 1
tarball=qemu_${version}+ds.orig.tar.xz
dir="$cache/qemu-$version"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

# apt-get source needs deb-src entries for the suites of every known version;
# only source indexes: no binary package comes from trixie or unstable.
sources_file=/etc/apt/sources.list.d/barrierclient-src.sources
sources_text="Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates unstable
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

mkdir -p "$dir"
# The test and the full build of a version may fetch at the same time.
exec 8>"$dir/.fetch.lock"
flock 8
if [ ! -f "$dir/$tarball" ]; then
    if ! apt-cache showsrc qemu 2>/dev/null | grep -qxF "Version: $debian_version"; then
        if [ "$(cat "$sources_file" 2>/dev/null)" != "$sources_text" ]; then
            echo "fetch-qemu: deb-src entries for $suites in $sources_file" >&2
            echo "$sources_text" | $sudo tee "$sources_file" >/dev/null
        fi
        $sudo apt-get update -qq
    fi
    tmp=$(mktemp -d "$dir/download.XXXXXX")
    # The .dsc/.debian.tar.xz of a version may be gone from the mirror; the
    # orig tarball is all we need, so apt's complaints about the rest are ignored.
    (cd "$tmp" && apt-get source --download-only "qemu=$debian_version" >/dev/null 2>&1 || true)
    [ -f "$tmp/$tarball" ] || { echo "fetch-qemu: apt-get source did not deliver $tarball (qemu=$debian_version from $suites)" >&2; exit 1; }
    mv "$tmp/$tarball" "$dir/$tarball"
    rm -rf "$tmp"
fi

actual=$(sha256sum "$dir/$tarball" | cut -d' ' -f1)
if [ "$actual" != "$sha256" ]; then
    echo "fetch-qemu: $tarball has sha256 $actual, expected $sha256" >&2
    exit 1
fi

if [ ! -f "$dir/src/.unpacked" ]; then
    rm -rf "$dir/src" && mkdir -p "$dir/src"
    tar -xJf "$dir/$tarball" -C "$dir/src" --strip-components=1
    touch "$dir/src/.unpacked"
fi
# The +ds tarball lacks prebuilt files that meson's configure wants present:
# the edk2 firmware (pc-bios/meson.build's list) and, from 10.2 on, the
# device trees when dtc is not installed (pc-bios/dtb/meson.build installs
# them even with --disable-install-blobs).  Empty stand-ins.
sed -n "/fds = \[/,/\]/ s/.*'\(edk2-[^']*\.fd\)'.*/\1/p" "$dir/src/pc-bios/meson.build" |
    while read -r f; do
        [ -e "$dir/src/pc-bios/$f.bz2" ] || bzip2 -c </dev/null >"$dir/src/pc-bios/$f.bz2"
    done
if [ -f "$dir/src/pc-bios/dtb/meson.build" ]; then
    sed -n "/^dtbs = \[/,/\]/ s/.*'\([^']*\.dtb\)'.*/\1/p" "$dir/src/pc-bios/dtb/meson.build" |
        while read -r f; do
            [ -e "$dir/src/pc-bios/dtb/$f" ] || : >"$dir/src/pc-bios/dtb/$f"
        done
fi
echo "$dir/src"
