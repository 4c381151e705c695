"""`ob http`: registered through the `ouroboros.cli` entry-point group."""

from typing import Any

from ouroboros.core.cli import add_module_command


def register(subparsers: Any) -> None:
    add_module_command(subparsers, "http", "ouroboros.http", "ouroboros.http commands")
