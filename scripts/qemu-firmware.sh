#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Puts the firmware an x86 QEMU installs into a QEMU tree's pc-bios/ (the +ds
# source tarball has none), from Debian 12's packages:
#   SeaBIOS and its VGA BIOSes     seabios            /usr/share/seabios
#   NIC boot ROMs (efi-, pxe-)     ipxe-qemu          /usr/lib/ipxe/qemu
#   option ROMs (linuxboot_dma, kvmvapic, pvh, multiboot), qboot
#                                  qemu-system-data   /usr/share/qemu (7.2's;
#                                  their interfaces to QEMU have not changed)
#   UEFI (edk2-x86_64-code, -secure-code, edk2-i386-vars)
#                                  ovmf               /usr/share/OVMF (4M builds)
# Every other blob pc-bios/meson.build lists (other architectures' firmware)
# that the source lacks
# gets an empty stand-in, so that `meson install` runs; scripts/install-qemu.sh
# leaves empty files and the firmware descriptors that name them out.
# Idempotent: a blob already there is kept.
#
#   scripts/qemu-firmware.sh TREE/pc-bios
set -euo pipefail

dir=${1:?usage: qemu-firmware.sh QEMU-TREE/pc-bios}
[ -f "$dir/meson.build" ] || { echo "qemu-firmware: $dir has no meson.build" >&2; exit 1; }

# The blobs = [ ... ] list of pc-bios/meson.build.
mapfile -t blobs < <(sed -n "/^blobs = \[/,/^\]/ s/^ *'\([^']*\)',*$/\1/p" "$dir/meson.build")
[ ${#blobs[@]} -gt 10 ] || { echo "qemu-firmware: no blobs list in $dir/meson.build" >&2; exit 1; }
x86_roms=" kvmvapic.bin linuxboot.bin linuxboot_dma.bin multiboot.bin multiboot_dma.bin pvh.bin qboot.rom bios-microvm.bin "
filled=0 stubs=()
for b in "${blobs[@]}"; do
    [ -e "$dir/$b" ] && continue
    found=""
    for d in /usr/share/seabios /usr/lib/ipxe/qemu; do
        if [ -s "$d/$b" ]; then found="$d/$b"; break; fi
    done
    if [ -z "$found" ] && [[ $x86_roms == *" $b "* ]] && [ -s "/usr/share/qemu/$b" ]; then
        found="/usr/share/qemu/$b"
    fi
    if [ -n "$found" ]; then
        cp -L "$found" "$dir/$b"
        filled=$((filled + 1))
    else
        : >"$dir/$b"
        stubs+=("$b")
    fi
done

# UEFI: fetch-qemu.sh left empty .bz2 stand-ins; OVMF's 4 MiB builds replace
# the x86 ones (QEMU's descriptors pair x86_64-code with i386-vars).
uefi() {
    local name=$1 from=$2
    [ -f "$from" ] || { echo "qemu-firmware: no $from (apt-get install ovmf)" >&2; exit 1; }
    if [ ! -s "$dir/$name.bz2" ] || [ "$(bzip2 -dc "$dir/$name.bz2" | wc -c)" = 0 ]; then
        bzip2 -9 -c "$from" >"$dir/$name.bz2"
        filled=$((filled + 1))
    fi
}
uefi edk2-x86_64-code.fd /usr/share/OVMF/OVMF_CODE_4M.fd
uefi edk2-x86_64-secure-code.fd /usr/share/OVMF/OVMF_CODE_4M.secboot.fd
uefi edk2-i386-vars.fd /usr/share/OVMF/OVMF_VARS_4M.fd

# What a pc/q35 guest cannot start without must be real.
for b in bios-256k.bin vgabios-stdvga.bin vgabios-virtio.bin efi-virtio.rom efi-e1000e.rom \
         kvmvapic.bin linuxboot_dma.bin; do
    [ -s "$dir/$b" ] || { echo "qemu-firmware: $b is missing (apt-get install seabios ipxe-qemu qemu-system-data)" >&2; exit 1; }
done
echo "qemu-firmware: $dir: $filled copied${stubs:+, empty stand-ins for ${stubs[*]}}" >&2
