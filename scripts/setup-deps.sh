#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs everything the build, the demo and the tests need on a fresh Debian 12
# machine (apt and PyPI only), and nothing when it is all there already.
# Idempotent; safe to run as root or through sudo.
#   scripts/setup-deps.sh          what make test and make demo need
#   scripts/setup-deps.sh --full   that plus what the full QEMU build needs
#                                  (scripts/build-qemu.sh --full: make qemu-full)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

apt_packages=(
    # QEMU 10.0.2 build (see ../shared/guides/qemu-build.md)
    build-essential ninja-build libglib2.0-dev libpixman-1-dev flex bison
    python3-venv pkg-config libslirp-dev libfdt-dev libgnutls28-dev zlib1g-dev
    dpkg-dev xz-utils bzip2 seabios gnutls-bin
    # the real server and its headless desktop for end-to-end tests
    barrier xvfb xdotool xclip x11-utils openssl iproute2 procps
    # the SYN drop of the orphaned-connect test (Tests/e2e/test_orphan_connects.py)
    nftables
    # C API tests; the key tables' generators (scripts/check-generated.sh)
    valgrind xkb-data libxkbcommon0
    # the test guest of the guest-level tests (scripts/build-guest.sh; its
    # kernel is downloaded, not installed) and QEMU's option ROMs that boot it
    busybox-static cpio qemu-system-data
    # libvirt for Tests/e2e/test_libvirt.py (libvirtd started by the test itself)
    libvirt-daemon libvirt-clients libvirt-daemon-driver-qemu
    # the other servers, built from ../shared/servers by scripts/build-servers.sh
    cmake patch libssl-dev libx11-dev libxext-dev libxtst-dev libxrandr-dev
    libxinerama-dev libxi-dev libice-dev libsm-dev qt6-base-dev qt6-base-dev-tools
    libgl-dev libxkbfile-dev libxkbcommon-dev libxkbregistry-dev
)

# The full QEMU (scripts/build-qemu.sh --full) only: SPICE, USB and its
# redirection, VNC's JPEG/PNG, virtfs, seccomp, AIO, NUMA, zstd, audio, and
# the firmware it installs (SeaBIOS comes with the list above; iPXE's NIC
# ROMs, OVMF for UEFI guests; dtc for the device trees meson installs with
# the firmware); patchelf sets the installed binary's rpath.
apt_packages_full=(
    libspice-server-dev libspice-protocol-dev libusb-1.0-0-dev libusbredirparser-dev
    libjpeg-dev libpng-dev libcap-ng-dev libattr1-dev libseccomp-dev libaio-dev
    liburing-dev libnuma-dev libzstd-dev libpulse-dev libasound2-dev
    libpipewire-0.3-dev ipxe-qemu ovmf patchelf device-tree-compiler
)
if [ "${1:-}" = --full ]; then
    apt_packages+=("${apt_packages_full[@]}")
fi

missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup-deps: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

# A Python venv for QEMU's configure (meson, pycotap) and the test harness
# (pytest), reinstalled when scripts/requirements.txt changes.
venv="$cache/venv"
wanted=$(sha256sum "$here/scripts/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python3" ] || [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$wanted" ]; then
    echo "setup-deps: preparing $venv"
    mkdir -p "$cache"
    [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$here/scripts/requirements.txt"
    echo "$wanted" >"$venv/.requirements"
fi
