"""``ConfigWrapper``: a model config with Pydantic's defaults (``pydantic._internal._config``)."""

from __future__ import annotations

from typing import Any

from ouroboros.validation._config import ConfigDict

__all__ = ["ConfigWrapper", "config_defaults", "config_keys"]

# Every key a model config can hold (pydantic-settings reads it to tell its own keys apart).
config_keys: set[str] = set(ConfigDict.__annotations__)

config_defaults: ConfigDict = ConfigDict(
    title=None,  # type: ignore[typeddict-item]
    str_to_lower=False,
    str_to_upper=False,
    str_strip_whitespace=False,
    str_min_length=0,
    str_max_length=None,  # type: ignore[typeddict-item]
    extra=None,  # type: ignore[typeddict-item]
    frozen=False,
    populate_by_name=False,
    use_enum_values=False,
    validate_assignment=False,
    arbitrary_types_allowed=False,
    from_attributes=False,
    loc_by_alias=True,
    alias_generator=None,
    model_title_generator=None,
    field_title_generator=None,
    ignored_types=(),
    allow_inf_nan=True,
    json_schema_extra=None,
    strict=False,
    revalidate_instances="never",
    ser_json_timedelta="iso8601",
    ser_json_temporal="iso8601",
    val_temporal_unit="infer",
    ser_json_bytes="utf8",
    val_json_bytes="utf8",
    ser_json_inf_nan="null",
    validate_default=False,
    validate_return=False,
    protected_namespaces=("model_validate", "model_dump"),
    hide_input_in_errors=False,
    json_encoders=None,  # type: ignore[typeddict-item]
    defer_build=False,
    schema_generator=None,
    plugin_settings=None,  # type: ignore[typeddict-item]
    json_schema_serialization_defaults_required=False,
    json_schema_mode_override=None,
    coerce_numbers_to_str=False,
    regex_engine="rust-regex",
    validation_error_cause=False,
    use_attribute_docstrings=False,
    cache_strings=True,
    validate_by_alias=True,
    validate_by_name=False,
    serialize_by_alias=False,
    url_preserve_empty_path=False,
    polymorphic_serialization=False,
)


class ConfigWrapper:
    """A config dict; attribute access gives each key's value or Pydantic's default."""

    __slots__ = ("config_dict",)

    def __init__(self, config: ConfigDict | dict[str, Any] | type[Any] | None, *, check: bool = True) -> None:
        if isinstance(config, type):
            config = getattr(config, "model_config", None) or getattr(config, "__pydantic_config__", None)
        self.config_dict: dict[str, Any] = dict(config or {})

    @classmethod
    def for_model(cls, bases: tuple[type[Any], ...], namespace: dict[str, Any], kwargs: dict[str, Any]) -> Any:
        """The config a class with these bases, body and keywords would get."""
        merged: dict[str, Any] = {}
        for base in bases:
            merged.update(getattr(base, "model_config", {}) or {})
        merged.update(namespace.get("model_config", {}) or {})
        merged.update(kwargs)
        return cls(merged)

    def __getattr__(self, name: str) -> Any:
        if name in self.config_dict:
            return self.config_dict[name]
        try:
            return config_defaults[name]  # type: ignore[literal-required]
        except KeyError:
            raise AttributeError(f"Config has no attribute {name!r}") from None

    def __repr__(self) -> str:
        return f"ConfigWrapper({', '.join(f'{k}={v!r}' for k, v in self.config_dict.items())})"
