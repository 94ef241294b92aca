#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The generated key tables are what their generators make from the packaged
# sources today: keymaps.csv of QEMU's keycodemapdb (scripts/fetch-qemu.sh's
# source) and Debian's xkb-data through libxkbcommon.
set -euo pipefail
cd "$(dirname "$0")/.."

csv="$(./scripts/fetch-qemu.sh)/subprojects/keycodemapdb/data/keymaps.csv"
rc=0
if python3 scripts/gen-keytables.py "$csv" | cmp -s - Sources/BarrierCore/Keys/KeyTables.generated.swift; then
    echo "gen-keytables: current"
else
    echo "gen-keytables: Sources/BarrierCore/Keys/KeyTables.generated.swift is stale: run scripts/gen-keytables.py"
    rc=1
fi
python3 scripts/gen-layout-symbols.py --check "$csv" || rc=1
exit $rc
