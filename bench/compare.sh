#!/usr/bin/env bash
# charmbox beside Python ops for the same small action (read params, log
# once, set results). Installs ops into a virtualenv, builds charmbox and the
# example charms, then prints medians, peak memory and ratios.
#   BENCH_ROUNDS=30 bash bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
venv=target/bench/venv
if ! "$venv/bin/python" -c 'import ops, ops.testing' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'ops==3.9.0' 'ops[testing]==3.9.0'
fi
# The shipped build (the `dist` profile: fat LTO, one codegen unit).
cargo build --profile dist -p charmbox-cli
cargo build --profile dist -p charmbox-bench --example inprocess
CARGO_TARGET_DIR=target/examples \
  cargo build --release --target wasm32-wasip2 --manifest-path examples/hello/Cargo.toml
charm=target/bench/hello-charm
mkdir -p "$charm"
cp examples/hello/charmcraft.yaml "$charm/"
cp target/examples/wasm32-wasip2/release/hello.wasm "$charm/charm.wasm"
# The Python and JavaScript charms, when their toolchains could build them
# (scripts/build-lang-charms.sh), each as a charm directory.
bash scripts/build-lang-charms.sh || echo "compare: Python/JS charms not built; comparing Rust only" >&2
extra=()
for lang in python js; do
  wasm=target/examples/hello-$lang.wasm
  [ -f "$wasm" ] || continue
  dir=target/bench/hello-$lang-charm
  mkdir -p "$dir"
  cp "examples/hello-$lang/charmcraft.yaml" "$dir/"
  cp "$wasm" "$dir/charm.wasm"
  extra+=("$lang=$dir")
done
BENCH_INPROCESS="target/dist/examples/inprocess" \
  "$venv/bin/python" bench/compare.py target/dist/charmbox "$charm" "${extra[@]}"
