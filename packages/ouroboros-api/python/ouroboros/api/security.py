"""Security dependencies that also describe themselves in OpenAPI.

Use them with ``Depends``: ``token: Annotated[str, Depends(OAuth2PasswordBearer("token"))]``.
With ``auto_error=True`` (the default) a missing credential is answered with
401/403 as FastAPI does; with ``False`` the dependency returns ``None``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from ouroboros.api.exceptions import HTTPException
from ouroboros.api.requests import Request

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "OAuth2PasswordBearer",
    "SecurityBase",
]


class SecurityBase:
    """A security scheme: ``scheme_name`` and its OpenAPI ``model``."""

    scheme_name: str
    model: dict[str, Any]


@dataclass
class HTTPAuthorizationCredentials:
    scheme: str
    credentials: str


@dataclass
class HTTPBasicCredentials:
    username: str
    password: str


def _split_authorization(request: Request) -> tuple[str, str]:
    value = request.headers.get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    return scheme, credentials.strip()


class HTTPBearer(SecurityBase):
    """``Authorization: Bearer <token>``; returns `HTTPAuthorizationCredentials`."""

    def __init__(
        self, *, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        self.scheme_name = scheme_name or type(self).__name__
        self.model = {"type": "http", "scheme": "bearer"} | ({"description": description} if description else {})
        self.auto_error = auto_error

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        scheme, credentials = _split_authorization(request)
        if not (scheme and credentials) or scheme.lower() != "bearer":
            if self.auto_error:
                raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBasic(SecurityBase):
    """``Authorization: Basic ...``; returns `HTTPBasicCredentials`."""

    def __init__(self, *, scheme_name: str | None = None, realm: str | None = None, auto_error: bool = True) -> None:
        self.scheme_name = scheme_name or type(self).__name__
        self.model = {"type": "http", "scheme": "basic"}
        self.realm = realm
        self.auto_error = auto_error

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:
        challenge = f'Basic realm="{self.realm}"' if self.realm else "Basic"
        scheme, credentials = _split_authorization(request)
        if scheme.lower() != "basic" or not credentials:
            if self.auto_error:
                raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": challenge})
            return None
        try:
            username, sep, password = base64.b64decode(credentials).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            sep = ""
        if not sep:
            raise HTTPException(401, "Invalid authentication credentials", headers={"WWW-Authenticate": challenge})
        return HTTPBasicCredentials(username=username, password=password)


class _APIKey(SecurityBase):
    where = "header"

    def __init__(
        self, *, name: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        self.name = name
        self.scheme_name = scheme_name or type(self).__name__
        self.model = {"type": "apiKey", "in": self.where, "name": name} | (
            {"description": description} if description else {}
        )
        self.auto_error = auto_error

    def _read(self, request: Request) -> str | None:
        raise NotImplementedError

    async def __call__(self, request: Request) -> str | None:
        value = self._read(request)
        if not value:
            if self.auto_error:
                raise HTTPException(403, "Not authenticated")
            return None
        return value


class APIKeyHeader(_APIKey):
    """An API key in a header (``name`` is the header)."""

    where = "header"

    def _read(self, request: Request) -> str | None:
        return request.headers.get(self.name)


class APIKeyQuery(_APIKey):
    """An API key in the query string."""

    where = "query"

    def _read(self, request: Request) -> str | None:
        return request.query_params.get(self.name)


class APIKeyCookie(_APIKey):
    """An API key in a cookie."""

    where = "cookie"

    def _read(self, request: Request) -> str | None:
        return request.cookies.get(self.name)


class OAuth2PasswordBearer(SecurityBase):
    """The OAuth2 password flow: returns the bearer token; ``tokenUrl`` is
    shown in OpenAPI so Swagger UI can log in."""

    def __init__(
        self,
        tokenUrl: str,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.scheme_name = scheme_name or type(self).__name__
        flows = {"password": {"tokenUrl": tokenUrl, "scopes": dict(scopes or {})}}
        self.model = {"type": "oauth2", "flows": flows} | ({"description": description} if description else {})
        self.auto_error = auto_error

    async def __call__(self, request: Request) -> str | None:
        scheme, token = _split_authorization(request)
        if scheme.lower() != "bearer" or not token:
            if self.auto_error:
                raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
            return None
        return token
