"""Module-level requests (``ouroboros.http.get(url)``), ``Proxy`` and ``create_ssl_context``.

Each module-level call opens a short-lived sync :class:`Client`, sends one
request and closes it: handy in scripts; use a ``Client`` to reuse connections.
"""

from __future__ import annotations

import contextlib
import os
import ssl
from collections.abc import Iterator
from typing import Any

from ouroboros.http._client import DEFAULT_TIMEOUT, Client
from ouroboros.http._http import Headers, Response
from ouroboros.http._models import USE_CLIENT_DEFAULT
from ouroboros.http._urls import URL


def request(
    method: str,
    url: URL | str,
    *,
    params: Any = None,
    content: Any = None,
    data: Any = None,
    files: Any = None,
    json: Any = None,
    headers: Any = None,
    cookies: Any = None,
    auth: Any = None,
    proxy: Any = None,
    timeout: Any = DEFAULT_TIMEOUT,
    follow_redirects: bool = False,
    verify: Any = True,
    cert: Any = None,
    trust_env: bool = True,
) -> Response:
    """Send one request with a fresh client and return the read ``Response``."""
    with Client(
        cookies=cookies,
        proxy=None if proxy is None else str(getattr(proxy, "url", proxy)),
        verify=verify,
        cert=cert,
        timeout=timeout,
        trust_env=trust_env,
    ) as client:
        return client.request(
            method,
            str(url),
            params=params,
            content=content,
            data=data,
            files=files,
            json=json,
            headers=headers,
            auth=auth if auth is not None else USE_CLIENT_DEFAULT,
            follow_redirects=follow_redirects,
        )


@contextlib.contextmanager
def stream(method: str, url: URL | str, **kwargs: Any) -> Iterator[Response]:
    """``with ouroboros.http.stream("GET", url) as response:`` reads the body lazily."""
    client_args = {k: kwargs.pop(k) for k in ("cookies", "proxy", "verify", "cert", "trust_env") if k in kwargs}
    timeout = kwargs.pop("timeout", DEFAULT_TIMEOUT)
    with Client(timeout=timeout, **client_args) as client, client.stream(method, str(url), **kwargs) as response:
        yield response


def get(url: URL | str, **kwargs: Any) -> Response:
    """``GET`` with a fresh client (keywords as for :func:`request`, no body)."""
    return request("GET", url, **kwargs)


def options(url: URL | str, **kwargs: Any) -> Response:
    return request("OPTIONS", url, **kwargs)


def head(url: URL | str, **kwargs: Any) -> Response:
    return request("HEAD", url, **kwargs)


def post(url: URL | str, **kwargs: Any) -> Response:
    return request("POST", url, **kwargs)


def put(url: URL | str, **kwargs: Any) -> Response:
    return request("PUT", url, **kwargs)


def patch(url: URL | str, **kwargs: Any) -> Response:
    return request("PATCH", url, **kwargs)


def delete(url: URL | str, **kwargs: Any) -> Response:
    return request("DELETE", url, **kwargs)


class Proxy:
    """A proxy: its URL (credentials in it become ``raw_auth``), extra headers and TLS context."""

    def __init__(
        self, url: URL | str, *, ssl_context: ssl.SSLContext | None = None, auth: Any = None, headers: Any = None
    ) -> None:
        url = URL(url)
        headers = Headers(headers)
        if url.scheme not in ("http", "https", "socks5", "socks5h"):
            raise ValueError(f"Unknown scheme for proxy URL {url!r}")
        if url.username or url.password:
            auth = (url.username, url.password)
            url = url.copy_with(username=None, password=None)
        self.url = url
        self.auth: tuple[str, str] | None = auth
        self.headers = headers
        self.ssl_context = ssl_context

    @property
    def raw_auth(self) -> tuple[bytes, bytes] | None:
        if self.auth is None:
            return None
        return (self.auth[0].encode("utf-8"), self.auth[1].encode("utf-8"))

    def __repr__(self) -> str:
        auth = f", auth={(self.auth[0], '********')!r}" if self.auth else ""
        headers = f", headers={dict(self.headers.items())!r}" if len(self.headers) else ""
        return f"Proxy('{self.url}'{auth}{headers})"


def create_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
    """An ``ssl.SSLContext`` as httpx builds one (for code that passes one to ``verify=``).

    ``verify=False`` turns checks off; a path names a CA file or directory;
    ``SSL_CERT_FILE``/``SSL_CERT_DIR`` are honoured when ``trust_env``.
    """
    if verify is False:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif isinstance(verify, ssl.SSLContext):
        ctx = verify
    elif isinstance(verify, (str, os.PathLike)):
        path = os.fspath(verify)
        ctx = ssl.create_default_context(
            cafile=path if os.path.isfile(path) else None, capath=path if os.path.isdir(path) else None
        )
    else:
        cafile = os.environ.get("SSL_CERT_FILE") if trust_env else None
        capath = os.environ.get("SSL_CERT_DIR") if trust_env else None
        try:
            import certifi

            default_ca = certifi.where()
        except ImportError:
            default_ca = None
        if cafile and os.path.isfile(cafile):
            ctx = ssl.create_default_context(cafile=cafile)
        elif capath and os.path.isdir(capath):
            ctx = ssl.create_default_context(capath=capath)
        else:
            ctx = ssl.create_default_context(cafile=default_ca)
    if cert is not None:
        if isinstance(cert, str):
            ctx.load_cert_chain(certfile=cert)
        elif len(cert) == 2:
            ctx.load_cert_chain(certfile=cert[0], keyfile=cert[1])
        else:
            ctx.load_cert_chain(certfile=cert[0], keyfile=cert[1], password=cert[2])
    return ctx


__all__ = [
    "Proxy",
    "create_ssl_context",
    "delete",
    "get",
    "head",
    "options",
    "patch",
    "post",
    "put",
    "request",
    "stream",
]
