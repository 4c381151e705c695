"""``model_config``: the settings of a model, as Pydantic's ``ConfigDict``."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

__all__ = ["ConfigDict", "merge_config"]


class ConfigDict(TypedDict, total=False):
    """Model settings. Supported keys: ``extra`` (``"ignore"``, ``"forbid"``,
    ``"allow"``), ``frozen``, ``strict``, ``populate_by_name``,
    ``str_strip_whitespace``, ``validate_assignment``, ``from_attributes``,
    ``arbitrary_types_allowed``, ``title``, ``json_schema_extra``,
    ``use_enum_values``, ``alias_generator``, ``validate_default``.
    ``revalidate_instances`` is accepted and not applied yet."""

    extra: Literal["ignore", "forbid", "allow"]
    frozen: bool
    strict: bool
    populate_by_name: bool
    validate_by_name: bool
    str_strip_whitespace: bool
    validate_assignment: bool
    from_attributes: bool
    arbitrary_types_allowed: bool
    title: str
    json_schema_extra: Any
    use_enum_values: bool
    validate_default: bool
    revalidate_instances: str
    protected_namespaces: tuple[str, ...]
    ser_json_timedelta: str
    alias_generator: Any
    # Only when the validator is built changes; ouroboros builds it once per class either way.
    defer_build: bool
    # Pydantic's other keys: accepted (a ported model keeps working); see docs/validation.md
    # for which of them change behaviour here.
    allow_inf_nan: bool
    cache_strings: Any
    coerce_numbers_to_str: bool
    field_title_generator: Any
    hide_input_in_errors: bool
    ignored_types: tuple[type, ...]
    json_encoders: dict[Any, Any]
    json_schema_mode_override: Any
    json_schema_serialization_defaults_required: bool
    loc_by_alias: bool
    model_title_generator: Any
    plugin_settings: dict[str, Any]
    polymorphic_serialization: bool
    regex_engine: str
    schema_generator: Any
    ser_json_bytes: str
    ser_json_inf_nan: str
    ser_json_temporal: str
    serialize_by_alias: bool
    str_max_length: int
    str_min_length: int
    str_to_lower: bool
    str_to_upper: bool
    url_preserve_empty_path: bool
    use_attribute_docstrings: bool
    val_json_bytes: str
    val_temporal_unit: str
    validate_by_alias: bool
    validate_return: bool
    validation_error_cause: bool


def merge_config(parents: list[dict[str, Any]], own: dict[str, Any] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Parents' configs, then the class's ``model_config``, then class keywords."""
    merged: dict[str, Any] = {}
    for parent in parents:
        merged.update(parent)
    merged.update(own or {})
    merged.update(kwargs)
    # Keys Pydantic does not know either are kept and ignored, as Pydantic does.
    if merged.get("extra", "ignore") not in (None, "ignore", "forbid", "allow"):
        from ouroboros.validation.core import SchemaError

        raise SchemaError(f"Invalid extra_behavior: `{merged['extra']}`")
    if merged.get("validate_by_alias") is False and merged.get("validate_by_name") is False:
        from ouroboros.validation.errors import PydanticUserError

        raise PydanticUserError(
            "At least one of `validate_by_alias` or `validate_by_name` must be set to True.",
            code="validate-by-alias-and-name-false",
        )
    return merged
