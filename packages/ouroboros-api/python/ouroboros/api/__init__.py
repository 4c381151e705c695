"""ouroboros.api: a FastAPI-compatible web framework whose server, routing and
parameter parsing run in Rust."""

from ouroboros.api import status
from ouroboros.api._api import __version__
from ouroboros.api.app import App
from ouroboros.api.background import BackgroundTasks
from ouroboros.api.datastructures import UploadFile
from ouroboros.api.encoders import jsonable_encoder
from ouroboros.api.exceptions import HTTPException, RequestValidationError, WebSocketDisconnect, WebSocketException
from ouroboros.api.health import HealthCheck, HealthManager, HealthStatus
from ouroboros.api.middleware import (
    BaseMiddleware,
    CORSConfig,
    CORSMiddleware,
    GZipMiddleware,
    TimingMiddleware,
    TrustedHostMiddleware,
)
from ouroboros.api.params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from ouroboros.api.requests import Request
from ouroboros.api.responses import (
    EventSourceResponse,
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    ServerSentEvent,
    StreamingResponse,
)
from ouroboros.api.routing import APIRouter
from ouroboros.api.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
)
from ouroboros.api.staticfiles import StaticFiles
from ouroboros.api.testclient import AsyncTestClient, TestClient
from ouroboros.api.websockets import WebSocket

FastAPI = App

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "APIRouter",
    "App",
    "AsyncTestClient",
    "BackgroundTasks",
    "BaseMiddleware",
    "Body",
    "CORSConfig",
    "CORSMiddleware",
    "Cookie",
    "Depends",
    "EventSourceResponse",
    "FastAPI",
    "File",
    "FileResponse",
    "Form",
    "GZipMiddleware",
    "HTMLResponse",
    "HTTPAuthorizationCredentials",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPException",
    "Header",
    "HealthCheck",
    "HealthManager",
    "HealthStatus",
    "JSONResponse",
    "OAuth2PasswordBearer",
    "Path",
    "PlainTextResponse",
    "Query",
    "RedirectResponse",
    "Request",
    "RequestValidationError",
    "Response",
    "Security",
    "ServerSentEvent",
    "StaticFiles",
    "StreamingResponse",
    "TestClient",
    "TimingMiddleware",
    "TrustedHostMiddleware",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "__version__",
    "jsonable_encoder",
    "status",
]
