"""Type stubs of the Rust extension `ouroboros.validation._validation`."""

from collections.abc import Awaitable
from typing import Any, Literal, TypeVar, final

_T = TypeVar("_T")

__version__: str
SCHEMA_FORMAT_VERSION: int

@final
class SchemaValidator:
    """A compiled model description (or bare type schema), validated in Rust."""

    def __new__(cls, description: Any) -> SchemaValidator: ...
    @property
    def title(self) -> str: ...
    def validate_python(
        self,
        input: Any,
        strict: bool | None = None,
        extra: Literal["ignore", "forbid", "allow"] | None = None,
        from_attributes: bool | None = None,
        context: Any = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Any: ...
    def validate_json(
        self,
        data: str | bytes | bytearray,
        strict: bool | None = None,
        extra: Literal["ignore", "forbid", "allow"] | None = None,
        context: Any = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Any: ...
    def validate_init(self, instance: Any, data: dict[str, Any]) -> None: ...
    def validate_assignment(self, instance: Any, name: str, value: Any) -> bool: ...
    def to_python(
        self,
        value: Any,
        *,
        mode: Literal["python", "json"] = "python",
        by_alias: bool = False,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        include: Any = None,
        exclude: Any = None,
        serialize_as_any: bool = False,
        by_fields: bool = False,
    ) -> Any: ...
    def to_json(
        self,
        value: Any,
        *,
        by_alias: bool = False,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        include: Any = None,
        exclude: Any = None,
        as_str: bool = True,
        serialize_as_any: bool = False,
    ) -> Any: ...

def _selftest_raise(kind: str, detail: str = ...) -> None: ...
def _selftest_panic(message: str) -> None: ...
def _selftest_sleep(value: _T, delay_ms: int = ..., panic: bool = ...) -> Awaitable[_T]: ...
def _runtime_info() -> dict[str, Any]: ...
def model_method(name: Literal["model_dump", "model_dump_json"], fallback: Any) -> Any: ...
def direct_validate(validator: SchemaValidator, json: bool = False) -> Any: ...
