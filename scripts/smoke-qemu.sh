#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds one QEMU version (scripts/build-qemu.sh, cached) and runs the
# end-to-end smoke subset against it: handshake and keys with a real Barrier
# server in plain TCP and in TLS, a server killed and restarted, a server
# whose certificate is not pinned, a stalled TLS handshake (7 tests, ~1 min).
#
#   scripts/smoke-qemu.sh VERSION [pytest args...]     e.g. 10.0.13, 10.2.2
# $BARRIERCLIENT_QEMU_PATCHES picks another series, as for build-qemu.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?usage: smoke-qemu.sh VERSION [pytest args...]}
shift
smoke="letters_arrive or killed_and_restarted or tls_session_is_verified"
smoke+=" or unpinned_server or stalled_handshake"

"$here/scripts/build-qemu.sh" --qemu-version "$version" | grep -v '^\[' || exit 1
BARRIERCLIENT_QEMU="$here/build/qemu-$version/qemu-system-x86_64" \
    exec "$here/scripts/run-e2e.sh" -k "$smoke" "$@"
