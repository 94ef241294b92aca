#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fuzz the core with libFuzzer (no Makefile needed; `make fuzz` and CI call this).
#
#   scripts/fuzz.sh TARGET SECONDS      TARGET = session | capi | all
#
#   session  Fuzz/FuzzSession.swift: framer + session + supervisor + keys/pointer,
#            input = a script of host calls and server bytes, with invariants
#            (nothing held after a disconnect, bounded buffers, timers, frames)
#   capi     Fuzz/FuzzCAPI.swift: the bc_session_* exports with hostile
#            configurations and arguments (NULL, lengths, foreign handles)
#   all      both, SECONDS each, one after the other
#
# Builds build/fuzz/fuzz-TARGET (ASan + libFuzzer, core sources compiled in),
# then runs it for SECONDS over a working corpus in
# ~/.cache/barrierclient/fuzz-corpus-TARGET (new inputs stay there, they are
# not committed) plus the checked-in seeds Fuzz/corpus-TARGET (read only;
# regenerate them with python3 Fuzz/make-corpus.py). Prints the last libFuzzer
# stats line (executions, cov, ft). Exits non-zero on a crash, a leak, a
# timeout or an invariant failure and prints the path of the crash file;
# reproduce with: SWIFT_BACKTRACE=enable=no build/fuzz/fuzz-TARGET CRASHFILE
#
# Environment: FUZZ_NICE=10 runs the fuzzer under nice -n 10 (shared machines);
# FUZZ_ARGS adds libFuzzer options (e.g. FUZZ_ARGS=-seed=1);
# FUZZ_SANITIZE=fuzzer builds without AddressSanitizer (about 3x the
# executions per second: Swift's own bounds and overflow checks stay on, only
# misuse of unsafe pointers goes unseen; for long runs beside ASan ones).
set -eu

usage() { echo "usage: $0 session|capi|all SECONDS" >&2; exit 2; }
[ $# -eq 2 ] || usage
target=$1
seconds=$2
case $seconds in ''|*[!0-9]*) usage ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/fuzz
mkdir -p "$out"
sanitize=${FUZZ_SANITIZE:-fuzzer,address}
case $sanitize in
    fuzzer,address) variant="" ;;
    fuzzer) variant="-noasan" ;;
    *) echo "FUZZ_SANITIZE: fuzzer,address or fuzzer" >&2; exit 2 ;;
esac
cache=${XDG_CACHE_HOME:-$HOME/.cache}/barrierclient

# A trap inside the Swift backtracer hides the crash from libFuzzer (and leaves
# a swift-backtrace process behind): always off for fuzzers.
export SWIFT_BACKTRACE=enable=no

build() {  # build NAME SOURCES...
    name=$1; shift
    bin=$out/fuzz-$name$variant
    if [ -x "$bin" ] && [ -z "$(find "$@" -newer "$bin" 2>/dev/null | head -n 1)" ]; then
        return 0
    fi
    echo "== building $bin"
    swiftc -sanitize="$sanitize" -parse-as-library -O -g -use-ld=lld \
        -module-name BarrierCore -I "$root/Sources/CBarrierABI/include" \
        -suppress-warnings "$@" -o "$bin"
}

run() {  # run NAME MAXLEN
    name=$1 maxlen=$2
    cd "$root"
    core=$(find Sources/BarrierCore -name '*.swift' | sort)
    case $name in
        session) build session $core Fuzz/FuzzSupport.swift Fuzz/FuzzSession.swift ;;
        capi) build capi $core Sources/BarrierClientC/*.swift Fuzz/FuzzSupport.swift Fuzz/FuzzCAPI.swift ;;
    esac
    corpus=$cache/fuzz-corpus-$name
    mkdir -p "$corpus" "$out/artifacts"
    log=$out/fuzz-$name$variant.log
    echo "== fuzzing $name for $seconds s (corpus $corpus + Fuzz/corpus-$name, log $log)"
    nice_cmd=""
    [ -n "${FUZZ_NICE:-}" ] && nice_cmd="nice -n $FUZZ_NICE"
    status=0
    # shellcheck disable=SC2086
    $nice_cmd "$out/fuzz-$name$variant" -max_total_time="$seconds" -max_len="$maxlen" -timeout=10 \
        -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" \
        ${FUZZ_ARGS:-} "$corpus" "Fuzz/corpus-$name" >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+[[:space:]]+(INITED|NEW|REDUCE|pulse|DONE|RELOAD)' "$log" | tail -n 1 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
    if [ "$status" -ne 0 ]; then
        grep -E 'invariant:|Fatal error|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|SUMMARY' "$log" | head -n 5 || true
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        echo "FAILED: fuzz-$name$variant exited with $status; crash file: ${crash:-none (see $log)}"
        echo "reproduce: SWIFT_BACKTRACE=enable=no $out/fuzz-$name$variant ${crash:-}"
        return 1
    fi
    echo "ok: fuzz-$name$variant, no crash"
}

case $target in
    session) run session 65536 ;;
    capi) run capi 16384 ;;
    all) run session 65536 && run capi 16384 ;;
    *) usage ;;
esac
