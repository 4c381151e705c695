"""``Field()``: defaults, aliases, constraints and metadata of one model field."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

__all__ = ["PYDANTIC_UNDEFINED", "Field", "FieldInfo", "PrivateAttr"]


class _Undefined:
    """The marker for "no default" (a required field)."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "PydanticUndefined"

    def __copy__(self) -> _Undefined:
        return self

    def __deepcopy__(self, memo: Any) -> _Undefined:
        return self

    def __reduce__(self) -> str:
        return "PYDANTIC_UNDEFINED"


PYDANTIC_UNDEFINED: Any = _Undefined()


class _Missing:
    """``MISSING``: a field value meaning "not given"; usable as a type (``int | MISSING``)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __copy__(self) -> _Missing:
        return self

    def __deepcopy__(self, memo: Any) -> _Missing:
        return self

    def __reduce__(self) -> str:
        return "MISSING"

    def __or__(self, other: Any) -> Any:
        import typing

        return typing.Union[self, other]  # type: ignore[valid-type]  # noqa: UP007

    def __ror__(self, other: Any) -> Any:
        import typing

        return typing.Union[other, self]  # type: ignore[valid-type]  # noqa: UP007

    __ouroboros_type_schema__: dict[str, Any]


MISSING: Any = _Missing()


def _only_missing(value: Any, _data: Any = None, _context: Any = None) -> Any:
    if value is MISSING:
        return value
    from ouroboros.validation._errors import PydanticCustomError

    raise PydanticCustomError("missing_sentinel_error", "Input should be the 'MISSING' sentinel")


# A bare `MISSING` annotation takes the sentinel only; `X | MISSING` is X's schema letting the
# sentinel through (the describing side's "passthrough"), and a field that may hold it is left
# out of dumps while it does (its `exclude_if`).
_Missing.__ouroboros_type_schema__ = {
    "type": "function",
    "mode": "plain",
    "func": _only_missing,
    "missing_sentinel": True,
}


def is_missing(value: Any) -> bool:
    """Whether ``value`` is the ``MISSING`` sentinel (a field holding it is not dumped)."""
    return value is MISSING


def may_be_missing(annotation: Any) -> bool:
    """Whether a field of type ``annotation`` may hold ``MISSING`` (``MISSING``, ``X | MISSING``)."""
    import types

    seen = typing.get_args(annotation) if typing.get_origin(annotation) is typing.Annotated else ()
    tp = seen[0] if seen else annotation
    if tp is MISSING:
        return True
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return any(may_be_missing(a) for a in typing.get_args(tp))
    return False


#: Constraint keywords that go into the type schema of the field's type.
CONSTRAINT_KEYS = (
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "min_length",
    "max_length",
    "pattern",
    "strict",
    "allow_inf_nan",
    "max_digits",
    "decimal_places",
    "union_mode",
    "fail_fast",
    "coerce_numbers_to_str",
)

_METADATA_KEYS = (
    "alias",
    "validation_alias",
    "serialization_alias",
    "title",
    "description",
    "examples",
    "deprecated",
    "exclude",
    "frozen",
    "discriminator",
    "json_schema_extra",
    "repr",
    "default_factory",
    "validate_default",
    "alias_priority",
    "field_title_generator",
    "exclude_if",
    "init",
    "init_var",
    "kw_only",
)


class FieldInfo:
    """What ``Field(...)`` returns, and what ``Model.model_fields`` maps names to.

    Attributes mirror Pydantic's: ``annotation``, ``default``,
    ``default_factory``, ``alias``, ``validation_alias``,
    ``serialization_alias``, ``title``, ``description``, ``examples``,
    ``deprecated``, ``exclude``, ``frozen``, ``discriminator``,
    ``json_schema_extra``, plus the constraints in ``metadata``.
    """

    __slots__ = (
        "_metadata_cache",
        "_metadata_items",
        "_validators",
        "alias",
        "alias_priority",
        "annotation",
        "constraints",
        "default",
        "default_factory",
        "deprecated",
        "description",
        "discriminator",
        "examples",
        "exclude",
        "exclude_if",
        "field_title_generator",
        "frozen",
        "init",
        "init_var",
        "json_schema_extra",
        "kw_only",
        "repr",
        "serialization_alias",
        "title",
        "validate_default",
        "validation_alias",
    )

    def __init__(self, default: Any = PYDANTIC_UNDEFINED, **kwargs: Any) -> None:
        self.annotation: Any = kwargs.pop("annotation", None)
        # `Field(...)` is a required field, as in Pydantic.
        self.default = PYDANTIC_UNDEFINED if default is Ellipsis else default
        self.default_factory: Callable[..., Any] | None = kwargs.pop("default_factory", None)
        self.alias: str | None = kwargs.pop("alias", None)
        self.validation_alias: str | list[str] | None = kwargs.pop("validation_alias", None)
        self.serialization_alias: str | None = kwargs.pop("serialization_alias", None)
        self.title: str | None = kwargs.pop("title", None)
        self.description: str | None = kwargs.pop("description", None)
        self.examples: list[Any] | None = kwargs.pop("examples", None)
        self.deprecated: Any = kwargs.pop("deprecated", None)
        self.exclude: bool | None = kwargs.pop("exclude", None)
        self.frozen: bool | None = kwargs.pop("frozen", None)
        self.discriminator: str | None = kwargs.pop("discriminator", None)
        self.json_schema_extra: Any = kwargs.pop("json_schema_extra", None)
        self.repr: bool = kwargs.pop("repr", True)
        self.validate_default: bool | None = kwargs.pop("validate_default", None)
        self.alias_priority: int | None = kwargs.pop("alias_priority", None)
        self.field_title_generator: Any = kwargs.pop("field_title_generator", None)
        self.exclude_if: Any = kwargs.pop("exclude_if", None)
        self.init: bool | None = kwargs.pop("init", None)
        self.init_var: bool | None = kwargs.pop("init_var", None)
        self.kw_only: bool | None = kwargs.pop("kw_only", None)
        if self.alias_priority is None and (
            self.alias is not None or self.validation_alias is not None or self.serialization_alias is not None
        ):
            self.alias_priority = 2
        self._validators: list[tuple[str, Any]] = kwargs.pop("_validators", [])
        # Other `Annotated` items of the field (annotated_types objects, unknown objects),
        # listed in `metadata` after the constraints, as Pydantic records them.
        self._metadata_items: list[Any] = []
        self.constraints: dict[str, Any] = {k: v for k, v in kwargs.items() if v is not None}
        if self.default is not PYDANTIC_UNDEFINED and self.default_factory is not None:
            raise TypeError("cannot specify both default and default_factory")

    @staticmethod
    def from_annotation(annotation: Any, *, _source: Any = None) -> FieldInfo:
        """The FieldInfo of a bare annotation (``Field()`` items of ``Annotated`` merged in)."""
        return FieldInfo.from_annotated_attribute(annotation, PYDANTIC_UNDEFINED)

    @staticmethod
    def from_annotated_attribute(annotation: Any, default: Any, *, _source: Any = None) -> FieldInfo:
        """The FieldInfo of ``name: annotation = default`` (``default`` may be a ``Field()``)."""
        import typing

        info = FieldInfo(annotation=annotation)
        metadata: list[Any] = []
        inner = annotation
        while typing.get_origin(inner) is typing.Annotated:
            metadata = [*inner.__metadata__, *metadata]
            inner = inner.__origin__
        for item in metadata:
            if isinstance(item, FieldInfo):
                info = info.merge(item)
        if isinstance(default, FieldInfo):
            info = info.merge(default)
        elif default is not PYDANTIC_UNDEFINED:
            info.default = default
        info.annotation = annotation
        info._metadata_items = [*info._metadata_items, *(m for m in metadata if not isinstance(m, FieldInfo))]
        return info

    @property
    def metadata(self) -> list[Any]:
        """The constraints as Pydantic records them: ``annotated_types`` objects (``Gt(gt=0)``,
        ``MaxLen(max_length=3)``), ``Strict``/``FailFast``, the rest (``pattern``...) in one
        ``_PydanticGeneralMetadata``; then the field's other ``Annotated`` items."""
        # The same list on every read (code may append to it, as to Pydantic's), rebuilt when the
        # constraints or items change; a copied FieldInfo builds its own.
        snapshot = (id(self), dict(self.constraints), list(self._metadata_items))
        cached = getattr(self, "_metadata_cache", None)
        if cached is not None and cached[0] == snapshot:
            return cached[1]  # type: ignore[no-any-return]
        built = self._build_metadata()
        self._metadata_cache = (snapshot, built)
        return built

    def _build_metadata(self) -> list[Any]:
        if not self.constraints:
            return list(self._metadata_items)
        markers = _metadata_markers()
        out: list[Any] = []
        general: dict[str, Any] = {}
        for key, value in self.constraints.items():
            marker = markers.get(key)
            if marker is None:
                general[key] = value
            else:
                out.append(marker(value))
        if general:
            out.append(_PydanticGeneralMetadata(**general))
        return [*out, *self._metadata_items]

    def is_required(self) -> bool:
        """True when the field has neither a default nor a default factory."""
        return self.default is PYDANTIC_UNDEFINED and self.default_factory is None

    def get_default(self, *, call_default_factory: bool = False, validated_data: dict[str, Any] | None = None) -> Any:
        """The default value (calling the factory if asked, with ``validated_data`` if it takes it)."""
        if self.default_factory is not None:
            if not call_default_factory:
                return None
            from ouroboros.validation._decorators import takes_validated_data

            if not takes_validated_data(self.default_factory):
                return self.default_factory()
            if validated_data is None:
                raise ValueError(
                    "The default factory requires the 'validated_data' argument, which was not provided when "
                    "calling 'get_default'."
                )
            return self.default_factory(validated_data)
        return None if self.default is PYDANTIC_UNDEFINED else self.default

    def merge(self, other: FieldInfo) -> FieldInfo:
        """A new FieldInfo: ``other``'s settings override this one's."""
        merged = FieldInfo()
        for name in ("annotation", "default", *_METADATA_KEYS):
            mine = getattr(self, name)
            theirs = getattr(other, name)
            # None is a real default (`x: int | None = None`); only UNDEFINED means unset.
            unset = (
                theirs is PYDANTIC_UNDEFINED
                or (theirs is None and name != "default")
                or (name == "repr" and theirs is True)
            )
            setattr(merged, name, mine if unset else theirs)
        merged.constraints = {**self.constraints, **other.constraints}
        merged._validators = [*self._validators, *other._validators]
        merged._metadata_items = [*self._metadata_items, *other._metadata_items]
        return merged

    def _repr_parts(self) -> list[str]:
        from ouroboros.validation._internal._repr import display_as_type

        annotation = self.annotation
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = annotation.__origin__
        parts = [f"annotation={display_as_type(annotation) if annotation is not None else None}"]
        parts.append(f"required={self.is_required()}")
        if self.default is not PYDANTIC_UNDEFINED:
            parts.append(f"default={self.default!r}")
        if self.default_factory is not None:
            parts.append(f"default_factory={display_as_type(self.default_factory)}")
        # Pydantic's attribute order; an alias repeated as validation/serialization alias is shown once.
        for name in _REPR_ORDER:
            value = getattr(self, name)
            if (
                value is None
                or (name in ("validation_alias", "serialization_alias") and value == self.alias)
                or (name == "frozen" and value is False)
                or (name == "repr" and value is True)
            ):
                continue
            parts.append(f"{name}={value!r}")
        metadata = self.metadata
        if metadata:
            parts.append(f"metadata={metadata!r}")
        return parts

    def __repr__(self) -> str:
        return f"FieldInfo({', '.join(self._repr_parts())})"

    def __str__(self) -> str:
        return " ".join(self._repr_parts())


# FieldInfo attributes in Pydantic's repr order (after default/default_factory, before metadata).
_REPR_ORDER = (
    "alias",
    "alias_priority",
    "validation_alias",
    "serialization_alias",
    "title",
    "field_title_generator",
    "description",
    "examples",
    "exclude",
    "exclude_if",
    "discriminator",
    "deprecated",
    "json_schema_extra",
    "frozen",
    "validate_default",
    "repr",
    "init",
    "init_var",
    "kw_only",
)


class _PydanticGeneralMetadata:
    """The constraints with no ``annotated_types`` class (``pattern``, ``allow_inf_nan``...)."""

    def __init__(self, **constraints: Any) -> None:
        self.__dict__.update(constraints)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash(tuple(sorted(vars(self).items(), key=lambda kv: kv[0])))

    def __repr__(self) -> str:
        return f"_PydanticGeneralMetadata({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def _metadata_markers() -> dict[str, Any]:
    import annotated_types

    from ouroboros.validation._more_types import FailFast
    from ouroboros.validation._types import Strict

    return {
        "strict": Strict,
        "gt": annotated_types.Gt,
        "ge": annotated_types.Ge,
        "lt": annotated_types.Lt,
        "le": annotated_types.Le,
        "multiple_of": annotated_types.MultipleOf,
        "min_length": annotated_types.MinLen,
        "max_length": annotated_types.MaxLen,
        "fail_fast": FailFast,
    }


def Field(
    default: Any = PYDANTIC_UNDEFINED,
    *,
    default_factory: Callable[..., Any] | None = None,
    alias: str | None = None,
    validation_alias: str | list[str] | None = None,
    serialization_alias: str | None = None,
    title: str | None = None,
    description: str | None = None,
    examples: list[Any] | None = None,
    example: Any = None,
    deprecated: Any = None,
    exclude: bool | None = None,
    frozen: bool | None = None,
    discriminator: str | None = None,
    json_schema_extra: Any = None,
    repr: bool = True,
    validate_default: bool | None = None,
    alias_priority: int | None = None,
    field_title_generator: Any = None,
    exclude_if: Any = None,
    init: bool | None = None,
    init_var: bool | None = None,
    kw_only: bool | None = None,
    coerce_numbers_to_str: bool | None = None,
    fail_fast: bool | None = None,
    gt: Any = None,
    ge: Any = None,
    lt: Any = None,
    le: Any = None,
    multiple_of: Any = None,
    min_length: int | None = None,
    max_length: int | None = None,
    min_items: int | None = None,
    max_items: int | None = None,
    pattern: str | None = None,
    strict: bool | None = None,
    allow_inf_nan: bool | None = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    union_mode: str | None = None,
    **extra: Any,
) -> Any:
    """Describe a field: default, aliases, metadata and constraints.

    Use it as the default (``age: int = Field(0, ge=0)``) or inside
    ``Annotated`` (``Annotated[int, Field(ge=0)]``). ``min_items`` and
    ``max_items`` are accepted as the older names of ``min_length`` and
    ``max_length``; ``example`` adds one entry to ``examples``.
    """
    if example is not None:
        examples = [*(examples or []), example]
    if min_items is not None:
        _v1_keyword("`min_items` is deprecated and will be removed, use `min_length` instead")
    if max_items is not None:
        _v1_keyword("`max_items` is deprecated and will be removed, use `max_length` instead")
    if extra:
        frozen, json_schema_extra = _v1_extra_keywords(extra, frozen, json_schema_extra)
    if validation_alias:
        from ouroboros.validation.aliases import AliasChoices, AliasPath

        # (A list of choices is an ouroboros extension, as `alias=[...]` paths are in Pydantic.)
        if not isinstance(validation_alias, (str, list, AliasChoices, AliasPath)):
            raise TypeError("Invalid `validation_alias` type. it should be `str`, `AliasChoices`, or `AliasPath`")
    # As Pydantic: an alias is also the validation alias, and (a str) the serialization alias.
    if serialization_alias is None and isinstance(alias, str):
        serialization_alias = alias
    if validation_alias is None:
        validation_alias = alias
    return FieldInfo(
        default,
        default_factory=default_factory,
        alias=alias,
        validation_alias=validation_alias,
        serialization_alias=serialization_alias,
        title=title,
        description=description,
        examples=examples,
        deprecated=deprecated,
        exclude=exclude,
        frozen=frozen,
        discriminator=discriminator,
        json_schema_extra=json_schema_extra,
        repr=repr,
        validate_default=validate_default,
        alias_priority=alias_priority,
        field_title_generator=field_title_generator,
        exclude_if=exclude_if,
        init=init,
        init_var=init_var,
        kw_only=kw_only,
        coerce_numbers_to_str=coerce_numbers_to_str,
        fail_fast=fail_fast,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        multiple_of=multiple_of,
        min_length=min_length if min_length is not None else min_items,
        max_length=max_length if max_length is not None else max_items,
        pattern=pattern,
        strict=strict,
        allow_inf_nan=allow_inf_nan,
        max_digits=max_digits,
        decimal_places=decimal_places,
        union_mode=union_mode,
    )


def _v1_keyword(message: str) -> None:
    import warnings

    from ouroboros.validation.warnings import PydanticDeprecatedSince20

    warnings.warn(message, PydanticDeprecatedSince20, stacklevel=3)


def _v1_extra_keywords(extra: dict[str, Any], frozen: bool | None, json_schema_extra: Any) -> tuple[Any, Any]:
    """Pydantic v1's ``Field`` keywords: removed ones raise, deprecated ones warn, as Pydantic does;
    any other keyword goes to ``json_schema_extra`` with a deprecation warning."""
    from ouroboros.validation.errors import PydanticUserError

    removed = {
        "const": "`const` is removed, use `Literal` instead",
        "unique_items": "`unique_items` is removed, use `Set` instead"
        "(this feature is discussed in https://github.com/pydantic/pydantic-core/issues/296)",
        "regex": "`regex` is removed. use `pattern` instead",
    }
    for key, message in removed.items():
        if extra.pop(key, None) is not None:
            raise PydanticUserError(message, code="removed-kwargs")
    allow_mutation = extra.pop("allow_mutation", None)
    if allow_mutation is not None:
        _v1_keyword("`allow_mutation` is deprecated and will be removed. use `frozen` instead")
        if allow_mutation is False:
            frozen = True
    if extra:
        # `include` is named among the extra keys too, as Pydantic warns, but kept out of the schema.
        names = ", ".join(repr(k) for k in extra)
        _v1_keyword(
            "Using extra keyword arguments on `Field` is deprecated and will be removed."
            f" Use `json_schema_extra` instead. (Extra keys: {names})"
        )
    include = extra.pop("include", None)
    if extra and not json_schema_extra:
        json_schema_extra = extra
    if include is not None:
        _v1_keyword("`include` is deprecated and does nothing. It will be removed, use `exclude` instead")
    return frozen, json_schema_extra


class ModelPrivateAttr:
    """What ``PrivateAttr()`` returns: the default of a ``_private`` attribute."""

    __slots__ = ("default", "default_factory")

    def __init__(self, default: Any = PYDANTIC_UNDEFINED, default_factory: Callable[[], Any] | None = None) -> None:
        if default is Ellipsis:
            default = PYDANTIC_UNDEFINED  # `PrivateAttr(...)`: no default, as Pydantic reads it
        if default is not PYDANTIC_UNDEFINED and default_factory is not None:
            raise TypeError("cannot specify both default and default_factory")
        self.default = default
        self.default_factory = default_factory

    def __getattr__(self, item: str) -> Any:
        # The default's own attributes (a descriptor's `__get__`...), as Pydantic forwards them.
        if item in {"__get__", "__set__", "__delete__"} and hasattr(self.default, item):
            return getattr(self.default, item)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {item!r}")

    def get_default(self) -> Any:
        """A fresh default value (a deep copy of ``default``)."""
        if self.default_factory is not None:
            return self.default_factory()
        if self.default is PYDANTIC_UNDEFINED:
            return PYDANTIC_UNDEFINED
        import copy

        return copy.deepcopy(self.default)

    def __repr__(self) -> str:
        parts = []
        if self.default is not PYDANTIC_UNDEFINED:
            parts.append(f"default={self.default!r}")
        if self.default_factory is not None:
            parts.append(f"default_factory={self.default_factory!r}")
        return f"ModelPrivateAttr({', '.join(parts)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelPrivateAttr):
            return NotImplemented
        return (self.default, self.default_factory) == (other.default, other.default_factory)

    __hash__ = None  # type: ignore[assignment]


def PrivateAttr(default: Any = PYDANTIC_UNDEFINED, *, default_factory: Callable[[], Any] | None = None) -> Any:
    """A private attribute (name starting with ``_``): not validated nor dumped."""
    return ModelPrivateAttr(default, default_factory)
