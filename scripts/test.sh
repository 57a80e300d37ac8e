#!/usr/bin/env bash
# Every test: unit tests of the host and the SDK, and the end-to-end tests
# that build the example charms to wasm32-wasip2 and run them through the
# real charmbox binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace
