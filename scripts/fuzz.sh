#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for SECONDS (default 10) each, from the
# committed corpus, installing what it needs: a nightly toolchain and
# cargo-fuzz. New inputs are kept in a scratch corpus (target/fuzz-corpus),
# crashes in fuzz/artifacts/<target>/; a crash fails the script.
#   bash scripts/fuzz.sh 600    # ten minutes a target
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked
# -s none: the targets are safe Rust, so AddressSanitizer adds cost and
# nothing found. --dev: the targets link charmbox and with it the
# WebAssembly engine (never run here), which a release build with
# cargo-fuzz's one codegen unit took 25 minutes to build on 2 cores, a dev
# build 9 (fuzz/Cargo.toml optimises the parsers a little).
flags=(-s none --dev)
cd fuzz
cargo +nightly fuzz build "${flags[@]}"
for target in $(cargo +nightly fuzz list); do
  scratch="../target/fuzz-corpus/$target"
  mkdir -p "$scratch"
  # Only this run's crashes count.
  rm -rf "artifacts/$target"
  echo "fuzzing $target for ${seconds}s"
  cargo +nightly fuzz run "${flags[@]}" "$target" "$scratch" "corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 2>&1 \
    | grep -E '^(stat::number_of_executed_units|stat::new_units_added|==|SUMMARY|Done)|panicked' \
    || true
  # A crash leaves an artifact (and a failing exit, which the pipe hides).
  if compgen -G "artifacts/$target/*" > /dev/null; then
    echo "fuzz target $target found a crash: see fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
