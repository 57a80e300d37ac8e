#!/usr/bin/env bash
# Every test: unit tests of the host, the SDK and the Python and JavaScript
# helpers; end-to-end tests that build the example charms (Rust, and Python
# and JavaScript with their toolchains installed by
# scripts/build-lang-charms.sh) and run them through the real charmbox
# binary; and the hello charm's own tests, written with charmbox::testing as
# a charm author would write them, and password-keeper's, in a model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace
# The stand-ins for Juju's hook tools that the dispatch tests run, held to
# Juju's own command-line contract.
python3 -m unittest discover -s tests/hook-tools
# The Python and JavaScript helpers' own tests, the host's imports faked
# (stdlib unittest; node's test runner). The Python fakes are held to the
# bindings componentize-py generates, from the venv the e2e tests installed.
python3 -m unittest discover -s guest-sdk/python/tests
if command -v node >/dev/null; then
  (cd guest-sdk/js && node --import ./tests/fake/register.js --test tests/*.test.js)
elif [[ "${CHARMBOX_REQUIRE_LANGS:-}" == 1 ]]; then
  echo "error: node is not installed (CHARMBOX_REQUIRE_LANGS=1)" >&2
  exit 1
else
  echo "skipping the JavaScript helper's tests: node is not installed" >&2
fi
# The Python and JavaScript examples' own tests, written as a charm author
# writes them (pytest with charmbox_ops.testing, node's runner with
# charmbox-ops/testing): each builds its charm with `charmbox build` and runs
# the component through the charmbox binary cargo just built.
CHARMBOX=$PWD/target/debug/charmbox
export CHARMBOX
VENV_TESTS=$PWD/target/venv-tests
if [[ ! -x $VENV_TESTS/bin/pytest || "$(head -n1 "$VENV_TESTS/bin/pytest")" != "#!$VENV_TESTS/bin/python"* ]]; then
  rm -rf "$VENV_TESTS"
  python3 -m venv "$VENV_TESTS"
  "$VENV_TESTS/bin/pip" install --quiet --disable-pip-version-check pytest
fi
"$VENV_TESTS/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./guest-sdk/python
"$VENV_TESTS/bin/pytest" -q examples/hello-python/tests
if command -v node >/dev/null; then
  "$CHARMBOX" build examples/hello-js   # installs its node_modules (charmbox-ops) first
  (cd examples/hello-js && node --test test/)
fi
# The charm's tests build charmbox as a dev-dependency: sharing the
# workspace's target directory reuses that build instead of a second copy.
(cd examples/hello && CARGO_TARGET_DIR="$PWD/../../target" cargo test)
(cd examples/password-keeper && CARGO_TARGET_DIR="$PWD/../../target" cargo test)
