#!/usr/bin/env bash
# Fuzzes the parsers a client or a player reaches (issue 10: no client can crash a
# connection): runs every cargo-fuzz target in fuzz/ for a bounded time, one after the
# other. Too slow for CI; for developers and operators before a release.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  default 60
#   TARGET              default: every target (`cargo fuzz list`: telnet, login, lock)
# Environment:
#   FUZZ_SANITIZER   address (default) or none (builds and runs faster, finds less)
#   FUZZ_TARGET_DIR  build directory (default fuzz/target)
#
# Needs cargo-fuzz (installed here when missing) and a nightly compiler, or the stable
# one with RUSTC_BOOTSTRAP=1, which this script sets. The first build takes minutes.
# Exits non-zero when a target crashed; the input is left in fuzz/artifacts/<target>/,
# and `cargo fuzz tmin <target> <file>` shrinks it. Corpora grow in fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-60}"
if [ $# -gt 0 ]; then shift; fi
case "$secs" in
    '' | *[!0-9]*)
        echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
        exit 2
        ;;
esac
sanitizer="${FUZZ_SANITIZER:-address}"
target_dir="${FUZZ_TARGET_DIR:-$PWD/fuzz/target}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

echo "== building ${targets[*]} (sanitizer: $sanitizer)"
cargo fuzz build --sanitizer "$sanitizer" --target-dir "$target_dir"

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
failed=()
summary=()
for t in "${targets[@]}"; do
    echo "== fuzzing $t for ${secs}s"
    mkdir -p "fuzz/corpus/$t"
    status=0
    cargo fuzz run --sanitizer "$sanitizer" --target-dir "$target_dir" "$t" -- \
        -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
        >"$logs/$t.log" 2>&1 || status=$?
    tail -n 40 "$logs/$t.log"
    done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$logs/$t.log" | tail -n 1 || true)"
    runs="$(grep -E '^stat::number_of_executed_units:' "$logs/$t.log" | awk '{print $2}' | tail -n 1 || true)"
    rate="$(grep -E '^stat::average_exec_per_sec:' "$logs/$t.log" | awk '{print $2}' | tail -n 1 || true)"
    if [ "$status" != 0 ]; then
        failed+=("$t")
        summary+=("$t: CRASH (exit $status) after ${runs:-?} runs; see fuzz/artifacts/$t/")
    else
        summary+=("$t: ${runs:-?} runs in ${secs}s, ${rate:-?} exec/s, sanitizer $sanitizer${done_line:+ | $done_line}")
    fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "== crashed: ${failed[*]}" >&2
    exit 1
fi
