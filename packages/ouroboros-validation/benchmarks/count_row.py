"""Run one row of ``bench_validation.py`` N times, for instruction counts.

Timings on a shared machine move with the load; instruction counts do not.
Run the script twice under callgrind, with N and with 0 calls, and divide
the difference by N (``count_rows.sh`` does exactly that for every row)::

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python benchmarks/count_row.py failure 2000

Rows: dict, json, dump, dump_json, failure, list (``--peer`` runs Pydantic's
side of the row instead; ``--msgspec`` runs msgspec's side of the rows it has:
json, dump, dump_json).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import bench_validation as bench


def row(name: str, mod: Any) -> Any:
    model, many = bench.pydantic_like(mod)
    inst = model.model_validate(bench.DATA)
    err = mod.ValidationError

    def failure() -> None:
        try:
            model.model_validate(bench.BAD)
        except err:
            return
        raise AssertionError("expected a validation failure")

    return {
        "dict": lambda: model.model_validate(bench.DATA),
        "json": lambda: model.model_validate_json(bench.RAW),
        "dump": inst.model_dump,
        "dump_json": inst.model_dump_json,
        "failure": failure,
        "list": lambda: many.validate_python(bench.MANY),
    }[name]


def msgspec_row(name: str) -> Any:
    import msgspec

    inst = msgspec.json.decode(bench.RAW, type=bench.MUser)
    rows = {
        "json": lambda: msgspec.json.decode(bench.RAW, type=bench.MUser),
        "dump": lambda: msgspec.to_builtins(inst),
        "dump_json": lambda: msgspec.json.encode(inst),
    }
    if name not in rows:
        raise SystemExit(f"msgspec has no {name} row here (rows: {', '.join(rows)})")
    return rows[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("row", choices=["dict", "json", "dump", "dump_json", "failure", "list"])
    parser.add_argument("calls", type=int)
    side = parser.add_mutually_exclusive_group()
    side.add_argument("--peer", action="store_true", help="run Pydantic's side of the row")
    side.add_argument("--msgspec", action="store_true", help="run msgspec's side of the row")
    args = parser.parse_args()
    if args.msgspec:
        fn = msgspec_row(args.row)
    else:
        import pydantic

        import ouroboros.validation as ov

        fn = row(args.row, pydantic if args.peer else ov)
    for _ in range(50):  # warm caches (spare error lists, interned strings) in both runs
        fn()
    for _ in range(args.calls):
        fn()


if __name__ == "__main__":
    main()
