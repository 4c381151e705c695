"""JSON Schema (draft 2020-12) from model descriptions, shaped like Pydantic's."""

from __future__ import annotations

import collections.abc
import contextlib
import enum
import inspect
import json
import math
import os
import re
from typing import Any

from ouroboros.validation._fields import MISSING
from ouroboros.validation.core import PydanticOmit

__all__ = ["model_json_schema", "type_json_schema"]

_SIMPLE = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "none": {"type": "null"},
    "bytes": {"type": "string", "format": "binary"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "format": "time"},
    "timedelta": {"type": "string", "format": "duration"},
    "uuid": {"type": "string", "format": "uuid"},
    "email": {"type": "string", "format": "email"},
    "any": {},
}

_KEYWORDS = {
    "min_length": "minLength",
    "max_length": "maxLength",
    "pattern": "pattern",
    "gt": "exclusiveMinimum",
    "ge": "minimum",
    "lt": "exclusiveMaximum",
    "le": "maximum",
    "multiple_of": "multipleOf",
}


_PATH_FORMATS = {"file": "file-path", "dir": "directory-path", "new": "path", "socket": "path"}


def static_json_schema(tp: Any, metadata: list[Any]) -> dict[str, Any] | None:
    """The JSON Schema Pydantic gives a type whose validation is a function here
    (IP addresses, paths, patterns, secrets...), or None."""
    import ipaddress
    import pathlib
    import re
    import typing
    import uuid

    from ouroboros.validation import networks
    from ouroboros.validation._more_types import ImportString, SecretBytes, SecretStr, UuidVersion

    ip = {
        ipaddress.IPv4Address: "ipv4",
        ipaddress.IPv6Address: "ipv6",
        ipaddress.IPv4Interface: "ipv4interface",
        ipaddress.IPv6Interface: "ipv6interface",
        ipaddress.IPv4Network: "ipv4network",
        ipaddress.IPv6Network: "ipv6network",
        networks.IPvAnyAddress: "ipvanyaddress",
        networks.IPvAnyInterface: "ipvanyinterface",
        networks.IPvAnyNetwork: "ipvanynetwork",
    }
    if isinstance(tp, type) and tp in ip:
        return {"type": "string", "format": ip[tp]}
    if tp in (pathlib.Path, pathlib.PurePath, pathlib.PosixPath, pathlib.PurePosixPath, os.PathLike):
        kind = next((getattr(getattr(m, "func", None), "path_kind", None) for m in metadata), None)
        for m in metadata:
            kind = getattr(getattr(m, "func", None), "path_kind", None) or kind
        return {"type": "string", "format": _PATH_FORMATS.get(kind or "", "path")}
    if tp is uuid.UUID:
        versions = [m.uuid_version for m in metadata if isinstance(m, UuidVersion)]
        return {"type": "string", "format": f"uuid{versions[-1]}"} if versions else None
    if tp in (re.Pattern, typing.Pattern) or typing.get_origin(tp) is re.Pattern:
        return {"type": "string", "format": "regex"}
    if tp is networks.NameEmail:
        return {"type": "string", "format": "name-email"}
    if tp is complex:
        return {"type": "string"}
    if tp is ImportString or any(isinstance(m, ImportString) for m in metadata):
        return {"type": "string"} if tp in (ImportString, Any) else None
    if isinstance(tp, type) and issubclass(tp, (SecretStr, SecretBytes)):
        return {"type": "string", "writeOnly": True, "format": "password"}
    return None


def _json_value(value: Any) -> Any:
    """A default or example as JSON data (enums by value, dates as ISO text)."""
    if isinstance(value, enum.Enum):
        return _json_value(value.value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    try:
        json.dumps(value)
    except TypeError:
        from ouroboros.validation.core import to_jsonable_python

        with contextlib.suppress(Exception):
            return to_jsonable_python(value)
        if isinstance(value, (set, frozenset, tuple)):
            return [_json_value(v) for v in value]
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)
    return value


_PRIMITIVE_TYPES = frozenset({"string", "number", "integer", "boolean", "null"})
_NOT_SERIALIZABLE = object()


def _config_scalar(value: Any, config: dict[str, Any]) -> Any:
    """A date, time, duration or bytes default written as the ``ser_json_*`` config says."""
    import base64
    import datetime

    temporal = config.get("ser_json_temporal")
    if isinstance(value, datetime.timedelta):
        if temporal in ("seconds", "milliseconds"):
            return value.total_seconds() * (1000 if temporal == "milliseconds" else 1)
        if temporal is None and config.get("ser_json_timedelta") == "float":
            return value.total_seconds()
    elif isinstance(value, (datetime.datetime, datetime.date, datetime.time)) and temporal in (
        "seconds",
        "milliseconds",
    ):
        return value
    elif isinstance(value, bytes) and config.get("ser_json_bytes") == "base64":
        return base64.urlsafe_b64encode(value).decode()
    elif isinstance(value, bytes) and config.get("ser_json_bytes") == "hex":
        return value.hex()
    return value


def _encode_default(value: Any, config: dict[str, Any] | None = None) -> Any:
    """A field default as JSON data (as the field would dump it); a default that
    cannot be written as JSON is left out with Pydantic's warning."""
    import warnings

    if config:
        value = _config_scalar(value, config)

    from ouroboros.validation.core import PydanticSerializationError, to_jsonable_python

    if isinstance(value, (set, frozenset)) and len(value) > 1:
        with contextlib.suppress(TypeError):
            value = sorted(value)
    try:
        return to_jsonable_python(value)
    except (PydanticSerializationError, TypeError, ValueError):
        from ouroboros.validation.json_schema import PydanticJsonSchemaWarning

        warnings.warn(
            f"Default value {value} is not JSON serializable; excluding default from JSON schema "
            "[non-serializable-default]",
            PydanticJsonSchemaWarning,
            stacklevel=2,
        )
        return _NOT_SERIALIZABLE


def _apply_extra(schema: dict[str, Any], extra: Any, cls: Any) -> None:
    """``json_schema_extra``: a dict merged in, or a function changing the schema in place
    (called with the class too when it takes two arguments; a class or static method given
    as such is bound to the class first, as Pydantic)."""
    if isinstance(extra, (classmethod, staticmethod)):
        extra = extra.__get__(cls, cls)
    if extra is not None and not isinstance(extra, dict) and not callable(extra):
        raise ValueError(f"model_config['json_schema_extra']={extra!r} should be a dict, callable, or None")
    if isinstance(extra, dict):
        schema.update(_encode_extra(extra))
    elif callable(extra):
        if cls is not None and len(inspect.signature(extra).parameters) > 1:
            extra(schema, cls)
        else:
            extra(schema)


def _encode_extra(extra: dict[str, Any]) -> dict[str, Any]:
    from ouroboros.validation.core import to_jsonable_python

    try:
        return to_jsonable_python(extra)
    except Exception:  # noqa: BLE001 - extras Pydantic cannot encode are kept as given
        return extra


def _field_texts(out: dict[str, Any], f: dict[str, Any]) -> None:
    """A field's (or computed field's) ``description``, ``examples`` and ``deprecated`` keywords."""
    if f.get("description"):
        out["description"] = f["description"]
    if f.get("examples") is not None:
        out["examples"] = [_json_value(e) for e in f["examples"]]
    if f.get("deprecated") is not None and f["deprecated"] is not False:
        out["deprecated"] = True


def _title_should_be_set(s: dict[str, Any], mode: str = "validation") -> bool:
    """Pydantic's rule: a field whose schema is a reference (model, dataclass, enum),
    also through Optional or a validator around it, gets no title of its own."""
    kind = s.get("type")
    if kind in ("model", "enum", "typed_dict") or s.get("dataclass_model") is not None:
        return False
    if "json_schema_hook" in s or "json_schema" in s:
        return True
    if kind in ("nullable", "passthrough"):
        return _title_should_be_set(s["schema"], mode)
    if kind == "function":
        if mode == "validation" and "json_schema_input" in s:
            return _title_should_be_set(s["json_schema_input"](), mode)
        inner = s.get("schema") or s.get("inner_schema") or s.get("source_schema")
        return True if inner is None else _title_should_be_set(inner, mode)
    return True


def _flattened_anyof(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    """``anyOf`` of the members, nested ``anyOf``s flattened and duplicates dropped."""
    members: list[dict[str, Any]] = []
    for schema in schemas:
        members.extend(schema["anyOf"] if len(schema) == 1 and "anyOf" in schema else [schema])
    unique: dict[str, dict[str, Any]] = {}
    for m in members:
        unique.setdefault(json.dumps(m, sort_keys=True, default=repr), m)
    out = list(unique.values())
    return out[0] if len(out) == 1 else {"anyOf": out}


_PLACEHOLDER = "__ouroboros_definition_"
_PLACEHOLDER_RE = re.compile(rf"{_PLACEHOLDER}\d+__")


def _normalized_name(name: str) -> str:
    """A module-qualified class name as a definition name (Pydantic's ``normalize_name``)."""
    return re.sub(r"[^a-zA-Z0-9.\-_]", "_", name).replace(".", "__")


def _renamed(value: Any, final: dict[str, str]) -> Any:
    """``value`` (JSON data) with every definition placeholder replaced by its final name."""
    if isinstance(value, str):
        return (
            _PLACEHOLDER_RE.sub(lambda m: final.get(m.group(0), m.group(0)), value) if _PLACEHOLDER in value else value
        )
    if isinstance(value, dict):
        return {_renamed(k, final): _renamed(v, final) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, final) for v in value]
    return value


def _title(name: str) -> str:
    return name.replace("_", " ").title().strip()


class _Generator:
    def __init__(self, by_alias: bool, ref_template: str, mode: str, owner: Any = None) -> None:
        # owner: the user's GenerateJsonSchema (subclass) instance, whose hooks apply.
        self.owner = owner
        self.by_alias = by_alias
        self.ref_template = ref_template
        self.mode = mode
        self.defs: dict[str, Any] = {}
        self.names: dict[Any, str] = {}
        self.in_progress: set[Any] = set()
        self.referenced: set[Any] = set()
        # Definition placeholders -> their candidate names; classes per module-qualified name.
        self.choices: dict[str, list[str]] = {}
        self.occurrences: dict[str, list[Any]] = {}
        # The config of the model (or adapter) whose fields are being written: ser_json_* keys.
        self.configs: list[dict[str, Any]] = [dict(getattr(owner, "_ouroboros_config", None) or {})]

    @property
    def config(self) -> dict[str, Any]:
        return self.configs[-1]

    def default_config(self) -> dict[str, Any]:
        """The ``ser_json_*`` keys that shape a default: temporal ones only in serialization mode."""
        if self.mode == "serialization":
            return self.config
        return {k: v for k, v in self.config.items() if k == "ser_json_bytes"}

    def scalar(self, kind: str) -> dict[str, Any]:
        """A date/time/duration/bytes type as the ``ser_json_*`` config writes it (both modes, as Pydantic)."""
        config = self.config
        temporal = config.get("ser_json_temporal")
        serialization = self.mode == "serialization"
        if (
            serialization
            and kind in ("datetime", "date", "time", "timedelta")
            and temporal in ("seconds", "milliseconds")
        ):
            return {"type": "number"}
        if serialization and kind == "timedelta" and temporal is None and config.get("ser_json_timedelta") == "float":
            return {"type": "number"}
        if kind == "bytes" and config.get("ser_json_bytes") == "base64":
            return {"type": "string", "format": "base64url"}
        return dict(_SIMPLE[kind])

    def union_of(self, schemas: list[dict[str, Any]]) -> dict[str, Any]:
        """A union: ``anyOf``, or with ``union_format="primitive_type_array"`` a list of types
        when every member is a bare primitive type."""
        if getattr(self.owner, "union_format", "any_of") == "primitive_type_array":
            types: list[str] = []
            for schema in schemas:
                kind = schema.get("type")
                kinds = kind if isinstance(kind, list) else [kind]
                if len(schema) != 1 or not all(k in _PRIMITIVE_TYPES for k in kinds):
                    break
                types.extend(kinds)
            else:
                return {"type": list(dict.fromkeys(types))}
        return _flattened_anyof(schemas)

    def decimal_pattern(self, s: dict[str, Any]) -> str | None:
        hook = getattr(self.owner, "get_decimal_pattern", None)
        if hook is None:
            return None
        core = {"type": "decimal", **{k: s[k] for k in ("max_digits", "decimal_places") if s.get(k) is not None}}
        if s.get("allow_inf_nan"):
            core["allow_inf_nan"] = True
        # The hook's `build_decimal_pattern` reads the mode (serialization writes `str(Decimal)`).
        self.owner._mode = self.mode
        return hook(core)

    def ref(self, name: str) -> dict[str, Any]:
        return {"$ref": self.ref_template.format(model=name)}

    def def_name(self, cls: Any) -> str:
        """The key of ``cls``'s definition while generating: a placeholder that ``finish`` turns
        into Pydantic's name (the class name, or ``module__qualname`` when several different
        definitions want that name, then ``module__qualname__<n>``)."""
        if cls not in self.names:
            key = f"{_PLACEHOLDER}{len(self.names)}__"
            self.names[cls] = key
            short = cls.__name__.replace("[", "_").replace("]", "_").replace(", ", "_").rstrip("_")
            source = getattr(cls, "__ouroboros_docs_source__", cls)
            long = _normalized_name(f"{source.__module__}.{source.__qualname__}")
            seen = self.occurrences.setdefault(long, [])
            if cls not in seen:
                seen.append(cls)
            self.choices[key] = [short, long, f"{long}__{seen.index(cls) + 1}"]
        return self.names[cls]

    def finish(self, out: Any) -> Any:
        """``out`` with the definition placeholders replaced by their final names."""
        wanted: dict[str, set[str]] = {}
        for key, names in self.choices.items():
            if key in self.defs:
                text = json.dumps(self.defs[key], sort_keys=True, default=repr)
                for name in names:
                    wanted.setdefault(name, set()).add(text)
        final = {}
        for key, names in self.choices.items():
            final[key] = next((n for n in names if len(wanted.get(n, ())) <= 1), names[-1])
        return _renamed(out, final)

    def document(self, body: dict[str, Any], root: Any = None) -> dict[str, Any]:
        """The finished schema: ``body`` with the ``$defs`` it uses (``root``: the class of
        ``body``, itself a definition when something refers back to it)."""
        if root is not None and root in self.referenced:
            name = self.names[root]
            self.defs[name] = body
            out: dict[str, Any] = {"$defs": dict(self.defs), "$ref": self.ref(name)["$ref"]}
        else:
            ref = body.get("$ref") if len(body) == 1 else None
            name = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None
            if name in self.defs and json.dumps(self.defs, default=repr).count(json.dumps(ref)) == 0:
                # A lone reference to a definition nothing else uses (a bare enum): written inline.
                body = self.defs.pop(name)
            out = {"$defs": dict(self.defs), **body} if self.defs else body
        out = self.finish(out)
        if "$defs" in out:
            out["$defs"] = dict(sorted(out["$defs"].items()))
        return out

    def model(self, cls: Any) -> dict[str, Any]:
        name = self.def_name(cls)
        self.referenced.add(cls)
        if name not in self.defs and cls not in self.in_progress:
            self.in_progress.add(cls)
            self.defs[name] = self.model_body(cls)
            self.in_progress.discard(cls)
        return self.ref(name)

    def root_model_body(self, cls: Any) -> dict[str, Any]:
        """A ``RootModel``: its root's schema, titled by the model."""
        d = cls.__ouroboros_schema__
        f = d["fields"][0]
        body = {**self.schema(f["schema"])}
        title = d["config"].get("title")
        body["title"] = title if title is not None else d["name"]
        if cls.__doc__ and cls.__doc__ != _BASE_DOC and cls.__doc__ != _ROOT_DOC:
            body["description"] = inspect.cleandoc(cls.__doc__)
        _field_texts(body, f)
        _apply_extra(body, f.get("json_schema_extra"), None)
        _apply_extra(body, cls.model_config.get("json_schema_extra"), cls)
        return body

    def model_body(self, cls: Any) -> dict[str, Any]:
        self.configs.append(dict(cls.model_config))
        try:
            return self._model_body(cls)
        finally:
            self.configs.pop()

    def _model_body(self, cls: Any) -> dict[str, Any]:
        if getattr(cls, "__ouroboros_root_model__", False) and "root" in cls.__ouroboros_fields__:
            return self.root_model_body(cls)
        d = cls.__ouroboros_schema__
        props: dict[str, Any] = {}
        required: list[str] = []
        for f in d["fields"]:
            if f.get("exclude") and self.mode == "serialization":
                continue
            key = f["name"]
            if self.by_alias:
                if self.mode == "serialization":
                    key = f.get("serialization_alias") or f.get("alias") or key
                else:
                    va = f.get("validation_alias")
                    key = va if isinstance(va, str) else f.get("alias") or key
            schema = f["schema"]
            if schema.get("missing_sentinel"):
                continue  # a field typed `MISSING` only: never in the data, as in Pydantic
            dumped = f.get("serialization_type") if self.mode == "serialization" else None
            returned = self.returned_schema(dumped, schema, cls) if dumped is not None else None
            try:
                prop = {**self.schema(returned or schema)}
            except PydanticOmit:
                continue  # WithJsonSchema(None): the field is left out
            if f.get("title"):
                prop["title"] = f["title"]
            elif "title" not in prop and _title_should_be_set(schema, self.mode):
                prop["title"] = _title(key)
            _field_texts(prop, f)
            if "default" in f and f["default"] is not MISSING:
                default = f["default"]
                plain = dumped[2] if dumped is not None else None
                if plain is not None and not (default is None and "unless-none" in dumped[1]):
                    with contextlib.suppress(Exception):
                        default = plain(default)  # a plain serializer applies to the default (Pydantic)
                encoded = _encode_default(default, self.default_config())
                if encoded is not _NOT_SERIALIZABLE:
                    prop["default"] = encoded
            elif "default_factory" not in f and "default" not in f:
                required.append(key)
            if (
                self.mode == "serialization"
                and self.config.get("json_schema_serialization_defaults_required")
                and key not in required
            ):
                required.append(key)
            _apply_extra(prop, f.get("json_schema_extra"), None)
            props[key] = prop
        if self.mode == "serialization":
            for c in d.get("computed_fields", []):
                key = (c.get("alias") or c["name"]) if self.by_alias else c["name"]
                props[key] = prop = self.computed_property(c, key, cls)
                _field_texts(prop, c)
                _apply_extra(prop, c.get("json_schema_extra"), None)
                if c.get("exclude_if") is None:
                    required.append(key)
        body: dict[str, Any] = {"properties": props}
        if required:
            body["required"] = required
        title = d["config"].get("title")
        body["title"] = title if title is not None else d["name"]
        body["type"] = "object"
        doc = cls.__doc__
        source = cls.__dict__.get("__ouroboros_docs_source__")
        if source is not None and source is not cls and isinstance(source, type):
            # A dataclass's mirror model: the dataclass's own docstring, not the generated signature.
            doc = source.__doc__
            if doc and doc.startswith(f"{source.__name__}("):
                doc = None
        if doc and doc != _BASE_DOC:
            body["description"] = inspect.cleandoc(doc)
        if d["config"].get("extra") in ("forbid", "allow"):
            body["additionalProperties"] = d["config"]["extra"] == "allow"
            if d.get("extras_schema") is not None:
                # A typed `__pydantic_extra__: dict[str, V]`.
                body["additionalProperties"] = self.schema(d["extras_schema"]) or True
        if vars(cls.__dict__.get("__ouroboros_docs_source__", cls)).get("__deprecated__") is not None:
            # A class marked with `@deprecated(...)`.
            body["deprecated"] = True
        _apply_extra(body, cls.model_config.get("json_schema_extra"), cls)
        return body

    def typed_dict_body(self, info: dict[str, Any]) -> dict[str, Any]:
        """A TypedDict as an object schema (titles from its ``__pydantic_config__``)."""
        cls = info["cls"]
        config = getattr(cls, "__pydantic_config__", None) or {}
        self.configs.append(dict(config))
        try:
            return self._typed_dict_body(info, cls, config)
        finally:
            self.configs.pop()

    def _typed_dict_body(self, info: dict[str, Any], cls: Any, config: dict[str, Any]) -> dict[str, Any]:
        from ouroboros.validation._describe import split_annotated
        from ouroboros.validation._fields import PYDANTIC_UNDEFINED, FieldInfo
        from ouroboros.validation._model_build import _generated_title

        props: dict[str, Any] = {}
        required: list[str] = []
        for name, schema, is_required, annotation in info["fields"]:
            field = FieldInfo(annotation=annotation)
            for item in split_annotated(annotation)[1]:
                if isinstance(item, FieldInfo):
                    field = field.merge(item)
            prop = {**self.schema(schema)}
            generator = field.field_title_generator or config.get("field_title_generator")
            if field.title:
                prop["title"] = field.title
            elif generator is not None:
                prop["title"] = _generated_title(generator, "field_title_generator", name, field)
            elif "title" not in prop and _title_should_be_set(schema, self.mode):
                prop["title"] = _title(name)
            if field.description:
                prop["description"] = field.description
            if field.default is not PYDANTIC_UNDEFINED:
                encoded = _encode_default(field.default, self.default_config())
                if encoded is not _NOT_SERIALIZABLE:
                    prop["default"] = encoded
            props[name] = prop
            if is_required and field.is_required():
                required.append(name)
        body: dict[str, Any] = {"properties": props}
        if required:
            body["required"] = required
        title_generator = config.get("model_title_generator")
        body["title"] = config.get("title") or (
            _generated_title(title_generator, "model_title_generator", cls) if title_generator else cls.__name__
        )
        body["type"] = "object"
        doc = cls.__doc__
        if doc and not doc.startswith(f"{cls.__name__}("):
            body["description"] = inspect.cleandoc(doc)
        extra = info.get("extra", config.get("extra"))
        if extra == "forbid":
            body["additionalProperties"] = False
        elif info.get("extras_schema") is not None:
            body["additionalProperties"] = self.schema(info["extras_schema"]) or True
        elif extra == "allow":
            body["additionalProperties"] = True
        if info.get("untitled"):
            del body["title"]
        if vars(cls).get("__deprecated__") is not None:
            body["deprecated"] = True
        _apply_extra(body, config.get("json_schema_extra"), cls)
        return body

    def computed_property(self, c: dict[str, Any], key: str, cls: Any) -> dict[str, Any]:
        """A computed field's serialization-mode property: the schema of what its serializer
        returns, else of its return type; titled unless it is a reference (Pydantic's rule)."""
        from ouroboros.validation._describe import DescribeContext, describe_type

        rt = c.get("return_type")
        if rt is None:
            return {"title": c.get("title") or _title(key), "readOnly": True}
        schema = describe_type(rt, DescribeContext(arbitrary_types_allowed=True))
        dumped = c.get("serialization_type")
        returned = self.returned_schema(dumped, schema, cls) if dumped is not None else None
        prop = {**self.schema(returned or schema)}
        if c.get("title"):
            prop["title"] = c["title"]
        elif "title" not in prop and _title_should_be_set(returned or schema, self.mode):
            prop["title"] = _title(key)
        prop["readOnly"] = True
        return prop

    def returned_schema(self, dumped: tuple[Any, str, Any], schema: dict[str, Any], cls: Any) -> dict[str, Any] | None:
        """The description of what a field's serializer returns (serialization mode), or None
        when it does not say (the field's own schema applies). ``unless-none`` serializers of a
        nullable field keep ``None`` first, as Pydantic writes them."""
        import sys

        from ouroboros.validation._describe import DescribeContext, describe_type

        returned, when_used = dumped[0], dumped[1]
        if returned is None:
            return None
        if isinstance(returned, str):
            namespace = {**vars(sys.modules.get(cls.__module__, object)), **getattr(cls, "__ouroboros_localns__", {})}
            try:
                returned = eval(returned, namespace)
            except Exception:  # noqa: BLE001 - an unresolvable annotation: the field's own schema
                return None
        try:
            described = describe_type(returned, DescribeContext(arbitrary_types_allowed=True))
        except Exception:  # noqa: BLE001 - a type we cannot describe: the field's own schema
            return None
        inner = schema
        while inner.get("type") == "function" and isinstance(inner.get("schema") or inner.get("inner_schema"), dict):
            inner = inner.get("schema") or inner["inner_schema"]
        if "unless-none" in when_used and inner.get("type") == "nullable":
            return {"type": "union", "choices": [{"type": "none"}, described]}
        return described

    def union_choices(self, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The schemas of a union's members; a member without one (a callable...) is left out,
        with Pydantic's ``skipped-choice`` warning unless the generator ignores that kind."""
        from ouroboros.validation.errors import PydanticInvalidForJsonSchema

        choices = []
        error = None
        for member in members:
            try:
                choices.append(self.schema(member))
            except PydanticOmit:
                continue  # SkipJsonSchema[...]: left out of the union
            except PydanticInvalidForJsonSchema as exc:
                error = exc
                self.warn("skipped-choice", exc.message)
        if not choices and error is not None:
            raise error
        return choices

    def warn(self, kind: str, detail: str) -> None:
        """Pydantic's ``PydanticJsonSchemaWarning`` of ``kind``, unless the generator's
        ``ignored_warning_kinds`` names it."""
        import warnings

        from ouroboros.validation.json_schema import PydanticJsonSchemaWarning

        if kind not in getattr(self.owner, "ignored_warning_kinds", {"skipped-choice"}):
            warnings.warn(f"{detail} [{kind}]", PydanticJsonSchemaWarning, stacklevel=2)

    def instance_schema(self, s: dict[str, Any]) -> dict[str, Any]:
        """An arbitrary class (``is_instance``): its own ``__get_pydantic_json_schema__``, else
        Pydantic's error for a class it cannot describe (``type[...]`` and models give ``{}``)."""
        from ouroboros.validation._model import BaseModel

        cls = s.get("cls")
        hook = getattr(cls, "__get_pydantic_json_schema__", None)
        if hook is not None:
            return hook({"type": "is-instance", "cls": cls}, _JsonSchemaHandler(self, {"type": "any"}))
        # `Hashable` accepts any hashable value: no constraint to write (as Pydantic's `{}`).
        described = not isinstance(cls, type) or issubclass(cls, BaseModel) or cls is collections.abc.Hashable
        if described or (cls.__module__ == "builtins" and cls is not type(...)):
            return {}
        from ouroboros.validation.errors import PydanticInvalidForJsonSchema

        raise PydanticInvalidForJsonSchema(f"Cannot generate a JsonSchema for core_schema.IsInstanceSchema ({cls})")

    def annotation(self, tp: Any) -> dict[str, Any]:
        from ouroboros.validation._describe import DescribeContext, describe_type

        return self.schema(describe_type(tp, DescribeContext(arbitrary_types_allowed=True)))

    def schema(self, s: dict[str, Any]) -> dict[str, Any]:
        hook = s.get("json_schema_hook")
        if hook is not None:
            # A user type's __get_pydantic_json_schema__(core_schema, handler).
            func, core = hook
            plain = {k: v for k, v in s.items() if k != "json_schema_hook"}
            return func(core, _JsonSchemaHandler(self, plain))
        if self.mode == "serialization" and s.get("ser_return") is not None:
            # A core schema's serializer function with a `return_schema`: what it writes.
            returned, when, nullable = s["ser_return"]
            out = self.schema(returned)
            return {"anyOf": [{"type": "null"}, out]} if nullable and "unless-none" in when else out
        kind = s["type"]
        if kind == "passthrough":
            return self.schema(s["schema"])  # `X | MISSING`: X's schema
        if kind == "is_instance" and "json_schema" not in s:
            return self.instance_schema(s)
        if s.get("json_schema_invalid") is not None:
            from ouroboros.validation.errors import PydanticInvalidForJsonSchema

            raise PydanticInvalidForJsonSchema(f"Cannot generate a JsonSchema for {s['json_schema_invalid']}")
        if "json_schema_modes" in s:
            return dict(s["json_schema_modes"][self.mode])
        if "json_schema" in s:
            out = dict(s["json_schema"])
            for key, keyword in _KEYWORDS.items():
                if s.get(key) is not None:
                    out[keyword] = _json_value(s[key]) if key not in ("min_length", "max_length", "pattern") else s[key]
            if out.get("type") == "string":
                # Length constraints checked on the wrapped text (secrets) show on the string.
                inner = s.get("schema")
                while isinstance(inner, dict):
                    for key in ("min_length", "max_length"):
                        if inner.get(key) is not None:
                            out.setdefault(_KEYWORDS[key], inner[key])
                    inner = inner.get("schema")
            return out
        if kind in _SIMPLE:
            out = self.scalar(kind)
        elif kind == "decimal":
            text: dict[str, Any] = {"type": "string"}
            pattern = self.decimal_pattern(s)
            if pattern is not None:
                text["pattern"] = pattern
            out = {"anyOf": [{"type": "number"}, text]} if self.mode == "validation" else text
        elif kind == "url":
            out = {"type": "string", "format": "uri", "minLength": 1}
        elif kind == "literal":
            values = [_json_value(v) for v in s["expected"]]
            out = {"const": values[0]} if len(values) == 1 else {"enum": values}
            types = {type(v) for v in values}
            if len(types) == 1:
                out["type"] = {str: "string", int: "integer", float: "number", bool: "boolean"}.get(
                    types.pop(), "string"
                )
        elif kind == "enum":
            cls = s["cls"]
            name = self.def_name(cls)
            values = [_json_value(m.value) for m in cls]
            body: dict[str, Any] = {"enum": values, "title": cls.__name__}
            types = {type(v) for v in values}
            if len(types) == 1:
                body["type"] = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array"}.get(
                    types.pop(), "string"
                )
            if cls.__doc__ and cls.__doc__ not in (enum.Enum.__doc__, "An enumeration."):
                body["description"] = inspect.cleandoc(cls.__doc__)
            self.defs[name] = body
            return self.ref(name)
        elif kind in ("list", "set", "frozenset"):
            out = {"items": self.schema(s.get("items", {"type": "any"})), "type": "array"}
            if kind != "list":
                out["uniqueItems"] = True
            if s.get("min_length") is not None:
                out["minItems"] = s["min_length"]
            if s.get("max_length") is not None:
                out["maxItems"] = s["max_length"]
            return out
        elif kind == "tuple":
            out = {"type": "array"}
            items = s.get("items") or []
            if s.get("variadic") is not None:
                if items:
                    out["minItems"] = len(items)
                    out["prefixItems"] = [self.schema(i) for i in items]
                out["items"] = self.schema(s["variadic"])
            else:
                if items:
                    out["prefixItems"] = [self.schema(i) for i in items]
                out["minItems"] = out["maxItems"] = len(items)
            if s.get("min_length") is not None:
                out["minItems"] = s["min_length"]
            if s.get("max_length") is not None:
                out["maxItems"] = s["max_length"]
            return out
        elif kind == "dict":
            out = {"type": "object"}
            keys = dict(self.schema(s["keys"])) if "keys" in s else {}
            pattern = None
            if "$ref" not in keys:
                pattern = keys.pop("pattern", None)
                keys.pop("title", None)
            values = dict(self.schema(s["values"])) if "values" in s else {}
            values.pop("title", None)
            if values or pattern is not None:
                if pattern is None:
                    out["additionalProperties"] = values
                else:
                    out["patternProperties"] = {pattern: values}
            else:
                out["additionalProperties"] = True
            if (keys.get("type") == "string" and len(keys) > 1) or "$ref" in keys:
                keys.pop("type", None)
                out["propertyNames"] = keys
            if s.get("min_length") is not None:
                out["minProperties"] = s["min_length"]
            if s.get("max_length") is not None:
                out["maxProperties"] = s["max_length"]
            return out
        elif kind == "nullable":
            inner = self.schema(s["schema"])
            if inner == {"type": "null"}:
                return inner
            return self.union_of([inner, {"type": "null"}])
        elif kind == "union":
            choices = self.union_choices(s["choices"])
            return choices[0] if len(choices) == 1 else self.union_of(choices)
        elif kind == "tagged_union":
            refs = []
            mapping = {}
            seen = set()
            for tag, choice in s["choices"].items():
                member = self.schema(choice)
                value = _json_value(tag)
                key = value if isinstance(value, str) else json.dumps(value)  # True -> "true", None -> "null"
                mapping[key] = member.get("$ref", member)
                text = json.dumps(member, sort_keys=True, default=repr)
                if text not in seen:
                    seen.add(text)
                    refs.append(member)
            return {"discriminator": {"mapping": mapping, "propertyName": s["discriminator"]}, "oneOf": refs}
        elif kind == "model":
            return self.model(s["cls"])
        elif kind == "function" and s.get("dataclass_model") is not None:
            return self.model(s["dataclass_model"]())
        elif s.get("typed_dict") is not None:
            cls = s["typed_dict"]["cls"]
            name = self.def_name(cls)
            self.referenced.add(cls)
            if name not in self.defs and cls not in self.in_progress:
                self.in_progress.add(cls)
                self.defs[name] = self.typed_dict_body(s["typed_dict"])
                self.in_progress.discard(cls)
            return self.ref(name)
        elif kind == "function":
            if self.mode == "validation" and "json_schema_input" in s:
                return self.schema(s["json_schema_input"]())
            inner = s.get("schema") or s.get("inner_schema") or s.get("source_schema")
            out = self.schema(inner) if inner is not None else {}
            if s.get("json_schema_constraints"):
                # A bound or length checked after a validator: on the type's keywords, as Pydantic.
                out = {**out, **{k: _json_value(v) for k, v in s["json_schema_constraints"].items()}}
            return out
        elif kind == "is_instance":
            return {}
        else:
            out = {}
        numeric_text = kind == "decimal" and self.mode == "serialization"
        for key, keyword in _KEYWORDS.items():
            if s.get(key) is not None:
                value = s[key]
                if isinstance(value, float) and math.isinf(value) and key in ("gt", "ge", "lt", "le"):
                    continue  # an infinite bound constrains nothing
                if numeric_text and key in ("gt", "ge", "lt", "le", "multiple_of"):
                    continue  # a Decimal is written as text: numeric bounds do not apply to it
                out[keyword] = _json_value(value) if key not in ("min_length", "max_length", "pattern") else value
        if s.get("python_pattern") is not None:
            out["pattern"] = s["python_pattern"]  # `Field(pattern=re.compile(...))`
        if kind == "decimal" and "anyOf" in out:
            bounds = {k: out.pop(k) for k in list(out) if k != "anyOf"}
            out["anyOf"][0].update(bounds)
        return out


class _JsonSchemaHandler:
    """The ``handler`` of ``__get_pydantic_json_schema__``: ``handler(core_schema)``."""

    def __init__(self, gen: _Generator, own: dict[str, Any]) -> None:
        self._gen = gen
        self._own = own
        self.mode = gen.mode

    def __call__(self, core_schema: dict[str, Any]) -> dict[str, Any]:
        from ouroboros.validation.core._translate import to_description

        return self._gen.schema(self._own if core_schema is None else to_description(core_schema))

    def resolve_ref_schema(self, json_schema: dict[str, Any]) -> dict[str, Any]:
        ref = json_schema.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        return self._gen.defs.get(name, json_schema) if ref else json_schema


_BASE_DOC: str | None = None
_ROOT_DOC: str | None = None


def model_json_schema(
    cls: Any,
    *,
    by_alias: bool = True,
    ref_template: str = "#/$defs/{model}",
    mode: str = "validation",
    owner: Any = None,
) -> dict[str, Any]:
    """The JSON Schema of model ``cls``."""
    gen = _Generator(by_alias, ref_template, mode, owner)
    return gen.document(*root_schema(gen, {"type": "model", "cls": cls}))


def type_json_schema(
    schema: dict[str, Any],
    *,
    by_alias: bool = True,
    ref_template: str = "#/$defs/{model}",
    mode: str = "validation",
    owner: Any = None,
) -> dict[str, Any]:
    """The JSON Schema of a bare type schema (``TypeAdapter.json_schema``)."""
    gen = _Generator(by_alias, ref_template, mode, owner)
    return gen.document(*root_schema(gen, schema))


def root_schema(gen: _Generator, schema: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The body of one schema generated by ``gen`` (definitions left in ``gen.defs``, names
    not finished) and the class it describes when that class is a definition."""
    global _BASE_DOC, _ROOT_DOC
    from ouroboros.validation._model import BaseModel
    from ouroboros.validation.root_model import RootModel

    _BASE_DOC = BaseModel.__doc__
    _ROOT_DOC = RootModel.__doc__
    if schema.get("type") == "function" and schema.get("dataclass_model") is not None:
        schema = {"type": "model", "cls": schema["dataclass_model"]()}
    if schema.get("type") == "model":
        cls = schema["cls"]
        gen.def_name(cls)
        gen.in_progress.add(cls)
        body = gen.model_body(cls)
        gen.in_progress.discard(cls)
        return body, cls
    if schema.get("typed_dict") is not None:
        cls = schema["typed_dict"]["cls"]
        gen.def_name(cls)
        gen.in_progress.add(cls)
        body = gen.typed_dict_body(schema["typed_dict"])
        gen.in_progress.discard(cls)
        return body, cls
    return gen.schema(schema), None
