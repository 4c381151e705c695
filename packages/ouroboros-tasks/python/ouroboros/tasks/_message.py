"""The wire form of a task call, and the result record a worker stores.

A message body is UTF-8 JSON::

    {"id": "<task id>", "task": "<name>", "args": [...], "kwargs": {...},
     "attempt": 0, "eta": <unix ms or null>, "enqueued": <unix ms>,
     "link": [<signature>...], "chord": {...} | null}

``link`` holds the rest of a chain and ``chord`` the callback of a chord;
see :mod:`ouroboros.tasks.canvas`. Results live in the broker's key-value
space under ``r.<task id>``.
"""

from __future__ import annotations

import enum
import os
import time
import uuid
from typing import Any

from ouroboros.validation.core import SchemaSerializer, from_json


class State(enum.StrEnum):
    """States of a task, as ``AsyncResult.state`` reports them."""

    PENDING = "pending"
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRYING = "retrying"
    REVOKED = "revoked"


FINAL_STATES = frozenset({State.SUCCEEDED, State.FAILED, State.REVOKED})


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def new_id() -> str:
    return uuid.uuid4().hex


def new_ids(n: int) -> list[str]:
    """``n`` random 128-bit ids (32 hex digits, as :func:`new_id`), from one
    read of the system's random source instead of one per id."""
    raw = os.urandom(16 * n).hex()
    return [raw[i : i + 32] for i in range(0, 32 * n, 32)]


def result_key(task_id: str) -> str:
    return f"r.{task_id}"


def envelope_id(task_id: str, attempt: int) -> str:
    """Unique per enqueue: JetStream drops a second publish with the same id."""
    return f"{task_id}.{attempt}"


# The project's one conversion engine (ouroboros-schema through
# ouroboros.validation): a value is written as a field typed ``Any`` dumps it
# in JSON mode (models and dataclasses as objects, datetimes as ISO 8601 with
# ``Z``, Decimal and UUID as strings, bytes as UTF-8, timedelta as ISO 8601
# durations, sets and tuples as arrays), and read back with the engine's JSON
# parser. Annotated arguments and results are then validated from that JSON
# form into their types, so a task sees exactly what validation produces.
_ANY = SchemaSerializer({"type": "any"})


def dumps(value: Any) -> bytes:
    """JSON bytes, converted as ouroboros.validation dumps a value of type ``Any``."""
    try:
        return _ANY.to_json(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"task message is not JSON-serializable: {exc}") from None


def loads(data: bytes | str) -> Any:
    """Parse a message or result (the engine's JSON parser)."""
    return from_json(data)


def message(
    task: str,
    task_id: str,
    args: list[Any] | tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    attempt: int = 0,
    eta: int | None = None,
    link: list[dict[str, Any]] | None = None,
    chord: dict[str, Any] | None = None,
) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "id": task_id,
        "task": task,
        "args": list(args),
        "kwargs": kwargs,
        "attempt": attempt,
        "eta": eta,
        "enqueued": now_ms(),
    }
    if link:
        msg["link"] = link
    if chord:
        msg["chord"] = chord
    return msg
