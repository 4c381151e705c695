"""Validated dataclasses (``pydantic.dataclasses``).

``@dataclass`` makes a standard library dataclass whose ``__init__`` validates
its arguments with a model built from the same fields (so the checks and
errors are the models' own), then stores the validated values.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import dataclasses as _dc
import functools
import inspect
import sys
import types
import typing
import warnings
from typing import Any, TypeVar

from ouroboros.validation._decorators import ComputedFieldInfo, _Marked, dump_options
from ouroboros.validation._fields import PYDANTIC_UNDEFINED, Field, FieldInfo
from ouroboros.validation._migration import getattr_migration

__all__ = ["Field", "dataclass", "is_pydantic_dataclass", "rebuild_dataclass"]

_T = TypeVar("_T")


def is_pydantic_dataclass(cls: Any, /) -> bool:
    """Whether ``cls`` is a validated dataclass."""
    return isinstance(cls, type) and "__ouroboros_dataclass_schema__" in cls.__dict__


def dataclass(
    _cls: type[_T] | None = None,
    *,
    init: bool = True,
    repr: bool = True,
    eq: bool = True,
    order: bool = False,
    unsafe_hash: bool = False,
    frozen: bool | None = None,
    config: Any = None,
    validate_on_init: bool | None = None,
    kw_only: bool = False,
    slots: bool = False,
) -> Any:
    """A dataclass that validates its fields: ``@dataclass class Point: x: int``."""

    def create(cls: type[_T]) -> type[_T]:
        from ouroboros.validation._describe import is_model_class
        from ouroboros.validation.errors import PydanticUserError

        if is_model_class(cls):
            raise PydanticUserError(
                f"Cannot create a Pydantic dataclass from {cls.__name__} as it is already a Pydantic model",
                code="dataclass-on-model",
            )
        frame = sys._getframe(1)
        if frame.f_code is dataclass.__code__ and frame.f_back is not None:
            frame = frame.f_back
        localns = dict(frame.f_locals) if frame.f_locals is not frame.f_globals else {}
        has_dataclass_base = any(_dc.is_dataclass(base) for base in cls.__bases__)
        if not has_dataclass_base and config is not None and "__pydantic_config__" in cls.__dict__:
            warnings.warn(
                f"`config` is set via both the `dataclass` decorator and `__pydantic_config__` for dataclass "
                f"{cls.__name__}. The `config` specification from `dataclass` decorator will take priority.",
                UserWarning,
                stacklevel=2,
            )
        given = config
        if isinstance(given, type):
            from ouroboros.validation.warnings import PydanticDeprecatedSince20

            warnings.warn(
                PydanticDeprecatedSince20("Support for class-based `config` is deprecated, use ConfigDict instead."),
                stacklevel=2,
            )
            given = {k: v for k, v in vars(given).items() if not k.startswith("__")}
        if "__post_init_post_parse__" in cls.__dict__:
            from ouroboros.validation.warnings import PydanticDeprecatedSince20

            warnings.warn(
                PydanticDeprecatedSince20(
                    "Support for `__post_init_post_parse__` has been dropped, the method will not be called"
                ),
                stacklevel=2,
            )
        cfg = dict(given if given is not None else (getattr(cls, "__pydantic_config__", None) or {}))
        original = cls
        if "__dataclass_fields__" in cls.__dict__ and not is_pydantic_dataclass(cls):
            # A standard library dataclass keeps its behaviour: the validated one is a subclass.
            bases: tuple[Any, ...] = (cls,)
            if issubclass(cls, typing.Generic) and getattr(cls, "__parameters__", ()):  # type: ignore[arg-type]
                bases += (typing.Generic[cls.__parameters__],)  # type: ignore[misc,name-defined]
            cls = types.new_class(cls.__name__, bases)
            cls.__qualname__ = original.__qualname__
            cls.__module__ = original.__module__
        if frozen is not None:
            frozen_ = frozen
            if cfg.get("frozen"):
                warnings.warn(
                    f"`frozen` is set via both the `dataclass` decorator and `config` for dataclass "
                    f"{cls.__name__!r}.This is not recommended. The `frozen` specification on `dataclass` "
                    "will take priority.",
                    UserWarning,
                    stacklevel=2,
                )
        else:
            frozen_ = bool(cfg.get("frozen"))
        infos: dict[str, FieldInfo] = {}
        for name in inspect.get_annotations(cls):
            value = cls.__dict__.get(name, PYDANTIC_UNDEFINED)
            if isinstance(value, FieldInfo):
                if value.init_var and value.init is False:
                    raise PydanticUserError(
                        f"Dataclass field {name} has init=False and init_var=True, but these are mutually exclusive.",
                        code="clashing-init-and-init-var",
                    )
                infos[name] = value
                field = _as_dataclass_field(value)
                if field is None:
                    delattr(cls, name)
                else:
                    setattr(cls, name, field)
        dc = _dc.dataclass(  # type: ignore[call-overload]
            cls,
            init=True,
            repr=repr,
            eq=eq,
            order=order,
            unsafe_hash=unsafe_hash,
            frozen=frozen_,
            kw_only=kw_only,
            slots=slots,
        )
        if cfg.get("extra") == "allow":
            for f in _dc.fields(dc):
                if not f.init:
                    raise PydanticUserError(
                        f'Field {f.name} has `init=False` and dataclass has config setting `extra="allow"`. '
                        "This combination is not allowed.",
                        code="dataclass-init-false-extra-allow",
                    )
        state = _MirrorState()
        module = sys.modules.get(dc.__module__)
        localns[dc.__name__] = dc

        def model() -> Any:
            if state["model"] is None:
                state["model"] = _mirror_model(dc, infos, cfg, module, localns)
            return state["model"]

        std_init = dc.__init__
        params = list(inspect.signature(std_init).parameters.values())[1:]
        positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        not_init = {f.name for f in _dc.fields(dc) if not f.init}
        init_vars = [f.name for f in _init_vars(dc)]

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            __tracebackhide__ = True
            _validated_init(self, dc, model(), cfg, positional, not_init, init_vars, args, kwargs)

        __init__.__signature__ = inspect.signature(std_init)  # type: ignore[attr-defined]
        __init__.__qualname__ = f"{dc.__qualname__}.__init__"
        dc.__init__ = __init__  # type: ignore[method-assign]
        if cfg.get("validate_assignment"):
            _install_validated_setattr(dc, model, cfg, frozen_)

        def schema() -> dict[str, Any]:
            def build(value: Any, _data: Any = None, _context: Any = None) -> Any:
                if isinstance(value, dc):
                    return value
                if isinstance(value, dict):
                    return _from_dict(dc, value)
                raise _dataclass_type_error(dc)

            return {"type": "function", "mode": "plain", "func": build, "dataclass_model": model}

        def rebuild(ns: dict[str, Any], raise_errors: bool) -> bool:
            localns.update(ns)
            state["model"] = None
            mirror = model()
            if _complete(mirror):
                return True
            from ouroboros.validation._describe import UndefinedAnnotation
            from ouroboros.validation.errors import PydanticUndefinedAnnotation

            type.__setattr__(mirror, "__ouroboros_schema_cache__", None)
            try:
                mirror.__ouroboros_schema__  # noqa: B018 - resolves every annotation
            except UndefinedAnnotation as exc:
                if not raise_errors:
                    return False
                name = str(exc.args[0])
                raise PydanticUndefinedAnnotation(name, f"name {name!r} is not defined") from None
            return mirror._ouroboros_build(raise_errors=raise_errors) is not None

        dc.__ouroboros_dataclass_rebuild__ = staticmethod(rebuild)  # type: ignore[attr-defined]
        dc.__ouroboros_dataclass_schema__ = staticmethod(schema)  # type: ignore[attr-defined]
        # JSON output (model_dump_json, mode="json") asks the value for its data.
        dc.__ouroboros_json__ = _fields_dict  # type: ignore[attr-defined]
        dc.__ouroboros_dump__ = staticmethod(_dump_dataclass)  # type: ignore[attr-defined]
        dc.__pydantic_config__ = cfg  # type: ignore[attr-defined]
        dc.__is_pydantic_dataclass__ = True  # type: ignore[attr-defined]
        type.__setattr__(dc, "__pydantic_fields__", _ClassLevel(lambda: _dataclass_fields(dc, model())))
        type.__setattr__(dc, "__pydantic_complete__", _ClassLevel(lambda: _complete(model())))
        # The mirror model's compiled validator (it also serializes), or its stand-in until built.
        compiled = _ClassLevel(lambda: model().__dict__.get("__ouroboros_validator__"))
        type.__setattr__(dc, "__pydantic_validator__", compiled)
        type.__setattr__(dc, "__pydantic_serializer__", compiled)
        # Built now, as Pydantic builds it (mistakes in the class show at once); names not
        # defined yet leave the validator to the first use.
        model()
        return dc

    return create(_cls) if _cls is not None else create


class _MirrorState(dict):  # type: ignore[type-arg]
    """Holds a dataclass's mirror model; pickled empty (the compiled validator is rebuilt on
    first use after unpickling: a class pickled by value, with cloudpickle, carries it)."""

    def __init__(self) -> None:
        super().__init__(model=None)

    def __reduce__(self) -> Any:
        return (_MirrorState, ())


def _as_dataclass_field(info: FieldInfo) -> Any:
    """The standard library field for a ``Field(...)`` default (None: a plain required field)."""
    kwargs: dict[str, Any] = {}
    if info.default_factory is not None:
        kwargs["default_factory"] = info.default_factory
    elif info.default is not PYDANTIC_UNDEFINED:
        kwargs["default"] = info.default
    if info.init is not None:
        kwargs["init"] = info.init
    if info.repr is False:
        kwargs["repr"] = False
    if info.kw_only is not None:
        kwargs["kw_only"] = info.kw_only
    return _dc.field(**kwargs) if kwargs else None


# The dict being validated as a dataclass (not a call of its `__init__`), read by the next
# `_validated_init` only.
_VALIDATED_INPUT: contextvars.ContextVar[Any] = contextvars.ContextVar("_VALIDATED_INPUT", default=None)


def _from_dict(dc: type, value: dict[str, Any]) -> Any:
    """``dc(**value)``, its validators and errors shown the dict itself (not a call)."""
    token = _VALIDATED_INPUT.set(value)
    try:
        return dc(**value)
    finally:
        _VALIDATED_INPUT.reset(token)


def _init_vars(dc: type) -> list[Any]:
    """The ``InitVar`` pseudo-fields of a dataclass, in declaration order."""
    return [f for f in dc.__dataclass_fields__.values() if f._field_type is _dc._FIELD_INITVAR]  # type: ignore[attr-defined]


def _validated_init(
    self: Any,
    dc: type,
    mirror: Any,
    cfg: dict[str, Any],
    positional: list[str],
    not_init: set[str],
    init_vars: list[str],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Bind the arguments as Pydantic's dataclass arguments schema does, validate them with the
    mirror model, store the fields and call ``__post_init__`` with the init-only values."""
    from ouroboros.validation._errors import ValidationError

    errors: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    for i, value in enumerate(args):
        if i < len(positional):
            data[positional[i]] = value
        else:
            errors.append(_line("unexpected_positional_argument", (i,), "Unexpected positional argument", value))
    forbid = cfg.get("extra") == "forbid"
    for key, value in kwargs.items():
        if key in not_init:
            if forbid:
                errors.append(_line("unexpected_keyword_argument", (key,), "Unexpected keyword argument", value))
            continue
        if key in data and key in positional[: len(args)]:
            errors.append(_line("multiple_argument_values", (key,), "Got multiple values for argument", value))
            continue
        data[key] = value
    # A field given by position is located by its index, as Pydantic's arguments schema does.
    by_position = {positional[i]: i for i in range(min(len(args), len(positional)))}
    from ouroboros.validation._model_build import InitArguments
    from ouroboros.validation.core import ArgsKwargs

    # The input as Pydantic shows it to `mode="before"` model validators and in errors: the call's
    # arguments, or the dict a TypeAdapter (or an enclosing model) validates.
    call = _VALIDATED_INPUT.get()
    if call is None:
        call = ArgsKwargs(args, kwargs or None)
    else:
        _VALIDATED_INPUT.set(None)
    try:
        validated = mirror.model_validate(InitArguments(data, call, positional))
    except ValidationError as exc:
        located = [e for e in exc.errors(include_url=False) if e["loc"][:1] and e["loc"][0] in by_position]
        # A model-level error's input is the call, an `ArgsKwargs` (as Pydantic reports it).
        whole = [e for e in exc.errors(include_url=False) if isinstance(e.get("input"), InitArguments)]
        if not errors and not forbid and not located and not whole:
            raise
        validated = None
        for err in exc.errors(include_url=False):
            if isinstance(err.get("input"), InitArguments):
                err = {**err, "input": call}
            if err["type"] == "extra_forbidden":
                err = _line("unexpected_keyword_argument", err["loc"], "Unexpected keyword argument", err["input"])
            elif err["loc"][:1] and err["loc"][0] in by_position:
                err = {**err, "loc": (by_position[err["loc"][0]], *err["loc"][1:])}
            errors.append(err)
    if errors:
        raise ValidationError(dc.__name__, errors)
    values = validated.__dict__
    for f in _dc.fields(dc):
        has_default = f.default is not _dc.MISSING or f.default_factory is not _dc.MISSING
        if (f.init or has_default) and f.name in values:
            object.__setattr__(self, f.name, values[f.name])
    extra = validated.__pydantic_extra__
    if extra:
        names = {f.name for f in _dc.fields(dc)}
        for key, value in extra.items():
            if key not in names:  # an extra named as a field (given by alias) does not replace it
                object.__setattr__(self, key, value)
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init(*[values.get(name) for name in init_vars])


def _line(kind: str, loc: tuple[Any, ...], msg: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": msg, "input": value}


def _install_validated_setattr(dc: type, model: Any, cfg: dict[str, Any], frozen: bool) -> None:
    """``validate_assignment``: an assigned field is validated (with its validators) before it is stored."""

    original = dc.__setattr__

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if frozen:
            return original(self, name, value)
        names = {f.name for f in _dc.fields(self)}
        if name not in names:
            attr = getattr(type(self), name, None)
            if isinstance(attr, functools.cached_property):
                self.__dict__[name] = value
                return None
            if hasattr(attr, "__set__"):
                attr.__set__(self, value)
                return None
            if cfg.get("extra") == "allow":
                return original(self, name, value)
            from ouroboros.validation._errors import ValidationError

            raise ValidationError(
                type(self).__name__,
                [
                    {
                        **_line("no_such_attribute", (name,), f"Object has no attribute '{name}'", value),
                        "ctx": {"attribute": name},
                    }
                ],
            )
        mirror = model()
        current = {n: self.__dict__[n] for n in names if n != name and n in getattr(self, "__dict__", {})}
        proxy = mirror.model_construct(**current)
        mirror.__ouroboros_validator__.validate_assignment(proxy, name, value)
        object.__setattr__(self, name, proxy.__dict__[name])
        return None

    dc.__setattr__ = __setattr__  # type: ignore[method-assign,assignment]


def _dataclass_fields(dc: type, mirror: Any) -> dict[str, FieldInfo]:
    """``__pydantic_fields__``: the mirror's fields, with the dataclass's own ``init``/``kw_only``/
    init-only markers."""
    out = mirror.model_fields
    std = dc.__dataclass_fields__  # type: ignore[attr-defined]
    for name, info in out.items():
        f = std.get(name)
        if f is None:
            continue
        if not f.init:
            info.init = False
        if f._field_type is _dc._FIELD_INITVAR:  # type: ignore[attr-defined]
            info.init_var = True
        if f.kw_only is True:
            info.kw_only = True
    return out


def _complete(mirror: Any) -> bool:
    from ouroboros.validation._model import _Deferred

    return not isinstance(mirror.__dict__.get("__ouroboros_validator__"), _Deferred)


class _ClassLevel:
    """A computed attribute read the same on the class and on its instances."""

    def __init__(self, get: Any) -> None:
        self._get = get

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return self._get()


# A dataclass's mirror models are kept on the dataclass itself (in its own `__dict__`, never a
# base's), so they go with it: a global mapping would keep every dataclass made at run time.
_MIRROR = "__ouroboros_mirror__"
_PARAMETRIZED = "__ouroboros_parametrized__"


def stdlib_dataclass_schema(dc: type) -> dict[str, Any]:
    """The type schema of a standard library dataclass: its fields are validated
    (as a model with the same fields), then the dataclass is built from them."""

    if "__ouroboros_dump__" not in dc.__dict__ and any(
        isinstance(v, (_Marked, ComputedFieldInfo)) for base in dc.__mro__ for v in vars(base).values()
    ):
        # Its serializer decorators apply when it is dumped, as Pydantic applies them.
        type.__setattr__(dc, "__ouroboros_dump__", staticmethod(_dump_dataclass))

    def model() -> Any:
        mirror = dc.__dict__.get(_MIRROR)
        if mirror is None:
            cfg = dict(getattr(dc, "__pydantic_config__", None) or {})
            mirror = _mirror_model(dc, {}, cfg, sys.modules.get(dc.__module__))
            type.__setattr__(dc, _MIRROR, mirror)
        return mirror

    def build(value: Any, _data: Any = None, _context: Any = None) -> Any:
        if isinstance(value, dc):
            return value
        if isinstance(value, dict):
            validated = model().model_validate(value)
            init = {f.name: validated.__dict__[f.name] for f in _dc.fields(dc) if f.init}
            return dc(**init)
        raise _dataclass_type_error(dc)

    return {"type": "function", "mode": "plain", "func": build, "dataclass_model": model}


def _dataclass_type_error(dc: type) -> Exception:
    """``dataclass_type``: what a dataclass field says of input that is neither a dict nor an instance."""
    from ouroboros.validation._errors import PydanticCustomError

    return PydanticCustomError(
        "dataclass_type", "Input should be a dictionary or an instance of {class_name}", {"class_name": dc.__name__}
    )


def parametrized_dataclass_schema(dc: type, args: tuple[Any, ...]) -> dict[str, Any]:
    """The type schema of ``dc[args]``, a generic dataclass (Pydantic's or the standard
    library's) parametrized: its fields are validated with its TypeVars bound to ``args``."""
    mapping = dict(zip(getattr(dc, "__parameters__", ()), args, strict=False))
    made: list[Any] = []

    def model() -> Any:
        if made:
            return made[0]
        mirrors = dc.__dict__.get(_PARAMETRIZED)
        if mirrors is None:
            mirrors = {}  # {arguments: mirror model}
            type.__setattr__(dc, _PARAMETRIZED, mirrors)
        try:
            mirror = mirrors.get(args)
        except TypeError:  # an unhashable argument: made for this schema only
            mirror, mirrors = None, {}
        if mirror is None:
            base = _mirror_of(dc)

            def body(ns: dict[str, Any]) -> None:
                ns["__module__"] = base.__module__
                ns["__ouroboros_typevars__"] = mapping
                ns["__ouroboros_localns__"] = base.__dict__.get("__ouroboros_localns__", {})
                ns["__ouroboros_build_later__"] = True

            from ouroboros.validation._model import _bind_field_typevars

            mirror = types.new_class(f"{dc.__name__}[{', '.join(_arg_name(a) for a in args)}]", (base,), {}, body)
            with contextlib.suppress(TypeError):
                mirrors[args] = mirror
            _bind_field_typevars(mirror, mapping)
            mirror._ouroboros_build(raise_errors=False)
        made.append(mirror)
        return mirror

    def build(value: Any, _data: Any = None, _context: Any = None) -> Any:
        if isinstance(value, dc):
            value = {f.name: getattr(value, f.name) for f in _dc.fields(dc) if f.init and hasattr(value, f.name)}
        if isinstance(value, dict):
            validated = model().model_validate(value)
            init = {
                f.name: validated.__dict__[f.name] for f in _dc.fields(dc) if f.init and f.name in validated.__dict__
            }
            return dc(**init)
        raise _dataclass_type_error(dc)

    return {"type": "function", "mode": "plain", "func": build, "dataclass_model": model}


def _arg_name(arg: Any) -> str:
    from ouroboros.validation._internal._repr import display_as_type

    return display_as_type(arg)


def _mirror_of(tp: type) -> Any:
    """The model that validates (and dumps) dataclass ``tp``."""
    if is_pydantic_dataclass(tp):
        return tp.__ouroboros_dataclass_schema__()["dataclass_model"]()  # type: ignore[attr-defined]
    return stdlib_dataclass_schema(tp)["dataclass_model"]()


def _dump_dataclass(
    value: Any,
    mode: str,
    by_alias: bool,
    exclude_unset: bool,
    exclude_defaults: bool,
    exclude_none: bool,
    serialize_as_any: bool,
) -> Any:
    """How the engine's serializer dumps a validated dataclass (or a standard library one with
    serializer decorators): through its mirror model, so field and model serializers, excluded
    fields and computed fields apply as in Pydantic."""
    mirror = _mirror_of(type(value))
    # Attributes, not the instance dict: slots dataclasses have none.
    fields = {f.name: getattr(value, f.name) for f in _dc.fields(value) if hasattr(value, f.name)}
    instance = mirror.model_construct(**fields)
    if mirror.__ouroboros_computed__:
        # Computed fields read the dataclass instance itself (its methods, its other attributes).
        instance.__dict__[_SOURCE] = value
    # The options of the dump in progress reach the serializers' `info` (context...).
    options = dump_options()
    return instance.model_dump(
        mode=options.get("mode", mode),
        by_alias=by_alias,
        exclude_unset=exclude_unset,
        exclude_defaults=exclude_defaults,
        exclude_none=exclude_none,
        serialize_as_any=serialize_as_any,
        context=options.get("context"),
        round_trip=options.get("round_trip", False),
        polymorphic_serialization=options.get("polymorphic_serialization"),
    )


_SOURCE = "__ouroboros_dataclass_source__"


def _computed_of_source(name: str, mirror_instance: Any) -> Any:
    """A dataclass's computed field read while it is dumped through its mirror model."""
    return getattr(mirror_instance.__dict__[_SOURCE], name)


def _fields_dict(self: Any) -> dict[str, Any]:
    """A validated dataclass's fields as a dict (what it is written as in JSON)."""
    return {f.name: getattr(self, f.name) for f in _dc.fields(self)}


def _mirror_model(
    dc: type, infos: dict[str, FieldInfo], cfg: dict[str, Any], module: Any, localns: dict[str, Any] | None = None
) -> Any:
    """A model with the dataclass's fields (init-only ones too), validators and config: it
    validates (and describes) the dataclass's arguments."""
    from ouroboros.validation._model import BaseModel

    hints = _field_hints(dc, localns or {})
    namespace: dict[str, Any] = {"__annotations__": {}, "__module__": dc.__module__, "__ouroboros_docs_source__": dc}
    if localns:
        namespace["__ouroboros_localns__"] = dict(localns)
    init_only = {f.name for f in _init_vars(dc)}
    for f in [*_dc.fields(dc), *_init_vars(dc)]:
        hint = hints.get(f.name, Any)
        namespace["__annotations__"][f.name] = _unwrap_init_var(hint)
        if not f.init and f.default is _dc.MISSING and f.default_factory is _dc.MISSING:
            # Set by __post_init__, never an argument.
            namespace[f.name] = None
        elif f.name in infos:
            namespace[f.name] = infos[f.name]
        elif f.default is not _dc.MISSING:
            namespace[f.name] = f.default
        elif f.default_factory is not _dc.MISSING:
            namespace[f.name] = Field(default_factory=f.default_factory)
    for name in init_only:
        # Init-only values are validated, never dumped.
        given = namespace.get(name, PYDANTIC_UNDEFINED)
        info = copy.copy(given) if isinstance(given, FieldInfo) else Field(default=given)
        info.exclude = True
        namespace[name] = info
    for base in reversed(dc.__mro__):
        for key, value in vars(base).items():
            if isinstance(value, _Marked):
                namespace[key] = value
            elif isinstance(value, ComputedFieldInfo):
                namespace[key] = value._with(property(functools.partial(_computed_of_source, key)))
    if cfg:
        namespace["model_config"] = {k: v for k, v in cfg.items() if k not in ("validate_assignment", "frozen")}
    return types.new_class(dc.__name__, (BaseModel,), {}, lambda ns: ns.update(namespace))


def _field_hints(dc: type, localns: dict[str, Any]) -> dict[str, Any]:
    """Each field's annotation, a string one resolved in the module of the class that declares
    it (a base from another module too); a name not defined yet stays a string, resolved by
    the mirror model on first use."""
    hints: dict[str, Any] = {}
    for base in reversed(dc.__mro__):
        own = inspect.get_annotations(base)
        globalns = getattr(sys.modules.get(base.__module__), "__dict__", {})
        for name, annotation in own.items():
            ref = (
                typing.ForwardRef(annotation, is_argument=False, is_class=True)
                if isinstance(annotation, str)
                else annotation
            )
            with contextlib.suppress(NameError):
                # What typing.get_type_hints does for each class of the MRO (nested references too).
                annotation = typing._eval_type(ref, globalns, localns)  # type: ignore[attr-defined]
            hints[name] = annotation
    return hints


def _unwrap_init_var(hint: Any) -> Any:
    """``InitVar[int]`` -> ``int`` (also inside ``Annotated``); a bare ``InitVar`` -> ``Any``."""
    if isinstance(hint, _dc.InitVar):
        return hint.type
    if hint is _dc.InitVar:
        return Any
    if typing.get_origin(hint) is typing.Annotated:
        inner, *meta = typing.get_args(hint)
        if isinstance(inner, _dc.InitVar) or inner is _dc.InitVar:
            return typing.Annotated[(_unwrap_init_var(inner), *meta)]  # type: ignore[valid-type]
    return hint


def rebuild_dataclass(
    cls: type,
    *,
    force: bool = False,
    raise_errors: bool = True,
    _parent_namespace_depth: int = 2,
    _types_namespace: dict[str, Any] | None = None,
) -> bool | None:
    """Resolve forward references now: None when nothing was left to resolve, else whether
    the validator is now complete (``raise_errors``: an undefined name raises
    ``PydanticUndefinedAnnotation``)."""
    if not is_pydantic_dataclass(cls):
        return None
    if not force and cls.__pydantic_complete__:
        return None
    if _types_namespace is not None:
        ns = dict(_types_namespace)
    elif _parent_namespace_depth > 0:
        ns = dict(sys._getframe(_parent_namespace_depth - 1).f_locals)
    else:
        ns = {}
    return cls.__ouroboros_dataclass_rebuild__(ns, raise_errors)  # type: ignore[attr-defined]


__getattr__ = getattr_migration(__name__)
