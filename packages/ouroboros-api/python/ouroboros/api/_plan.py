"""Compiling a route, once, into the plan the Rust server executes.

For each handler (and, flattened into the same list, each of its
dependencies) every parameter becomes one entry: where it is read from, what
scalar it is coerced to and which constraints it must meet. Rust fills the
list per request; Python receives ready values. Only what Rust cannot check
yet (models, enums, dates) gets a *converter* that runs on the loop thread.
"""

from __future__ import annotations

import asyncio
import collections.abc
import contextlib
import contextvars
import copy
import dataclasses
import dis
import functools
import inspect
import json
import logging
import sys
import types
import typing
import warnings
from collections.abc import Callable, Collection, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Annotated, Any, Union, get_args, get_origin

from ouroboros.api import _api, _threads
from ouroboros.api._encoding import _foreign_response, to_plain
from ouroboros.api._param_models import ModelSource, form_union_models
from ouroboros.api._threads import SyncPool, run_sync
from ouroboros.api.background import BackgroundTasks, run_background
from ouroboros.api.concurrency import DependencyConcurrency, ThreadedContext
from ouroboros.api.datastructures import UploadFile
from ouroboros.api.exceptions import RequestValidationError, ResponseValidationError, error_dicts
from ouroboros.api.params import Body, Cookie, Depends, File, Form, Header, Param, Path, Query, _pattern_text
from ouroboros.api.requests import Request
from ouroboros.api.responses import Response
from ouroboros.api.routing import INFERRED
from ouroboros.api.security import SecurityBase, SecurityScopes
from ouroboros.validation import Field, Json, TypeAdapter
from ouroboros.validation._fields import PYDANTIC_UNDEFINED, FieldInfo
from ouroboros.validation.errors import PydanticSchemaGenerationError

_SCALARS = {str: "str", int: "int", float: "float", bool: "bool"}
_background_runs: set[asyncio.Task[Any]] = set()
# Set by the ASGI path when another library than asyncio drives the call:
# background tasks and request-scoped exit code are collected here and run by
# the caller once the response is sent (there is no loop to start tasks on).
AFTER_RESPONSE: contextvars.ContextVar[list[Callable[[], Any]] | None] = contextvars.ContextVar(
    "ouroboros_api_after_response", default=None
)


def is_model(tp: Any) -> bool:
    """A BaseModel-like class (``model_validate``) or a dataclass."""
    return isinstance(tp, type) and (hasattr(tp, "model_validate") or dataclasses.is_dataclass(tp))


async def _file_bytes(value: Any) -> Any:
    """A ``bytes`` file parameter: the rest of the request's shared
    UploadFile from where it stands, which is left there (FastAPI 0.165)."""
    if isinstance(value, UploadFile):
        return await _read_upload(value)
    if isinstance(value, list):
        return [await _read_upload(v) if isinstance(v, UploadFile) else v for v in value]
    return value


async def _read_upload(upload: UploadFile) -> bytes:
    position = upload.file.tell()
    try:
        return await upload.read()
    finally:
        upload.file.seek(position)


def is_complex(tp: Any) -> bool:
    """FastAPI's test of what a parameter without a marker reads from the
    body: a model, a dataclass, a mapping, a sequence (``str``/``bytes``
    aside) or an upload, also inside ``Annotated`` or as one member of a
    union (``A | B`` of two models is a body)."""
    origin = get_origin(tp)
    if origin is Annotated:
        return is_complex(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return any(is_complex(a) for a in get_args(tp))
    for t in (tp, origin):
        if is_model(t) or t is UploadFile:
            return True
        if isinstance(t, type) and not issubclass(t, (str, bytes)) and issubclass(t, (Mapping, Sequence, AbstractSet)):
            return True
    return False


def is_schema_model(tp: Any) -> bool:
    """An ``ouroboros.validation.BaseModel`` subclass (has a compiled-schema description)."""
    return isinstance(tp, type) and hasattr(tp, "__ouroboros_schema__")


def split_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    """``Annotated[T, a, b]`` -> ``(T, [a, b])``."""
    if get_origin(annotation) is Annotated:
        args = get_args(annotation)
        return args[0], list(args[1:])
    return annotation, []


def split_optional(tp: Any) -> tuple[Any, bool]:
    """``T | None`` -> ``(T, True)``."""
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) < len(get_args(tp)):
            return (args[0] if len(args) == 1 else Union[tuple(args)]), True  # noqa: UP007
    return tp, False


def _stdlib_dataclass(tp: Any) -> bool:
    return dataclasses.is_dataclass(tp) and isinstance(tp, type) and not hasattr(tp, "__ouroboros_dataclass_schema__")


def _dataclass_converter(cls: type, loc: list[Any]) -> Callable[[Any], Any]:
    """A plain ``@dataclasses.dataclass`` body (ouroboros.validation does not
    describe those yet): required fields checked, the instance built."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    required = [
        n for n, f in names.items() if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]

    def one(value: Any, at: list[Any]) -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise RequestValidationError(
                [{"type": "dict_type", "loc": at, "msg": "Input should be a valid dictionary", "input": value}]
            )
        missing = [n for n in required if n not in value]
        if missing:
            raise RequestValidationError(
                [{"type": "missing", "loc": [*at, n], "msg": "Field required", "input": value} for n in missing]
            )
        return cls(**{k: v for k, v in value.items() if k in names})

    return lambda value: one(value, loc)


def _dataclass_list_converter(cls: type, loc: list[Any]) -> Callable[[Any], Any]:
    def each(values: Any) -> Any:
        if not isinstance(values, list):
            raise RequestValidationError(
                [{"type": "list_type", "loc": loc, "msg": "Input should be a valid list", "input": values}]
            )
        return [_dataclass_converter(cls, [*loc, i])(v) for i, v in enumerate(values)]

    return each


def type_schema(tp: Any) -> Any:
    """What the Rust side compiles with ouroboros-schema to validate ``tp``.

    A model class is passed as itself; any other type (enum, ``Literal``,
    date, UUID, ``list[Item]``, ``dict[str, int]``, a dataclass...) as the
    type schema ouroboros.validation describes it with, so a parameter is
    converted by the same engine, with the same errors, as a model field.
    """
    if is_schema_model(tp):
        return tp
    return TypeAdapter(tp).core_schema


def _has_stdlib_dataclass(tp: Any, depth: int = 0) -> bool:
    tp, _ = split_annotated(tp)
    if _stdlib_dataclass(tp):
        return True
    return depth < 8 and any(_has_stdlib_dataclass(a, depth + 1) for a in get_args(tp))


def response_error(exc: BaseException, value: Any, endpoint_ctx: dict[str, Any] | None = None) -> BaseException:
    """A return value the ``response_model`` refuses: FastAPI's
    ``ResponseValidationError`` (answered with 500), errors under ``response``."""
    errors = error_dicts(exc)
    if errors is None:
        return exc
    located = [{**e, "loc": ("response", *e.get("loc", ()))} for e in errors]
    return ResponseValidationError(located, body=value, endpoint_ctx=endpoint_ctx)


def endpoint_context(route: Any) -> dict[str, Any]:
    """FastAPI's endpoint context of a route: the handler's name, file and
    first line, and ``"<METHOD> <path>"`` (shown by validation errors)."""
    func = route.endpoint
    ctx: dict[str, Any] = {"function": getattr(func, "__name__", repr(func))}
    code = getattr(inspect.unwrap(func), "__code__", None)
    if code is not None:
        ctx["file"] = code.co_filename
        ctx["line"] = code.co_firstlineno
    methods = sorted(getattr(route, "methods", None) or ())
    ctx["path"] = f"{methods[0]} {route.path}" if methods else route.path
    return ctx


@dataclasses.dataclass
class ResponsePlan:
    """A route's ``response_model``, compiled once with its serialisation
    options (``response_model_by_alias`` and the exclude rules)."""

    model: Any
    adapter: TypeAdapter[Any]
    by_alias: bool = True
    exclude_unset: bool = False
    exclude_defaults: bool = False
    exclude_none: bool = False
    include: Any = None
    exclude: Any = None
    endpoint_ctx: dict[str, Any] | None = None

    def for_rust(self) -> dict[str, Any]:
        """What the Rust server compiles (``ResponseModel`` in bridge.rs)."""
        return {
            "schema": type_schema(self.model),
            "by_alias": self.by_alias,
            "exclude_unset": self.exclude_unset,
            "exclude_defaults": self.exclude_defaults,
            "exclude_none": self.exclude_none,
            "include": self.include,
            "exclude": self.exclude,
            "invalid": functools.partial(response_error, endpoint_ctx=self.endpoint_ctx),
        }

    _writer: Any = dataclasses.field(default=None, init=False, repr=False, compare=False)

    def dumps(self, value: Any) -> bytes:
        """Validate ``value`` and write its JSON on the Python paths (middleware,
        ``response`` parameters), with the server's own compiled writer: an
        instance of a subclass of the model is sent with the model's fields.

        Raises:
            ResponseValidationError: ``value`` does not fit the model.
        """
        if self._writer is None:
            self._writer = _api.ResponseWriter(self.for_rust())
        return self._writer.write(value)  # type: ignore[no-any-return]


_STREAM_ORIGINS = {
    collections.abc.AsyncIterable,
    collections.abc.AsyncIterator,
    collections.abc.AsyncGenerator,
    collections.abc.Iterable,
    collections.abc.Iterator,
    collections.abc.Generator,
}


def stream_item_type(route: Any) -> Any:
    """The item type a handler that yields declares (``AsyncIterable[Item]``,
    ``Iterator[Item]``, ``Generator[Item, None, None]``...), or None."""
    try:
        annotation = typing.get_type_hints(route.endpoint).get("return")
    except Exception:  # noqa: BLE001 - unresolvable forward refs: untyped items
        return None
    if get_origin(annotation) in _STREAM_ORIGINS and get_args(annotation):
        return get_args(annotation)[0]
    return None


def make_stream(
    kind: str, response_class: Any, status_code: int, dump: Callable[[Any], bytes], pool: SyncPool | None = None
) -> Callable[[Any], Any]:
    """The response of a handler that yields (FastAPI 0.165): Server-Sent
    Events under ``EventSourceResponse``, JSON Lines without a response
    class, else the class given the generator as its content."""
    from ouroboros.api.responses import EventSourceResponse, ServerSentEvent, StreamingResponse, format_sse_event

    def encode(item: Any) -> bytes:
        if kind == "jsonl":
            return dump(item) + b"\n"
        if isinstance(item, ServerSentEvent):
            return item.encode()
        return format_sse_event(data_str=dump(item).decode())

    async def encoded_async(source: Any, encode: Callable[[Any], Any]) -> Any:
        async for item in source:
            yield encode(item)
            # A generator that never awaits still lets cancellation in.
            await _checkpoint()

    def convert(source: Any) -> Any:
        if isinstance(source, Response):
            return source
        if kind == "raw":
            if hasattr(source, "__aiter__"):
                source = encoded_async(source, lambda chunk: chunk)
            return response_class(source, status_code=status_code)
        if kind == "sse":
            events = encoded_async(source if hasattr(source, "__aiter__") else _from_sync(source, pool), encode)
            return EventSourceResponse(_with_pings(events), status_code=status_code)
        body = encoded_async(source, encode) if hasattr(source, "__aiter__") else map(encode, source)
        return StreamingResponse(body, status_code=status_code, media_type="application/jsonl")

    return convert


class _StreamFailed:
    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


_STREAM_END = object()


async def _from_sync(source: Any, pool: SyncPool | None) -> Any:
    """A blocking iterator's items, each ``next()`` on a worker thread."""
    step = functools.partial(next, iter(source), _STREAM_END)
    while (item := await run_sync(pool, step)) is not _STREAM_END:
        yield item


async def _with_pings(events: Any) -> Any:
    """Server-Sent Events with a keep-alive comment whenever none came for
    ``routing._PING_INTERVAL`` seconds (so proxies keep the connection).

    A producer task reads the events into a one-slot queue: the wait for
    the next one can time out without interrupting the generator, and
    memory stays bounded. Under trio the events pass as they come.
    """
    from ouroboros.api import routing
    from ouroboros.api.sse import KEEPALIVE_COMMENT

    if not _threads.asyncio_running():
        async for event in events:
            yield event
        return
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)

    async def produce() -> None:
        try:
            async for event in events:
                await queue.put(event)
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            await queue.put(_StreamFailed(exc))
        else:
            await queue.put(_STREAM_END)

    producer = asyncio.get_running_loop().create_task(produce())
    try:
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), routing._PING_INTERVAL)
            except TimeoutError:
                yield KEEPALIVE_COMMENT
                continue
            if event is _STREAM_END:
                return
            if isinstance(event, _StreamFailed):
                raise event.error
            yield event
    finally:
        producer.cancel()
        with contextlib.suppress(BaseException):
            await producer


async def _checkpoint() -> None:
    if _threads.asyncio_running():
        await asyncio.sleep(0)
    else:
        import anyio.lowlevel

        await anyio.lowlevel.checkpoint()


def stream_item_dump(item_type: Any, plan_options: Any) -> Callable[[Any], bytes]:
    """How one streamed item is written: validated against the declared
    item type and written by the schema's serializer, else as plain JSON."""
    if item_type is None:
        return lambda item: json.dumps(json.loads(_api.dumps(item, to_plain))).encode()
    plan = ResponsePlan(item_type, TypeAdapter(item_type), **plan_options)
    return plan.dumps


def response_model_of(route: Any) -> Any:
    """The route's ``response_model``, or its return annotation when not given
    (``None``, a ``Response`` class or no annotation: no model)."""
    if route.response_model is not INFERRED:
        return route.response_model
    try:
        annotation = typing.get_type_hints(route.endpoint, include_extras=True).get("return", inspect.Signature.empty)
    except Exception:  # noqa: BLE001 - unresolvable forward refs: no model, as before
        annotation = inspect.signature(route.endpoint).return_annotation
    if annotation is inspect.Signature.empty or annotation is None or annotation is type(None):
        return None
    bare, _ = split_annotated(annotation)
    parts = get_args(bare) if get_origin(bare) in (Union, types.UnionType) else (bare,)
    if any(isinstance(p, type) and issubclass(p, Response) for p in parts):
        return None
    return annotation


def response_plan(model: Any, route: Any) -> ResponsePlan | None:
    """The compiled ``response_model`` of a route, or ``None`` when it has
    none or holds plain dataclasses (then filtered by ``response_filter``)."""
    if model is None or _has_stdlib_dataclass(model):
        return None
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(model)
    except (TypeError, ValueError, NameError):
        return None
    return ResponsePlan(model, adapter, **response_options(route), endpoint_ctx=endpoint_context(route))


def response_options(route: Any) -> dict[str, Any]:
    """A route's ``response_model_*`` serialisation options."""
    return {
        "by_alias": route.response_model_by_alias,
        "exclude_unset": route.response_model_exclude_unset,
        "exclude_defaults": route.response_model_exclude_defaults,
        "exclude_none": route.response_model_exclude_none,
        "include": route.response_model_include,
        "exclude": route.response_model_exclude,
    }


def response_filter(tp: Any, _open: frozenset[Any] = frozenset()) -> Any:
    """The field tree the Rust serializer keeps (``None``: keep all). A
    model met again inside itself (a recursive model) keeps all there."""
    tp, _ = split_annotated(tp)
    tp, _ = split_optional(tp)
    origin = get_origin(tp)
    if origin in (list, set, tuple, frozenset, typing.Sequence):
        args = get_args(tp)
        sub = response_filter(args[0], _open) if args else None
        return {"items": sub} if sub is not None else None
    if origin is dict:
        args = get_args(tp)
        sub = response_filter(args[1], _open) if len(args) == 2 else None
        return {"values": sub} if sub is not None else None
    if isinstance(tp, type) and tp not in _open:
        inner = _open | {tp}
        fields = getattr(tp, "model_fields", None)
        if isinstance(fields, dict):
            return {
                "fields": [
                    (name, response_filter(getattr(info, "annotation", Any), inner)) for name, info in fields.items()
                ]
            }
        if dataclasses.is_dataclass(tp):
            hints = typing.get_type_hints(tp)
            return {
                "fields": [(f.name, response_filter(hints.get(f.name, Any), inner)) for f in dataclasses.fields(tp)]
            }
    return None


@dataclasses.dataclass
class Dependant:
    """A callable and where each of its arguments comes from."""

    call: Callable[..., Any]
    # (argument name, slot kind, payload): "value" -> index in the flat list,
    # "dep" -> Dependant, "request"/"background"/"response" -> None.
    slots: list[tuple[str, str, Any]] = dataclasses.field(default_factory=list)
    use_cache: bool = True
    kind: str = "async"  # async | sync | gen | asyncgen | stream (a handler that yields)
    # Depends(max_concurrency=N): the declaration's accounting, shared by
    # every route that uses it.
    limit: DependencyConcurrency | None = None
    # Depends(scope="function"): a yield dependency's exit code runs when the
    # handler returns, not after the response.
    function_scope: bool = False
    # The OAuth scopes it is solved with, when it or a sub-dependency uses
    # them (then part of its cache key, as in FastAPI).
    scopes_key: tuple[str, ...] = ()
    # Declared with scopes of its own (`Security(f, scopes=[...])`) or a
    # security scheme: it uses the scopes, as FastAPI counts them.
    own_scopes: bool = False

    @property
    def is_plain(self) -> bool:
        return all(s[1] == "value" for s in self.slots)

    @property
    def cache_key(self) -> tuple[Any, bool, tuple[str, ...]]:
        """One value per request for each callable, scope and set of OAuth
        scopes: a dependency declared with ``scope="function"`` and without
        are two, and so are two `Security` uses with other scopes of one that
        reads `SecurityScopes`, as in FastAPI."""
        return (self.call, self.function_scope, self.scopes_key)

    def uses_scopes(self) -> bool:
        """It, or a dependency of it, reads `SecurityScopes`, declares scopes
        of its own or is a security scheme (FastAPI's ``_uses_scopes``)."""
        return self.own_scopes or any(
            kind == "scopes" or (kind == "dep" and payload.uses_scopes()) for _, kind, payload in self.slots
        )


def _impartial(call: Any) -> Any:
    while isinstance(call, functools.partial):
        call = call.func
    return call


def _call_views(call: Any) -> list[Any]:
    """What decides how ``call`` runs, as FastAPI looks: the callable without
    its ``functools.partial`` layers, what ``functools.wraps`` wrapped, and
    (not for classes) their ``__call__`` methods likewise."""
    base = _impartial(call)
    try:
        unwrapped = inspect.unwrap(base)
    except ValueError:  # a __wrapped__ cycle
        unwrapped = base
    views = [base, unwrapped]
    if inspect.isclass(unwrapped):
        return views
    for owner in (base, unwrapped):
        method = getattr(owner, "__call__", None)  # noqa: B004 - the method itself is inspected
        if method is not None:
            method = _impartial(method)
            try:
                views.extend([method, inspect.unwrap(method)])
            except ValueError:
                views.append(method)
    return views


def _call_kind(call: Callable[..., Any]) -> str:
    views = _call_views(call)
    if any(inspect.isasyncgenfunction(v) for v in views):
        return "asyncgen"
    if any(inspect.isgeneratorfunction(v) for v in views):
        return "gen"
    if any(inspect.iscoroutinefunction(v) for v in views):
        return "async"
    return "sync"


class _UnsetField:
    """A field of a parameter model the request did not send."""

    def __repr__(self) -> str:
        return "<unset>"


_UNSET_FIELD: Any = _UnsetField()


@dataclasses.dataclass
class ModelParams:
    """A parameter model: the flat-list index of its source's pairs, already
    read and validated by its `ModelSource` converter."""

    model: Any
    index: int
    loc_source: str
    required: bool
    default: Any

    def build(self, values: tuple[Any, ...]) -> Any:
        return values[self.index]


def _alias_choices(validation_alias: Any) -> list[str]:
    """The request keys a ``validation_alias`` names, in the order tried: a
    string, or the names of an `AliasChoices`. An `AliasPath`, or choices
    with one among them, name none: FastAPI then reads the parameter by its
    alias or name, and the path applies to that value only in validation."""
    if isinstance(validation_alias, str):
        return [validation_alias]
    choices = list(getattr(validation_alias, "choices", None) or [])
    if not all(isinstance(choice, str) for choice in choices):
        return []
    return choices


def param_keys(marker: Param, name: str, path_names: Collection[str] = ()) -> list[str]:
    """The request keys of a parameter, in the order they are tried
    (FastAPI's rules): its alias choices as literal names, else its
    validation alias, alias or name (a header's name with hyphens for
    underscores unless ``convert_underscores=False``). A path parameter has
    one key: the first of its alias choices that the route's path names,
    else its alias or name."""
    validation_alias = marker.validation_alias
    choices = _alias_choices(validation_alias)
    if isinstance(marker, Path) and not isinstance(validation_alias, str):
        return [next((c for c in choices if c in path_names), None) or marker.alias or name]
    if choices and not isinstance(validation_alias, str):
        return choices
    key = choices[0] if choices else marker.alias or name
    if isinstance(marker, Header) and key == name and marker.convert_underscores:
        key = name.replace("_", "-")
    return [key]


def check_path_params(endpoint: Callable[..., Any], path_names: set[str]) -> None:
    """FastAPI's definition check: a path parameter is a scalar.

    Raises:
        AssertionError: A path parameter is typed as a model, a sequence or a mapping.
    """
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
        params = inspect.signature(endpoint).parameters
    except Exception:  # noqa: BLE001 - unresolvable annotations are reported when the route compiles
        return
    for name, p in params.items():
        tp, extras = split_annotated(hints.get(name, Any))
        _check_annotated_markers(name, extras, p.default)
        marker = p.default if isinstance(p.default, (Param, Depends)) else None
        marker = next((e for e in extras if isinstance(e, (Param, Depends))), marker)
        if isinstance(marker, (Query, Header, Cookie)):
            _check_scalar_param(type(marker).__name__, name, tp)
        if name not in path_names:
            continue
        if marker is not None and not isinstance(marker, Path):
            continue
        inner, _ = split_optional(tp)
        if is_model(inner) or inner in _COLLECTIONS or get_origin(inner) in _COLLECTIONS:
            raise AssertionError("Path params must be of one of the supported types")


def _merged_params(markers: list[Param]) -> Param:
    """Several markers of one kind in ``Annotated`` (``Query(gt=2),
    Query(lt=10)``): their options together, a later one's winning, as
    FastAPI merges them."""
    if len(markers) == 1:
        return markers[0]
    options: dict[str, Any] = {}
    for m in markers:
        options.update({k: getattr(m, k) for k in m._explicit if hasattr(m, k)})
    try:
        with warnings.catch_warnings():
            # Each marker already warned of its deprecated options when it was made.
            warnings.simplefilter("ignore", DeprecationWarning)
            return type(markers[-1])(markers[-1].default, **options)
    except TypeError:
        return markers[-1]


def _check_annotated_markers(name: str, extras: Sequence[Any], default: Any) -> None:
    """FastAPI's checks of the markers in ``Annotated``: a default is given
    with ``=``, not in the marker, and a marker there excludes a
    ``Depends`` as the default.

    Raises:
        AssertionError: With FastAPI's message.
    """
    markers = [e for e in extras if isinstance(e, (Param, Depends))]
    if not markers:
        return
    last = markers[-1]
    if isinstance(default, Depends):
        if isinstance(last, Depends):
            raise AssertionError(f"Cannot specify `Depends` in `Annotated` and default value together for {name!r}")
        raise AssertionError(
            f"Cannot specify a FastAPI annotation in `Annotated` and `Depends` as a default value together for {name!r}"
        )
    if isinstance(last, Param) and last.default is not ...:
        if isinstance(last, Path):
            raise AssertionError("Path parameters cannot have a default value")
        raise AssertionError(
            f"`{type(last).__name__}` default value cannot be set in `Annotated` for {name!r}. Set the default value"
            " with `=` instead."
        )


def check_dependency_scopes(route: Any) -> None:
    """FastAPI's definition check of ``yield`` dependencies' scopes: one whose
    exit code runs after the response (``scope="request"``, the default of a
    generator) cannot depend on one closed when the handler returns
    (``scope="function"``).

    Raises:
        DependencyScopeError: Such a dependency, in the handler's tree or the
            route's ``dependencies``.
    """
    seen: set[int] = set()

    def walk(call: Any, scope: str | None) -> None:
        if call is None or id(call) in seen:
            return
        seen.add(id(call))
        try:
            target = call.__call__ if not inspect.isroutine(call) and not isinstance(call, type) else call
            hints = typing.get_type_hints(target, include_extras=True)
            params = inspect.signature(call).parameters
        except Exception:  # noqa: BLE001 - unresolvable annotations are reported when the route compiles
            return
        gen = _is_generator(call)
        computed = scope or ("request" if gen else None)
        for name, p in params.items():
            annotation, extras = split_annotated(hints.get(name, Any))
            marker = p.default if isinstance(p.default, Depends) else None
            marker = next((e for e in extras if isinstance(e, Depends)), marker)
            if marker is None:
                continue
            if gen and computed == "request" and marker.scope == "function":
                from ouroboros.api.exceptions import DependencyScopeError

                name_of = getattr(call, "__name__", "<unnamed_callable>")
                raise DependencyScopeError(
                    f'The dependency "{name_of}" has a scope of "request", '
                    'it cannot depend on dependencies with scope "function".'
                )
            walk(marker.dependency if marker.dependency is not None else annotation, marker.scope)

    walk(route.endpoint, None)
    for dep in route.dependencies:
        walk(dep.dependency, dep.scope)


def _is_generator(call: Any) -> bool:
    while isinstance(call, functools.partial):
        call = call.func
    if not inspect.isroutine(call) and not isinstance(call, type) and callable(call):
        call = call.__call__
    call = inspect.unwrap(call)
    return inspect.isgeneratorfunction(call) or inspect.isasyncgenfunction(call)


def check_response_models(route: Any) -> None:
    """FastAPI's definition check of a route's response models (its
    ``response_model``, else its return annotation unless that is a
    ``Response`` class, and each ``responses={...: {"model": ...}}``): each
    must have a schema, not be an arbitrary class.

    Raises:
        FastAPIError: A model the validation engine can only check with
            ``isinstance`` (no fields, no JSON form).
    """
    models = [m.get("model") for m in route.responses.values() if isinstance(m, dict)]
    model = route.response_model
    if model is INFERRED and (
        inspect.isgeneratorfunction(route.endpoint) or inspect.isasyncgenfunction(route.endpoint)
    ):
        model = None  # the annotation of a handler that yields is its stream's
    if model is INFERRED:
        try:
            model = typing.get_type_hints(route.endpoint, include_extras=True).get("return")
        except Exception:  # noqa: BLE001 - unresolvable forward refs: checked when the route compiles
            model = None
        bare, _ = split_annotated(model)
        if isinstance(bare, type) and issubclass(bare, Response):
            model = None
    for m in [model, *models]:
        if m is None or m is type(None):
            continue
        try:
            schema = TypeAdapter(m).core_schema
        except PydanticSchemaGenerationError as exc:
            # A class without a schema (ouroboros.validation refuses it as Pydantic does).
            arbitrary = getattr(exc, "source_type", None)
        except Exception:  # noqa: BLE001 - reported when the route compiles
            continue
        else:
            arbitrary = _arbitrary_class(schema)
        if arbitrary is not None:
            from ouroboros.api.exceptions import FastAPIError

            name = getattr(arbitrary, "__qualname__", repr(arbitrary))
            raise FastAPIError(
                f"The response model {m!r} of the path operation {route.name!r} is not a valid Pydantic field "
                f"type: {name} has no schema (it is neither a model, a dataclass nor a type "
                "Pydantic knows). If the return annotation is not meant as a response model (for example "
                "`Response | dict`), set the path operation decorator parameter response_model=None."
            )


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


# What a parameter typed with one of these classes (or a subclass) receives:
# ours, and Starlette's own, as FastAPI apps often import them.
_SPECIAL_KINDS = {
    _qualified(Request): "request",  # WebSocket is one
    _qualified(BackgroundTasks): "background",
    _qualified(Response): "response",
    "starlette.requests.HTTPConnection": "request",
    "starlette.requests.Request": "request",
    "starlette.websockets.WebSocket": "request",
    "starlette.responses.Response": "response",
    "starlette.background.BackgroundTasks": "background",
}


def _special_kind(tp: Any) -> str | None:
    """ "request", "background" or "response": what a parameter typed with a
    request, WebSocket, response or background-task class receives, or None."""
    if not isinstance(tp, type):
        return None
    for base in tp.__mro__:
        kind = _SPECIAL_KINDS.get(_qualified(base))
        if kind is not None:
            return kind
    return None


def _arbitrary_class(schema: Any) -> type | None:
    """The first class ``schema`` only checks with ``isinstance`` (models and
    dataclasses are not entered: their own fields were checked with them)."""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "is_instance":
            cls = schema.get("cls")
            if not isinstance(cls, type) or hasattr(cls, "__get_pydantic_core_schema__"):
                return None
            # Standard-library classes (Path, IPv4Address, Fraction...) have Pydantic schemas.
            return None if cls.__module__.partition(".")[0] in sys.stdlib_module_names else cls
        if kind in ("model", "dataclass", "definitions", "definition-ref"):
            return None
        values: Any = schema.values()
    elif isinstance(schema, (list, tuple)):
        values = schema
    else:
        return None
    for value in values:
        found = _arbitrary_class(value)
        if found is not None:
            return found
    return None


def _check_scalar_param(kind: str, name: str, tp: Any) -> None:
    """FastAPI's rule for query, header and cookie parameters: a scalar, a
    sequence of scalars, or a model (read field by field); not a mapping nor
    a sequence of models or mappings."""
    inner, _ = split_optional(tp)
    if is_model(inner):
        return
    origin = get_origin(inner)
    mapping = inner in (dict, typing.Mapping) or origin in (dict, collections.abc.Mapping)
    items = get_args(inner) if origin in (list, tuple, set, frozenset, collections.abc.Sequence) else ()
    nested = any(
        is_model(split_optional(i)[0]) or get_origin(i) in (dict, list, tuple, set) or i in (dict, list)
        for i in items
        if i is not Ellipsis
    )
    if mapping or nested:
        raise AssertionError(f"{kind} parameter {name!r} must be one of the supported types")


_COLLECTIONS = (list, tuple, set, frozenset, dict, typing.Sequence, typing.Mapping)
# Parameter options checked by the Rust extractor itself (plain scalars).
_RUST_CHECKS = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern", "multiple_of", "allow_inf_nan")
# Every option the schema of a parameter takes.
_SCHEMA_OPTIONS = (
    *_RUST_CHECKS,
    "strict",
    "union_mode",
    "fail_fast",
    "discriminator",
    "max_digits",
    "decimal_places",
)
# Options that send a parameter to the schema rather than the Rust extractor.
_SCHEMA_ONLY = ("strict", "union_mode", "fail_fast", "discriminator", "max_digits", "decimal_places")
# A `Field()` beside a marker: the options it gives the marker (unless the
# marker sets them itself).
_FIELD_OPTIONS = (
    "alias",
    "validation_alias",
    "title",
    "description",
    "examples",
    "deprecated",
    "json_schema_extra",
    "default_factory",
    "validate_default",
    "discriminator",
)


def merge_field_info(marker: Param, infos: Sequence[FieldInfo]) -> Param:
    """``Annotated[int, Field(alias="n"), Query()]``: the marker with the
    options of the ``Field()``s before it that it does not set itself."""
    if not infos:
        return marker
    out = copy.copy(marker)
    explicit = getattr(marker, "_explicit", frozenset())
    for info in infos:
        options = {k: getattr(info, k, None) for k in _FIELD_OPTIONS}
        if "alias" in explicit and options["validation_alias"] == info.alias:
            options["validation_alias"] = None  # the Field's alias, replaced by the marker's
        options.update(info.constraints)
        for key, value in options.items():
            if value is None or key in explicit or not hasattr(out, key):
                continue
            if key == "pattern":
                out.pattern, out.validation_pattern = _pattern_text(value)
            else:
                setattr(out, key, value)
        if out.default is ... and info.default is not PYDANTIC_UNDEFINED and "default" not in explicit:
            out.default = info.default
    return out


def _default_maker(entry: dict[str, Any], factory: Callable[[], Any] | None, default: Any, checked: Any) -> Any:
    """A parameter's default made per request: its ``default_factory`` called,
    and with ``validate_default`` the value validated (errors at the parameter)."""
    adapter: list[TypeAdapter[Any]] = []

    def make() -> Any:
        value = factory() if factory is not None else copy.deepcopy(default)
        if checked is None:
            return value
        if not adapter:
            adapter.append(TypeAdapter(checked))
        try:
            return adapter[0].validate_python(value)
        except ValueError as exc:
            errors = error_dicts(exc)
            if errors is None:
                raise
            raise RequestValidationError([{**e, "loc": (*entry["_loc"], *e["loc"])} for e in errors]) from None

    return make


class PlanBuilder:
    """Collects the flat parameter list of one route."""

    def __init__(self, path_names: set[str], overrides: dict[Any, Any] | None = None) -> None:
        self.path_names = path_names
        # app.dependency_overrides: replace a dependency (tests, mocks of
        # *our own* callables) when the route is compiled.
        self.overrides = overrides or {}
        self.params: list[dict[str, Any]] = []
        self.body_params: list[dict[str, Any]] = []
        self.wants_request = False
        self.uses_special = False
        self.security: list[SecurityBase] = []
        # Parameter models (``Annotated[Model, Query()]``...): (marker, model,
        # required, flat indices), for the OpenAPI document.
        # (marker, declared type, required, described-only field indices, name)
        self.param_models: list[tuple[Param, Any, bool, list[int], str]] = []

    def dependant(
        self,
        call: Callable[..., Any],
        use_cache: bool = True,
        scopes: Sequence[str] = (),
        limit: DependencyConcurrency | None = None,
        own_scopes: bool = False,
    ) -> Dependant:
        call = self.overrides.get(call, call)
        dep = Dependant(call=call, use_cache=use_cache, kind=_call_kind(call), limit=limit, own_scopes=own_scopes)
        if isinstance(call, SecurityBase):
            self.security.append(call)
            dep.own_scopes = True
        # Where the annotations are: a class's __init__, an instance's __call__.
        target: Any = call
        if isinstance(call, type):
            target = call.__init__
        elif not inspect.isroutine(call):
            target = type(call).__call__
        try:
            hints = typing.get_type_hints(target, include_extras=True)
        except Exception:  # noqa: BLE001 - unresolvable forward refs: fall back to raw annotations
            hints = {}
        sig = inspect.signature(call)
        for name, p in sig.parameters.items():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            annotation = hints.get(name, p.annotation if p.annotation is not p.empty else Any)
            dep.slots.append(self._slot(name, annotation, p.default, scopes))
        if scopes and dep.uses_scopes():
            dep.scopes_key = tuple(sorted(set(scopes)))
        return dep

    def declared(self, marker: Depends, annotation: Any = None, scopes: Sequence[str] = ()) -> Dependant:
        """The dependant of a ``Depends(...)``/``Security(...)`` declaration
        (a parameter's, or one of ``dependencies=[...]``)."""
        own = list(getattr(marker, "scopes", None) or ())
        dep = self.dependant(
            marker.dependency or annotation,
            marker.use_cache,
            [*scopes, *own],
            marker._concurrency,
            own_scopes=bool(own),
        )
        dep.function_scope = getattr(marker, "scope", None) == "function"
        return dep

    def _slot(self, name: str, annotation: Any, default: Any, scopes: Sequence[str] = ()) -> tuple[str, str, Any]:
        tp, extras = split_annotated(annotation)
        marker = next((e for e in extras if isinstance(e, (Param, Depends))), None)
        if isinstance(marker, Param):
            marker = _merged_params([e for e in extras if isinstance(e, type(marker))])
        if isinstance(default, (Param, Depends)):
            marker, default = default, inspect.Parameter.empty
        if isinstance(marker, Depends):
            self.uses_special = True
            return (name, "dep", self.declared(marker, tp, scopes))
        if isinstance(tp, type) and issubclass(tp, SecurityScopes):
            self.uses_special = True
            return (name, "scopes", list(scopes))
        kind = _special_kind(tp)
        if kind is not None:
            if kind == "request":
                self.wants_request = True
            self.uses_special = True
            return (name, kind, None)
        inner, _ = split_optional(tp)
        meta = [e for e in extras if not isinstance(e, (Param, Depends))]
        # ``Json[Model]``: one parameter holding JSON text, not a parameter model.
        as_json = any(type(e) is Json for e in meta)
        form_marker = isinstance(marker, Form) and not isinstance(marker, File) and not marker.embed and not as_json
        if ((isinstance(marker, (Query, Header, Cookie)) and not as_json) or form_marker) and is_schema_model(inner):
            return (name, "model", self._model_params(name, tp, [inner], marker, default, meta))
        if form_marker and (models := form_union_models(tp)):
            return (name, "model", self._model_params(name, tp, models, marker, default, meta))
        index = self._param(name, tp, marker, default, meta)
        if self.params[index].get("_file_bytes"):
            # Read when the function that takes it is called (FastAPI reads
            # the shared UploadFile from where earlier readers left it).
            self.uses_special = True
            return (name, "file_bytes", index)
        return (name, "value", index)

    def _model_params(
        self, name: str, tp: Any, models: list[type], marker: Param, default: Any, meta: Sequence[Any] = ()
    ) -> ModelParams:
        """A model used as ``Query()``/``Header()``/``Cookie()``/``Form()`` (or
        a union of form models): Rust passes every pair of the source and
        `ModelSource` picks the fields as FastAPI does; the model validates
        them together (errors under ``[source, field]``). Each field also gets
        a described-only entry, for the OpenAPI document."""
        factory = marker.default_factory
        required = default is inspect.Parameter.empty and marker.default is ... and factory is None
        if default is inspect.Parameter.empty:
            default = None if required or factory is not None else marker.default
        indices: list[int] = []
        for model in models if len(models) == 1 else []:
            for field_name, info in model.model_fields.items():  # type: ignore[attr-defined]
                choices = _alias_choices(getattr(info, "validation_alias", None))
                alias = choices[0] if choices else info.alias or field_name
                if isinstance(marker, Header) and not choices and info.alias is None and marker.convert_underscores:
                    alias = field_name.replace("_", "-")
                field_marker = type(marker)(_UNSET_FIELD, alias=alias)
                if isinstance(field_marker, Header):
                    field_marker.convert_underscores = False  # the name is decided above
                index = self._param(alias, str, field_marker, _UNSET_FIELD)
                self.params[index].update(default=_UNSET_FIELD, described_only=True, _model_field=(field_name, info))
                indices.append(index)
        self.param_models.append((marker, tp, required, indices, name))
        if marker.discriminator is not None:
            meta = [*meta, Field(discriminator=marker.discriminator)]
        source = ModelSource(
            annotation=Annotated[(tp, *meta)] if meta else tp,
            models=models,
            source=marker.source,
            required=required,
            default=default,
            default_factory=factory,
            validate_default=bool(marker.validate_default),
            convert_underscores=getattr(marker, "convert_underscores", True),
        )
        index = self._param(name, str, type(marker)(_UNSET_FIELD), _UNSET_FIELD)
        self.params[index].update(whole=True, converter=source, described_only=True)
        return ModelParams(models[0] if len(models) == 1 else tp, index, source.loc, required, default)

    def _param(self, name: str, tp: Any, marker: Param | None, default: Any, meta: Sequence[Any] = ()) -> int:
        infos = [m for m in meta if isinstance(m, FieldInfo)]
        validators = [m for m in meta if not isinstance(m, FieldInfo)]
        inner, optional = split_optional(tp)
        # ``Annotated[set[str], Field(max_length=3)] | None``: the inner type
        # decides how the value is read; its metadata is the schema's to check.
        inner, nested_meta = split_annotated(inner)
        # `list`, `set`... without an item type are sequences of any value, as in FastAPI.
        bare = inner in (list, set, tuple, frozenset)
        # ``Json[list[str]]`` is one value (JSON text), not a repeated key.
        as_json = any(type(m) is Json for m in meta)
        is_list = (get_origin(inner) in (list, set, tuple, frozenset) or bare) and not is_model(inner) and not as_json
        item = get_args(inner)[0] if is_list and get_args(inner) else (Any if bare else inner)
        if marker is None and (inner is UploadFile or item is UploadFile):
            marker = File()
        if marker is None:
            if name in self.path_names:
                marker = Path()
            elif is_complex(inner) or is_list:
                # FastAPI's rule: anything but a scalar (models, mappings,
                # sequences, a union with one of those) is read from the body
                # unless marked otherwise.
                marker = Body()
            else:
                marker = Query()
        marker = merge_field_info(marker, infos)
        if marker.default is not ... and default is inspect.Parameter.empty:
            default = marker.default
        factory = marker.default_factory
        source = marker.source
        required = default is inspect.Parameter.empty and factory is None
        alias, *others = param_keys(marker, name, self.path_names)
        # Header names keep their case here (errors name them as declared);
        # the lookup ignores it.
        kind = "any"
        scalar = item if is_list else inner
        if scalar in _SCALARS and not (is_list and source not in ("query", "header", "form")):
            # A list read from a JSON body stays whole for its schema validator.
            kind = _SCALARS[scalar]
        elif source in ("path", "query", "header", "cookie", "form"):
            kind = "str"
        # Options only the schema checks (validators beside the marker, union
        # mode, strictness...): the value goes whole to the compiled schema of
        # ``Annotated[tp, ..., Field(options)]``, as FastAPI validates it.
        checks = {k: getattr(marker, k) for k in _SCHEMA_OPTIONS if getattr(marker, k, None) is not None}
        if marker.pattern is not None:
            checks["pattern"] = marker.validation_pattern
        by_schema = source != "file" and (
            bool(validators)
            or any(k in checks for k in _SCHEMA_ONLY)
            or checks.get("pattern") != marker.pattern
            or (optional and source == "body" and kind != "any")
        )
        if by_schema:
            kind = "str" if source in ("path", "query", "header", "cookie", "form") else "any"
        loc_source = {"body": "body", "form": "body", "file": "body"}.get(source, source)
        entry: dict[str, Any] = {
            "name": name,
            "alias": alias,
            "other_aliases": others,
            "source": source,
            "kind": kind,
            "list": bool(is_list and source in ("query", "header", "form")),
            "required": required,
            "default": None if required or factory is not None else default,
            **({} if by_schema else {k: checks.get(k) for k in _RUST_CHECKS}),
            "raw_body": source == "body" and inner is bytes,
            "converter": None,
            "annotation": tp,
            "marker": marker,
            "_loc": [loc_source, alias],
        }
        if source == "file":
            entry["list"] = bool(is_list)
            entry["_file_bytes"] = (item if is_list else inner) is not UploadFile
            wrap = UploadFile.from_native
            entry["converter"] = (lambda values, w=wrap: [w(v) for v in values]) if is_list else wrap
        elif by_schema:
            entry["validator"] = type_schema(Annotated[(tp, *validators, Field(**checks))])
        elif entry["list"] and (
            nested_meta or (get_origin(inner) is tuple and get_args(inner)[-1:] not in ((), (Ellipsis,)))
        ):
            # ``tuple[int, int]``, or constraints inside the optional type: the
            # schema checks the length and each item, from the repeated
            # values' strings.
            entry["kind"] = "str"
            entry["validator"] = type_schema(tp)
        elif _stdlib_dataclass(inner) or (is_list and _stdlib_dataclass(item)):
            entry["_dataclass"] = (item, is_list)
        elif tp is not Any and (kind == "any" or scalar not in _SCALARS):
            # Validated in Rust by the compiled schema: a whole body straight
            # from its JSON bytes, a list parameter's strings all at once.
            entry["validator"] = type_schema(tp)
        container = get_origin(inner) or inner
        if entry["list"] and container in (set, frozenset) and "validator" not in entry and source != "file":
            # Repeated values read as a set are one item each, as in FastAPI.
            entry["converter"] = container
        if not required and (factory is not None or marker.validate_default):
            checked = Annotated[(tp, *validators, Field(**checks))] if marker.validate_default else None
            entry["_declared_default"] = default
            entry["default"] = _default_maker(entry, factory, default, checked)
            entry["call_default"] = True
        if source in ("body",):
            # The same body parameter declared again (by a dependency and the
            # route, say) is one field of the body, as in FastAPI.
            for seen in self.body_params:
                if seen["alias"] == alias and seen.get("annotation") == tp:
                    return next(i for i, p in enumerate(self.params) if p is seen)
            self.body_params.append(entry)
        self.params.append(entry)
        return len(self.params) - 1

    def finish(self) -> None:
        """Decide body embedding and attach converters (FastAPI's rules)."""
        if len(self.body_params) == 1 and not getattr(self.body_params[0]["marker"], "embed", False):
            only = self.body_params[0]
            only["_loc"] = ["body"]
        else:
            for entry in self.body_params:
                entry["source"] = "body_field"
        for entry in self.params:
            if entry.get("validator") is not None:
                entry["loc"] = tuple(entry["_loc"])
            if "_dataclass" in entry:
                cls, many = entry.pop("_dataclass")
                make = _dataclass_list_converter if many else _dataclass_converter
                entry["converter"] = make(cls, entry["_loc"])


class _Solver:
    """Resolves dependencies for one request."""

    __slots__ = ("background", "cache", "cleanup_scope", "late", "pool", "response", "stack", "values")

    def __init__(self, values: tuple[Any, ...], pool: SyncPool | None = None) -> None:
        self.values = values
        self.pool = pool
        self.cache: dict[Any, Any] = {}
        # Exit code of yield dependencies: `stack` when the handler returns
        # (scope="function"), `late` after the response (scope="request").
        self.stack: contextlib.AsyncExitStack | None = None
        self.late: contextlib.AsyncExitStack | None = None
        self.background: BackgroundTasks | None = None
        self.response: Response | None = None
        # Under ASGI: the cancel scope shielded while exit code runs (see `_ShieldedExit`).
        self.cleanup_scope: Any = None

    async def call(self, dep: Dependant, request: Any) -> Any:
        kwargs: dict[str, Any] = {}
        for name, kind, payload in dep.slots:
            if kind == "value":
                kwargs[name] = self.values[payload]
            elif kind == "file_bytes":
                kwargs[name] = await _file_bytes(self.values[payload])
            elif kind == "dep":
                key = payload.cache_key
                if payload.use_cache and key in self.cache:
                    kwargs[name] = self.cache[key]
                else:
                    value = await self.call(payload, request)
                    if payload.use_cache:
                        self.cache[key] = value
                    kwargs[name] = value
            elif kind == "request":
                kwargs[name] = request
            elif kind == "background":
                if self.background is None:
                    self.background = BackgroundTasks()
                kwargs[name] = self.background
            elif kind == "model":
                kwargs[name] = payload.build(self.values)
            elif kind == "scopes":
                kwargs[name] = SecurityScopes(payload)
            elif kind == "response":
                if self.response is None:
                    self.response = Response(status_code=0)
                kwargs[name] = self.response
        if dep.limit is None:
            return await self._run(dep, kwargs)
        semaphore = dep.limit.get_semaphore()
        if dep.kind in ("async", "sync"):
            async with semaphore:
                return await self._run(dep, kwargs)
        # A yield dependency holds its place until its exit code has run.
        stack = self._stack(dep)
        await stack.enter_async_context(semaphore)
        return await self._run(dep, kwargs)

    def _stack(self, dep: Dependant) -> contextlib.AsyncExitStack:
        """Where a yield dependency's exit code goes (see `stack`/`late`)."""
        if dep.function_scope:
            if self.stack is None:
                self.stack = contextlib.AsyncExitStack()
            return self.stack
        if self.late is None:
            self.late = contextlib.AsyncExitStack()
        return self.late

    async def _run(self, dep: Dependant, kwargs: dict[str, Any]) -> Any:
        if dep.kind == "async":
            return await dep.call(**kwargs)
        if dep.kind == "stream":
            return dep.call(**kwargs)  # a handler that yields: its generator is the body
        if dep.kind == "sync":
            return await run_sync(self.pool, lambda: dep.call(**kwargs))
        stack = self._stack(dep)
        shield = self._cleanup_scope()
        if dep.kind == "asyncgen":
            cm: Any = contextlib.asynccontextmanager(dep.call)(**kwargs)
            if shield is not None:
                cm = _ShieldedExit(cm, shield)
            return await stack.enter_async_context(cm)
        # A sync generator enters and exits on a worker thread, as its body may block.
        return await stack.enter_async_context(
            ThreadedContext(contextlib.contextmanager(dep.call)(**kwargs), self.pool, shield is not None)
        )

    def _cleanup_scope(self) -> Any:
        """Under ASGI (where the request's exit code runs in the request's own
        task), one cancel scope entered on the request-scoped stack before the
        first yield dependency, so it encloses their own scopes; None on the
        built-in server."""
        if AFTER_RESPONSE.get() is None:
            return None
        if self.cleanup_scope is None:
            import anyio

            if self.late is None:
                self.late = contextlib.AsyncExitStack()
            self.cleanup_scope = self.late.enter_context(anyio.CancelScope())
        return self.cleanup_scope


class _ShieldedExit:
    """A yield dependency whose exit code runs to its end even when the
    request is cancelled meanwhile: ``scope`` is shielded while it runs, and a
    pending cancellation is delivered once it is done. The exit code may still
    limit itself (a ``move_on_after`` inside it works)."""

    __slots__ = ("cm", "scope")

    def __init__(self, cm: Any, scope: Any) -> None:
        self.cm, self.scope = cm, scope

    async def __aenter__(self) -> Any:
        return await self.cm.__aenter__()

    async def __aexit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        import anyio.lowlevel

        before = self.scope.shield
        self.scope.shield = True
        try:
            handled = await self.cm.__aexit__(kind, exc, tb)
        finally:
            self.scope.shield = before
        if exc is not None and not handled:
            return False  # `exc` goes on as it is
        # A task group inside the dependency may have swallowed the cancellation.
        await anyio.lowlevel.checkpoint_if_cancelled()
        return bool(handled)


def build_invoke(
    root: Dependant,
    pre: list[Dependant],
    builder: PlanBuilder,
    request_index: int | None,
    render: Callable[[Any, Response | None], Any],
    pool: SyncPool | None = None,
    stream: Callable[[Any], Any] | None = None,
) -> tuple[Callable[..., Any], bool]:
    """The callable Rust calls with the flat values, and whether it is async.

    ``pre`` are the route's, routers' and app's ``dependencies=[...]``: run
    first, results unused. Sync handlers and dependencies run on ``pool``.
    ``stream`` turns the generator of a handler that yields into its response.
    """
    fast = not pre and not builder.uses_special and request_index is None
    if fast and root.kind == "async" and len(builder.params) == len(root.slots) and _positional_in_order(root):
        return root.call, True
    plain = _compile_plain(root, pre, len(builder.params))
    if plain is not None:
        return plain, True

    async def invoke(*values: Any) -> Any:
        solver = _Solver(values, pool)
        request = values[request_index] if request_index is not None else None
        try:
            for dep in pre:
                if not (dep.use_cache and dep.cache_key in solver.cache):
                    solver.cache[dep.cache_key] = await solver.call(dep, request)
            result = await solver.call(root, request)
        except BaseException as exc:
            # The exception goes into the dependencies' `yield`, function
            # scope first; one that swallows it leaves the request without a
            # response, which FastAPI reports as an error of the app.
            await _unwind(solver, exc)
            raise _swallowed(exc) from exc
        if solver.stack is not None:
            try:
                await solver.stack.__aexit__(None, None, None)
            except BaseException as exc:
                # Function-scope exit code failed (or was cancelled): the request scope still exits.
                solver.stack = None
                await _unwind(solver, exc)
                raise _swallowed(exc) from exc
        if stream is not None:
            result = stream(result)
            if solver.response is not None and solver.response.status_code:
                # A `response: Response` parameter's status applies to the stream.
                result.status_code = solver.response.status_code
        if solver.response is not None:
            result = render(result, solver.response)
        background = solver.background if solver.background is not None and solver.background.tasks else None
        if isinstance(result, Response) or _foreign_response(result):
            # As FastAPI: a returned response's own `background` wins over
            # the injected tasks, which otherwise become its background; the
            # server runs it once the response is sent (a streaming one's
            # after its last chunk).
            if getattr(result, "background", None) is None:
                result.background = background
        elif background is not None:
            after_response(background, pool)
        if solver.late is not None:
            _exit_after_response(result, solver.late)
        return result

    return invoke, True


# What an `async def` body holds once it can suspend (or is a generator):
# such a body keeps its coroutine.
_SUSPENDING_OPS = frozenset(
    dis.opmap[name]
    for name in (
        "GET_AWAITABLE",
        "SEND",
        "YIELD_VALUE",
        "GET_AITER",
        "GET_ANEXT",
        "BEFORE_ASYNC_WITH",
        "END_ASYNC_FOR",
        "ASYNC_GEN_WRAP",
        "RETURN_GENERATOR",
    )
    if name in dis.opmap
)
# The opcodes a function's first instructions may hold before its body starts.
_PROLOGUE_OPS = frozenset(dis.opmap[name] for name in ("MAKE_CELL", "COPY_FREE_VARS") if name in dis.opmap)


def sync_twin(fn: Any) -> Callable[..., Any] | None:
    """A plain function running the body of ``fn``, an ``async def`` that
    never awaits (most handlers and dependencies), or None.

    Calling such a coroutine function only makes a coroutine object whose one
    ``send`` runs the body to its ``return``: the server calls the twin
    instead and takes its value, without the coroutine (its creation, the
    send, its teardown). The twin is ``fn``'s own code object with the two
    instructions that make the coroutine (CPython 3.11's ``RETURN_GENERATOR``,
    ``POP_TOP``) turned into ``NOP``s and without the coroutine flag: the same
    globals, closure, defaults, names and line numbers, so tracebacks and
    tracing read the same. A body that can suspend (``await``, ``async for``,
    ``async with``) keeps its coroutine, as does anything but a plain
    function on CPython 3.11 (the bytecode layout this relies on).
    A compiled route invoke (`_compile_plain`) carries its own twin.
    """
    twin = getattr(fn, "_ouroboros_sync_twin", None)
    if twin is not None:
        return twin  # type: ignore[no-any-return]
    if sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11) or type(fn) is not types.FunctionType:
        return None
    code = fn.__code__
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE) or not (
        code.co_flags & inspect.CO_COROUTINE
    ):
        return None
    ops = [(ins.offset, ins.opcode) for ins in dis.get_instructions(code)]
    start = 0
    while start < len(ops) and ops[start][1] in _PROLOGUE_OPS:
        start += 1
    if (
        start + 1 >= len(ops)
        or ops[start][1] != dis.opmap["RETURN_GENERATOR"]
        or ops[start + 1][1] != dis.opmap["POP_TOP"]
        or any(op in _SUSPENDING_OPS for _, op in ops[start + 1 :])
    ):
        return None
    raw = bytearray(code.co_code)
    for offset, _ in ops[start : start + 2]:
        raw[offset : offset + 2] = bytes((dis.opmap["NOP"], 0))
    twin = types.FunctionType(
        code.replace(co_code=bytes(raw), co_flags=code.co_flags & ~inspect.CO_COROUTINE),
        fn.__globals__,
        fn.__name__,
        fn.__defaults__,
        fn.__closure__,
    )
    twin.__kwdefaults__ = fn.__kwdefaults__
    twin.__qualname__ = fn.__qualname__
    twin.__module__ = fn.__module__
    return twin


def call_route(compiled: dict[str, Any], args: Sequence[Any]) -> Any:
    """Call a compiled route's invoke: the coroutine of an async one, the
    value of a plain twin (`sync_twin`), whose ``StopIteration`` reads as
    its coroutine's (a ``RuntimeError`` caused by it, as CPython raises it)."""
    if compiled["is_async"]:
        return compiled["invoke"](*args)
    try:
        return compiled["invoke"](*args)
    except StopIteration as exc:
        raise RuntimeError("coroutine raised StopIteration") from exc


_SOURCE_ORDER = {"path": 0, "query": 1, "header": 2, "cookie": 3}


def has_dependencies(root: Dependant, pre: list[Dependant]) -> bool:
    """Whether a route has dependencies (``dependencies=[...]`` or ``Depends``
    parameters): then refused parameters go through `build_before_errors`."""
    return bool(pre) or any(kind == "dep" for _, kind, _ in root.slots)


def build_before_errors(
    root: Dependant, pre: list[Dependant], builder: PlanBuilder, request_index: int | None, pool: SyncPool | None
) -> Callable[..., Any]:
    """``before_errors(*values, error=)``: what a route with dependencies does
    when some parameters were refused. FastAPI solves a route's dependencies
    before its own parameters and calls each dependency whose own parameters
    (and sub-dependencies) are valid, so one of them may answer first (a
    header check's 400) before the 422. ``values`` are the parameters as
    read (the refused ones hold their defaults and are never passed on);
    the refused ones are found from the errors' locations."""
    owners: list[tuple[int, str, frozenset[str] | None]] = []
    for index, entry in enumerate(builder.params):
        loc = entry.get("_loc")
        if not loc:
            continue
        names = frozenset({loc[-1], *(entry.get("other_aliases") or ())}) if len(loc) > 1 else None
        owners.append((index, loc[0], names))

    # FastAPI's order of the errors: each dependency's sub-dependencies
    # first, then its own parameters by source (path, query, header, cookie,
    # body), the route's `dependencies=[...]` before its parameters.
    rank: dict[int, int] = {}

    def visit(dep: Dependant) -> None:
        own: list[tuple[int, int]] = []
        for _, kind, payload in dep.slots:
            if kind == "dep":
                visit(payload)
            elif kind in ("value", "file_bytes"):
                own.append((_SOURCE_ORDER.get(builder.params[payload].get("source"), 4), payload))
            elif kind == "model":
                own.append((_SOURCE_ORDER.get(payload.loc_source, 4), payload.index))
        for _, index in sorted(own, key=lambda item: item[0]):
            rank.setdefault(index, len(rank))

    for dep in pre:
        visit(dep)
    visit(root)

    def refused(errors: Sequence[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]] | None:
        """Each error with the parameter it is about."""
        out = []
        for error in errors:
            loc = tuple(error.get("loc", ()))
            hit = next(
                (
                    i
                    for i, source, names in owners
                    if loc and loc[0] == source and (names is None or (len(loc) > 1 and loc[1] in names))
                ),
                None,
            )
            if hit is None:
                return None  # not a parameter's: nothing is known to be valid
            out.append((hit, error))
        return out

    async def before_errors(*values: Any, error: BaseException) -> Any:
        errors = error.errors() if isinstance(error, RequestValidationError) else None
        owned = refused(errors) if errors else None
        if owned is None:
            raise error
        bad = {index for index, _ in owned}
        ordered = [e for _, e in sorted(owned, key=lambda item: rank.get(item[0], len(rank)))]
        if ordered != list(errors or ()):
            error = RequestValidationError(ordered)
        solver = _Solver(values, pool)
        request = values[request_index] if request_index is not None else None

        async def solve(dep: Dependant) -> bool:
            """Call ``dep``'s sub-dependencies whose subtree is valid; whether
            all of ``dep``'s own are (then its caller may call it)."""
            valid = True
            for _, kind, payload in dep.slots:
                if kind == "dep":
                    if not await solve(payload):
                        valid = False
                    elif not (payload.use_cache and payload.cache_key in solver.cache):
                        value = await solver.call(payload, request)
                        if payload.use_cache:
                            solver.cache[payload.cache_key] = value
                elif (kind in ("value", "file_bytes") and payload in bad) or (kind == "model" and payload.index in bad):
                    valid = False
            return valid

        try:
            for dep in pre:
                if await solve(dep) and not (dep.use_cache and dep.cache_key in solver.cache):
                    solver.cache[dep.cache_key] = await solver.call(dep, request)
            await solve(root)
        except BaseException as exc:
            await _unwind(solver, exc)
            raise _swallowed(exc) from exc
        # The yield dependencies that ran see the validation error, as in FastAPI.
        await _unwind(solver, error)
        raise error

    return before_errors


def close_uploads_after(invoke: Callable[..., Any], positions: list[int]) -> Callable[..., Any]:
    """Close the request's ``UploadFile``s once the handler is done, as
    FastAPI does (spooled files leave the disk then)."""

    async def run(*values: Any) -> Any:
        try:
            return await invoke(*values)
        finally:
            for i in positions:
                value = values[i]
                for upload in value if isinstance(value, list) else (value,):
                    if isinstance(upload, UploadFile):
                        upload.file.close()

    return run


def _swallowed(exc: BaseException) -> BaseException:
    from ouroboros.api.exceptions import FastAPIError

    return FastAPIError(
        "Response not awaited: a dependency with yield caught the exception "
        f"{type(exc).__name__}({exc}) (a bare except, or except Exception) and did not raise it again, so "
        "the request has no response. Raise the exception again in the dependency (or raise an HTTPException). "
        "FastAPI reports this as the application code raising an exception and a dependency with yield not "
        "raising it again."
    )


async def _unwind(solver: _Solver, exc: BaseException) -> None:
    """Throw ``exc`` into the yield dependencies, function scope first, then
    request scope (whatever the first raises instead goes on to the second;
    the request scope always exits). Returns when one handled it."""
    error: BaseException | None = exc
    if solver.stack is not None:
        try:
            if await solver.stack.__aexit__(type(exc), exc, exc.__traceback__):
                error = None
        except BaseException as replaced:  # noqa: BLE001 - goes on to the request scope
            error = replaced
    if solver.late is not None:
        if error is None:
            await solver.late.__aexit__(None, None, None)
        elif await solver.late.__aexit__(type(error), error, error.__traceback__):
            error = None
    if error is not None:
        raise error


def _plain_calls(dep: Dependant, seen: list[Any]) -> bool:
    """Whether ``dep`` and everything it depends on are async functions that
    take only parameters and other such functions (no yield, request,
    response, background tasks, scopes or limit); collects their callables."""
    seen.append(dep.call)
    return (
        dep.kind == "async"
        and dep.limit is None
        and all(kind == "value" or (kind == "dep" and _plain_calls(sub, seen)) for _, kind, sub in dep.slots)
    )


def _compile_plain(root: Dependant, pre: list[Dependant], arity: int) -> Callable[..., Any] | None:
    """The route's invoke without the per-request solver, for the common
    case of plain async dependencies each called once (so the per-request
    cache has nothing to share), or None.

    The call tree is written out once as the source of one coroutine
    function (``await root(a=v0, db=await get_db())``), so a request makes
    no dict of arguments and no intermediate frames."""
    seen: list[Any] = []
    if not all(_plain_calls(d, seen) for d in [*pre, root]) or len(set(map(id, seen))) != len(seen):
        return None
    namespace: dict[str, Any] = {}

    def expression(dep: Dependant) -> str:
        name = f"_c{len(namespace)}"
        namespace[name] = dep.call
        args = []
        for arg, kind, payload in dep.slots:
            if not arg.isidentifier():
                raise _NotPlain
            args.append(f"{arg}=v{payload}" if kind == "value" else f"{arg}=await {expression(payload)}")
        return f"{name}({', '.join(args)})"

    try:
        lines = [f"    await {expression(d)}" for d in pre]
        lines.append(f"    return await {expression(root)}")
    except _NotPlain:
        return None
    params = ", ".join([*(f"v{i}" for i in range(arity)), "*_rest"])
    source = f"async def invoke({params}):\n" + "\n".join(lines) + "\n"
    filename = f"<ouroboros.api route {getattr(root.call, '__qualname__', root.call)!r}>"
    exec(compile(source, filename, "exec"), namespace)
    invoke = namespace["invoke"]
    # Every call a plain function (each one an `async def` that never
    # awaits, see `sync_twin`): the same tree, written without `await`, over
    # their twins, is the invoke's own twin.
    twins = {name: sync_twin(call) for name, call in namespace.items() if name.startswith("_c")}
    if all(twins.values()):
        sync_source = source.replace("async def invoke", "def invoke", 1).replace("await ", "")
        exec(compile(sync_source, filename, "exec"), twins)
        invoke._ouroboros_sync_twin = twins["invoke"]
    return invoke  # type: ignore[no-any-return]


class _NotPlain(Exception):
    """A dependency tree ``_compile_plain`` does not write out."""


def after_response(background: Any, pool: SyncPool | None) -> None:
    """Run ``background`` once the response being made is sent (a streaming
    response's pump runs its own after the last chunk): queued where the
    caller runs what follows the response (ASGI), else started as a task
    (the reply is handed to the connection first)."""
    deferred = AFTER_RESPONSE.get()
    if deferred is not None:
        deferred.append(functools.partial(_run_background, background, pool))
        return
    task = asyncio.get_running_loop().create_task(_run_background(background, pool))
    _background_runs.add(task)
    task.add_done_callback(_background_runs.discard)


async def _run_background(background: Any, pool: SyncPool | None) -> None:
    try:
        await run_background(background, pool)
    except Exception:
        logging.getLogger("ouroboros.api").exception("background task %r failed", background)


def _exit_after_response(result: Any, late: contextlib.AsyncExitStack) -> None:
    """Run request-scoped exit code once the response is out: after a
    streaming body ends, else on the loop's next turn (the reply has been
    handed to the connection by then)."""
    if isinstance(result, Response) and result.body_iterator is not None:
        result.__dict__.setdefault("_after_body", []).append(late.aclose)
        return
    deferred = AFTER_RESPONSE.get()
    if deferred is not None:
        deferred.append(functools.partial(_close_late, late))
        return
    # Two turns: a handler that awaited finishes inside a Task whose done
    # callback writes the reply; that callback is queued after this one.
    asyncio.get_running_loop().call_soon(_start_close_late, late)


def _start_close_late(late: contextlib.AsyncExitStack) -> None:
    task = asyncio.get_running_loop().create_task(_close_late(late))
    _background_runs.add(task)
    task.add_done_callback(_background_runs.discard)


async def _close_late(late: contextlib.AsyncExitStack) -> None:
    try:
        await late.aclose()
    except Exception:
        logging.getLogger("ouroboros.api").exception("a yield dependency failed after the response was sent")


async def after_response_settled() -> None:
    """Wait for this loop's work that runs after responses (request-scoped
    exit code, background tasks), including work those start meanwhile."""
    loop = asyncio.get_running_loop()
    while pending := [t for t in _background_runs if t.get_loop() is loop and not t.done()]:
        await asyncio.wait(pending)


def _positional_in_order(dep: Dependant) -> bool:
    sig = inspect.signature(dep.call)
    params = [p for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in params):
        return False
    return [p.name for p in params] == [s[0] for s in dep.slots] and all(s[2] == i for i, s in enumerate(dep.slots))


def make_render(
    body_of: Callable[[Any], bytes], status_code: int, response_class: type[Response] | None = None
) -> Callable[[Any, Response | None], Any]:
    """Apply a ``response: Response`` parameter's status and headers (to the
    route's ``response_class`` when it has one other than JSON)."""

    def render(result: Any, response: Response | None) -> Any:
        if isinstance(result, Response) or response is None:
            if isinstance(result, Response) and response is not None:
                result.raw_headers.extend(h for h in response.raw_headers if h[0] != b"content-type")
            return result
        status = response.status_code or status_code
        if response_class is not None:
            out = response_class(result, status_code=status)
        else:
            out = Response(body_of(result), status_code=status, media_type="application/json")
        out.raw_headers.extend(h for h in response.raw_headers if h[0] not in (b"content-type", b"content-length"))
        return out

    return render
