"""Workflows: chain, group and chord of task signatures.

- ``chain(a.s(1), b.s(), c.s())``: each task gets the previous result as its
  first argument (unless made with ``.si()``); the chain's result is the last
  task's. The rest of the chain travels in each message, so no coordinator
  process is needed.
- ``group(a.s(1), a.s(2))``: run in parallel; ``GroupResult.get()`` is the
  list of results in order.
- ``chord(group, callback)``: the callback runs once every member finished,
  with the list of their results as its first argument. Each member counts
  itself done in the broker (an atomic counter); the member that completes
  the count enqueues the callback. If a member failed, the callback is not
  run and its result records the failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ouroboros.core import InvalidArgumentError
from ouroboros.tasks._message import dumps, envelope_id, message, new_id
from ouroboros.tasks.result import AsyncResult, GroupResult
from ouroboros.tasks.task import check_priority, eta_ms

if TYPE_CHECKING:
    from ouroboros.tasks.app import App


class Signature:
    """A task name with arguments and options; ``task.s(...)`` makes one."""

    def __init__(
        self,
        task: str,
        args: Iterable[Any] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        app: App,
        immutable: bool = False,
        options: dict[str, Any] | None = None,
        task_id: str | None = None,
    ) -> None:
        self.task = task
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.app = app
        self.immutable = immutable
        self.options = dict(options or {})
        self.id = task_id or new_id()

    def __repr__(self) -> str:
        return f"{self.task}.s(*{self.args!r}, **{self.kwargs!r})"

    def set(self, **options: Any) -> Signature:
        """Options for this call: queue, priority, countdown."""
        unknown = set(options) - {"queue", "priority", "countdown"}
        if unknown:
            raise InvalidArgumentError(f"invalid argument `options`: unknown {sorted(unknown)}")
        self.options.update(options)
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "args": list(self.args),
            "kwargs": self.kwargs,
            "id": self.id,
            "immutable": self.immutable,
            "options": self.options,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], app: App) -> Signature:
        return cls(
            data["task"],
            data.get("args", ()),
            data.get("kwargs"),
            app=app,
            immutable=data.get("immutable", False),
            options=data.get("options"),
            task_id=data.get("id"),
        )

    def envelope(
        self,
        *,
        prepend: list[Any] | None = None,
        link: list[dict[str, Any]] | None = None,
        chord: dict[str, Any] | None = None,
    ) -> tuple[str, tuple[str, bytes, int, int]]:
        """(queue, broker item) for this signature."""
        task = self.app.get_task(self.task)
        args = list(self.args)
        if prepend is not None and not self.immutable:
            args = prepend + args
        enc_args, enc_kwargs = task.encode_args(args, dict(self.kwargs)) if task else (args, self.kwargs)
        when = eta_ms(self.options.get("countdown"), None)
        body = dumps(message(self.task, self.id, enc_args, enc_kwargs, eta=when, link=link, chord=chord))
        prio = check_priority(self.options.get("priority", task.priority if task else 0))
        queue = self.options.get("queue") or (task.queue if task else self.app.default_queue)
        return queue, (envelope_id(self.id, 0), body, prio, when or 0)

    def apply_async(self) -> AsyncResult:
        queue, item = self.envelope()
        self.app.broker.enqueue(queue, [item], wait=True)
        return AsyncResult(self.id, self.app)

    def delay(self) -> AsyncResult:
        return self.apply_async()

    async def adelay(self) -> AsyncResult:
        queue, item = self.envelope()
        await self.app.broker.enqueue(queue, [item])
        return AsyncResult(self.id, self.app)


def _group_items(items: list[tuple[str, tuple[str, bytes, int, int]]]) -> dict[str, list[Any]]:
    by_queue: dict[str, list[Any]] = {}
    for queue, item in items:
        by_queue.setdefault(queue, []).append(item)
    return by_queue


class chain:
    """Run signatures one after another, passing each result on."""

    def __init__(self, *signatures: Signature) -> None:
        if not signatures:
            raise InvalidArgumentError("invalid argument `signatures`: a chain needs at least one task")
        self.signatures = list(signatures)

    def _first(self) -> tuple[str, tuple[str, bytes, int, int]]:
        first, *rest = self.signatures
        return first.envelope(link=[s.to_dict() for s in rest])

    def apply_async(self) -> AsyncResult:
        """Enqueue the first task; the result handle is the last task's."""
        queue, item = self._first()
        last = self.signatures[-1]
        last.app.broker.enqueue(queue, [item], wait=True)
        return AsyncResult(last.id, last.app)

    delay = apply_async

    async def adelay(self) -> AsyncResult:
        queue, item = self._first()
        last = self.signatures[-1]
        await last.app.broker.enqueue(queue, [item])
        return AsyncResult(last.id, last.app)


class group:
    """Run signatures in parallel."""

    def __init__(self, *signatures: Signature | Iterable[Signature]) -> None:
        flat: list[Signature] = []
        for s in signatures:
            flat.extend([s] if isinstance(s, Signature) else s)
        if not flat:
            raise InvalidArgumentError("invalid argument `signatures`: a group needs at least one task")
        self.signatures = flat

    def _enqueue_items(self, chord: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        return _group_items([s.envelope(chord=chord) for s in self.signatures])

    def apply_async(self) -> GroupResult:
        app = self.signatures[0].app
        for queue, items in self._enqueue_items().items():
            app.broker.enqueue(queue, items, wait=True)
        return GroupResult([AsyncResult(s.id, s.app) for s in self.signatures])

    delay = apply_async

    async def adelay(self) -> GroupResult:
        app = self.signatures[0].app
        for queue, items in self._enqueue_items().items():
            await app.broker.enqueue(queue, items)
        return GroupResult([AsyncResult(s.id, s.app) for s in self.signatures])


class chord:
    """Run a group, then ``callback`` with the list of its results."""

    def __init__(self, header: group | Iterable[Signature], callback: Signature) -> None:
        self.header = header if isinstance(header, group) else group(*header)
        self.callback = callback

    def _spec(self) -> dict[str, Any]:
        return {
            "id": self.callback.id,
            "size": len(self.header.signatures),
            "members": [s.id for s in self.header.signatures],
            "callback": self.callback.to_dict(),
        }

    def apply_async(self) -> AsyncResult:
        """Enqueue the group; the result handle is the callback's."""
        app = self.callback.app
        for queue, items in self.header._enqueue_items(self._spec()).items():
            app.broker.enqueue(queue, items, wait=True)
        return AsyncResult(self.callback.id, app)

    delay = apply_async

    async def adelay(self) -> AsyncResult:
        app = self.callback.app
        for queue, items in self.header._enqueue_items(self._spec()).items():
            await app.broker.enqueue(queue, items)
        return AsyncResult(self.callback.id, app)
