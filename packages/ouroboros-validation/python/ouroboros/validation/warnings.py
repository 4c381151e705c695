"""Pydantic's warning classes (``pydantic.warnings``)."""

from __future__ import annotations

__all__ = [
    "ArbitraryTypeWarning",
    "CoreSchemaGenerationWarning",
    "GenericBeforeBaseModelWarning",
    "PydanticDeprecatedSince20",
    "PydanticDeprecatedSince26",
    "PydanticDeprecatedSince29",
    "PydanticDeprecatedSince210",
    "PydanticDeprecatedSince211",
    "PydanticDeprecatedSince212",
    "PydanticDeprecatedSince213",
    "PydanticDeprecatedSince214",
    "PydanticDeprecationWarning",
    "PydanticExperimentalWarning",
    "TypedDictExtraConfigWarning",
    "UnsupportedFieldAttributeWarning",
]


class PydanticDeprecationWarning(DeprecationWarning):
    """A deprecated Pydantic feature was used; ``since`` and ``expected_removal`` are (major, minor)."""

    message: str
    since: tuple[int, int]
    expected_removal: tuple[int, int]

    def __init__(
        self, message: str, *args: object, since: tuple[int, int], expected_removal: tuple[int, int] | None = None
    ) -> None:
        super().__init__(message, *args)
        self.message = message.rstrip(".")
        self.since = since
        self.expected_removal = expected_removal if expected_removal is not None else (since[0] + 1, 0)

    def __str__(self) -> str:
        text = (
            f"{self.message}. Deprecated in Pydantic V{self.since[0]}.{self.since[1]}"
            f" to be removed in V{self.expected_removal[0]}.{self.expected_removal[1]}."
        )
        if self.since == (2, 0):
            text += " See Pydantic V2 Migration Guide at https://errors.pydantic.dev/2/migration/"
        return text


def _since(major: int, minor: int, doc: str) -> type[PydanticDeprecationWarning]:
    def __init__(self: PydanticDeprecationWarning, message: str, *args: object) -> None:
        PydanticDeprecationWarning.__init__(self, message, *args, since=(major, minor), expected_removal=(major + 1, 0))

    return type(
        f"PydanticDeprecatedSince{major}{minor}", (PydanticDeprecationWarning,), {"__init__": __init__, "__doc__": doc}
    )


PydanticDeprecatedSince20 = _since(2, 0, "Deprecated since Pydantic 2.0.")
PydanticDeprecatedSince26 = _since(2, 6, "Deprecated since Pydantic 2.6.")
PydanticDeprecatedSince29 = _since(2, 9, "Deprecated since Pydantic 2.9.")
PydanticDeprecatedSince210 = _since(2, 10, "Deprecated since Pydantic 2.10.")
PydanticDeprecatedSince211 = _since(2, 11, "Deprecated since Pydantic 2.11.")
PydanticDeprecatedSince212 = _since(2, 12, "Deprecated since Pydantic 2.12.")
PydanticDeprecatedSince213 = _since(2, 13, "Deprecated since Pydantic 2.13.")
PydanticDeprecatedSince214 = _since(2, 14, "Deprecated since Pydantic 2.14.")
for _cls in list(globals().values()):
    if isinstance(_cls, type) and _cls.__name__.startswith("PydanticDeprecatedSince"):
        _cls.__module__ = __name__


class GenericBeforeBaseModelWarning(Warning):
    """``Generic`` listed before ``BaseModel`` in a class's bases."""


class PydanticExperimentalWarning(Warning):
    """An experimental feature was used; it may change."""


class CoreSchemaGenerationWarning(UserWarning):
    """A problem found while generating a schema."""


class ArbitraryTypeWarning(UserWarning):
    """An arbitrary type was used where it cannot be validated."""


class UnsupportedFieldAttributeWarning(UserWarning):
    """A ``Field()`` attribute has no effect where it was used."""


class TypedDictExtraConfigWarning(UserWarning):
    """``extra`` config conflicts with a TypedDict's own closed/extra_items setting."""


def _validator_of_deprecated(cls: type) -> object:
    """A validator function building ``cls`` (a deprecated type that warns when created by the
    user) from the input without the warning: validation is not the user's call."""
    import warnings

    def build(value: object, _data: object = None, _context: object = None) -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PydanticDeprecatedSince20)
            return cls(value)

    return build
