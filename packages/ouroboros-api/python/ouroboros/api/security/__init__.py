"""Security dependencies that also describe themselves in OpenAPI.

Use them with ``Depends``: ``token: Annotated[str, Depends(OAuth2PasswordBearer("token"))]``.
With ``auto_error=True`` (the default) a missing credential is answered with
401 and a ``WWW-Authenticate`` challenge, as FastAPI does; with ``False`` the
dependency returns ``None``. FastAPI's module paths exist too
(``ouroboros.api.security.http``, ``.oauth2``, ``.api_key``,
``.open_id_connect_url``, ``.base``, ``.utils``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated, Any

from ouroboros.api.exceptions import HTTPException
from ouroboros.api.params import Form
from ouroboros.api.requests import Request

__all__ = [
    "APIKeyBase",
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBase",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "OpenIdConnect",
    "SecurityBase",
    "SecurityScopes",
    "get_authorization_scheme_param",
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


def get_authorization_scheme_param(authorization_header_value: str | None) -> tuple[str, str]:
    """``"Bearer abc"`` -> ``("Bearer", "abc")``; ``("", "")`` for no header."""
    if not authorization_header_value:
        return "", ""
    scheme, _, param = authorization_header_value.partition(" ")
    return scheme, param.strip()


def _not_authenticated(challenge: str) -> HTTPException:
    return HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": challenge})


class HTTPBase(SecurityBase):
    """An ``Authorization: <scheme> <credentials>`` header of any scheme;
    returns `HTTPAuthorizationCredentials`."""

    def __init__(
        self, *, scheme: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        self.scheme = scheme
        self.scheme_name = scheme_name or type(self).__name__
        self.model = {"type": "http", "scheme": scheme} | ({"description": description} if description else {})
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.scheme.title()}

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(401, "Not authenticated", headers=self.make_authenticate_headers())

    def _credentials(self, request: Request, required_scheme: str | None) -> HTTPAuthorizationCredentials | None:
        scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
        if not (scheme and credentials) or (required_scheme and scheme.lower() != required_scheme):
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self._credentials(request, None)


class HTTPBearer(HTTPBase):
    """``Authorization: Bearer <token>``; returns `HTTPAuthorizationCredentials`."""

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme="bearer", scheme_name=scheme_name, description=description, auto_error=auto_error)
        if bearerFormat:
            self.model["bearerFormat"] = bearerFormat

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self._credentials(request, "bearer")


class HTTPDigest(HTTPBase):
    """``Authorization: Digest ...``: the credentials, unparsed (check them yourself)."""

    def __init__(
        self, *, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        super().__init__(scheme="digest", scheme_name=scheme_name, description=description, auto_error=auto_error)

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self._credentials(request, "digest")


class HTTPBasic(HTTPBase):
    """``Authorization: Basic ...``; returns `HTTPBasicCredentials`."""

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme="basic", scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.realm = realm

    def make_authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Basic realm="{self.realm}"' if self.realm else "Basic"}

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
        if scheme.lower() != "basic":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        try:
            username, sep, password = base64.b64decode(credentials).decode("ascii").partition(":")
        except (binascii.Error, ValueError):
            sep = ""
        if not sep:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)


class APIKeyBase(SecurityBase):
    """An API key read from a header, the query string or a cookie."""

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

    def make_not_authenticated_error(self) -> HTTPException:
        return _not_authenticated("APIKey")

    def _read(self, request: Request) -> str | None:
        raise NotImplementedError

    async def __call__(self, request: Request) -> str | None:
        value = self._read(request)
        if not value:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return value


class APIKeyHeader(APIKeyBase):
    """An API key in a header (``name`` is the header)."""

    where = "header"

    def _read(self, request: Request) -> str | None:
        return request.headers.get(self.name)


class APIKeyQuery(APIKeyBase):
    """An API key in the query string."""

    where = "query"

    def _read(self, request: Request) -> str | None:
        return request.query_params.get(self.name)


class APIKeyCookie(APIKeyBase):
    """An API key in a cookie."""

    where = "cookie"

    def _read(self, request: Request) -> str | None:
        return request.cookies.get(self.name)


class OAuth2(SecurityBase):
    """OAuth2 with the given ``flows`` (OpenAPI's ``flows`` object); returns
    the ``Authorization`` header's value."""

    def __init__(
        self,
        *,
        flows: dict[str, Any] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.scheme_name = scheme_name or type(self).__name__
        self.model = {"type": "oauth2", "flows": dict(flows or {})} | (
            {"description": description} if description else {}
        )
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        return _not_authenticated("Bearer")

    async def __call__(self, request: Request) -> str | None:
        authorization = request.headers.get("authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization


class _BearerOAuth2(OAuth2):
    async def __call__(self, request: Request) -> str | None:
        scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
        if scheme.lower() != "bearer" or not token:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return token


class OAuth2PasswordBearer(_BearerOAuth2):
    """The OAuth2 password flow: returns the bearer token; ``tokenUrl`` is
    shown in OpenAPI so Swagger UI can log in."""

    def __init__(
        self,
        tokenUrl: str,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,
    ) -> None:
        flow: dict[str, Any] = {"tokenUrl": tokenUrl, "scopes": dict(scopes or {})}
        if refreshUrl:
            flow["refreshUrl"] = refreshUrl
        super().__init__(
            flows={"password": flow}, scheme_name=scheme_name, description=description, auto_error=auto_error
        )


class OAuth2AuthorizationCodeBearer(_BearerOAuth2):
    """The OAuth2 authorization-code flow; returns the bearer token."""

    def __init__(
        self,
        authorizationUrl: str,
        tokenUrl: str,
        refreshUrl: str | None = None,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flow: dict[str, Any] = {
            "authorizationUrl": authorizationUrl,
            "tokenUrl": tokenUrl,
            "scopes": dict(scopes or {}),
        }
        if refreshUrl:
            flow["refreshUrl"] = refreshUrl
        super().__init__(
            flows={"authorizationCode": flow}, scheme_name=scheme_name, description=description, auto_error=auto_error
        )


class OpenIdConnect(SecurityBase):
    """OpenID Connect discovery at ``openIdConnectUrl``; returns the
    ``Authorization`` header's value."""

    def __init__(
        self,
        *,
        openIdConnectUrl: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.scheme_name = scheme_name or type(self).__name__
        self.model = {"type": "openIdConnect", "openIdConnectUrl": openIdConnectUrl} | (
            {"description": description} if description else {}
        )
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        return _not_authenticated("Bearer")

    async def __call__(self, request: Request) -> str | None:
        authorization = request.headers.get("authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization


class SecurityScopes:
    """Declare a parameter of this type in a dependency to receive the scopes
    every ``Security(..., scopes=[...])`` above it asked for."""

    def __init__(self, scopes: list[str] | None = None) -> None:
        self.scopes: list[str] = list(scopes or [])
        self.scope_str = " ".join(self.scopes)


class OAuth2PasswordRequestForm:
    """The OAuth2 password-flow login form (``username``, ``password``,
    ``scope`` split into ``scopes``), as a dependency class."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """`OAuth2PasswordRequestForm` that requires ``grant_type=password``."""

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
