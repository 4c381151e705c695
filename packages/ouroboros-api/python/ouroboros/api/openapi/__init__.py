"""OpenAPI 3.1 document generation from the app's routes.

Every schema comes from ouroboros.validation's JSON Schema generator: each
parameter, request body and response of every route is one input of a single
``GenerateJsonSchema.generate_definitions`` call, so shared models land once in
``components/schemas`` (as ``Name-Input``/``Name-Output`` when the two modes
differ) and every use points at them with ``$ref``, as FastAPI does.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import http.client
import inspect
import types
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from ouroboros.api import _plan
from ouroboros.api._param_models import field_aliases, form_union_models
from ouroboros.api.datastructures import UploadFile
from ouroboros.api.params import Body, File, Form, Param
from ouroboros.validation import AliasChoices, Field, GetPydanticSchema, TypeAdapter, create_model
from ouroboros.validation._fields import CONSTRAINT_KEYS
from ouroboros.validation.json_schema import GenerateJsonSchema

if TYPE_CHECKING:
    from ouroboros.api.app import App

REF_PREFIX = "#/components/schemas/"
METHODS_WITH_BODY = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}
Mode = Literal["validation", "serialization"]

VALIDATION_ERROR = {
    "title": "ValidationError",
    "type": "object",
    "required": ["loc", "msg", "type"],
    "properties": {
        "loc": {"title": "Location", "type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
}
HTTP_VALIDATION_ERROR = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "array", "items": {"$ref": REF_PREFIX + "ValidationError"}}},
}
STATUS_RANGES = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}
# Marker attributes that are constraints of the value (they shape its schema):
# the model field's keywords, and a union's discriminator.
_CONSTRAINTS = (*CONSTRAINT_KEYS, "discriminator")


@dataclasses.dataclass(eq=False)
class SchemaField:
    """One value the document describes: a parameter, a body or a response."""

    annotation: Any
    mode: Mode
    alias: str = ""
    title: str | None = None
    description: str | None = None
    examples: Any = None
    deprecated: bool | None = None
    extra: dict[str, Any] | None = None
    info: Any = None  # a model field's own FieldInfo (its constraints)
    default: Any = None  # shown when not None (FastAPI drops None values)
    constraints: dict[str, Any] = dataclasses.field(default_factory=dict)

    def annotated(self) -> Any:
        tp = _for_schema(self.annotation)
        metadata = list(getattr(self.info, "metadata", None) or ())
        if metadata:
            return Annotated[(tp, *metadata)]  # type: ignore[valid-type]
        if self.constraints:
            return Annotated[tp, Field(**self.constraints)]
        return tp


def _for_schema(tp: Any) -> Any:
    """The annotation as the schema generator sees it: an ``UploadFile`` is bytes."""
    if tp is UploadFile:
        return bytes
    origin = get_origin(tp)
    if origin is None:
        return tp
    args = get_args(tp)
    if origin is Annotated:
        return Annotated[(_for_schema(args[0]), *tp.__metadata__)]  # type: ignore[valid-type]
    new = tuple(_for_schema(a) for a in args)
    if new == args:
        return tp
    if origin in (Union, __import__("types").UnionType):
        return Union[new]  # type: ignore[valid-type]  # noqa: UP007 - rebuilt from its parts
    try:
        return origin[new] if len(new) > 1 else origin[new[0]]
    except TypeError:
        return tp


def _field_of(marker: Param | None, annotation: Any, alias: str, mode: Mode = "validation") -> SchemaField:
    field = SchemaField(annotation=annotation, mode=mode, alias=alias)
    if marker is not None:
        field.title = marker.title
        field.description = marker.description
        field.examples = marker.examples
        field.deprecated = marker.deprecated
        field.extra = marker.json_schema_extra
        field.constraints = {k: getattr(marker, k) for k in _CONSTRAINTS if getattr(marker, k, None) is not None}
    return field


def _binary(node: Any) -> Any:
    """Bytes as FastAPI describes them: ``contentMediaType`` rather than ``format: binary``."""
    if isinstance(node, dict):
        out = {k: _binary(v) for k, v in node.items()}
        if out.get("type") == "string" and out.get("format") == "binary":
            del out["format"]
            out["contentMediaType"] = "application/octet-stream"
        return out
    if isinstance(node, list):
        return [_binary(v) for v in node]
    return node


def _nullable(tp: Any) -> bool:
    tp, _ = _plan.split_annotated(tp)
    return get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp)


def _form_models_of(tp: Any) -> list[Any]:
    tp, _ = _plan.split_annotated(tp)
    inner, _ = _plan.split_optional(tp)
    return [inner] if _plan.is_model(inner) else form_union_models(tp)


def _form_body_schema(body: list[tuple[str, str, SchemaField, bool, Param | None]], schema: dict[str, Any]) -> None:
    """Rewrite ``Body_<id>``'s ``field_<i>`` properties: plain form fields
    under their names, each model as an ``allOf`` condition."""
    parts = schema.pop("properties", {})
    schema.pop("required", None)
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    for index, (_name, alias, field, req, _marker) in enumerate(body):
        part = parts[f"field_{index}"]
        if alias != "body":
            if alias in properties:
                conditions.append({"properties": {alias: part}})
            else:
                properties[alias] = part
            if req and alias not in required:
                required.append(alias)
            continue
        part.pop("default", None)
        models = _form_models_of(field.annotation)
        if _nullable(field.annotation):
            part["anyOf"] = [c for c in part.get("anyOf", [part]) if c.get("type") != "null"]
            if any((getattr(m, "model_config", None) or {}).get("extra") in ("allow", "forbid") for m in models):
                absent: dict[str, Any] = {"maxProperties": 0}
            else:
                names = sorted(
                    {
                        key
                        for m in models
                        for fname, info in m.model_fields.items()
                        for key, _ in field_aliases(fname, info, getattr(m, "model_config", None))
                    }
                )
                absent = {"not": {"anyOf": [{"required": [n]} for n in names]}} if names else {}
            if req:
                conditions.append({"not": absent})
            else:
                part = {"anyOf": [absent, part]}
        conditions.append(part)
    if properties:
        schema["properties"] = properties
    if required:
        schema["required"] = required
    schema["allOf"] = conditions


def _form_model_json_schema(model: Any, core_schema: Any, handler: Any) -> dict[str, Any]:
    """A model read from a form, as FastAPI documents it: when a field is sent
    under other keys than its schema property (alias choices, or its name
    besides its alias), this use of the model is inlined with the property
    under the first key and a required field's keys as an ``anyOf`` of
    ``required`` groups; the shared component schema stays as it is."""
    schema = handler(core_schema)
    model_schema = handler.resolve_ref_schema(schema)
    properties = model_schema.get("properties", {})
    required = model_schema.get("required", [])
    config = getattr(model, "model_config", None)
    keys: dict[str, list[str]] = {}
    for name, info in model.model_fields.items():
        choices = getattr(info, "validation_alias", None)
        if isinstance(choices, AliasChoices):
            prop = choices.choices[0]
        else:
            prop = choices if isinstance(choices, str) and choices else (info.alias if info.alias is not None else name)
        names = [key for key, _ in field_aliases(name, info, config)]
        if isinstance(prop, str) and prop in properties and (names[0] != prop or (len(names) > 1 and prop in required)):
            keys[prop] = names
    if not keys:
        return schema
    model_schema = copy.deepcopy(model_schema)
    model_schema["properties"] = {keys.get(n, [n])[0]: v for n, v in model_schema["properties"].items()}
    model_schema["required"] = []
    for prop in required:
        names = keys.get(prop, [prop])
        if len(names) == 1:
            model_schema["required"].append(names[0])
        else:
            model_schema.setdefault("allOf", []).append({"anyOf": [{"required": [n]} for n in names]})
    return model_schema


def _form_model_annotation(annotation: Any) -> Any:
    """A form model parameter's annotation in ``Body_<id>``: a single model
    (optional or not) carries `_form_model_json_schema`; unions stay as they are."""
    models = _form_models_of(annotation)
    if len(models) != 1:
        return _for_schema(annotation)
    model = models[0]
    hooked = Annotated[
        model, GetPydanticSchema(get_pydantic_json_schema=functools.partial(_form_model_json_schema, model))
    ]
    return hooked if _plan.split_annotated(annotation)[0] is model else hooked | None


class _Route:
    """What the document needs of one route: its flat parameters, body and responses."""

    def __init__(self, route: Any, app_dependencies: Sequence[Any]) -> None:
        self.route = route
        builder = _plan.PlanBuilder(route.path_names)
        builder.dependant(route.endpoint)
        for d in [*app_dependencies, *route.dependencies]:
            if d.dependency:
                builder.dependant(d.dependency)
        builder.finish()
        self.security = builder.security
        self.params: list[tuple[str, SchemaField, bool, Param | None, str]] = []
        body: list[tuple[str, str, SchemaField, bool, Param | None]] = []  # name, alias, field, required, marker
        in_models = {i for m in builder.param_models for i in m[3]}
        form_models = [m for m in builder.param_models if m[0].source == "form"]
        for index, p in enumerate(builder.params):
            marker = p.get("marker")
            source = p["source"]
            if (marker is not None and not marker.include_in_schema) or p.get("whole"):
                continue
            if index in in_models:
                if source in ("path", "query", "header", "cookie"):
                    field_name, info = p["_model_field"]
                    owner = next(m for m in builder.param_models if index in m[3])
                    choices = _plan._alias_choices(getattr(info, "validation_alias", None))
                    alias = choices[0] if choices else info.alias or field_name
                    name = alias
                    if source == "header" and alias == field_name and getattr(owner[0], "convert_underscores", True):
                        name = alias.replace("_", "-")
                    field = SchemaField(annotation=info.annotation, mode="validation", alias=alias, info=info)
                    field.title, field.description = info.title, info.description
                    field.deprecated = bool(getattr(info, "deprecated", None)) or None
                    if not info.is_required() and getattr(info, "default_factory", None) is None:
                        field.default = info.default
                    self.params.append((source, field, info.is_required() and owner[2], info, name))
                continue
            if source in ("path", "query", "header", "cookie"):
                name = alias = p["alias"]
                field = _field_of(marker, p["annotation"], alias)
                if not p["required"] and getattr(marker, "default_factory", None) is None:
                    field.default = p.get("_declared_default", p["default"])
                self.params.append((source, field, p["required"] or source == "path", marker, name))
            elif source in ("body", "body_field", "form", "file"):
                field = _field_of(marker, p["annotation"], p["alias"])
                if not p["required"] and getattr(marker, "default_factory", None) is None:
                    field.default = p.get("_declared_default", p["default"])
                body.append((p["name"], p["alias"], field, p["required"], marker))
        for marker, model, required, _, name in form_models:
            field = _field_of(None, model, "body")
            field.title, field.description = marker.title, marker.description
            body.append((name, "body", field, required, marker))
        self.unique_id = route.generate_unique_id_function(route)
        self.body = self._body_field(body)
        self.response_class = route.response_class
        self.response_model = _plan.response_model_of(route)
        # A handler that yields: "jsonl" (no response class) or "sse"
        # (EventSourceResponse), documented by its item type.
        self.stream, self.stream_item = _stream_of(route, self.unique_id)
        if self.stream is not None and route.response_model is _plan.INFERRED:
            self.response_model = None  # the annotation is the stream's
        self.response: SchemaField | None = None
        if self.response_model is not None and _body_allowed(route.status_code):
            alias = "Response_" + self.unique_id
            self.response = SchemaField(annotation=self.response_model, mode="serialization", alias=alias)
        self.extra_responses: dict[Any, SchemaField] = {}
        for code, extra in route.responses.items():
            if isinstance(extra, dict) and extra.get("model") is not None:
                alias = f"Response_{code}_{self.unique_id}"
                self.extra_responses[code] = SchemaField(annotation=extra["model"], mode="serialization", alias=alias)
        self.callbacks = [_Route(cb, []) for cb in (route.callbacks or []) if hasattr(cb, "endpoint")]
        self.validates = self.body is not None or any(
            p["source"] in ("path", "query", "header", "cookie") for p in builder.params
        )

    def _body_field(self, body: list[tuple[str, str, SchemaField, bool, Param | None]]) -> Any:
        """FastAPI's rule: one unembedded body is the body itself; several (or
        any form field that is not a model) become the model ``Body_<operation id>``."""
        if not body:
            return None
        name, alias, field, required, marker = body[0]
        embed = len(body) > 1 or bool(getattr(marker, "embed", False))
        if isinstance(marker, Form) and not _plan.is_model(_plan.split_optional(field.annotation)[0]):
            embed = True
        if alias == "body":  # a form model
            embed = len(body) > 1
        media = self._media(body)
        if any(b[1] == "body" for b in body) and (embed or _nullable(field.annotation)):
            form = self._form_body(body)
            if embed:
                return form, any(b[3] for b in body), media, None
            # One optional form model: the body keeps the parameter's own title and description.
            form.title, form.description = field.title, field.description
            return form, required, media, marker
        if not embed:
            return field, required, media, marker
        fields: dict[str, Any] = {}
        for name, alias, f, req, _marker in body:
            kwargs: dict[str, Any] = dict(f.constraints)
            if alias != name:
                kwargs["alias"] = alias
            for key in ("title", "description", "examples", "deprecated"):
                if getattr(f, key) is not None:
                    kwargs[key] = getattr(f, key)
            if f.extra:
                kwargs["json_schema_extra"] = f.extra
            fields[name] = (_for_schema(f.annotation), Field(... if req else f.default, **kwargs))
        model_name = "Body_" + self.unique_id
        model = create_model(model_name, **fields)
        return SchemaField(annotation=model, mode="validation", alias="body"), any(b[3] for b in body), media, None

    def _form_body(self, body: list[tuple[str, str, SchemaField, bool, Param | None]]) -> SchemaField:
        """A form with models in it (FastAPI's form body): ``Body_<id>`` whose
        plain fields are properties and whose models are ``allOf`` conditions,
        an optional model being either absent (none of its keys sent) or whole."""
        fields: dict[str, Any] = {}
        for index, (name, alias, f, req, _marker) in enumerate(body):
            kwargs: dict[str, Any] = {"title": f.title or name.replace("_", " ").title()}
            if alias != "body":
                annotation = _for_schema(f.annotation)
                kwargs.update(f.constraints)
                for key in ("description", "examples", "deprecated"):
                    if getattr(f, key) is not None:
                        kwargs[key] = getattr(f, key)
            else:
                annotation = _form_model_annotation(f.annotation)
                if get_origin(annotation) is Annotated and f.title is None:
                    # A model that is not optional keeps its own title (or
                    # bare ``$ref``) unless the marker names one, as in FastAPI.
                    del kwargs["title"]
            fields[f"field_{index}"] = (annotation, Field(... if req else f.default, **kwargs))
        config = {"json_schema_extra": functools.partial(_form_body_schema, body)}
        model = create_model("Body_" + self.unique_id, __config__=config, **fields)
        return SchemaField(annotation=model, mode="validation", alias="body")

    @staticmethod
    def _media(body: list[tuple[str, str, SchemaField, bool, Param | None]]) -> str:
        markers = [b[4] for b in body]
        if any(isinstance(m, File) for m in markers):
            return "multipart/form-data"
        forms = [m.media_type for m in markers if isinstance(m, Form)]
        if forms:
            if "multipart/form-data" in forms:
                return "multipart/form-data"
            return forms[0] if len(set(forms)) == 1 else "application/x-www-form-urlencoded"
        types = {m.media_type for m in markers if isinstance(m, Body)}
        return types.pop() if len(types) == 1 else "application/json"

    def fields(self) -> Iterator[SchemaField]:
        for _, field, _, _, _ in self.params:
            yield field
        if self.body is not None:
            yield self.body[0]
        if self.response is not None:
            yield self.response
        if self.stream_item is not None:
            yield self.stream_item
        yield from self.extra_responses.values()
        for callback in self.callbacks:
            yield from callback.fields()


def _stream_of(route: Any, unique_id: str) -> tuple[str | None, SchemaField | None]:
    """How a handler that yields streams ("jsonl", "sse" or None: not a
    documented stream) and the schema field of the items it declares
    (`ServerSentEvent` items are the transport, not data: no schema)."""
    from ouroboros.api.responses import EventSourceResponse, ServerSentEvent

    endpoint = route.endpoint
    if "WEBSOCKET" in route.methods or not (
        inspect.isgeneratorfunction(endpoint) or inspect.isasyncgenfunction(endpoint)
    ):
        return None, None
    response_class = route.response_class
    if response_class is None:
        kind = "jsonl"
    elif isinstance(response_class, type) and issubclass(response_class, EventSourceResponse):
        kind = "sse"
    else:
        return None, None
    item = _plan.stream_item_type(route)
    if item is None or (isinstance(item, type) and issubclass(item, ServerSentEvent)):
        return kind, None
    return kind, SchemaField(annotation=item, mode="serialization", alias="StreamItem_" + unique_id)


def _body_allowed(status: int | None) -> bool:
    if status is None:
        return True
    return not (status < 200 or status in (204, 205, 304))


class _Document:
    def __init__(self, separate_input_output_schemas: bool) -> None:
        self.separate = separate_input_output_schemas
        self.mapping: dict[tuple[Any, str], dict[str, Any]] = {}
        self.definitions: dict[str, Any] = {}
        self.security_schemes: dict[str, Any] = {}
        self.operation_ids: set[str] = set()

    def generate(self, routes: Sequence[_Route]) -> None:
        inputs = []
        for r in routes:
            for field in r.fields():
                mode = field.mode if self.separate else "validation"
                bare = field.annotated()
                if isinstance(bare, type) and dataclasses.is_dataclass(bare):
                    # A dataclass as itself: the generator makes it a definition.
                    inputs.append((field, mode, bare))
                    continue
                try:
                    core = TypeAdapter(bare).core_schema
                except Exception:  # noqa: BLE001 - a type the generator cannot describe: any value
                    core = TypeAdapter(Any).core_schema
                inputs.append((field, mode, core))
        generator = GenerateJsonSchema(ref_template=REF_PREFIX + "{model}")
        mapping, definitions = generator.generate_definitions(inputs=inputs)
        self.mapping = {(key[0], key[1]): _binary(value) for key, value in mapping.items()}
        for name, schema in definitions.items():
            schema = _binary(schema)
            if isinstance(schema.get("description"), str):
                schema["description"] = schema["description"].split("\f")[0]
            self.definitions[name] = schema

    def _stream_content(self, r: _Route) -> dict[str, Any]:
        """The response content of a streaming route: its items' schema."""
        item = self.schema(r.stream_item) if r.stream_item is not None else None
        if r.stream == "jsonl":
            return {"application/jsonl": {"itemSchema": item or {}}}
        event = copy.deepcopy(SSE_EVENT_SCHEMA)
        if item is not None:
            event["required"] = ["data"]
            event["properties"]["data"] = {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": item,
            }
        return {"text/event-stream": {"itemSchema": event}}

    def schema(self, field: SchemaField, alias: str | None = None) -> dict[str, Any]:
        mode = field.mode if self.separate else "validation"
        schema = dict(self.mapping.get((field, mode), {}))
        if "$ref" in schema:
            # A reference keeps what the parameter itself declares beside it (Pydantic's rule).
            for key in ("title", "description", "examples", "deprecated"):
                value = getattr(field, key)
                if value is not None:
                    schema[key] = value
            if isinstance(field.extra, dict):
                schema.update(field.extra)
        else:
            for key in ("description", "examples", "deprecated"):
                value = getattr(field, key)
                if value is not None and key not in schema:
                    schema[key] = value
            if callable(field.extra):
                field.extra(schema)  # a function that edits the schema in place
            elif field.extra:
                schema.update(field.extra)
            if field.default is not None and "default" not in schema:
                schema["default"] = _plain(field.default)
            name = alias if alias is not None else field.alias
            schema["title"] = field.title or name.title().replace("_", " ")
        return schema

    def path(self, r: _Route) -> dict[str, Any]:
        route = r.route
        out: dict[str, Any] = {}
        for method in route.methods:
            out[method.lower()] = self.operation(r, method)
        return out

    def operation(self, r: _Route, method: str) -> dict[str, Any]:
        from ouroboros.api.responses import JSONResponse

        route = r.route
        op: dict[str, Any] = {}
        if route.tags:
            op["tags"] = list(route.tags)
        op["summary"] = route.summary or route.name.replace("_", " ").title()
        description = route.description or inspect.cleandoc(route.endpoint.__doc__ or "")
        if description:
            op["description"] = description.split("\f")[0].strip()
        op["operationId"] = route.operation_id or r.unique_id
        if op["operationId"] in self.operation_ids:
            function = getattr(route.endpoint, "__name__", "<unnamed_endpoint>")
            message = f"Duplicate Operation ID {op['operationId']} for function {function}"
            file_name = getattr(route.endpoint, "__globals__", {}).get("__file__")
            warnings.warn(f"{message} at {file_name}" if file_name else message, stacklevel=1)
        self.operation_ids.add(op["operationId"])
        if route.deprecated:
            op["deprecated"] = True
        security: dict[str, list[str]] = {}
        for scheme in r.security:
            self.security_schemes[scheme.scheme_name] = _scheme_model(scheme)
            security.setdefault(scheme.scheme_name, [])
        if security:
            op["security"] = [{name: scopes} for name, scopes in security.items()]
        parameters: dict[tuple[str, str], dict[str, Any]] = {}
        for source, field, required, marker, alias in r.params:
            param: dict[str, Any] = {"name": alias, "in": source, "required": required, "schema": self.schema(field)}
            if field.description:
                param["description"] = field.description
            openapi_examples = getattr(marker, "openapi_examples", None)
            example = getattr(marker, "example", ...)
            if openapi_examples:
                param["examples"] = openapi_examples
            elif example is not ... and example is not None and isinstance(marker, Param):
                param["example"] = example
            if field.deprecated:
                param["deprecated"] = True
            key = (source, alias)
            if key not in parameters or required:
                parameters[key] = param
        if parameters:
            op["parameters"] = list(parameters.values())
        if r.body is not None and method.upper() in METHODS_WITH_BODY:
            field, required, media, marker = r.body
            content: dict[str, Any] = {"schema": self.schema(field)}
            openapi_examples = getattr(marker, "openapi_examples", None)
            example = getattr(marker, "example", ...)
            if openapi_examples:
                content["examples"] = openapi_examples
            elif example is not ...:
                content["example"] = example
            request_body: dict[str, Any] = {}
            if required:
                request_body["required"] = True
            request_body["content"] = {media: content}
            op["requestBody"] = request_body
        if r.callbacks:
            op["callbacks"] = {cb.route.name: {cb.route.path: self.path(cb)} for cb in r.callbacks}
        response_class = route.response_class or JSONResponse
        media_type = getattr(response_class, "media_type", None)
        status = str(route.status_code) if route.status_code is not None else _default_status(response_class)
        responses: dict[str, Any] = {status: {"description": route.response_description}}
        if _body_allowed(route.status_code) and r.stream is not None:
            responses[status]["content"] = self._stream_content(r)
        elif _body_allowed(route.status_code) and media_type:
            schema: dict[str, Any] = {"type": "string"}
            if isinstance(response_class, type) and issubclass(response_class, JSONResponse):
                schema = self.schema(r.response) if r.response is not None else {}
            responses[status]["content"] = {media_type: {"schema": schema}}
        for code, extra in route.responses.items():
            extra = copy.deepcopy(extra) if isinstance(extra, dict) else {}
            extra.pop("model", None)
            key = str(code).upper()
            if key == "DEFAULT":
                key = "default"
            current = responses.setdefault(key, {})
            field = r.extra_responses.get(code)
            if field is not None:
                target = extra.setdefault("content", {}).setdefault(media_type or "application/json", {})
                _deep_update(target.setdefault("schema", {}), self.schema(field))
            status_text = STATUS_RANGES.get(str(code).upper())
            if status_text is None:
                try:
                    status_text = http.client.responses.get(int(code))
                except (TypeError, ValueError):
                    status_text = None
            description = extra.get("description") or current.get("description") or status_text or "Additional Response"
            _deep_update(current, extra)
            current["description"] = description
        if r.validates and not any(s in responses for s in ("422", "4XX", "default")):
            responses["422"] = {
                "description": "Validation Error",
                "content": {"application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}},
            }
            self.definitions.setdefault("ValidationError", VALIDATION_ERROR)
            self.definitions.setdefault("HTTPValidationError", HTTP_VALIDATION_ERROR)
        op["responses"] = responses
        if getattr(route, "openapi_extra", None):
            _deep_update(op, route.openapi_extra)
        return op


def _default_status(response_class: Any) -> str:
    try:
        default = inspect.signature(response_class.__init__).parameters.get("status_code")
    except (TypeError, ValueError):
        default = None
    if default is not None and isinstance(default.default, int):
        return str(default.default)
    return "200"


def _scheme_model(scheme: Any) -> Any:
    model = scheme.model
    dump = getattr(model, "model_dump", None)
    if callable(dump):
        return dump(by_alias=True, exclude_none=True)
    return model


def _deep_update(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list):
            target[key] = target[key] + value
        else:
            target[key] = value


def build_openapi(app: App) -> dict[str, Any]:
    """Build the document from every route (and webhook) with ``include_in_schema``."""
    app_deps = getattr(app, "app_dependencies", [])
    from ouroboros.api.routing import flatten_routes

    routes = [_Route(route, app_deps) for route in flatten_routes(app.routes) if route.include_in_schema]
    webhooks_router = getattr(app, "webhooks", None)
    hooks = [
        _Route(route, []) for route in flatten_routes(getattr(webhooks_router, "routes", [])) if route.include_in_schema
    ]
    doc = _Document(getattr(app, "separate_input_output_schemas", True))
    doc.generate([*routes, *hooks])
    paths: dict[str, Any] = {}
    for r in routes:
        paths.setdefault(r.route.path.replace(":path}", "}"), {}).update(doc.path(r))
    webhook_paths: dict[str, Any] = {}
    for r in hooks:
        webhook_paths.setdefault(r.route.path.replace(":path}", "}"), {}).update(doc.path(r))
    info: dict[str, Any] = {"title": app.title}
    for key, value in (
        ("summary", app.summary),
        ("description", app.description),
        ("termsOfService", app.terms_of_service),
        ("contact", app.contact),
        ("license", app.license_info),
    ):
        if value:
            info[key] = value
    info["version"] = app.version
    out: dict[str, Any] = {"openapi": "3.1.0", "info": info}
    if app.servers:
        out["servers"] = app.servers
    components: dict[str, Any] = {}
    if doc.definitions:
        components["schemas"] = {k: doc.definitions[k] for k in sorted(doc.definitions)}
    if doc.security_schemes:
        components["securitySchemes"] = doc.security_schemes
    if components:
        out["components"] = components
    out["paths"] = paths
    if webhook_paths:
        out["webhooks"] = webhook_paths
    if app.openapi_tags:
        out["tags"] = app.openapi_tags
    if app.openapi_external_docs:
        out["externalDocs"] = app.openapi_external_docs
    return _drop_none(out)


def _drop_none(node: Any) -> Any:
    """FastAPI writes the document with ``exclude_none``: no key has the value None."""
    if isinstance(node, dict):
        return {k: _drop_none(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_drop_none(v) for v in node]
    return node


def _plain(value: Any) -> Any:
    from ouroboros.api.encoders import jsonable_encoder

    try:
        return jsonable_encoder(value)
    except (TypeError, ValueError):
        return None
