"""Plain Python value types of the client: timeouts, limits, retries, auth and requests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ouroboros.core import InvalidArgumentError
from ouroboros.http._http import Headers, _encode_json


class _UseClientDefault:
    """Marks an argument left out, so the client's setting applies (``None`` means "no limit")."""

    _instance: _UseClientDefault | None = None

    def __new__(cls) -> _UseClientDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "USE_CLIENT_DEFAULT"

    def __bool__(self) -> bool:
        return False


USE_CLIENT_DEFAULT: Any = _UseClientDefault()
_UNSET: Any = object()


def _seconds(value: Any, name: str) -> float | None:
    if value is None:
        return None
    # The upper bound keeps `now + timeout` inside the clock's range (about 31 years).
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1e9:
        raise InvalidArgumentError(f"{name} must be a number of seconds between 0 and 1e9 or None, got {value!r}")
    return float(value)


class URL(str):
    """A URL that is also a ``str`` (so ``response.url == "http://..."`` holds),
    with httpx's parts: ``scheme``, ``host``, ``port``, ``path``, ``query``,
    ``params``, ``fragment``.
    """

    __slots__ = ()

    def _split(self) -> Any:
        from urllib.parse import urlsplit

        return urlsplit(self)

    @property
    def scheme(self) -> str:
        return self._split().scheme

    @property
    def host(self) -> str:
        return self._split().hostname or ""

    @property
    def port(self) -> int | None:
        return self._split().port

    @property
    def path(self) -> str:
        return self._split().path or "/"

    @property
    def query(self) -> bytes:
        return self._split().query.encode()

    @property
    def params(self) -> dict[str, str]:
        """The query parameters (the last value of a repeated name)."""
        from urllib.parse import parse_qsl

        return dict(parse_qsl(self._split().query, keep_blank_values=True))

    @property
    def fragment(self) -> str:
        return self._split().fragment


class Timeout:
    """Time bounds per phase, in seconds (``None``: no bound).

    ``Timeout(10)`` bounds every phase by 10 s; ``Timeout(10, connect=2)``
    changes one phase. ``total`` bounds the whole exchange, redirects and
    retries included. On a single request, a number or a ``Timeout`` bounds
    the whole exchange (its ``total``, else the largest phase given).
    """

    __slots__ = ("connect", "pool", "read", "total", "write")

    def __init__(
        self,
        timeout: Any = _UNSET,
        *,
        connect: Any = _UNSET,
        read: Any = _UNSET,
        write: Any = _UNSET,
        pool: Any = _UNSET,
        total: float | None = None,
    ) -> None:
        if isinstance(timeout, Timeout):
            base: tuple[Any, ...] = timeout.as_tuple()
        elif isinstance(timeout, tuple):
            base = (*(*timeout, None, None, None, None)[:4], None)
        elif timeout is _UNSET:
            if _UNSET in (connect, read, write, pool):
                raise InvalidArgumentError(
                    "Timeout() needs a default (Timeout(5.0)) or all four of connect, read, write and pool"
                )
            base = (None, None, None, None, None)
        else:
            base = (timeout, timeout, timeout, timeout, None)
        self.connect = _seconds(base[0] if connect is _UNSET else connect, "connect timeout")
        self.read = _seconds(base[1] if read is _UNSET else read, "read timeout")
        self.write = _seconds(base[2] if write is _UNSET else write, "write timeout")
        self.pool = _seconds(base[3] if pool is _UNSET else pool, "pool timeout")
        self.total = _seconds(total if total is not None else base[4], "total timeout")

    def as_tuple(self) -> tuple[float | None, ...]:
        return (self.connect, self.read, self.write, self.pool, self.total)

    def deadline(self) -> float | None:
        """The single bound used when this is given to one request."""
        if self.total is not None:
            return self.total
        given = [t for t in self.as_tuple()[:4] if t is not None]
        return max(given) if given else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timeout) and self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def __repr__(self) -> str:
        c, r, w, p, t = self.as_tuple()
        return f"Timeout(connect={c}, read={r}, write={w}, pool={p}, total={t})"


@dataclass(frozen=True)
class Limits:
    """Connection-pool limits.

    Attributes:
        max_connections: Requests in flight at once; more wait for the pool timeout.
        max_keepalive_connections: Idle connections kept per host.
        keepalive_expiry: Seconds an idle connection is kept.
    """

    max_connections: int | None = 100
    max_keepalive_connections: int | None = 20
    keepalive_expiry: float | None = 5.0

    def __post_init__(self) -> None:
        for name in ("max_connections", "max_keepalive_connections"):
            v = getattr(self, name)
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, int) or v < (1 if name == "max_connections" else 0)
            ):
                raise InvalidArgumentError(f"Limits.{name} must be a positive int or None, got {v!r}")
        _seconds(self.keepalive_expiry, "Limits.keepalive_expiry")


@dataclass(frozen=True)
class Retry:
    """How failed requests are sent again.

    Connection failures are retried for every method (the server never saw
    the request). Failures after sending, and responses whose status is in
    ``status_codes``, are retried only for ``methods`` (idempotent ones by
    default). The wait before retry ``n`` is ``backoff_factor * 2**n`` plus up
    to ``jitter`` of itself at random, capped at ``max_backoff``; a
    ``Retry-After`` header on the response wins when ``respect_retry_after``.
    """

    retries: int = 3
    backoff_factor: float = 0.5
    max_backoff: float = 30.0
    jitter: float = 0.1
    status_codes: frozenset[int] = field(default_factory=lambda: frozenset({429, 502, 503, 504}))
    methods: frozenset[str] = field(
        default_factory=lambda: frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
    )
    respect_retry_after: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise InvalidArgumentError(f"Retry.retries must be an int >= 0, got {self.retries!r}")
        _seconds(self.backoff_factor, "Retry.backoff_factor")
        _seconds(self.max_backoff, "Retry.max_backoff")
        if not 0.0 <= self.jitter <= 1.0:
            raise InvalidArgumentError(f"Retry.jitter must be between 0 and 1, got {self.jitter!r}")

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.retries,
            float(self.backoff_factor),
            float(self.max_backoff),
            float(self.jitter),
            sorted(self.status_codes),
            sorted(m.upper() for m in self.methods),
            self.respect_retry_after,
        )


class Auth:
    """Base class of authentication schemes: change the request before it is sent.

    Subclass it and override :meth:`auth_flow`; it may be ``async``.
    """

    def auth_flow(self, request: Request) -> Request:  # pragma: no cover - interface
        return request

    def header(self) -> str | None:
        """A fixed ``Authorization`` value, when the scheme has one (fast path)."""
        return None


class BasicAuth(Auth):
    """HTTP Basic authentication (RFC 7617)."""

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        import base64

        user = username.encode() if isinstance(username, str) else username
        pw = password.encode() if isinstance(password, str) else password
        self._header = "Basic " + base64.b64encode(user + b":" + pw).decode("ascii")

    def header(self) -> str:
        return self._header

    def auth_flow(self, request: Request) -> Request:
        request.headers["Authorization"] = self._header
        return request


class BearerAuth(Auth):
    """``Authorization: Bearer <token>``."""

    def __init__(self, token: str) -> None:
        if not isinstance(token, str) or not token or any(c in token for c in "\r\n"):
            raise InvalidArgumentError("BearerAuth needs a non-empty token without line breaks")
        self._header = f"Bearer {token}"

    def header(self) -> str:
        return self._header

    def auth_flow(self, request: Request) -> Request:
        request.headers["Authorization"] = self._header
        return request


class FunctionAuth(Auth):
    """Wraps a callable ``request -> request`` (what ``auth=callable`` means)."""

    def __init__(self, func: Callable[[Request], Any]) -> None:
        self._func = func

    def auth_flow(self, request: Request) -> Any:
        return self._func(request)


def to_auth(value: Any) -> Auth | None:
    """Normalise the forms ``auth=`` accepts."""
    if value is None or isinstance(value, Auth):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return BasicAuth(*value)
    if callable(value):
        return FunctionAuth(value)
    raise InvalidArgumentError(
        f"auth= expects (username, password), an Auth instance or a callable, got {type(value).__name__}"
    )


class Request:
    """A request as event hooks, auth and mock transports see it.

    Attributes:
        method: Upper-case method.
        url: The full URL (base_url and params applied).
        headers: The headers that will be sent (editable).
        content: The encoded body (``b""`` for multipart uploads, which are
            encoded by the transport).
        extensions: Free-form per-request data for hooks.
    """

    def __init__(
        self,
        method: str,
        url: str,
        *,
        headers: Any = None,
        content: bytes | str | None = None,
        json: Any = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        self.method = method.upper()
        self.url = URL(url)
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        if json is not None:
            self.content = _encode_json(json)
            self.headers.setdefault("content-type", "application/json")
        elif isinstance(content, str):
            self.content = content.encode()
        else:
            self.content = bytes(content or b"")
        self.extensions: dict[str, Any] = extensions or {}
        self._files: list[tuple[Any, ...]] | None = None
        self._data: Any = None

    def json(self) -> Any:
        """The body parsed as JSON."""
        import json as _json

        return _json.loads(self.content)

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {self.url!r})>"


def file_parts(files: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> list[tuple[str, str | None, bytes, str | None]]:
    """Normalise ``files=`` into ``(field, filename, data, content_type)``.

    A value may be bytes, a path (``pathlib.Path``), an open binary file, or a
    tuple ``(filename, bytes|path|file[, content_type])``.
    """
    items = files.items() if isinstance(files, Mapping) else files
    out: list[tuple[str, str | None, bytes, str | None]] = []
    for name, value in items:
        filename: str | None = None
        ctype: str | None = None
        if isinstance(value, tuple):
            if not 2 <= len(value) <= 3:
                raise InvalidArgumentError(f"files[{name!r}]: expected (filename, data[, content_type])")
            if len(value) == 3:
                ctype = value[2]
            filename, value = value[0], value[1]
        out.append(_one_file(str(name), filename, ctype, value))
    return out


def _one_file(
    name: str, filename: str | None, ctype: str | None, value: Any
) -> tuple[str, str | None, bytes, str | None]:
    import os
    import pathlib

    data: bytes
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    elif isinstance(value, str):
        data = value.encode()
    elif isinstance(value, (pathlib.PurePath, os.PathLike)):
        path = pathlib.Path(value)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidArgumentError(f"files[{name!r}]: cannot read {path}: {exc}") from exc
        filename = filename if filename is not None else path.name
    elif hasattr(value, "read"):
        raw = value.read()
        data = raw.encode() if isinstance(raw, str) else bytes(raw)
        if filename is None:
            fname = getattr(value, "name", None)
            filename = os.path.basename(fname) if isinstance(fname, str) else None
    else:
        raise InvalidArgumentError(
            f"files[{name!r}]: expected bytes, a path or a file object, got {type(value).__name__}"
        )
    filename = filename if filename is not None else name
    if ctype is None:
        import mimetypes

        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return (name, filename, data, ctype)
