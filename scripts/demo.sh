#!/usr/bin/env bash
# The main job on a fresh machine: build the charmbox host and the example
# charm examples/hello, place its component as examples/hello/charm.wasm,
# check it, run its `greet` and `snapshot-database` actions, and print their
# results.
#
# The host is built in the dev profile (its compiler crates optimised; see
# Cargo.toml), which builds in a few minutes on 2 cores and which
# scripts/test.sh then reuses; the shipped, fully optimised build is
# `cargo build --profile dist -p charmbox-cli`. The example charm builds at
# the same time, in its own target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
CARGO_TARGET_DIR=target/examples \
  cargo build --release --target wasm32-wasip2 --manifest-path examples/hello/Cargo.toml &
example=$!
cargo build -p charmbox-cli
wait "$example"
cp target/examples/wasm32-wasip2/release/hello.wasm examples/hello/charm.wasm
charmbox=target/debug/charmbox
# Keep the demo's state out of the user's own.
export CHARMBOX_STATE_DIR="${CHARMBOX_STATE_DIR:-target/demo-state}"
set -x
"$charmbox" check examples/hello
"$charmbox" actions examples/hello
"$charmbox" run examples/hello greet name=Ada language=fr
"$charmbox" run examples/hello snapshot-database filename=db.snap steps=3 --format json
