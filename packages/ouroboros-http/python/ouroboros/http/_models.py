"""Plain Python value types of the client: timeouts, limits, retries, auth and requests."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ouroboros.core import InvalidArgumentError
from ouroboros.http._http import Headers
from ouroboros.http._urls import URL


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


class Timeout:
    """Time bounds per phase, in seconds (``None``: no bound).

    ``Timeout(10)`` bounds every phase by 10 s; ``Timeout(10, connect=2)``
    changes one phase. ``total`` bounds the whole exchange, redirects and
    retries included. On a single request (``timeout=`` of ``get()``,
    ``stream()``, ``build_request()``...) it replaces the client's bounds for
    that request, phase by phase, as in httpx.
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

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timeout) and self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def __repr__(self) -> str:
        c, r, w, p, t = self.as_tuple()
        total = "" if t is None else f", total={t}"
        if c == r == w == p:
            return f"Timeout(timeout={c}{total})"
        return f"Timeout(connect={c}, read={r}, write={w}, pool={p}{total})"


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
    """Base class of authentication schemes.

    Override :meth:`auth_flow`. It may return the (edited) request, or, as in
    httpx, be a generator that yields requests and receives each response
    (``response = yield request``), for schemes that answer a challenge; it may
    also be ``async``. Set ``requires_request_body`` / ``requires_response_body``
    when the flow reads bodies.
    """

    requires_request_body = False
    requires_response_body = False

    def auth_flow(self, request: Request) -> Any:
        return request

    def header(self) -> str | None:
        """A fixed ``Authorization`` value, when the scheme has one (fast path)."""
        return None

    def sync_auth_flow(self, request: Request) -> Generator[Request, Any, None]:
        """Drive :meth:`auth_flow` for the sync client."""
        import inspect

        if self.requires_request_body:
            request.read()
        flow = self.auth_flow(request)
        if not inspect.isgenerator(flow):
            if inspect.isawaitable(flow) or inspect.isasyncgen(flow):
                if inspect.iscoroutine(flow):
                    flow.close()
                raise InvalidArgumentError(f"{type(self).__name__}.auth_flow is async; use it with the async client")
            yield flow if isinstance(flow, Request) else request
            return
        request = next(flow)
        while True:
            response = yield request
            if self.requires_response_body:
                response.read()
            try:
                request = flow.send(response)
            except StopIteration:
                break

    async def async_auth_flow(self, request: Request) -> AsyncGenerator[Request, Any]:
        """Drive :meth:`auth_flow` (sync, generator or async) for the async client."""
        import inspect

        if self.requires_request_body:
            await request.aread()
        flow = self.auth_flow(request)
        if inspect.isasyncgen(flow):
            request = await flow.__anext__()
            while True:
                response = yield request
                if self.requires_response_body:
                    await response.aread()
                try:
                    request = await flow.asend(response)
                except StopAsyncIteration:
                    break
        elif inspect.isgenerator(flow):
            request = next(flow)
            while True:
                response = yield request
                if self.requires_response_body:
                    await response.aread()
                try:
                    request = flow.send(response)
                except StopIteration:
                    break
        else:
            if inspect.isawaitable(flow):
                flow = await flow
            yield flow if isinstance(flow, Request) else request


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


class _AuthTypeError(InvalidArgumentError, TypeError):
    """``auth=`` got a value of a type it cannot use."""


def to_auth(value: Any) -> Auth | None:
    """Normalise the forms ``auth=`` accepts."""
    if value is None or isinstance(value, Auth):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return BasicAuth(*value)
    if callable(value):
        return FunctionAuth(value)
    raise _AuthTypeError(
        f"Invalid 'auth' argument: auth= expects (username, password), an Auth instance or a callable, got {value!r}"
    )


class NetRCAuth(Auth):
    """Credentials for the request's host from a ``.netrc`` file (``~/.netrc`` by default)."""

    def __init__(self, file: str | None = None) -> None:
        import netrc

        self._netrc = netrc.netrc(file)

    def auth_flow(self, request: Request) -> Request:
        found = self._netrc.authenticators(request.url.host)
        if found is not None and found[2] is not None:
            request.headers["Authorization"] = BasicAuth(found[0], found[2]).header()
        return request


class Request:
    """An HTTP request, as httpx builds it: hooks, auth flows and transports see and edit it.

    ``Request("POST", url, json={...})`` encodes the body at once and sets the
    ``Host``, ``Content-Length`` (or ``Transfer-Encoding: chunked`` for an
    iterator body) and ``Content-Type`` headers, unless given.

    Attributes:
        method: Upper-case method.
        url: The :class:`URL` (``params`` merged in).
        headers: The headers that will be sent (editable).
        stream: The body as a byte stream (sync and/or async iterable).
        extensions: Free-form per-request data (``timeout`` among others).
    """

    def __init__(
        self,
        method: str | bytes,
        url: URL | str,
        *,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        stream: Any = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        from ouroboros.http._content import ByteStream, encode_request

        self.method = (method.decode("ascii") if isinstance(method, bytes) else method).upper()
        self.url = URL(url)
        if params is not None:
            self.url = self.url.copy_with(params=params)
        self.headers = Headers(headers)
        self.extensions: dict[str, Any] = {} if extensions is None else extensions
        if cookies:
            from ouroboros.http._cookies import cookie_header

            value = cookie_header(cookies, self.url)
            if value:
                self.headers["Cookie"] = value
        self._auto: set[str] = set()
        if stream is None:
            body_headers, self.stream = encode_request(
                content, data, files, json, content_type=self.headers.get("content-type")
            )
            self._prepare(body_headers)
            if isinstance(self.stream, ByteStream):
                self._content: bytes | None = self.stream._data
            else:
                self._content = None
        else:
            self.stream = stream
            self._content = None

    def _prepare(self, defaults: Mapping[str, str]) -> None:
        """Add the body's and the host's headers, unless the caller set them (Host first)."""
        for name, value in defaults.items():
            if name.lower() == "transfer-encoding" and "content-length" in self.headers:
                continue
            if name not in self.headers:
                self.headers[name] = value
                self._auto.add(name.lower())
        first: list[tuple[str, str]] = []
        if "host" not in self.headers and self.url.host:
            first.append(("Host", self.url.netloc.decode("ascii").rpartition("@")[2]))
            self._auto.add("host")
        body_known = "content-length" in self.headers or "transfer-encoding" in self.headers
        if not body_known and self.method in ("POST", "PUT", "PATCH"):
            first.append(("Content-Length", "0"))
            self._auto.add("content-length")
        if first:
            self.headers = Headers(first + self.headers.multi_items())

    @property
    def content(self) -> bytes:
        """The body (a streamed body must be ``read()`` first)."""
        if self._content is None:
            from ouroboros.http._errors import RequestNotRead

            raise RequestNotRead("Attempted to access streaming request content, without having called `read()`.")
        return self._content

    @content.setter
    def content(self, value: bytes) -> None:
        from ouroboros.http._content import ByteStream

        self._content = bytes(value)
        self.stream = ByteStream(self._content)

    def read(self) -> bytes:
        """Read a streamed body into memory (so it can be sent again)."""
        from ouroboros.http._content import ByteStream
        from ouroboros.http._errors import StreamClosed

        if self._content is None:
            if not isinstance(self.stream, Iterable):
                raise StreamClosed("the request body is an async stream; use `await request.aread()`")
            self._content = b"".join(self.stream)
            self.stream = ByteStream(self._content)
        return self._content

    async def aread(self) -> bytes:
        """Read a streamed body into memory (so it can be sent again)."""
        from ouroboros.http._content import ByteStream

        if self._content is None:
            is_async = hasattr(self.stream, "__aiter__")
            chunks = [chunk async for chunk in self.stream] if is_async else list(self.stream)
            self._content = b"".join(chunks)
            self.stream = ByteStream(self._content)
        return self._content

    def json(self) -> Any:
        """The body parsed as JSON."""
        import json as _json

        return _json.loads(self.content)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["headers"] = self.headers.multi_items()
        if self._content is None:
            from ouroboros.http._content import ClosedStream

            state["stream"] = ClosedStream()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["headers"] = Headers(state["headers"])
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {str(self.url)!r})>"


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
