"""The Argus command line: `ob argus ...` and `python -m ouroboros_argus ...`.

check PATH            diagnostics of a project, exit code 1 when any
definition FILE:LINE:COL, references, hover, type   one-shot queries
symbols FILE | --query Q
server                the daemon (JSON-RPC on a Unix socket, files watched)
mcp-server            MCP over stdio (starts or reuses the daemon)
mcp                   print a client configuration for the MCP server
lsp                   the Language Server Protocol over stdio (for editors)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _index(args: argparse.Namespace, roots: list[Path]) -> Any:
    from ouroboros.argus import Index

    return Index(*roots, python=args.python)


def _check(args: argparse.Namespace) -> int:
    target = Path(args.path)
    if not target.exists():
        print(f"argus: no such file or folder: {target}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    index = _index(args, [target])
    diags = index.diagnostics()
    if args.json:
        print(json.dumps(diags, indent=1))
    else:
        cwd = Path.cwd()
        for d in diags:
            path = Path(d["path"])
            shown = path.relative_to(cwd) if path.is_relative_to(cwd) else path
            print(f"{shown}:{d['line']}:{d['column']}: {d['severity']}[{d['code']}] {d['message']}")
        stats = index.stats()
        print(
            f"argus: {len(diags)} problem{'s' if len(diags) != 1 else ''} in {stats['project']} files "
            f"({time.perf_counter() - started:.2f}s)",
            file=sys.stderr,
        )
    return 1 if diags else 0


def _position(spec: str) -> tuple[Path, int, int]:
    path, _, rest = spec.rpartition(":")
    path2, _, line = path.rpartition(":")
    try:
        return Path(path2), int(line), int(rest)
    except ValueError:
        raise SystemExit(f"argus: expected FILE:LINE:COLUMN, got {spec!r}") from None


def _query(args: argparse.Namespace) -> int:
    path, line, column = _position(args.position)
    root = Path(args.root) if args.root else path.parent
    index = _index(args, [root])
    method = {"type": "type_at"}.get(args.query, args.query)
    result = getattr(index, method)(path, line, column)
    print(json.dumps(result, indent=1))
    return 0 if result else 1


def _symbols(args: argparse.Namespace) -> int:
    root = Path(args.root or (args.file and Path(args.file).parent) or ".")
    index = _index(args, [root])
    result = index.workspace_symbols(args.query) if args.query else index.document_symbols(args.file)
    print(json.dumps(result, indent=1))
    return 0


def _server(args: argparse.Namespace) -> int:
    from ouroboros.argus._daemon import default_socket, serve

    root = Path(args.root).resolve()
    sock = Path(args.socket) if args.socket else default_socket(root)
    return serve([root], sock, python=args.python, watch=not args.no_watch)


def _mcp_server(args: argparse.Namespace) -> int:
    from ouroboros.argus._mcp import run

    return run(Path(args.root), Path(args.socket) if args.socket else None)


def _mcp_config(args: argparse.Namespace) -> int:
    from ouroboros.argus._mcp import client_config

    print(json.dumps(client_config(Path(args.root)), indent=2))
    return 0


def _lsp(args: argparse.Namespace) -> int:
    from ouroboros.argus._lsp import run

    return run()


def add_commands(commands: Any) -> None:
    """Add Argus's subcommands to an argparse subparsers object."""

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--python", help="interpreter whose site-packages resolve imports (default: .venv or this one)")
        return p

    check = common(commands.add_parser("check", help="report problems in a project; exit 1 when there are any"))
    check.add_argument("path", help="project folder or file")
    check.add_argument("--json", action="store_true", help="print diagnostics as JSON")
    check.set_defaults(handler=_check)
    for name, text in [
        ("definition", "where the symbol at FILE:LINE:COL is defined"),
        ("references", "every reference to the symbol at FILE:LINE:COL"),
        ("hover", "signature/type and docstring at FILE:LINE:COL"),
        ("type", "inferred type at FILE:LINE:COL"),
    ]:
        q = common(commands.add_parser(name, help=text))
        q.add_argument("position", help="FILE:LINE:COLUMN (1-based)")
        q.add_argument("--root", help="project root (default: the file's folder)")
        q.set_defaults(handler=_query, query=name)
    sym = common(commands.add_parser("symbols", help="symbols of a file, or project symbols matching --query"))
    sym.add_argument("file", nargs="?")
    sym.add_argument("--query", help="search project symbols by name")
    sym.add_argument("--root", help="project root")
    sym.set_defaults(handler=_symbols)
    server = common(commands.add_parser("server", help="run the daemon: live index, JSON-RPC on a Unix socket"))
    server.add_argument("--root", default=".", help="project root (default: current folder)")
    server.add_argument("--socket", help="socket path (default: per-user runtime folder, one per root)")
    server.add_argument("--no-watch", action="store_true", help="do not watch files for changes")
    server.set_defaults(handler=_server)
    mcp_server = commands.add_parser("mcp-server", help="serve MCP over stdio (starts or reuses the daemon)")
    mcp_server.add_argument("--root", default=".", help="project root (default: current folder)")
    mcp_server.add_argument("--socket", help="daemon socket path")
    mcp_server.set_defaults(handler=_mcp_server)
    mcp = commands.add_parser("mcp", help="print an MCP client configuration (Claude Desktop's mcpServers)")
    mcp.add_argument("--root", default=".", help="project root (default: current folder)")
    mcp.set_defaults(handler=_mcp_config)
    lsp = commands.add_parser("lsp", help="serve the Language Server Protocol over stdio (for editors)")
    lsp.set_defaults(handler=_lsp)


def register(subparsers: Any) -> None:
    """`ob argus`: the entry point of the `ouroboros.cli` group."""
    from ouroboros.core.cli import add_module_command

    parser = add_module_command(subparsers, "argus", "ouroboros.argus", "Argus static analysis commands")
    add_commands(parser.subcommands)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m ouroboros_argus`."""
    parser = argparse.ArgumentParser(prog="python -m ouroboros_argus", description="Argus: static analysis for Python.")
    add_commands(parser.add_subparsers(dest="command", metavar="COMMAND"))
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return int(handler(args) or 0)
