"""``TypeAdapter``: validate and serialize bare types (``list[int]``, unions...)."""

from __future__ import annotations

import json
import sys
from typing import Any, Generic, TypeVar

from ouroboros.validation._describe import DescribeContext, is_model_class
from ouroboros.validation._validation import SchemaValidator

__all__ = ["TypeAdapter"]

T = TypeVar("T")


class TypeAdapter(Generic[T]):
    """Validation and serialization of any supported type, as Pydantic's.

    ``TypeAdapter(list[int]).validate_python(["1", 2])`` -> ``[1, 2]``.
    """

    def __init__(self, type_: Any, *, config: dict[str, Any] | None = None) -> None:
        self.type = type_
        config = config or {}
        frame = sys._getframe(1)
        ctx = DescribeContext(
            frame.f_globals,
            frame.f_locals,
            strict=config.get("strict"),
            str_strip_whitespace=config.get("str_strip_whitespace", False),
        )
        if is_model_class(type_):
            self._schema: dict[str, Any] = {"type": "model", "cls": type_}
            self._validator = type_.__ouroboros_validator__
        else:
            from ouroboros.validation._internal._generate_schema import GenerateSchema

            self._schema = GenerateSchema(ctx).generate_schema(type_)
            title = getattr(type_, "__name__", None) or str(type_)
            self._validator = SchemaValidator(
                {**self._schema, "title": title} if "title" not in self._schema else self._schema
            )

    def validate_python(
        self,
        obj: Any,
        /,
        *,
        strict: bool | None = None,
        from_attributes: bool | None = None,
        context: Any = None,
        experimental_allow_partial: Any = False,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> T:
        """Validate a Python object."""
        return self._validator.validate_python(obj, strict=strict, context=context)

    def validate_json(self, data: str | bytes | bytearray, /, *, strict: bool | None = None, context: Any = None) -> T:
        """Parse JSON in Rust and validate it."""
        return self._validator.validate_json(data, strict=strict, context=context)

    def validate_strings(self, obj: Any, /, *, strict: bool | None = None, context: Any = None) -> T:
        """Validate string leaves (as parsed from a query string)."""
        return self._validator.validate_python(obj, strict=strict)

    def dump_python(
        self,
        instance: T,
        /,
        *,
        mode: str = "python",
        include: Any = None,
        exclude: Any = None,
        by_alias: bool = False,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
        fallback: Any = None,
        serialize_as_any: bool = False,
        context: Any = None,
        exclude_computed_fields: bool = False,
    ) -> Any:
        """Serialize to Python data (``mode="json"``: JSON types only).

        ``round_trip``, ``warnings``, ``serialize_as_any`` and ``context`` are accepted for
        Pydantic compatibility and do not change the output; ``fallback`` (JSON mode) turns
        values of types the serializer does not know into JSON data."""
        if fallback is not None and mode == "json":
            return json.loads(self.dump_json(instance, fallback=fallback, include=include, exclude=exclude))
        return self._validator.to_python(
            instance,
            mode=mode,
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )

    def dump_json(
        self,
        instance: T,
        /,
        *,
        indent: int | None = None,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool = False,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
        fallback: Any = None,
        serialize_as_any: bool = False,
        context: Any = None,
        exclude_computed_fields: bool = False,
    ) -> bytes:
        """Serialize to JSON bytes (as Pydantic's ``dump_json``)."""
        if fallback is not None:
            plain = self.dump_python(instance, include=include, exclude=exclude, by_alias=by_alias)
            separators = (",", ":") if indent is None else None
            return json.dumps(
                plain, default=fallback, indent=indent, separators=separators, ensure_ascii=False
            ).encode()
        out = self._validator.to_json(
            instance,
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            as_str=False,
        )
        if indent is not None:
            return json.dumps(json.loads(out), indent=indent, ensure_ascii=False).encode()
        return out

    def json_schema(
        self,
        *,
        by_alias: bool = True,
        ref_template: str = "#/$defs/{model}",
        schema_generator: Any = None,
        mode: str = "validation",
    ) -> dict[str, Any]:
        """JSON Schema (draft 2020-12) of the type."""
        from ouroboros.validation.json_schema import GenerateJsonSchema

        generator = (schema_generator or GenerateJsonSchema)(by_alias=by_alias, ref_template=ref_template)
        return generator.generate(self.type if is_model_class(self.type) else self._schema, mode=mode)

    @property
    def validator(self) -> Any:
        """The compiled validator (``validate_python``/``validate_json``)."""
        return self._validator

    @property
    def serializer(self) -> _Serializer:
        """The serializer: ``to_python(value, mode=...)`` and ``to_json(value) -> bytes``."""
        return _Serializer(self)

    @property
    def core_schema(self) -> dict[str, Any]:
        """The type schema this adapter validates with (ouroboros description format)."""
        return self._schema


class _Serializer:
    """``TypeAdapter.serializer``: pydantic-core's ``SchemaSerializer`` methods over the adapter."""

    __slots__ = ("_adapter",)

    def __init__(self, adapter: TypeAdapter[Any]) -> None:
        self._adapter = adapter

    def to_python(self, value: Any, *, mode: str = "python", **kwargs: Any) -> Any:
        return self._adapter.dump_python(value, mode=mode, **kwargs)

    def to_json(self, value: Any, *, indent: int | None = None, **kwargs: Any) -> bytes:
        return self._adapter.dump_json(value, indent=indent, **kwargs)
