"""``@validate_arguments`` (``pydantic.deprecated.decorator``): v1's ``@validate_call``.

As in Pydantic v1 and 2, the arguments are validated by a model with one field per parameter
plus bookkeeping fields (``args``/``kwargs`` or ``v__args``/``v__kwargs``, ``v__positional_only``,
``v__duplicate_kwargs``) whose validators raise the ``TypeError`` a plain call would raise.
Errors are the model's (``missing`` at ``('b',)``, input the arguments given by name).
"""

from __future__ import annotations

import functools
import inspect
import typing
import warnings
from collections.abc import Callable
from typing import Any

from ouroboros.validation.warnings import PydanticDeprecatedSince20

__all__ = ["ValidatedFunction", "validate_arguments"]

ALT_V_ARGS = "v__args"
ALT_V_KWARGS = "v__kwargs"
V_POSITIONAL_ONLY_NAME = "v__positional_only"
V_DUPLICATE_KWARGS = "v__duplicate_kwargs"
_RESERVED = (ALT_V_ARGS, ALT_V_KWARGS, V_POSITIONAL_ONLY_NAME, V_DUPLICATE_KWARGS)


def _plural(items: list[Any] | dict[Any, Any]) -> str:
    return "" if len(items) == 1 else "s"


def _names(items: Any) -> str:
    return ", ".join(map(repr, items))


class ValidatedFunction:
    """A function, the model that validates its arguments, and the call in between."""

    def __init__(self, function: Callable[..., Any], config: Any = None) -> None:
        from ouroboros.validation.errors import PydanticUserError

        parameters = inspect.signature(function).parameters
        if any(name in _RESERVED for name in parameters):
            raise PydanticUserError(
                f'"{ALT_V_ARGS}", "{ALT_V_KWARGS}", "{V_POSITIONAL_ONLY_NAME}" and "{V_DUPLICATE_KWARGS}" are not'
                ' permitted as argument names when using the "validate_arguments" decorator',
                code=None,
            )
        self.raw_function = function
        self.arg_mapping: dict[int, str] = {}
        self.positional_only_args: set[str] = set()
        self.v_args_name = "args"
        self.v_kwargs_name = "kwargs"
        hints = typing.get_type_hints(function, include_extras=True)
        takes_args = takes_kwargs = False
        fields: dict[str, Any] = {}
        for i, (name, p) in enumerate(parameters.items()):
            annotation = Any if p.annotation is p.empty else hints.get(name, Any)
            default = ... if p.default is p.empty else p.default
            if p.kind is p.POSITIONAL_ONLY:
                self.arg_mapping[i] = name
                fields[name] = (annotation, default)
                fields[V_POSITIONAL_ONLY_NAME] = (list[str], None)
                self.positional_only_args.add(name)
            elif p.kind is p.POSITIONAL_OR_KEYWORD:
                self.arg_mapping[i] = name
                fields[name] = (annotation, default)
                fields[V_DUPLICATE_KWARGS] = (list[str], None)
            elif p.kind is p.KEYWORD_ONLY:
                fields[name] = (annotation, default)
            elif p.kind is p.VAR_POSITIONAL:
                self.v_args_name = name
                fields[name] = (tuple[annotation, ...], None)  # type: ignore[valid-type]
                takes_args = True
            else:
                self.v_kwargs_name = name
                fields[name] = (dict[Any, annotation], None)  # type: ignore[valid-type]
                takes_kwargs = True
        # A parameter named like the bookkeeping fields moves them aside.
        if not takes_args and self.v_args_name in fields:
            self.v_args_name = ALT_V_ARGS
        if not takes_kwargs and self.v_kwargs_name in fields:
            self.v_kwargs_name = ALT_V_KWARGS
        if not takes_args:
            fields[self.v_args_name] = (list[Any], None)  # any extra positional argument fails
        if not takes_kwargs:
            fields[self.v_kwargs_name] = (dict[Any, Any], None)
        self.model = self._create_model(fields, takes_args, takes_kwargs, config)

    def init_model_instance(self, *args: Any, **kwargs: Any) -> Any:
        """Validate a call's arguments (the model instance, or a ``ValidationError``)."""
        return self.model(**self.build_values(args, kwargs))

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return self.execute(self.init_model_instance(*args, **kwargs))

    def build_values(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The model's input for a call: positional arguments by their parameter's name, the
        surplus under the var-args field, unknown keywords under the var-kwargs field."""
        values: dict[str, Any] = {}
        for i, value in enumerate(args):
            name = self.arg_mapping.get(i)
            if name is None:
                values[self.v_args_name] = list(args[i:])
                break
            values[name] = value
        var_kwargs: dict[str, Any] = {}
        wrong_positional: list[str] = []
        duplicates: list[str] = []
        fields = self.model.model_fields
        own = {self.v_args_name, self.v_kwargs_name}
        aliases = {f.alias for name, f in fields.items() if name not in own}
        for key, value in kwargs.items():
            if (key in fields and key not in own) or key in aliases:
                if key in self.positional_only_args:
                    wrong_positional.append(key)
                if key in values:
                    duplicates.append(key)
                values[key] = value
            else:
                var_kwargs[key] = value
        if var_kwargs:
            values[self.v_kwargs_name] = var_kwargs
        if wrong_positional:
            values[V_POSITIONAL_ONLY_NAME] = wrong_positional
        if duplicates:
            values[V_DUPLICATE_KWARGS] = duplicates
        return values

    def execute(self, m: Any) -> Any:
        """Call the function with the validated arguments of ``m``."""
        fields = type(m).model_fields
        given = m.model_fields_set
        d = {k: v for k, v in m.__dict__.items() if k in given or fields[k].default_factory is not None}
        var_kwargs = d.pop(self.v_kwargs_name, {}) or {}
        if self.v_args_name in d:
            args: list[Any] = []
            kwargs: dict[str, Any] = {}
            in_kwargs = False
            for name, value in d.items():
                if in_kwargs:
                    kwargs[name] = value
                elif name == self.v_args_name:
                    args += value or ()
                    in_kwargs = True
                else:
                    args.append(value)
            return self.raw_function(*args, **kwargs, **var_kwargs)
        if self.positional_only_args:
            args, kwargs = [], {}
            for name, value in d.items():
                if name in self.positional_only_args:
                    args.append(value)
                else:
                    kwargs[name] = value
            return self.raw_function(*args, **kwargs, **var_kwargs)
        return self.raw_function(**d, **var_kwargs)

    def _create_model(self, fields: dict[str, Any], takes_args: bool, takes_kwargs: bool, config: Any) -> Any:
        from ouroboros.validation._decorators import field_validator
        from ouroboros.validation._model import BaseModel, create_model
        from ouroboros.validation.errors import PydanticUserError

        if isinstance(config, type):
            config = {k: v for k, v in vars(config).items() if not k.startswith("__")}
        config = dict(config or {})
        for unsupported in ("fields", "alias_generator"):
            if unsupported in config:
                raise PydanticUserError(
                    f'Setting the "{unsupported}" property on custom Config for @validate_arguments is not yet'
                    " supported, please remove.",
                    code=None,
                )
        config.setdefault("extra", "forbid")
        pos_args = len(self.arg_mapping)

        class DecoratorBaseModel(BaseModel):
            model_config = config  # type: ignore[assignment]

            @field_validator(self.v_args_name, check_fields=False)
            @classmethod
            def check_args(cls, v: Any) -> Any:
                if takes_args or v is None:
                    return v
                raise TypeError(f"{pos_args} positional arguments expected but {pos_args + len(v)} given")

            @field_validator(self.v_kwargs_name, check_fields=False)
            @classmethod
            def check_kwargs(cls, v: Any) -> Any:
                if takes_kwargs or v is None:
                    return v
                raise TypeError(f"unexpected keyword argument{_plural(v)}: {_names(v.keys())}")

            @field_validator(V_POSITIONAL_ONLY_NAME, check_fields=False)
            @classmethod
            def check_positional_only(cls, v: Any) -> None:
                if v is None:
                    return
                s = _plural(v)
                raise TypeError(f"positional-only argument{s} passed as keyword argument{s}: {_names(v)}")

            @field_validator(V_DUPLICATE_KWARGS, check_fields=False)
            @classmethod
            def check_duplicate_kwargs(cls, v: Any) -> None:
                if v is None:
                    return
                raise TypeError(f"multiple values for argument{_plural(v)}: {_names(v)}")

        name = "".join(word.capitalize() for word in self.raw_function.__name__.split("_"))
        return create_model(name, __base__=DecoratorBaseModel, **fields)


def validate_arguments(func: Callable[..., Any] | None = None, *, config: Any = None) -> Any:
    """Deprecated: use ``@validate_call``."""
    warnings.warn(
        PydanticDeprecatedSince20(
            "The `validate_arguments` method is deprecated; use `validate_call` instead.",
        ),
        stacklevel=2,
    )

    def decorate(f: Callable[..., Any]) -> Any:
        vd = ValidatedFunction(f, config)

        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return vd.call(*args, **kwargs)

        wrapper.vd = vd  # type: ignore[attr-defined]
        wrapper.validate = vd.init_model_instance  # type: ignore[attr-defined]
        wrapper.raw_function = vd.raw_function  # type: ignore[attr-defined]
        wrapper.model = vd.model  # type: ignore[attr-defined]
        return wrapper

    return decorate(func) if func is not None else decorate
