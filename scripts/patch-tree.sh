#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A git tree to edit the QEMU patch series in, and the way back to the series.
#
#   scripts/patch-tree.sh init [VERSION]    $cache/qemu-VERSION/patch-tree: the
#                                  files the series touches, from the pristine
#                                  source (tag "pristine"), then one commit per
#                                  patch (git am); replaces an earlier tree.  A
#                                  patch that does not apply stops there with
#                                  its hunks that do applied and *.rej files for
#                                  the others: fix, `git add -A`,
#                                  `git am --continue`, then export
#   scripts/patch-tree.sh export [VERSION]  the series from the commits after
#                                  "pristine", one per existing file, in order
#                                  (file names kept, subjects "[PATCH n/N]"); into
#                                  an empty series directory, format-patch's names;
#                                  and the cover letter's count, shortlog and diffstat
#
# VERSION (default 10.2.2, or $QEMU_VERSION) picks the source and the series as
# scripts/build-qemu.sh does: qemu-patch/<major.minor>/ if it exists, else
# qemu-patch/, or $BARRIERCLIENT_QEMU_PATCHES.  The cover letter (0000-*) is
# left alone; a version's base patches (qemu-patch/10.0/10.0.2/) go into the
# "pristine" commit, as the series is made against their result.  Edit the 10.0
# series in the 10.0.13 tree: on 10.0.2, git am refuses patch 7's MAINTAINERS
# hunk (one line of context differs; build-qemu.sh's patch(1) takes it).
# Edit with `git commit --amend` / `git rebase -i pristine` in the tree, export,
# then scripts/build-qemu.sh. Needs scripts/fetch-qemu.sh's pristine source.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/qemu-versions.sh"
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
version=${2:-${QEMU_VERSION:-$QEMU_DEFAULT_VERSION}}
qemu_version_info "$version" || exit 1
src=$cache/qemu-$version/src
tree=$cache/qemu-$version/patch-tree
series=$(qemu_series_dir "$here" "$version")
mapfile -t patches < <(qemu_series_patches "$series")
mapfile -t base < <(qemu_base_patches "$here" "$version")

init() {
    [ ${#patches[@]} -gt 0 ] || { echo "patch-tree: no patches in $series" >&2; exit 1; }
    [ -f "$src/.unpacked" ] || "$here/scripts/fetch-qemu.sh" "$version" >/dev/null
    rm -rf "$tree"
    mkdir -p "$tree"
    qemu_copy_touched "$src" "$tree" "${base[@]}" "${patches[@]}"
    git -C "$tree" init -q
    for p in "${base[@]}"; do
        patch -p1 -s -f --no-backup-if-mismatch -d "$tree" <"$p"
    done
    git -C "$tree" add -A
    git -C "$tree" -c user.name=pristine -c user.email=pristine@invalid commit -q -m "QEMU $version (touched files)"
    git -C "$tree" tag pristine
    if ! git -C "$tree" -c user.name=barrierclient -c user.email=dev@barrierclient.invalid \
            am -q --reject "${patches[@]}"; then
        echo "patch-tree: $(git -C "$tree" am --show-current-patch=raw 2>/dev/null |
              sed -n 's/^Subject: //p' | head -1) does not apply to QEMU $version;" \
             "the hunks that failed are in $tree:" >&2
        (cd "$tree" && find . -name '*.rej' -printf '  %P\n') >&2
        echo "patch-tree: fix them, git add -A, git am --continue (in $tree), then export" >&2
        exit 1
    fi
    echo "patch-tree: $tree ($(git -C "$tree" rev-list --count pristine..HEAD) commits on QEMU $version)"
}

export_series() {
    mapfile -t commits < <(git -C "$tree" rev-list --reverse pristine..HEAD)
    local n=${#commits[@]}
    if [ ${#patches[@]} = 0 ]; then
        mkdir -p "$series"
        git -C "$tree" format-patch -q -o "$series" --no-signature pristine..HEAD
        echo "patch-tree: $n patches written to $series"
        return
    fi
    if [ "$n" != "${#patches[@]}" ]; then
        echo "patch-tree: $n commits but ${#patches[@]} files in $series: rename or add the files first" >&2
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

# The cover letter's subject count, shortlog and diffstat, from the tree.
update_cover() {
    local cover=$series/0000-cover-letter.patch
    [ -f "$cover" ] || return 0
    python3 - "$cover" "$(git -C "$tree" log --reverse --format='  %s' pristine..HEAD)" \
        "$(git -C "$tree" diff --stat=72 pristine HEAD)" <<'PY'
import re, sys
path, shortlog = sys.argv[1], sys.argv[2]
stat = "\n".join(" " + line for line in sys.argv[3].splitlines())
n = len(shortlog.splitlines())
text = open(path).read()
new = re.sub(r"\[PATCH 0/\d+\]", "[PATCH 0/%d]" % n, text, count=1)
new = re.sub(r"(barrierclient developers) \(\d+\):\n(  .*\n)+\n( +\S+ +\| .*\n)+ +\d+ files? changed.*\n",
             lambda m: "%s (%d):\n%s\n\n%s\n" % (m.group(1), n, shortlog, stat), new, count=1)
if new != text:
    open(path, "w").write(new)
    print("patch-tree: updated " + path.rsplit("/", 1)[-1])
PY
}

case ${1:-} in
    init) init ;;
    export) export_series; update_cover ;;
    *) echo "usage: $0 init|export [VERSION]" >&2; exit 2 ;;
esac
