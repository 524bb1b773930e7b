#!/usr/bin/env bash
# Builds the scenario fuzz target and fuzzes it for SECONDS (default 60).
#
#   fuzz/run.sh 60                 # CI: install (once), build, one minute
#   fuzz/run.sh 3600 -fork=2       # a long run on both cores; extra
#                                  # arguments go to libFuzzer
#
# Works on the stable toolchain: cargo-fuzz passes nightly-only flags
# (-Zsanitizer=address), which RUSTC_BOOTSTRAP=1 lets a stable rustc take.
# Everything comes from crates.io (cargo-fuzz, libfuzzer-sys, which builds
# libFuzzer itself with the C++ compiler already on the machine).
#
# The seed corpus is rebuilt on every run from scenarios/*.yaml and
# tests/fixtures/**/*.yaml; what the fuzzer learns accumulates in
# fuzz/corpus/scenario (not committed). A crash, a timeout (10 s) or an
# input that needs more than 2 GiB stops the run with a non-zero exit and
# leaves the input in fuzz/artifacts/scenario/.
set -euo pipefail
seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export RUSTC_BOOTSTRAP=1
# Pinned: cargo-fuzz 0.13 matches libfuzzer-sys 0.4 in fuzz/Cargo.lock.
if ! cargo fuzz --version 2>/dev/null | grep -q '^cargo-fuzz 0\.13\.'; then
    cargo install cargo-fuzz --version 0.13.2 --locked
fi

seeds=fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds" fuzz/corpus/scenario
find scenarios tests/fixtures -name '*.yaml' -type f | sort | while read -r f; do
    cp "$f" "$seeds/$(printf '%s' "$f" | tr '/' '_')"
done
echo "fuzz: $(ls "$seeds" | wc -l) seed scenarios"

# -O: optimised; -a: overflow checks and debug assertions stay on.
cargo fuzz build -O -a scenario
cargo fuzz run -O -a scenario fuzz/corpus/scenario "$seeds" -- \
    -max_total_time="$seconds" \
    -dict=fuzz/scenario.dict \
    -max_len=16384 \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    "$@"
