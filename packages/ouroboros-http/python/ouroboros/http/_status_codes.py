"""``codes``: HTTP status codes as an ``IntEnum`` (``codes.NOT_FOUND == 404``), httpx's spelling."""

from __future__ import annotations

from enum import IntEnum
from http import HTTPStatus


class codes(IntEnum):
    """Every status of :class:`http.HTTPStatus`, also reachable in lower case (``codes.not_found``)."""

    _ignore_ = "_status"
    for _status in HTTPStatus:
        vars()[_status.name] = _status.value

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def get_reason_phrase(cls, value: int) -> str:
        """The phrase of a known status (``""`` for an unknown one)."""
        try:
            return HTTPStatus(value).phrase
        except ValueError:
            return ""

    @classmethod
    def is_informational(cls, value: int) -> bool:
        return 100 <= value <= 199

    @classmethod
    def is_success(cls, value: int) -> bool:
        return 200 <= value <= 299

    @classmethod
    def is_redirect(cls, value: int) -> bool:
        return 300 <= value <= 399

    @classmethod
    def is_client_error(cls, value: int) -> bool:
        return 400 <= value <= 499

    @classmethod
    def is_server_error(cls, value: int) -> bool:
        return 500 <= value <= 599

    @classmethod
    def is_error(cls, value: int) -> bool:
        return 400 <= value <= 599


for _member in codes:
    setattr(codes, _member.name.lower(), _member)

__all__ = ["codes"]
