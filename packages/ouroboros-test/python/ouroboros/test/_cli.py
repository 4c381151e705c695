"""`ob test`: registered through the `ouroboros.cli` entry-point group.

``ob test PATH... [options]`` runs tests (the same options as
``python -m ouroboros.test``); ``ob test info`` shows the native runtime.
"""

from __future__ import annotations

import argparse
from typing import Any

# The same `info` output as every other module's `ob <module> info`.
from ouroboros.core.cli import _print_info


def _handle(args: argparse.Namespace) -> int:
    rest = list(args.test_args)
    if rest[:1] == ["info"]:
        return _print_info("ouroboros.test", as_json="--json" in rest[1:])
    from ouroboros.test._main import main

    return main(rest, prog="ob test")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "test",
        help="run ouroboros.test suites (ob test PATH... ; ob test info)",
        add_help=False,
        prefix_chars="\0",
    )
    parser.add_argument("test_args", nargs=argparse.REMAINDER)
    parser.set_defaults(handler=_handle)
