#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The input-barrier object is source code: qemu-patch/src/ui/input-barrier*.c
# and .h, compiled, read and grepped as code.  Each series carries them in its
# client patch; this script keeps the series made from them.
#
#   scripts/qemu-series.sh generate   for each series (qemu-patch/ on 10.2.2,
#                                     qemu-patch/10.0/ on 10.0.13): a patch
#                                     tree (scripts/patch-tree.sh init), the
#                                     source files put in it and folded into
#                                     the client patch, the series exported
#   scripts/qemu-series.sh check      fails when a committed series does not
#                                     give the source files byte for byte
#                                     (make test runs it)
#
# Edit the files under qemu-patch/src/, then `generate`; what differs between
# QEMU versions (build and QAPI context, MAINTAINERS, the compat array) stays
# in each series' own patches, edited with scripts/patch-tree.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/qemu-versions.sh"
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
src_dir=$here/qemu-patch/src
# the version each series is made against
versions=(10.2.2 10.0.13)
client_subject="ui/input-barrier: a client built on libbarrierclient"

sources() {
    (cd "$src_dir" && find . -type f | sed 's#^\./##' | sort)
}

generate() {
    local version tree commit log
    for version in "${versions[@]}"; do
        log=$(mktemp)
        "$here/scripts/patch-tree.sh" init "$version" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
        rm -f "$log"
        tree=$cache/qemu-$version/patch-tree
        while read -r f; do
            cp "$src_dir/$f" "$tree/$f"
        done < <(sources)
        if [ -n "$(git -C "$tree" status --porcelain)" ]; then
            commit=$(git -C "$tree" log --format=%H -F --grep="$client_subject" -1 pristine..HEAD)
            git -C "$tree" add -A
            git -C "$tree" -c user.name=barrierclient -c user.email=dev@barrierclient.invalid \
                commit -q --fixup="$commit"
            GIT_SEQUENCE_EDITOR=true git -C "$tree" -c user.name=barrierclient \
                -c user.email=dev@barrierclient.invalid rebase -q -i --autosquash pristine
        fi
        "$here/scripts/patch-tree.sh" export "$version"
    done
}

check() {
    local version series src work p rc=0
    for version in "${versions[@]}"; do
        qemu_version_info "$version"
        src=$("$here/scripts/fetch-qemu.sh" "$version")
        series=$(qemu_series_dir "$here" "$version")
        work=$(mktemp -d)
        mapfile -t base < <(qemu_base_patches "$here" "$version")
        mapfile -t patches < <(qemu_series_patches "$series")
        # the files the series touches, from the pristine source, then the series
        qemu_copy_touched "$src" "$work" "${base[@]}" "${patches[@]}"
        for p in "${base[@]}" "${patches[@]}"; do
            patch -p1 -s -f --no-backup-if-mismatch -d "$work" <"$p" >/dev/null ||
                { echo "qemu-series: ${p#"$here"/} does not apply to QEMU $version"; rc=1; }
        done
        while read -r f; do
            if ! cmp -s "$src_dir/$f" "$work/$f"; then
                echo "qemu-series: ${series#"$here"/} is stale: its $f differs from qemu-patch/src/$f" \
                     "(run scripts/qemu-series.sh generate)"
                rc=1
            fi
        done < <(sources)
        rm -rf "$work"
        [ $rc = 0 ] && echo "qemu-series: ${series#"$here"/} (QEMU $version) gives qemu-patch/src/ byte for byte"
    done
    return $rc
}

case ${1:-} in
    generate) generate ;;
    check) check ;;
    *) echo "usage: $0 generate|check" >&2; exit 2 ;;
esac
