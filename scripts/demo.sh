#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo: installs what is missing, builds the library and the patched QEMU
# (cached), then runs Tests/e2e/demo.py: a real Barrier 2.4 server under Xvfb,
# QEMU as its screen VM-1, typed keys and clicks, and what the VM received.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh
./scripts/build-qemu.sh
exec "${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}/venv/bin/python3" Tests/e2e/demo.py
