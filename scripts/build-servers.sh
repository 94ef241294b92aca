#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the Barrier-protocol servers that Debian 12 does not package (Input Leap
# 3.0.3, Deskflow 1.26.0, Deskflow master a0a36892) from ../shared/servers, with
# its own build scripts, into the cache.  Each build is keyed by the sha256 of
# its tarball, patch and build script, so a rerun with nothing changed costs a
# few checksums; a changed input rebuilds that server only.
#
# Usage: scripts/build-servers.sh [SERVER...]   (default: all; names as below)
# Env:   BARRIERCLIENT_SHARED   the shared directory (default: <repo>/../shared)
#        BARRIERCLIENT_CACHE    cache root (default: ~/.cache/barrierclient)
# Prints one line per server: "NAME PREFIX" on stdout when it is ready.
# Without ../shared/servers it says so in one line and exits 0: the e2e matrix
# then skips those servers with the same line (Barrier 2.4 comes from apt).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
shared=${BARRIERCLIENT_SHARED:-$here/../shared}
servers_dir=$shared/servers
cache=${BARRIERCLIENT_CACHE:-$HOME/.cache/barrierclient}

# name  tarball  patch-file (- = the one built into the script)  build script
catalogue=(
    "input-leap-3.0.3       input-leap-v3.0.3.tar.gz               -                                          build-input-leap.sh"
    "deskflow-1.26.0        deskflow-v1.26.0.tar.gz                -                                          build-deskflow.sh"
    "deskflow-master        deskflow-continuous-a0a36892.tar.gz    deskflow-continuous-a0a36892-bookworm.patch build-deskflow.sh"
)

if [ ! -d "$servers_dir" ]; then
    echo "build-servers: $servers_dir is missing: Input Leap and Deskflow are not built (their tests skip)" >&2
    exit 0
fi

want=("$@")
for entry in "${catalogue[@]}"; do
    read -r name tarball patch script <<<"$entry"
    if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then
        continue
    fi
    inputs=("$servers_dir/$tarball" "$servers_dir/$script")
    [ "$patch" = - ] || inputs+=("$servers_dir/$patch")
    key=$(cat "${inputs[@]}" | sha256sum | cut -c1-16)
    prefix=$cache/servers/$name-$key
    if [ ! -f "$prefix/.complete" ]; then
        echo "build-servers: building $name (about a minute) into $prefix" >&2
        rm -rf "$prefix" "$prefix.build"
        mkdir -p "$prefix.build"
        log=$prefix.build/build.log
        build_env=(BUILD_DIR="$prefix.build" JOBS="$(nproc)")
        [ "$patch" = - ] || build_env+=(PATCH_FILE="$servers_dir/$patch")
        if ! (cd "$servers_dir" &&
              env "${build_env[@]}" bash "$servers_dir/$script" "$servers_dir/$tarball" "$prefix") \
              >"$log" 2>&1; then
            tail -20 "$log" >&2
            echo "build-servers: $name failed to build; log: $log" >&2
            exit 1
        fi
        rm -rf "$prefix.build"
        touch "$prefix/.complete"
    fi
    echo "$name $prefix"
done
