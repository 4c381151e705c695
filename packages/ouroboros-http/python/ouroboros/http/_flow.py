"""What the slow path adds around sending: redirects for transports, mount patterns, cookies.

The native client follows redirects and keeps cookies in Rust; these helpers do
the same for requests answered by a Python transport (``MockTransport``,
``ASGITransport``, ``WSGITransport`` or a mounted one), with httpx's rules.
"""

from __future__ import annotations

import re
from typing import Any

from ouroboros.http._models import Request
from ouroboros.http._urls import URL

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def redirect_request(client: Any, request: Request, response: Any) -> Request:
    """The request following a 3xx ``response`` to ``request`` (httpx's rules)."""
    from ouroboros.http._errors import RemoteProtocolError, UnsupportedProtocol

    location = response.headers.get("location")
    if location is None:
        raise RemoteProtocolError(
            f"{request.method} {request.url}: redirect response {response.status_code} has no Location header",
            method=request.method,
            url=str(request.url),
            request=request,
        )
    try:
        target = URL(location)
    except (ValueError, TypeError) as exc:  # InvalidURL is a ValueError
        raise RemoteProtocolError(
            f"{request.method} {request.url}: invalid URL in location header: {exc}",
            method=request.method,
            url=str(request.url),
            request=request,
        ) from None
    if target.scheme and not target.host:
        target = target.copy_with(host=request.url.host)
    if target.is_relative_url:
        target = request.url.join(target)
    if request.url.fragment and not target.fragment:
        target = target.copy_with(fragment=request.url.fragment)
    if target.scheme not in ("http", "https"):
        raise UnsupportedProtocol(
            f"{request.method} {target}: unsupported protocol {target.scheme!r} in a redirect",
            method=request.method,
            url=str(target),
            request=request,
        )
    method = request.method
    status = response.status_code
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method = "GET"
    headers = redirect_headers(request, target, method)
    if method != request.method and method == "GET":
        following = Request(method, target, headers=headers, extensions=request.extensions)
    else:
        following = Request(method, target, headers=headers, stream=request.stream, extensions=request.extensions)
        following._content = request._content
    following._auto = set(request._auto)
    return following


def redirect_headers(request: Request, target: URL, method: str) -> Any:
    """The headers of the request following a redirect: credentials only to the same origin
    (or its https upgrade), ``Host`` for the new place, no body headers once it is a GET."""
    headers = request.headers.copy()
    old, new = _origin(request.url), _origin(target)
    same_origin = old == new or (
        old[0] == "http" and old[2] == 80 and new[0] == "https" and new[2] == 443 and old[1] == new[1]
    )
    if not same_origin:
        headers.pop("authorization", None)
    headers["Host"] = target.netloc.decode("ascii").rpartition("@")[2]
    headers.pop("cookie", None)
    if method != request.method and method == "GET":
        for name in ("content-length", "transfer-encoding", "content-type"):
            headers.pop(name, None)
    return headers


class MountPattern:
    """A ``mounts=`` key: ``"all://"``, ``"https://"``, ``"http://example.com"``,
    ``"all://*.example.com"``, ``"all://*example.com"``, ``"http://example.com:8080"``."""

    def __init__(self, pattern: str) -> None:
        if "://" not in pattern:
            raise ValueError(
                f"Proxy keys should use proper URL forms rather than plain scheme strings. Instead of {pattern!r}, use '{pattern}://'"
            )
        self.pattern = pattern
        scheme, _, rest = pattern.partition("://")
        host, _, port = rest.partition(":")
        self.scheme = "" if scheme == "all" else scheme
        self.host = "" if host == "*" else host
        self.port = int(port) if port else None
        if not self.host:
            self._host_re = None
        elif self.host.startswith("*."):
            self._host_re = re.compile(rf"^.+\.{re.escape(self.host[2:])}$")
        elif self.host.startswith("*"):
            self._host_re = re.compile(rf"^(.+\.)?{re.escape(self.host[1:])}$")
        else:
            self._host_re = re.compile(rf"^{re.escape(self.host)}$")

    def matches(self, url: Any) -> bool:
        url = url if isinstance(url, URL) else URL(str(url))
        if self.scheme and url.scheme != self.scheme:
            return False
        if self._host_re is not None and not self._host_re.match(url.host):
            return False
        return self.port is None or url.port == self.port

    def priority(self) -> tuple[int, int, int]:
        """Sort key: more specific patterns first (port, then host length, then scheme)."""
        return (-1 if self.port is not None else 0, -len(self.host), -len(self.scheme))


def mount_table(mounts: Any) -> list[tuple[MountPattern, Any]]:
    table = [(MountPattern(k), v) for k, v in (mounts or {}).items()]
    table.sort(key=lambda item: item[0].priority())
    return table
