"""``Cookies``, a cookie collection like httpx's, and the helpers that send cookies.

``Cookies`` holds cookies outside any client (build one from a dict, pairs or a
``http.cookiejar.CookieJar``, pass it as ``cookies=``, or assign it to
``client.cookies``); a client's own jar (``client.cookies``) lives in Rust and
takes the same calls (``get``, ``set``, ``delete``, ``clear``, ``[name]``).
"""

from __future__ import annotations

import email.message
import urllib.request
from collections.abc import Iterator, Mapping, MutableMapping
from http.cookiejar import Cookie, CookieJar
from typing import Any


def _cookie(name: str, value: str, domain: str, path: str) -> Cookie:
    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=domain,
        domain_specified=bool(domain),
        domain_initial_dot=domain.startswith("."),
        path=path,
        path_specified=bool(path),
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={"HttpOnly": None},
        rfc2109=False,
    )


class Cookies(MutableMapping[str, str]):
    """Cookies by name (and domain and path), backed by an ``http.cookiejar.CookieJar`` (``.jar``)."""

    def __init__(self, cookies: Any = None) -> None:
        if isinstance(cookies, CookieJar):
            self.jar = cookies
            return
        self.jar = CookieJar()
        if isinstance(cookies, Cookies):
            for c in cookies.jar:
                self.jar.set_cookie(c)
        elif isinstance(cookies, Mapping):
            for name, value in cookies.items():
                self.set(name, value)
        elif cookies is not None:
            for name, value in cookies:
                self.set(name, value)

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        """Add or replace a cookie."""
        self.jar.set_cookie(_cookie(name, value, domain, path))

    def _matching(self, name: str, domain: str | None, path: str | None) -> list[Cookie]:
        return [
            c
            for c in self.jar
            if c.name == name and (domain is None or c.domain == domain) and (path is None or c.path == path)
        ]

    def get(self, name: str, default: Any = None, domain: str | None = None, path: str | None = None) -> Any:  # type: ignore[override]
        """The value of ``name``; ``CookieConflict`` when several domains/paths hold one."""
        found = self._matching(name, domain, path)
        if len(found) > 1:
            from ouroboros.http._errors import CookieConflict

            raise CookieConflict(f"Multiple cookies exist with name={name}; give domain= (and path=)")
        return found[0].value if found else default

    def delete(self, name: str, domain: str | None = None, path: str | None = None) -> None:
        for c in self._matching(name, domain, path):
            self.jar.clear(c.domain, c.path, c.name)

    def clear(self, domain: str | None = None, path: str | None = None) -> None:  # type: ignore[override]
        """Remove every cookie, or those of one domain (and path)."""
        if domain is None:
            self.jar.clear()
        elif path is None:
            self.jar.clear(domain)
        else:
            self.jar.clear(domain, path)

    def update(self, cookies: Any = None) -> None:  # type: ignore[override]
        for c in Cookies(cookies).jar:
            self.jar.set_cookie(c)

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        if not self._matching(name, None, None):
            raise KeyError(name)
        self.delete(name)

    def __len__(self) -> int:
        return len(self.jar)

    def __iter__(self) -> Iterator[str]:
        return (c.name for c in self.jar)

    def __bool__(self) -> bool:
        return any(True for _ in self.jar)

    def __repr__(self) -> str:
        inner = ", ".join(f"<Cookie {c.name}={c.value} for {c.domain} />" for c in self.jar)
        return f"<Cookies[{inner}]>"

    def extract_cookies(self, response: Any) -> None:
        """Keep the cookies a response sets (its ``Set-Cookie`` headers), by the
        standard library's cookie policy for the URL of the response's request."""
        self.jar.extract_cookies(_SetCookies(response), _UrllibRequest(response.request))  # type: ignore[arg-type]

    def set_cookie_header(self, request: Any) -> None:
        """Add the ``Cookie`` header these cookies give a request (if any apply)."""
        adapter = _UrllibRequest(request)
        self.jar.add_cookie_header(adapter)
        header = adapter.get_header("Cookie")
        if header:
            request.headers["Cookie"] = header


class _UrllibRequest(urllib.request.Request):
    """An ``ouroboros.http.Request`` as ``http.cookiejar`` reads requests."""

    def __init__(self, request: Any) -> None:
        super().__init__(str(request.url), headers=dict(request.headers), method=request.method)


class _SetCookies:
    """A response as ``http.cookiejar`` reads responses: ``info()`` gives its headers."""

    def __init__(self, response: Any) -> None:
        self._message = email.message.Message()
        for value in response.headers.get_list("set-cookie"):
            self._message["Set-Cookie"] = value

    def info(self) -> email.message.Message:
        return self._message


def cookiejar_of(entries: list[tuple[str, str, str, str]]) -> CookieJar:
    """A ``CookieJar`` holding copies of ``(name, value, domain, path)`` cookies."""
    jar = CookieJar()
    for name, value, domain, path in entries:
        jar.set_cookie(_cookie(name, value, domain, path))
    return jar


def _register_native() -> None:
    # A client's jar lives in Rust; it is a ``Cookies`` for isinstance checks.
    from ouroboros.http._http import Cookies as NativeCookies

    Cookies.register(NativeCookies)


_register_native()


def cookie_entries(cookies: Any) -> list[tuple[str, str, str, str]]:
    """``(name, value, domain, path)`` from a dict, pairs, a ``Cookies`` or a ``CookieJar``."""
    if cookies is None:
        return []
    entries = getattr(cookies, "_entries", None)
    if entries is not None:  # a client's jar
        return list(entries)
    jar = cookies.jar if isinstance(cookies, Cookies) else cookies
    if isinstance(jar, CookieJar):
        return [(c.name, c.value or "", c.domain, c.path or "/") for c in jar]
    if isinstance(cookies, Mapping):
        return [(str(k), str(v), "", "/") for k, v in cookies.items()]
    items = getattr(cookies, "items", None)
    if callable(items):
        return [(str(k), str(v), "", "/") for k, v in items()]
    return [(str(k), str(v), "", "/") for k, v in cookies]


def cookie_pairs(cookies: Any) -> list[tuple[str, str]]:
    """``(name, value)`` pairs of any form ``cookies=`` accepts."""
    return [(name, value) for name, value, _, _ in cookie_entries(cookies)]


def cookie_header(cookies: Any, url: Any = None) -> str:
    """The ``Cookie`` header value sending ``cookies``."""
    return "; ".join(f"{k}={v}" for k, v in cookie_pairs(cookies))
