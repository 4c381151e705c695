"""``PlainSerializer``/``WrapSerializer`` markers anywhere in a type (``X | None``,
``list[Annotated[int, PlainSerializer(f)]]``, dict values, tuples): a function
``walk(value, mode)`` applying them where they sit, built once per type; None when the type
holds no marker (the value is dumped by its runtime type then, as before)."""

from __future__ import annotations

import collections.abc
import types
import typing
from typing import Any

__all__ = ["ascii_json", "call_serializer", "marker_walker", "serialization_type"]

Walk = typing.Callable[[Any, str], Any]

_SEQUENCES = (list, set, frozenset, collections.abc.Sequence, collections.abc.Set, collections.abc.MutableSequence)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def call_serializer(func: Any, *args: Any) -> Any:
    """``func(*args)``, an error other than a serialization one reported as Pydantic does:
    ``PydanticSerializationError("Error calling function `f`: TypeError: ...")``."""
    from ouroboros.validation.core import PydanticSerializationError, PydanticSerializationUnexpectedValue

    try:
        return func(*args)
    except (PydanticSerializationError, PydanticSerializationUnexpectedValue):
        raise
    except Exception as exc:
        name = getattr(func, "__name__", None) or type(func).__name__
        raise PydanticSerializationError(f"Error calling function `{name}`: {type(exc).__name__}: {exc}") from exc


def _identity(value: Any, _mode: str) -> Any:
    return value


def _marker_apply(marker: Any, inner: Walk) -> Walk:
    from ouroboros.validation._decorators import SerializationInfo, _arity
    from ouroboros.validation.functional_serializers import WrapSerializer

    func = marker.func
    wrap = isinstance(marker, WrapSerializer)
    with_info = _arity(func) >= (3 if wrap else 2)
    json_only = marker.when_used in ("json", "json-unless-none")
    unless_none = marker.when_used in ("unless-none", "json-unless-none")

    def apply(value: Any, mode: str) -> Any:
        if (json_only and mode != "json") or (unless_none and value is None):
            return inner(value, mode)
        if wrap:

            def handler(v: Any, *_: Any) -> Any:
                return inner(v, mode)

            args = (value, handler, SerializationInfo(mode)) if with_info else (value, handler)
        else:
            args = (value, SerializationInfo(mode)) if with_info else (value,)
        return call_serializer(func, *args)

    return apply


def _matches(value: Any, tp: Any) -> bool:
    from ouroboros.validation._describe import split_annotated

    base = split_annotated(tp)[0]
    if base is type(None):
        return value is None
    origin = typing.get_origin(base) or base
    if isinstance(origin, type):
        try:
            return isinstance(value, origin)
        except TypeError:
            return True
    return True


def marker_walker(tp: Any, encoders: dict[Any, Any] | None = None) -> Walk | None:
    """``walk(value, mode)`` for ``tp``, or None when it holds no serializer marker. ``encoders``
    (a config's deprecated ``json_encoders``) apply in JSON mode to each type that has no
    marker of its own, matched by the type or a base class, as in Pydantic."""
    from ouroboros.validation._describe import split_annotated
    from ouroboros.validation.functional_serializers import PlainSerializer, WrapSerializer

    if isinstance(tp, (str, typing.ForwardRef)):
        return None
    base, metadata = split_annotated(tp)
    # A marker class of ours may bring its own serializer (`ImportString`: the import path).
    own = getattr(base, "__ouroboros_serializer__", None)
    markers = [own] if own is not None else []
    for m in metadata:
        if isinstance(m, (PlainSerializer, WrapSerializer)):
            markers.append(m)
        elif getattr(m, "__ouroboros_serializer__", None) is not None:
            markers.append(m.__ouroboros_serializer__)
    inner = _container_walker(base, encoders)
    if markers:
        return _marker_apply(markers[-1], inner or _identity)
    core = core_serializer(tp, base, metadata)
    if core is not None:
        return core
    encoder = _json_encoder(base, encoders) if encoders else None
    if encoder is not None:
        return _marker_apply(PlainSerializer(encoder, when_used="json"), inner or _identity)
    return inner


def core_serializer(tp: Any, base: Any, metadata: Any) -> Walk | None:
    """The ``serialization`` a user type's (or ``Annotated`` marker's) ``__get_pydantic_core_schema__``
    puts on its core schema, as ``dump(value, mode)``; None when there is none."""
    from ouroboros.validation._describe import DescribeContext, describe_type, is_model_class

    def hooked(obj: Any) -> bool:
        owner = obj if isinstance(obj, type) else type(obj)
        return hasattr(obj, "__get_pydantic_core_schema__") and not str(owner.__module__).startswith("ouroboros.")

    if not (hooked(base) and not is_model_class(base)) and not any(hooked(m) for m in metadata):
        return None
    try:
        described = describe_type(tp, DescribeContext(arbitrary_types_allowed=True))
    except Exception:  # noqa: BLE001 - a type described elsewhere with names only its model knows
        return None
    while described.get("type") == "nullable" and "ser_func" not in described:
        described = described["schema"]
    return described.get("ser_func")


def _json_encoder(tp: Any, encoders: dict[Any, Any]) -> Any:
    """The ``json_encoders`` entry for ``tp`` (itself, then its bases), warning as Pydantic does."""
    import warnings

    from ouroboros.validation.warnings import PydanticDeprecatedSince20

    for candidate in (tp, *getattr(tp, "__mro__", type(tp).__mro__)[:-1]):
        try:
            encoder = encoders.get(candidate)
        except TypeError:  # an unhashable annotation
            return None
        if encoder is not None:
            warnings.warn(
                "`json_encoders` is deprecated. See https://docs.pydantic.dev/2.11/concepts/serialization/"
                "#custom-serializers for alternatives",
                PydanticDeprecatedSince20,
                stacklevel=2,
            )
            return encoder
    return None


def _named_tuple_walker(cls: type, encoders: dict[Any, Any] | None = None) -> Walk | None:
    """The markers of a NamedTuple's field annotations, applied item by item."""
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except Exception:  # noqa: BLE001 - an unresolvable annotation holds no marker we can apply
        return None
    walks = [marker_walker(hints.get(name, Any), encoders) for name in cls._fields]  # type: ignore[attr-defined]
    if all(w is None for w in walks):
        return None

    def named(value: Any, mode: str) -> Any:
        if not isinstance(value, tuple):
            return value
        head = tuple(v if w is None else w(v, mode) for v, w in zip(value, walks, strict=False))
        return head + tuple(value[len(walks) :])

    return named


def _container_walker(base: Any, encoders: dict[Any, Any] | None = None) -> Walk | None:
    origin = typing.get_origin(base)
    args = typing.get_args(base)
    if origin is None and isinstance(base, type) and issubclass(base, tuple) and hasattr(base, "_fields"):
        return _named_tuple_walker(base, encoders)
    if origin is None or not args:
        return None
    if origin in (typing.Union, types.UnionType):
        members = [(a, marker_walker(a, encoders)) for a in args]
        if all(w is None for _, w in members):
            return None

        def union(value: Any, mode: str) -> Any:
            for member, walk in members:
                if _matches(value, member):
                    return value if walk is None else walk(value, mode)
            return value

        return union
    if origin is typing.Annotated:
        return marker_walker(base, encoders)
    if origin in _SEQUENCES:
        item = marker_walker(args[0], encoders)
        if item is None:
            return None

        def sequence(value: Any, mode: str) -> Any:
            if isinstance(value, (str, bytes)) or not isinstance(value, collections.abc.Iterable):
                return value
            out = [item(v, mode) for v in value]
            return out if isinstance(value, list) else type(value)(out) if isinstance(value, (set, frozenset)) else out

        return sequence
    if origin in _MAPPINGS and len(args) == 2:
        key, val = marker_walker(args[0], encoders), marker_walker(args[1], encoders)
        if key is None and val is None:
            return None

        def mapping(value: Any, mode: str) -> Any:
            if not isinstance(value, collections.abc.Mapping):
                return value
            return {
                (k if key is None else key(k, mode)): (v if val is None else val(v, mode)) for k, v in value.items()
            }

        return mapping
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = marker_walker(args[0], encoders)
            if item is None:
                return None

            def variadic(value: Any, mode: str) -> Any:
                return tuple(item(v, mode) for v in value) if isinstance(value, tuple) else value

            return variadic
        walks = [marker_walker(a, encoders) for a in args]
        if all(w is None for w in walks):
            return None

        def positional(value: Any, mode: str) -> Any:
            if not isinstance(value, tuple):
                return value
            return tuple(v if w is None else w(v, mode) for v, w in zip(value, walks, strict=False))

        return positional
    return None


def ascii_json(out: bytes) -> bytes:
    """JSON text with every non-ASCII character escaped (``ensure_ascii=True``): they can only
    stand inside strings, where ``\\uXXXX`` (a surrogate pair beyond the BMP) means the same."""
    import json

    text = out.decode()
    if text.isascii():
        return out
    return "".join(c if c.isascii() else json.dumps(c)[1:-1] for c in text).encode()


_NO_TYPE = object()


def return_type_of(func: Any, given: Any = None) -> Any:
    """What a serializer function returns, for the serialization-mode JSON Schema: ``given``
    (``return_type=``), else the function's return annotation (a class returns itself), else
    ``Any``. A string annotation is returned as is (resolved by the caller)."""
    import inspect

    if given is not None:
        return given
    if isinstance(func, type):
        return func
    if isinstance(func, (classmethod, staticmethod)):
        func = func.__func__
    try:
        annotation = inspect.signature(func).return_annotation
    except (TypeError, ValueError):
        return _NO_TYPE
    return _NO_TYPE if annotation is inspect.Signature.empty else annotation


def serialization_type(annotation: Any, field_serializer: Any = None) -> tuple[Any, str, Any] | None:
    """``(type, when_used, default_func)`` of a field dumped by its ``@field_serializer``, else
    by the ``PlainSerializer``/``WrapSerializer`` at the top of its annotation: the type its
    function returns (``Any`` when annotated so; None without a return type, as the field is then
    described by its own type) and, for a plain marker taking no ``info``, the function the
    serialization-mode schema writes the default with (as Pydantic)."""
    from ouroboros.validation._decorators import _arity
    from ouroboros.validation._describe import split_annotated
    from ouroboros.validation.functional_serializers import PlainSerializer, WrapSerializer

    if field_serializer is not None:
        given = field_serializer.extra.get("return_type")
        returned = return_type_of(field_serializer.func, given)
        return None if returned is _NO_TYPE else (returned, field_serializer.when_used, None)
    if isinstance(annotation, (str, typing.ForwardRef)):
        return None
    markers = [m for m in split_annotated(annotation)[1] if isinstance(m, (PlainSerializer, WrapSerializer))]
    if not markers:
        return None
    marker = markers[-1]
    plain = isinstance(marker, PlainSerializer) and (isinstance(marker.func, type) or _arity(marker.func) < 2)
    returned = return_type_of(marker.func, marker.return_type)
    if returned is _NO_TYPE:
        return (None, marker.when_used, marker.func) if plain else None
    return returned, marker.when_used, marker.func if plain else None
