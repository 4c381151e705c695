"""Pydantic's error classes (``pydantic.errors``): mistakes in model code, not in data."""

from __future__ import annotations

from typing import Any, Literal

from ouroboros.validation._migration import getattr_migration
from ouroboros.validation._model import PydanticUserError

__all__ = [
    "PydanticErrorCodes",
    "PydanticForbiddenQualifier",
    "PydanticImportError",
    "PydanticInvalidForJsonSchema",
    "PydanticSchemaGenerationError",
    "PydanticUndefinedAnnotation",
    "PydanticUserError",
]

PydanticErrorCodes = Literal[
    "class-not-fully-defined",
    "custom-json-schema",
    "decorator-missing-field",
    "discriminator-no-field",
    "discriminator-alias-type",
    "discriminator-needs-literal",
    "invalid-for-json-schema",
    "model-field-overridden",
    "schema-for-unknown-type",
    "validator-no-fields",
    "validator-invalid-fields",
    "validate-call-type",
    "unevaluable-type-annotation",
    "import-error",
]


class PydanticSchemaGenerationError(PydanticUserError):
    """No schema can be generated for a type (an arbitrary class without ``arbitrary_types_allowed``)."""

    def __init__(self, message: str, *, code: str | None = "schema-for-unknown-type") -> None:
        super().__init__(message, code=code)


class PydanticInvalidForJsonSchema(PydanticUserError):
    """A type has no JSON Schema representation."""

    def __init__(self, message: str, *, code: str | None = "invalid-for-json-schema") -> None:
        super().__init__(message, code=code)


class PydanticImportError(ImportError):
    """A name was moved or removed in Pydantic v2."""

    def __init__(self, message: str, *, code: str | None = "import-error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class PydanticUndefinedAnnotation(NameError):
    """An annotation names something not defined (yet): call ``model_rebuild()`` once it is."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.code = "undefined-annotation"

    @classmethod
    def from_name_error(cls, name_error: NameError) -> PydanticUndefinedAnnotation:
        name = getattr(name_error, "name", None) or str(name_error).split("'")[1 if "'" in str(name_error) else 0]
        return cls(name=name, message=str(name_error))

    def __str__(self) -> str:
        return self.message


class PydanticForbiddenQualifier(PydanticUserError):
    """A type qualifier (``ClassVar``, ``Final``, ``Required``...) used where it is not allowed."""

    def __init__(self, qualifier: str, annotation: Any) -> None:
        super().__init__(
            f"The annotation {annotation!r} contains the {qualifier!r} type qualifier, which is invalid in the context "
            "it is defined.",
            code=None,
        )


__getattr__ = getattr_migration(__name__)
