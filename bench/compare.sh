#!/usr/bin/env bash
# Every end-to-end figure of the benchmarks, each against a baseline
# measured in the same run, with peak memory per process beside time:
#   - charmbox beside Python ops for the same small action (compare.py);
#   - a warm `charmbox run` against a bare wasmtime host process, a unit's
#     first run through a packed charm's `dispatch` against a warm one (Rust,
#     Python, JS), hook-tool calls per action with and without the read
#     cache (processes.py);
#   - many units through the CLI and in-process (units.sh, when present);
#   - in-process, charmbox's run of an action against a bare host running
#     the same action, and the empty-action floor (benches/ratio.rs).
# Installs ops into a virtualenv, builds charmbox, the bare host and the
# example charms, then prints medians, peak memory and ratios.
#   BENCH_ROUNDS=30 BENCH_RATIO_ROUNDS=60 BENCH_PROFILE=dist bash bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
venv=target/bench/venv
if ! "$venv/bin/python" -c 'import ops, ops.testing' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'ops==3.9.0' 'ops[testing]==3.9.0'
fi
# The shipped build (the `dist` profile: fat LTO, one codegen unit), unless
# BENCH_PROFILE names another (`release` builds in less time).
profile=${BENCH_PROFILE:-dist}
cargo build --profile "$profile" -p charmbox-cli
cargo build --profile "$profile" -p charmbox-bench --example inprocess --example bare_host
bin=target/$profile
[ "$profile" = dev ] && bin=target/debug
for example in hello juju-probe; do
  CARGO_TARGET_DIR=target/examples \
    cargo build --release --target wasm32-wasip2 --manifest-path "examples/$example/Cargo.toml"
done
charm_dir() { # NAME SOURCE_DIR COMPONENT
  mkdir -p "target/bench/$1"
  cp "$2/charmcraft.yaml" "target/bench/$1/"
  cp "$3" "target/bench/$1/charm.wasm"
  echo "target/bench/$1"
}
charm=$(charm_dir hello-charm examples/hello target/examples/wasm32-wasip2/release/hello.wasm)
probe=$(charm_dir juju-probe-charm examples/juju-probe \
  target/examples/wasm32-wasip2/release/juju_probe.wasm)
# The Python and JavaScript charms, when their toolchains could build them
# (scripts/build-lang-charms.sh), each as a charm directory.
bash scripts/build-lang-charms.sh || echo "compare: Python/JS charms not built; comparing Rust only" >&2
extra=()
langs=("rust=$PWD/$charm")
for lang in python js; do
  wasm=target/examples/hello-$lang.wasm
  [ -f "$wasm" ] || continue
  dir=$(charm_dir "hello-$lang-charm" "examples/hello-$lang" "$wasm")
  extra+=("$lang=$dir")
  langs+=("$lang=$PWD/$dir")
done
BENCH_INPROCESS="$bin/examples/inprocess" \
  "$venv/bin/python" bench/compare.py "$bin/charmbox" "$charm" "${extra[@]}"
echo
work=$(mktemp -d "${TMPDIR:-/tmp}/charmbox-processes-XXXXXX")
trap 'rm -rf "$work"' EXIT
BENCH_PROBE_CHARM="$PWD/$probe" python3 bench/processes.py \
  "$PWD/$bin/charmbox" "$PWD/$bin/examples/bare_host" "$work" "${langs[@]}"
if [ -f bench/units.sh ]; then
  echo
  bash bench/units.sh
fi
echo
echo "in-process: charmbox's run of an action against the bare host (target 3)"
cargo bench --quiet --profile "$profile" -p charmbox-bench --bench ratio -- --rounds "${BENCH_RATIO_ROUNDS:-60}"

