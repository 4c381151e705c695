"""OpenAPI 3.1 document generation from the app's routes."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import typing
import uuid
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

from ouroboros.api import _plan

if TYPE_CHECKING:
    from ouroboros.api.app import App

_SIMPLE: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    bytes: {"type": "string", "format": "binary"},
    uuid.UUID: {"type": "string", "format": "uuid"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
}

VALIDATION_ERROR = {
    "title": "ValidationError",
    "type": "object",
    "required": ["loc", "msg", "type"],
    "properties": {
        "loc": {"title": "Location", "type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
    },
}
HTTP_VALIDATION_ERROR = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {"title": "Detail", "type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}
    },
}


def _move_refs(node: Any) -> Any:
    """Point a model schema's ``#/$defs/X`` references at ``components/schemas``."""
    if isinstance(node, dict):
        return {
            k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" and isinstance(v, str) else _move_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_move_refs(v) for v in node]
    return node


class SchemaBuilder:
    """JSON Schemas for annotations; models go to ``components/schemas``."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}
        self.security_schemes: dict[str, Any] = {}

    def schema(self, tp: Any) -> dict[str, Any]:
        tp, _ = _plan.split_annotated(tp)
        inner, optional = _plan.split_optional(tp)
        if optional:
            return {"anyOf": [self.schema(inner), {"type": "null"}]}
        if inner in _SIMPLE:
            return dict(_SIMPLE[inner])
        origin = get_origin(inner)
        if origin in (list, set, tuple, frozenset):
            args = get_args(inner)
            return {"type": "array", "items": self.schema(args[0]) if args else {}}
        if origin is dict or inner is dict:
            args = get_args(inner)
            return {"type": "object", "additionalProperties": self.schema(args[1]) if len(args) == 2 else True}
        if origin is Literal:
            return {"enum": list(get_args(inner))}
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            self.components.setdefault(inner.__name__, {"title": inner.__name__, "enum": [m.value for m in inner]})
            return {"$ref": f"#/components/schemas/{inner.__name__}"}
        if isinstance(inner, type):
            own = getattr(inner, "model_json_schema", None)
            if callable(own):
                schema = _move_refs(dict(own()))
                for name, sub in schema.pop("$defs", {}).items():
                    self.components.setdefault(name, sub)
                self.components.setdefault(inner.__name__, schema)
                return {"$ref": f"#/components/schemas/{inner.__name__}"}
            if dataclasses.is_dataclass(inner):
                hints = typing.get_type_hints(inner)
                props = {f.name: self.schema(hints.get(f.name, Any)) for f in dataclasses.fields(inner)}
                required = [
                    f.name
                    for f in dataclasses.fields(inner)
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                ]
                self.components.setdefault(
                    inner.__name__,
                    {"title": inner.__name__, "type": "object", "properties": props, "required": required},
                )
                return {"$ref": f"#/components/schemas/{inner.__name__}"}
        return {}


def _operation(app: App, route: Any, method: str, sb: SchemaBuilder) -> dict[str, Any]:
    builder = _plan.PlanBuilder(route.path_names)
    builder.dependant(route.endpoint)
    for d in [*app.app_dependencies, *route.dependencies]:
        if d.dependency:
            builder.dependant(d.dependency)
    builder.finish()
    if builder.security:
        for scheme in builder.security:
            sb.security_schemes[scheme.scheme_name] = scheme.model
    op: dict[str, Any] = {
        "summary": route.summary or route.name.replace("_", " ").title(),
        "operationId": route.operation_id or route.generate_unique_id_function(route),
    }
    if route.tags:
        op["tags"] = route.tags
    if route.description or route.endpoint.__doc__:
        op["description"] = route.description or (route.endpoint.__doc__ or "").strip()
    if route.deprecated:
        op["deprecated"] = True
    parameters, body_props, body_required, whole_body = [], {}, [], None
    for p in builder.params:
        marker = p.get("marker")
        if marker is not None and not marker.include_in_schema:
            continue
        schema = sb.schema(p["annotation"])
        if p["source"] in ("path", "query", "header", "cookie"):
            param = {
                "name": p["alias"],
                "in": p["source"],
                "required": p["required"] or p["source"] == "path",
                "schema": schema,
            }
            if marker is not None and marker.description:
                param["description"] = marker.description
            parameters.append(param)
        elif p["source"] == "body":
            whole_body = (schema, p["required"])
        elif p["source"] == "file":
            binary = {"type": "string", "format": "binary"}
            body_props[p["alias"]] = {"type": "array", "items": binary} if p["list"] else binary
            if p["required"]:
                body_required.append(p["alias"])
        elif p["source"] in ("body_field", "form"):
            body_props[p["alias"]] = schema
            if p["required"]:
                body_required.append(p["alias"])
    if parameters:
        op["parameters"] = parameters
    if builder.security:
        op["security"] = [{s.scheme_name: []} for s in builder.security]
    if whole_body is not None:
        op["requestBody"] = {"content": {"application/json": {"schema": whole_body[0]}}, "required": whole_body[1]}
    elif body_props:
        sources = {p["source"] for p in builder.params}
        media = (
            "multipart/form-data"
            if "file" in sources
            else "application/x-www-form-urlencoded"
            if "form" in sources
            else "application/json"
        )
        op["requestBody"] = {
            "content": {media: {"schema": {"type": "object", "properties": body_props, "required": body_required}}},
            "required": bool(body_required),
        }
    status = str(route.status_code or 200)
    model = _plan.response_model_of(route)
    response: dict[str, Any] = {"description": route.response_description}
    if model is not None:
        response["content"] = {"application/json": {"schema": sb.schema(model)}}
    else:
        response["content"] = {"application/json": {"schema": {}}}
    responses: dict[str, Any] = {status: response}
    if builder.params:
        responses["422"] = {
            "description": "Validation Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}},
        }
    for code, extra in route.responses.items():
        responses[str(code)] = {
            "description": extra.get("description", "Additional Response"),
            **{k: v for k, v in extra.items() if k != "model"},
        }
        if "model" in extra:
            responses[str(code)]["content"] = {"application/json": {"schema": sb.schema(extra["model"])}}
    op["responses"] = responses
    return op


def build_openapi(app: App) -> dict[str, Any]:
    """Build the document from every route with ``include_in_schema``."""
    sb = SchemaBuilder()
    paths: dict[str, Any] = {}
    for route in app.routes:
        if not route.include_in_schema:
            continue
        item = paths.setdefault(route.path.replace(":path}", "}"), {})
        for method in route.methods:
            item[method.lower()] = _operation(app, route, method, sb)
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
    schemas = dict(sb.components)
    if any("422" in op.get("responses", {}) for item in paths.values() for op in item.values()):
        schemas["ValidationError"] = VALIDATION_ERROR
        schemas["HTTPValidationError"] = HTTP_VALIDATION_ERROR
    doc: dict[str, Any] = {"openapi": "3.1.0", "info": info}
    if app.servers:
        doc["servers"] = app.servers
    doc["paths"] = paths
    components: dict[str, Any] = {}
    if schemas:
        components["schemas"] = schemas
    if sb.security_schemes:
        components["securitySchemes"] = sb.security_schemes
    if components:
        doc["components"] = components
    if app.openapi_tags:
        doc["tags"] = app.openapi_tags
    if app.openapi_external_docs:
        doc["externalDocs"] = app.openapi_external_docs
    return doc
