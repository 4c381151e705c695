"""The ``ob`` command.

``ob --version`` lists every installed ouroboros module. Each installed package
adds its own subcommands through the ``ouroboros.cli`` entry-point group, so
``ob tasks`` exists only where ouroboros-tasks is installed. ``ob sheet`` is
the kit's own: the spreadsheet is not a Python package (see sheet.py).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from importlib import metadata

from ouroboros.core.cli import ENTRY_POINT_GROUP
from ouroboros.kit import sheet

with warnings.catch_warnings():
    # `ob` reports incompatibilities itself, as text, in `ob --version`.
    warnings.simplefilter("ignore")
    from ouroboros.kit import __version__, module_statuses


def version_report() -> str:
    """The text of ``ob --version``: the kit, then each module, installed or not."""
    lines = [f"ouroboros-kit {__version__}"]
    statuses = module_statuses()
    width = max(len(s.distribution) for s in statuses)
    for s in statuses:
        if s.installed is None:
            state = "not installed"
        elif s.compatible:
            state = s.installed
        else:
            state = f"{s.installed}  INCOMPATIBLE (supported {s.supported}; fix: {s.fix})"
        lines.append(f"  {s.distribution:<{width}}  {state}")
    return "\n".join(lines)


class _VersionAction(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="list installed ouroboros modules and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(version_report())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The ``ob`` parser with every installed package's subcommands."""
    parser = argparse.ArgumentParser(
        prog="ob",
        description="Command line of the ouroboros platform.",
        epilog="Installed packages add commands here; `ob --version` lists them.",
    )
    parser.add_argument("--version", action=_VersionAction)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            register = entry_point.load()
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not hide the others
            print(f"ob: cannot load the `{entry_point.name}` commands ({entry_point.value}): {exc}", file=sys.stderr)
            continue
        register(subparsers)
    sheet.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ob``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return int(handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
