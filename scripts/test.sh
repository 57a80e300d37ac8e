#!/usr/bin/env bash
# Every test: unit tests of the host and the SDK; end-to-end tests that build
# the example charms (Rust, and Python and JavaScript with their toolchains
# installed by scripts/build-lang-charms.sh) and run them through the real
# charmbox binary; and the hello charm's own tests, written with
# charmbox::testing as a charm author would write them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace
# The stand-ins for Juju's hook tools that the dispatch tests run, held to
# Juju's own command-line contract.
python3 -m unittest discover -s tests/hook-tools
# The charm's tests build charmbox as a dev-dependency: sharing the
# workspace's target directory reuses that build instead of a second copy.
(cd examples/hello && CARGO_TARGET_DIR="$PWD/../../target" cargo test)
