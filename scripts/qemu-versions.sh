# SPDX-License-Identifier: GPL-2.0-or-later
# The QEMU versions the scripts know, sourced by fetch-qemu.sh, build-qemu.sh
# and patch-tree.sh.  One line per version: the Debian source version that
# `apt-get source` fetches, the sha256 of its orig tarball, and the Debian
# suites whose deb-src entries carry it.
#
#   qemu_version_info VERSION     sets debian_version, sha256, suites
#   qemu_series_dir HERE VERSION  the patch series for VERSION:
#                                 $BARRIERCLIENT_QEMU_PATCHES if set, else
#                                 qemu-patch/<major.minor>/ if it exists,
#                                 else qemu-patch/ (made for 10.2)
#   qemu_series_patches DIR       its patches, in order, without the cover
#                                 letter (0000-*)
#   qemu_copy_touched SRC DEST PATCH...  copies from the QEMU tree SRC to
#                                 DEST every file the patches read or write
#                                 that SRC has
#   qemu_base_patches HERE VERSION   what goes before the series on this
#                                 version: the 10.0 series is made against
#                                 10.0.13, and 10.0.2 first gets the two
#                                 stable fixes of the old client it lacks
QEMU_DEFAULT_VERSION=10.2.2

qemu_version_info() {
    case $1 in
    10.0.2)
        debian_version="1:10.0.2+ds-2+deb13u1~bpo12+1"
        sha256=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1
        suites="bookworm-backports" ;;
    10.0.13)
        debian_version="1:10.0.13+ds-0+deb13u1"
        sha256=6a0888e806c2ffc0c5f0733e974f9aea55491950d3c47c98669c8b236dde59ae
        suites="trixie trixie-security" ;;
    10.2.2)
        debian_version="1:10.2.2+ds-1"
        sha256=be05230fe47a6937cd29f28f562932c8125f9c93c2a82c625198f7a4aa601dfb
        suites="unstable" ;;
    *)
        echo "unknown QEMU version '$1' (known: 10.0.2 10.0.13 10.2.2; scripts/qemu-versions.sh)" >&2
        return 1 ;;
    esac
}

qemu_series_dir() {
    local here=$1 version=$2 minor
    if [ -n "${BARRIERCLIENT_QEMU_PATCHES:-}" ]; then
        (cd "$BARRIERCLIENT_QEMU_PATCHES" && pwd)
        return
    fi
    minor=$(echo "$version" | cut -d. -f1-2)
    if [ -d "$here/qemu-patch/$minor" ]; then
        echo "$here/qemu-patch/$minor"
    else
        echo "$here/qemu-patch"
    fi
}

qemu_copy_touched() {
    local src=$1 dest=$2 f
    shift 2
    sed -n 's#^\(---\|+++\) [ab]/\([^[:space:]]*\).*#\2#p' "$@" | sort -u |
        while read -r f; do
            if [ -f "$src/$f" ]; then
                mkdir -p "$dest/$(dirname "$f")"
                cp "$src/$f" "$dest/$f"
            fi
        done
}

qemu_series_patches() {
    local p
    for p in "$1"/*.patch; do
        case ${p##*/} in 0000-*) ;; *) [ -f "$p" ] && echo "$p" ;; esac
    done
}

qemu_base_patches() {
    local dir
    [ -n "${BARRIERCLIENT_QEMU_PATCHES:-}" ] && return
    dir=$1/qemu-patch/$(echo "$2" | cut -d. -f1-2)/$2
    if [ -d "$dir" ]; then
        qemu_series_patches "$dir"
    fi
}
