"""ouroboros.api against FastAPI+uvicorn, Robyn and a bare hyper handler.

Each server is pinned to CPU 0 and loaded alone; wrk runs pinned to CPU 1. Routes:
GET /plain, GET /items/{id}?q=&limit= (path + query), POST /users (nested
body validated, response_model filtered), GET /dep (one dependency).
The ratios against bare hyper use its fixed-body GET (the physical limit),
which runs at every row's turn, so bare hyper's column holds that GET;
the row "body+model vs bare hyper, same work" compares the body route with
bare hyper doing that route's work in Rust alone (src/bare.rs).

Run: ``python benchmarks/bench_api.py [--duration 5] [--connections 64] [--rounds 1]``.
Two tables: requests/second, and server CPU time per request (user + system
time of the server's processes during the run, divided by the requests
served); ``1e6 / us`` is the rate one full core would sustain.
Every server stays up for the whole run. With ``--rounds N`` each round runs
every route on every server, one after another (a different server first
each round); the tables give medians, and a third table gives ouroboros's CPU
per request over each other server's measured in the same round (median and
range). This machine's speed drifts by up to 2x between minutes, so compare
those same-round ratios, not numbers from separate runs:
``--servers ouroboros,bare-hyper --rounds 9 --duration 2`` checks the goal
against bare hyper.
Set BENCH_SERVE=<name> BENCH_PORT=<port> to run one server by hand.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUTES = {
    "plain": ("GET", "/plain", None),
    "path+query": ("GET", "/items/42?q=hello&limit=5", None),
    "body+model": (
        "POST",
        "/users",
        {
            "name": "Alice",
            "email": "alice@example.com",
            "age": 30,
            "address": {"street": "1 Main St", "city": "Paris"},
            "tags": ["a", "b"],
        },
    ),
    "depends": ("GET", "/dep", None),
    # HTTP/2 with prior knowledge (h2load), for the servers that speak it.
    "plain (h2c)": ("GET", "/plain", None),
}
H2_ROUTE = "plain (h2c)"
# The bare hyper server answers GET with a fixed body (the physical limit,
# which the ratios of every other row use; it runs at each row's turn) and does the body route's work in
# Rust alone (src/bare.rs: serde structs, the same checks, the response
# model's JSON): that comparison is a row of its own.
SAME_WORK = "body+model vs bare hyper, same work"
H2_SERVERS = {"ouroboros", "bare-hyper"}
SERVERS = ["ouroboros", "fastapi", "robyn", "bare-hyper"]


# --------------------------------------------------------------- the servers


def define_app(app, body, depends, query, base_model):
    """The benchmark app, written once against FastAPI's API.

    ouroboros.api and FastAPI both run this very code: only the imports
    differ, which is the porting story the benchmark is about.
    """
    from typing import Annotated

    class Address(base_model):
        street: str
        city: str

    class UserIn(base_model):
        name: str
        email: str
        address: Address
        age: int = 0
        tags: list[str] = []  # noqa: RUF012 - a field default, copied per instance

    class UserOut(base_model):
        id: int
        name: str
        address: Address

    @app.get("/plain")
    async def plain() -> dict:
        return {"message": "hello"}

    @app.get("/items/{item_id}")
    async def item(item_id: int, q: str | None = None, limit: Annotated[int, query(ge=1, le=100)] = 10) -> dict:
        return {"item_id": item_id, "q": q, "limit": limit}

    @app.post("/users", response_model=UserOut)
    async def create_user(user: Annotated[UserIn, body()]) -> dict:
        return {"id": 1, "name": user.name, "email": user.email, "address": user.address}

    async def get_db() -> dict:
        return {"db": "ok"}

    @app.get("/dep")
    async def dep(db: Annotated[dict, depends(get_db)]) -> dict:
        return {"db": db["db"]}

    return app


def serve_ouroboros(port: int) -> None:
    import asyncio

    from ouroboros.api import App, Body, Depends, Query
    from ouroboros.validation import BaseModel

    app = define_app(App(), Body, Depends, Query, BaseModel)
    asyncio.run(app.serve("127.0.0.1", port))


def serve_fastapi(port: int) -> None:
    import uvicorn
    from fastapi import Body, Depends, FastAPI, Query
    from pydantic import BaseModel

    app = define_app(FastAPI(), Body, Depends, Query, BaseModel)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False, loop="uvloop", http="httptools")


def serve_robyn(port: int) -> None:
    from robyn import Robyn

    app = Robyn(__file__)

    @app.get("/plain")
    async def plain(request):
        return {"message": "hello"}

    @app.get("/items/:item_id")
    async def item(request):
        limit = int(request.query_params.get("limit", "10"))
        return {
            "item_id": int(request.path_params["item_id"]),
            "q": request.query_params.get("q", None),
            "limit": limit,
        }

    @app.post("/users")
    async def create_user(request):
        body = request.json()
        return {"id": 1, "name": body["name"], "address": body["address"]}

    async def get_db() -> dict:
        return {"db": "ok"}

    @app.get("/dep")
    async def dep(request):
        db = await get_db()
        return {"db": db["db"]}

    sys.argv = [sys.argv[0], "--processes", "1", "--workers", "1"]
    app.start(host="127.0.0.1", port=port, _check_port=False)


def serve_bare(port: int) -> None:
    from ouroboros.api import _api

    _api.serve_bare("127.0.0.1", port)


# --------------------------------------------------------------- the driver


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Server on CPU 0, load generator on CPU 1 (emptied without taskset).
PIN_SERVER = ["taskset", "-c", "0"]
PIN_CLIENT = ["taskset", "-c", "1"]


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of ``root`` and its descendants."""
    total, stack, seen = 0.0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            for task in Path(f"/proc/{pid}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, IndexError, ValueError):
            continue
    return total


def run_wrk(port: int, route: str, duration: int, connections: int, tmp: Path) -> tuple[float, int] | None:
    method, path, body = ROUTES[route]
    cmd = [*PIN_CLIENT, "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    if body is not None:
        script = tmp / f"{route}.lua"
        payload = json.dumps(body).replace("\\", "\\\\").replace('"', '\\"')
        script.write_text(
            f'wrk.method = "{method}"\nwrk.body = "{payload}"\nwrk.headers["Content-Type"] = "application/json"\n'
        )
        cmd += ["-s", str(script)]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"  ! {route}: {non2xx.group(1)} non-2xx responses", file=sys.stderr)
        return None
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    n = re.search(r"(\d+) requests in", out)
    return (float(m.group(1)), int(n.group(1))) if m and n else None


LOAD_CLIENT = """
import asyncio, json, sys, time

def main():
    port, duration, connections = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    request = sys.stdin.buffer.read()
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    stats = {"ok": 0, "bad": 0}
    stop = [False]

    class Conn(asyncio.Protocol):
        def __init__(self, done):
            self.buf, self.need, self.done = bytearray(), None, done

        def connection_made(self, transport):
            self.t = transport
            transport.write(request)

        def data_received(self, data):
            self.buf += data
            while True:
                if self.need is None:
                    end = self.buf.find(b"\\r\\n\\r\\n")
                    if end < 0:
                        return
                    head = bytes(self.buf[:end]).lower()
                    i = head.find(b"content-length:")
                    length = int(head[i + 15:].split(b"\\r\\n", 1)[0]) if i >= 0 else 0
                    self.status = head[9:12]
                    self.need = end + 4 + length
                if len(self.buf) < self.need:
                    return
                del self.buf[:self.need]
                self.need = None
                stats["ok" if self.status[:1] in (b"2", b"3") else "bad"] += 1
                if stop[0]:
                    self.t.close()
                    return
                self.t.write(request)

        def connection_lost(self, exc):
            if not self.done.done():
                self.done.set_result(None)

    async def run():
        loop = asyncio.get_running_loop()
        dones = []
        for _ in range(connections):
            done = loop.create_future()
            await loop.create_connection(lambda: Conn(done), "127.0.0.1", port)
            dones.append(done)
        started = time.perf_counter()
        await asyncio.sleep(duration)
        stop[0] = True
        n = stats["ok"] + stats["bad"]
        elapsed = time.perf_counter() - started
        await asyncio.wait(dones, timeout=5)
        print(json.dumps({"requests": n, "bad": stats["bad"], "elapsed": elapsed}))

    asyncio.run(run())

main()
"""


def run_h2load(port: int, duration: int, connections: int) -> tuple[float, int] | None:
    """HTTP/2 load with h2load (nghttp2): ``connections`` connections with
    16 concurrent streams each."""
    conns = max(1, connections // 16)
    cmd = [*PIN_CLIENT, "h2load", "-D", str(duration), "-c", str(conns), "-m", "16", f"http://127.0.0.1:{port}/plain"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    rate = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    codes = re.search(r"status codes: (\d+) 2xx", out)
    if not (done and rate and codes) or int(codes.group(1)) != int(done.group(1)):
        print(f"  ! h2c: h2load failed or non-2xx answers: {out[-400:]}", file=sys.stderr)
        return None
    return float(rate.group(1)), int(done.group(1))


def run_python_load(port: int, route: str, duration: int, connections: int) -> tuple[float, int] | None:
    """A keep-alive load generator in Python (uvloop when installed), for
    machines without wrk: ``connections`` connections, one request in
    flight on each. It saturates fewer req/s than wrk, so compare the CPU
    time per request table."""
    method, path, body = ROUTES[route]
    payload = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    request = head.encode() + b"\r\n" + payload
    out = subprocess.run(
        [*PIN_CLIENT, sys.executable, "-c", LOAD_CLIENT, str(port), str(duration), str(connections)],
        input=request,
        capture_output=True,
        check=False,
    )
    try:
        result = json.loads(out.stdout)
    except ValueError:
        print(f"  ! {route}: load client failed: {out.stderr.decode()[-500:]}", file=sys.stderr)
        return None
    if result["bad"]:
        print(f"  ! {route}: {result['bad']} non-2xx responses", file=sys.stderr)
        return None
    return result["requests"] / result["elapsed"], result["requests"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="interleaved rounds: each runs every route on every server; the tables give the "
        "medians, and with 2 or more a table of the per-round ratios follows",
    )
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if installed (auto), else a Python asyncio client",
    )
    parser.add_argument(
        "--raw",
        type=Path,
        help="also write every round's values (req/s and CPU us per request, per server and row) "
        "to this JSON file, so that several runs can be pooled",
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.duration < 1:
        parser.error("--rounds and --duration must be at least 1")
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    if args.client == "wrk" and shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk), use --client python")
    if shutil.which("taskset") is None:
        PIN_SERVER.clear()
        PIN_CLIENT.clear()

    have_h2load = shutil.which("h2load") is not None
    if not have_h2load:
        print("h2load is not installed (apt-get install -y nghttp2-client): no HTTP/2 row", file=sys.stderr)

    def load(port: int, route: str, duration: int) -> tuple[float, int] | None:
        if route == H2_ROUTE:
            return run_h2load(port, duration, args.connections)
        if args.client == "wrk":
            return run_wrk(port, route, duration, args.connections, tmp)
        return run_python_load(port, route, duration, args.connections)

    servers = args.servers.split(",")

    def steps(name: str, route: str) -> list[tuple[str, str]]:
        """What ``name`` runs at ``route``'s turn: (the route loaded, the row it fills)."""
        if route == H2_ROUTE:
            return [(route, route)] if name in H2_SERVERS and have_h2load else []
        if name != "bare-hyper":
            return [(route, route)]
        # bare hyper's plain GET is the reference of every row: it runs at each
        # row's turn, next to the other servers' run of that row.
        return [("body+model", SAME_WORK), ("plain", route)] if route == "body+model" else [("plain", route)]

    # One list per (server, row): a value per round.
    rps: Rounds = {}
    cpu: Rounds = {}
    procs: dict[str, subprocess.Popen] = {}
    ports: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        try:
            # Every server is up for the whole run (idle ones cost nothing), so
            # the rounds can interleave them: each round runs every route on every
            # server, one after another, starting with a different server each
            # round. Values of one round were measured seconds apart, which is
            # what makes their ratio mean something on a machine whose speed drifts.
            for name in servers:
                port = free_port()
                env = {**os.environ, "BENCH_SERVE": name, "BENCH_PORT": str(port), "OUROBOROS_WORKER_THREADS": "1"}
                proc = subprocess.Popen(
                    [*PIN_SERVER, sys.executable, __file__],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                procs[name] = proc
                if not wait_ready(port):
                    print(f"{name}: did not start", file=sys.stderr)
                    continue
                ports[name] = port
                rps[name], cpu[name] = {}, {}
                for route in ROUTES:
                    for loaded, _row in steps(name, route):
                        load(port, loaded, 1)  # warm-up
            live = [name for name in servers if name in rps]
            for round_no in range(args.rounds):
                if args.rounds > 1:
                    print(f"round {round_no + 1} of {args.rounds}", file=sys.stderr)
                order = live[round_no % len(live) :] + live[: round_no % len(live)] if live else []
                for route in ROUTES:
                    for name, (loaded, row) in [(n, step) for n in order for step in steps(n, route)]:
                        proc = procs[name]
                        before = tree_cpu_seconds(proc.pid)
                        measured = load(ports[name], loaded, args.duration)
                        used = tree_cpu_seconds(proc.pid) - before
                        # A failed measurement leaves its round's slot empty, so the
                        # rounds of two servers stay aligned.
                        ok = measured is not None and measured[1] > 0
                        rps[name].setdefault(row, [None] * args.rounds)[round_no] = measured[0] if ok else None
                        cpu[name].setdefault(row, [None] * args.rounds)[round_no] = (
                            used * 1e6 / measured[1] if ok else None
                        )
        finally:
            for proc in procs.values():
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    median = "median of " + str(args.rounds) + " rounds, " if args.rounds > 1 else ""
    print_table(
        f"req/s, {median}server on CPU 0, {args.client} client ({args.connections} connections, "
        f"{args.duration}s per route) on CPU 1",
        servers,
        medians(rps),
        "{:,.0f}",
        higher_is_better=True,
    )
    print_table(
        f"server CPU time per request (us), {median}lower is better",
        servers,
        medians(cpu),
        "{:.1f}",
        higher_is_better=False,
    )
    if args.rounds > 1 and "ouroboros" in cpu:
        print_round_ratios(servers, cpu, args.rounds)
    if args.raw:
        args.raw.write_text(json.dumps({"rounds": args.rounds, "duration": args.duration, "rps": rps, "cpu": cpu}))


Rounds = dict[str, dict[str, list[float | None]]]


def table_rows() -> list[str]:
    """The routes, with the same-work row after the body route."""
    return [row for route in ROUTES for row in ([route, SAME_WORK] if route == "body+model" else [route])]


def medians(data: Rounds) -> dict[str, dict[str, float | None]]:
    """The median of each (server, row) over the rounds that measured it."""
    out: dict[str, dict[str, float | None]] = {}
    for name, rows in data.items():
        out[name] = {}
        for row, values in rows.items():
            got = [v for v in values if v is not None]
            out[name][row] = statistics.median(got) if got else None
    return out


def print_round_ratios(servers: list[str], cpu: Rounds, rounds: int) -> None:
    """ouroboros's CPU per request over each other server's, round by round."""
    print(
        f"\nouroboros's server CPU per request / the other server's, measured in the same round "
        f"(median of {rounds} rounds, range); below 1 means ouroboros used less\n"
    )
    others = [s for s in servers if s != "ouroboros" and s in cpu]
    print("| route | " + " | ".join(f"ouroboros / {s}" for s in others) + " |")
    print("|" + "---|" * (len(others) + 1))
    ours_rows = cpu["ouroboros"]
    for route in table_rows():
        ours = ours_rows.get("body+model" if route == SAME_WORK else route)
        cells = []
        for s in others:
            theirs = cpu[s].get(route)
            ratios = sorted(a / b for a, b in zip(ours or [], theirs or [], strict=False) if a and b)
            if not ratios:
                cells.append("-")
                continue
            cells.append(f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})")
        print(f"| {route} | " + " | ".join(cells) + " |")


def print_table(
    title: str, servers: list[str], data: dict[str, dict[str, float | None]], fmt: str, higher_is_better: bool
) -> None:
    print(f"\n{title}\n")
    header = ["route", *servers] + [f"ouroboros vs {s}" for s in servers if s != "ouroboros"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for route in table_rows():
        row = [route]
        for s in servers:
            v = data.get(s, {}).get("body+model" if route == SAME_WORK and s == "ouroboros" else route)
            row.append(fmt.format(v) if v else "-")
        ours = data.get("ouroboros", {}).get("body+model" if route == SAME_WORK else route)
        for s in servers:
            if s == "ouroboros":
                continue
            v = data.get(s, {}).get(route)
            if s == "bare-hyper" and v is None and route not in (H2_ROUTE, SAME_WORK):
                v = data.get(s, {}).get("plain")  # the limit is the same for every route
            ratio = (ours / v if higher_is_better else v / ours) if ours and v else None
            row.append(f"{ratio:.2f}x" if ratio else "-")
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    which = os.environ.get("BENCH_SERVE")
    if which:
        {"ouroboros": serve_ouroboros, "fastapi": serve_fastapi, "robyn": serve_robyn, "bare-hyper": serve_bare}[which](
            int(os.environ["BENCH_PORT"])
        )
    else:
        main()
