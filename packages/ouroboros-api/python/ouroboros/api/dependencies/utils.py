"""``fastapi.dependencies.utils``: describe a callable's parameters and read
them from request data, with the same rules (and the same validation engine,
ouroboros.validation) as the compiled routes."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union, get_args, get_origin

from ouroboros.api._plan import PlanBuilder, is_model, split_optional
from ouroboros.api.dependencies.models import Dependant, ModelField

__all__ = ["get_dependant", "get_typed_annotation", "request_body_to_args", "request_params_to_args"]

_PATH_NAMES = re.compile(r"{([^}:]+)")
_LISTS = (list, set, tuple, frozenset)


def get_typed_annotation(annotation: Any, globalns: dict[str, Any]) -> Any:
    """A string annotation evaluated in ``globalns``; ``None`` for ``"None"``."""
    if isinstance(annotation, str):
        annotation = typing._eval_type(typing.ForwardRef(annotation), globalns, globalns)  # type: ignore[attr-defined]
        if annotation is type(None):
            return None
    return annotation


def get_dependant(*, path: str, call: Callable[..., Any], name: str | None = None, use_cache: bool = True) -> Dependant:
    """The parameters of ``call`` (and of its dependencies) by where a
    request carries them, as the route compiler reads them."""
    builder = PlanBuilder(set(_PATH_NAMES.findall(path)))
    root = builder.dependant(call, use_cache)
    builder.finish()
    return _describe(builder, root, path, name)


def _describe(builder: PlanBuilder, dep: Any, path: str, name: str | None) -> Dependant:
    out = Dependant(call=dep.call, path=path, name=name, use_cache=dep.use_cache)
    for slot_name, kind, payload in dep.slots:
        if kind == "dep":
            out.dependencies.append(_describe(builder, payload, path, None))
        elif kind == "model":
            location = "form" if payload.loc_source == "body" else payload.loc_source
            field = ModelField(
                slot_name, slot_name, payload.model, location, payload.required, payload.default, is_model=True
            )
            _bucket(out, location).append(field)
        elif kind in ("value", "file_bytes"):
            entry = builder.params[payload]
            location = {"body_field": "body"}.get(entry["source"], entry["source"])
            bare, _ = split_optional(entry["annotation"])
            models = _models_in(bare)
            field = ModelField(
                entry["name"],
                entry["alias"],
                entry["annotation"],
                location,
                entry["required"],
                entry["default"],
                entry["marker"],
                is_model=bool(models) and location in ("query", "header", "cookie", "form"),
            )
            _bucket(out, location).append(field)
    return out


def _models_in(tp: Any) -> list[Any]:
    """The model classes a type is made of (itself, or a union's members)."""
    if get_origin(tp) in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        return members if members and all(is_model(a) for a in members) else []
    return [tp] if is_model(tp) else []


def _bucket(dependant: Dependant, location: str) -> list[ModelField]:
    return {
        "path": dependant.path_params,
        "query": dependant.query_params,
        "header": dependant.header_params,
        "cookie": dependant.cookie_params,
    }.get(location, dependant.body_params)


def _grouped(received: Any, lower: bool) -> dict[str, list[Any]]:
    """Every value of a multi-dict (Starlette's, or a mapping) by key, in
    one pass over its items."""
    if received is None:
        return {}
    if hasattr(received, "multi_items"):
        items = received.multi_items()
    elif isinstance(received, Mapping):
        items = received.items()
    else:
        items = received
    grouped: dict[str, list[Any]] = {}
    for key, value in items:
        grouped.setdefault(key.lower() if lower else key, []).append(value)
    return grouped


def _is_sequence(annotation: Any) -> bool:
    bare, _ = split_optional(annotation)
    return get_origin(bare) in _LISTS or bare in _LISTS


def _model_data(model_types: list[Any], grouped: dict[str, list[Any]], location: str) -> dict[str, Any]:
    """The dict a parameter model validates: its fields (lists where the
    field is a sequence), then every other key sent (one value, or all of
    them when repeated) for its validators and ``extra`` setting."""
    data: dict[str, Any] = {}
    declared: dict[str, bool] = {}
    for model in model_types:
        for field_name, info in getattr(model, "model_fields", {}).items():
            key = info.alias or field_name
            if location == "header" and info.alias is None:
                key = field_name.replace("_", "-")
            declared.setdefault(key, _is_sequence(info.annotation))
    for key, values in grouped.items():
        many = declared.get(key)
        if many is None:
            data[key] = values if len(values) > 1 else values[0]
        else:
            data[key] = values if many else values[-1]
    return data


def _errors(exc: BaseException, loc: tuple[Any, ...]) -> list[dict[str, Any]]:
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        raise exc
    return [{**e, "loc": (*loc, *e.get("loc", ()))} for e in errors()]


def _validate(annotation: Any, value: Any, loc: tuple[Any, ...], errors: list[dict[str, Any]]) -> Any:
    from ouroboros.validation import TypeAdapter

    try:
        return TypeAdapter(annotation).validate_python(value)
    except ValueError as exc:
        errors.extend(_errors(exc, loc))
        return None


def _read_field(
    field: ModelField, grouped: dict[str, list[Any]], loc_source: str, errors: list[dict[str, Any]]
) -> tuple[bool, Any]:
    """(whether it has a value, the value) for one field."""
    if field.is_model:
        models = _models_in(split_optional(field.annotation)[0])
        data = _model_data(models, grouped, field.location)
        if not data and not field.required:
            return True, field.default
        before = len(errors)
        value = _validate(field.annotation, data, (loc_source,), errors)
        return len(errors) == before, value
    key = field.alias.lower() if field.location == "header" else field.alias
    values = grouped.get(key)
    if not values:
        if field.required:
            errors.append({"type": "missing", "loc": (loc_source, field.alias), "msg": "Field required", "input": None})
            return False, None
        return True, field.default
    if field.location == "file":
        return True, values if _is_sequence(field.annotation) else values[-1]
    raw = values if _is_sequence(field.annotation) else values[-1]
    before = len(errors)
    value = _validate(field.annotation, raw, (loc_source, field.alias), errors)
    return len(errors) == before, value


def request_params_to_args(fields: Sequence[ModelField], received: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Values and errors for path, query, header or cookie parameters read
    from ``received`` (a multi-dict: Starlette's ``QueryParams``/``Headers``
    or a mapping), each key scanned once."""
    if not fields:
        return {}, []
    location = fields[0].location
    grouped = _grouped(received, lower=location == "header")
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for field in fields:
        ok, value = _read_field(field, grouped, location, errors)
        if ok:
            values[field.name] = value
    return values, errors


async def request_body_to_args(
    body_fields: Sequence[ModelField], received_body: Any, embed_body_fields: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Values and errors for body parameters: form fields and files read
    from form data (Starlette's ``FormData``), JSON body parameters from the
    parsed body (the whole body, or a key of it when embedded)."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    if not body_fields:
        return values, errors
    if body_fields[0].location in ("form", "file"):
        grouped = _grouped(received_body, lower=False)
        for field in body_fields:
            ok, value = _read_field(field, grouped, "body", errors)
            if ok:
                values[field.name] = value
        return values, errors
    single = len(body_fields) == 1 and not embed_body_fields
    for field in body_fields:
        if single:
            raw, loc = received_body, ("body",)
        else:
            raw = received_body.get(field.alias) if isinstance(received_body, Mapping) else None
            loc = ("body", field.alias)
        if raw is None:
            if field.required:
                errors.append({"type": "missing", "loc": loc, "msg": "Field required", "input": None})
            else:
                values[field.name] = field.default
            continue
        before = len(errors)
        value = _validate(field.annotation, raw, loc, errors)
        if len(errors) == before:
            values[field.name] = value
    return values, errors


async def _read_file_bytes(file: Any) -> bytes:
    """The rest of an ``UploadFile`` from its current position; the position
    is restored afterwards, also when the read fails (FastAPI's helper)."""
    from ouroboros.api._plan import _read_upload

    return await _read_upload(file)
