#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The C API from a C host: builds Tests/c/abi_test.c against the installed
# header and .so through pkg-config, for the Embedded (shipped) and the
# static-runtime build, and runs it, the Embedded one also under valgrind
# for 1000 create/feed/free cycles; and that the hot-path link order is
# current.
set -euo pipefail
cd "$(dirname "$0")/.."

fixture=Tests/BarrierCoreTests/Fixtures/server-to-client.bin
rc=0
for mode in embedded static; do
    prefix=$(./scripts/build-lib.sh "$mode" "build/lib-$mode")
    export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
    bin="build/abi_test-$mode"
    # shellcheck disable=SC2046
    gcc -std=gnu11 -Wall -Wextra -Werror -O1 -g Tests/c/abi_test.c -o "$bin" \
        $(pkg-config --cflags --libs barrierclient) \
        -Wl,-rpath,"$(pkg-config --variable=libdir barrierclient)"
    echo "-- $mode: $(stat -c %s "$prefix/lib/libbarrierclient.so") bytes stripped"
    "$bin" "$fixture" || rc=1
done

echo "-- the exports' signatures against the header"
swift build --product barrierclient >/dev/null
generated=build/exports-generated.h
swiftc -typecheck -parse-as-library -module-name BarrierClientC \
    -emit-clang-header-path "$generated" -I .build/debug/Modules \
    -I Sources/CBarrierABI/include Sources/BarrierClientC/*.swift
python3 scripts/check-header-drift.py include/barrierclient.h "$generated" || rc=1

echo "-- valgrind, 1000 cycles (embedded)"
valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=9 build/abi_test-embedded "$fixture" 1000 || rc=1
# Unstripped, so that swift.supp can name the runtime's one-time caches.
echo "-- valgrind, 100 cycles (static runtime)"
LD_LIBRARY_PATH=.build-release/release valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    --suppressions=Tests/c/swift.supp --error-exitcode=9 build/abi_test-static "$fixture" 100 || rc=1
echo "-- the hot path's link order (Sources/BarrierClientC/hot-path.order)"
./scripts/hot-path-order.sh --check 2>&1 | tail -n 1 || rc=1
exit $rc
