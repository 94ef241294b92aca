#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# QEMU's checkpatch.pl on every patch of both series (qemu-patch/ for 10.2,
# qemu-patch/10.0/ and its 10.0.2 base): 0 errors and 0 warnings, as a
# maintainer would want them; and the cover letter names every patch.  Uses
# the pristine QEMU source of scripts/fetch-qemu.sh (its checkpatch.pl).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/qemu-versions.sh
src=$(./scripts/fetch-qemu.sh)
rc=0
for dir in qemu-patch qemu-patch/10.0; do
    cover=$dir/0000-cover-letter.patch
    [ -f "$cover" ] || { echo "check-patches: $cover is missing"; rc=1; continue; }
    for p in $(qemu_series_patches "$dir"); do
        subject=$(sed -n 's/^Subject: \[PATCH [0-9]*\/[0-9]*\] //p' "$p")
        grep -qF -- "$subject" "$cover" ||
            { echo "check-patches: $cover does not name '$subject'"; rc=1; }
    done
done
for p in $(qemu_series_patches qemu-patch) $(qemu_series_patches qemu-patch/10.0) \
         $(qemu_series_patches qemu-patch/10.0/10.0.2); do
    out=$(perl "$src/scripts/checkpatch.pl" --no-tree --terse "$p" 2>&1 || true)
    if grep -qE '^(.*: )?(ERROR|WARNING)' <<<"$out"; then
        echo "check-patches: $p:"
        grep -E 'ERROR|WARNING' <<<"$out" | sed 's/^/  /'
        rc=1
    else
        echo "check-patches: $p: 0 errors, 0 warnings"
    fi
done
exit $rc
