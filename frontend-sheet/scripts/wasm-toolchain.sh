#!/usr/bin/env bash
# Sets up what building sheet-wasm needs on a Debian machine, offline-friendly
# (see docs/wasm-toolchain.md): Debian's Rust with its library source, a
# wasm32 sysroot built once from that source, and wasm-bindgen-cli at the exact
# version in Cargo.lock. Prints `KEY=value` lines for the caller (noxfile.py).
#
#   frontend-sheet/scripts/wasm-toolchain.sh          install what is missing
#
# The sysroot and wasm-bindgen-cli live in $SHEET_TOOLCHAIN_DIR (default:
# ~/.cache/ouroboros/sheet-wasm, shared by every clone on the machine), keyed
# by version, so a security update of rustc rebuilds the sysroot.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${SHEET_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ouroboros/sheet-wasm}
say() { printf '[wasm-toolchain] %s\n' "$*" >&2; }

have_debian_rust() {
  [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] \
    && [ -d "/usr/src/rustc-$(/usr/bin/rustc -V | cut -d' ' -f2)/library" ] \
    && dpkg -s lld-22 >/dev/null 2>&1
}
if ! have_debian_rust; then
  if [ "$(id -u)" != 0 ]; then
    say "Debian's Rust is missing: sudo apt-get install rustc-web cargo-web rust-web-src rust-web-llvm lld-22"
    exit 1
  fi
  say "installing Debian's rustc-web, its library source and lld"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >/dev/null; }
fi

RUSTC_VERSION=$(/usr/bin/rustc -V | cut -d' ' -f2)
SYSROOT=$CACHE/sysroot-$RUSTC_VERSION
LIBDIR=$SYSROOT/lib/rustlib/wasm32-unknown-unknown/lib
if [ ! -f "$SYSROOT/.complete" ]; then
  say "building the wasm32 sysroot for rustc $RUSTC_VERSION (once, about a minute)"
  rm -rf "$SYSROOT" "$CACHE/sysroot-build"
  mkdir -p "$CACHE/sysroot-build/src/.cargo" "$LIBDIR"
  cd "$CACHE/sysroot-build"
  cat > Cargo.toml <<'TOML'
[package]
name = "sysroot-probe"
version = "0.0.0"
edition = "2021"
[lib]
path = "lib.rs"
[workspace]
TOML
  echo '' > lib.rs
  mkdir -p .cargo
  # std's own dependencies come from the vendored copy shipped with the source.
  cat > .cargo/config.toml <<TOML
[source.crates-io]
replace-with = "debian-std-vendor"
[source.debian-std-vendor]
directory = "/usr/src/rustc-$RUSTC_VERSION/library/vendor"
TOML
  env -u RUSTC_WRAPPER RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Cembed-bitcode=yes \
    /usr/bin/cargo build -q -Z build-std=std,panic_abort --target wasm32-unknown-unknown --release
  cp target/wasm32-unknown-unknown/release/deps/lib*.rlib "$LIBDIR/"
  ln -sfn /usr/lib/rustlib/x86_64-unknown-linux-gnu "$SYSROOT/lib/rustlib/x86_64-unknown-linux-gnu"
  cd "$ROOT"
  rm -rf "$CACHE/sysroot-build"
  touch "$SYSROOT/.complete"
fi

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' "$ROOT/Cargo.lock")
WB_ROOT=$CACHE/wasm-bindgen-$WB_VERSION
if [ ! -x "$WB_ROOT/bin/wasm-bindgen" ]; then
  say "installing wasm-bindgen-cli $WB_VERSION (once, a few minutes)"
  # --locked first (the versions its authors tested); when one of those was
  # withdrawn from the registry, the newest compatible versions instead.
  cargo install -q wasm-bindgen-cli --version "=$WB_VERSION" --locked --root "$WB_ROOT" \
    || cargo install -q wasm-bindgen-cli --version "=$WB_VERSION" --root "$WB_ROOT"
fi
echo "SYSROOT=$SYSROOT"
echo "WASM_BINDGEN=$WB_ROOT/bin/wasm-bindgen"
