"""ouroboros.http against httpx, aiohttp and pyreqwest, in one run, one local server.

The server is `core/examples/bench_server.rs` (a small tokio HTTP/1.1
keep-alive server, built here with cargo's release profile), pinned to CPU 0
with taskset; this process (all clients, one asyncio loop each) is pinned to
CPU 1. Rows: 1 KB JSON GETs at concurrency 1, 10 and 100 (the JSON is parsed
by every client), and POSTs of 10 KB and 1 MB bodies at concurrency 10.

Each client runs in its own fresh process (so one library's state or exit
crash cannot affect another's numbers), one after the other.

Usage: python bench_http.py [--requests N] [--big-requests N] [--clients a,b,...]
Prints requests per second and each peer's ratio to ouroboros.http.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[3]
HERE = pathlib.Path(__file__).resolve().parent


def build_server() -> pathlib.Path:
    cmd = [
        "cargo",
        "build",
        "--quiet",
        "--profile",
        "release",
        "-p",
        "ouroboros-http-core",
        "--example",
        "bench_server",
    ]
    subprocess.run(cmd, cwd=ROOT, check=True)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "examples" / "bench_server"


def start_server(binary: pathlib.Path) -> tuple[subprocess.Popen[str], int]:
    cmd = [str(binary), "0"]
    if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1:
        cmd = ["taskset", "-c", "0", *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"bench server did not start: {line!r}")
    return proc, int(line.split()[1])


Send = Callable[[], Awaitable[Any]]


async def run_load(send: Send, total: int, concurrency: int) -> float:
    per_worker, extra = divmod(total, concurrency)

    async def worker(n: int) -> None:
        for _ in range(n):
            await send()

    start = time.perf_counter()
    await asyncio.gather(*(worker(per_worker + (1 if i < extra else 0)) for i in range(concurrency)))
    return total / (time.perf_counter() - start)


# Each client factory returns (get_json, post(body)) coroutine makers and a closer.


async def make_ouroboros(url: str) -> Any:
    from ouroboros.http import HttpClient, Limits

    c = HttpClient(limits=Limits(max_connections=None, max_keepalive_connections=200))
    await c.__aenter__()

    async def get() -> Any:
        return (await c.get(url + "/json")).json()

    async def post(body: bytes) -> Any:
        return (await c.post(url + "/upload", content=body)).json()

    return get, post, c.aclose


async def make_httpx(url: str) -> Any:
    import httpx

    c = httpx.AsyncClient(limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))

    async def get() -> Any:
        return (await c.get(url + "/json")).json()

    async def post(body: bytes) -> Any:
        return (await c.post(url + "/upload", content=body)).json()

    return get, post, c.aclose


async def make_aiohttp(url: str) -> Any:
    import aiohttp

    s = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))

    async def get() -> Any:
        async with s.get(url + "/json") as r:
            return await r.json()

    async def post(body: bytes) -> Any:
        async with s.post(url + "/upload", data=body) as r:
            return await r.json()

    return get, post, s.close


async def make_pyreqwest(url: str) -> Any:
    from pyreqwest.client import ClientBuilder

    c = ClientBuilder().build()
    await c.__aenter__()

    async def get() -> Any:
        r = await c.get(url + "/json").build().send()
        return await r.json()

    async def post(body: bytes) -> Any:
        r = await c.post(url + "/upload").body_bytes(body).build().send()
        return await r.json()

    return get, post, c.close


CLIENTS = {"ouroboros": make_ouroboros, "httpx": make_httpx, "aiohttp": make_aiohttp, "pyreqwest": make_pyreqwest}


async def measure(name: str, url: str, rows: list[tuple[str, str, int, int, bytes | None]]) -> dict[str, float]:
    get, post, close = await CLIENTS[name](url)
    out: dict[str, float] = {}
    try:
        for label, kind, total, conc, body in rows:
            if kind == "get":
                await run_load(get, min(200, total), conc)  # warm the pool
                out[label] = await run_load(get, total, conc)
            else:
                assert body is not None

                async def send(b: bytes = body) -> Any:
                    return await post(b)

                await run_load(send, min(50, total), conc)
                out[label] = await run_load(send, total, conc)
    finally:
        r = close()
        if asyncio.iscoroutine(r):
            await r
    return out


def make_rows(n: int, big: int) -> list[tuple[str, str, int, int, bytes | None]]:
    return [
        ("GET 1 KB JSON, c=1", "get", n, 1, None),
        ("GET 1 KB JSON, c=10", "get", n, 10, None),
        ("GET 1 KB JSON, c=100", "get", n, 100, None),
        ("POST 10 KB, c=10", "post", n, 10, b"x" * 10_240),
        ("POST 1 MB, c=10", "post", big, 10, b"x" * 1_048_576),
    ]


def run_worker(name: str, url: str, n: int, big: int) -> int:
    """Measure one client in this process and print its results as JSON."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    out = asyncio.run(measure(name, url, make_rows(n, big)))
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--big-requests", type=int, default=1_000, help="requests for the 1 MB POST row")
    ap.add_argument("--clients", default=",".join(CLIENTS))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return run_worker(args.worker, args.url, args.requests, args.big_requests)
    names = [n for n in args.clients.split(",") if n]
    for n in names:
        if n not in CLIENTS:
            ap.error(f"unknown client {n!r}; choose from {', '.join(CLIENTS)}")
    binary = build_server()
    proc, port = start_server(binary)
    url = f"http://127.0.0.1:{port}"
    n = args.requests
    rows = make_rows(n, args.big_requests)
    results: dict[str, dict[str, float]] = {}
    try:
        for name in names:
            cmd = [
                sys.executable,
                __file__,
                "--worker",
                name,
                "--url",
                url,
                "--requests",
                str(n),
                "--big-requests",
                str(args.big_requests),
            ]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
            if not lines:
                raise RuntimeError(f"{name} failed (exit {done.returncode}): {done.stderr[-2000:]}")
            results[name] = json.loads(lines[-1])
            note = "" if done.returncode == 0 else f" (process exited {done.returncode} after reporting)"
            print(f"  measured {name}{note}", file=sys.stderr)
    finally:
        proc.kill()
    peers = [n for n in names if n != "ouroboros"]
    head = ["row", *(f"{n} req/s" for n in names), *(f"vs {p}" for p in peers if "ouroboros" in results)]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, *_ in rows:
        cells = [label, *(f"{results[n][label]:,.0f}" for n in names)]
        if "ouroboros" in results:
            cells += [f"{results['ouroboros'][label] / results[p][label]:.2f}x" for p in peers]
        print("| " + " | ".join(cells) + " |")
    print(
        f"\nserver: core/examples/bench_server.rs (tokio, 1 thread) on CPU 0; each client in its own process "
        f"on CPU 1; {n} requests per row ({args.big_requests} for 1 MB); python {sys.version.split()[0]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
