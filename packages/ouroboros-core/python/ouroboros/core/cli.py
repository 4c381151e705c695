"""Helpers for the subcommands packages add to the ``ob`` command.

``ob`` belongs to ouroboros-kit. Each package registers a function in the
``ouroboros.cli`` entry-point group; it receives the ``argparse`` subparsers
object and adds its own command, so ``ob kv`` exists only where ouroboros-kv is
installed.
"""

from __future__ import annotations

import argparse
import importlib
import json
from typing import Any

ENTRY_POINT_GROUP = "ouroboros.cli"


def add_module_command(subparsers: Any, name: str, module: str, help_text: str) -> argparse.ArgumentParser:
    """Add ``ob <name>`` with an ``info`` subcommand and return its parser.

    Packages add their own subcommands to the returned parser's
    ``subcommands`` attribute.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text)
    commands = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
    info = commands.add_parser("info", help=f"show the version and native runtime of {module}")
    info.add_argument("--json", action="store_true", help="print machine-readable JSON")
    info.set_defaults(handler=lambda args: _print_info(module, as_json=args.json))
    parser.set_defaults(handler=lambda args: parser.print_help() or 0)
    parser.subcommands = commands  # type: ignore[attr-defined]
    return parser


def module_info(module: str) -> dict[str, Any]:
    """Version and native-runtime facts of an installed ouroboros module."""
    mod = importlib.import_module(module)
    native = importlib.import_module(f"{module}._{module.rsplit('.', 1)[1]}")
    info = {"module": module, "version": mod.__version__}
    info.update(native._runtime_info())
    return info


def _print_info(module: str, *, as_json: bool) -> int:
    info = module_info(module)
    if as_json:
        print(json.dumps(info, sort_keys=True))
    else:
        width = max(len(k) for k in info)
        for key, value in info.items():
            print(f"{key:<{width}}  {value}")
    return 0
