"""``EncodedBytes``/``EncodedStr`` with a user encoder, and ``Base64Encoder`` (``pydantic.types``)."""

from __future__ import annotations

import base64
import binascii
from typing import Any, ClassVar, Protocol

from ouroboros.validation.functional_serializers import PlainSerializer

__all__ = ["Base64Encoder", "Base64UrlEncoder", "EncodedBytes", "EncodedStr", "EncoderProtocol"]


class EncoderProtocol(Protocol):
    """What an encoder provides: ``decode(bytes) -> bytes``, ``encode(bytes) -> bytes``, ``get_json_format()``."""

    @classmethod
    def decode(cls, data: bytes) -> bytes: ...

    @classmethod
    def encode(cls, value: bytes) -> bytes: ...

    @classmethod
    def get_json_format(cls) -> str: ...


class Base64Encoder(EncoderProtocol):
    """Standard base64 (RFC 4648), ``base64`` in JSON Schema."""

    @classmethod
    def decode(cls, data: bytes) -> bytes:
        from ouroboros.validation._errors import PydanticCustomError

        try:
            return base64.b64decode(data)
        except (ValueError, binascii.Error) as exc:
            raise PydanticCustomError(
                "base64_decode", "Base64 decoding error: '{error}'", {"error": str(exc)}
            ) from None

    @classmethod
    def encode(cls, value: bytes) -> bytes:
        return base64.b64encode(value)

    @classmethod
    def get_json_format(cls) -> str:
        return "base64"


class Base64UrlEncoder(EncoderProtocol):
    """URL-safe base64 (``-`` and ``_`` for ``+`` and ``/``), ``base64url`` in JSON Schema."""

    @classmethod
    def decode(cls, data: bytes) -> bytes:
        from ouroboros.validation._errors import PydanticCustomError

        try:
            return base64.urlsafe_b64decode(data)
        except (ValueError, binascii.Error) as exc:
            raise PydanticCustomError(
                "base64_decode", "Base64 decoding error: '{error}'", {"error": str(exc)}
            ) from None

    @classmethod
    def encode(cls, value: bytes) -> bytes:
        return base64.urlsafe_b64encode(value)

    @classmethod
    def get_json_format(cls) -> str:
        return "base64url"


class EncodedBytes(PlainSerializer):
    """``Annotated[bytes, EncodedBytes(encoder=...)]``: decoded by the encoder on input, encoded on dump."""

    _as_str: ClassVar[bool] = False
    encoder: Any

    def __init__(self, encoder: Any) -> None:
        object.__setattr__(self, "encoder", encoder)
        object.__setattr__(self, "func", self._encode)
        object.__setattr__(self, "return_type", str if self._as_str else bytes)
        object.__setattr__(self, "when_used", "always")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.encoder is self.encoder  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.encoder))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(encoder={self.encoder!r})"

    def _encode(self, value: Any) -> Any:
        raw = value.encode() if isinstance(value, str) else value
        out = self.encoder.encode(raw)
        return out.decode() if self._as_str else out

    def _decode(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.encode()
        if not isinstance(value, (bytes, bytearray)):
            return value
        out = self.encoder.decode(bytes(value))
        return out.decode() if self._as_str else out

    def _ouroboros_validator(self) -> Any:
        from ouroboros.validation._types import BeforeValidator

        return BeforeValidator(self._decode)

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema.update(type="string", format=self.encoder.get_json_format())
        return schema


class EncodedStr(EncodedBytes):
    """``Annotated[str, EncodedStr(encoder=...)]``: like ``EncodedBytes`` for text."""

    _as_str: ClassVar[bool] = True
