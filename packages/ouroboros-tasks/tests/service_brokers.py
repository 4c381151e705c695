"""Brokers and workers for the tests: service URLs, fresh prefixes, a worker
running in a thread."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from ouroboros.tasks import App, Worker

BROKERS = ["local", "redis", "nats"]
ENV = {"redis": "OUROBOROS_REDIS_URL", "nats": "OUROBOROS_NATS_URL"}


def service_url(kind: str, tmp_path: Path) -> str:
    if kind == "local":
        return f"local://{tmp_path / 'broker.redb'}"
    url = os.environ.get(ENV[kind])
    if not url:
        message = f"{ENV[kind]} is not set (start it with scripts/services start {kind})"
        if os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return url


def fresh_prefix() -> str:
    return "t" + uuid.uuid4().hex[:12]


class RunningWorker:
    """A Worker on its own event loop in a thread, so tests can block on results."""

    def __init__(self, app: App, **options: Any) -> None:
        options.setdefault("heartbeat", 0.2)
        options.setdefault("shutdown_timeout", 5.0)
        options.setdefault("concurrency", 8)
        self.worker = Worker(app, **options)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self._started = threading.Event()
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        async def run() -> None:
            self.loop = asyncio.get_running_loop()
            self._started.set()
            await self.worker.run()

        try:
            asyncio.run(run())
        except BaseException as exc:  # noqa: BLE001 - reported by stop()
            self.error = exc
            self._started.set()

    def start(self) -> RunningWorker:
        self.thread.start()
        assert self._started.wait(10)
        return self

    def stop(self) -> None:
        if self.loop is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.worker.stop)
        self.thread.join(20)
        assert not self.thread.is_alive(), "worker did not stop"
        if self.error is not None:
            raise self.error


def wait_for(check: Any, timeout: float = 10.0) -> None:
    """Poll ``check`` until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")
