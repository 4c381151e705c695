"""``@validate_call``: validate a function's arguments (and optionally its return value)."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["validate_call"]

_F = TypeVar("_F", bound=Callable[..., Any])


def validate_call(func: _F | None = None, /, *, config: Any = None, validate_return: bool = False) -> Any:
    """Validate arguments against the annotations before each call.

    Arguments are validated together as one model named after the function,
    so a bad call raises one ``ValidationError`` listing every bad argument.
    """

    def decorate(f: _F) -> _F:
        if isinstance(f, (classmethod, staticmethod)):
            kind = type(f)
            return kind(decorate(f.__func__))  # type: ignore[return-value]
        if not callable(f) or isinstance(f, type):
            from ouroboros.validation.errors import PydanticUserError

            raise PydanticUserError(
                "`validate_call` should be applied to functions, not classes", code="validate-call-type"
            )
        sig = inspect.signature(f)
        state: dict[str, Any] = {}

        def model() -> Any:
            if "model" not in state:
                state["model"], state["returns"] = _arguments_model(f, sig, config, validate_return)
            return state["model"]

        def prepare(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError as exc:
                raise TypeError(f"{f.__name__}() {exc}") from None
            validated = model().model_validate(dict(bound.arguments))
            pos: list[Any] = []
            kw: dict[str, Any] = {}
            for name, p in sig.parameters.items():
                value = getattr(validated, name)
                if p.kind is p.POSITIONAL_ONLY:
                    pos.append(value)
                elif p.kind is p.VAR_POSITIONAL:
                    pos.extend(value)
                elif p.kind is p.VAR_KEYWORD:
                    kw.update(value)
                else:
                    kw[name] = value
            return pos, kw

        def check_return(result: Any) -> Any:
            adapter = state.get("returns")
            return adapter.validate_python(result) if adapter is not None else result

        if inspect.iscoroutinefunction(f):

            @functools.wraps(f)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                pos, kw = prepare(args, kwargs)
                return check_return(await f(*pos, **kw))

            wrapper: Any = async_wrapper
        else:

            @functools.wraps(f)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                pos, kw = prepare(args, kwargs)
                return check_return(f(*pos, **kw))

        wrapper.raw_function = f
        return wrapper  # type: ignore[no-any-return]

    return decorate(func) if func is not None else decorate


def _arguments_model(
    f: Callable[..., Any], sig: inspect.Signature, config: Any, validate_return: bool
) -> tuple[Any, Any]:
    from ouroboros.validation._fields import Field
    from ouroboros.validation._model import create_model
    from ouroboros.validation._type_adapter import TypeAdapter

    hints = typing.get_type_hints(f, include_extras=True)
    fields: dict[str, Any] = {}
    for name, p in sig.parameters.items():
        annotation = hints.get(name, Any)
        if p.kind is p.VAR_POSITIONAL:
            fields[name] = (tuple[annotation, ...], Field(default_factory=tuple))  # type: ignore[valid-type]
        elif p.kind is p.VAR_KEYWORD:
            fields[name] = (dict[str, annotation], Field(default_factory=dict))  # type: ignore[valid-type]
        else:
            fields[name] = (annotation, ... if p.default is p.empty else p.default)
    model = create_model(f.__name__, __config__=config, **fields)
    returns = TypeAdapter(hints["return"]) if validate_return and "return" in hints else None
    return model, returns
