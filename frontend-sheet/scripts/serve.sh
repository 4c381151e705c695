#!/usr/bin/env bash
# Serves the spreadsheet page and its collaboration server on one port:
# builds what is missing (node modules, the WebAssembly module, the page
# bundle, the sheet-collab binary), then runs
#   sheet-collab --static frontend-sheet/web [your arguments]
# e.g. scripts/serve.sh --port 8080 --store file:///var/lib/sheets.redb
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHEET=$ROOT/frontend-sheet
say() { printf '[serve] %s\n' "$*" >&2; }
cd "$SHEET"
[ -d node_modules ] || { say "npm ci"; npm ci --no-audit --no-fund --loglevel=error; }
[ -f pkg/sheet_wasm_bg.wasm ] && [ -f pkg/sheet_xlsx_bg.wasm ] || { say "building the WebAssembly module"; bash scripts/build-wasm.sh; }
say "bundling the page"
node scripts/build-web.mjs >/dev/null
say "cargo build -p sheet-collab"
(cd "$ROOT" && cargo build -q --profile ci -p sheet-collab --bin sheet-collab)
exec "$ROOT/target/ci/sheet-collab" --static "$SHEET/web" "$@"
