"""``ob sheet serve``: the spreadsheet page and its collaboration server.

The spreadsheet is not a Python package: its engine is WebAssembly, its page
is bundled with node, its server is the ``sheet-collab`` binary. They live in
an ouroboros checkout (``frontend-sheet/``), and this command runs them from
there: it builds what is missing (``frontend-sheet/scripts/serve.sh``), starts
the server, and prints the address to open. Everyone who opens the same
address (``?doc=<name>``) edits the same sheet.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

SERVE_SCRIPT = Path("frontend-sheet") / "scripts" / "serve.sh"
# The line sheet-collab prints once it listens (its port when --port 0 was asked).
LISTENING = re.compile(r"sheet-collab listening on ws://(?P<addr>[^/\s]+)/")


def find_root(start: Path) -> Path | None:
    """The ouroboros checkout holding ``start`` (the first parent with the spreadsheet's serve script)."""
    for folder in [start, *start.parents]:
        if (folder / SERVE_SCRIPT).is_file():
            return folder
    return None


def absolute_store(url: str) -> str:
    """A relative ``file://`` store made absolute: serve.sh runs the server from frontend-sheet/."""
    path = url.removeprefix("file://")
    if url.startswith("file://") and not path.startswith("/"):
        return f"file://{(Path.cwd() / path).resolve()}"
    return url


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds ``ob sheet`` and ``ob sheet serve``."""
    sheet = subparsers.add_parser("sheet", help="the spreadsheet in the browser (from an ouroboros checkout)")
    commands = sheet.add_subparsers(dest="sheet_command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the spreadsheet page with real-time collaboration",
        description="Builds what is missing, then serves the spreadsheet page and its collaboration "
        "server on one port. Open the printed address in two windows: both edit the same sheet.",
    )
    serve.add_argument("--root", type=Path, help="the ouroboros checkout (default: the one holding this folder)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=1234, help="port, 0 for any free one (default 1234)")
    serve.add_argument(
        "--store",
        default="file://./sheet-collab.redb",
        help="where documents are kept: file:///path.redb (default ./sheet-collab.redb), "
        "redis://host:port/db or memory://",
    )
    serve.add_argument("--relay", help="share documents with other servers through Redis (redis://host:port/db)")
    serve.add_argument("--doc", default="welcome", help="the document the printed address opens (default welcome)")
    serve.set_defaults(handler=serve_command)
    sheet.set_defaults(handler=lambda _args: sheet.print_help() or 2)


def serve_command(args: argparse.Namespace) -> int:
    """Runs serve.sh; prints the page's address once the server listens; stops it on Ctrl+C."""
    if not 0 <= args.port <= 65535:
        print(f"ob sheet serve: --port takes 0 to 65535, got {args.port}", file=sys.stderr)
        return 2
    root = args.root.resolve() if args.root else find_root(Path.cwd().resolve())
    if root is None or not (root / SERVE_SCRIPT).is_file():
        where = f"{args.root} has no {SERVE_SCRIPT}" if args.root else f"no {SERVE_SCRIPT} above {Path.cwd()}"
        print(
            f"ob sheet serve: {where}; run it inside an ouroboros checkout or pass --root <checkout>",
            file=sys.stderr,
        )
        return 2
    command = ["bash", str(root / SERVE_SCRIPT), "--host", args.host, "--port", str(args.port)]
    command += ["--store", absolute_store(args.store)]
    if args.relay:
        command += ["--relay", args.relay]
    print(f"[sheet] building what is missing and starting the server ({root / SERVE_SCRIPT})", flush=True)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            print(line, end="", flush=True)
            found = LISTENING.search(line)
            if found:
                url = f"http://{found['addr']}/?doc={args.doc}"
                print(f"[sheet] open {url} (a second window on the same address edits the same sheet)", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        # SIGTERM makes sheet-collab write every document before it exits.
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 130
