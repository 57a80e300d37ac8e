#!/usr/bin/env bash
# Many units through the CLI as a user runs them: `charmbox run hello greet
# --num-units N --format json` on fresh and on existing units, 1,000 and
# 10,000 units, beside the same operation in-process, measured in one run;
# prints wall time, actions/s, peak RSS and the CLI's cost against
# in-process. bench/compare.sh calls it; alone:
#   BENCH_UNITS_ROUNDS=5 BENCH_UNITS_SIZES=1000,10000 bash bench/units.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The shipped build (the `dist` profile), as compare.sh measures it; one
# command for both, so that one set of dependency features serves both.
cargo build --profile dist -p charmbox-cli -p charmbox-bench --bins --example units --bench ratio
CARGO_TARGET_DIR=target/examples \
  cargo build --release --target wasm32-wasip2 --manifest-path examples/hello/Cargo.toml
charm=target/bench/hello-charm
mkdir -p "$charm"
cp examples/hello/charmcraft.yaml "$charm/"
cp target/examples/wasm32-wasip2/release/hello.wasm "$charm/charm.wasm"
python3 bench/units.py target/dist/charmbox target/dist/examples/units "$charm"
