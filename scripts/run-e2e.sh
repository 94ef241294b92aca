#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end tests: a real Barrier server (barriers under Xvfb, driven with
# xdotool) and a scripted one talk to QEMU's input-barrier object; QEMU's
# input trace shows what reached the guest.  See Tests/e2e/README.md.
#
# Usage: scripts/run-e2e.sh [pytest args...]      e.g. -k keypad, -x, -v
# Env:   BARRIERCLIENT_QEMU=path     QEMU binary (default build/qemu-system-x86_64)
#        BARRIERCLIENT_E2E_ALLOW_SKIP=1   skipped tests do not fail the run
#        BARRIERCLIENT_E2E_KEEP=1    keep run directories (traces, logs) even on success
# Exits 0 only if pytest collected tests and all of them passed.
set -uo pipefail
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}
venv=$cache/venv
py=$venv/bin/python3

if ! "$py" -c 'import pytest, pytest_timeout' 2>/dev/null; then
    [ -x "$py" ] || "$here/scripts/setup-deps.sh" >&2 || exit 1
    "$venv/bin/pip" install -q -r "$here/scripts/requirements.txt" >&2 || exit 1
fi

# Input Leap and Deskflow for the server matrix (a no-op when cached; one
# line and no build when ../shared/servers is missing: their tests then skip).
"$here/scripts/build-servers.sh" >/dev/null || exit 1

log=$(mktemp "${TMPDIR:-/tmp}/run-e2e.XXXXXX")
trap 'rm -f "$log"' EXIT
cd "$here"
"$py" -m pytest -p no:cacheprovider --timeout 240 -rfE Tests/e2e "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

summary=$(grep -E ' in [0-9.]+s( \([0-9:]+\))? *=*$' "$log" | tail -1 | sed -E 's/^=+ //; s/ =+$//')
echo "e2e: ${summary:-no pytest summary line}"
if [ "$rc" = 5 ]; then
    echo "e2e: FAILED: no tests were collected" >&2
    exit 1
fi
if [ "$rc" != 0 ]; then
    echo "e2e: FAILED (pytest exit $rc)" >&2
    exit 1
fi
# Skips fail the run, except those conftest.py reports as allowed (the servers
# built from ../shared/servers when it is missing).
skipped=$(echo "$summary" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
allowed=$(grep -E '^SKIPPED [0-9]+ tests \(allowed\)' "$log" | awk '{n += $2} END {print n + 0}')
if [ "$skipped" -gt "$allowed" ] && [ "${BARRIERCLIENT_E2E_ALLOW_SKIP:-0}" != 1 ]; then
    echo "e2e: FAILED: tests were skipped (see the SKIPPED lines; BARRIERCLIENT_E2E_ALLOW_SKIP=1 accepts that)" >&2
    exit 1
fi
echo "e2e: all passed"
exit 0
