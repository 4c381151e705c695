"""The Argus daemon: one live index, JSON-RPC 2.0 over a Unix socket.

Each request and response is one JSON line. Requests are answered
concurrently (queries run in threads; the index releases the GIL), lines are
capped at 1 MiB so a bad client cannot grow the server's buffers, and a
malformed request gets a JSON-RPC error, never a dropped connection.

    {"jsonrpc": "2.0", "id": 1, "method": "hover", "params": {"path": "...", "line": 3, "column": 5}}
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ouroboros.argus._index import Index

MAX_LINE = 1 << 20
METHODS = {
    "definition": ("path", "line", "column"),
    "references": ("path", "line", "column", "include_declaration"),
    "hover": ("path", "line", "column"),
    "type_at": ("path", "line", "column"),
    "document_symbols": ("path",),
    "workspace_symbols": ("query", "limit"),
    "diagnostics": ("path",),
    "update": ("path",),
    "stats": (),
}


def default_socket(root: Path) -> Path:
    """One socket per project root, in a per-user runtime folder."""
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / f"ouroboros-argus-{os.getuid()}"
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return base / f"{digest}.sock"


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def dispatch(index: Index, method: str, params: Any) -> Any:
    """Run one JSON-RPC method on the index (in a worker thread)."""
    if method not in METHODS:
        raise RpcError(-32601, f"unknown method {method!r}; known: {', '.join(sorted(METHODS))}")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RpcError(-32602, "params must be an object")
    unknown = set(params) - set(METHODS[method])
    if unknown:
        raise RpcError(-32602, f"unknown parameter(s) for {method}: {', '.join(sorted(unknown))}")
    try:
        return getattr(index, method)(**params)
    except (TypeError, ValueError, OverflowError, FileNotFoundError) as exc:
        raise RpcError(-32602, f"{type(exc).__name__}: {exc}") from exc


class Server:
    """Serve an index on a Unix socket until `shutdown` or a signal."""

    def __init__(self, index: Index, path: Path) -> None:
        self.index = index
        self.path = path
        self._stop = asyncio.Event()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not reader.at_eof():
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.IncompleteReadError:
                    break
                except asyncio.LimitOverrunError:
                    await self._discard_line(reader)
                    writer.write(self._error(None, -32600, f"request line longer than {MAX_LINE} bytes") + b"\n")
                    await writer.drain()
                    continue
                writer.write(await self._respond(line) + b"\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    @staticmethod
    async def _discard_line(reader: asyncio.StreamReader) -> None:
        """Skip the rest of an over-long line without buffering it."""
        while True:
            try:
                await reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as exc:
                await reader.readexactly(exc.consumed)
            except asyncio.IncompleteReadError:
                return

    @staticmethod
    def _error(rid: Any, code: int, message: str) -> bytes:
        return json.dumps({"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}).encode()

    async def _respond(self, line: bytes) -> bytes:
        try:
            req = json.loads(line)
        except ValueError as exc:
            return self._error(None, -32700, f"parse error: {exc}")
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            return self._error(None, -32600, "a request is an object with a string `method`")
        rid = req.get("id")
        method = req["method"]
        if method == "shutdown":
            self._stop.set()
            return json.dumps({"jsonrpc": "2.0", "id": rid, "result": None}).encode()
        try:
            result = await asyncio.to_thread(dispatch, self.index, method, req.get("params"))
        except RpcError as exc:
            return self._error(rid, exc.code, str(exc))
        except Exception as exc:  # noqa: BLE001 - one failing query must not stop the daemon
            return self._error(rid, -32603, f"{type(exc).__name__}: {exc}")
        return json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}).encode()

    async def serve(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        server = await asyncio.start_unix_server(self._handle, path=str(self.path), limit=MAX_LINE)
        os.chmod(self.path, 0o600)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        async with server:
            await self._stop.wait()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def serve(roots: list[Path], socket_path: Path, python: str | None = None, watch: bool = True) -> int:
    started = time.perf_counter()
    index = Index(*roots, python=python, watch=watch)
    stats = index.stats()
    print(
        f"argus: indexed {stats['project']} project files and {stats['dependencies']} dependencies "
        f"in {time.perf_counter() - started:.2f}s; serving on {socket_path}",
        file=sys.stderr,
        flush=True,
    )
    asyncio.run(Server(index, socket_path).serve())
    return 0


class Client:
    """A blocking client of the daemon (one connection, requests in order)."""

    def __init__(self, path: Path, timeout: float = 60.0) -> None:
        self.path = path
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(str(path))
        except OSError:
            self._sock.close()
            raise
        self._file = self._sock.makefile("rwb")
        self._next = 0

    def call(self, method: str, **params: Any) -> Any:
        self._next += 1
        msg = {"jsonrpc": "2.0", "id": self._next, "method": method, "params": params}
        self._file.write(json.dumps(msg).encode() + b"\n")
        self._file.flush()
        line = self._file.readline(MAX_LINE * 64)
        if not line:
            raise ConnectionError(f"the argus daemon at {self.path} closed the connection")
        reply = json.loads(line)
        if "error" in reply:
            raise RpcError(reply["error"]["code"], reply["error"]["message"])
        return reply["result"]

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect_or_start(root: Path, socket_path: Path | None = None, timeout: float = 120.0) -> Client:
    """Reuse the daemon serving `root`, or start one in the background."""
    path = socket_path or default_socket(root)
    try:
        return Client(path)
    except OSError:
        pass
    log = path.with_suffix(".log")
    command = [sys.executable, "-m", "ouroboros_argus", "server", "--root", str(root), "--socket", str(path)]
    # Started through a short-lived launcher so the daemon is not our child:
    # it outlives this process and is never left as a zombie.
    launcher = (
        "import subprocess, sys; "
        "subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=open(sys.argv[1], 'ab'), "
        "stderr=subprocess.STDOUT, start_new_session=True)"
    )
    subprocess.run([sys.executable, "-c", launcher, str(log), *command], check=True, timeout=60)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return Client(path)
        except OSError as exc:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the argus daemon did not start within {timeout:.0f}s; see {log}") from exc
            time.sleep(0.05)
