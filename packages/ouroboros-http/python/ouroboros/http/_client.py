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
from collections.abc import Mapping
from typing import Any

from ouroboros.core import InvalidArgumentError
from ouroboros.http._errors import ClientClosed
from ouroboros.http._http import NativeClient, Response
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

DEFAULT_TIMEOUT = Timeout(5.0)
DEFAULT_LIMITS = Limits()


def _read_pem(value: Any, what: str) -> bytes:
    try:
        return pathlib.Path(value).read_bytes()
    except OSError as exc:
        raise InvalidArgumentError(f"{what}: cannot read {value}: {exc}") from exc


def _request_timeout(timeout: Any) -> tuple[float | None, bool]:
    if timeout is USE_CLIENT_DEFAULT:
        return None, False
    if timeout is None:
        return None, True
    if isinstance(timeout, Timeout):
        return timeout.deadline(), True
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidArgumentError(f"timeout must be a number of seconds, a Timeout or None, got {timeout!r}")
    return float(timeout), True


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
        user_agent: str | None = None,
        store_cookies: bool = True,
    ) -> None:
        if not http1 and not (http2 or http2_prior_knowledge):
            raise InvalidArgumentError("at least one of http1 and http2 must be enabled")
        timeout = timeout if isinstance(timeout, Timeout) else Timeout(timeout)
        if not isinstance(limits, Limits):
            raise InvalidArgumentError(f"limits= expects a Limits, got {type(limits).__name__}")
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
        elif not isinstance(verify, bool):
            raise InvalidArgumentError("verify= expects True, False or the path of a PEM CA bundle")
        cert_pem: bytes | None = None
        if isinstance(cert, tuple):
            cert_pem = _read_pem(cert[0], "cert") + b"\n" + _read_pem(cert[1], "cert key")
        elif cert is not None:
            cert_pem = _read_pem(cert, "cert")
        if isinstance(retries, bool) or not isinstance(retries, (int, Retry)):
            raise InvalidArgumentError(f"retries= expects an int or a Retry, got {retries!r}")
        retry = retries if isinstance(retries, Retry) else Retry(retries=retries)
        self.auth: Auth | None = to_auth(auth)
        self.timeout = timeout
        self.follow_redirects = follow_redirects
        self.event_hooks: dict[str, list[Any]] = {"request": [], "response": []}
        for name, hooks in (event_hooks or {}).items():
            if name not in self.event_hooks:
                raise InvalidArgumentError(f"unknown event hook {name!r}; expected 'request' or 'response'")
            self.event_hooks[name] = list(hooks)
        self._transport = transport
        default_headers = headers
        fixed = self.auth.header() if self.auth is not None else None
        self._native: Any = NativeClient(
            base_url=base_url,
            headers=default_headers,
            params=params,
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
        )
        if fixed is not None:
            self._native.headers["Authorization"] = fixed
        if cookies:
            jar = self._native.cookies
            if jar is None:
                raise InvalidArgumentError("cookies= needs store_cookies=True")
            for k, v in cookies.items():
                jar.set(k, v)

    # -- the fast-path test: no Python work needed between call and Rust --
    def _plain(self, auth: Any) -> bool:
        return (
            self._transport is None
            and not self.event_hooks["request"]
            and not self.event_hooks["response"]
            and (auth is USE_CLIENT_DEFAULT or auth is None or (isinstance(auth, Auth) and auth.header() is not None))
            and (self.auth is None or self.auth.header() is not None)
        )

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

    @property
    def base_url(self) -> str | None:
        return self._native.base_url

    @property
    def is_closed(self) -> bool:
        return isinstance(self._native, _Closed)

    def build_request(
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
        extensions: dict[str, Any] | None = None,
    ) -> Request:
        """Build the :class:`Request` that ``request()`` would send (for hooks, mocks and tests)."""
        from ouroboros.http._http import Headers

        full_url = self._native.build_url(method, url, params)
        merged = Headers(self._native.headers)
        if headers is not None:
            merged.update(headers)
        if cookies:
            merged["Cookie"] = "; ".join(f"{k}={v}" for k, v in dict(cookies).items())
        request = Request(method, full_url, headers=merged, json=json, extensions=extensions)
        if content is not None:
            request.content = content.encode() if isinstance(content, str) else bytes(content)
        elif files is not None:
            request._files = file_parts(files)
            request._data = data
        elif data is not None:
            if isinstance(data, (str, bytes)):
                request.content = data.encode() if isinstance(data, str) else data
            else:
                from urllib.parse import urlencode

                request.content = urlencode(
                    list(data.items()) if isinstance(data, Mapping) else data, doseq=True
                ).encode()
                merged.setdefault("content-type", "application/x-www-form-urlencoded")
        return request

    def _native_args(self, request: Request) -> dict[str, Any]:
        args: dict[str, Any] = {"headers": request.headers}
        if request._files is not None:
            args["files"] = request._files
            args["data"] = request._data
        elif request.content:
            args["content"] = request.content
        return args

    @staticmethod
    def _files(files: Any) -> Any:
        return None if files is None else file_parts(files)


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
        if self._plain(auth):
            t, given = _request_timeout(timeout)
            if auth is not USE_CLIENT_DEFAULT and auth is not None:
                headers = {**dict(headers or {}), "Authorization": auth.header()}
            return self._native.request(
                method,
                url,
                params,
                headers,
                cookies,
                content,
                data,
                None if files is None else file_parts(files),
                json,
                t,
                given,
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

    async def _send_slow(
        self, method: str, url: str, *, auth: Any, follow_redirects: Any, timeout: Any, stream: bool, **build: Any
    ) -> Response:
        request = self.build_request(method, url, **build)
        chosen = self.auth if auth is USE_CLIENT_DEFAULT else to_auth(auth)
        if chosen is not None:
            result = chosen.auth_flow(request)
            if inspect.isawaitable(result):
                result = await result
            request = result if isinstance(result, Request) else request
        for hook in self.event_hooks["request"]:
            r = hook(request)
            if inspect.isawaitable(r):
                await r
        if self._transport is not None:
            response = self._transport.handle_request(request)
            if inspect.isawaitable(response):
                response = await response
        else:
            t, given = _request_timeout(timeout)
            native = self._native.stream if stream else self._native.request
            response = await native(
                request.method,
                request.url,
                None,
                timeout=t,
                timeout_given=given,
                follow_redirects=None if follow_redirects is USE_CLIENT_DEFAULT else follow_redirects,
                **self._native_args(request),
            )
        response.request = request
        for hook in self.event_hooks["response"]:
            r = hook(response)
            if inspect.isawaitable(r):
                await r
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
        """Close the pool; later requests raise ``ClientClosed``."""
        self._native = _Closed()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


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
        if self._plain(auth):
            t, given = _request_timeout(timeout)
            if auth is not USE_CLIENT_DEFAULT and auth is not None:
                headers = {**dict(headers or {}), "Authorization": auth.header()}
            return self._native.request_sync(
                method,
                url,
                params,
                headers,
                cookies,
                content,
                data,
                None if files is None else file_parts(files),
                json,
                t,
                given,
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
        request = self.build_request(method, url, **build)
        chosen = self.auth if auth is USE_CLIENT_DEFAULT else to_auth(auth)
        if chosen is not None:
            result = chosen.auth_flow(request)
            request = result if isinstance(result, Request) else request
        for hook in self.event_hooks["request"]:
            hook(request)
        if self._transport is not None:
            response = self._transport.handle_request(request)
        else:
            t, given = _request_timeout(timeout)
            native = self._native.stream_sync if stream else self._native.request_sync
            response = native(
                request.method,
                request.url,
                None,
                timeout=t,
                timeout_given=given,
                follow_redirects=None if follow_redirects is USE_CLIENT_DEFAULT else follow_redirects,
                **self._native_args(request),
            )
        response.request = request
        for hook in self.event_hooks["response"]:
            hook(response)
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
        """Close the pool; later requests raise ``ClientClosed``."""
        self._native = _Closed()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
