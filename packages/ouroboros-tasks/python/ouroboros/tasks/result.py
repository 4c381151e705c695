"""AsyncResult: the state and return value of an enqueued task."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from ouroboros.tasks._message import FINAL_STATES, State, loads, result_key
from ouroboros.tasks.exceptions import ResultTimeoutError, TaskFailed, TaskRevokedError

if TYPE_CHECKING:
    from ouroboros.tasks.app import App

#: Polling starts fast (a no-op task finishes in about a millisecond) and
#: backs off so a long wait costs one broker read every 100 ms.
_FIRST_POLL = 0.002
_MAX_POLL = 0.1


class AsyncResult:
    """Handle of one task run, by id. States: pending (nothing recorded
    yet), started (with ``track_started``), retrying, succeeded, failed,
    revoked."""

    __slots__ = ("app", "id")

    def __init__(self, task_id: str, app: App) -> None:
        self.id = task_id
        self.app = app

    def __repr__(self) -> str:
        return f"<AsyncResult {self.id}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AsyncResult) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    # --- the stored record ---------------------------------------------------
    def _record(self) -> dict[str, Any] | None:
        (raw,) = self.app.broker.kv_get_many([result_key(self.id)], wait=True)
        return None if raw is None else loads(raw)

    async def _arecord(self) -> dict[str, Any] | None:
        (raw,) = await self.app.broker.kv_get_many([result_key(self.id)])
        return None if raw is None else loads(raw)

    @property
    def info(self) -> dict[str, Any] | None:
        """The whole record: state, result or error, task, attempt, worker, times."""
        return self._record()

    async def ainfo(self) -> dict[str, Any] | None:
        """:attr:`info` for async code: the stored record, or None while pending."""
        return await self._arecord()

    async def astate(self) -> State:
        """:attr:`state` for async code (does not wait for the task)."""
        record = await self._arecord()
        return State.PENDING if record is None else State(record["state"])

    @property
    def state(self) -> State:
        record = self._record()
        return State.PENDING if record is None else State(record["state"])

    @property
    def result(self) -> Any:
        """The return value when succeeded, else None (does not wait)."""
        record = self._record()
        if record is None or record["state"] != State.SUCCEEDED:
            return None
        return self._value(record)

    def ready(self) -> bool:
        """True once the task succeeded, failed or was revoked."""
        return self.state in FINAL_STATES

    def successful(self) -> bool:
        return self.state == State.SUCCEEDED

    def failed(self) -> bool:
        return self.state == State.FAILED

    def _value(self, record: dict[str, Any]) -> Any:
        task = self.app.tasks.get(record.get("task", ""))
        value = record.get("result")
        return task.load_result(value) if task is not None else value

    def _outcome(self, record: dict[str, Any], propagate: bool) -> Any:
        state = record["state"]
        if state == State.SUCCEEDED:
            return self._value(record)
        if not propagate:
            return record.get("error")
        if state == State.REVOKED:
            raise TaskRevokedError(f"task {self.id} was revoked")
        raise TaskFailed(self.id, record.get("error") or {})

    def get(self, timeout: float | None = None, *, propagate: bool = True) -> Any:
        """Wait for the task to finish and return its value.

        Raises :class:`ResultTimeoutError` after ``timeout`` seconds,
        :class:`TaskFailed` if the task failed (after its retries) and
        :class:`TaskRevokedError` if it was revoked; with ``propagate=False``
        the error record is returned instead of raised.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = _FIRST_POLL
        while True:
            record = self._record()
            if record is not None and record["state"] in FINAL_STATES:
                return self._outcome(record, propagate)
            if deadline is not None and time.monotonic() >= deadline:
                raise ResultTimeoutError(
                    f"task {self.id} did not finish within {timeout} s (state: {self._state_of(record)})"
                )
            time.sleep(pause if deadline is None else max(0.0, min(pause, deadline - time.monotonic())))
            pause = min(pause * 2, _MAX_POLL)

    async def aget(self, timeout: float | None = None, *, propagate: bool = True) -> Any:
        """:meth:`get` for async code: awaits without blocking the loop."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        pause = _FIRST_POLL
        while True:
            record = await self._arecord()
            if record is not None and record["state"] in FINAL_STATES:
                return self._outcome(record, propagate)
            if deadline is not None and loop.time() >= deadline:
                raise ResultTimeoutError(
                    f"task {self.id} did not finish within {timeout} s (state: {self._state_of(record)})"
                )
            await asyncio.sleep(pause if deadline is None else max(0.0, min(pause, deadline - loop.time())))
            pause = min(pause * 2, _MAX_POLL)

    @staticmethod
    def _state_of(record: dict[str, Any] | None) -> str:
        return State.PENDING.value if record is None else str(record["state"])

    def revoke(self) -> None:
        """Stop the task: skipped if not started yet, interrupted if running."""
        self.app.revoke(self.id)

    def forget(self) -> None:
        """Delete the stored result."""
        self.app.broker.kv_delete(result_key(self.id), wait=True)


class GroupResult:
    """The results of a group, in the order of its tasks."""

    __slots__ = ("results",)

    def __init__(self, results: list[AsyncResult]) -> None:
        self.results = results

    def __repr__(self) -> str:
        return f"<GroupResult of {len(self.results)}>"

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.results)

    def get(self, timeout: float | None = None, *, propagate: bool = True) -> list[Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        out = []
        for r in self.results:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            out.append(r.get(left, propagate=propagate))
        return out

    async def aget(self, timeout: float | None = None, *, propagate: bool = True) -> list[Any]:
        return list(await asyncio.gather(*(r.aget(timeout, propagate=propagate) for r in self.results)))

    def ready(self) -> bool:
        return all(r.ready() for r in self.results)

    def successful(self) -> bool:
        return all(r.successful() for r in self.results)

    def completed_count(self) -> int:
        return sum(r.successful() for r in self.results)
