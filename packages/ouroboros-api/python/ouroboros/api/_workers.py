"""``app.serve(workers=N)``: N processes sharing one port with SO_REUSEPORT.

The parent forks N-1 children before it starts its own server; the kernel
spreads connections across the processes. Each child serves on a fresh event
loop in a new thread (the forked loop of the parent must not be touched), and
its main thread only waits and relays SIGINT/SIGTERM. Call ``serve`` with
workers early, before the program starts threads of its own: ``fork`` copies
only the calling thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ouroboros.api.app import App

logger = logging.getLogger("ouroboros.api")


def _run_child(app: App, host: str, port: int, config: dict[str, Any]) -> None:
    """The body of a forked worker; never returns."""
    code = 0
    try:
        # The parent's loop registered a wakeup fd for signals: writing to it
        # from here would wake (and stop) the parent.
        signal.set_wakeup_fd(-1)
        state: dict[str, Any] = {}

        def started(server: Any, address: tuple[str, int]) -> None:
            state["server"] = server

        def run() -> None:
            loop = asyncio.new_event_loop()
            state["loop"] = loop
            try:
                loop.run_until_complete(app._serve_one(loop, host, port, config, False, started, reuse_port=True))
            finally:
                loop.close()

        def stop(signum: int, frame: Any) -> None:
            loop, server = state.get("loop"), state.get("server")
            if loop is not None and server is not None:
                loop.call_soon_threadsafe(server.shutdown)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker = threading.Thread(target=run, name="ouroboros-api-worker")
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    except BaseException:
        logger.exception("worker %d failed", os.getpid())
        code = 1
    finally:
        os._exit(code)


async def serve_workers(app: App, host: str, port: int, workers: int, options: dict[str, Any]) -> None:
    """Fork ``workers - 1`` children, serve in this process too, stop them all
    on shutdown."""
    from ouroboros.core import InvalidArgumentError

    if port == 0:
        raise InvalidArgumentError("workers > 1 needs a fixed port: with port 0 every process would bind its own")
    from ouroboros.api.app import _access_log_enabled

    config = {
        key: options[key]
        for key in (
            "max_body_size",
            "max_upload_size",
            "max_header_size",
            "header_read_timeout",
            "body_read_timeout",
            "graceful_timeout",
            "keep_alive",
            "root_path",
            "proxy_headers",
            "forwarded_allow_ips",
        )
    }
    config["access_log"] = _access_log_enabled(options["access_log"])
    children: list[int] = []
    for _ in range(workers - 1):
        pid = os.fork()
        if pid == 0:
            _run_child(app, host, port, config)
        children.append(pid)
    logger.info("ouroboros.api started %d worker processes: %s", workers, [os.getpid(), *children])
    loop = asyncio.get_running_loop()
    try:
        await app._serve_one(
            loop,
            host,
            port,
            config,
            options["install_signal_handlers"],
            options["started"],
            reuse_port=True,
            lifespan=options["lifespan"],
        )
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            await loop.run_in_executor(None, os.waitpid, pid, 0)
