"""Task: a Python function that workers run from the queue."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, get_type_hints

from ouroboros.core import InvalidArgumentError
from ouroboros.tasks._message import dumps, envelope_id, message, new_id, new_ids, now_ms
from ouroboros.tasks.result import AsyncResult

if TYPE_CHECKING:
    from ouroboros.tasks.app import App
    from ouroboros.tasks.canvas import Signature

P = ParamSpec("P")
R = TypeVar("R")

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*$")
_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0, "h": 3600.0, "hour": 3600.0}


def parse_rate(rate: str | float | None) -> float | None:
    """``"10/s"``, ``"100/m"``, ``"5/h"`` or a number per second -> per second."""
    if rate is None:
        return None
    if isinstance(rate, (int, float)) and not isinstance(rate, bool):
        per_second = float(rate)
    else:
        match = _RATE.match(str(rate))
        if not match:
            raise InvalidArgumentError(
                f"invalid argument `rate_limit`: {rate!r}; expected like '10/s', '100/m' or '5/h'"
            )
        per_second = float(match.group(1)) / _UNITS[match.group(2)]
    if per_second <= 0:
        raise InvalidArgumentError(f"invalid argument `rate_limit`: {rate!r} must be above zero")
    return per_second


def eta_ms(countdown: float | None, eta: datetime | float | None) -> int | None:
    """Unix ms of the earliest start, from ``countdown`` seconds or ``eta``."""
    if countdown is not None and eta is not None:
        raise InvalidArgumentError("invalid argument `eta`: give countdown or eta, not both")
    if countdown is not None:
        if countdown < 0:
            raise InvalidArgumentError(f"invalid argument `countdown`: {countdown} is negative")
        return now_ms() + int(countdown * 1000)
    if eta is None:
        return None
    if isinstance(eta, datetime):
        if eta.tzinfo is None:
            eta = eta.replace(tzinfo=UTC)
        return int(eta.timestamp() * 1000)
    if isinstance(eta, (int, float)) and not isinstance(eta, bool):
        return int(float(eta) * 1000)
    raise InvalidArgumentError(f"invalid argument `eta`: {eta!r}; expected a datetime or Unix seconds")


def check_priority(priority: int) -> int:
    if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 9:
        raise InvalidArgumentError(f"invalid argument `priority`: {priority!r}; expected an int from 0 to 9")
    return priority


class Task(Generic[P, R]):
    """A function registered with an :class:`~ouroboros.tasks.App`.

    Call it directly to run it here; ``delay``/``apply_async`` enqueue it for a
    worker. When the function is annotated, its arguments are validated by
    ouroboros.validation at enqueue time (a ``ValidationError`` names the bad
    field) and again, into the annotated types, on the worker.
    """

    def __init__(
        self,
        app: App,
        fn: Callable[P, R],
        *,
        name: str | None = None,
        queue: str | None = None,
        retries: int = 0,
        retry_backoff: float = 1.0,
        retry_backoff_max: float = 600.0,
        retry_jitter: bool = True,
        time_limit: float | None = None,
        rate_limit: str | float | None = None,
        priority: int = 0,
        ignore_result: bool = False,
        result_ttl: float | None = None,
        track_started: bool = False,
        validate: bool = True,
    ) -> None:
        if not callable(fn):
            raise InvalidArgumentError(f"invalid argument `fn`: {fn!r} is not callable")
        if not isinstance(retries, int) or retries < 0:
            raise InvalidArgumentError(f"invalid argument `retries`: {retries!r}; expected an int >= 0")
        if retry_backoff < 0 or retry_backoff_max < 0:
            raise InvalidArgumentError("invalid argument `retry_backoff`: must not be negative")
        if time_limit is not None and time_limit <= 0:
            raise InvalidArgumentError(f"invalid argument `time_limit`: {time_limit!r} must be above zero")
        self.app = app
        self.fn = fn
        self.name = name or f"{fn.__module__}.{fn.__qualname__}"
        self.queue = queue or app.default_queue
        self.retries = retries
        self.retry_backoff = float(retry_backoff)
        self.retry_backoff_max = float(retry_backoff_max)
        self.retry_jitter = retry_jitter
        self.time_limit = time_limit
        self.rate_limit = parse_rate(rate_limit)
        self.priority = check_priority(priority)
        self.ignore_result = ignore_result
        self.result_ttl = app.result_ttl if result_ttl is None else float(result_ttl)
        self.track_started = track_started
        self.is_async = inspect.iscoroutinefunction(fn)
        self._signature = inspect.signature(fn)
        self._validate = validate
        self._args_model: Any = None
        self._result_adapter: Any = None
        self._prepared = False
        #: Call shapes (positional count, keyword names) already bound once.
        self._shapes: set[tuple[Any, ...]] = set()
        self.__doc__ = fn.__doc__
        self.__name__ = getattr(fn, "__name__", self.name)
        self.__wrapped__ = fn

    def __repr__(self) -> str:
        return f"<Task {self.name} queue={self.queue}>"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fn(*args, **kwargs)

    # --- validation through ouroboros.validation --------------------------------
    def _prepare(self) -> None:
        if self._prepared:
            return
        self._prepared = True
        if not self._validate:
            return
        try:
            hints = get_type_hints(self.fn)
        except Exception:  # noqa: BLE001 - unresolvable annotations: no validation
            hints = dict(getattr(self.fn, "__annotations__", {}))
        params = [
            p
            for p in self._signature.parameters.values()
            if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        if any(p.name in hints for p in params):
            from ouroboros.validation import create_model

            fields = {
                p.name: (hints.get(p.name, Any), ... if p.default is inspect.Parameter.empty else p.default)
                for p in params
            }
            self._args_model = create_model(f"{self.__name__}_args", **fields)
        if "return" in hints and hints["return"] not in (None, type(None), Any):
            from ouroboros.validation import TypeAdapter

            self._result_adapter = TypeAdapter(hints["return"])

    def _bind(self, args: Iterable[Any], kwargs: dict[str, Any]) -> inspect.BoundArguments:
        try:
            return self._signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"task {self.name}: {exc}") from None

    def encode_args(self, args: Iterable[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """Check and convert arguments for the message (at enqueue time)."""
        self._prepare()
        args = list(args)
        if self._args_model is None:
            # Without a model only the call's shape can be wrong (how many
            # positional arguments, which names): bind each shape once.
            shape = (len(args), *kwargs)
            if shape not in self._shapes:
                self._bind(args, kwargs)
                if len(self._shapes) < 256:
                    self._shapes.add(shape)
            return args, kwargs
        bound = self._bind(args, kwargs)
        named = {k: v for k, v in bound.arguments.items() if k in self._args_model.model_fields}
        model = self._args_model.model_validate(named)
        extra_args = list(bound.arguments.get(self._var_positional(), ())) if self._var_positional() else []
        extra_kwargs = dict(bound.arguments.get(self._var_keyword(), {})) if self._var_keyword() else {}
        data = model.model_dump(mode="json")
        if extra_args:
            # Positional catch-all: keep the named ones positional too.
            positional = [data.pop(p) for p in self._positional_names()]
            return positional + extra_args, {**data, **extra_kwargs}
        return [], {**data, **extra_kwargs}

    def decode_args(self, args: list[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """Arguments from a message, validated into the annotated types."""
        self._prepare()
        if self._args_model is None:
            return args, kwargs
        bound = self._bind(args, kwargs)
        fields = self._args_model.model_fields
        model = self._args_model.model_validate({k: v for k, v in bound.arguments.items() if k in fields})
        values = {name: getattr(model, name) for name in fields}
        call_args: list[Any] = []
        call_kwargs: dict[str, Any] = {}
        for p in self._signature.parameters.values():
            if p.kind is inspect.Parameter.VAR_POSITIONAL:
                call_args.extend(bound.arguments.get(p.name, ()))
            elif p.kind is inspect.Parameter.VAR_KEYWORD:
                call_kwargs.update(bound.arguments.get(p.name, {}))
            elif p.kind is inspect.Parameter.POSITIONAL_ONLY or (
                p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and self._var_positional() in bound.arguments
            ):
                call_args.append(values[p.name])
            else:
                call_kwargs[p.name] = values[p.name]
        return call_args, call_kwargs

    def load_result(self, value: Any) -> Any:
        """A stored result, validated into the return annotation when there is one."""
        self._prepare()
        if self._result_adapter is None or value is None:
            return value
        return self._result_adapter.validate_python(value)

    def _var_positional(self) -> str | None:
        return next((p.name for p in self._signature.parameters.values() if p.kind is p.VAR_POSITIONAL), None)

    def _var_keyword(self) -> str | None:
        return next((p.name for p in self._signature.parameters.values() if p.kind is p.VAR_KEYWORD), None)

    def _positional_names(self) -> list[str]:
        return [
            p.name
            for p in self._signature.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

    # --- enqueueing ---------------------------------------------------------------
    def s(self, *args: Any, **kwargs: Any) -> Signature:
        """A signature: this task with arguments, for chain/group/chord."""
        from ouroboros.tasks.canvas import Signature

        return Signature(self.name, args, kwargs, app=self.app)

    def si(self, *args: Any, **kwargs: Any) -> Signature:
        """An immutable signature: in a chain it does not receive the previous result."""
        from ouroboros.tasks.canvas import Signature

        return Signature(self.name, args, kwargs, app=self.app, immutable=True)

    def _item(
        self,
        args: Iterable[Any],
        kwargs: dict[str, Any] | None,
        countdown: float | None,
        eta: datetime | float | None,
        priority: int | None,
        task_id: str | None,
        link: list[dict[str, Any]] | None = None,
        chord: dict[str, Any] | None = None,
    ) -> tuple[str, tuple[str, bytes, int, int]]:
        enc_args, enc_kwargs = self.encode_args(args, dict(kwargs or {}))
        task_id = task_id or new_id()
        when = eta_ms(countdown, eta)
        body = dumps(message(self.name, task_id, enc_args, enc_kwargs, eta=when, link=link, chord=chord))
        prio = self.priority if priority is None else check_priority(priority)
        return task_id, (envelope_id(task_id, 0), body, prio, when or 0)

    def apply_async(
        self,
        args: Iterable[Any] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        countdown: float | None = None,
        eta: datetime | float | None = None,
        priority: int | None = None,
        queue: str | None = None,
        task_id: str | None = None,
    ) -> AsyncResult:
        """Enqueue with options: ``countdown`` seconds or ``eta`` (a datetime,
        naive = UTC), ``priority`` 0-9 (higher runs first), another ``queue``."""
        task_id, item = self._item(args, kwargs, countdown, eta, priority, task_id)
        self.app.broker.enqueue(queue or self.queue, [item], wait=True)
        return AsyncResult(task_id, self.app)

    async def aapply_async(
        self,
        args: Iterable[Any] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        countdown: float | None = None,
        eta: datetime | float | None = None,
        priority: int | None = None,
        queue: str | None = None,
        task_id: str | None = None,
    ) -> AsyncResult:
        """:meth:`apply_async` for async code."""
        task_id, item = self._item(args, kwargs, countdown, eta, priority, task_id)
        await self.app.broker.enqueue(queue or self.queue, [item])
        return AsyncResult(task_id, self.app)

    def delay(self, *args: P.args, **kwargs: P.kwargs) -> AsyncResult:
        """Enqueue a call with these arguments (blocks until the broker stored it)."""
        return self.apply_async(args, kwargs)

    async def adelay(self, *args: P.args, **kwargs: P.kwargs) -> AsyncResult:
        """Enqueue a call from async code."""
        return await self.aapply_async(args, kwargs)

    def _items(self, calls: Iterable[Any]) -> tuple[list[str], list[tuple[str, bytes, int, int]]]:
        calls = list(calls)
        ids, items = [], []
        for task_id, call in zip(new_ids(len(calls)), calls, strict=True):
            args, kwargs = (
                call if isinstance(call, tuple) and len(call) == 2 and isinstance(call[1], dict) else (call, {})
            )
            if not isinstance(args, (list, tuple)):
                args = (args,)
            task_id, item = self._item(args, kwargs, None, None, None, task_id)
            ids.append(task_id)
            items.append(item)
        return ids, items

    def delay_many(self, calls: Iterable[Any]) -> list[AsyncResult]:
        """Enqueue many calls in one broker round trip.

        Each call is an argument tuple, or ``(args, kwargs)``:
        ``add.delay_many([(1, 2), (3, 4)])``.
        """
        ids, items = self._items(calls)
        self.app.broker.enqueue(self.queue, items, wait=True)
        return [AsyncResult(i, self.app) for i in ids]

    async def adelay_many(self, calls: Iterable[Any]) -> list[AsyncResult]:
        """:meth:`delay_many` for async code."""
        ids, items = self._items(calls)
        await self.app.broker.enqueue(self.queue, items)
        return [AsyncResult(i, self.app) for i in ids]
