"""JSON Schema generation (``pydantic.json_schema``)."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from ouroboros.validation import _json_schema
from ouroboros.validation._describe import is_model_class

__all__ = [
    "DEFAULT_REF_TEMPLATE",
    "Examples",
    "GenerateJsonSchema",
    "JsonSchemaMode",
    "JsonSchemaValue",
    "NoDefault",
    "PydanticJsonSchemaWarning",
    "SkipJsonSchema",
    "WithJsonSchema",
    "model_json_schema",
    "models_json_schema",
]

DEFAULT_REF_TEMPLATE = "#/$defs/{model}"
JsonSchemaValue = dict[str, Any]
JsonSchemaMode = Literal["validation", "serialization"]


class PydanticJsonSchemaWarning(UserWarning):
    """Something in a schema could not be represented exactly in JSON Schema."""


class _NoDefault:
    def __repr__(self) -> str:
        return "NoDefault"


NoDefault = _NoDefault()


class GenerateJsonSchema:
    """Generates JSON Schema (draft 2020-12) for a model class or a type schema.

    Subclass it and pass ``schema_generator=`` to ``model_json_schema`` to
    post-process what ``generate`` returns.
    """

    schema_dialect = "https://json-schema.org/draft/2020-12/schema"
    # Warning kinds not emitted (Pydantic's default: a union member without a schema is skipped silently).
    ignored_warning_kinds: set[str] = {"skipped-choice"}  # noqa: RUF012 - Pydantic's class attribute

    def __init__(
        self,
        by_alias: bool = True,
        ref_template: str = DEFAULT_REF_TEMPLATE,
        union_format: Literal["any_of", "primitive_type_array"] = "any_of",
        **_: Any,
    ) -> None:
        self.by_alias = by_alias
        self.ref_template = ref_template
        self.union_format = union_format

    def generate(self, schema: Any, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        """The JSON Schema of a model class, or of a (core or ouroboros) type schema."""
        gen = self._generator(mode)
        return self.sort(gen.document(*_json_schema.root_schema(gen, _description(schema))))

    def sort(self, value: JsonSchemaValue, parent_key: str | None = None) -> JsonSchemaValue:
        """The schema with its keys in alphabetical order at every level, except the
        fields under ``properties`` and the data under ``default`` (Pydantic's order).
        Override it to keep the generated order or to order keys another way."""
        return self._sort_recursive(value, parent_key)

    def _sort_recursive(self, value: Any, parent_key: str | None = None) -> Any:
        if isinstance(value, dict):
            keys = list(value) if parent_key in ("properties", "default") else sorted(value)
            return {key: self._sort_recursive(value[key], key) for key in keys}
        if isinstance(value, list):
            return [self._sort_recursive(item, parent_key) for item in value]
        return value

    def _generator(self, mode: JsonSchemaMode) -> Any:
        return _json_schema._Generator(self.by_alias, self.ref_template, mode, self)

    def generate_definitions(
        self, inputs: Any
    ) -> tuple[dict[tuple[Any, JsonSchemaMode], JsonSchemaValue], dict[str, JsonSchemaValue]]:
        """Schemas of several ``(key, mode, schema)`` inputs sharing one set of definitions:
        a model is a ``$ref``; a definition whose validation and serialization forms differ
        is written twice, as ``Name-Input`` and ``Name-Output`` (Pydantic's names)."""
        import json

        by_mode: dict[str, list[tuple[Any, Any]]] = {}
        for key, mode, schema in inputs:
            by_mode.setdefault(mode, []).append((key, schema))
        outputs: list[tuple[Any, str, JsonSchemaValue, dict[str, Any]]] = []
        forms: dict[str, dict[str, str]] = {}
        for mode, entries in by_mode.items():
            gen = self._generator(mode)
            outs = []
            for key, schema in entries:
                body, root = _json_schema.root_schema(gen, _description(schema))
                if root is not None:
                    name = gen.names[root]
                    gen.defs[name] = body
                    body = gen.ref(name)
                outs.append((key, body))
            finished = gen.finish({"outs": [out for _, out in outs], "defs": gen.defs})
            for name, body in finished["defs"].items():
                forms.setdefault(name, {})[mode] = json.dumps(body, sort_keys=True, default=repr)
            outputs.extend(
                (key, mode, out, finished["defs"]) for (key, _), out in zip(outs, finished["outs"], strict=True)
            )
        clashing = {name for name, by in forms.items() if len(set(by.values())) > 1}
        results: dict[tuple[Any, JsonSchemaMode], JsonSchemaValue] = {}
        definitions: dict[str, JsonSchemaValue] = {}
        for key, mode, out, defs in outputs:
            suffix = "-Input" if mode == "validation" else "-Output"
            text = json.dumps([out, defs], default=repr)
            for name in clashing:
                old = json.dumps(self.ref_template.format(model=name))
                text = text.replace(old, json.dumps(self.ref_template.format(model=name + suffix)))
            out, defs = json.loads(text)
            for name, body in defs.items():
                definitions[name + suffix if name in clashing else name] = body
            results[(key, mode)] = out
        return results, self.sort(definitions)

    def get_decimal_pattern(self, schema: Any) -> str | None:
        """The ``pattern`` of a Decimal's string form in JSON Schema; None (no pattern) by default.

        Override it (``return self.build_decimal_pattern(schema)``) to publish one.
        """
        return None

    @property
    def mode(self) -> JsonSchemaMode:
        """The mode of the schema being generated (``validation`` or ``serialization``)."""
        return getattr(self, "_mode", "validation")

    def build_decimal_pattern(self, schema: Any) -> str:
        """A regular expression matching the decimal strings that ``max_digits`` and
        ``decimal_places`` accept (leading zeros of the whole part and trailing zeros
        of the fraction do not count); in serialization mode, exactly the ``str(Decimal)``
        texts of the accepted values."""
        max_digits = schema.get("max_digits")
        places = schema.get("decimal_places")
        if self.mode == "serialization":
            return _serialized_decimal_pattern(max_digits, places, bool(schema.get("allow_inf_nan")))
        if max_digits is None:
            fraction = r"\d*" if places is None else rf"\d{{0,{places}}}0*"
            counted = rf"\d*(?:\.{fraction})?"
        elif places is not None:
            whole = max(max_digits - places, 0)
            int_part = rf"(?:[1-9]\d{{0,{whole - 1}}})?" if whole else ""
            counted = rf"{int_part}(?:\.\d{{0,{min(places, max_digits)}}}0*)?"
        else:
            # Only max_digits: whole digits plus fraction digits (without trailing zeros) <= max_digits.
            options = [rf"(?:\.\d{{0,{max_digits}}}0*)?"]
            options += [rf"[1-9]\d{{{i - 1}}}(?:\.\d{{0,{max_digits - i}}}0*)?" for i in range(1, max_digits + 1)]
            counted = f"(?:{'|'.join(options)})"
        # Exponent notation (1.5E-7) is accepted as is: its digits cannot be counted by a pattern.
        exponent = r"(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+"
        special = r"|(?i:inf(?:inity)?|s?nan\d*)" if schema.get("allow_inf_nan") else ""
        return rf"^(?!^[-+.]*$)[+-]?(?:{exponent}|0*{counted}{special})$"


def model_json_schema(
    cls: Any,
    by_alias: bool = True,
    ref_template: str = DEFAULT_REF_TEMPLATE,
    schema_generator: type[GenerateJsonSchema] = GenerateJsonSchema,
    mode: JsonSchemaMode = "validation",
    *,
    union_format: Literal["any_of", "primitive_type_array"] = "any_of",
    **_: Any,
) -> JsonSchemaValue:
    """The JSON Schema of a model class (or Pydantic-style dataclass)."""
    generator = schema_generator(by_alias=by_alias, ref_template=ref_template, union_format=union_format)
    return generator.generate(cls, mode=mode)


def models_json_schema(
    models: Any,
    *,
    by_alias: bool = True,
    title: str | None = None,
    description: str | None = None,
    ref_template: str = DEFAULT_REF_TEMPLATE,
    schema_generator: type[GenerateJsonSchema] = GenerateJsonSchema,
    union_format: Literal["any_of", "primitive_type_array"] = "any_of",
) -> tuple[dict[Any, JsonSchemaValue], JsonSchemaValue]:
    """Schemas of several ``(model, mode)`` pairs sharing one ``$defs``."""
    generator = schema_generator(by_alias=by_alias, ref_template=ref_template, union_format=union_format)
    keys, definitions = generator.generate_definitions([((cls, mode), mode, cls) for cls, mode in models])
    out: JsonSchemaValue = {}
    if definitions:
        out["$defs"] = definitions
    if title:
        out["title"] = title
    if description:
        out["description"] = description
    return {key: value for (key, _), value in keys.items()}, out


def _description(schema: Any) -> dict[str, Any]:
    """What ``generate`` is given (a model or dataclass class, a core schema, a description)
    as an ouroboros description."""
    if is_model_class(schema):
        return {"type": "model", "cls": schema}
    if isinstance(schema, type) and dataclasses.is_dataclass(schema):
        from ouroboros.validation._describe import DescribeContext, describe_type

        return {"type": "model", "cls": describe_type(schema, DescribeContext())["dataclass_model"]()}
    if isinstance(schema, dict) and schema.get("type") == "model" and is_model_class(schema.get("cls")):
        return {"type": "model", "cls": schema["cls"]}
    from ouroboros.validation.core._translate import to_description

    return to_description(schema)


@dataclasses.dataclass(frozen=True)
class WithJsonSchema:
    """``Annotated[T, WithJsonSchema({...})]``: use this JSON Schema for the type."""

    json_schema: JsonSchemaValue | None
    mode: JsonSchemaMode | None = None

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> JsonSchemaValue:
        if self.json_schema is None:
            # No schema: the field (or member) is left out, as Pydantic.
            from ouroboros.validation.core import PydanticOmit

            raise PydanticOmit
        return dict(self.json_schema)


@dataclasses.dataclass(frozen=True)
class Examples:
    """``Annotated[T, Examples([...])]``: examples added to the type's JSON Schema."""

    examples: list[Any] | dict[str, Any]
    mode: JsonSchemaMode | None = None

    def __post_init__(self) -> None:
        if isinstance(self.examples, dict):
            import warnings

            from ouroboros.validation.warnings import PydanticDeprecatedSince29

            warnings.warn(
                PydanticDeprecatedSince29("Using a dict for `examples` is deprecated, use a list instead."),
                stacklevel=3,
            )

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> JsonSchemaValue:
        js = handler(core_schema)
        js["examples"] = list(self.examples) if not isinstance(self.examples, dict) else self.examples
        return js


@dataclasses.dataclass(frozen=True)
class SkipJsonSchema:
    """``SkipJsonSchema[T]``: leave this union member out of the JSON Schema."""

    def __class_getitem__(cls, item: Any) -> Any:
        from typing import Annotated

        return Annotated[item, cls()]

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> JsonSchemaValue:
        from ouroboros.validation.core import PydanticOmit

        raise PydanticOmit


def _fraction(most: int | None) -> str:
    """An optional ``.digits`` part with at most ``most`` digits up to its last nonzero one
    (trailing zeros are free: a Decimal keeps them, they are not counted)."""
    if most is None:
        return r"(?:\.\d+)?"
    if most <= 0:
        return r"(?:\.0+)?"
    return rf"(?:\.(?:\d{{0,{most - 1}}}[1-9])?0*(?<!\.))?"


def _coefficient(most: int | None) -> str:
    """A scientific coefficient ``d.ddd`` with at most ``most`` significant digits."""
    if most is None:
        return r"[1-9](?:\.\d+)?"
    if most <= 1:
        return r"[1-9](?:\.0+)?"
    return rf"[1-9](?:\.(?:\d{{0,{most - 2}}}[1-9])?0*(?<!\.))?"


def _serialized_decimal_pattern(max_digits: int | None, places: int | None, inf_nan: bool) -> str:
    """The ``str(Decimal)`` texts (plain, or scientific outside 1e-6..) of the values that
    ``max_digits``/``decimal_places`` accept, digits counted as validation counts them."""
    inf = float("inf")
    d = inf if max_digits is None else max_digits
    p = inf if places is None else places
    whole_cap = d - p if max_digits is not None and places is not None else inf
    alts: list[str] = []
    # Plain, a nonzero whole part of w digits.
    if max_digits is None:
        alts.append(r"[1-9]\d*" + _fraction(None if places is None else places))
    else:
        for w in range(1, int(min(d, whole_cap)) + 1):
            most = min(d - w, p)
            alts.append(rf"[1-9]\d{{{w - 1}}}" + _fraction(int(most)))
    # Plain, a zero whole part.
    zero_fraction = min(d, p)
    # Zero is written "0" or "0E+n" whatever the limits (as Pydantic's pattern has it).
    alts.append("0")
    alts.append(r"0\.0+")
    if zero_fraction >= 1:
        alts.append(r"0\.\d*[1-9]0*" if zero_fraction == inf else rf"0\.\d{{0,{int(zero_fraction) - 1}}}[1-9]0*")
    # Scientific zero.
    alts.append(r"0E[+-][1-9]\d*")
    # Scientific, nonzero.
    if max_digits is None and places is None:
        alts.append(r"[1-9](?:\.\d+)?E[+-][1-9]\d*")
    else:
        limit = int(d) if max_digits is not None else 30
        for n in range(1, limit + 1):
            # E+n: n+1 digits when the coefficient has at most n+1; more leave decimals.
            if n + 1 <= d and n + 1 <= whole_cap:
                most = min(d, n + 1 + p)
                alts.append(_coefficient(None if most == inf else int(most)) + rf"E\+{n}")
            # E-n: n + s - 1 digits, all decimals.
            most = min(d - n + 1, p - n + 1)
            if most >= 1:
                alts.append(_coefficient(None if most == inf else int(most)) + rf"E-{n}")
        if max_digits is None:
            # Only decimal_places: exponents above 30 are not told apart by the coefficient.
            alts.append(r"[1-9](?:\.\d+)?E\+(?:3[1-9]|[4-9]\d|[1-9]\d{2,})")
    body = "|".join(alts)
    special = r"|Infinity|s?NaN\d*" if inf_nan else ""
    return rf"^-?(?:{body}{special})$"
