"""``BaseModel``: Pydantic v2's model API, validated and serialized in Rust."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import inspect
import json
import operator
import sys
import types
import typing
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

from ouroboros.validation._config import ConfigDict, merge_config
from ouroboros.validation._decorators import ComputedFieldInfo, DecoratorInfo, enter_dump_of, leave_dump
from ouroboros.validation._errors import ValidationError
from ouroboros.validation._fields import PYDANTIC_UNDEFINED, Field, FieldInfo, ModelPrivateAttr, PrivateAttr
from ouroboros.validation._model_build import (
    PARENT_NAMESPACES,
    UndefinedAnnotation,
    WeakNamespace,
    _is_classvar,
    build_description,
    collect_fields,
    computed_fields_of,
)
from ouroboros.validation._validation import SchemaValidator, direct_validate, model_method

if typing.TYPE_CHECKING:
    from typing import Self

__all__ = ["BaseModel", "PydanticUserError", "create_model"]

_object_setattr = object.__setattr__


class PydanticUserError(TypeError):
    """A mistake in model code (not in data); ``code`` names the kind, as Pydantic's error codes."""

    def __init__(self, message: str = "", *args: Any, code: str | None = None) -> None:
        super().__init__(message, *args)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        if self.code is None:
            return self.message
        from ouroboros.validation.version import version_short

        # Pydantic's text: the message, then where its error code is documented.
        return f"{self.message}\n\nFor further information visit https://errors.pydantic.dev/{version_short()}/u/{self.code}"


_DECORATOR_REPR = {
    "field_validator": "@field_validator",
    "validator": "@validator",
    "root_validator": "@root_validator",
    "model_validator": "@model_validator",
    "field_serializer": "@field_serializer",
    "model_serializer": "@model_serializer",
}


class _Namespace(dict):  # type: ignore[type-arg]
    """A class body's namespace that warns when a name holding a decorated function is reassigned."""

    def __setitem__(self, key: str, value: Any) -> None:
        existing = self.get(key)
        info = getattr(existing, "__ouroboros_decorator__", None)
        if existing is not None and value is not existing and isinstance(info, DecoratorInfo):
            warnings.warn(
                f"`{key}` overrides an existing Pydantic `{_DECORATOR_REPR.get(info.kind, info.kind)}` decorator",
                stacklevel=2,
            )
        super().__setitem__(key, value)


class _DirectCall(staticmethod):
    """A validator method installed as a class's ``model_validate``."""


def _without_computed(cls: Any, exclude: Any) -> Any:
    """``exclude`` with the computed fields of ``cls`` added (``exclude_computed_fields=True``)."""
    names = list(cls.model_computed_fields)
    if isinstance(exclude, dict):
        return {**exclude, **dict.fromkeys(names, True)}
    return {*(exclude or ()), *names}


def custom_init_input(cls: Any, value: Any) -> Any:
    """A model with its own ``__init__``, validated from a dict: built by calling it with the
    dict's items, as pydantic-core does (``__init__`` validates through ``super().__init__``);
    any other input is validated as usual."""
    if type(value) is dict and all(type(k) is str for k in value):
        return cls(**value)
    return value


def _custom_init_validators(cls: Any, validator: Any) -> tuple[Any, Any]:
    """``model_validate``/``model_validate_json`` of a model with its own ``__init__``."""

    def validate_python(obj: Any, *args: Any, **kwargs: Any) -> Any:
        built = custom_init_input(cls, obj)
        return built if built is not obj else validator.validate_python(obj, *args, **kwargs)

    def validate_json(data: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            parsed = json.loads(data)
        except (TypeError, ValueError):
            parsed = None
        built = custom_init_input(cls, parsed)
        if isinstance(parsed, dict) and built is not parsed:
            return built
        return validator.validate_json(data, *args, **kwargs)

    return validate_python, validate_json


def _inherits_default(cls: type, name: str) -> bool:
    """Whether ``cls`` uses BaseModel's own ``name`` (not a user override)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass is BaseModel or isinstance(klass.__dict__[name], _DirectCall)
    return False


def _inherits_direct_call(cls: type, name: str) -> bool:
    """Whether ``cls`` finds ``name`` as a parent's validator method (see ``_DirectCall``)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return isinstance(klass.__dict__[name], _DirectCall)
    return False


# Model classes whose validator is being built right now.
_BUILDING: set[Any] = set()


class _Deferred:
    """Stands in for a model's validator until its annotations resolve."""

    def __init__(self, cls: Any, missing: str) -> None:
        self._cls = cls
        self._missing = missing

    def __getattr__(self, name: str) -> Any:
        # Built once: a stand-in kept elsewhere (a TypeAdapter) reaches the compiled validator.
        real = self._cls.__dict__.get("__ouroboros_validator__")
        if real is self or isinstance(real, _Deferred):
            if name.startswith("validate"):
                # Validating (not dumping, which Pydantic rebuilds without the caller's names).
                _add_caller_namespace(self._cls)
            real = self._cls._ouroboros_build(raise_errors=True)
        return getattr(real, name)


def _add_caller_namespace(cls: Any) -> None:
    """Before a model waiting for a name is built on first use: the names of the code using it
    (the first frame outside this package), under the class's own, as Pydantic's rebuild on
    first use sees them (``IntModel(rec=...)`` after ``RecursiveGenTypedDict`` is defined)."""
    frame = sys._getframe(2)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("ouroboros.validation"):
        frame = frame.f_back
    if frame is None or frame.f_locals is frame.f_globals:
        return
    own = cls.__dict__.get("__ouroboros_localns__", {})
    type.__setattr__(cls, "__ouroboros_localns__", WeakNamespace({**frame.f_locals, **own}))


def revalidation_input(cls: Any, value: Any) -> Any:
    """For ``revalidate_instances``: an instance to validate again becomes its field values."""
    mode = cls.model_config.get("revalidate_instances", "never")
    if isinstance(value, cls) and (mode == "always" or (mode == "subclass-instances" and type(value) is not cls)):
        data = {k: v for k, v in value.__dict__.items() if k in cls.__ouroboros_fields__}
        extra = _get_slot(value, "__ouroboros_extra__")
        if extra:
            data.update(extra)
        return data
    return value


def generic_origin_fields(value: Any) -> dict[str, Any]:
    """The field values (extra ones included) of an instance of another parametrization of a
    generic model's origin (``Inner[Any]`` given for ``Inner[int]``), validated again from them."""
    data = {k: v for k, v in value.__dict__.items() if k in type(value).__ouroboros_fields__}
    extra = _get_slot(value, "__ouroboros_extra__")
    if extra:
        data.update(extra)
    return data


class _ConstructedFieldsSet(set):  # type: ignore[type-arg]
    """The fields-set record ``model_construct`` makes: extras given to it are not counted."""


def _set_model_field(model: Any, name: str, value: Any) -> None:
    model.__dict__[name] = value
    _own_fields_set(model).add(name)


def _set_private(model: Any, name: str, value: Any) -> None:
    model._private_dict()[name] = value


# The memoizable ways of setting a name (shared by every class, as Pydantic's).
_SETATTR_HANDLERS: dict[str, Callable[[Any, str, Any], None]] = {
    "model_field": _set_model_field,
    "validate_assignment": lambda model, name, value: type(model).__ouroboros_validator__.validate_assignment(
        model, name, value
    ),
    "private": _set_private,
    "cached_property": lambda model, name, value: model.__dict__.__setitem__(name, value),
    "extra_known": lambda model, name, value: _object_setattr(model, name, value),
}


def _own_fields_set(obj: Any) -> set[str]:
    """The instance's fields-set record as its own mutable set.

    Validation stores the model's one shared ``frozenset`` of field names when
    the input gave every field (no set per instance); the first read or change
    swaps in a ``set`` of the instance's own.
    """
    record = obj.__ouroboros_fields_set__
    if not isinstance(record, set):
        record = set(record)
        _object_setattr(obj, "__ouroboros_fields_set__", record)
    return record


def _revalidating_model_validate(cls: Any, obj: Any, **kwargs: Any) -> Any:
    """``model_validate`` of a model whose config revalidates instances."""
    fields_set = set(obj.__ouroboros_fields_set__) if isinstance(obj, cls) else None
    result = BaseModel.model_validate.__func__(cls, revalidation_input(cls, obj), **kwargs)  # type: ignore[attr-defined]
    if fields_set is not None and result is not obj:
        _object_setattr(result, "__ouroboros_fields_set__", fields_set)
    return result


class _Factory:
    """The default shown for a field with a ``default_factory`` in a model's signature."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


class _LazySignature:
    """``Model.__signature__``, computed on first access: keyword-only parameters named by the
    fields' aliases (or names), after a custom ``__init__``'s own parameters, with
    ``**extra_data`` when extra keys are allowed or a field has no usable name."""

    def __get__(self, instance: Any, owner: type) -> inspect.Signature:
        signature = _model_signature(owner)
        type.__setattr__(owner, "__signature__", signature)
        return signature


def _model_signature(cls: type) -> inspect.Signature:
    params: list[inspect.Parameter] = []
    var_kw: inspect.Parameter | None = None
    init = cls.__init__
    if init is not BaseModel.__init__:
        own = list(inspect.signature(init).parameters.values())[1:]
        var_kw = next((p for p in own if p.kind is p.VAR_KEYWORD), None)
        params = [p for p in own if p.kind is not p.VAR_KEYWORD]
        if var_kw is None:
            return inspect.Signature(params, return_annotation=None)
    config = cls.model_config  # type: ignore[attr-defined]
    by_name = config.get("validate_by_name") or config.get("populate_by_name")
    by_alias = config.get("validate_by_alias", True) or config.get("populate_by_name")
    taken = {p.name for p in params}
    needs_var_kw = config.get("extra") == "allow"
    for name, info in cls.__ouroboros_fields__.items():  # type: ignore[attr-defined]
        # Pydantic's choice: the alias, else the validation alias (when a str), else the name.
        alias = next((a for a in (info.alias, info.validation_alias) if isinstance(a, str)), None)
        if by_alias and alias is not None and alias.isidentifier():
            param_name = alias
        elif (by_name or alias is None) and name.isidentifier():
            param_name = name
        else:
            needs_var_kw = True
            continue
        if param_name in taken:
            continue
        taken.add(param_name)
        if info.default_factory is not None:
            default: Any = _FACTORY
        elif info.default is PYDANTIC_UNDEFINED:
            default = inspect.Parameter.empty
        else:
            default = info.default
        annotation = info.annotation
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = annotation.__origin__
        params.append(
            inspect.Parameter(param_name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
    if var_kw is not None:
        params.append(var_kw)
    elif needs_var_kw:
        params.append(inspect.Parameter("extra_data", inspect.Parameter.VAR_KEYWORD, annotation=Any))
    return inspect.Signature(params, return_annotation=None)


_PROTECTED_DEFAULT = ("model_validate", "model_dump")


def _generic_parameters(cls: Any, bases: tuple[type, ...]) -> None:
    """The TypeVars a (not parametrized) model class is generic in: its own ``Generic[...]``'s,
    else its generic parent's (``class B(A[T])``); a subclass must list every parent's TypeVar."""
    mro = cls.__mro__
    base_model = next((k for k in mro if k.__dict__.get("__ouroboros_base__")), None)
    if typing.Generic in mro and base_model is not None and mro.index(typing.Generic) < mro.index(base_model):
        from ouroboros.validation.warnings import GenericBeforeBaseModelWarning

        warnings.warn(
            GenericBeforeBaseModelWarning(
                "Classes should inherit from `BaseModel` before generic classes (e.g. `typing.Generic[T]`) "
                "for pydantic generics to work properly."
            ),
            stacklevel=3,
        )
    parent_params: tuple[Any, ...] = ()
    for klass in mro[1:]:
        meta = klass.__dict__.get("__ouroboros_generic_meta__")
        if meta is not None:
            parent_params = meta["parameters"]
            break
    params = tuple(getattr(cls, "__parameters__", None) or parent_params)
    if params and parent_params and not all(p in params for p in parent_params):
        missing = tuple(p for p in params if p not in parent_params)
        if any(p.__name__ == "RootModelRootType" for p in parent_params) and not any(
            p.__name__ == "RootModelRootType" for p in params
        ):
            names = ", ".join(p.__name__ for p in missing)
            raise TypeError(
                f"{cls.__name__} is a subclass of `RootModel`, but does not include the generic type "
                f"identifier(s) {names} in its parameters. You should parametrize RootModel directly, "
                f"e.g., `class {cls.__name__}(RootModel[{names}]): ...`."
            )
        label = f"typing.Generic[{', '.join(str(p) for p in parent_params + missing)}]"
        message = f"All parameters must be present on typing.Generic; you should inherit from {label}."
        if typing.Generic not in bases:
            names = ", ".join([b.__name__ for b in bases] + [label])
            message += f" Note: `typing.Generic` must go last: `class {cls.__name__}({names}): ...`"
        raise TypeError(message)
    type.__setattr__(cls, "__ouroboros_generic_meta__", {"origin": None, "args": (), "parameters": params})
    if params and not cls.__dict__.get("__parameters__"):
        type.__setattr__(cls, "__parameters__", params)


def _evaluated_or_text(annotation: Any, namespace: dict[str, Any]) -> Any:
    """A text annotation of a private candidate evaluated where the class is defined (its
    module, then the defining function's names), or the text when that fails."""
    if not isinstance(annotation, str):
        return annotation
    module = sys.modules.get(namespace.get("__module__", ""))
    frame = sys._getframe(2)
    try:
        return eval(annotation, dict(getattr(module, "__dict__", {})), dict(frame.f_locals))
    except Exception:  # noqa: BLE001 - a name defined later: decided from the text
        return annotation


def _ignored_types(config: dict[str, Any]) -> tuple[type, ...]:
    """Class-body values that are neither fields nor private attributes: methods, properties,
    computed fields, type aliases and the config's ``ignored_types``."""
    return (
        types.FunctionType,
        property,
        classmethod,
        staticmethod,
        ComputedFieldInfo,
        *_type_alias_kinds(),
        *config.get("ignored_types", ()),
    )


def _ignored_in_namespace(key: str, value: Any, namespace: dict[str, Any], config: dict[str, Any]) -> bool:
    """Whether a class-body value is not a private attribute (nor a field): a method, property,
    descriptor made by a decorator, ``ignored_types`` value or a class defined in the body."""
    ignored = _ignored_types(config)
    qualname = namespace.get("__qualname__")
    if isinstance(value, type) and qualname and value.__qualname__.startswith(f"{qualname}."):
        return True
    return (
        isinstance(value, ignored) or type(value).__module__ == "functools" or hasattr(value, "__ouroboros_decorator__")
    )


def _check_unannotated(
    namespace: dict[str, Any], annotations: dict[str, Any], bases: tuple[type, ...], config: dict[str, Any]
) -> None:
    """A public class attribute without an annotation is refused, as Pydantic does: a field
    needs one (a method, property, descriptor of ``ignored_types`` or nested class is fine)."""
    ignored = _ignored_types(config)
    base_fields: set[str] = set()
    base_class_vars: set[str] = set()
    for base in bases:
        base_fields.update(getattr(base, "__ouroboros_fields__", {}))
        for klass in getattr(base, "__mro__", ()):
            base_class_vars.update(klass.__dict__.get("__class_vars__", ()))
    qualname = namespace.get("__qualname__")
    for name, value in namespace.items():
        if name.startswith("_") or name in annotations or name == "model_config" or name in base_class_vars:
            continue
        if isinstance(value, type) and qualname and value.__qualname__.startswith(f"{qualname}."):
            continue  # a class defined in the body
        if isinstance(value, ignored) or type(value).__module__ == "functools":
            continue
        if not isinstance(value, FieldInfo) and (
            hasattr(value, "__ouroboros_decorator__") or hasattr(value, "__get__")
        ):
            continue  # decorated validators/serializers and other descriptors
        if name in base_fields:
            raise PydanticUserError(
                f"Field {name!r} defined on a base class was overridden by a non-annotated attribute. "
                "All field definitions, including overrides, require a type annotation.",
                code="model-field-overridden",
            )
        if isinstance(value, FieldInfo):
            raise PydanticUserError(f"Field {name!r} requires a type annotation", code="model-field-missing-annotation")
        raise PydanticUserError(
            f"A non-annotated attribute was detected: `{name} = {value!r}`. All model fields require a "
            f"type annotation; if `{name}` is not meant to be a field, you may be able to resolve this "
            "error by annotating it as a `ClassVar` or updating `model_config['ignored_types']`.",
            code="model-field-missing-annotation",
        )


def _type_alias_kinds() -> tuple[type, ...]:
    from ouroboros.validation._describe import _type_alias_types

    return _type_alias_types()


def _check_field_names(cls: type, fields: dict[str, Any], own: dict[str, Any], config: dict[str, Any]) -> None:
    """Pydantic's warnings for field names: protected namespaces, attributes of parents shadowed."""
    import re
    import warnings

    protected = config.get("protected_namespaces", _PROTECTED_DEFAULT)
    for name in own:
        if name not in fields:
            continue
        for namespace in protected:
            hit = namespace.match(name) if isinstance(namespace, re.Pattern) else name.startswith(namespace)
            if not hit:
                continue
            if any(hasattr(base, name) for base in cls.__mro__[1:] if base is not object):
                raise NameError(
                    f"Field {name!r} conflicts with member {getattr(cls, name, None)} "
                    f"of protected namespace {namespace!r}."
                )
            others = tuple(
                p for p in protected if not (p.match(name) if isinstance(p, re.Pattern) else name.startswith(p))
            )
            warnings.warn(
                f"Field {name!r} in {cls.__name__!r} conflicts with protected namespace {namespace!r}.\n\n"
                f"You may be able to solve this by setting the 'protected_namespaces' configuration to {others}.",
                UserWarning,
                stacklevel=3,
            )
            break
        origin = getattr(cls, "__pydantic_generic_metadata__", {}).get("origin")
        for base in cls.__bases__:
            # An attribute of a direct base (a method, a value set after the class was built)
            # by the field's name; a stdlib dataclass's own fields and a generic origin's are fine.
            if base is origin or name == "model_config" or not hasattr(base, name):
                continue
            if dataclasses.is_dataclass(base) and name in {f.name for f in dataclasses.fields(base)}:
                continue
            warnings.warn(
                f'Field name "{name}" in "{cls.__qualname__}" shadows an attribute in parent "{base.__qualname__}"',
                UserWarning,
                stacklevel=3,
            )


def _class_config(config_cls: type, model_config: Any) -> dict[str, Any]:
    """A v1-style ``class Config:`` as a config dict (deprecated, as in Pydantic 2)."""
    import warnings

    from ouroboros.validation.warnings import PydanticDeprecatedSince20

    if model_config is not None:
        raise PydanticUserError('"Config" and "model_config" cannot be used together', code="config-both")
    warnings.warn(
        PydanticDeprecatedSince20("Support for class-based `config` is deprecated, use ConfigDict instead."),
        stacklevel=3,
    )
    out: dict[str, Any] = {}
    for klass in reversed(config_cls.__mro__):
        if klass is object or (klass.__name__ == "BaseConfig" and klass.__module__.endswith(".config")):
            continue
        out.update({k: v for k, v in vars(klass).items() if not k.startswith("__")})
    # Class and static methods (a `json_schema_extra` hook) bound to the Config class, as Pydantic.
    return {k: getattr(config_cls, k) if isinstance(v, (classmethod, staticmethod)) else v for k, v in out.items()}


def _private_attr_of_class(cls: Any, name: str) -> Any:
    # A private attribute read from the class: its `PrivateAttr` (as Pydantic's).
    private = cls.__dict__.get("__ouroboros_private_attrs__")
    if private and name in private:
        return private[name]
    raise AttributeError(name)


def _model_getattr(self: Any, name: str) -> Any:
    """A model instance's ``__getattr__``: private attributes (their defaults filled on first
    read), extra values, and Pydantic's message for a missing name. Only classes that need it
    get it (see ``_serve_missing_names``): a class with ``__getattr__`` has every attribute read
    go through CPython's slow lookup hook, a plain field read included."""
    cls = type(self)
    if name in cls.__ouroboros_private_attrs__:
        initialized = _get_slot(self, "__ouroboros_private__") is not None
        private = self._private_dict()
        if name not in private:
            if initialized:
                # Set to nothing (deleted, or left out of a copy as undefined).
                raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")
            default = cls.__ouroboros_private_attrs__[name].get_default()
            if default is PYDANTIC_UNDEFINED:
                raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")
            private[name] = default
        return private[name]
    extra = _get_slot(self, "__ouroboros_extra__")
    if extra and name in extra:
        return extra[name]
    if hasattr(cls, name):
        # A property (or computed field) that raised AttributeError: its own error, again.
        return object.__getattribute__(self, name)
    raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")


class _ModelGetattr:
    """Appended to the bases of a model class that defines its own ``__getattr__``: its
    ``super().__getattr__(name)`` finds the model's (as it finds ``BaseModel``'s in Pydantic)."""

    __slots__ = ()
    __getattr__ = _model_getattr


def _has_getattr(cls: type) -> bool:
    return any("__getattr__" in vars(klass) for klass in cls.__mro__)


def _serve_missing_names(cls: type) -> None:
    """Give model class ``cls`` the model ``__getattr__`` (private attributes, extras) unless it
    has one: when its instances get extras anyway (``extra="allow"`` asked at run time, which
    the native validator reports here, or ``__pydantic_extra__`` assigned)."""
    if isinstance(cls, ModelMetaclass) and not _has_getattr(cls):
        type.__setattr__(cls, "__getattr__", _model_getattr)


_PRIVATE_METAS: dict[type, type] = {}


def _with_private_access(mcs: type) -> type:
    """``mcs`` with a ``__getattr__`` serving private attributes read from the class (one
    subclass per metaclass, made once)."""
    if "__getattr__" in vars(mcs) or any("__getattr__" in vars(m) for m in mcs.__mro__[:-1]):
        return mcs
    meta = _PRIVATE_METAS.get(mcs)
    if meta is None:
        meta = type(mcs)(mcs.__name__, (mcs,), {"__getattr__": _private_attr_of_class, "__module__": mcs.__module__})
        _PRIVATE_METAS[mcs] = meta
    return meta


@typing.dataclass_transform(kw_only_default=True, field_specifiers=(Field, PrivateAttr))
class ModelMetaclass(type):
    """Collects fields, config and decorators; builds description and validator."""

    @classmethod
    def __prepare__(mcs, *args: Any, **kwargs: Any) -> dict[str, object]:
        return _Namespace()

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> Any:
        if namespace.get("__ouroboros_base__"):
            return super().__new__(mcs, name, bases, namespace)
        if "__modify_schema__" in namespace:
            raise PydanticUserError(
                "The `__modify_schema__` method is not supported in Pydantic v2. "
                f"Use `__get_pydantic_json_schema__` instead in class `{name}`.",
                code="custom-json-schema",
            )
        build_later = namespace.pop("__ouroboros_build_later__", False)
        parent_configs = [b.model_config for b in reversed(bases) if isinstance(b, ModelMetaclass)]
        config_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in ConfigDict.__annotations__}
        own_config = namespace.get("model_config")
        if isinstance(namespace.get("Config"), type):
            own_config = _class_config(namespace["Config"], own_config)
        config = merge_config(parent_configs, own_config, config_kwargs)
        if config.get("extra") is not None and any(getattr(b, "__ouroboros_root_model__", False) for b in bases):
            raise PydanticUserError(
                "`RootModel` does not support setting `model_config['extra']`", code="root-model-extra"
            )
        annotations = namespace.get("__annotations__", {})
        if "model_config" in annotations and "model_config" not in namespace:
            raise PydanticUserError(
                "`model_config` cannot be used as a model field name. Use `model_config` for model configuration.",
                code="model-config-invalid-field-name",
            )
        decorators: list[DecoratorInfo] = []
        for base in reversed(bases):
            decorators.extend(getattr(base, "__ouroboros_decorators__", []))
        private: dict[str, ModelPrivateAttr] = {}
        for base in reversed(bases):
            private.update(getattr(base, "__ouroboros_private_attrs__", {}))
        own_private: set[str] = set()
        for key, value in list(namespace.items()):
            info = getattr(value, "__ouroboros_decorator__", None)
            if isinstance(info, DecoratorInfo):
                # A decorated method replaces the parent's of the same name in its place (as Pydantic's do).
                info.extra.setdefault("attr", key)
                same = [i for i, d in enumerate(decorators) if d.extra.get("attr") == key]
                if same:
                    decorators[same[0]] = info
                    decorators = [d for i, d in enumerate(decorators) if i not in same[1:]]
                else:
                    decorators.append(info)
            if isinstance(value, ModelPrivateAttr):
                if key.startswith("__"):
                    raise PydanticUserError(
                        "Private attributes must not use dunder names; "
                        f"use a single underscore prefix instead of {key!r}."
                    )
                if not key.startswith("_"):
                    raise PydanticUserError(
                        "Private attributes must not use valid field names; "
                        f"use sunder names, e.g. {'_' + key!r} instead of {key!r}."
                    )
                private[key] = value
                own_private.add(key)
                del namespace[key]
            elif (
                key.startswith("_")
                and not key.startswith("__")
                and key not in annotations
                and not _ignored_in_namespace(key, value, namespace, config)
            ):
                # An unannotated `_name = value`: a private attribute with that default.
                private[key] = ModelPrivateAttr(namespace.pop(key))
                own_private.add(key)
            elif isinstance(value, FieldInfo) and key.startswith("_") and key != "__pydantic_extra__":
                suggested = key.lstrip("_") or "my_field"
                raise PydanticUserError(
                    f"Fields must not use names with leading underscores; e.g., use {suggested!r} instead of {key!r}."
                )
        if isinstance(namespace.get("__pydantic_extra__"), FieldInfo):
            # `__pydantic_extra__: dict[str, int] = Field(init=False)` types the extras; the
            # value must not hide the instances' own attribute.
            del namespace["__pydantic_extra__"]
        for key in annotations:
            if key.startswith("_") and not key.startswith("__") and key not in private:
                annotation = _evaluated_or_text(annotations[key], namespace)
                if _is_classvar(annotation) or _ignored_in_namespace(key, namespace.get(key), namespace, config):
                    continue
                ignored = (*config.get("ignored_types", ()),)
                if isinstance(annotation, type) and (
                    (ignored and issubclass(annotation, ignored)) or annotation.__module__ == "functools"
                ):
                    continue
                default = namespace.pop(key, PYDANTIC_UNDEFINED)
                private[key] = default if isinstance(default, ModelPrivateAttr) else ModelPrivateAttr(default)
                own_private.add(key)

        _check_unannotated(namespace, annotations, bases, config)
        namespace["model_config"] = config
        namespace["__ouroboros_decorators__"] = decorators
        namespace["__ouroboros_private_attrs__"] = private
        namespace["__pydantic_setattr_handlers__"] = {}
        namespace["__ouroboros_model__"] = True
        namespace["__ouroboros_computed__"] = computed_fields_of(namespace, bases)
        frame = sys._getframe(1)
        if frame.f_code.co_name != "<module>" and "__ouroboros_localns__" not in namespace:
            namespace["__ouroboros_localns__"] = WeakNamespace(frame.f_locals)
            if "__pydantic_extra__" in annotations:
                # The names a typed `__pydantic_extra__` is resolved with first, whatever a
                # later model_rebuild() adds (as Pydantic's parent namespace).
                namespace["__ouroboros_definition_ns__"] = namespace["__ouroboros_localns__"]
        # Only classes with private attributes get a metaclass `__getattr__` (reading a private
        # attribute from the class): it slows every class attribute lookup, `Model.model_validate`
        # included, so classes without any keep the plain metaclass.
        meta = _with_private_access(mcs) if private else mcs
        # Likewise only classes with private attributes or extras get the instance
        # `__getattr__`: the others' field reads take CPython's specialised fast path.
        if "__getattr__" in namespace:
            if not any(issubclass(b, _ModelGetattr) for b in bases):
                bases = (*bases, _ModelGetattr)
        elif (private or config.get("extra") == "allow") and not any(_has_getattr(b) for b in bases):
            namespace["__getattr__"] = _model_getattr
        cls = super().__new__(meta, name, bases, namespace, **kwargs)
        for key, attr in private.items():
            if key in own_private:
                # The default learns its name (`__set_name__`), as a class attribute would.
                set_name = getattr(attr.default, "__set_name__", None)
                if set_name is not None:
                    set_name(cls, key)
        for method in ("model_validate", "model_validate_json"):
            # A parent's validator installed as its method is not this class's: until this
            # class is built (it may wait for a name), the method is BaseModel's.
            if method not in namespace and _inherits_direct_call(cls, method):
                type.__setattr__(cls, method, BaseModel.__dict__[method])
        if not build_later:
            _generic_parameters(cls, bases)
        fields = collect_fields(cls, annotations, namespace)
        _check_field_names(cls, fields, annotations, config)
        for field_name, field_info in fields.items():
            if field_name in namespace and field_name in cls.__dict__:
                delattr(cls, field_name)
            if field_info.deprecated is not None and field_info.deprecated is not False:
                from ouroboros.validation._model_build import DeprecatedFieldAccess

                type.__setattr__(cls, field_name, DeprecatedFieldAccess(field_name, field_info.deprecated))
        cls.__ouroboros_fields__ = fields
        type.__setattr__(cls, "__signature__", _LazySignature())
        if config.get("revalidate_instances", "never") != "never":
            type.__setattr__(cls, "model_validate", classmethod(_revalidating_model_validate))
        if config.get("frozen") and "__hash__" not in namespace:
            _set_default_hash(cls)
        if build_later:
            # A generic model's parametrization: built by ``__class_getitem__`` once cached.
            type.__setattr__(cls, "__ouroboros_validator__", _Deferred(cls, "generic"))
        elif config.get("defer_build") is True:
            # The validator is compiled on first use; the fields are complete now (aliases
            # and titles from the generators), as Pydantic collects them at once.
            with contextlib.suppress(UndefinedAnnotation):
                cls.__ouroboros_schema__  # noqa: B018
            type.__setattr__(cls, "__ouroboros_validator__", _Deferred(cls, "defer_build"))
        else:
            cls._ouroboros_build(raise_errors=False)
        return cls

    @property
    def __ouroboros_schema__(cls) -> dict[str, Any]:
        cached = cls.__dict__.get("__ouroboros_schema_cache__")
        if cached is None:
            cached = build_description(cls)
            type.__setattr__(cls, "__ouroboros_schema_cache__", cached)
        return cached

    @property
    def model_fields(cls) -> dict[str, FieldInfo]:
        """Field name -> FieldInfo (annotation, default, alias, constraints...)."""
        return dict(cls.__dict__.get("__ouroboros_fields__", {}))

    @property
    def model_computed_fields(cls) -> dict[str, ComputedFieldInfo]:
        """Computed field name -> its info."""
        return dict(cls.__dict__.get("__ouroboros_computed__", {}))

    @property
    def __pydantic_fields__(cls) -> dict[str, FieldInfo]:
        return cls.model_fields

    @property
    def __fields__(cls) -> dict[str, FieldInfo]:
        _warn_v1_fields()
        return cls.model_fields

    def __dir__(cls) -> list[str]:
        # The deprecated `__fields__` is left out of a class's names (an instance's keep it), as Pydantic's.
        return [name for name in super().__dir__() if name != "__fields__"]

    # Pydantic's class attributes, over ouroboros' own.
    @property
    def __private_attributes__(cls) -> dict[str, ModelPrivateAttr]:
        return dict(cls.__ouroboros_private_attrs__)

    @property
    def __pydantic_fields_complete__(cls) -> bool:
        """Whether every field's annotation is evaluated (no forward reference left)."""
        from ouroboros.validation._model_build import has_forward_refs

        return not any(has_forward_refs(f.annotation) for f in cls.__dict__.get("__ouroboros_fields__", {}).values())

    @property
    def __pydantic_complete__(cls) -> bool:
        """Whether the validator is built (False while an annotation is still undefined)."""
        return not isinstance(cls.__dict__.get("__ouroboros_validator__"), _Deferred)

    @property
    def __pydantic_validator__(cls) -> Any:
        return cls.__ouroboros_validator__

    @property
    def __pydantic_core_schema__(cls) -> Any:
        """The model's type schema (the stand-in while its build waits, as Pydantic's mock)."""
        validator = cls.__dict__.get("__ouroboros_validator__")
        if isinstance(validator, _Deferred):
            return validator
        return {
            "type": "model",
            "cls": cls,
            "root_model": cls.__pydantic_root_model__,
            "custom_init": cls.__pydantic_custom_init__,
        }

    @property
    def __pydantic_decorators__(cls) -> Any:
        """The class's decorated functions by kind (``field_validators``, ``computed_fields``...),
        each by attribute name with its ``info``, as Pydantic's ``DecoratorInfos``."""
        from ouroboros.validation._internal._decorators import decorator_infos

        return decorator_infos(cls)

    @property
    def __pydantic_parent_namespace__(cls) -> Any:
        """The names of the function the class was defined in (None at module level); classes
        in it are held weakly. Names added to it are seen by ``model_rebuild()``."""
        return cls.__dict__.get("__ouroboros_localns__")

    @property
    def __pydantic_root_model__(cls) -> bool:
        """Whether this is a ``RootModel`` (its value is its one ``root`` field)."""
        return bool(getattr(cls, "__ouroboros_root_model__", False))

    @property
    def __pydantic_custom_init__(cls) -> bool:
        """Whether the class (or a parent) defines its own ``__init__``."""
        return not getattr(cls.__init__, "__pydantic_base_init__", False)

    @property
    def __pydantic_serializer__(cls) -> Any:
        return cls.__ouroboros_validator__

    @property
    def __pydantic_computed_fields__(cls) -> dict[str, ComputedFieldInfo]:
        return cls.model_computed_fields

    @property
    def __pydantic_generic_metadata__(cls) -> dict[str, Any]:
        """``origin``/``args`` of a parametrized generic model, and the TypeVars still open."""
        own = cls.__dict__.get("__ouroboros_generic_meta__")
        if own is not None:
            return own
        return {"origin": None, "args": (), "parameters": tuple(getattr(cls, "__parameters__", ()))}

    @__pydantic_generic_metadata__.setter
    def __pydantic_generic_metadata__(cls, value: dict[str, Any]) -> None:
        type.__setattr__(cls, "__ouroboros_generic_meta__", value)


def _warn_v1_fields() -> None:
    import warnings

    from ouroboros.validation.warnings import PydanticDeprecatedSince20

    warnings.warn(
        PydanticDeprecatedSince20(
            "The `__fields__` attribute is deprecated, use the `model_fields` class property instead."
        ),
        stacklevel=3,
    )


class _InstanceModelFields:
    """``model_fields``/``model_computed_fields`` read from an instance: deprecated since 2.11
    (read them from the class); the class itself gets them from the metaclass."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is not None:
            import warnings

            from ouroboros.validation.warnings import PydanticDeprecatedSince211

            warnings.warn(
                PydanticDeprecatedSince211(
                    f"Accessing the {self.name!r} attribute on the instance is deprecated and will be removed in"
                    " Pydantic V3. Instead, you should access this attribute from the model class."
                ),
                stacklevel=2,
            )
        return getattr(owner, self.name)


class BaseModel(metaclass=ModelMetaclass):
    """Declare fields with annotations; instances are validated in Rust.

    Same API as Pydantic v2: ``model_validate``, ``model_validate_json``,
    ``model_dump``, ``model_dump_json``, ``model_copy``, ``model_fields``,
    ``model_fields_set``, ``model_json_schema``, ``model_config``.
    """

    __ouroboros_base__ = True
    __slots__ = ("__dict__", "__ouroboros_extra__", "__ouroboros_fields_set__", "__ouroboros_private__")
    model_config: ClassVar[ConfigDict] = ConfigDict()
    __ouroboros_fields__: ClassVar[dict[str, FieldInfo]] = {}
    __ouroboros_computed__: ClassVar[dict[str, ComputedFieldInfo]] = {}
    __ouroboros_decorators__: ClassVar[list[DecoratorInfo]] = []
    __ouroboros_private_attrs__: ClassVar[dict[str, ModelPrivateAttr]] = {}
    __pydantic_setattr_handlers__: ClassVar[dict[str, Callable[[Any, str, Any], None]]] = {}
    __ouroboros_validator__: ClassVar[Any]
    # Read from an instance (deprecated); the class reads them from the metaclass.
    model_fields = _InstanceModelFields("model_fields")  # type: ignore[assignment]
    model_computed_fields = _InstanceModelFields("model_computed_fields")  # type: ignore[assignment]

    @property
    def __pydantic_fields_set__(self) -> set[str]:
        return _own_fields_set(self)

    @property
    def __private_attributes__(self) -> dict[str, ModelPrivateAttr]:
        # The class's own (read through an instance, as Pydantic's class variable is).
        return dict(type(self).__ouroboros_private_attrs__)

    @property
    def __pydantic_extra__(self) -> dict[str, Any] | None:
        return _get_slot(self, "__ouroboros_extra__")

    @__pydantic_extra__.setter
    def __pydantic_extra__(self, value: dict[str, Any] | None) -> None:
        if value:
            # Extras read as attributes, whatever the class's `extra` setting.
            _serve_missing_names(type(self))
        _object_setattr(self, "__ouroboros_extra__", value)

    @property
    def __fields__(self) -> dict[str, FieldInfo]:
        """Deprecated v1 name of ``model_fields`` (read from the instance's class)."""
        _warn_v1_fields()
        return type(self).model_fields

    @property
    def __pydantic_private__(self) -> dict[str, Any] | None:
        return _get_slot(self, "__ouroboros_private__")

    def __init__(self, /, **data: Any) -> None:
        type(self).__ouroboros_validator__.validate_init(self, data)

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    # ---- class construction -------------------------------------------
    @classmethod
    def _ouroboros_build(cls, *, raise_errors: bool, rebuild: bool = False) -> Any:
        if cls in _BUILDING:
            # Asked again while its own description is being made (a generic model
            # parametrized from its own fields): the outer build finishes it.
            return None
        _BUILDING.add(cls)
        PARENT_NAMESPACES.append({**cls.__dict__.get("__ouroboros_localns__", {}), cls.__name__: cls})
        try:
            return cls._ouroboros_build_now(raise_errors=raise_errors, rebuild=rebuild)
        finally:
            PARENT_NAMESPACES.pop()
            _BUILDING.discard(cls)

    @classmethod
    def _ouroboros_build_now(cls, *, raise_errors: bool, rebuild: bool = False) -> Any:
        try:
            type.__setattr__(cls, "__ouroboros_schema_cache__", None)
            from ouroboros.validation._internal._generate_schema import GenerateSchema

            # Through the schema generator's entry point, as every Pydantic model build goes.
            GenerateSchema().generate_schema(cls)
            cls.__ouroboros_schema__  # noqa: B018 - builds and caches the description
            validator = SchemaValidator(cls)
        except UndefinedAnnotation as exc:
            if raise_errors and rebuild:
                # `model_rebuild()` names what is missing (using the class says it is incomplete).
                from ouroboros.validation.errors import PydanticUndefinedAnnotation

                type.__setattr__(cls, "__ouroboros_validator__", _Deferred(cls, str(exc)))
                raise PydanticUndefinedAnnotation(exc.args[0], f"name {exc.args[0]!r} is not defined") from None
            if raise_errors:
                raise PydanticUserError(
                    f"`{cls.__name__}` is not fully defined; you should define `{exc.args[0]}`, "
                    f"then call `{cls.__name__}.model_rebuild()`."
                ) from None
            type.__setattr__(cls, "__ouroboros_validator__", _Deferred(cls, str(exc)))
            return None
        type.__setattr__(cls, "__ouroboros_validator__", validator)
        if cls.model_config.get("extra") == "allow":
            # Allowed since the class was made (its config changed, then `model_rebuild()`).
            _serve_missing_names(cls)
        # Unless a class overrides them, the validating class methods are the
        # validator's own methods: `Model.model_validate(data)` goes straight
        # to Rust with no Python frame in between.
        validate_python, validate_json = direct_validate(validator), direct_validate(validator, json=True)
        if not getattr(cls.__init__, "__pydantic_base_init__", False):
            validate_python, validate_json = _custom_init_validators(cls, validator)
        for name, target in (("model_validate", validate_python), ("model_validate_json", validate_json)):
            if _inherits_default(cls, name):
                type.__setattr__(cls, name, _DirectCall(target))
        return validator

    @classmethod
    def model_rebuild(
        cls,
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: dict[str, Any] | None = None,
    ) -> bool | None:
        """Resolve forward references now (after defining the models they name).

        Names are looked up in the namespace the class was defined in first, then in the
        caller's (``_parent_namespace_depth`` frames up; ``_types_namespace`` instead when
        given), then in the class's module, as Pydantic resolves them."""
        if not force and isinstance(cls.__dict__.get("__ouroboros_validator__"), SchemaValidator):
            if _types_namespace:
                # Kept for names only the JSON Schema resolves (serializer return annotations).
                localns = WeakNamespace({**_types_namespace, **cls.__dict__.get("__ouroboros_localns__", {})})
                type.__setattr__(cls, "__ouroboros_localns__", localns)
            return None
        if _types_namespace is not None:
            rebuild_ns: dict[str, Any] = dict(_types_namespace)
        elif _parent_namespace_depth > 0:
            rebuild_ns = dict(sys._getframe(_parent_namespace_depth - 1).f_locals)
        else:
            rebuild_ns = {}
        own = cls.__dict__.get("__ouroboros_localns__")
        type.__setattr__(cls, "__ouroboros_localns__", WeakNamespace({**rebuild_ns, **(own or {})}))
        return cls._ouroboros_build(raise_errors=raise_errors, rebuild=True) is not None

    @classmethod
    def model_parametrized_name(cls, params: tuple[type[Any], ...]) -> str:
        """The name of ``cls[params]`` (``Response[list[int]]``); override it to name them yourself."""
        if not isinstance(params, tuple) or not issubclass(cls, typing.Generic):  # type: ignore[arg-type]
            raise TypeError("Concrete names should only be generated for generic models.")
        from ouroboros.validation._internal._repr import display_as_type

        names = [p if isinstance(p, str) else display_as_type(p) for p in params]
        return f"{cls.__name__}[{', '.join(names)}]"

    def __class_getitem__(cls, params: Any) -> Any:
        from ouroboros.validation._internal import _generics

        cached = _generics.get_cached_generic_type_early(cls, params)
        if cached is not None:
            return cached
        if cls is BaseModel:
            raise TypeError("Type parameters should be placed on typing.Generic, not BaseModel")
        if not hasattr(cls, "__parameters__"):
            raise TypeError(f"{cls} cannot be parametrized because it does not inherit from typing.Generic")
        meta = cls.__pydantic_generic_metadata__
        tvars = meta["parameters"]
        if not tvars and typing.Generic not in cls.__bases__:
            raise TypeError(f"{cls} is not a generic class")
        params = params if isinstance(params, tuple) else (params,)
        mapping = _map_type_arguments(cls, tvars, params)
        values = tuple(mapping.values())
        if mapping and all(k is v for k, v in mapping.items()):
            _generics.set_cached_generic_type(cls, values, cls)
            return cls
        origin = meta["origin"] or cls
        args = tuple(_generics.replace_types(a, mapping) for a in meta["args"]) if meta["args"] else values
        name = origin.model_parametrized_name(args)
        remaining = tuple(dict.fromkeys(tv for v in values for tv in _generics.iter_contained_typevars(v)))
        with _generics.generic_recursion_self_type(origin, args) as self_type:
            cached = _generics.get_cached_generic_type_late(cls, values, origin, args)
            if cached is not None:
                return cached
            if self_type is not None:
                return self_type
            caller = sys._getframe(1)
            parent_ns = {} if caller.f_locals is caller.f_globals else dict(caller.f_locals)
            with contextlib.suppress(UndefinedAnnotation, PydanticUserError):
                # Types defined since the origin was declared may complete it now.
                origin.model_rebuild(raise_errors=False, _types_namespace=parent_ns)
            sub = _create_generic_submodel(name, origin, args, remaining, parent_ns)
            _generics.set_cached_generic_type(cls, values, sub, origin, args)
            # Field annotations name the arguments (``list[T]`` -> ``list[int]``); done once cached,
            # so a generic model named in them that refers back to this one finds it.
            _bind_field_typevars(sub, sub.__dict__["__ouroboros_typevars__"])
        if sub.model_config.get("defer_build") is True:
            with contextlib.suppress(UndefinedAnnotation):
                sub.__ouroboros_schema__  # noqa: B018
            type.__setattr__(sub, "__ouroboros_validator__", _Deferred(sub, "defer_build"))
        else:
            # Built once cached: a model referring back to this one finds it instead of making another.
            sub._ouroboros_build(raise_errors=False)
        return sub

    # ---- validation ------------------------------------------------------
    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: str | None = None,
        from_attributes: bool | None = None,
        context: Any = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a dict (or an instance, or with ``from_attributes`` any object)."""
        # Positional: the native method parses positions faster than keywords.
        return cls.__ouroboros_validator__.validate_python(
            obj, strict, extra, from_attributes, context, by_alias, by_name
        )

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        extra: str | None = None,
        context: Any = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Parse and validate JSON in Rust, straight into an instance."""
        return cls.__ouroboros_validator__.validate_json(json_data, strict, extra, context, by_alias, by_name)

    @classmethod
    def model_validate_strings(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: str | None = None,
        context: Any = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate data whose leaves are strings (as from a query string).

        Strings are parsed into the declared types (numbers, dates...) also with ``strict=True``,
        as ``TypeAdapter.validate_strings`` does: the leaves are validated in lax mode."""
        del strict
        if type(obj) is dict and not getattr(cls.__init__, "__pydantic_base_init__", False):
            return custom_init_input(cls, obj)  # type: ignore[no-any-return]
        return cls.__ouroboros_validator__.validate_python(
            obj, strict=False, extra=extra, context=context, by_alias=by_alias, by_name=by_name
        )

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """Build an instance from trusted data, without validation."""
        from ouroboros.validation._model_build import init_private_attributes, user_post_init

        instance = cls.__new__(cls)
        values = dict(values)
        data: dict[str, Any] = {}
        given: set[str] = set()
        for name, info in cls.__ouroboros_fields__.items():
            # The alias first, then the validation aliases, then the name (as Pydantic).
            if info.alias is not None and info.alias in values:
                data[name] = values.pop(info.alias)
                given.add(name)
            if name not in given and info.validation_alias is not None:
                found = _construct_by_validation_alias(info.validation_alias, values)
                if found is not PYDANTIC_UNDEFINED:
                    data[name] = found
                    given.add(name)
            if name not in given:
                if name in values:
                    data[name] = values.pop(name)
                    given.add(name)
                elif not info.is_required():
                    data[name] = info.get_default(call_default_factory=True, validated_data=data)
        _object_setattr(instance, "__dict__", data)
        record = _ConstructedFieldsSet(_fields_set if _fields_set is not None else given)
        _object_setattr(instance, "__ouroboros_fields_set__", record)
        privates = cls.__ouroboros_private_attrs__
        if cls.model_config.get("extra") == "allow" and not getattr(cls, "__ouroboros_root_model__", False):
            _object_setattr(instance, "__ouroboros_extra__", {k: v for k, v in values.items() if k not in privates})
        if privates:
            init_private_attributes(instance, privates)
        if user_post_init(cls):
            instance.model_post_init(None)
        private = _get_slot(instance, "__ouroboros_private__")
        if private is not None:
            # Private attributes given by name are set after model_post_init (as Pydantic).
            private.update((k, v) for k, v in values.items() if k in privates)
        return instance

    # ---- serialization ---------------------------------------------------
    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Any = None,
        exclude: Any = None,
        context: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        exclude_computed_fields: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
        serialize_as_any: bool = False,
        polymorphic_serialization: bool | None = None,
    ) -> dict[str, Any]:
        """The model as a dict; ``mode="json"`` gives only JSON types.

        A nested instance of a subclass of a field's model is dumped with the fields of that
        model, unless ``serialize_as_any=True`` / ``polymorphic_serialization=True`` (or the
        model's ``polymorphic_serialization`` config) ask for its runtime class's fields.
        """
        as_any = serialize_as_any or polymorphic_serialization is True
        if (
            mode == "python"
            and include is None
            and exclude is None
            and not by_alias
            and not exclude_unset
            and not exclude_defaults
            and not exclude_none
            and not as_any
            and context is None
            and not round_trip
            and not exclude_computed_fields
        ):
            return type(self).__ouroboros_validator__.to_python(self)
        token = enter_dump_of(mode, locals())
        try:
            return type(self).__ouroboros_validator__.to_python(
                self,
                mode="json" if mode == "json" else "python",
                by_alias=bool(by_alias),
                exclude_unset=exclude_unset,
                exclude_defaults=exclude_defaults,
                exclude_none=exclude_none,
                include=include,
                exclude=_without_computed(type(self), exclude) if exclude_computed_fields else exclude,
                serialize_as_any=as_any,
            )
        finally:
            leave_dump(token)

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        include: Any = None,
        exclude: Any = None,
        context: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        exclude_computed_fields: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
        serialize_as_any: bool = False,
        polymorphic_serialization: bool | None = None,
        ensure_ascii: bool = False,
    ) -> str:
        """The model as compact JSON text, written in Rust (``ensure_ascii``: non-ASCII
        characters escaped as ``\\uXXXX``)."""
        as_any = serialize_as_any or polymorphic_serialization is True
        if ensure_ascii:
            kwargs = {k: v for k, v in locals().items() if k not in ("self", "as_any", "ensure_ascii")}
            from ouroboros.validation._ser_walk import ascii_json

            return ascii_json(self.model_dump_json(**kwargs).encode()).decode()
        if (
            indent is None
            and include is None
            and exclude is None
            and not by_alias
            and not exclude_unset
            and not exclude_defaults
            and not exclude_none
            and not as_any
            and context is None
            and not round_trip
            and not exclude_computed_fields
        ):
            return type(self).__ouroboros_validator__.to_json(self)
        token = enter_dump_of("json", locals())
        try:
            text = type(self).__ouroboros_validator__.to_json(
                self,
                by_alias=bool(by_alias),
                exclude_unset=exclude_unset,
                exclude_defaults=exclude_defaults,
                exclude_none=exclude_none,
                include=include,
                exclude=_without_computed(type(self), exclude) if exclude_computed_fields else exclude,
                serialize_as_any=as_any,
            )
        finally:
            leave_dump(token)
        if indent is not None:
            return json.dumps(json.loads(text), indent=indent, ensure_ascii=False)
        return text

    @classmethod
    def model_json_schema(
        cls,
        by_alias: bool = True,
        ref_template: str = "#/$defs/{model}",
        schema_generator: Any = None,
        mode: str = "validation",
        *,
        union_format: str = "any_of",
    ) -> dict[str, Any]:
        """JSON Schema (draft 2020-12) of the model, nested models under ``$defs``.

        ``schema_generator``: a ``json_schema.GenerateJsonSchema`` subclass.
        """
        from ouroboros.validation.json_schema import GenerateJsonSchema

        generator = (schema_generator or GenerateJsonSchema)(
            by_alias=by_alias, ref_template=ref_template, union_format=union_format
        )
        return generator.generate(cls, mode=mode)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy (shallow unless ``deep``); ``update`` values are not validated."""
        if deep and update:
            # Only the fields not replaced are deep-copied, with one memo for all of them.
            copied = self.__copy__()
            memo: dict[int, Any] = {id(self): copied}
            data = copied.__dict__
            for key, value in data.items():
                if key not in update:
                    data[key] = copy.deepcopy(value, memo)
            extra = _get_slot(copied, "__ouroboros_extra__")
            for key, value in (extra or {}).items():
                if key not in update:
                    extra[key] = copy.deepcopy(value, memo)
            private = _get_slot(copied, "__ouroboros_private__")
            if private is not None:
                _object_setattr(copied, "__ouroboros_private__", copy.deepcopy(private, memo))
        else:
            copied = self.__deepcopy__() if deep else self.__copy__()
        if update:
            cls = type(self)
            if cls.model_config.get("extra") == "allow":
                for key, value in update.items():
                    if key in cls.__ouroboros_fields__:
                        copied.__dict__[key] = value
                    else:
                        extra = _get_slot(copied, "__ouroboros_extra__")
                        if extra is None:
                            extra = {}
                            _object_setattr(copied, "__ouroboros_extra__", extra)
                        extra[key] = value
            else:
                copied.__dict__.update(update)
            _own_fields_set(copied).update(update)
        return copied

    def model_post_init(self, context: Any, /) -> None:
        """Override to run code after validation (``context`` is None here)."""

    # ---- instance attributes ---------------------------------------------
    @property
    def model_fields_set(self) -> set[str]:
        """Names of the fields given explicitly (not filled from defaults), and of the extra
        values (``extra="allow"``), as Pydantic counts them."""
        record = _own_fields_set(self)
        extra = _get_slot(self, "__ouroboros_extra__")
        if extra and type(record) is set:  # not for `model_construct`'s record (as Pydantic)
            record.update(extra)
        return record

    @property
    def model_extra(self) -> dict[str, Any] | None:
        """Extra fields kept with ``extra="allow"`` (else None)."""
        return getattr(self, "__ouroboros_extra__", None)

    def _private_dict(self) -> dict[str, Any]:
        private = _get_slot(self, "__ouroboros_private__")
        if private is None:
            private = {}
            _object_setattr(self, "__ouroboros_private__", private)
        return private

    def __setattr__(self, name: str, value: Any) -> None:
        # The way a name is set is worked out once per class and name, then memoized (as
        # Pydantic does): no class attribute lookup (and its discarded AttributeError) per call.
        cls = type(self)
        handlers = cls.__dict__.get("__pydantic_setattr_handlers__")
        if handlers is None:
            # Each class memoizes its own (a subclass may set the same name otherwise).
            handlers = {}
            type.__setattr__(cls, "__pydantic_setattr_handlers__", handlers)
        handler = handlers.get(name)
        if handler is not None:
            handler(self, name, value)
            return
        handler = self._setattr_handler(name, value)
        if handler is not None:
            # Called before it is memoized: an assignment that fails memoizes nothing.
            handler(self, name, value)
            handlers[name] = handler

    def _setattr_handler(self, name: str, value: Any) -> Callable[[Any, str, Any], None] | None:
        """How ``name`` is set on instances of this class (memoized), or None once it is set
        here for a name that cannot be memoized (free-form extras and ``_`` names)."""
        cls = type(self)
        private = cls.__ouroboros_private_attrs__.get(name)
        if private is not None:
            return _SETATTR_HANDLERS["private"]
        if name in getattr(cls, "__class_vars__", ()):
            raise AttributeError(
                f"{name!r} is a ClassVar of `{cls.__name__}` and cannot be set on an instance. "
                f"If you want to set a value on the class, use `{cls.__name__}.{name} = value`."
            )
        if name.startswith("_"):
            # Not a field name (``__orig_class__`` set by ``Model[int](...)`` through typing's alias).
            _object_setattr(self, name, value)
            return None
        attr = getattr(cls, name, None)
        if isinstance(attr, functools.cached_property):
            # A cached property's value is the instance's own, even on a frozen model.
            return _SETATTR_HANDLERS["cached_property"]
        config = cls.model_config
        if config.get("frozen"):
            raise ValidationError(
                cls.__name__, [{"type": "frozen_instance", "loc": (name,), "msg": "Instance is frozen", "input": value}]
            )
        field = cls.__ouroboros_fields__.get(name)
        if field is None:
            if isinstance(attr, (property, ComputedFieldInfo)):
                return lambda model, _name, val: attr.__set__(model, val)
            if config.get("extra") == "allow" and hasattr(cls, name):
                # A class attribute (a method, a mixin's value): the instance's own value hides it.
                return _SETATTR_HANDLERS["extra_known"]
            if config.get("extra") == "allow":
                extra = _get_slot(self, "__ouroboros_extra__")
                if extra is None:
                    extra = {}
                    _object_setattr(self, "__ouroboros_extra__", extra)
                extra[name] = value
                _own_fields_set(self).add(name)
                return None
            if config.get("validate_assignment"):
                raise ValidationError(
                    cls.__name__,
                    [
                        {
                            "type": "no_such_attribute",
                            "loc": (name,),
                            "msg": f"Object has no attribute '{name}'",
                            "input": value,
                            "ctx": {"attribute": name},
                        }
                    ],
                )
            raise ValueError(f'"{cls.__name__}" object has no field "{name}"')
        if field.frozen:
            raise ValidationError(
                cls.__name__, [{"type": "frozen_field", "loc": (name,), "msg": "Field is frozen", "input": value}]
            )
        if config.get("validate_assignment"):
            return _SETATTR_HANDLERS["validate_assignment"]
        return _SETATTR_HANDLERS["model_field"]

    def __delattr__(self, name: str) -> None:
        cls = type(self)
        if name in cls.__ouroboros_private_attrs__:
            private = _get_slot(self, "__ouroboros_private__")
            if private is None or name not in private:
                raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")
            del private[name]
            return
        if isinstance(getattr(cls, name, None), functools.cached_property):
            # A cached value may be dropped even on a frozen model.
            object.__delattr__(self, name)
            return
        if cls.model_config.get("frozen"):
            raise ValidationError(
                cls.__name__, [{"type": "frozen_instance", "loc": (name,), "msg": "Instance is frozen", "input": None}]
            )
        field = cls.__ouroboros_fields__.get(name)
        if field is not None and field.frozen:
            raise ValidationError(
                cls.__name__, [{"type": "frozen_field", "loc": (name,), "msg": "Field is frozen", "input": None}]
            )
        extra = _get_slot(self, "__ouroboros_extra__")
        if field is None and extra is not None and name in extra:
            del extra[name]
            return
        if name in self.__dict__:
            del self.__dict__[name]
            return
        if hasattr(getattr(cls, name, None), "__delete__"):
            object.__delattr__(self, name)  # a property's (or computed field's) deleter
            return
        raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")

    # ---- protocols ---------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        # Parametrizations of one generic model compare by value (``Model[int](x=1) == Model(x=1)``).
        self_type, other_type = type(self), type(other)
        if self_type is not other_type:
            self_type = self_type.__pydantic_generic_metadata__["origin"] or self_type
            other_type = other_type.__pydantic_generic_metadata__["origin"] or other_type
        if not (
            self_type is other_type
            and (_get_slot(self, "__ouroboros_extra__") or {}) == (_get_slot(other, "__ouroboros_extra__") or {})
            and (_get_slot(self, "__ouroboros_private__") or {}) == (_get_slot(other, "__ouroboros_private__") or {})
        ):
            return False
        if self.__dict__ == other.__dict__:
            return True
        # Only the fields count: other `__dict__` keys (a cached property's value) do not.
        names = type(self).__ouroboros_fields__.keys()
        if self.__dict__.keys() <= names and other.__dict__.keys() <= names:
            return False
        missing = object()
        return all(self.__dict__.get(n, missing) == other.__dict__.get(n, missing) for n in names)

    __hash__ = None  # type: ignore[assignment]

    def __repr_args__(self) -> list[tuple[str, Any]]:
        cls = type(self)
        args = [(k, v) for k, v in self.__dict__.items() if (f := cls.__ouroboros_fields__.get(k)) is None or f.repr]
        extra = _get_slot(self, "__ouroboros_extra__")
        if extra:
            args.extend(extra.items())
        args.extend((name, getattr(self, name)) for name, info in cls.__ouroboros_computed__.items() if info.repr)
        return args

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__repr_args__())})"

    def __str__(self) -> str:
        return " ".join(f"{k}={v!r}" for k, v in self.__repr_args__())

    def __iter__(self) -> Any:
        yield from self.__dict__.items()
        extra = _get_slot(self, "__ouroboros_extra__")
        if extra:
            yield from extra.items()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "__dict__": self.__dict__,
            "__ouroboros_fields_set__": _own_fields_set(self),
            "__ouroboros_extra__": _get_slot(self, "__ouroboros_extra__"),
            "__ouroboros_private__": _get_slot(self, "__ouroboros_private__"),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        _object_setattr(self, "__dict__", state["__dict__"])
        _object_setattr(self, "__ouroboros_fields_set__", state["__ouroboros_fields_set__"])
        if state.get("__ouroboros_extra__") is not None:
            # Pickled after a validation with `extra="allow"` at run time, perhaps.
            _serve_missing_names(type(self))
            _object_setattr(self, "__ouroboros_extra__", state["__ouroboros_extra__"])
        if state.get("__ouroboros_private__") is not None:
            _object_setattr(self, "__ouroboros_private__", state["__ouroboros_private__"])

    def __copy__(self) -> Self:
        """A shallow copy: new dicts of fields, extras and private attributes, the same values."""
        cls = type(self)
        m = cls.__new__(cls)
        _object_setattr(m, "__dict__", copy.copy(self.__dict__))
        _copy_state(self, m, copy.copy)
        return m

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """A deep copy; a value referring back to this instance refers to the copy."""
        if memo is None:
            memo = {}
        cls = type(self)
        m = cls.__new__(cls)
        memo[id(self)] = m
        _object_setattr(m, "__dict__", copy.deepcopy(self.__dict__, memo))
        _copy_state(self, m, lambda value: copy.deepcopy(value, memo))
        return m

    # ---- Pydantic v1 names, kept (with Pydantic's deprecation warnings) --------
    def dict(
        self,
        *,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool = False,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """Deprecated: use ``model_dump``."""
        _deprecated("The `dict` method is deprecated; use `model_dump` instead.")
        return self.model_dump(
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )

    def json(
        self,
        *,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool = False,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        encoder: Any = PYDANTIC_UNDEFINED,
        models_as_dict: Any = PYDANTIC_UNDEFINED,
        **dumps_kwargs: Any,
    ) -> str:
        """Deprecated: use ``model_dump_json``."""
        _deprecated("The `json` method is deprecated; use `model_dump_json` instead.")
        if encoder is not PYDANTIC_UNDEFINED:
            raise TypeError("The `encoder` argument is no longer supported; use field serializers instead.")
        if models_as_dict is not PYDANTIC_UNDEFINED:
            raise TypeError("The `models_as_dict` argument is no longer supported; use a model serializer instead.")
        if dumps_kwargs:
            raise TypeError("`dumps_kwargs` keyword arguments are no longer supported.")
        return self.model_dump_json(
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )

    @classmethod
    def parse_obj(cls, obj: Any) -> Self:
        """Deprecated: use ``model_validate``."""
        _deprecated("The `parse_obj` method is deprecated; use `model_validate` instead.")
        return cls.model_validate(obj)

    @classmethod
    def parse_raw(
        cls,
        b: str | bytes,
        *,
        content_type: str | None = None,
        encoding: str = "utf8",
        proto: Any = None,
        allow_pickle: bool = False,
    ) -> Self:
        """Deprecated: use ``model_validate_json`` (this loads the data, then ``model_validate``s it)."""
        from ouroboros.validation.deprecated import parse

        _deprecated(
            "The `parse_raw` method is deprecated; if your data is JSON use `model_validate_json`, "
            "otherwise load the data then use `model_validate` instead."
        )
        try:
            obj = parse.load_str_bytes(
                b, proto=proto, content_type=content_type, encoding=encoding, allow_pickle=allow_pickle
            )
        except (ValueError, TypeError) as exc:
            import json

            if isinstance(exc, UnicodeDecodeError):
                kind = "value_error.unicodedecode"
            elif isinstance(exc, json.JSONDecodeError):
                kind = "value_error.jsondecode"
            elif isinstance(exc, ValueError):
                kind = "value_error"
            else:
                kind = "type_error"
            line = {"type": kind, "loc": ("__root__",), "msg": str(exc), "input": b}
            raise ValidationError.from_exception_data(cls.__name__, [line]) from None
        return cls.model_validate(obj)

    @classmethod
    def from_orm(cls, obj: Any) -> Self:
        """Deprecated: use ``model_validate(obj, from_attributes=True)``."""
        _deprecated(
            "The `from_orm` method is deprecated; set `model_config['from_attributes']=True` "
            "and use `model_validate` instead."
        )
        if not cls.model_config.get("from_attributes"):
            raise PydanticUserError(
                "You must set the config attribute `from_attributes=True` to use from_orm", code=None
            )
        return cls.model_validate(obj, from_attributes=True)

    @classmethod
    def construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """Deprecated: use ``model_construct``."""
        _deprecated("The `construct` method is deprecated; use `model_construct` instead.")
        return cls.model_construct(_fields_set=_fields_set, **values)

    def copy(
        self,
        *,
        include: Any = None,
        exclude: Any = None,
        update: dict[str, Any] | None = None,
        deep: bool = False,
    ) -> Self:
        """Deprecated: use ``model_copy`` (``include``/``exclude`` pick the fields copied)."""
        _deprecated(
            "The `copy` method is deprecated; use `model_copy` instead. "
            "See the docstring of `BaseModel.copy` for details about how to handle `include` and `exclude`."
        )
        clone = self.model_copy(update=update, deep=deep)
        if include is not None or exclude is not None:
            keep = set(self.model_dump(include=include, exclude=exclude))
            for name in list(clone.__dict__):
                if name not in keep:
                    del clone.__dict__[name]
            _object_setattr(clone, "__ouroboros_fields_set__", _own_fields_set(clone) & keep)
        return clone

    @classmethod
    def schema(cls, by_alias: bool = True, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
        """Deprecated: use ``model_json_schema``."""
        _deprecated("The `schema` method is deprecated; use `model_json_schema` instead.")
        return cls.model_json_schema(by_alias=by_alias, ref_template=ref_template)

    @classmethod
    def schema_json(cls, *, by_alias: bool = True, ref_template: str = "#/$defs/{model}", **dumps_kwargs: Any) -> str:
        """Deprecated: use ``model_json_schema`` and ``json.dumps``."""
        import json

        _deprecated("The `schema_json` method is deprecated; use `model_json_schema` and json.dumps instead.")
        return json.dumps(cls.model_json_schema(by_alias=by_alias, ref_template=ref_template), **dumps_kwargs)

    @classmethod
    def validate(cls, value: Any) -> Self:
        """Deprecated: use ``model_validate``."""
        _deprecated("The `validate` method is deprecated; use `model_validate` instead.")
        return cls.model_validate(value)

    @classmethod
    def update_forward_refs(cls, **localns: Any) -> None:
        """Deprecated: use ``model_rebuild``."""
        _deprecated("The `update_forward_refs` method is deprecated; use `model_rebuild` instead.")
        cls.model_rebuild(_types_namespace=localns or None)

    @classmethod
    def parse_file(
        cls,
        path: Any,
        *,
        content_type: str | None = None,
        encoding: str = "utf8",
        proto: Any = None,
        allow_pickle: bool = False,
    ) -> Self:
        """Deprecated: load the file, then ``model_validate_json`` (this loads it, then ``parse_obj``)."""
        from ouroboros.validation.deprecated import parse

        _deprecated(
            "The `parse_file` method is deprecated; load the data from file, then if your data is JSON "
            "use `model_validate_json`, otherwise `model_validate` instead."
        )
        obj = parse.load_file(
            path, proto=proto, content_type=content_type, encoding=encoding, allow_pickle=allow_pickle
        )
        return cls.parse_obj(obj)

    @property
    def __fields_set__(self) -> set[str]:
        _deprecated("The `__fields_set__` attribute is deprecated, use `model_fields_set` instead.")
        return _own_fields_set(self)

    def _copy_and_set_values(self, values: dict[str, Any], fields_set: set[str], *, deep: bool) -> Self:
        """Deprecated private method of Pydantic v1: a copy holding ``values`` and ``fields_set``."""
        import copy as copy_module

        _deprecated("The private method `_copy_and_set_values` will be removed and should no longer be used.")
        if deep:
            values = copy_module.deepcopy(values)
        new = self.__class__.model_construct(_fields_set=set(fields_set))
        object.__setattr__(new, "__dict__", dict(values))
        return new

    @classmethod
    def _get_value(
        cls,
        v: Any,
        to_dict: bool,
        by_alias: bool,
        include: Any,
        exclude: Any,
        exclude_unset: bool,
        exclude_defaults: bool,
        exclude_none: bool,
    ) -> Any:
        """Deprecated private method of Pydantic v1: ``v`` with the models in it dumped (``to_dict``)."""
        _deprecated("The private method `_get_value` will be removed and should no longer be used.")
        return _v1_value(v, to_dict, by_alias, exclude_unset, exclude_defaults, exclude_none)


def _v1_value(v: Any, to_dict: bool, by_alias: bool, unset: bool, defaults: bool, none: bool) -> Any:
    if isinstance(v, BaseModel):
        if not to_dict:
            return v.model_copy()
        return v.model_dump(by_alias=by_alias, exclude_unset=unset, exclude_defaults=defaults, exclude_none=none)
    if isinstance(v, dict):
        return {k: _v1_value(x, to_dict, by_alias, unset, defaults, none) for k, x in v.items()}
    if isinstance(v, (list, set, frozenset, tuple)):
        return type(v)(_v1_value(x, to_dict, by_alias, unset, defaults, none) for x in v)  # type: ignore[call-arg]
    return v


# `model_dump()` and `model_dump_json()` without arguments (the common calls)
# serialize in Rust with no Python frame; any argument reaches the Python
# methods above, which the native ones call with the same arguments.
for _name in ("model_dump", "model_dump_json"):
    type.__setattr__(BaseModel, _name, model_method(_name, BaseModel.__dict__[_name]))
del _name


def _deprecated(message: str) -> None:
    import warnings

    from ouroboros.validation.warnings import PydanticDeprecatedSince20

    warnings.warn(PydanticDeprecatedSince20(message), stacklevel=3)


def _construct_by_validation_alias(alias: Any, values: dict[str, Any]) -> Any:
    """``model_construct``: the value a validation alias (a name, an ``AliasPath`` or
    ``AliasChoices`` of them) finds in ``values``, a found name popped; else undefined."""
    from ouroboros.validation.aliases import AliasChoices, AliasPath

    for choice in alias.choices if isinstance(alias, AliasChoices) else [alias]:
        if isinstance(choice, str) and choice in values:
            return values.pop(choice)
        if isinstance(choice, AliasPath):
            found = choice.search_dict_for_path(values)
            if found is not PYDANTIC_UNDEFINED:
                return found
    return PYDANTIC_UNDEFINED


def _copy_state(source: Any, target: Any, copier: Any) -> None:
    """The extras, fields-set record and private attributes of ``source`` on its copy
    ``target``: extras and private attributes through ``copier`` (unset private values left
    out), the record as a new set."""
    extra = _get_slot(source, "__ouroboros_extra__")
    if extra is not None:
        _object_setattr(target, "__ouroboros_extra__", copier(extra))
    _object_setattr(target, "__ouroboros_fields_set__", set(source.__ouroboros_fields_set__))
    private = _get_slot(source, "__ouroboros_private__")
    if private is not None:
        private = {k: v for k, v in private.items() if v is not PYDANTIC_UNDEFINED}
        _object_setattr(target, "__ouroboros_private__", copier(private))


def _get_slot(obj: Any, name: str) -> Any:
    try:
        return object.__getattribute__(obj, name)
    except AttributeError:
        return None


class _SafeGetItem:
    """An instance dict read by field name, a missing key giving a marker (hashing a model
    whose ``__dict__`` was changed by hand never raises ``KeyError``)."""

    __slots__ = ("wrapped",)

    def __init__(self, wrapped: dict[str, Any]) -> None:
        self.wrapped = wrapped

    def __getitem__(self, key: str) -> Any:
        return self.wrapped.get(key, _MISSING_FOR_HASH)


_MISSING_FOR_HASH = object()


def _make_hash_func(cls: Any) -> Any:
    """``__hash__`` of a frozen model: the hash of its field values, in declaration order (not
    of its class, nor of other ``__dict__`` keys such as a cached property's), as Pydantic's."""
    names = tuple(cls.__ouroboros_fields__)
    getter = operator.itemgetter(*names) if names else (lambda _: 0)

    def hash_func(self: Any) -> int:
        try:
            return hash(getter(self.__dict__))
        except KeyError:
            return hash(getter(_SafeGetItem(self.__dict__)))

    return hash_func


def _set_default_hash(cls: Any) -> None:
    """A frozen model's hash from its fields, unless a class between it and BaseModel defines
    its own ``__hash__`` (one made here for a parent is replaced: the fields differ)."""
    inherited = next((k.__dict__["__hash__"] for k in cls.__mro__[1:] if "__hash__" in k.__dict__), None)
    made = _make_hash_func(cls)
    if inherited in (None, object.__hash__) or getattr(inherited, "__code__", None) == made.__code__:
        cls.__hash__ = made


def create_model(
    model_name: str,
    /,
    *,
    __config__: ConfigDict | None = None,
    __doc__: str | None = None,
    __base__: Any = None,
    __module__: str | None = None,
    __validators__: dict[str, Any] | None = None,
    __cls_kwargs__: dict[str, Any] | None = None,
    __qualname__: str | None = None,
    __namespace__: dict[str, Any] | None = None,
    **fields: Any,
) -> type[BaseModel]:
    """Create a model class at run time: ``create_model("M", x=(int, 0), y=str)``."""
    annotations: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for name, spec in fields.items():
        if isinstance(spec, tuple):
            if len(spec) != 2:
                raise PydanticUserError(
                    f"Field definition for {name!r} should a single element representing the type or a two-tuple, "
                    "the first element being the type and the second element the assigned value (either a default "
                    "or the `Field()` function).",
                    code="create-model-field-definitions",
                )
            annotations[name], default = spec
            if default is not ...:
                defaults[name] = default
        else:
            annotations[name] = spec
    if __namespace__:
        clashing = fields.keys() & __namespace__.keys()
        if clashing:
            raise PydanticUserError(
                f"Field name(s) {', '.join(map(repr, sorted(clashing)))} clash with keys of the "
                "`__namespace__` argument.",
                code="create-model-namespace",
            )
        for key, argument in _CREATE_MODEL_RESERVED_KEYS.items():
            if key in __namespace__:
                raise PydanticUserError(
                    f"{key!r} is not allowed as a key of the `__namespace__` argument, use {argument} instead.",
                    code="create-model-namespace",
                )
    module = __module__ or sys._getframe(1).f_globals.get("__name__", __name__)
    # Validators, then the namespace, then the field defaults: a later one wins (as Pydantic).
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": module}
    if __doc__:
        namespace["__doc__"] = __doc__
    if __qualname__ is not None:
        namespace["__qualname__"] = __qualname__
    namespace.update(__validators__ or {})
    namespace.update(__namespace__ or {})
    namespace.update(defaults)
    if __config__:
        namespace["model_config"] = __config__
    bases = __base__ if isinstance(__base__, tuple) else ((__base__,) if __base__ is not None else (BaseModel,))
    return typing.cast(
        "type[BaseModel]",
        types.new_class(model_name, bases, dict(__cls_kwargs__ or {}), lambda ns: ns.update(namespace)),
    )


# Keys of `create_model(__namespace__=...)` that have their own argument.
_CREATE_MODEL_RESERVED_KEYS = {
    "__annotations__": "field definitions",
    "__module__": "the `__module__` argument",
    "__qualname__": "the `__qualname__` argument",
    "__doc__": "the `__doc__` argument",
    "model_config": "the `__config__` argument",
}


__all__ += ["PYDANTIC_UNDEFINED", "ModelMetaclass", "UndefinedAnnotation"]


def _create_generic_submodel(
    name: str, origin: Any, args: tuple[Any, ...], parameters: tuple[Any, ...], parent_ns: dict[str, Any]
) -> Any:
    """The class ``origin[args]``: a subclass of ``origin`` whose TypeVars are bound (built by the caller)."""
    from ouroboros.validation._internal._generics import _get_caller_frame_info

    module_name, called_globally = _get_caller_frame_info(depth=3)
    module = module_name if called_globally and module_name is not None else origin.__module__
    own_params = origin.__pydantic_generic_metadata__["parameters"]

    def body(ns: dict[str, Any]) -> None:
        ns["__module__"] = module
        ns["__ouroboros_typevars__"] = dict(zip(own_params, args, strict=False))
        ns["__ouroboros_generic_meta__"] = {"origin": origin, "args": args, "parameters": parameters}
        ns["__ouroboros_localns__"] = WeakNamespace({**origin.__dict__.get("__ouroboros_localns__", {}), **parent_ns})
        ns["__ouroboros_build_later__"] = True
        if "__slots__" in origin.__dict__:
            ns["__slots__"] = origin.__dict__["__slots__"]

    sub = types.new_class(name, (origin,), {}, body)
    type.__setattr__(sub, "__parameters__", parameters)
    namespace = getattr(sys.modules.get(module), "__dict__", None) if called_globally else None
    if namespace is not None:
        # Reachable by name from its module, so instances pickle.
        ref = name
        while namespace.setdefault(ref, sub) is not sub:
            ref += "_"
    return sub


def _bind_field_typevars(cls: Any, mapping: dict[Any, Any]) -> None:
    from ouroboros.validation._internal._generics import replace_types

    fields = dict(cls.__ouroboros_fields__)
    for name, info in fields.items():
        if isinstance(info.annotation, (str, typing.ForwardRef)):
            continue
        bound = replace_types(info.annotation, mapping)
        if bound is not info.annotation:
            info = copy.copy(info)
            info.annotation = bound
            fields[name] = info
    cls.__ouroboros_fields__ = fields


def _map_type_arguments(cls: type, parameters: tuple[Any, ...], args: tuple[Any, ...]) -> dict[Any, Any]:
    """``{TypeVar: argument}`` for ``cls[args]``; a TypeVar's default fills a missing argument."""
    from ouroboros.validation._internal._generics import replace_types

    if len(args) > len(parameters):
        raise TypeError(f"Too many arguments for {cls}; actual {len(args)}, expected {len(parameters)}")
    mapping: dict[Any, Any] = dict(zip(parameters, args, strict=False))
    for param in parameters[len(args) :]:
        has_default = getattr(param, "has_default", None)
        if has_default is not None and has_default():
            mapping[param] = replace_types(param.__default__, mapping)
            continue
        expected = len(parameters) - sum(1 for p in parameters if getattr(p, "has_default", lambda: False)())
        raise TypeError(f"Too few arguments for {cls}; actual {len(args)}, expected at least {expected}")
    return mapping


def _contained_typevars(tp: Any) -> list[Any]:
    """The TypeVars ``tp`` still refers to (``list[T]`` -> ``[T]``)."""
    if isinstance(tp, typing.TypeVar):
        return [tp]
    found: list[Any] = []
    params = getattr(tp, "__parameters__", None)
    if isinstance(params, tuple) and (isinstance(tp, type) and hasattr(tp, "__pydantic_generic_metadata__")):
        return list(params)
    for arg in typing.get_args(tp):
        for item in arg if isinstance(arg, list) else [arg]:
            found.extend(_contained_typevars(item))
    return found
