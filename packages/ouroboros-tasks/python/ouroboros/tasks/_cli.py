"""`ob tasks`: registered through the `ouroboros.cli` entry-point group.

    ob tasks worker app:tasks --concurrency 20 --processes 2 [--scheduler]
    ob tasks scheduler app:tasks
    ob tasks stats app:tasks [--json]
    ob tasks dead-letters app:tasks [-Q queue] [--limit N]
    ob tasks revoke app:tasks TASK_ID
    ob tasks purge app:tasks -Q queue

``app:tasks`` names a module and the :class:`~ouroboros.tasks.App` in it
(the current directory is importable, as with uvicorn). The same commands
run as ``python -m ouroboros.tasks …``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from typing import Any

from ouroboros.core.cli import add_module_command

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the event
    fields the worker attaches (event, task, task_id, queue, attempt, runtime)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": round(record.created, 6),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def setup_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ouroboros.tasks")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def load_app(target: str) -> Any:
    """``module:attribute`` -> the App object."""
    from ouroboros.tasks.app import App

    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise SystemExit(f"ob tasks: expected MODULE:APP (like app:tasks), got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SystemExit(f"ob tasks: cannot import {module_name!r}: {exc}") from None
    app = module
    for part in attr.split("."):
        try:
            app = getattr(app, part)
        except AttributeError:
            raise SystemExit(f"ob tasks: module {module_name!r} has no attribute {attr!r}") from None
    if not isinstance(app, App):
        raise SystemExit(f"ob tasks: {target!r} is a {type(app).__name__}, not an ouroboros.tasks.App")
    return app


def _queues(value: str | None) -> list[str] | None:
    return [q.strip() for q in value.split(",") if q.strip()] if value else None


def _worker(args: argparse.Namespace) -> int:
    setup_logging(args.log_level, args.log_format)
    if args.processes > 1:
        return _supervise(args)
    from ouroboros.tasks.worker import Worker

    app = load_app(args.app)
    worker = Worker(
        app,
        queues=_queues(args.queues),
        concurrency=args.concurrency,
        threads=args.threads,
        shutdown_timeout=args.shutdown_timeout,
        heartbeat=args.heartbeat,
        scheduler=args.scheduler,
    )
    worker.run_forever()
    return 0


def _supervise(args: argparse.Namespace) -> int:
    """Start ``--processes`` single-process workers and relay signals to them."""
    base = [sys.executable, "-m", "ouroboros.tasks", "worker", args.app, "--processes", "1"]
    base += ["--concurrency", str(args.concurrency), "--shutdown-timeout", str(args.shutdown_timeout)]
    base += ["--heartbeat", str(args.heartbeat), "--log-level", args.log_level, "--log-format", args.log_format]
    if args.queues:
        base += ["--queues", args.queues]
    if args.threads:
        base += ["--threads", str(args.threads)]
    log = logging.getLogger("ouroboros.tasks.supervisor")
    children: list[subprocess.Popen[bytes]] = []
    for i in range(args.processes):
        # One scheduler candidate is enough; the lease keeps it single anyway.
        cmd = base + (["--scheduler"] if args.scheduler and i == 0 else [])
        children.append(subprocess.Popen(cmd))
    log.info("started %d worker processes: %s", len(children), ", ".join(str(c.pid) for c in children))
    stopping = False

    def relay(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, relay)
    signal.signal(signal.SIGINT, relay)
    while True:
        for i, child in enumerate(children):
            code = child.poll()
            if code is not None and not stopping:
                log.error("worker process %d exited with %s; restarting it", child.pid, code)
                children[i] = subprocess.Popen(child.args)
        if stopping and all(c.poll() is not None for c in children):
            return 0
        time.sleep(0.2)


def _scheduler(args: argparse.Namespace) -> int:
    import asyncio

    from ouroboros.tasks.scheduler import Scheduler

    setup_logging(args.log_level, args.log_format)
    app = load_app(args.app)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await Scheduler(app).run(stop)

    asyncio.run(main())
    return 0


def collect_stats(app: Any) -> dict[str, Any]:
    """Workers alive, per-task totals over every worker that ever ran, queue counts."""
    from ouroboros.tasks._message import loads

    broker = app.broker
    workers = [loads(v) for _, v in broker.kv_scan("workers.", wait=True)]
    tasks: dict[str, dict[str, float]] = {}
    for _, raw in broker.kv_scan("stats.", wait=True):
        for name, s in loads(raw).get("tasks", {}).items():
            total = tasks.setdefault(name, {})
            for key, value in s.items():
                total[key] = max(total.get(key, 0.0), value) if key.endswith("_max") else total.get(key, 0) + value
    for total in tasks.values():
        runs = total.get("succeeded", 0)
        total["runtime_avg"] = total.get("runtime_sum", 0.0) / runs if runs else 0.0
        total["latency_avg"] = total.get("latency_sum", 0.0) / runs if runs else 0.0
    queues = {q: app.counts(q) for q in app.queues()}
    return {"workers": workers, "tasks": tasks, "queues": queues}


def _stats(args: argparse.Namespace) -> int:
    app = load_app(args.app)
    stats = collect_stats(app)
    if args.json:
        print(json.dumps(stats, indent=2, sort_keys=True))
        return 0
    print(f"broker: {app.url}")
    print(f"\nworkers alive: {len(stats['workers'])}")
    for w in stats["workers"]:
        print(f"  {w['worker']}  queues={','.join(w['queues'])}  active={w['active']}  processed={w['processed']}")
    print("\nqueues:")
    print(f"  {'queue':<20} {'ready':>8} {'in flight':>10} {'delayed':>8} {'dead':>6}")
    for q, c in stats["queues"].items():
        print(f"  {q:<20} {c['ready']:>8} {c['in_flight']:>10} {c['delayed']:>8} {c['dead']:>6}")
    print("\ntasks:")
    header = f"  {'task':<40} {'ok':>8} {'failed':>7} {'retried':>8} {'dead':>5} {'avg ms':>8} {'max ms':>8}"
    print(header)
    for name, t in sorted(stats["tasks"].items()):
        print(
            f"  {name:<40} {int(t.get('succeeded', 0)):>8} {int(t.get('failed', 0)):>7} "
            f"{int(t.get('retried', 0)):>8} {int(t.get('dead', 0)):>5} "
            f"{t['runtime_avg'] * 1000:>8.2f} {t.get('runtime_max', 0) * 1000:>8.2f}"
        )
    return 0


def _dead_letters(args: argparse.Namespace) -> int:
    app = load_app(args.app)
    letters = app.dead_letters(args.queue, args.limit)
    if args.json:
        print(json.dumps([vars(d) for d in letters], indent=2))
        return 0
    if not letters:
        print(f"no dead letters in queue {args.queue or app.default_queue!r}")
    for d in letters:
        first = d.error.splitlines()[0] if d.error else ""
        print(f"{d.id}  {d.task}  args={d.args} kwargs={d.kwargs}\n    {first}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    load_app(args.app).revoke(args.task_id)
    print(f"revoked {args.task_id}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    app = load_app(args.app)
    app.purge(args.queue)
    print(f"purged queue {args.queue or app.default_queue!r}")
    return 0


def register(subparsers: Any) -> None:
    parser = add_module_command(subparsers, "tasks", "ouroboros.tasks", "ouroboros.tasks commands")
    sub = parser.subcommands

    def logging_options(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
        cmd.add_argument("--log-format", default="text", choices=["text", "json"], help="json: one object per line")

    worker = sub.add_parser("worker", help="run tasks from the app's queues")
    worker.add_argument("app", help="MODULE:APP, like app:tasks")
    worker.add_argument("-c", "--concurrency", type=int, default=10, help="tasks run at once per process (default 10)")
    worker.add_argument("-p", "--processes", type=int, default=1, help="worker processes (default 1)")
    worker.add_argument("-Q", "--queues", help="comma-separated queues (default: every queue of the app's tasks)")
    worker.add_argument("--threads", type=int, help="thread pool size for sync tasks (default: concurrency)")
    worker.add_argument("--scheduler", action="store_true", help="also run the periodic scheduler")
    worker.add_argument("--shutdown-timeout", type=float, default=30.0, help="seconds running tasks get on shutdown")
    worker.add_argument("--heartbeat", type=float, default=2.0, help="seconds between heartbeats (default 2)")
    logging_options(worker)
    worker.set_defaults(handler=_worker)

    sched = sub.add_parser("scheduler", help="enqueue periodic tasks (one active at a time)")
    sched.add_argument("app")
    logging_options(sched)
    sched.set_defaults(handler=_scheduler)

    stats = sub.add_parser("stats", help="workers, queue depths and per-task counters and durations")
    stats.add_argument("app")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=_stats)

    dead = sub.add_parser("dead-letters", help="tasks that failed for good, with their errors")
    dead.add_argument("app")
    dead.add_argument("-Q", "--queue")
    dead.add_argument("--limit", type=int, default=20)
    dead.add_argument("--json", action="store_true")
    dead.set_defaults(handler=_dead_letters)

    revoke = sub.add_parser("revoke", help="stop a task from running")
    revoke.add_argument("app")
    revoke.add_argument("task_id")
    revoke.set_defaults(handler=_revoke)

    purge = sub.add_parser("purge", help="drop every message of a queue")
    purge.add_argument("app")
    purge.add_argument("-Q", "--queue")
    purge.set_defaults(handler=_purge)


def main(argv: list[str] | None = None) -> int:
    """``python -m ouroboros.tasks``: the ``ob tasks`` commands without ouroboros-kit."""
    root = argparse.ArgumentParser(prog="python -m ouroboros.tasks")
    register(root.add_subparsers(dest="command"))
    args = root.parse_args(["tasks", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args) or 0)
