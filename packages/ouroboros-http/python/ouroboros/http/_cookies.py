"""Cookie helpers shared by requests and clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def cookie_pairs(cookies: Any) -> list[tuple[str, str]]:
    """``(name, value)`` pairs from a dict, a list of pairs, a ``Cookies`` or a ``CookieJar``."""
    if cookies is None:
        return []
    if isinstance(cookies, Mapping):
        return [(str(k), str(v)) for k, v in cookies.items()]
    from http.cookiejar import CookieJar

    if isinstance(cookies, CookieJar):
        return [(c.name, c.value or "") for c in cookies]
    items = getattr(cookies, "items", None)
    if callable(items):
        return [(str(k), str(v)) for k, v in items()]
    return [(str(k), str(v)) for k, v in cookies]


def cookie_header(cookies: Any, url: Any = None) -> str:
    """The ``Cookie`` header value sending ``cookies``."""
    return "; ".join(f"{k}={v}" for k, v in cookie_pairs(cookies))
