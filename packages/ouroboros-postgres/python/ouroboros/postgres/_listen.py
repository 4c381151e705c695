"""LISTEN/NOTIFY: ``await conn.add_listener(channel, callback)``.

Notifications wait in a bounded queue on the native side; one task per
connection takes them and calls ``callback(connection, pid, channel,
payload)`` (a coroutine callback is scheduled as a task). The task ends when
the connection closes.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from ouroboros.postgres._errors import InterfaceError


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _state(conn: Any) -> dict[str, list[Callable[..., Any]]]:
    return conn.__dict__.setdefault("_listeners", {})


async def _dispatch(conn: Any) -> None:
    listeners = _state(conn)
    background = conn.__dict__.setdefault("_listener_tasks", set())
    while True:
        item = await conn._next_notification()
        if item is None:
            return
        pid, channel, payload = item
        for callback in list(listeners.get(channel, ())):
            result = callback(conn, pid, channel, payload)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                background.add(task)
                task.add_done_callback(background.discard)


async def add_listener(conn: Any, channel: str, callback: Callable[..., Any]) -> None:
    if not callable(callback):
        raise InterfaceError(f"callback must be callable, got {callback!r}")
    listeners = _state(conn)
    if channel not in listeners:
        await conn.execute(f"LISTEN {_quote(channel)}")
        listeners[channel] = []
    listeners[channel].append(callback)
    task = conn.__dict__.get("_listener_task")
    if task is None or task.done():
        conn.__dict__["_listener_task"] = asyncio.get_running_loop().create_task(_dispatch(conn))


async def remove_listener(conn: Any, channel: str, callback: Callable[..., Any]) -> None:
    listeners = _state(conn)
    callbacks = listeners.get(channel)
    if not callbacks or callback not in callbacks:
        return
    callbacks.remove(callback)
    if not callbacks:
        del listeners[channel]
        if not conn.is_closed():
            await conn.execute(f"UNLISTEN {_quote(channel)}")
    if not listeners:
        task = conn.__dict__.pop("_listener_task", None)
        if task is not None:
            task.cancel()
