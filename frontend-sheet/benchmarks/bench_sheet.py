"""`nox -s bench -- sheet`: the spreadsheet scenarios of issue 17 on this
engine (native, release build), this engine in WebAssembly (node) and
HyperFormula (node), in one run, with ratios.

S1: 100,000 rows A=n, B=A*2, C=C(prev)+B; edit A1 and recalculate.
S2: S1 plus D=SUM(A$1:An) on every row; edit A1 and recalculate.
S3: build the 100,000-row S2 sheet (enter everything, compute it once).
"S3 (block)": S3 natively the way the WebAssembly API enters it (one block of
typed texts through sheet-history, recorded for undo).

"S1"/"S2" are the best of five edits of A1; "first edit" rows are the first
edit after building, which also finds the formulas to recompute and their
order (later edits of the same cell reuse it).

    python frontend-sheet/benchmarks/bench_sheet.py [rows]
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHEET = ROOT / "frontend-sheet"


def lines(cmd: list[str], cwd: Path) -> list[dict]:
    out = subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main() -> None:
    rows = sys.argv[1] if len(sys.argv) > 1 else "100000"
    native = lines(
        ["cargo", "run", "-q", "--release", "-p", "sheet-core", "--example", "bench_sheet", "--", rows], ROOT
    )
    results: dict[tuple[str, str], float] = {("rusheet (native)", r["scenario"]): r["ms"] for r in native}
    # S3 natively through the path the WebAssembly API takes (typed texts, undo history).
    for r in lines(
        ["cargo", "run", "-q", "--release", "-p", "sheet-history", "--example", "build_block", "--", rows], ROOT
    ):
        results[("rusheet (native)", r["scenario"])] = r["ms"]
    for r in lines(["node", "benchmarks/bench_node.mjs", rows], SHEET):
        results[(r["engine"], r["scenario"])] = r["ms"]
    engines = ["rusheet (native)", "rusheet (WASM)", "HyperFormula"]
    print(f"spreadsheet scenarios, {rows} rows ({datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, {platform.node()})")
    print("| scenario | " + " | ".join(engines) + " | HyperFormula / native | HyperFormula / WASM |")
    print("|---|" + "---|" * (len(engines) + 2))
    for scenario in ["S1 first edit", "S1", "S2 first edit", "S2", "S3", "S3 (block)"]:
        cells = [results.get((e, scenario)) for e in engines]
        hf, nat, wasm = results.get(("HyperFormula", scenario)), cells[0], cells[1]
        ratios = [f"{hf / x:.1f}x" if hf and x else "-" for x in (nat, wasm)]
        times = " | ".join(f"{c:.1f} ms" if c is not None else "-" for c in cells)
        print(f"| {scenario} | {times} | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
