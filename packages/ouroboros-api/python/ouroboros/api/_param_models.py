"""Parameter models: a model (or a union of form models) read from a whole
request source, as FastAPI reads them.

Rust hands over every ``(key, value)`` pair of the source (query string,
headers, cookies or form) in request order; the fields are picked here by
their aliases (``AliasChoices`` tried in order, headers with underscores
converted), keys that name no field are passed on for the model's ``extra``
policy, and the model validates the lot with ouroboros.validation.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import types
import typing
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from ouroboros.api.datastructures import UploadFile
from ouroboros.api.exceptions import RequestValidationError, error_dicts
from ouroboros.validation import AliasChoices, AliasPath, BeforeValidator, Tag, TypeAdapter

__all__ = ["ModelSource", "form_union_models", "is_sequence_annotation"]

_SEQUENCES = (list, set, tuple, frozenset, typing.Sequence)


def _mutable(value: Any) -> bool:
    """A default that a handler could change in place: a model, a dataclass or a container."""
    if isinstance(value, (list, dict, set, bytearray)):
        return True
    return not isinstance(value, type) and (hasattr(type(value), "model_fields") or dataclasses.is_dataclass(value))


class _Undefined:
    def __repr__(self) -> str:
        return "<undefined>"


UNDEFINED: Any = _Undefined()


def is_sequence_annotation(tp: Any) -> bool:
    """``list[str]``, ``set[int] | None``...: a field that collects every value of its key."""
    origin = get_origin(tp)
    if origin is Annotated:
        return is_sequence_annotation(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return any(is_sequence_annotation(a) for a in get_args(tp))
    return tp in _SEQUENCES or origin in _SEQUENCES


class Received:
    """The pairs of one source, looked up as Starlette's multidicts do: the
    last value of a repeated query/form/cookie key, the first of a header
    (whose names compare without case)."""

    def __init__(self, pairs: list[tuple[str, Any]], *, headers: bool = False, multi: bool = True) -> None:
        self.headers = headers
        self.multi = multi
        self.pairs = [(k.lower(), v) for k, v in pairs] if headers else pairs
        self.keys = {k for k, _ in self.pairs}

    def _key(self, key: str) -> str:
        return key.lower() if self.headers else key

    def __contains__(self, key: str) -> bool:
        return self._key(key) in self.keys

    def get(self, key: str) -> Any:
        key = self._key(key)
        found = None
        for k, v in self.pairs:
            if k == key:
                if self.headers:
                    return v
                found = v
        return found

    def getlist(self, key: str) -> list[Any]:
        key = self._key(key)
        return [v for k, v in self.pairs if k == key]

    def extras(self, processed: set[str]) -> Iterator[tuple[str, Any]]:
        """Keys no field took: one value as itself, a repeated key as a list."""
        grouped: dict[str, list[Any]] = {}
        for k, v in self.pairs:
            if k not in processed:
                grouped.setdefault(k, []).append(v)
        for k, values in grouped.items():
            yield k, values[0] if len(values) == 1 or not self.multi else values


def _empty_file(value: Any) -> bool:
    # Browsers send an empty filename and content when no file is picked.
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def field_value(annotation: Any, received: Received, key: str, *, form: bool) -> Any:
    """The value of ``key`` for a field: every value for a sequence, else
    one; ``UNDEFINED`` when absent (or, in a form, empty)."""
    value: Any
    if received.multi and is_sequence_annotation(annotation):
        value = received.getlist(key)
        if form:
            value = [v for v in value if not _empty_file(v)]
        if not value:
            return UNDEFINED
        return value
    value = received.get(key)
    if value is None or (form and ((isinstance(value, str) and value == "") or _empty_file(value))):
        return UNDEFINED
    return value


def field_aliases(name: str, info: Any, config: Any, *, convert_underscores: bool = False) -> list[tuple[str, str]]:
    """``(validation alias, request key)`` pairs of a model field, in the
    order they are tried (FastAPI's rules, ``validate_by_name`` included)."""
    validation_alias = getattr(info, "validation_alias", None)
    alias = validation_alias if isinstance(validation_alias, str) else (getattr(info, "alias", None) or name)
    request_key = alias.replace("_", "-") if convert_underscores and alias == name else alias
    if isinstance(validation_alias, AliasPath):
        return [(alias, request_key)]
    aliases = [(alias, request_key)]
    if isinstance(validation_alias, AliasChoices):
        if any(isinstance(c, AliasPath) for c in validation_alias.choices):
            return aliases
        aliases = [(c, c) for c in validation_alias.choices]
    config = config or {}
    by_name = config.get("validate_by_name", config.get("populate_by_name", False))
    if config.get("validate_by_alias") is False or by_name:
        request_name = name.replace("_", "-") if convert_underscores else name
        if config.get("validate_by_alias") is False:
            return [(name, request_name)]
        if name not in [a for a, _ in aliases]:
            aliases.append((name, request_name))
    return aliases


def _fields(model: Any) -> list[tuple[str, Any]]:
    return list(getattr(model, "model_fields", {}).items())


def _config(model: Any) -> dict[str, Any]:
    return dict(getattr(model, "model_config", None) or {})


def form_union_models(tp: Any) -> list[type]:
    """The models of ``A | B`` (optionally ``| None``) read from a form, or []."""
    if get_origin(tp) not in (Union, types.UnionType):
        return []
    models = []
    for arg in get_args(tp):
        if arg is type(None):
            continue
        if get_origin(arg) is Annotated:
            arg = get_args(arg)[0]
        if not (isinstance(arg, type) and hasattr(arg, "model_fields")):
            return []
        models.append(arg)
    return models if len(models) > 1 else []


def form_items(model: Any, received: Received) -> dict[str, Any]:
    """A form model's input: each field under the first alias the form
    carries, then the keys no field names (for the model's extra policy)."""
    taken: set[str] = set()
    out: dict[str, Any] = {}
    config = _config(model)
    for name, info in _fields(model):
        for alias, _ in field_aliases(name, info, config):
            taken.add(alias)
            value = field_value(info.annotation, received, alias, form=True)
            if value is not UNDEFINED:
                out[alias] = _file_value(info.annotation, value)
                break
    out.update(received.extras(taken))
    return out


def _file_value(annotation: Any, value: Any) -> Any:
    """Files of a ``bytes`` field become their content."""
    bare = _bare(annotation)
    if bare is bytes and isinstance(value, UploadFile):
        # Read from where earlier readers left it, and left there (FastAPI's rule).
        position = value.file.tell()
        try:
            return value.file.read()
        finally:
            value.file.seek(position)
    if isinstance(value, list) and get_args(bare) and _bare(get_args(bare)[0]) is bytes:
        return [_file_value(bytes, v) for v in value]
    return value


def _bare(tp: Any) -> Any:
    if get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _bare(args[0])
    return tp


def _normalize_form_branch(value: Any, *, model: Any) -> Any:
    """One union branch's view of the form: its own fields picked again from
    the original values (each branch reads repeated keys its own way)."""
    if not isinstance(value, dict):
        return value
    pairs = [(k, item) for k, items in value.items() for item in (items if isinstance(items, list) else [items])]
    out = form_items(model, Received(pairs))
    for key, item in value.items():
        if item is None or (isinstance(item, list) and not item):
            out[key] = item
    return out


def _union_with_branches(tp: Any) -> Any:
    """``A | B`` with each branch reading the form for itself, labelled by
    its class name (or its own ``Tag``) in errors."""
    choices: list[Any] = []
    for choice in get_args(tp):
        if choice is type(None):
            choices.append(choice)
            continue
        model, metadata = choice, ()
        if get_origin(choice) is Annotated:
            model, *metadata = get_args(choice)
        tag = next((m for m in reversed(metadata) if isinstance(m, Tag)), Tag(model.__name__))
        choices.append(Annotated[choice, BeforeValidator(functools.partial(_normalize_form_branch, model=model)), tag])
    return Union[tuple(choices)]  # noqa: UP007


@dataclasses.dataclass
class ModelSource:
    """Reads one parameter model (``Annotated[M, Query()]``, ``Header()``,
    ``Cookie()``, ``Form()``, or a union of form models) from its source's pairs."""

    annotation: Any  # as declared: ``M``, ``M | None``, ``A | B``...
    models: list[type]
    source: str  # query | header | cookie | form
    required: bool
    default: Any
    default_factory: Any = None
    validate_default: bool = False
    convert_underscores: bool = True
    _adapter: TypeAdapter[Any] | None = None

    def __post_init__(self) -> None:
        tp = self.annotation
        if self.source == "form" and len(self.models) > 1:
            bare, extras = (get_args(tp)[0], list(get_args(tp)[1:])) if get_origin(tp) is Annotated else (tp, [])
            tp = _union_with_branches(bare)
            if extras:
                tp = Annotated[(tp, *extras)]
        self._adapter = TypeAdapter(tp)

    @property
    def loc(self) -> str:
        return "body" if self.source == "form" else self.source

    def __call__(self, pairs: list[tuple[str, Any]]) -> Any:
        pairs = [(k, UploadFile.from_native(v) if _native_upload(v) else v) for k, v in pairs]
        received = Received(pairs, headers=self.source == "header", multi=self.source != "cookie")
        renamed: dict[str, str] = {}
        value = self._form(received) if self.source == "form" else self._params(received, renamed)
        if value is UNDEFINED:
            if self.required:
                raise RequestValidationError(
                    [{"type": "missing", "loc": (self.loc,), "msg": "Field required", "input": None}]
                )
            if self.default_factory is not None:
                return self.default_factory()
            # A copy per request, as Pydantic's `get_default()` gives: a handler
            # that changes its default model does not change the next request's.
            value = copy.deepcopy(self.default) if _mutable(self.default) else self.default
            if not self.validate_default:
                return value
        assert self._adapter is not None
        try:
            return self._adapter.validate_python(value)
        except ValueError as exc:
            errors = error_dicts(exc)
            if errors is None:
                raise
            located = []
            for e in errors:
                loc = list(e.get("loc", ()))
                if loc and loc[0] in renamed:
                    loc[0] = renamed[loc[0]]
                located.append({**e, "loc": (self.loc, *loc)})
            raise RequestValidationError(located) from None

    def _supplied(self, received: Received, names: set[str], value: Any) -> bool:
        return bool(
            names & received.keys
            or (any(_config(m).get("extra") in ("allow", "forbid") for m in self.models) and value)
        )

    def _params(self, received: Received, renamed: dict[str, str]) -> Any:
        model = self.models[0]
        config = _config(model)
        out: dict[str, Any] = {}
        processed: set[str] = set()
        own: set[str] = set()
        headers = self.source == "header"
        for name, info in _fields(model):
            aliases = field_aliases(name, info, config, convert_underscores=headers and self.convert_underscores)
            own.update(key.lower() if headers else key for _, key in aliases)
            alias, key = next((pair for pair in aliases if pair[1] in received), aliases[0])
            value = field_value(info.annotation, received, key, form=False)
            if value is not UNDEFINED:
                out[alias] = value
            if headers:
                processed.add(key.lower())
                processed.update(a.lower() for a, k in aliases if a != k)
                if alias != key:
                    renamed[alias] = key
            else:
                processed.add(key)
        out.update(received.extras(processed))
        if self._optional() and not self._supplied(received, own, out):
            return UNDEFINED
        if config.get("loc_by_alias", True) is False:
            renamed.clear()
        return out

    def _optional(self) -> bool:
        tp = get_args(self.annotation)[0] if get_origin(self.annotation) is Annotated else self.annotation
        return type(None) in get_args(tp)

    def _form(self, received: Received) -> Any:
        if self._optional():
            names = {
                alias
                for model in self.models
                for name, info in _fields(model)
                for alias, _ in field_aliases(name, info, _config(model))
            }
            if not self._supplied(received, names, received.pairs):
                return UNDEFINED
        if len(self.models) == 1:
            return form_items(self.models[0], received)
        return dict(received.extras(set()))


def _native_upload(value: Any) -> bool:
    return not isinstance(value, (str, UploadFile)) and hasattr(value, "filename") and hasattr(value, "data")
