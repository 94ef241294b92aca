#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# QEMU's checkpatch.pl on every patch of the series: 0 errors and 0 warnings,
# as a maintainer would want them.  Uses the pristine QEMU source of
# scripts/fetch-qemu.sh (its scripts/checkpatch.pl).
set -euo pipefail
cd "$(dirname "$0")/.."

src=$(./scripts/fetch-qemu.sh)
rc=0
for p in qemu-patch/*.patch; do
    out=$(perl "$src/scripts/checkpatch.pl" --no-tree --terse "$p" 2>&1 || true)
    if grep -qE '^(.*: )?(ERROR|WARNING)' <<<"$out"; then
        echo "check-patches: $(basename "$p"):"
        grep -E 'ERROR|WARNING' <<<"$out" | sed 's/^/  /'
        rc=1
    else
        echo "check-patches: $(basename "$p"): 0 errors, 0 warnings"
    fi
done
exit $rc
