"""ouroboros.http: an async and sync HTTP client on reqwest (Rust), with httpx's names.

Example::

    from ouroboros.http import HttpClient

    async with HttpClient(base_url="https://api.example.com") as client:
        response = await client.get("/users", params={"page": 2})
        response.raise_for_status()
        users = response.json()
"""

from ouroboros.http._client import Client, HttpClient
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
    ResponseNotRead,
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
from ouroboros.http._http import Cookies, Headers, Response, __version__
from ouroboros.http._mock import MockTransport, Route
from ouroboros.http._models import (
    URL,
    USE_CLIENT_DEFAULT,
    Auth,
    BasicAuth,
    BearerAuth,
    Limits,
    Request,
    Retry,
    Timeout,
)

AsyncClient = HttpClient  # the httpx name, for code moving over

__all__ = [
    "URL",
    "USE_CLIENT_DEFAULT",
    "AsyncClient",
    "Auth",
    "BasicAuth",
    "BearerAuth",
    "Client",
    "ClientClosed",
    "CloseError",
    "ConnectError",
    "ConnectTimeout",
    "CookieConflict",
    "Cookies",
    "DecodingError",
    "HTTPError",
    "HTTPStatusError",
    "Headers",
    "HttpClient",
    "InvalidURL",
    "Limits",
    "LocalProtocolError",
    "MockTransport",
    "NetworkError",
    "PoolTimeout",
    "ProtocolError",
    "ProxyError",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "Request",
    "RequestError",
    "Response",
    "ResponseNotRead",
    "Retry",
    "Route",
    "StreamClosed",
    "StreamConsumed",
    "StreamError",
    "Timeout",
    "TimeoutException",
    "TooManyRedirects",
    "TransportError",
    "UnsupportedProtocol",
    "WriteError",
    "WriteTimeout",
    "__version__",
]
