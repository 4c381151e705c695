"""Validated dataclasses (``pydantic.dataclasses``).

``@dataclass`` makes a standard library dataclass whose ``__init__`` validates
its arguments with a model built from the same fields (so the checks and
errors are the models' own), then stores the validated values.
"""

from __future__ import annotations

import dataclasses as _dc
import inspect
import sys
import types
import typing
from typing import Any, TypeVar

from ouroboros.validation._decorators import _Marked
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
    frozen: bool = False,
    config: Any = None,
    validate_on_init: bool | None = None,
    kw_only: bool = False,
    slots: bool = False,
) -> Any:
    """A dataclass that validates its fields: ``@dataclass class Point: x: int``."""

    def create(cls: type[_T]) -> type[_T]:
        infos: dict[str, FieldInfo] = {}
        for name in inspect.get_annotations(cls):
            value = cls.__dict__.get(name, PYDANTIC_UNDEFINED)
            if isinstance(value, FieldInfo):
                infos[name] = value
                if value.default_factory is not None:
                    setattr(cls, name, _dc.field(default_factory=value.default_factory))
                elif value.default is not PYDANTIC_UNDEFINED:
                    setattr(cls, name, value.default)
                else:
                    delattr(cls, name)
        dc = _dc.dataclass(  # type: ignore[call-overload]
            cls,
            init=True,
            repr=repr,
            eq=eq,
            order=order,
            unsafe_hash=unsafe_hash,
            frozen=frozen,
            kw_only=kw_only,
            slots=slots,
        )
        cfg = dict(config or getattr(cls, "__pydantic_config__", None) or {})
        state: dict[str, Any] = {"model": None}
        module = sys.modules.get(dc.__module__)

        def model() -> Any:
            if state["model"] is None:
                state["model"] = _mirror_model(dc, infos, cfg, module)
            return state["model"]

        std_init = dc.__init__
        names = [f.name for f in _dc.fields(dc) if f.init]

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            if len(args) > len(names):
                raise TypeError(
                    f"{dc.__name__}.__init__() takes {len(names)} positional arguments but {len(args)} were given"
                )
            data = dict(zip(names, args, strict=False))
            data.update(kwargs)
            validated = model().model_validate(data)
            std_init(self, **{n: getattr(validated, n) for n in names})

        __init__.__signature__ = inspect.signature(std_init)  # type: ignore[attr-defined]
        dc.__init__ = __init__  # type: ignore[method-assign]

        def schema() -> dict[str, Any]:
            def build(value: Any, _data: Any = None, _context: Any = None) -> Any:
                if isinstance(value, dc):
                    return value
                if isinstance(value, dict):
                    return dc(**value)
                from ouroboros.validation._errors import PydanticCustomError

                raise PydanticCustomError(
                    "dataclass_type",
                    "Input should be a dictionary or an instance of {class_name}",
                    {"class_name": dc.__name__},
                )

            return {"type": "function", "mode": "plain", "func": build, "dataclass_model": model}

        dc.__ouroboros_dataclass_schema__ = staticmethod(schema)  # type: ignore[attr-defined]
        # JSON output (model_dump_json, mode="json") asks the value for its data.
        dc.__ouroboros_json__ = _fields_dict  # type: ignore[attr-defined]
        dc.__pydantic_config__ = cfg  # type: ignore[attr-defined]
        type.__setattr__(dc, "__pydantic_fields__", _ClassLevel(lambda: model().model_fields))
        try:
            # Built now, as Pydantic builds it (mistakes in the class show at once); names
            # not defined yet leave it to the first use.
            model()
        except NameError:
            state["model"] = None
        return dc

    return create(_cls) if _cls is not None else create


class _ClassLevel:
    """A computed attribute read the same on the class and on its instances."""

    def __init__(self, get: Any) -> None:
        self._get = get

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return self._get()


_STDLIB_MIRRORS: dict[type, Any] = {}


def stdlib_dataclass_schema(dc: type) -> dict[str, Any]:
    """The type schema of a standard library dataclass: its fields are validated
    (as a model with the same fields), then the dataclass is built from them."""

    def model() -> Any:
        mirror = _STDLIB_MIRRORS.get(dc)
        if mirror is None:
            cfg = dict(getattr(dc, "__pydantic_config__", None) or {})
            mirror = _mirror_model(dc, {}, cfg, sys.modules.get(dc.__module__))
            _STDLIB_MIRRORS[dc] = mirror
        return mirror

    def build(value: Any, _data: Any = None, _context: Any = None) -> Any:
        if isinstance(value, dc):
            return value
        if isinstance(value, dict):
            validated = model().model_validate(value)
            init = {f.name: validated.__dict__[f.name] for f in _dc.fields(dc) if f.init}
            return dc(**init)
        from ouroboros.validation._errors import PydanticCustomError

        raise PydanticCustomError(
            "dataclass_type",
            "Input should be a dictionary or an instance of {class_name}",
            {"class_name": dc.__name__},
        )

    return {"type": "function", "mode": "plain", "func": build, "dataclass_model": model}


def _fields_dict(self: Any) -> dict[str, Any]:
    """A validated dataclass's fields as a dict (what it is written as in JSON)."""
    return {f.name: getattr(self, f.name) for f in _dc.fields(self)}


def _mirror_model(dc: type, infos: dict[str, FieldInfo], cfg: dict[str, Any], module: Any) -> Any:
    from ouroboros.validation._model import BaseModel

    hints = typing.get_type_hints(dc, globalns=getattr(module, "__dict__", None), include_extras=True)
    namespace: dict[str, Any] = {"__annotations__": {}, "__module__": dc.__module__, "__ouroboros_docs_source__": dc}
    for f in _dc.fields(dc):
        namespace["__annotations__"][f.name] = hints.get(f.name, Any)
        if f.name in infos:
            namespace[f.name] = infos[f.name]
        elif f.default is not _dc.MISSING:
            namespace[f.name] = f.default
        elif f.default_factory is not _dc.MISSING:
            from ouroboros.validation._fields import Field

            namespace[f.name] = Field(default_factory=f.default_factory)
    for base in reversed(dc.__mro__):
        for key, value in vars(base).items():
            if isinstance(value, _Marked):
                namespace[key] = value
    if cfg:
        namespace["model_config"] = cfg
    return types.new_class(dc.__name__, (BaseModel,), {}, lambda ns: ns.update(namespace))


def rebuild_dataclass(cls: type, *, force: bool = False, raise_errors: bool = True, **_: Any) -> bool | None:
    """Resolve forward references now (validated dataclasses resolve them on first use)."""
    return True if is_pydantic_dataclass(cls) else None


__getattr__ = getattr_migration(__name__)
