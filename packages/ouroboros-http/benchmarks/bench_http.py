"""ouroboros.http against httpx, aiohttp and pyreqwest, in one run, one local server.

The server is `core/examples/bench_server.rs` (a small tokio HTTP/1.1
keep-alive server, built here with cargo's release profile), pinned to CPU 0
with taskset; this process (all clients, one asyncio loop each) is pinned to
CPU 1. Rows: 1 KB JSON GETs at concurrency 1, 10 and 100 (the JSON is parsed
by every client), and POSTs of 10 KB and 1 MB bodies at concurrency 10.
Two streaming rows: a 100 MiB upload from an async generator of 64 KiB chunks
and a 100 MiB download read chunk by chunk, each in a fresh process per client
that reports its peak RSS (VmHWM from /proc/self/status: ru_maxrss would carry
the forking parent's peak across exec).

Each client runs in its own fresh process (so one library's state or exit
crash cannot affect another's numbers), one after the other.

Usage: python bench_http.py [--requests N] [--big-requests N] [--rounds N] [--clients a,b,...]
                            [--only requests|upload|download]
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

STREAM_CHUNK = 64 * 1024


async def chunks(total: int) -> Any:
    """``total`` bytes as 64 KiB chunks (one buffer, so producing costs nothing)."""
    piece = b"u" * STREAM_CHUNK
    for _ in range(total // STREAM_CHUNK):
        yield piece


# Each streaming factory returns (upload(total) -> bytes received, download(total) -> bytes read, close).


def _httpx_style(c: Any, url: str) -> Any:
    """upload/download for a client with httpx's API (ouroboros.http and httpx itself)."""

    async def upload(total: int) -> int:
        return (await c.post(url + "/upload", content=chunks(total))).json()["received"]

    async def download(total: int) -> int:
        n = 0
        async with c.stream("GET", f"{url}/download/{total}") as r:
            async for chunk in r.aiter_bytes():
                n += len(chunk)
        return n

    return upload, download, c.aclose


async def stream_ouroboros(url: str) -> Any:
    from ouroboros.http import HttpClient, Timeout

    return _httpx_style(HttpClient(timeout=Timeout(60)), url)


async def stream_httpx(url: str) -> Any:
    import httpx

    return _httpx_style(httpx.AsyncClient(timeout=60), url)


async def stream_aiohttp(url: str) -> Any:
    import aiohttp

    s = aiohttp.ClientSession()

    async def upload(total: int) -> int:
        async with s.post(url + "/upload", data=chunks(total)) as r:
            return (await r.json())["received"]

    async def download(total: int) -> int:
        n = 0
        async with s.get(f"{url}/download/{total}") as r:
            async for chunk in r.content.iter_any():
                n += len(chunk)
        return n

    return upload, download, s.close


async def stream_pyreqwest(url: str) -> Any:
    from pyreqwest.client import ClientBuilder

    c = ClientBuilder().build()
    await c.__aenter__()

    async def upload(total: int) -> int:
        r = await c.post(url + "/upload").body_stream(chunks(total)).build().send()
        return (await r.json())["received"]

    async def download(total: int) -> int:
        n = 0
        async with c.get(f"{url}/download/{total}").build_streamed() as r:
            reader = r.body_reader
            while (chunk := await reader.read_chunk()) is not None:
                n += len(chunk)
        return n

    return upload, download, c.close


STREAMERS = {
    "ouroboros": stream_ouroboros,
    "httpx": stream_httpx,
    "aiohttp": stream_aiohttp,
    "pyreqwest": stream_pyreqwest,
}


def peak_rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def measure_stream(name: str, url: str, kind: str, total: int, rounds: int) -> dict[str, float]:
    upload, download, close = await STREAMERS[name](url)
    run = upload if kind == "upload" else download
    try:
        await run(STREAM_CHUNK * 16)  # warm the pool and the code paths
        base = peak_rss_mib()
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            got = await run(total)
            best = min(best, time.perf_counter() - start)
            if got != total:
                raise RuntimeError(f"{name} {kind}: {got} bytes instead of {total}")
    finally:
        r = close()
        if asyncio.iscoroutine(r):
            await r
    peak = peak_rss_mib()
    return {"mib_s": total / (1 << 20) / best, "peak": peak, "growth": peak - base}


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


def run_stream_worker(name: str, url: str, kind: str, total: int, rounds: int) -> int:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    out = asyncio.run(measure_stream(name, url, kind, total, rounds))
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


def run_worker(name: str, url: str, n: int, big: int) -> int:
    """Measure one client in this process and print its results as JSON."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    out = asyncio.run(measure(name, url, make_rows(n, big)))
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


def _child(name: str, url: str, extra: list[str]) -> dict[str, float]:
    """Run one measurement in a fresh process; its last JSON line."""
    cmd = [sys.executable, __file__, "--worker", name, "--url", url, *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"{name} {' '.join(extra)} failed (exit {done.returncode}): {done.stderr[-2000:]}")
    if done.returncode != 0:
        print(f"  ({name} exited {done.returncode} after reporting)", file=sys.stderr)
    result: dict[str, float] = json.loads(lines[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=5_000)
    ap.add_argument("--big-requests", type=int, default=500, help="requests for the 1 MB POST row")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every client (the best counts)")
    ap.add_argument("--clients", default=",".join(CLIENTS))
    ap.add_argument("--stream-mib", type=int, default=100, help="size of the streamed upload and download")
    ap.add_argument("--stream-rounds", type=int, default=3, help="transfers per streaming row (the best counts)")
    ap.add_argument("--only", choices=["requests", "upload", "download"], help="run only these rows")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--stream-kind", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker and args.stream_kind:
        return run_stream_worker(args.worker, args.url, args.stream_kind, args.stream_mib << 20, args.stream_rounds)
    if args.worker:
        return run_worker(args.worker, args.url, args.requests, args.big_requests)
    names = [n for n in args.clients.split(",") if n]
    for n in names:
        if n not in CLIENTS:
            ap.error(f"unknown client {n!r}; choose from {', '.join(CLIENTS)}")
    binary = build_server()
    load_at_start = os.getloadavg()[0]
    proc, port = start_server(binary)
    url = f"http://127.0.0.1:{port}"
    n = args.requests
    rows = make_rows(n, args.big_requests)
    results: dict[str, dict[str, float]] = {}
    streams: dict[str, dict[str, dict[str, float]]] = {}
    kinds = [k for k in ("upload", "download") if args.only in (None, k)]
    try:
        # Rounds interleave the clients (A B C D, A B C D, ...) and each row keeps a
        # client's best round: on a machine shared with other work, a burst of load
        # then costs every client alike instead of whichever ran during it.
        for r in range(args.rounds):
            for name in names if args.only in (None, "requests") else ():
                got = _child(name, url, ["--requests", str(n), "--big-requests", str(args.big_requests)])
                for label, value in got.items():
                    results.setdefault(name, {})[label] = max(value, results.get(name, {}).get(label, 0.0))
                print(f"  round {r + 1}: measured {name}", file=sys.stderr)
            for kind in kinds:
                for name in names:
                    extra = ["--stream-kind", kind, "--stream-mib", str(args.stream_mib)]
                    got = _child(name, url, [*extra, "--stream-rounds", str(args.stream_rounds)])
                    best = streams.setdefault(kind, {}).setdefault(name, {"mib_s": 0.0, "peak": 0.0, "growth": 0.0})
                    # Fastest transfer; largest peak (the memory bound must hold in every round).
                    best.update({k: max(best[k], got[k]) for k in best})
                    print(f"  round {r + 1}: measured {name} {kind}", file=sys.stderr)
    finally:
        proc.kill()
    peers = [n for n in names if n != "ouroboros"]
    head = ["row", *(f"{n} req/s" for n in names), *(f"vs {p}" for p in peers if "ouroboros" in names)]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, *_ in rows if results else ():
        cells = [label, *(f"{results[n][label]:,.0f}" for n in names)]
        if "ouroboros" in results:
            cells += [f"{results['ouroboros'][label] / results[p][label]:.2f}x" for p in peers]
        print("| " + " | ".join(cells) + " |")
    mib = args.stream_mib
    for kind in kinds:
        label = f"stream {mib} MiB {kind}"
        got = streams[kind]
        cells = [f"{label}, MiB/s", *(f"{got[n]['mib_s']:,.0f}" for n in names)]
        if "ouroboros" in got:
            cells += [f"{got['ouroboros']['mib_s'] / got[p]['mib_s']:.2f}x" for p in peers]
        print("| " + " | ".join(cells) + " |")
        cells = [f"{label}, peak RSS MiB (growth)", *(f"{got[n]['peak']:.0f} (+{got[n]['growth']:.0f})" for n in names)]
        if "ouroboros" in got:
            cells += [f"{got['ouroboros']['peak'] / got[p]['peak']:.2f}x" for p in peers]
        print("| " + " | ".join(cells) + " |")
    print(
        f"\nserver: core/examples/bench_server.rs (tokio, 1 thread) on CPU 0; each client in its own process "
        f"on CPU 1; {n} requests per row ({args.big_requests} for 1 MB); best of {args.rounds} interleaved "
        f"rounds per row; streaming rows: best of "
        f"{args.stream_rounds} transfers, peak RSS = the client process's VmHWM (growth: above its peak after "
        f"warm-up); python {sys.version.split()[0]}; load average {load_at_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
