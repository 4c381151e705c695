#!/usr/bin/env bash
# Builds sheet-wasm for wasm32 with Debian's Rust and a self-built sysroot
# (docs/wasm-toolchain.md), generates the JavaScript glue with wasm-bindgen
# into frontend-sheet/pkg/, and shrinks the module with wasm-opt (npm
# `binaryen`). Run from anywhere; `npm ci` must have run in frontend-sheet/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHEET=$ROOT/frontend-sheet
say() { printf '[build-wasm] %s\n' "$*" >&2; }

eval "$("$SHEET/scripts/wasm-toolchain.sh")"
: "${SYSROOT:?}" "${WASM_BINDGEN:?}"

export RUSTC=/usr/bin/rustc
export CARGO_TARGET_DIR=$ROOT/target/wasm
# The sysroot is built with panic=abort; the workspace's release profile
# unwinds (for Python), which wasm32 without unwinding support cannot.
export CARGO_PROFILE_RELEASE_PANIC=abort
# Size first: the engine's module must stay under 1,500,000 bytes.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--sysroot $SYSROOT"
say "cargo build -p sheet-wasm -p sheet-wasm-xlsx (wasm32, release)"
/usr/bin/cargo build -q -p sheet-wasm -p sheet-wasm-xlsx --target wasm32-unknown-unknown --release

# Two modules: the engine (pkg/sheet_wasm*) and XLSX import/export
# (pkg/sheet_xlsx*), which rusheet fetches on first use.
rm -rf "$SHEET/pkg"
for crate in sheet_wasm:sheet_wasm sheet_wasm_xlsx:sheet_xlsx; do
  lib=${crate%%:*} out=${crate##*:}
  "$WASM_BINDGEN" --target web --out-dir "$SHEET/pkg" --out-name "$out" \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/$lib.wasm"
  say "wasm-opt -Oz $out"
  "$SHEET/node_modules/.bin/wasm-opt" -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    "$SHEET/pkg/${out}_bg.wasm" -o "$SHEET/pkg/${out}_bg.wasm"
  say "pkg/${out}_bg.wasm: $(stat -c %s "$SHEET/pkg/${out}_bg.wasm") bytes"
done
