#!/usr/bin/env bash
# Builds the example charms written in Python and JavaScript into WebAssembly
# components, installing the pinned tools each needs on first use:
#
#   bash scripts/build-lang-charms.sh            # both
#   bash scripts/build-lang-charms.sh python     # examples/hello-python
#   bash scripts/build-lang-charms.sh js         # examples/hello-js
#
# Writes target/examples/hello-python.wasm and target/examples/hello-js.wasm.
#
# Tools (exact versions, installed only when missing or at another version):
# - Python: componentize-py 0.25.1 from PyPI, in the virtualenv
#   target/venv-componentize (needs python3 with venv and pip), and the
#   example's requirements.txt (the charmbox-ops package, guest-sdk/python,
#   by path) installed into it before each build.
# - JavaScript: @bytecodealliance/jco 1.35.0 and componentize-qjs 0.4.5 from
#   npm, and the charmbox-ops package (guest-sdk/js, by path), in
#   examples/hello-js/node_modules (`npm ci` from package-lock.json, again
#   whenever guest-sdk/js changed; needs node and npm). The QuickJS backend
#   (`--backend qjs`) is used.
#
# Each example's wit/world.wit includes juju:charm/charm@0.2.0; the script
# copies that package from the repository's wit/ into the example's wit/deps/
# (and, for JavaScript, the WASI 0.2.12 WIT shipped with jco), so wit/ stays
# the one source of truth. A component is rebuilt only when its sources, the
# WIT or the tools changed (a stamp file beside it records what it was built
# from); set CHARMBOX_REBUILD=1 to force a rebuild.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/.."
ROOT=$PWD
OUT=$ROOT/target/examples
mkdir -p "$OUT"

COMPONENTIZE_PY_VERSION=0.25.1
JCO_VERSION=1.35.0
COMPONENTIZE_QJS_VERSION=0.4.5
VENV=$ROOT/target/venv-componentize

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

say() { echo "build-lang-charms: $*" >&2; }

# A digest of the given files' contents and of extra strings (tool versions,
# this script), to decide whether a component is up to date.
digest() {
  local extra=$1
  shift
  { printf '%s\n' "$extra"; cat "$SELF"; for f in "$@"; do printf '%s\n' "$f"; cat "$f"; done; } |
    sha256sum | cut -d' ' -f1
}

up_to_date() { # component stamp-digest
  [[ "${CHARMBOX_REBUILD:-}" != 1 && -f $1 && -f $1.stamp && "$(cat "$1.stamp")" == "$2" ]]
}

copy_juju_wit() { # example-dir
  rm -rf "$1/wit/deps/juju-charm"
  mkdir -p "$1/wit/deps/juju-charm"
  cp "$ROOT"/wit/juju-charm@0.2.0/*.wit "$1/wit/deps/juju-charm/"
}

# Whether the venv holds the pinned componentize-py and is this checkout's:
# a venv copied from elsewhere (a target/ copied between checkouts) still
# runs, through its scripts' `#!` lines, the other venv's Python, and would
# install into it.
python_tools_ok() {
  [[ "$(head -n1 "$VENV/bin/componentize-py" 2>/dev/null)" == "#!$VENV/bin/python"* &&
     "$("$VENV/bin/componentize-py" --version 2>/dev/null || true)" == "componentize-py $COMPONENTIZE_PY_VERSION" ]]
}

build_python() {
  local dir=$ROOT/examples/hello-python out=$OUT/hello-python.wasm
  if ! command -v python3 >/dev/null; then
    say "error: python3 not found; install Python 3 (with venv and pip)"
    return 1
  fi
  if ! python_tools_ok; then
    say "installing componentize-py==$COMPONENTIZE_PY_VERSION into ${VENV#"$ROOT"/}"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
      "componentize-py==$COMPONENTIZE_PY_VERSION"
  fi
  copy_juju_wit "$dir"
  local sources
  mapfile -t sources < <(find "$dir" "$ROOT/guest-sdk/python/src" -name '*.py' -not -path '*/__pycache__/*' | sort;
                         find "$dir/wit" -name '*.wit' | sort;
                         echo "$dir/requirements.txt"; echo "$ROOT/guest-sdk/python/pyproject.toml")
  local stamp
  stamp=$(digest "componentize-py $COMPONENTIZE_PY_VERSION" "${sources[@]}")
  if up_to_date "$out" "$stamp"; then
    say "hello-python is up to date: ${out#"$ROOT"/}"
    return 0
  fi
  # The charm's dependencies (the charmbox-ops package, by path) go into the
  # venv; componentize-py finds them in its site-packages through VIRTUAL_ENV.
  say "pip install -r examples/hello-python/requirements.txt (charmbox-ops from guest-sdk/python)"
  (cd "$dir" && "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt) >&2
  say "componentize-py: examples/hello-python -> ${out#"$ROOT"/}"
  (cd "$dir" && VIRTUAL_ENV=$VENV "$VENV/bin/componentize-py" -d wit -w hello componentize \
    charm -o "$out.tmp") >&2
  mv "$out.tmp" "$out"
  echo "$stamp" > "$out.stamp"
  say "wrote ${out#"$ROOT"/} ($(stat -c %s "$out") bytes)"
}

# Whether node_modules holds the pinned tools and a copy of guest-sdk/js
# as it is now (npm copies a `file:` dependency; see examples/hello-js/.npmrc).
js_tools_ok() {
  local nm=$ROOT/examples/hello-js/node_modules
  [[ -f $nm/@bytecodealliance/jco/package.json && -f $nm/componentize-qjs/package.json ]] &&
    diff -rq "$ROOT/guest-sdk/js/src" "$nm/charmbox-ops/src" >/dev/null 2>&1 &&
    cmp -s "$ROOT/guest-sdk/js/package.json" "$nm/charmbox-ops/package.json" &&
    node -e '
      const [jco, qjs, a, b] = process.argv.slice(1);
      const v = (p) => JSON.parse(require("fs").readFileSync(p, "utf8")).version;
      process.exit(v(jco) === a && v(qjs) === b ? 0 : 1);
    ' "$nm/@bytecodealliance/jco/package.json" "$nm/componentize-qjs/package.json" \
      "$JCO_VERSION" "$COMPONENTIZE_QJS_VERSION"
}

build_js() {
  local dir=$ROOT/examples/hello-js out=$OUT/hello-js.wasm
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "error: node and npm not found; install Node.js (20 or later) with npm"
    return 1
  fi
  if ! js_tools_ok; then
    say "installing jco@$JCO_VERSION, componentize-qjs@$COMPONENTIZE_QJS_VERSION and charmbox-ops (guest-sdk/js) (npm ci in examples/hello-js)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
  copy_juju_wit "$dir"
  local wasi=$dir/node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12 p
  for p in cli clocks filesystem io random sockets; do
    rm -rf "$dir/wit/deps/wasi-$p"
    cp -r "$wasi/wasi-$p" "$dir/wit/deps/wasi-$p"
  done
  local sources
  mapfile -t sources < <(find "$dir" -maxdepth 2 \( -name '*.js' -o -name '*.mjs' \) -not -path '*/node_modules/*' | sort;
                         find "$dir/wit" -name '*.wit' | sort; echo "$dir/package-lock.json";
                         find "$ROOT/guest-sdk/js/src" -name '*.js' | sort; echo "$ROOT/guest-sdk/js/package.json")
  local stamp
  stamp=$(digest "jco $JCO_VERSION componentize-qjs $COMPONENTIZE_QJS_VERSION" "${sources[@]}")
  if up_to_date "$out" "$stamp"; then
    say "hello-js is up to date: ${out#"$ROOT"/}"
    return 0
  fi
  local jco=$dir/node_modules/.bin/jco tmp=$TMP/js
  mkdir -p "$tmp"
  say "jco componentize --backend qjs: examples/hello-js -> ${out#"$ROOT"/}"
  (cd "$dir" && "$jco" componentize charm.js --wit wit --world-name hello \
    --backend qjs --backend-qjs-disable-async -o "$tmp/raw.wasm") >&2
  # componentize-qjs leaves its build-time `init` export in; charmbox would
  # take it for an action. Drop it (see tools/drop-export.mjs).
  say "dropping the build-time export \"init\" (jco print | drop-export | jco parse)"
  "$jco" print "$tmp/raw.wasm" -o "$tmp/raw.wat" >&2
  node "$dir/tools/drop-export.mjs" "$tmp/raw.wat" "$tmp/charm.wat" init
  "$jco" parse "$tmp/charm.wat" -o "$out.tmp" >&2
  mv "$out.tmp" "$out"
  echo "$stamp" > "$out.stamp"
  say "wrote ${out#"$ROOT"/} ($(stat -c %s "$out") bytes)"
}

# One build of a language at a time (parallel test processes share target/).
locked() { # language
  local lock=$OUT/.build-$1.lock
  exec {fd}>"$lock"
  flock "$fd"
  "build_$1"
  exec {fd}>&-
}

what=${1:-all}
case $what in
  python) locked python ;;
  js) locked js ;;
  all) locked python; locked js ;;
  *) echo "usage: $0 [python|js|all]" >&2; exit 2 ;;
esac
