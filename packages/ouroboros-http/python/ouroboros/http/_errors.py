"""The exception hierarchy of ouroboros.http (httpx's names and shape).

Every class derives from :class:`ouroboros.core.OuroborosError` and from the
builtin that fits it (``TimeoutError`` for timeouts, ``ConnectionError`` for
network failures, ``ValueError`` for bad URLs and undecodable bodies), so code
written against the builtins keeps working. Every error raised for a request
carries ``method`` and ``url`` and names both in its message.
"""

from __future__ import annotations

from typing import Any

from ouroboros.core import InvalidArgumentError, OuroborosError, OuroborosTimeoutError


class HTTPError(OuroborosError):
    """Base class of every error raised while sending a request or reading a response."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        request: Any = None,
        response: Any = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self._request = request
        self.response = response

    @property
    def request(self) -> Any:
        """The request that failed (built on first access when only method and URL are known)."""
        if self._request is None and self.url is not None:
            from ouroboros.http._models import Request

            self._request = Request(self.method or "GET", self.url)
        return self._request


class RequestError(HTTPError):
    """The request could not be completed (no valid response was received)."""


class TransportError(RequestError):
    """A failure at the connection level."""


class TimeoutException(TransportError, OuroborosTimeoutError):
    """A time bound was exceeded."""


class ConnectTimeout(TimeoutException):
    """Connecting (TCP and TLS handshake) took longer than the connect timeout."""


class ReadTimeout(TimeoutException):
    """The server did not send data within the read timeout, or the whole
    exchange took longer than the overall timeout."""


class WriteTimeout(TimeoutException):
    """Sending the request took longer than the write timeout."""


class PoolTimeout(TimeoutException):
    """No connection slot became free within the pool timeout."""


class NetworkError(TransportError, ConnectionError):
    """A network failure."""


class ConnectError(NetworkError):
    """The connection could not be established (refused, unreachable, TLS failure)."""


class ReadError(NetworkError):
    """The connection failed while receiving data."""


class WriteError(NetworkError):
    """The connection failed while sending data."""


class CloseError(NetworkError):
    """The connection failed while being closed."""


class ProtocolError(TransportError):
    """The peer or the client broke the HTTP protocol."""


class LocalProtocolError(ProtocolError):
    """The request could not be expressed in HTTP (for example a bad header)."""


class RemoteProtocolError(ProtocolError):
    """The server broke the protocol, for example by closing the connection
    without a response."""


class ProxyError(TransportError):
    """The proxy refused or failed the connection."""


class UnsupportedProtocol(TransportError):
    """The URL scheme is not http or https."""


class DecodingError(RequestError, ValueError):
    """The body could not be decoded (content encoding, charset or JSON)."""


class TooManyRedirects(RequestError):
    """More redirects than ``max_redirects`` were followed."""


class ResponseTooLarge(RequestError):
    """The response body passed the client's ``max_response_size`` (counted after
    decompression); the rest was not read and the connection was dropped."""


class HTTPStatusError(HTTPError):
    """``raise_for_status()`` found a 3xx, 4xx or 5xx response; ``.response`` holds it."""


class ClientClosed(HTTPError, RuntimeError):
    """The client was closed; requests need a new client."""


class InvalidURL(HTTPError, InvalidArgumentError):
    """The URL cannot be parsed."""


class MissingScheme(UnsupportedProtocol, InvalidURL):
    """The URL has no ``http://`` or ``https://`` scheme (and no ``base_url`` applies)."""


class MissingHost(LocalProtocolError, InvalidURL):
    """The URL has no host."""


class CookieConflict(HTTPError, LookupError):
    """A cookie name matches several cookies; give the domain."""


class StreamError(HTTPError, RuntimeError):
    """A response stream was used in a way it does not allow."""


class StreamConsumed(StreamError):
    """The body of a streamed response was already read."""


class StreamClosed(StreamError):
    """The streamed response was closed before its body was read."""


class RequestNotRead(StreamError):
    """``.content`` of a request with an iterator body was accessed before ``read()``."""


class ResponseNotRead(StreamError):
    """``.content`` of a streamed response was accessed before ``read()``."""


__all__ = [
    "ClientClosed",
    "CloseError",
    "ConnectError",
    "ConnectTimeout",
    "CookieConflict",
    "DecodingError",
    "HTTPError",
    "HTTPStatusError",
    "InvalidURL",
    "LocalProtocolError",
    "MissingHost",
    "MissingScheme",
    "NetworkError",
    "PoolTimeout",
    "ProtocolError",
    "ProxyError",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "RequestError",
    "RequestNotRead",
    "ResponseNotRead",
    "ResponseTooLarge",
    "StreamClosed",
    "StreamConsumed",
    "StreamError",
    "TimeoutException",
    "TooManyRedirects",
    "TransportError",
    "UnsupportedProtocol",
    "WriteError",
    "WriteTimeout",
]
