"""ouroboros.http: an async and sync HTTP client on reqwest (Rust), with httpx's names.

Example::

    from ouroboros.http import HttpClient

    async with HttpClient(base_url="https://api.example.com") as client:
        response = await client.get("/users", params={"page": 2})
        response.raise_for_status()
        users = response.json()
"""

from ouroboros.http._api import (
    Proxy,
    create_ssl_context,
    delete,
    get,
    head,
    options,
    patch,
    post,
    put,
    request,
    stream,
)
from ouroboros.http._client import Client, HttpClient
from ouroboros.http._content import AsyncByteStream, ByteStream, SyncByteStream
from ouroboros.http._cookies import Cookies
from ouroboros.http._digest import DigestAuth
from ouroboros.http._errors import (
    ClientClosed,
    CloseError,
    ConnectError,
    ConnectTimeout,
    CookieConflict,
    DecodingError,
    HTTPError,
    HTTPStatusError,
    InvalidURL,
    LocalProtocolError,
    NetworkError,
    PoolTimeout,
    ProtocolError,
    ProxyError,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    RequestError,
    RequestNotRead,
    ResponseNotRead,
    ResponseTooLarge,
    StreamClosed,
    StreamConsumed,
    StreamError,
    TimeoutException,
    TooManyRedirects,
    TransportError,
    UnsupportedProtocol,
    WriteError,
    WriteTimeout,
)
from ouroboros.http._http import Headers, Response, __version__
from ouroboros.http._mock import MockTransport, Route
from ouroboros.http._models import (
    USE_CLIENT_DEFAULT,
    Auth,
    BasicAuth,
    BearerAuth,
    FunctionAuth,
    Limits,
    NetRCAuth,
    Request,
    Retry,
    Timeout,
)
from ouroboros.http._status_codes import codes
from ouroboros.http._transports import (
    ASGITransport,
    AsyncBaseTransport,
    AsyncHTTPTransport,
    BaseTransport,
    HTTPTransport,
    WSGITransport,
)
from ouroboros.http._urls import URL, QueryParams

AsyncClient = HttpClient  # the httpx name, for code moving over

# Sorted case-insensitively, as httpx orders its __all__ (a tie in import order).
__all__ = [  # noqa: RUF022
    "__version__",
    "ASGITransport",
    "AsyncBaseTransport",
    "AsyncByteStream",
    "AsyncClient",
    "AsyncHTTPTransport",
    "Auth",
    "BaseTransport",
    "BasicAuth",
    "BearerAuth",
    "ByteStream",
    "Client",
    "ClientClosed",
    "CloseError",
    "codes",
    "ConnectError",
    "ConnectTimeout",
    "CookieConflict",
    "Cookies",
    "create_ssl_context",
    "DecodingError",
    "delete",
    "DigestAuth",
    "FunctionAuth",
    "get",
    "head",
    "Headers",
    "HttpClient",
    "HTTPError",
    "HTTPStatusError",
    "HTTPTransport",
    "InvalidURL",
    "Limits",
    "LocalProtocolError",
    "MockTransport",
    "NetRCAuth",
    "NetworkError",
    "options",
    "patch",
    "PoolTimeout",
    "post",
    "ProtocolError",
    "Proxy",
    "ProxyError",
    "put",
    "QueryParams",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "request",
    "Request",
    "RequestError",
    "RequestNotRead",
    "Response",
    "ResponseNotRead",
    "ResponseTooLarge",
    "Retry",
    "Route",
    "stream",
    "StreamClosed",
    "StreamConsumed",
    "StreamError",
    "SyncByteStream",
    "Timeout",
    "TimeoutException",
    "TooManyRedirects",
    "TransportError",
    "UnsupportedProtocol",
    "URL",
    "USE_CLIENT_DEFAULT",
    "WriteError",
    "WriteTimeout",
    "WSGITransport",
]
