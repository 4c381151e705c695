"""``@validate_call``: validate a function's arguments (and optionally its return value)."""

from __future__ import annotations

import functools
import inspect
import sys
import types
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

    # Annotations naming the caller's local names (a class defined in the same function) are
    # resolved in the namespace the decorator was applied in, as Pydantic does.
    caller: Any = sys._getframe(1)
    while caller is not None and str(caller.f_globals.get("__name__", "")).startswith("ouroboros.validation."):
        caller = caller.f_back  # called through a wrapper of ours (`validate_arguments`)
    parent_ns = None if caller is None or caller.f_code.co_name == "<module>" else dict(caller.f_locals)

    def decorate(f: _F) -> _F:
        _check_target(f)
        try:
            sig = inspect.signature(f)
        except ValueError:
            from ouroboros.validation.errors import PydanticUserError

            raise PydanticUserError(
                f"Input function `{f}` doesn't have a valid signature", code="validate-call-type"
            ) from None
        state: dict[str, Any] = {}

        def model() -> Any:
            if "model" not in state:
                state["model"], state["returns"] = _arguments_model(f, sig, config, validate_return, parent_ns)
            return state["model"]

        def prepare(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
            return _bind(f, sig, model(), args, kwargs)

        # As Pydantic, a signature that cannot be validated is refused at decoration; one naming
        # a type defined later is built on the first call instead.
        from ouroboros.validation._describe import UndefinedAnnotation

        try:
            model()
        except (NameError, UndefinedAnnotation):
            state.clear()

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

        if isinstance(f, functools.partial):
            # As Pydantic names it: "partial(<name of the wrapped function>)".
            wrapper.__name__ = f"partial({f.func.__name__})"
            wrapper.__qualname__ = f"partial({f.func.__qualname__})"
        wrapper.raw_function = f
        return wrapper  # type: ignore[no-any-return]

    return decorate(func) if func is not None else decorate


_FUNCTION_TYPES = (
    types.FunctionType,
    types.MethodType,
    types.LambdaType,
)


def _check_target(f: Any) -> None:
    """Refuse what ``validate_call`` cannot wrap, with Pydantic's messages."""
    from ouroboros.validation.errors import PydanticUserError

    def refuse(message: str) -> None:
        raise PydanticUserError(message, code="validate-call-type")

    if isinstance(f, (classmethod, staticmethod)):
        name = type(f).__name__
        refuse(f"The `@{name}` decorator should be applied after `@validate_call` (put `@{name}` on top)")
    if isinstance(f, type):
        refuse(
            f"Unable to validate {f}: `validate_call` should be applied to functions, not classes"
            " (put `@validate_call` on top of `__init__` or `__new__` instead)"
        )
    if isinstance(f, functools.partial):
        if not isinstance(f.func, _FUNCTION_TYPES):
            refuse(
                f"Partial of `{f.func}` is invalid because the type of `{f.func}` is not supported by `validate_call`"
            )
        return
    if isinstance(f, (types.BuiltinFunctionType, types.BuiltinMethodType)):
        refuse(f"Input built-in function `{f}` is not supported")
    if isinstance(f, _FUNCTION_TYPES):
        return
    if callable(f):
        refuse(
            f"Unable to validate {f}: `validate_call` should be applied to functions, not instances or other"
            " callables. Use `validate_call` explicitly on `__call__` instead."
        )
    refuse(
        f"Unable to validate {f}: `validate_call` should be applied to one of the following: function, method,"
        " partial, or lambda"
    )


def _unpacked_typed_dict(annotation: Any) -> Any:
    """``X`` when ``annotation`` is ``Unpack[X]`` (``**kwargs: Unpack[SomeTypedDict]``), else ``None``."""
    origin = typing.get_origin(annotation)
    if origin is None or getattr(origin, "_name", None) != "Unpack":
        return None
    return typing.get_args(annotation)[0]


def _unpacked_kwargs(name: str, annotation: Any, sig: inspect.Signature) -> Any:
    """The TypedDict of ``**name: Unpack[TD]`` (``None`` for another annotation), refused as
    Pydantic refuses it: not a TypedDict, or naming a parameter that can be given by keyword."""
    from ouroboros.validation._typeddict import is_typed_dict
    from ouroboros.validation.errors import PydanticUserError

    td = _unpacked_typed_dict(annotation)
    if td is None:
        return None
    if not is_typed_dict(td):
        raise PydanticUserError(f"Unpacked type {td!r} of `**{name}` is not a TypedDict", code="unpack-typed-dict")
    keys = set(typing.get_type_hints(typing.get_origin(td) or td))
    overlap = [
        q.name
        for q in sig.parameters.values()
        if q.kind in (q.POSITIONAL_OR_KEYWORD, q.KEYWORD_ONLY) and q.name in keys
    ]
    if overlap:
        td_name = getattr(typing.get_origin(td) or td, "__name__", repr(td))
        raise PydanticUserError(
            f"Typed dictionary {td_name!r} overlaps with parameters {', '.join(map(repr, overlap))}",
            code="overlapping-unpack-typed-dict",
        )
    return td


_MISSING_MESSAGES = {
    "missing_positional_only_argument": "Missing required positional only argument",
    "missing_argument": "Missing required argument",
    "missing_keyword_only_argument": "Missing required keyword only argument",
}


def _line(kind: str, loc: tuple[Any, ...], msg: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": msg, "input": value}


def _bind(
    f: Callable[..., Any], sig: inspect.Signature, model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[list[Any], dict[str, Any]]:
    """Match a call to the parameters and validate it, reporting as Pydantic's arguments schema.

    An argument given by position is located by its index, one given by keyword
    by its name; missing, unexpected and doubled arguments are validation errors.
    """
    from ouroboros.validation._errors import ValidationError
    from ouroboros.validation.core import ArgsKwargs

    errors: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    # Where each given argument came from: its index, or its keyword.
    where: dict[str, Any] = {}
    used: set[str] = set()
    # Parameters already reported (missing, given twice): the model's own line about them is dropped.
    skipped: set[str] = set()
    param_keys: list[str] = []
    params = list(sig.parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var_args = next((p for p in params if p.kind is p.VAR_POSITIONAL), None)
    var_kwargs = next((p for p in params if p.kind is p.VAR_KEYWORD), None)
    fields = model.model_fields
    by_name = bool(model.model_config.get("populate_by_name") or model.model_config.get("validate_by_name"))
    whole_input = ArgsKwargs(args, kwargs or None)
    for index, p in enumerate(params):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        info = fields[p.name]
        lookup = _lookup_keys(info, p.name, by_name)
        model_key = lookup[0]
        param_keys.append(model_key)
        keys = lookup if p.kind is not p.POSITIONAL_ONLY else []
        given_pos = index < len(args) and p.kind is not p.KEYWORD_ONLY
        key = next((k for k in keys if k in kwargs), None)
        if key is not None:
            used.add(key)
        if given_pos and key is not None:
            errors.append(
                _line("multiple_argument_values", (model_key,), "Got multiple values for argument", kwargs[key])
            )
            skipped.add(model_key)
        elif given_pos:
            data[model_key] = args[index]
            where[model_key] = index
        elif key is not None:
            data[model_key] = kwargs[key]
            where[model_key] = key
        elif p.default is p.empty and info.is_required():
            if p.kind is p.POSITIONAL_ONLY:
                kind, loc = "missing_positional_only_argument", (index,)
            elif p.kind is p.KEYWORD_ONLY:
                kind, loc = "missing_keyword_only_argument", (model_key,)
            else:
                kind, loc = "missing_argument", (model_key,)
            errors.append(_line(kind, loc, _MISSING_MESSAGES[kind], whole_input))
            skipped.add(model_key)
    extra_args = args[len(positional) :]
    if extra_args:
        if var_args is not None:
            data[var_args.name] = extra_args
        else:
            for i, value in enumerate(extra_args, len(positional)):
                errors.append(_line("unexpected_positional_argument", (i,), "Unexpected positional argument", value))
    extra_kwargs = {k: v for k, v in kwargs.items() if k not in used}
    if var_kwargs is not None and getattr(model, "__ouroboros_unpacked_kwargs__", False):
        # `**kwargs: Unpack[TD]`: the keywords are validated as the TypedDict, even when none is given.
        data[var_kwargs.name] = extra_kwargs
    elif extra_kwargs:
        if var_kwargs is not None:
            data[var_kwargs.name] = extra_kwargs
        else:
            for k, v in extra_kwargs.items():
                errors.append(_line("unexpected_keyword_argument", (k,), "Unexpected keyword argument", v))
    try:
        validated = model.model_validate(data)
    except ValidationError as exc:
        validated = None
        for err in exc.errors():
            if err["type"] == "missing" and err["loc"][:1] and err["loc"][0] in skipped:
                continue
            errors.append({**err, "loc": _argument_loc(err["loc"], where, var_args, var_kwargs, len(positional))})
    if errors:
        # As Pydantic: parameter by parameter, then extra positional, then extra keyword arguments.
        rank = {key: i for i, key in enumerate(param_keys)}

        def order(line: dict[str, Any]) -> int:
            if line["type"] == "unexpected_keyword_argument":
                # Even one named like a positional-only parameter comes after every parameter.
                return 10 * (len(params) + len(args) + 1)
            head = line["loc"][0] if line["loc"] else None
            if isinstance(head, int):
                return head if head < len(positional) else len(params) + head
            return rank.get(head, 10 * (len(params) + len(args) + 1))

        errors.sort(key=order)
        raise ValidationError.from_exception_data(f.__name__, errors)
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
        elif name in where and isinstance(where[name], int) and var_args is not None:
            pos.append(value)
        else:
            kw[name] = value
    return pos, kw


def _lookup_keys(info: Any, name: str, by_name: bool) -> list[str]:
    """The keywords an argument is looked up by: its alias(es), then its name if allowed."""
    from ouroboros.validation.aliases import AliasChoices

    alias = info.validation_alias if info.validation_alias is not None else info.alias
    if isinstance(alias, AliasChoices):
        keys = [c for c in alias.choices if isinstance(c, str)]
    elif isinstance(alias, str):
        keys = [alias]
    else:
        keys = []
    if not keys or by_name:
        keys.append(name)
    return keys


def _argument_loc(
    loc: tuple[Any, ...], where: dict[str, Any], var_args: Any, var_kwargs: Any, n_positional: int
) -> tuple[Any, ...]:
    """A model error's location as the call's: ``(index, ...)`` or ``(keyword, ...)``."""
    if not loc:
        return loc
    head, rest = loc[0], loc[1:]
    if var_args is not None and head == var_args.name and rest and isinstance(rest[0], int):
        return (n_positional + rest[0], *rest[1:])
    if var_kwargs is not None and head == var_kwargs.name and rest:
        return rest
    if head in where:
        return (where[head], *rest)
    return loc


def _arguments_model(
    f: Callable[..., Any], sig: inspect.Signature, config: Any, validate_return: bool, parent_ns: Any = None
) -> tuple[Any, Any]:
    from ouroboros.validation._fields import Field
    from ouroboros.validation._model import create_model
    from ouroboros.validation._type_adapter import TypeAdapter
    from ouroboros.validation.errors import PydanticUserError

    target = f.func if isinstance(f, functools.partial) else f
    hints = typing.get_type_hints(target, localns=parent_ns, include_extras=True)
    if any(_mentions_self(h) for h in hints.values()):
        raise PydanticUserError("`typing.Self` is invalid in this context", code="invalid-self-type")
    fields: dict[str, Any] = {}
    unpacked = False
    for name, p in sig.parameters.items():
        annotation = hints.get(name, Any)
        if p.kind is p.VAR_POSITIONAL:
            fields[name] = (tuple[annotation, ...], Field(default_factory=tuple))  # type: ignore[valid-type]
        elif p.kind is p.VAR_KEYWORD and (td := _unpacked_kwargs(name, annotation, sig)) is not None:
            fields[name] = (td, ...)
            unpacked = True
        elif p.kind is p.VAR_KEYWORD:
            fields[name] = (dict[str, annotation], Field(default_factory=dict))  # type: ignore[valid-type]
        else:
            fields[name] = (annotation, ... if p.default is p.empty else p.default)
    model = create_model(getattr(target, "__name__", "partial"), __config__=config, **fields)
    model.__ouroboros_unpacked_kwargs__ = unpacked
    returns = TypeAdapter(hints["return"]) if validate_return and "return" in hints else None
    return model, returns


def _mentions_self(tp: Any) -> bool:
    """Whether an annotation refers to ``typing.Self`` (meaningless for a function's arguments)."""
    from ouroboros.validation._describe import _is_self

    if _is_self(tp):
        return True
    return any(_mentions_self(a) for a in typing.get_args(tp) if not isinstance(a, (str, bytes, int)))


_CALLABLE_TARGETS = (types.FunctionType, types.MethodType, functools.partial)


def is_call_target(tp: Any) -> bool:
    """Whether ``TypeAdapter(tp)`` validates a call of ``tp`` (a function, method or partial)."""
    return isinstance(tp, _CALLABLE_TARGETS)


def call_schema(func: Any, config: dict[str, Any], namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    """The schema ``TypeAdapter(func)`` validates with, as Pydantic's call schema: the input
    (``ArgsKwargs``, a dict of keyword arguments, or a tuple/list of positional ones) is bound
    to the parameters and validated, then ``func`` is called with the validated arguments and
    its result returned. Its JSON Schema describes the arguments."""
    from ouroboros.validation._errors import PydanticCustomError
    from ouroboros.validation.core import ArgsKwargs

    target = getattr(func, "raw_function", func)
    sig = inspect.signature(target)
    model, _ = _arguments_model(target, sig, config or None, False, namespace)

    def call(value: Any, _data: Any = None, _context: Any = None) -> Any:
        if isinstance(value, ArgsKwargs):
            args, kwargs = tuple(value.args), dict(value.kwargs or {})
        elif isinstance(value, dict):
            args, kwargs = (), value
        elif isinstance(value, (tuple, list)):
            args, kwargs = tuple(value), {}
        else:
            raise PydanticCustomError("arguments_type", "Arguments must be a tuple, list or a dictionary")
        pos, kw = _bind(target, sig, model, args, kwargs)
        return target(*pos, **kw)

    def json_schema(_core: Any, handler: Any) -> dict[str, Any]:
        return _arguments_json_schema(handler._gen, model, sig)

    return {"type": "function", "mode": "plain", "func": call, "json_schema_hook": (json_schema, None)}


def _arguments_json_schema(gen: Any, model: Any, sig: inspect.Signature) -> dict[str, Any]:
    """Pydantic's JSON Schema of a function's arguments: an object of the parameters when none
    is positional-only and there is no ``*args``; else an array of them when none is keyword-only
    and there is no ``**kwargs``; else an error. Properties are those of the arguments model."""
    from ouroboros.validation.errors import PydanticInvalidForJsonSchema

    body = gen.model_body(model)
    props = body.get("properties", {})
    required = set(body.get("required", []))
    fields = model.model_fields

    def key(name: str) -> str:
        alias = fields[name].alias if gen.by_alias else None
        return alias if isinstance(alias, str) else name

    params = list(sig.parameters.values())
    positional_only = [p for p in params if p.kind is p.POSITIONAL_ONLY]
    either = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword_only = [p for p in params if p.kind is p.KEYWORD_ONLY]
    var_args = next((p for p in params if p.kind is p.VAR_POSITIONAL), None)
    var_kwargs = next((p for p in params if p.kind is p.VAR_KEYWORD), None)
    if not positional_only and var_args is None:
        named = either + keyword_only
        out: dict[str, Any] = {"type": "object", "properties": {key(p.name): props.get(key(p.name), {}) for p in named}}
        names = [key(p.name) for p in named if key(p.name) in required]
        if names:
            out["required"] = names
        if var_kwargs is None:
            out["additionalProperties"] = False
        elif props.get(key(var_kwargs.name), {}).get("additionalProperties"):
            out["additionalProperties"] = props[key(var_kwargs.name)]["additionalProperties"]
        return out
    if not keyword_only and var_kwargs is None:
        items = [props.get(key(p.name), {}) for p in positional_only + either]
        array: dict[str, Any] = {"type": "array"}
        if items:
            array["prefixItems"] = items
        count = sum(1 for p in positional_only + either if key(p.name) in required)
        if count:
            array["minItems"] = count
        if var_args is None:
            array["maxItems"] = len(items)
        elif props.get(key(var_args.name), {}).get("items"):
            array["items"] = props[key(var_args.name)]["items"]
        return array
    raise PydanticInvalidForJsonSchema(
        "Unable to generate JSON schema for arguments validator with positional-only and keyword-only arguments"
    )
