#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetches the QEMU 10.0.2 source that Debian ships in bookworm-backports with
# `apt-get source`, checks its sha256 and unpacks it once under the cache:
#   $BARRIERCLIENT_CACHE/qemu-10.0.2/src   (pristine, never patched in place)
# Prints the path of the unpacked tree.
set -euo pipefail

cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
version=10.0.2
debian_version="1:10.0.2+ds-2+deb13u1~bpo12+1"
tarball=qemu_${version}+ds.orig.tar.xz
sha256=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1
dir="$cache/qemu-$version"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

mkdir -p "$dir"
if [ ! -f "$dir/$tarball" ]; then
    if ! apt-cache showsrc qemu 2>/dev/null | grep -q "^Version: $debian_version"; then
        # apt-get source needs deb-src entries, bookworm-backports included.
        $sudo tee /etc/apt/sources.list.d/barrierclient-src.sources >/dev/null <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
        $sudo apt-get update -qq
    fi
    tmp=$(mktemp -d "$dir/download.XXXXXX")
    # The .dsc/.debian.tar.xz of this version may be gone from the mirror; the
    # orig tarball is all we need, so apt's complaints about the rest are ignored.
    (cd "$tmp" && apt-get source --download-only "qemu=$debian_version" >/dev/null 2>&1 || true)
    [ -f "$tmp/$tarball" ] || { echo "fetch-qemu: apt-get source did not deliver $tarball" >&2; exit 1; }
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
    # The +ds tarball lacks the prebuilt firmware meson expects.
    for f in aarch64-code arm-code arm-vars riscv-code riscv-vars i386-code \
             i386-secure-code i386-vars x86_64-code x86_64-secure-code \
             loongarch64-code loongarch64-vars; do
        bzip2 -c </dev/null >"$dir/src/pc-bios/edk2-$f.fd.bz2"
    done
    touch "$dir/src/.unpacked"
fi
echo "$dir/src"
