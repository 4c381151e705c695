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
# Size first: the module must stay under 1.5 MB (about 2 MB at opt-level 3).
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--sysroot $SYSROOT"
say "cargo build -p sheet-wasm (wasm32, release)"
/usr/bin/cargo build -q -p sheet-wasm --target wasm32-unknown-unknown --release

WASM=$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/sheet_wasm.wasm
rm -rf "$SHEET/pkg"
"$WASM_BINDGEN" --target web --out-dir "$SHEET/pkg" --out-name sheet_wasm "$WASM"
say "wasm-opt -Oz"
"$SHEET/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  "$SHEET/pkg/sheet_wasm_bg.wasm" -o "$SHEET/pkg/sheet_wasm_bg.wasm"
size=$(stat -c %s "$SHEET/pkg/sheet_wasm_bg.wasm")
say "pkg/sheet_wasm_bg.wasm: $size bytes"
