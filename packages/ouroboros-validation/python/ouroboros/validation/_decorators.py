"""Validator and serializer decorators, in Pydantic v2's shape."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ValidationInfo",
    "computed_field",
    "field_serializer",
    "field_validator",
    "model_serializer",
    "model_validator",
]


class ValidationInfo:
    """The ``info`` argument of validators: ``data`` (fields validated so far),
    ``field_name``, ``mode`` and ``context``."""

    __slots__ = ("context", "data", "field_name", "mode")

    def __init__(self, data: Any, field_name: str | None, mode: str = "python", context: Any = None) -> None:
        self.data = data if data is not None else {}
        self.field_name = field_name
        self.mode = mode
        self.context = context

    def __repr__(self) -> str:
        return f"ValidationInfo(field_name={self.field_name!r}, data={self.data!r})"


# The options of the dump in progress (``model_dump(context=..., exclude=...)``), read by the
# ``info`` handed to serializer functions. Set only by dumps given options: a plain
# ``model_dump()`` runs natively and leaves it as it is.
_DUMP_OPTIONS: ContextVar[dict[str, Any] | None] = ContextVar("ouroboros_dump_options", default=None)
_NO_OPTIONS: dict[str, Any] = {}

_OPTION_DEFAULTS: dict[str, Any] = {
    "include": None,
    "exclude": None,
    "context": None,
    "by_alias": None,
    "exclude_unset": False,
    "exclude_defaults": False,
    "exclude_none": False,
    "exclude_computed_fields": False,
    "round_trip": False,
    "serialize_as_any": False,
    "polymorphic_serialization": None,
}


def enter_dump(mode: str, **options: Any) -> Token[dict[str, Any] | None] | None:
    """Record a dump's options for the ``info`` of its serializers (``leave_dump`` undoes it);
    None when there is nothing to record. A ``mode`` other than python/json is kept as
    ``info.mode`` (the dump itself runs in Python mode, as Pydantic's)."""
    given = {k: v for k, v in options.items() if v is not _OPTION_DEFAULTS[k]}
    if mode not in ("python", "json"):
        given["mode"] = mode
    if not given and _DUMP_OPTIONS.get() is None:
        return None
    return _DUMP_OPTIONS.set(given or None)


def enter_dump_of(mode: str, arguments: dict[str, Any]) -> Token[dict[str, Any] | None] | None:
    """``enter_dump`` with the options read from a dump method's ``locals()``."""
    return enter_dump(mode, **{k: arguments[k] for k in _OPTION_DEFAULTS if k in arguments})


def leave_dump(token: Token[dict[str, Any] | None] | None) -> None:
    if token is not None:
        _DUMP_OPTIONS.reset(token)


def dump_options() -> dict[str, Any]:
    """The options of the dump in progress (empty outside one given options)."""
    return _DUMP_OPTIONS.get() or _NO_OPTIONS


def _option(name: str) -> Any:
    return property(lambda self: self._options.get(name, _OPTION_DEFAULTS[name]))


class SerializationInfo:
    """The ``info`` argument of serializers: ``mode`` (``"python"``, ``"json"`` or the mode
    the dump was given), ``field_name``, and the dump's options (``include``, ``exclude``,
    ``context``, ``by_alias``, ``exclude_unset``/``_defaults``/``_none``, ``round_trip``...)."""

    __slots__ = ("_options", "field_name", "mode")

    include = _option("include")
    exclude = _option("exclude")
    context = _option("context")
    by_alias = _option("by_alias")
    exclude_unset = _option("exclude_unset")
    exclude_defaults = _option("exclude_defaults")
    exclude_none = _option("exclude_none")
    exclude_computed_fields = _option("exclude_computed_fields")
    round_trip = _option("round_trip")
    serialize_as_any = _option("serialize_as_any")
    polymorphic_serialization = _option("polymorphic_serialization")

    def __init__(self, mode: str, field_name: str | None = None) -> None:
        options = _DUMP_OPTIONS.get() or _NO_OPTIONS
        self._options = options
        self.mode = options.get("mode", mode)
        self.field_name = field_name

    def mode_is_json(self) -> bool:
        return self.mode == "json"

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={getattr(self, k)!r}"
            for k in ("include", "exclude", "context", "by_alias", "exclude_unset", "exclude_defaults")
        )
        rest = ", ".join(f"{k}={getattr(self, k)!r}" for k in ("exclude_none", "round_trip", "serialize_as_any"))
        return f"SerializationInfo(mode={self.mode!r}, {shown}, {rest})"


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def count_positional_required(sig: inspect.Signature) -> int:
    """The positional parameters a validator's or serializer's signature requires, the first
    (the value) counted even with a default: ``float`` (``(x=0, /)``) and ``str.strip``
    (``(self, chars=None, /)``) take one, ``(value, info)`` two. Pydantic decides by this count
    whether ``info`` (or the handler) is passed; every such decision here goes through it."""
    params = list(sig.parameters.values())
    return sum(1 for p in params if p.kind in _POSITIONAL and (p.default is inspect.Parameter.empty or p is params[0]))


def takes_validated_data(factory: Any) -> bool:
    """Whether a default factory takes the data validated so far: its one parameter is
    positional and required (as Pydantic decides); False without a signature."""
    try:
        params = list(inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):
        return False
    return len(params) == 1 and params[0].kind in _POSITIONAL and params[0].default is inspect.Parameter.empty


def _arity(func: Any) -> int:
    """``count_positional_required`` of ``func`` (after unwrapping class/static methods);
    1 (the value alone) when it has no signature (some builtins), as Pydantic assumes."""
    if isinstance(func, (classmethod, staticmethod)):
        func = func.__func__
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return 1
    return count_positional_required(sig)


@dataclass
class DecoratorInfo:
    """What a decorator recorded on a function, read by the model metaclass."""

    kind: str
    func: Any
    fields: tuple[str, ...] = ()
    mode: str = "after"
    when_used: str = "always"
    check_fields: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class _Marked:
    """A decorated function kept in the class body until the metaclass reads it."""

    def __init__(self, info: DecoratorInfo) -> None:
        self.__ouroboros_decorator__ = info
        self.__func__ = info.func
        self.__doc__ = getattr(info.func, "__doc__", None)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        func = self.__func__
        get = getattr(type(func), "__get__", None)
        return func if get is None else get(func, obj, owner)


def _first_param(func: Any) -> str | None:
    """The name of the first parameter of ``func`` (unwrapping class/static methods and partials)."""
    while True:
        if isinstance(func, (classmethod, staticmethod)):
            func = func.__func__
        elif isinstance(func, (functools.partial, functools.partialmethod)):
            func = func.func
        elif hasattr(func, "__wrapped__"):
            func = func.__wrapped__
        else:
            break
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return None
    return next(iter(params), None)


def _is_instance_method(func: Any) -> bool:
    """Pydantic's rule: a decorated function whose first parameter is ``self`` is an instance method."""
    return _first_param(func) == "self"


def ensure_classmethod(func: Any) -> Any:
    """A function whose first parameter is ``cls`` becomes a class method, as Pydantic does."""
    plain = not isinstance(func, (classmethod, staticmethod, functools.partialmethod))
    if plain and _first_param(func) == "cls":
        return classmethod(func)
    return func


_UNSET: Any = object()


def field_validator(
    field: str,
    /,
    *fields: str,
    mode: Literal["before", "after", "wrap", "plain"] = "after",
    check_fields: bool | None = None,
    json_schema_input_type: Any = _UNSET,
) -> Callable[[Any], Any]:
    """Validate one or more fields with a class method.

    ``mode="after"`` (default) gets the validated value, ``"before"`` the raw
    input, ``"plain"`` replaces validation, ``"wrap"`` gets ``handler`` to call.
    Signatures: ``(cls, value)`` or ``(cls, value, info)``; wrap adds
    ``handler`` before ``info``. Raise ``ValueError`` or ``AssertionError``
    to report an error at the field's location.
    """
    from ouroboros.validation._model import PydanticUserError

    if callable(field) or isinstance(field, classmethod):
        raise PydanticUserError(
            "The `@field_validator` decorator cannot be used without arguments, at least one field must be"
            " provided. For example: `@field_validator('<field_name>', ...)`.",
            code="decorator-missing-arguments",
        )
    if mode not in ("before", "plain", "wrap") and json_schema_input_type is not _UNSET:
        raise PydanticUserError(
            f"`json_schema_input_type` can't be used when mode is set to {mode!r}", code="validator-input-type"
        )
    names = (field, *fields)
    if not all(isinstance(name, str) for name in names):
        raise PydanticUserError(
            "The provided field names to the `@field_validator` decorator should be strings. "
            "For example: `@field_validator('<field_name_1>', '<field_name_2>', ...).`",
            code="decorator-invalid-fields",
        )

    def decorate(func: Any) -> Any:
        if _is_instance_method(func):
            raise PydanticUserError(
                "The `@field_validator` decorator cannot be applied to instance methods",
                code="validator-instance-method",
            )
        extra = {} if json_schema_input_type is _UNSET else {"json_schema_input_type": json_schema_input_type}
        info = DecoratorInfo("field_validator", ensure_classmethod(func), names, mode, check_fields=check_fields)
        info.extra.update(extra)
        return _Marked(info)

    return decorate


def model_validator(*, mode: Literal["before", "after", "wrap"]) -> Callable[[Any], Any]:
    """Validate the whole model: ``before`` gets the raw input (a class
    method returning the input to validate), ``after`` gets the instance (a
    method returning it)."""

    def decorate(func: Any) -> Any:
        return _Marked(DecoratorInfo("model_validator", ensure_classmethod(func), (), mode))

    return decorate


def field_serializer(
    field: str,
    /,
    *fields: str,
    mode: Literal["plain", "wrap"] = "plain",
    when_used: str = "always",
    return_type: Any = None,
    check_fields: bool | None = None,
) -> Callable[[Any], Any]:
    """Serialize fields with a method ``(self, value)`` or ``(self, value, info)``
    (wrap: ``(self, value, handler[, info])``). ``when_used="json"`` applies it
    only in ``model_dump_json`` / ``mode="json"``."""

    from ouroboros.validation._model import PydanticUserError

    if callable(field) or isinstance(field, classmethod):
        raise PydanticUserError(
            "The `@field_serializer` decorator cannot be used without arguments, at least one field must be"
            " provided. For example: `@field_serializer('<field_name>', ...)`.",
            code="decorator-missing-arguments",
        )
    names = (field, *fields)
    if not all(isinstance(name, str) for name in names):
        raise PydanticUserError(
            "The provided field names to the `@field_serializer` decorator should be strings. "
            "For example: `@field_serializer('<field_name_1>', '<field_name_2>', ...).`",
            code="decorator-invalid-fields",
        )

    def decorate(func: Any) -> Any:
        info = DecoratorInfo("field_serializer", func, names, mode, when_used, check_fields)
        if return_type is not None:
            info.extra["return_type"] = return_type
        return _Marked(info)

    return decorate


def model_serializer(
    func: Any = None, /, *, mode: Literal["plain", "wrap"] = "plain", when_used: str = "always"
) -> Any:
    """Replace the model's serialization with a method ``(self)`` or
    ``(self, info)`` (wrap: ``(self, handler[, info])``)."""

    def decorate(f: Any) -> Any:
        return _Marked(DecoratorInfo("model_serializer", f, (), mode, when_used))

    return decorate(func) if func is not None else decorate


class ComputedFieldInfo:
    """A ``@computed_field`` property: included in dumps and the JSON schema."""

    def __init__(
        self,
        prop: property,
        alias: str | None,
        title: str | None,
        description: str | None,
        return_type: Any,
        **extra: Any,
    ) -> None:
        self.property = prop
        self.alias = alias
        self.title = title
        self.description = description
        self.return_type = return_type
        self.alias_priority: int | None = extra.get("alias_priority", 2 if alias is not None else None)
        self.field_title_generator = extra.get("field_title_generator")
        self.examples = extra.get("examples")
        self.json_schema_extra = extra.get("json_schema_extra")
        self.repr: bool = extra.get("repr", True)
        self.deprecated = extra.get("deprecated")
        self.exclude_if = extra.get("exclude_if")
        self._extra = extra

    @property
    def wrapped_property(self) -> property:
        return self.property

    def __set_name__(self, owner: Any, name: str) -> None:
        hook = getattr(self.property, "__set_name__", None)
        if hook is not None:
            hook(owner, name)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            # Read from the class: the wrapped property itself, as Pydantic leaves it there.
            return self.property if isinstance(self.property, property) else self
        return self.property.__get__(obj, owner)

    def __set__(self, obj: Any, value: Any) -> None:
        self.property.__set__(obj, value)

    def __delete__(self, obj: Any) -> None:
        self.property.__delete__(obj)

    def _with(self, prop: property) -> ComputedFieldInfo:
        return ComputedFieldInfo(prop, self.alias, self.title, self.description, self.return_type, **self._extra)

    def setter(self, fset: Callable[[Any, Any], None]) -> ComputedFieldInfo:
        """``@name.setter``, as on a property."""
        return self._with(self.property.setter(fset))

    def deleter(self, fdel: Callable[[Any], None]) -> ComputedFieldInfo:
        """``@name.deleter``, as on a property."""
        return self._with(self.property.deleter(fdel))


def computed_field(
    func: Any = None,
    /,
    *,
    alias: str | None = None,
    alias_priority: int | None = None,
    title: str | None = None,
    field_title_generator: Any = None,
    description: str | None = None,
    deprecated: Any = None,
    examples: list[Any] | None = None,
    json_schema_extra: Any = None,
    repr: bool | None = None,
    return_type: Any = None,
    exclude_if: Any = None,
) -> Any:
    """Include a property (or a method turned into one) in ``model_dump``; a private one
    (``_name``) is left out of the repr unless ``repr=True``."""

    def decorate(f: Any) -> Any:
        if isinstance(f, (functools.cached_property, classmethod, staticmethod)):
            getter = f.func if isinstance(f, functools.cached_property) else f.__func__
            if isinstance(getter, property):  # `@classmethod` over `@property`
                getter = getter.fget
            prop = property(getter) if not isinstance(f, functools.cached_property) else f
        else:
            prop = f if isinstance(f, property) else property(f)
        fget = prop.fget if isinstance(prop, property) else getattr(prop, "func", None)
        while isinstance(fget, property):  # `@classmethod` over `@property`
            fget = fget.fget
        rt = return_type
        annotations = getattr(fget, "__annotations__", {}) if fget is not None else {}
        if rt is None:
            rt = annotations.get("return")
        doc = getattr(prop, "__doc__", None) if isinstance(prop, property) else getattr(fget, "__doc__", None)
        extra = {
            "alias_priority": alias_priority if alias_priority is not None else (2 if alias is not None else None),
            "field_title_generator": field_title_generator,
            "examples": examples,
            "json_schema_extra": json_schema_extra,
            "repr": repr if repr is not None else not (getattr(fget, "__name__", "") or "").startswith("_"),
            "deprecated": deprecated,
            "exclude_if": exclude_if,
            # No `return_type` and no return annotation (`-> None` is one): refused by the model.
            "return_missing": return_type is None and "return" not in annotations,
        }
        return ComputedFieldInfo(prop, alias, title, description or (doc or None), rt, **extra)

    return decorate(func) if func is not None else decorate
