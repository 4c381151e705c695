"""`ob argus mcp-server`: Argus over the Model Context Protocol (stdio).

The protocol (initialize with version negotiation, tools/list, tools/call,
JSON Schema validation of arguments) is the official `mcp` SDK's; this module
only declares the tools and forwards each call to the daemon serving the
project, starting the daemon when none is running.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import mcp.types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from ouroboros.argus import __version__
from ouroboros.argus._daemon import Client, RpcError, connect_or_start

_POSITION = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "description": "file path, absolute or relative to the project root"},
        "line": {"type": "integer", "minimum": 1, "description": "1-based line"},
        "column": {"type": "integer", "minimum": 1, "description": "1-based column (characters)"},
    },
    "required": ["path", "line", "column"],
    "additionalProperties": False,
}


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


TOOLS: list[types.Tool] = [
    types.Tool(
        name="definition",
        description="Where the symbol at a position is defined (follows imports and aliases).",
        inputSchema=_POSITION,
    ),
    types.Tool(
        name="references",
        description="Every reference to the symbol at a position, across the project (imports, aliases, attributes).",
        inputSchema=_schema(
            {**_POSITION["properties"], "include_declaration": {"type": "boolean", "default": True}},
            ["path", "line", "column"],
        ),
    ),
    types.Tool(
        name="hover",
        description="Signature or inferred type and the docstring of the symbol at a position.",
        inputSchema=_POSITION,
    ),
    types.Tool(name="type_at", description="The inferred type of the expression at a position.", inputSchema=_POSITION),
    types.Tool(
        name="symbols",
        description="Classes, functions, methods and variables defined in one file.",
        inputSchema=_schema({"path": _POSITION["properties"]["path"]}, ["path"]),
    ),
    types.Tool(
        name="diagnostics",
        description="Problems found by Argus (unresolved imports, undefined names, unknown attributes, wrong arity, "
        "syntax errors) in one file, or in the whole project when no path is given.",
        inputSchema=_schema({"path": _POSITION["properties"]["path"]}, []),
    ),
    types.Tool(
        name="search",
        description="Find project symbols (classes, functions, variables) whose name contains the query.",
        inputSchema=_schema(
            {"query": {"type": "string", "minLength": 1}, "limit": {"type": "integer", "minimum": 1, "default": 50}},
            ["query"],
        ),
    ),
]


class Bridge:
    """One daemon connection shared by the tool calls (serialized by a lock)."""

    def __init__(self, root: Path, socket_path: Path | None) -> None:
        self.root = root
        self.socket_path = socket_path
        self._client: Client | None = None
        self._lock = threading.Lock()

    def _resolve(self, path: str) -> str:
        p = Path(path)
        return str((p if p.is_absolute() else self.root / p).resolve())

    def call(self, tool: str, args: dict[str, Any]) -> Any:
        args = dict(args)
        if "path" in args:
            args["path"] = self._resolve(args["path"])
        method, params = {
            "symbols": ("document_symbols", args),
            "search": ("workspace_symbols", args),
        }.get(tool, (tool, args))
        with self._lock:
            for attempt in (0, 1):
                if self._client is None:
                    self._client = connect_or_start(self.root, self.socket_path)
                try:
                    return self._client.call(method, **params)
                except (ConnectionError, OSError):
                    self._client = None
                    if attempt:
                        raise
        return None


def build_server(bridge: Bridge) -> Server:
    server: Server = Server("argus", version=__version__, instructions="Semantic queries over a Python codebase.")

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return TOOLS

    @server.call_tool()
    async def call_tool(name: str, arguments: dict[str, Any]) -> list[types.TextContent]:
        if name not in {t.name for t in TOOLS}:
            raise ValueError(f"unknown tool {name!r}")
        try:
            result = await asyncio.to_thread(bridge.call, name, arguments or {})
        except RpcError as exc:
            raise ValueError(str(exc)) from exc
        return [types.TextContent(type="text", text=json.dumps(result, indent=1))]

    return server


def run(root: Path, socket_path: Path | None = None) -> int:
    bridge = Bridge(root.resolve(), socket_path)

    async def main() -> None:
        server = build_server(bridge)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    asyncio.run(main())
    return 0


def client_config(root: Path) -> dict[str, Any]:
    """A ready `mcpServers` entry for Claude Desktop and other MCP clients."""
    ob = shutil.which("ob")
    if ob:
        command, args = ob, ["argus", "mcp-server", "--root", str(root.resolve())]
    else:
        command, args = sys.executable, ["-m", "ouroboros_argus", "mcp-server", "--root", str(root.resolve())]
    return {"mcpServers": {"argus": {"command": command, "args": args}}}
