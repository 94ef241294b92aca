#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A git tree to edit the QEMU patch series in, and the way back to qemu-patch/.
#
#   scripts/patch-tree.sh init     $cache/qemu-10.0.2/patch-tree: the files the
#                                  series touches, from the pristine source
#                                  (tag "pristine"), then one commit per patch
#                                  (git am); replaces an earlier tree
#   scripts/patch-tree.sh export   qemu-patch/*.patch from the commits after
#                                  "pristine", one per existing file, in order
#                                  (file names kept, subjects "[PATCH n/N]")
#
# Edit with `git commit --amend` / `git rebase -i pristine` in the tree, export,
# then scripts/build-qemu.sh. Needs scripts/fetch-qemu.sh's pristine source.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
src=$cache/qemu-10.0.2/src
tree=$cache/qemu-10.0.2/patch-tree
patches=("$here"/qemu-patch/*.patch)

init() {
    [ -d "$src" ] || "$here/scripts/fetch-qemu.sh" >&2
    rm -rf "$tree"
    mkdir -p "$tree"
    # every path the series reads or writes that the pristine tree has
    sed -n 's#^\(---\|+++\) [ab]/\([^[:space:]]*\).*#\2#p' "${patches[@]}" | sort -u |
        while read -r f; do
            if [ -f "$src/$f" ]; then
                mkdir -p "$tree/$(dirname "$f")"
                cp "$src/$f" "$tree/$f"
            fi
        done
    git -C "$tree" init -q
    git -C "$tree" add -A
    git -C "$tree" -c user.name=pristine -c user.email=pristine@invalid commit -q -m "QEMU 10.0.2 (touched files)"
    git -C "$tree" tag pristine
    git -C "$tree" -c user.name=barrierclient -c user.email=dev@barrierclient.invalid am -q "${patches[@]}"
    echo "patch-tree: $tree ($(git -C "$tree" rev-list --count pristine..HEAD) commits on pristine)"
}

export_series() {
    mapfile -t commits < <(git -C "$tree" rev-list --reverse pristine..HEAD)
    local n=${#commits[@]}
    if [ "$n" != "${#patches[@]}" ]; then
        echo "patch-tree: $n commits but ${#patches[@]} files in qemu-patch/: rename or add the files first" >&2
        exit 1
    fi
    local i out
    for i in "${!commits[@]}"; do
        out=${patches[$i]}
        git -C "$tree" format-patch -1 --stdout --subject-prefix="PATCH $((i + 1))/$n" \
            --no-signature "${commits[$i]}" >"$out.new"
        # the commit hash and blob indexes change on every amend: compare without them
        if cmp -s <(grep -vE '^(From [0-9a-f]{40} |index [0-9a-f]+\.\.)' "$out.new") \
                  <(grep -vE '^(From [0-9a-f]{40} |index [0-9a-f]+\.\.)' "$out"); then
            rm "$out.new"
        else
            mv "$out.new" "$out"
            echo "patch-tree: updated $(basename "$out")"
        fi
    done
}

case ${1:-} in
    init) init ;;
    export) export_series ;;
    *) echo "usage: $0 init|export" >&2; exit 2 ;;
esac
