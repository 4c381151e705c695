"""Email addresses, checked by ``email-validator`` as Pydantic checks them.

The syntax of an address (internationalised local parts, IDNA domains, quoted
strings, the many ways to be invalid and the message for each) is
``email-validator``'s job, and Pydantic users already depend on its answers;
so ``EmailStr`` and ``NameEmail`` hand the address to it (syntax only, never a
DNS lookup) and raise its reason in Pydantic's words. The Rust engine calls
:func:`normalized_address` for every ``EmailStr`` it validates.
"""

from __future__ import annotations

import re
from typing import Any

from ouroboros.validation._errors import PydanticCustomError

# Longest input looked at (a "name <address>" text included), as Pydantic.
MAX_EMAIL_LENGTH = 2048

# "Display Name <address>" or '"Quoted, Name" <address>', the name optional. An
# unquoted name is words of RFC 5322 atext (and dots) separated by whitespace;
# anything else between the angle brackets is left for email-validator to judge.
_ATEXT = r"[\w.!#$%&'*+\-/=?^_`{|}~]"
_PRETTY = re.compile(
    rf'\s*(?:(?P<plain>(?:{_ATEXT}+\s+)*{_ATEXT}+)|"(?P<quoted>(?:[^"]|\")+)")?\s*<(?P<address>.+)>\s*'
)

_validator: Any = None


def load_validator() -> Any:
    """The ``email_validator`` module (a dependency of ouroboros-validation)."""
    global _validator
    if _validator is None:
        try:
            import email_validator
        except ImportError as exc:  # pragma: no cover - a required dependency
            raise ImportError(
                "email-validator is not installed: run `pip install email-validator` "
                "(ouroboros-validation depends on it for EmailStr and NameEmail)"
            ) from exc
        _validator = email_validator
    return _validator


def _invalid(reason: str) -> PydanticCustomError:
    return PydanticCustomError("value_error", "value is not a valid email address: {reason}", {"reason": reason})


def split_name_email(value: str) -> tuple[str, str]:
    """``"John Doe <jd@example.com>"`` or ``"jd@example.com"`` -> ``(name, normalised address)``.

    Without a display name the name is the address's local part.
    """
    if len(value) > MAX_EMAIL_LENGTH:
        raise _invalid(f"Length must not exceed {MAX_EMAIL_LENGTH} characters")
    if "\r" in value or "\n" in value:
        raise _invalid("Carriage return and line feed characters are not allowed")
    name: str | None = None
    address = value
    pretty = _PRETTY.fullmatch(value)
    if pretty is not None:
        name = pretty.group("plain") or pretty.group("quoted")
        address = pretty.group("address")
    ev = load_validator()
    try:
        checked = ev.validate_email(address.strip(), check_deliverability=False)
    except ev.EmailNotValidError as exc:
        raise _invalid(str(exc.args[0]) if exc.args else str(exc)) from None
    return name or checked.local_part, checked.normalized


def normalized_address(value: str) -> str:
    """An ``EmailStr`` value: the address, normalised (called by the Rust engine)."""
    return split_name_email(value)[1]
