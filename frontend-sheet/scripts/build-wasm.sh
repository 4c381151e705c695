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
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--sysroot $SYSROOT"
# The engine is optimised for speed (opt-level 3, wasm-opt -O3: about 0.8 MB,
# under its 1,500,000-byte limit); the XLSX module, fetched on first use, for
# size (opt-level z, wasm-opt -Oz).
say "cargo build -p sheet-wasm (wasm32, release, opt-level 3)"
CARGO_PROFILE_RELEASE_OPT_LEVEL=3 /usr/bin/cargo build -q -p sheet-wasm --target wasm32-unknown-unknown --release
say "cargo build -p sheet-wasm-xlsx (wasm32, release, opt-level z)"
CARGO_PROFILE_RELEASE_OPT_LEVEL=z /usr/bin/cargo build -q -p sheet-wasm-xlsx --target wasm32-unknown-unknown --release

# Two modules: the engine (pkg/sheet_wasm*) and XLSX import/export
# (pkg/sheet_xlsx*), which rusheet fetches on first use.
rm -rf "$SHEET/pkg"
for crate in sheet_wasm:sheet_wasm:-O3 sheet_wasm_xlsx:sheet_xlsx:-Oz; do
  IFS=: read -r lib out level <<<"$crate"
  "$WASM_BINDGEN" --target web --out-dir "$SHEET/pkg" --out-name "$out" \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/$lib.wasm"
  say "wasm-opt $level $out"
  "$SHEET/node_modules/.bin/wasm-opt" "$level" --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    "$SHEET/pkg/${out}_bg.wasm" -o "$SHEET/pkg/${out}_bg.wasm"
  say "pkg/${out}_bg.wasm: $(stat -c %s "$SHEET/pkg/${out}_bg.wasm") bytes"
done
