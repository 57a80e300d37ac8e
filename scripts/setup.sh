#!/usr/bin/env bash
# Installs what building charmbox and its example charms needs: the Rust
# target that emits WebAssembly components. Safe to run again.
set -euo pipefail
if ! command -v cargo >/dev/null; then
  echo "error: cargo not found; install Rust with rustup (https://rustup.rs) first" >&2
  exit 1
fi
if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi
