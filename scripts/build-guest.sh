#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The test guest of the guest-level end-to-end tests (Tests/e2e/test_guest.py):
# Debian's kernel with the input drivers as modules, busybox-static, and
# Tests/e2e/guest/evdev-reader.c as an initramfs whose /init prints every
# evdev event on the serial console.  With `bcdisplay` on the kernel command
# line /init also loads the display drivers and starts
# Tests/e2e/guest/display-ctl.c on ttyS1, which sets display modes on
# command (Tests/e2e/harness/display.py).  Prints the directory that holds
# vmlinux and initrd.gz:
#
#   $cache/guest-<hash of the inputs>/{vmlinux,initrd.gz,inputs}
#
# vmlinux is the kernel uncompressed (the xz payload of Debian's bzImage):
# QEMU boots it through its PVH entry point, which saves the 5 s that
# decompressing the kernel takes under TCG.
#
# Inputs: the kernel package linux-image-amd64 depends on (apt-get download
# + dpkg-deb -x: nothing is installed, no initramfs hook runs), the installed
# busybox-static, the reader, display-ctl and init sources, this script.
# A second run with the same inputs only prints the directory.  Needs what
# scripts/setup-deps.sh installs (busybox-static, cpio, gcc, binutils).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
guest_src=$here/Tests/e2e/guest
downloads=$cache/downloads

# Modules the guest loads (their dependencies come first, read from each
# module's .modinfo): evdev; virtio-input over PCI; USB HID behind xHCI; the
# PS/2 mouse (the keyboard's atkbd is built in), told to speak ImExPS/2
# (wheel and horizontal wheel) at once instead of probing every protocol.
modules=(evdev virtio_input virtio_pci xhci_pci usbhid hid_generic psmouse)
declare -A params=([psmouse]="proto=exps")
# Loaded only with bcdisplay on the kernel command line (after the modules
# above): DRM/KMS for QEMU's VGA/bochs-display (bochs-drm) and virtio-vga /
# virtio-gpu-pci (virtio_gpu), each with the kernel's fbdev console.
display_modules=(bochs virtio_gpu)

log() { echo "build-guest: $*" >&2; }

mkdir -p "$cache" "$downloads"
exec 9>"$cache/guest.lock"
flock 9

kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1
}
kernel_pkg=$(kernel_package)
if [ -z "$kernel_pkg" ]; then
    # a machine whose package lists were never fetched
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq >&2 || true
    kernel_pkg=$(kernel_package)
fi
[ -n "$kernel_pkg" ] || { log "apt-cache knows no linux-image-amd64"; exit 1; }
kernel_version=$(apt-cache policy "$kernel_pkg" | sed -n 's/^ *Candidate: //p')
busybox_version=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null) ||
    { log "busybox-static is not installed (scripts/setup-deps.sh)"; exit 1; }

hash=$( { echo "$kernel_pkg $kernel_version busybox-static $busybox_version"
          echo "${modules[*]}" "${params[*]}" "display: ${display_modules[*]}"
          cat "$0" "$guest_src/init" "$guest_src/evdev-reader.c" "$guest_src/display-ctl.c"; } | sha256sum | cut -c1-16)
out=$cache/guest-$hash
if [ -f "$out/initrd.gz" ] && [ -f "$out/vmlinux" ]; then
    echo "$out"
    exit 0
fi
start=$(date +%s)

# 1. The kernel package, kept while it is the current one.
deb=$(ls "$downloads/${kernel_pkg}_"*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
    log "downloading $kernel_pkg $kernel_version"
    rm -f "$downloads"/linux-image-*.deb
    # (as root apt warns that it downloads unsandboxed: only failures are shown)
    if ! out_log=$(cd "$downloads" && apt-get download -q "$kernel_pkg" 2>&1); then
        log "apt-get download $kernel_pkg failed: $out_log"
        exit 1
    fi
    deb=$(ls "$downloads/${kernel_pkg}_"*.deb | head -1)
fi

work=$(mktemp -d "$cache/guest-build.XXXXXX")
trap 'rm -rf "$work" "$out.new"' EXIT
dpkg-deb -x "$deb" "$work/pkg"
moddir=$(echo "$work"/pkg/lib/modules/*)

# 2. Module files by name ('-' and '_' are the same in module names), and
#    the load order: every module after what its .modinfo says it depends on.
declare -A path_of
while IFS= read -r f; do
    name=$(basename "$f" .ko)
    path_of[${name//-/_}]=${f#"$moddir/"}
done < <(find "$moddir/kernel" -name '*.ko')
declare -A placed
order=()
place() {
    local m=$1 dep deps
    [ -n "${placed[$m]:-}" ] && return
    [ -n "${path_of[$m]:-}" ] || { log "no module $m in $kernel_pkg"; exit 1; }
    deps=$(readelf -p .modinfo "$moddir/${path_of[$m]}" | sed -n 's/.*depends=//p')
    for dep in ${deps//,/ }; do
        place "${dep//-/_}"
    done
    placed[$m]=1
    order+=("$m")
}
for m in "${modules[@]}"; do
    place "$m"
done
input_order=("${order[@]}")
# the display modules' own order: what the input modules loaded is not again
order=()
for m in "${display_modules[@]}"; do
    place "$m"
done
display_order=("${order[@]}")

# 3. The initramfs.
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp /bin/busybox "$root/bin/busybox"
install -m 755 "$guest_src/init" "$root/init"
gcc -static -O2 -Wall -Wextra -Werror -o "$root/evdev-reader" "$guest_src/evdev-reader.c"
gcc -static -O2 -Wall -Wextra -Werror -o "$root/display-ctl" "$guest_src/display-ctl.c"
pack_module() {  # module order-file
    mkdir -p "$root/lib/modules/$(dirname "${path_of[$1]}")"
    cp "$moddir/${path_of[$1]}" "$root/lib/modules/${path_of[$1]}"
    echo "${path_of[$1]} ${params[$1]:-}" >>"$root/$2"
}
for m in "${input_order[@]}"; do
    pack_module "$m" modules.order
done
for m in "${display_order[@]}"; do
    pack_module "$m" display-modules.order
done
mkdir -p "$out.new"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.new/initrd.gz"
bzimage=$(echo "$work"/pkg/boot/vmlinuz-*)
offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bzimage" | head -1 | cut -d: -f1 || true)
[ -n "$offset" ] || { log "no xz payload in $bzimage"; exit 1; }
# (xz stops reading at the end of its stream: tail's SIGPIPE is expected)
{ tail -c +$((offset + 1)) "$bzimage" || true; } | xz -dc --single-stream >"$out.new/vmlinux"
[ "$(head -c 4 "$out.new/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
    { log "the payload of $bzimage is no ELF kernel"; exit 1; }
{ echo "kernel: $kernel_pkg $kernel_version"
  echo "busybox-static: $busybox_version"
  echo "modules: ${input_order[*]}"
  echo "display modules (bcdisplay): ${display_order[*]}"; } >"$out.new/inputs"
rm -rf "$out"
mv "$out.new" "$out"
# earlier guests are of no further use
for old in "$cache"/guest-*; do
    [ "$old" = "$out" ] || [ ! -f "$old/inputs" ] || rm -rf "$old"
done
log "$out ($(du -sh "$out" | cut -f1), $(( $(date +%s) - start )) s)"
echo "$out"
