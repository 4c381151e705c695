"""``HttpClient`` (async) and ``Client`` (sync): httpx's surface over one pooled Rust client.

The common case, no event hooks, no custom auth and no mock transport, goes
straight to Rust: ``client.get(url)`` returns the native awaitable without a
Python coroutine in between. Hooks, custom auth and mock transports take a
slower path that builds a :class:`Request` first.
"""

from __future__ import annotations

import inspect
import os
import pathlib
import ssl
from collections.abc import Mapping
from typing import Any

from ouroboros.core import InvalidArgumentError
from ouroboros.http._content import ByteStream, MultipartStream
from ouroboros.http._cookies import cookie_entries, cookie_pairs
from ouroboros.http._errors import ClientClosed, TooManyRedirects
from ouroboros.http._flow import mount_table, redirect_request
from ouroboros.http._http import Headers, NativeClient, Response, __version__
from ouroboros.http._models import (
    USE_CLIENT_DEFAULT,
    Auth,
    Limits,
    Request,
    Retry,
    Timeout,
    file_parts,
    to_auth,
)
from ouroboros.http._upload import Upload, asliced, sliced
from ouroboros.http._urls import URL, QueryParams

DEFAULT_TIMEOUT = Timeout(5.0)
DEFAULT_LIMITS = Limits()
# What every client sends unless told otherwise (``client.headers`` shows them).
DEFAULT_HEADERS = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Connection": "keep-alive",
    "User-Agent": f"ouroboros-http/{__version__}",
}


def _read_pem(value: Any, what: str) -> bytes:
    try:
        return pathlib.Path(value).read_bytes()
    except OSError as exc:
        raise InvalidArgumentError(f"{what}: cannot read {value}: {exc}") from exc


_NO_TIMEOUT = (None, None, None, None, None)


def _request_timeout(timeout: Any) -> tuple[float | None, ...] | None:
    """A per-request ``timeout=`` as the native call takes it: ``None`` keeps the
    client's; else ``(connect, read, write, pool, total)``, as httpx: a number
    bounds each phase, ``None`` none of them."""
    if timeout is USE_CLIENT_DEFAULT:
        return None
    if timeout is None:
        return _NO_TIMEOUT
    if isinstance(timeout, Timeout):
        return timeout.as_tuple()
    if isinstance(timeout, Mapping):
        return Timeout(**timeout).as_tuple()
    if isinstance(timeout, tuple):
        return Timeout(timeout).as_tuple()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidArgumentError(f"timeout must be a number of seconds, a Timeout or None, got {timeout!r}")
    return Timeout(timeout).as_tuple()


class _Closed:
    """Stands in for the native client after ``close()``."""

    def __getattr__(self, name: str) -> Any:
        raise ClientClosed("the client has been closed; create a new one to send requests")


class _BaseClient:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        headers: Any = None,
        params: Any = None,
        cookies: Mapping[str, str] | None = None,
        auth: Any = None,
        timeout: Any = DEFAULT_TIMEOUT,
        limits: Limits = DEFAULT_LIMITS,
        http1: bool = True,
        http2: bool = False,
        http2_prior_knowledge: bool = False,
        verify: bool | str | os.PathLike[str] = True,
        cert: str | os.PathLike[str] | tuple[Any, Any] | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
        follow_redirects: bool = False,
        max_redirects: int = 20,
        decompress: bool = True,
        retries: int | Retry = 0,
        event_hooks: Mapping[str, list[Any]] | None = None,
        transport: Any = None,
        mounts: Mapping[str, Any] | None = None,
        default_encoding: Any = "utf-8",
        user_agent: str | None = None,
        store_cookies: bool = True,
        max_response_size: int | None = None,
        max_cookies: int | None = None,
        max_cookie_size: int | None = None,
    ) -> None:
        if not http1 and not (http2 or http2_prior_knowledge):
            raise InvalidArgumentError("at least one of http1 and http2 must be enabled")
        timeout = timeout if isinstance(timeout, Timeout) else Timeout(timeout)
        if not isinstance(limits, Limits):
            raise InvalidArgumentError(f"limits= expects a Limits, got {type(limits).__name__}")
        for name, cap in (
            ("max_response_size", max_response_size),
            ("max_cookies", max_cookies),
            ("max_cookie_size", max_cookie_size),
        ):
            if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap < 2**63):
                raise InvalidArgumentError(f"{name} must be a positive int (bytes or count) or None, got {cap!r}")
        if isinstance(max_redirects, bool) or not isinstance(max_redirects, int) or max_redirects < 0:
            raise InvalidArgumentError(f"max_redirects must be an int >= 0, got {max_redirects!r}")
        ca_pem: bytes | None = None
        builtin_roots = True
        if verify is True and trust_env and os.environ.get("SSL_CERT_FILE"):
            # As httpx does: the environment names the CA bundle to trust.
            verify = os.environ["SSL_CERT_FILE"]
        if isinstance(verify, (str, os.PathLike)):
            ca_pem = _read_pem(verify, "verify")
            builtin_roots = False
            verify = True
        elif isinstance(verify, ssl.SSLContext):
            # rustls does the TLS: an SSLContext only says whether to check certificates.
            verify = verify.verify_mode != ssl.CERT_NONE
        elif not isinstance(verify, bool):
            raise InvalidArgumentError("verify= expects True, False, an ssl.SSLContext or the path of a PEM CA bundle")
        cert_pem: bytes | None = None
        if isinstance(cert, tuple):
            cert_pem = _read_pem(cert[0], "cert") + b"\n" + _read_pem(cert[1], "cert key")
        elif cert is not None:
            cert_pem = _read_pem(cert, "cert")
        if isinstance(retries, bool) or not isinstance(retries, (int, Retry)):
            raise InvalidArgumentError(f"retries= expects an int or a Retry, got {retries!r}")
        retry = retries if isinstance(retries, Retry) else Retry(retries=retries)
        self.auth = auth
        self._built_timeout = timeout
        self.timeout = timeout
        self.follow_redirects = follow_redirects
        self.event_hooks = event_hooks or {}
        self._transport = transport
        self._mounts = mount_table(mounts)
        self._params = QueryParams(params)
        self._base_url = _enforce_trailing_slash(URL(base_url)) if base_url is not None else None
        self._max_redirects = max_redirects
        self._default_encoding = default_encoding
        self.trust_env = trust_env
        default_headers = Headers(DEFAULT_HEADERS)
        if user_agent is not None:
            default_headers["User-Agent"] = user_agent
        if headers is not None:
            default_headers.update(headers)
        self._native: Any = NativeClient(
            base_url=None if base_url is None else str(base_url),
            headers=default_headers,
            params=None,
            timeout=timeout.as_tuple(),
            limits=(limits.max_connections, limits.max_keepalive_connections, limits.keepalive_expiry),
            http2=http2,
            http2_prior_knowledge=http2_prior_knowledge or (http2 and not http1),
            verify=verify,
            ca_pem=ca_pem,
            builtin_roots=builtin_roots,
            cert_pem=cert_pem,
            proxy=proxy,
            trust_env=trust_env,
            follow_redirects=follow_redirects,
            max_redirects=max_redirects,
            decompress=decompress,
            cookies=store_cookies,
            user_agent=user_agent,
            retry=retry.as_tuple(),
            max_response_size=max_response_size,
            max_cookies=max_cookies,
            max_cookie_size=max_cookie_size,
        )
        if cookies:
            jar = self._native.cookies
            if jar is None:
                raise InvalidArgumentError("cookies= needs store_cookies=True")
            for name, value, domain, path in cookie_entries(cookies):
                jar.set(name, value, domain.lstrip("."), path)

    def _add_jar_cookies(self, request: Request) -> None:
        """Send the jar's cookies for this host with a request answered by a transport."""
        jar = self._native.cookies
        if jar is None or "cookie" in request.headers:
            return
        header = jar._header_for(str(request.url))
        if header:
            request.headers["Cookie"] = header

    def _store_cookies(self, response: Any, request: Request) -> None:
        """Keep the ``Set-Cookie`` values of a transport's response in the client's jar."""
        jar = self._native.cookies
        if jar is None:
            return
        values = response.headers.get_list("set-cookie")
        if values:
            jar._store_response(values, str(request.url))

    # -- the fast-path test: no Python work needed between call and Rust --
    def _plain(self, auth: Any) -> bool:
        return (
            self._transport is None
            and not self._mounts
            and not self.event_hooks["request"]
            and not self.event_hooks["response"]
            and (
                (auth is USE_CLIENT_DEFAULT and (self._auth is None or self._fixed_auth is not None))
                or auth is None
                or (isinstance(auth, Auth) and auth.header() is not None)
            )
        )

    @property
    def timeout(self) -> Timeout:
        """The client's timeouts (settable, as in httpx: a number, a ``Timeout`` or ``None``)."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: Any) -> None:
        value = value if isinstance(value, Timeout) else Timeout(value)
        self._timeout = value
        # The native client keeps the timeouts it was built with; a different
        # setting goes with each request.
        self._timeout_override = None if value == self._built_timeout else value.as_tuple()

    def _timeout_for(self, timeout: Any) -> tuple[float | None, ...] | None:
        """The native ``timeout=`` of one request (``None``: the native client's own)."""
        t = _request_timeout(timeout)
        return self._timeout_override if t is None else t

    @property
    def event_hooks(self) -> dict[str, list[Any]]:
        """``{"request": [...], "response": [...]}``: callables run around each request."""
        return self._event_hooks

    @event_hooks.setter
    def event_hooks(self, value: Mapping[str, list[Any]]) -> None:
        hooks: dict[str, list[Any]] = {"request": [], "response": []}
        for name, funcs in value.items():
            if name not in hooks:
                raise InvalidArgumentError(f"unknown event hook {name!r}; expected 'request' or 'response'")
            hooks[name] = list(funcs)
        self._event_hooks = hooks

    def _redirect_headers(self, request: Request, url: URL, method: str) -> Any:
        """The headers of the request that follows a redirect of ``request`` to ``url``."""
        from ouroboros.http._flow import redirect_headers

        return redirect_headers(request, URL(url), method)

    @property
    def auth(self) -> Auth | None:
        """The client's authentication (an ``Auth``; tuples and callables are converted)."""
        return self._auth

    @auth.setter
    def auth(self, value: Any) -> None:
        self._auth = to_auth(value)
        self._fixed_auth = self._auth.header() if self._auth is not None else None

    def _fast_headers(self, headers: Any, auth: Any) -> Any:
        """Per-request headers with a fixed ``Authorization`` (Basic, Bearer) folded in."""
        if auth is USE_CLIENT_DEFAULT:
            fixed = self._fixed_auth
        elif auth is None:
            return headers
        else:
            fixed = auth.header()
        if fixed is None:
            return headers
        merged = Headers(headers)
        merged["Authorization"] = fixed
        return merged

    @property
    def headers(self) -> Any:
        """Headers sent with every request (a live, editable ``Headers``)."""
        return self._native.headers

    @headers.setter
    def headers(self, value: Any) -> None:
        self._native.headers = value

    @property
    def cookies(self) -> Any:
        """The cookie jar shared by every request of this client."""
        return self._native.cookies

    @cookies.setter
    def cookies(self, value: Any) -> None:
        jar = self._native.cookies
        if jar is None:
            raise InvalidArgumentError("client.cookies cannot be set on a client built with store_cookies=False")
        jar.clear()
        for name, val, domain, path in cookie_entries(value):
            jar.set(name, val, domain.lstrip("."), path)

    @property
    def base_url(self) -> URL:
        """The prefix of relative request URLs (``URL("")`` when none)."""
        return self._base_url if self._base_url is not None else URL("")

    @base_url.setter
    def base_url(self, value: Any) -> None:
        self._base_url = _enforce_trailing_slash(URL(value)) if value else None
        self._native.base_url = str(self._base_url) if self._base_url is not None else None

    @property
    def params(self) -> QueryParams:
        """Query parameters added to every request."""
        return self._params

    @params.setter
    def params(self, value: Any) -> None:
        self._params = QueryParams(value)

    def _merge_url(self, url: Any) -> URL:
        """``url`` joined to ``base_url`` as httpx joins them (base path kept, one slash)."""
        merged = URL(url)
        if merged.is_relative_url and self._base_url is not None:
            path = self._base_url.raw_path + merged.raw_path.lstrip(b"/")
            return self._base_url.copy_with(raw_path=path)
        return merged

    def _fast_params(self, params: Any) -> Any:
        if not self._params:
            return params
        return self._params.merge(params).multi_items() if params is not None else self._params.multi_items()

    @property
    def is_closed(self) -> bool:
        return isinstance(self._native, _Closed)

    def build_request(
        self,
        method: str,
        url: Any,
        *,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        timeout: Any = USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> Request:
        """Build the :class:`Request` that ``request()`` would send (for ``send()``, hooks and tests)."""
        from ouroboros.http._http import Headers

        full_url = self._merge_url(url)
        if self._params or params is not None:
            full_url = full_url.copy_merge_params(self._params.merge(params))
        merged = Headers(self._native.headers)
        if headers is not None:
            merged.update(headers)
        jar_cookies = cookie_pairs(cookies)
        if jar_cookies:
            import warnings

            warnings.warn(
                "Setting per-request cookies=<...> is being deprecated, because the expected behaviour on cookie "
                "persistence is ambiguous. Set cookies directly on the client instance instead.",
                DeprecationWarning,
                stacklevel=3,
            )
            merged["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar_cookies)
        extensions = dict(extensions or {})
        if timeout is not USE_CLIENT_DEFAULT:
            extensions["timeout"] = timeout
        return Request(
            method,
            full_url,
            headers=merged,
            content=content,
            data=data,
            files=files,
            json=json,
            extensions=extensions,
        )

    def _native_args(self, request: Request, body: bytes | None, upload: Upload | None = None) -> dict[str, Any]:
        """Keyword arguments of the native call sending ``request``: its body read
        (``body``) or streamed through ``upload`` (which keeps a known Content-Length,
        so only a body of unknown length goes out chunked)."""
        headers = request.headers
        dropped = (
            ("host", "transfer-encoding") if upload is not None else ("host", "content-length", "transfer-encoding")
        )
        if request._auto or upload is not None:
            headers = Headers(headers)
            for name in dropped:
                if name in request._auto or (upload is not None and name == "transfer-encoding"):
                    headers.pop(name, None)
        elif body is not None:
            headers.pop("content-length", None)
        args: dict[str, Any] = {"headers": headers}
        if upload is not None:
            args["stream"] = upload.channel
        elif body:
            args["content"] = body
        return args

    def _upload_for(self, request: Request, sync: bool) -> Upload | None:
        """The pump of a body to stream, or ``None`` for a body sent as bytes."""
        progress = request.extensions.get("upload_progress") is not None
        stream = request.stream
        if isinstance(stream, ByteStream):
            if not progress or not stream._data:
                return None
            return Upload(request, sliced(stream._data) if sync else asliced(stream._data))
        if isinstance(stream, MultipartStream) and stream.in_memory() and not progress:
            # Small and replayable (a 307/308 can send it again): sent as bytes.
            return None
        if sync:
            return Upload(request, iter(stream))
        return Upload(request, stream.__aiter__())

    def _chosen_auth(self, auth: Any, request: Request) -> Auth | None:
        chosen = self.auth if auth is USE_CLIENT_DEFAULT else to_auth(auth)
        if chosen is None and request.url.username:
            from ouroboros.http._models import BasicAuth

            return BasicAuth(request.url.username, request.url.password)
        return chosen

    def _follow(self, follow_redirects: Any) -> bool:
        return self.follow_redirects if follow_redirects is USE_CLIENT_DEFAULT else bool(follow_redirects)

    def _all_transports(self) -> list[Any]:
        found = [] if self._transport is None else [self._transport]
        found += [t for _, t in self._mounts if t is not None and t not in found]
        return found

    def _transport_for(self, url: Any) -> Any:
        """The transport answering ``url``: the best matching mount, else ``transport=``."""
        if self._mounts:
            for pattern, transport in self._mounts:
                if pattern.matches(url):
                    return transport
        return self._transport


def _enforce_trailing_slash(url: URL) -> URL:
    if url.raw_path.endswith(b"/"):
        return url
    return url.copy_with(raw_path=url.raw_path + b"/")


def _simple_body(content: Any, data: Any, files: Any) -> bool:
    """The body is one the native call encodes itself (else the slow path streams it)."""
    return (
        (content is None or isinstance(content, (bytes, str)))
        and (data is None or isinstance(data, Mapping))
        and (files is None or _small_files(files))
    )


def _small_files(files: Any) -> bool:
    """Every ``files=`` value is bytes or str already in memory (files and paths are streamed)."""
    items = files.values() if isinstance(files, Mapping) else (v for _, v in files) if isinstance(files, list) else None
    if items is None:
        return False
    for value in items:
        data = value[1] if isinstance(value, tuple) and len(value) >= 2 else value
        if not isinstance(data, (bytes, str)):
            return False
    return True


# Seconds to wait for an upload pump told to stop: it ends at its next chunk, unless
# the body's own iterator blocks (then the daemon thread / task is left behind).
_PUMP_GRACE = 5.0


async def _finish_task(task: Any) -> None:
    """Wait for an upload pump that was told to stop (it ends at its next chunk)."""
    import asyncio
    import contextlib

    if not task.done():
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), _PUMP_GRACE)
    if not task.done():
        task.cancel()


async def _in_thread(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking native call for an async caller outside asyncio (trio)."""
    from ouroboros.http._response_helpers import _to_thread

    return await _to_thread(lambda: func(*args, **kwargs))


def _foreign_loop() -> bool:
    """An event loop other than asyncio (trio) runs in this thread."""
    try:
        import sniffio

        return sniffio.current_async_library() != "asyncio"
    except Exception:  # noqa: BLE001 - sniffio missing or no loop at all
        return False


def _asyncio_running() -> bool:
    import asyncio

    return asyncio._get_running_loop() is not None


class HttpClient(_BaseClient):
    """An asynchronous HTTP client with a connection pool (use ``async with``).

    Args:
        base_url: Prefix for relative request URLs.
        headers: Headers sent with every request.
        params: Query parameters added to every request.
        cookies: Initial cookies (sent to every host).
        auth: ``(user, password)``, ``BasicAuth``, ``BearerAuth``, an ``Auth``
            subclass or a callable ``request -> request``.
        timeout: Seconds or a ``Timeout`` (default 5 s per phase).
        limits: Pool limits.
        http2: Offer HTTP/2 by ALPN on TLS; with ``http1=False`` speak HTTP/2
            from the first byte (also on plain TCP).
        verify: ``False`` to skip certificate checks, or the path of a PEM CA bundle
            (``SSL_CERT_FILE`` names one when ``trust_env``).
        cert: Client certificate for mutual TLS: one PEM file with key, or ``(certfile, keyfile)``.
        proxy: Proxy URL for every request; else ``HTTP(S)_PROXY`` when ``trust_env``.
        follow_redirects: Follow 3xx responses (off by default, as in httpx).
        max_redirects: Redirects followed before ``TooManyRedirects``.
        retries: Number of retries or a ``Retry`` policy.
        max_response_size: Most bytes of a response body (after decompression);
            more raises ``ResponseTooLarge``. ``None`` (default): no limit, as httpx.
        max_cookies: Most cookies the jar keeps from servers (``None``: no limit).
        max_cookie_size: Longest ``Set-Cookie`` header stored, in bytes (``None``: no limit).
        event_hooks: ``{"request": [...], "response": [...]}``; hooks may be async.
        transport: A ``MockTransport`` to answer requests without a network.
    """

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: Any = USE_CLIENT_DEFAULT,
        timeout: Any = USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> Any:
        """Send a request; returns an awaitable ``Response``."""
        if self._plain(auth) and not extensions and _simple_body(content, data, files):
            t = self._timeout_for(timeout)
            if self._fixed_auth is not None or (auth is not USE_CLIENT_DEFAULT and auth is not None):
                headers = self._fast_headers(headers, auth)
            try:
                return self._native.request(
                    method,
                    url if type(url) is str else str(url),
                    self._fast_params(params) if self._params else params,
                    headers,
                    cookies,
                    content,
                    data,
                    None if files is None else file_parts(files),
                    json,
                    t,
                    None if follow_redirects is USE_CLIENT_DEFAULT else follow_redirects,
                )
            except RuntimeError:
                # No asyncio loop: under trio (or another loop) the slow path runs the
                # blocking call in a worker thread; with no loop at all, the error stands.
                if not _foreign_loop():
                    raise
        return self._send_slow(
            method,
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            content=content,
            data=data,
            files=files,
            json=json,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
            stream=False,
        )

    async def _send_slow(
        self, method: str, url: str, *, auth: Any, follow_redirects: Any, timeout: Any, stream: bool, **build: Any
    ) -> Response:
        request = self.build_request(method, url, timeout=timeout, **build)
        return await self.send(request, auth=auth, follow_redirects=follow_redirects, stream=stream)

    async def send(
        self,
        request: Request,
        *,
        stream: bool = False,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: Any = USE_CLIENT_DEFAULT,
    ) -> Response:
        """Send a :class:`Request` (from ``build_request()`` or built by hand)."""
        if self.is_closed:
            raise ClientClosed("the client has been closed; create a new one to send requests")
        response = await self._send_auth(request, stream, auth, follow_redirects)
        if not stream and response._python_body:
            # A transport's streamed body (the network's is read natively).
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response

    async def _send_auth(self, request: Request, stream: bool, auth: Any, follow_redirects: Any) -> Response:
        chosen = self._chosen_auth(auth, request)
        follow = self._follow(follow_redirects)
        if chosen is None:
            return await self._send_redirects(request, follow, stream)
        history: list[Response] = []
        flow = chosen.async_auth_flow(request)
        try:
            request = await flow.__anext__()
            while True:
                response = await self._send_redirects(request, follow, stream)
                try:
                    request = await flow.asend(response)
                except StopAsyncIteration:
                    break
                await response.aread()
                response.history = list(history) + list(response.history)
                history.append(response)
        finally:
            await flow.aclose()
        if history:
            response.history = history + list(response.history)
        return response

    async def _send_redirects(self, request: Request, follow: bool, stream: bool) -> Response:
        hops: list[Response] = []
        while True:
            transport = self._transport_for(request.url)
            response = await self._send_single(request, transport, follow, stream)
            if transport is None or not response.is_redirect:
                break
            following = redirect_request(self, request, response)
            if not follow:
                response.next_request = following
                break
            if len(hops) >= self._max_redirects:
                raise TooManyRedirects(
                    f"{request.method} {request.url}: exceeded maximum allowed redirects ({self._max_redirects})",
                    method=request.method,
                    url=str(request.url),
                    request=request,
                )
            await response.aread()
            response.history = list(hops)
            hops.append(response)
            request = following
        if hops:
            response.history = hops
        return response

    async def _send_single(self, request: Request, transport: Any, follow: bool, stream: bool) -> Response:
        for hook in self.event_hooks["request"]:
            r = hook(request)
            if inspect.isawaitable(r):
                await r
        if transport is not None:
            self._add_jar_cookies(request)
            handle = getattr(transport, "handle_async_request", None) or transport.handle_request
            response = handle(request)
            if inspect.isawaitable(response):
                response = await response
            self._store_cookies(response, request)
        else:
            if not hasattr(request.stream, "__aiter__"):
                raise RuntimeError("Attempted to send a sync request with an AsyncClient instance.")
            t = self._timeout_for(request.extensions.get("timeout", USE_CLIENT_DEFAULT))
            if _asyncio_running():
                response = await self._send_native(request, t, follow, stream)
            else:
                response = await self._send_foreign(request, t, follow, stream)
        response.request = request
        for hook in self.event_hooks["response"]:
            r = hook(response)
            if inspect.isawaitable(r):
                await r
        return response

    async def _send_native(self, request: Request, t: Any, follow: bool, stream: bool) -> Response:
        native = self._native.stream if stream else self._native.request
        upload = self._upload_for(request, sync=False)
        if upload is None:
            args = self._native_args(request, await request.aread())
            return await native(request.method, str(request.url), None, timeout=t, follow_redirects=follow, **args)
        task = upload.start_task()
        answered = False
        try:
            response = await native(
                request.method,
                str(request.url),
                None,
                timeout=t,
                follow_redirects=follow,
                **self._native_args(request, None, upload),
            )
            answered = True
        except BaseException as exc:
            upload.done(answered=False)
            await _finish_task(task)
            if upload.error is not None:
                raise upload.error from exc
            raise
        if not stream:
            upload.done(answered=answered)
            await _finish_task(task)
        upload.raise_error()
        return response

    async def _send_foreign(self, request: Request, t: Any, follow: bool, stream: bool) -> Response:
        """No asyncio loop (trio): the blocking call runs in a worker thread.

        A streamed body is pumped by a task of the caller's loop into the same
        bounded channel as under asyncio, so it is never read into memory.
        """
        native = self._native.stream_sync if stream else self._native.request_sync
        upload = self._upload_for(request, sync=False)
        if upload is None:
            args = self._native_args(request, await request.aread())
            return await _in_thread(
                native, request.method, str(request.url), None, timeout=t, follow_redirects=follow, **args
            )
        import trio

        args = self._native_args(request, None, upload)
        failure: BaseException | None = None
        # The call's own error is kept out of the nursery: raised inside it,
        # trio would wrap it in an exception group.
        async with trio.open_nursery() as nursery:
            nursery.start_soon(upload.trio_pump)
            try:
                response = await _in_thread(
                    native, request.method, str(request.url), None, timeout=t, follow_redirects=follow, **args
                )
            except Exception as exc:  # noqa: BLE001 - re-raised below, outside the nursery
                failure = exc
            if failure is not None or not stream:
                upload.done(answered=failure is None)
        if failure is not None:
            if upload.error is not None:
                raise upload.error from failure
            raise failure
        upload.raise_error()
        return response

    def get(self, url: str, **kwargs: Any) -> Any:
        """``GET``; keyword arguments as for :meth:`request`."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Any:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Any:
        return self.request("OPTIONS", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.request("PATCH", url, **kwargs)

    def stream(self, method: str, url: str, **kwargs: Any) -> _AsyncStream:
        """``async with client.stream("GET", url) as response:`` reads the body lazily."""
        return _AsyncStream(self, method, url, kwargs)

    async def aclose(self) -> None:
        """Close the pool and the transports; later requests raise ``ClientClosed``."""
        if self.is_closed:
            return
        self._native = _Closed()
        for transport in self._all_transports():
            close = getattr(transport, "aclose", None)
            if close is not None:
                await close()

    async def __aenter__(self) -> HttpClient:
        if self.is_closed:
            raise ClientClosed("a closed client cannot be opened again; create a new one")
        for transport in self._all_transports():
            enter = getattr(transport, "__aenter__", None)
            if enter is not None:
                await enter()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.is_closed:
            return
        self._native = _Closed()
        for transport in self._all_transports():
            leave = getattr(transport, "__aexit__", None)
            if leave is not None:
                await leave(*exc)


class _AsyncStream:
    def __init__(self, client: HttpClient, method: str, url: str, kwargs: dict[str, Any]) -> None:
        self._client, self._method, self._url, self._kwargs = client, method, url, kwargs
        self._response: Response | None = None

    async def __aenter__(self) -> Response:
        c, kw = self._client, dict(self._kwargs)
        auth = kw.pop("auth", USE_CLIENT_DEFAULT)
        follow = kw.pop("follow_redirects", USE_CLIENT_DEFAULT)
        timeout = kw.pop("timeout", USE_CLIENT_DEFAULT)
        self._response = await c._send_slow(
            self._method, self._url, auth=auth, follow_redirects=follow, timeout=timeout, stream=True, **kw
        )
        return self._response

    async def __aexit__(self, *exc: object) -> None:
        if self._response is not None:
            await self._response.aclose()


class Client(_BaseClient):
    """The blocking twin of :class:`HttpClient` (same arguments); waits with the GIL released."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: Any = USE_CLIENT_DEFAULT,
        timeout: Any = USE_CLIENT_DEFAULT,
        extensions: dict[str, Any] | None = None,
    ) -> Response:
        """Send a request and return the ``Response``."""
        if self._plain(auth) and not extensions and _simple_body(content, data, files):
            t = self._timeout_for(timeout)
            if self._fixed_auth is not None or (auth is not USE_CLIENT_DEFAULT and auth is not None):
                headers = self._fast_headers(headers, auth)
            return self._native.request_sync(
                method,
                url if type(url) is str else str(url),
                self._fast_params(params) if self._params else params,
                headers,
                cookies,
                content,
                data,
                None if files is None else file_parts(files),
                json,
                t,
                None if follow_redirects is USE_CLIENT_DEFAULT else follow_redirects,
            )
        return self._send_slow(
            method,
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            content=content,
            data=data,
            files=files,
            json=json,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
            stream=False,
        )

    def _send_slow(
        self, method: str, url: str, *, auth: Any, follow_redirects: Any, timeout: Any, stream: bool, **build: Any
    ) -> Response:
        request = self.build_request(method, url, timeout=timeout, **build)
        return self.send(request, auth=auth, follow_redirects=follow_redirects, stream=stream)

    def send(
        self,
        request: Request,
        *,
        stream: bool = False,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: Any = USE_CLIENT_DEFAULT,
    ) -> Response:
        """Send a :class:`Request` (from ``build_request()`` or built by hand)."""
        if self.is_closed:
            raise ClientClosed("the client has been closed; create a new one to send requests")
        response = self._send_auth(request, stream, auth, follow_redirects)
        if not stream and response._python_body:
            # A transport's streamed body (the network's is read natively).
            try:
                response.read()
            except BaseException:
                response.close()
                raise
        return response

    def _send_auth(self, request: Request, stream: bool, auth: Any, follow_redirects: Any) -> Response:
        chosen = self._chosen_auth(auth, request)
        follow = self._follow(follow_redirects)
        if chosen is None:
            return self._send_redirects(request, follow, stream)
        history: list[Response] = []
        flow = chosen.sync_auth_flow(request)
        try:
            request = next(flow)
            while True:
                response = self._send_redirects(request, follow, stream)
                try:
                    request = flow.send(response)
                except StopIteration:
                    break
                response.read()
                response.history = list(history) + list(response.history)
                history.append(response)
        finally:
            flow.close()
        if history:
            response.history = history + list(response.history)
        return response

    def _send_redirects(self, request: Request, follow: bool, stream: bool) -> Response:
        hops: list[Response] = []
        while True:
            transport = self._transport_for(request.url)
            response = self._send_single(request, transport, follow, stream)
            if transport is None or not response.is_redirect:
                break
            following = redirect_request(self, request, response)
            if not follow:
                response.next_request = following
                break
            if len(hops) >= self._max_redirects:
                raise TooManyRedirects(
                    f"{request.method} {request.url}: exceeded maximum allowed redirects ({self._max_redirects})",
                    method=request.method,
                    url=str(request.url),
                    request=request,
                )
            response.read()
            response.history = list(hops)
            hops.append(response)
            request = following
        if hops:
            response.history = hops
        return response

    def _send_single(self, request: Request, transport: Any, follow: bool, stream: bool) -> Response:
        for hook in self.event_hooks["request"]:
            hook(request)
        if transport is not None:
            self._add_jar_cookies(request)
            response = transport.handle_request(request)
            if inspect.isawaitable(response):
                close = getattr(response, "close", None)
                if close is not None:
                    close()
                raise InvalidArgumentError(
                    "the sync Client was given an async transport; use AsyncClient/HttpClient with it"
                )
            self._store_cookies(response, request)
        else:
            if not hasattr(request.stream, "__iter__"):
                raise RuntimeError("Attempted to send an async request with a sync Client instance.")
            t = self._timeout_for(request.extensions.get("timeout", USE_CLIENT_DEFAULT))
            response = self._send_native(request, t, follow, stream)
        response.request = request
        for hook in self.event_hooks["response"]:
            hook(response)
        return response

    def _send_native(self, request: Request, t: Any, follow: bool, stream: bool) -> Response:
        native = self._native.stream_sync if stream else self._native.request_sync
        upload = self._upload_for(request, sync=True)
        if upload is None:
            args = self._native_args(request, request.read())
            return native(request.method, str(request.url), None, timeout=t, follow_redirects=follow, **args)
        thread = upload.start_thread()
        try:
            response = native(
                request.method,
                str(request.url),
                None,
                timeout=t,
                follow_redirects=follow,
                **self._native_args(request, None, upload),
            )
        except BaseException as exc:
            upload.done(answered=False)
            thread.join(_PUMP_GRACE)
            if upload.error is not None:
                raise upload.error from exc
            raise
        if not stream:
            upload.done(answered=True)
            thread.join(_PUMP_GRACE)
        upload.raise_error()
        return response

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def stream(self, method: str, url: str, **kwargs: Any) -> _SyncStream:
        """``with client.stream("GET", url) as response:`` reads the body lazily."""
        return _SyncStream(self, method, url, kwargs)

    def close(self) -> None:
        """Close the pool and the transports; later requests raise ``ClientClosed``."""
        if self.is_closed:
            return
        self._native = _Closed()
        for transport in self._all_transports():
            close = getattr(transport, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> Client:
        if self.is_closed:
            raise ClientClosed("a closed client cannot be opened again; create a new one")
        for transport in self._all_transports():
            enter = getattr(transport, "__enter__", None)
            if enter is not None:
                enter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.is_closed:
            return
        self._native = _Closed()
        for transport in self._all_transports():
            leave = getattr(transport, "__exit__", None)
            if leave is not None:
                leave(*exc)


class _SyncStream:
    def __init__(self, client: Client, method: str, url: str, kwargs: dict[str, Any]) -> None:
        self._client, self._method, self._url, self._kwargs = client, method, url, kwargs
        self._response: Response | None = None

    def __enter__(self) -> Response:
        kw = dict(self._kwargs)
        auth = kw.pop("auth", USE_CLIENT_DEFAULT)
        follow = kw.pop("follow_redirects", USE_CLIENT_DEFAULT)
        timeout = kw.pop("timeout", USE_CLIENT_DEFAULT)
        self._response = self._client._send_slow(
            self._method, self._url, auth=auth, follow_redirects=follow, timeout=timeout, stream=True, **kw
        )
        return self._response

    def __exit__(self, *exc: object) -> None:
        if self._response is not None:
            self._response.close()
