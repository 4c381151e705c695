"""`App`: routes, exception handlers, lifespan, and the Rust server."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import os
import signal
import warnings
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

from ouroboros.api import _api, _plan, _serve, _threads
from ouroboros.api._encoding import returned_to_plain
from ouroboros.api.datastructures import State
from ouroboros.api.exceptions import FastAPIDeprecationWarning, HTTPException
from ouroboros.api.params import Depends
from ouroboros.api.requests import ProxyTrust, Request
from ouroboros.api.responses import HTMLResponse, JSONResponse, Response
from ouroboros.api.routing import APIRoute, APIRouter
from ouroboros.api.websockets import deliver

__all__ = ["App"]

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("ouroboros.api")


class App(APIRouter):
    """A FastAPI-compatible application served by the Rust server.

    Args:
        title: API title (OpenAPI ``info.title``).
        version: API version (OpenAPI ``info.version``).
        description: API description (OpenAPI ``info.description``).
        docs_url: Where Swagger UI is served; ``None`` disables it.
        redoc_url: Where ReDoc is served; ``None`` disables it.
        openapi_url: Where the OpenAPI document is served; ``None`` disables it.
        dependencies: Run before every route's handler.
        lifespan: An async context manager factory ``lifespan(app)``: code
            before its ``yield`` runs at startup, after it at shutdown.
        on_startup: Callables run at startup (sync or async).
        on_shutdown: Callables run at shutdown.
        thread_pool_size: Threads for sync handlers, sync dependencies and
            sync background tasks (default 40 like AnyIO's, or the
            ``OUROBOROS_API_THREAD_POOL_SIZE`` environment variable).

    Raises:
        ouroboros.core.InvalidArgumentError: ``thread_pool_size`` (or the
            environment variable) is not a positive integer.
    """

    def __init__(
        self,
        title: str = "FastAPI",
        version: str = "0.1.0",
        description: str = "",
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        openapi_url: str | None = "/openapi.json",
        dependencies: Sequence[Depends] | None = None,
        lifespan: Callable[[App], contextlib.AbstractAsyncContextManager[Any]] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        thread_pool_size: int | None = None,
        *,
        debug: bool = False,
        routes: Sequence[APIRoute] | None = None,
        summary: str | None = None,
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        default_response_class: type | None = None,
        redirect_slashes: bool = True,
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        middleware: Sequence[Any] | None = None,
        exception_handlers: dict[Any, Callable[..., Any]] | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        root_path: str = "",
        root_path_in_servers: bool = True,
        responses: dict[int | str, Any] | None = None,
        callbacks: list[Any] | None = None,
        webhooks: APIRouter | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        swagger_ui_parameters: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        separate_input_output_schemas: bool = True,
        openapi_external_docs: dict[str, Any] | None = None,
        max_body_size: int | None = None,
        form_limits: dict[str, int] | None = None,
        strict_content_type: bool = True,
    ) -> None:
        super().__init__(
            strict_content_type=strict_content_type,
            max_body_size=max_body_size,
            form_limits=form_limits,  # type: ignore[arg-type]
            responses=responses,
            deprecated=deprecated,
            default_response_class=default_response_class,
            callbacks=callbacks,
            routes=routes,
            include_in_schema=include_in_schema,
            generate_unique_id_function=generate_unique_id_function,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            lifespan=lifespan,
        )
        self.debug = debug
        self.dependency_overrides_provider = self
        self.summary = summary
        self.openapi_tags = openapi_tags
        self.servers = list(servers or [])
        self.redirect_slashes = redirect_slashes
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.swagger_ui_parameters = swagger_ui_parameters
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        if root_path:
            warnings.warn(
                "The `root_path` parameter is deprecated, as in FastAPI: configure the server's root path "
                "instead (`app.serve(root_path=...)`, `fastapi run --root-path /api/v1`).",
                FastAPIDeprecationWarning,
                stacklevel=2,
            )
        self.root_path = root_path
        self.root_path_in_servers = root_path_in_servers
        self.webhooks = webhooks if webhooks is not None else APIRouter()
        self.separate_input_output_schemas = separate_input_output_schemas
        self.openapi_external_docs = openapi_external_docs
        self.thread_pool = _threads.SyncPool(thread_pool_size)
        self.title = title
        self.version = version
        self.description = description
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.openapi_url = openapi_url
        self.app_dependencies = list(dependencies or [])
        self.exception_handlers: dict[type, Callable[..., Any]] = {}
        # Replacements for dependencies, applied when the server is built
        # (set them before `TestClient(app)` / `serve()`).
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.user_middleware: list[Any] = []
        self.state = State()
        # What the lifespans yielded (Starlette's lifespan state): each
        # request's `request.state` starts as a copy of it.
        self.lifespan_state: dict[str, Any] = {}
        self._openapi_schema: dict[str, Any] | None = None
        self._server: Any = None
        self._docs_added = False
        self._compiled_routes: list[dict[str, Any]] = []
        self._served_routes: list[APIRoute] = []
        # Routes compiled for their `get_route_handler` (see `_compile_handler_route`).
        self._handler_routes: list[tuple[APIRoute, dict[str, Any]]] = []
        self._served_fingerprint: tuple[Any, ...] = ()
        self._openapi_fingerprint: tuple[Any, ...] = ()
        self._asgi: Any = None
        self._python_middleware: list[Any] = []
        # Set by a TestClient with raise_server_exceptions: unhandled errors land here.
        self._server_exceptions: list[BaseException] | None = None
        # Set by a TestClient: handlers run in a copy of this context (the
        # test thread's, as of its last call), as under Starlette's.
        self._client_context: Any = None
        for handled, handler in (exception_handlers or {}).items():
            self.add_exception_handler(handled, handler)
        for entry in middleware or []:
            self.add_middleware(entry.build() if hasattr(entry, "build") else entry)

    @property
    def router(self) -> App:
        """FastAPI's ``app.router``: the app is its own router here."""
        return self

    # -- registration -------------------------------------------------------

    def exception_handler(self, exc_class: type[BaseException] | int) -> Callable[[F], F]:
        """Register ``handler(request, exc) -> Response`` for an exception class
        (or a status code, matched against `HTTPException.status_code`)."""

        def decorator(func: F) -> F:
            self.add_exception_handler(exc_class, func)
            return func

        return decorator

    def add_exception_handler(self, exc_class: type[BaseException] | int, handler: Callable[..., Any]) -> None:
        if isinstance(exc_class, int):
            code = exc_class
            previous = self.exception_handlers.get(HTTPException)

            async def by_status(request: Any, exc: HTTPException) -> Any:
                if exc.status_code == code:
                    result = handler(request, exc)
                elif previous is not None:
                    result = previous(request, exc)
                else:
                    return _serve.default_error_response(exc)
                return await result if inspect.isawaitable(result) else result

            self.exception_handlers[HTTPException] = by_status
        else:
            self.exception_handlers[exc_class] = handler

    def add_middleware(self, middleware: Any, *args: Any, **kwargs: Any) -> None:
        """Add a middleware: an instance, or (as in FastAPI) a class and the
        options to build it with, ``add_middleware(GZipMiddleware,
        minimum_size=1000)``. The last one added runs outermost."""
        from ouroboros.api.middleware import BaseMiddleware

        if args or kwargs or (isinstance(middleware, type) and issubclass(middleware, BaseMiddleware)):
            middleware = middleware(*args, **kwargs)
        self.user_middleware.append(middleware)

    def middleware(self, kind: str = "http") -> Callable[[F], F]:
        """``@app.middleware("http")`` with ``async def mw(request, call_next)``."""
        from ouroboros.api.middleware import FunctionMiddleware

        def decorator(func: F) -> F:
            self.add_middleware(FunctionMiddleware(func))
            return func

        return decorator

    def include_health(self, manager: Any, path: str = "/health") -> None:
        """Serve ``manager``'s report at ``path`` (503 when unhealthy)."""

        async def health() -> Response:
            return await manager.respond()

        self.add_api_route(path, health, methods=["GET"], include_in_schema=False)

    # -- compilation --------------------------------------------------------

    def _add_docs_routes(self) -> None:
        if self._docs_added:
            return
        self._docs_added = True
        if self.openapi_url:
            openapi_url = self.openapi_url

            async def openapi(request: Request) -> JSONResponse:
                schema = self.openapi()
                root_path = request.root_path.rstrip("/")
                urls = {s.get("url") for s in schema.get("servers", [])}
                if root_path and self.root_path_in_servers and root_path not in urls:
                    # The prefix the app is served under is where clients reach it.
                    schema = {**schema, "servers": [{"url": root_path}, *schema.get("servers", [])]}
                return JSONResponse(schema)

            openapi._reads_no_body = True  # type: ignore[attr-defined]  # it takes the Request for its root path only

            self._add_docs_route(openapi_url, openapi)
            if self.docs_url:
                self._add_docs_page(self.docs_url, openapi_url, "swagger")
            if self.redoc_url:
                self._add_docs_page(self.redoc_url, openapi_url, "redoc")

    def _add_docs_page(self, url: str, openapi_url: str, kind: str) -> None:
        from ouroboros.api import docs

        assets = f"{url.rstrip('/')}/assets"
        if kind == "swagger":
            folder = docs.SWAGGER_DIR
            page = docs.swagger_ui_html(
                openapi_url,
                f"{self.title} - Swagger UI",
                js_url=f"{assets}/{folder}/swagger-ui-bundle.js",
                css_url=f"{assets}/{folder}/swagger-ui.css",
                oauth2_redirect_url=self.swagger_ui_oauth2_redirect_url,
                init_oauth=self.swagger_ui_init_oauth,
                parameters=self.swagger_ui_parameters,
            )
        else:
            folder = docs.REDOC_DIR
            page = docs.redoc_html(
                openapi_url, f"{self.title} - ReDoc", js_url=f"{assets}/{folder}/redoc.standalone.js"
            )

        async def docs_page() -> HTMLResponse:
            return HTMLResponse(page)

        async def docs_asset(name: str) -> Response:
            return docs.asset_response(name)

        self._add_docs_route(url, docs_page)
        self._add_docs_route(f"{assets}/{folder}/{{name}}", docs_asset)
        if kind == "swagger" and self.swagger_ui_oauth2_redirect_url:

            async def oauth2_redirect() -> HTMLResponse:
                return HTMLResponse(docs.oauth2_redirect_html())

            self._add_docs_route(self.swagger_ui_oauth2_redirect_url, oauth2_redirect)

    def _add_docs_route(self, path: str, endpoint: Callable[..., Any]) -> None:
        """A route of the docs pages: FastAPI adds them as plain Starlette
        routes, so the app's ``dependencies=[...]`` do not apply to them."""
        endpoint._without_app_dependencies = True  # type: ignore[attr-defined]
        self.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False)

    def _compile_route(self, route: APIRoute, always_request: bool, inner: bool = False) -> dict[str, Any]:
        if not inner and "WEBSOCKET" not in route.methods and _custom_handler(route):
            return self._compile_handler_route(route, always_request)
        builder = _plan.PlanBuilder(route.path_names, self.dependency_overrides)
        root = builder.dependant(route.endpoint)
        yields = root.kind in ("gen", "asyncgen") and "WEBSOCKET" not in route.methods
        if yields:
            root.kind = "stream"
        app_dependencies = [] if getattr(route.endpoint, "_without_app_dependencies", False) else self.app_dependencies
        pre = [builder.declared(d) for d in [*app_dependencies, *route.dependencies] if d.dependency]
        request_index = None
        if builder.wants_request or always_request or "WEBSOCKET" in route.methods:
            builder.params.append(
                {
                    "name": "request",
                    "alias": "request",
                    "source": "request",
                    "kind": "any",
                    "list": False,
                    "required": False,
                    "default": None,
                    "converter": None,
                }
            )
            request_index = len(builder.params) - 1
        builder.finish()
        model = None if yields and route.response_model is _plan.INFERRED else _plan.response_model_of(route)
        plan = _plan.response_plan(model, route)
        filter_desc = _plan.response_filter(model) if model is not None and plan is None else None
        status = route.status_code or 200
        body_of = (
            plan.dumps if plan is not None else (lambda result: _api.dumps(result, returned_to_plain, filter_desc))
        )
        custom_class = route.response_class if route.response_class not in (None, JSONResponse) else None
        render = _plan.make_render(body_of, status, custom_class)
        stream = None
        if yields:
            from ouroboros.api.responses import EventSourceResponse

            is_sse = isinstance(route.response_class, type) and issubclass(route.response_class, EventSourceResponse)
            kind = "sse" if is_sse else "jsonl" if route.response_class is None else "raw"
            item = _plan.stream_item_type(route) if kind != "raw" else None
            dump = _plan.stream_item_dump(item, _plan.response_options(route))
            stream = _plan.make_stream(kind, route.response_class, status, dump, self.thread_pool)
        invoke, is_async = _plan.build_invoke(
            root, pre, builder, request_index, render, self.thread_pool, stream=stream
        )
        built = invoke
        # Refused parameters still let the valid dependencies run first (not
        # for WebSockets, nor behind Python middleware, which sees the 422).
        deps_first = (
            _plan.has_dependencies(root, pre) and "WEBSOCKET" not in route.methods and not self._python_middleware
        )
        before_errors = (
            _plan.build_before_errors(root, pre, builder, request_index, self.thread_pool) if deps_first else None
        )
        uploads = [i for i, p in enumerate(builder.params) if p.get("source") == "file"]
        if uploads:
            invoke = _plan.close_uploads_after(invoke, uploads)
        if custom_class is not None:
            invoke = _wrap_response_class(invoke, custom_class, route.status_code)
        if request_index is not None:
            invoke = _with_route(invoke, request_index, route)
        if "WEBSOCKET" in route.methods:
            assert request_index is not None
            invoke = _serve.wrap_websocket(invoke, request_index)
        elif self._python_middleware and not inner:
            from ouroboros.api.middleware import wrap_with_middleware

            invoke = wrap_with_middleware(invoke, self._python_middleware, request_index, body_of, status)
        # An `async def` that never awaits, called as it is (nothing but the
        # test client's context wraps it): the server calls its plain twin,
        # with no coroutine.
        twin = _plan.sync_twin(invoke) if is_async and invoke is built else None
        if twin is not None:
            invoke, is_async = twin, False
        if self._client_context is not None and not inner:
            from ouroboros.api._test_context import in_client_context

            invoke = in_client_context(invoke, self, request_index if "WEBSOCKET" in route.methods else None)
        return {
            "path": route.path,
            "methods": route.methods,
            "params": [
                {k: v for k, v in p.items() if not k.startswith("_") and k not in ("annotation", "marker")}
                for p in builder.params
            ],
            "invoke": invoke,
            "is_async": is_async,
            "status_code": status,
            "filter": filter_desc,
            "response": plan.for_rust() if plan is not None else None,
            "wants_request": request_index is not None,
            "deps_first": deps_first,
            "before_errors": before_errors,
            # The nearest body limit (route, its routers, the app); None
            # leaves the server's (`serve(max_body_size=)`, 1 MiB).
            "max_body_size": route.max_body_size if route.max_body_size is not None else self.max_body_size,
            # form_limits, key by key: the route's (with its routers') over the app's.
            "form_limits": {**self.form_limits, **route.form_limits},
            # FastAPI's strict_content_type: a JSON body without a Content-Type is not read as JSON.
            "strict_content_type": next(
                (v for v in (route.strict_content_type, self.strict_content_type) if v is not None), True
            ),
        }

    def _compile_handler_route(self, route: APIRoute, always_request: bool) -> dict[str, Any]:
        """A route whose class overrides ``get_route_handler`` (FastAPI's way
        to wrap a route): the server hands its handler the `Request`, and the
        handler FastAPI's `APIRoute.get_route_handler` returns reads the
        parameters from that request (its `body()`, which a custom Request
        class may change) through a second route table compiled as usual."""
        self._handler_routes.append((route, self._compile_route(route, always_request, inner=True)))
        # The route as declared builds the handler (an inclusion serves a copy of it).
        handler = route._original_route.get_route_handler()

        async def route_handler(request: Request) -> Any:
            return await handler(request)

        entry = APIRoute(
            route.path,
            route_handler,
            methods=route.methods,
            response_model=None,
            name=route.name,
            include_in_schema=False,
            max_body_size=route.max_body_size,
            form_limits=route.form_limits,
            strict_content_type=route.strict_content_type,
        )
        return self._compile_route(entry, always_request)

    def _serve_handler_routes(self, routes: list[dict[str, Any]], *args: Any) -> None:
        """Build the route table the default route handlers dispatch to."""
        if not self._handler_routes:
            return
        table = list(routes)
        for route, compiled in self._handler_routes:
            table[next(i for i, r in enumerate(self._served_routes) if r is route)] = compiled
        inner = _api.build_server(table, *args)
        dispatch = _serve.make_request_dispatch(inner, table)
        for route, _ in self._handler_routes:
            route._request_dispatch = route._original_route._request_dispatch = dispatch

    def build_server(self, *, native_middleware: bool = True, **config: Any) -> Any:
        """Compile every route and build (not start) the Rust server.

        With ``native_middleware`` the built-in middleware runs in Rust; the
        ASGI adapter turns it off to keep them in the Python chain.
        """
        # The root path this server's requests see: `serve(root_path=)`, else the App's.
        config["redirect_slashes"] = self.redirect_slashes
        root_path = config.pop("root_path", None)
        root_path = self.root_path if root_path is None else root_path
        trust = _proxy_trust(config.pop("proxy_headers", False), config.pop("forwarded_allow_ips", None))
        self._add_docs_routes()
        # The ASGI path may run under trio: the loop only serves the built-in
        # server's scheduling and streaming, which that path does not use.
        loop = asyncio.get_running_loop() if _threads.asyncio_running() else None
        python_mw = self.user_middleware
        if native_middleware:
            python_mw = [m for m in self.user_middleware if not hasattr(m, "native_config")]
            native: dict[str, Any] = {}
            for m in self.user_middleware:
                if hasattr(m, "native_config"):
                    native.update(m.native_config())
            config["middleware"] = native
        self._python_middleware = python_mw
        always_request = bool(python_mw) or bool(self.exception_handlers)
        # The routes as served now (included routers are read live).
        self._served_routes = _first_of_each(self._effective_routes())
        self._served_fingerprint = self._routes_fingerprint()
        self._handler_routes: list[tuple[APIRoute, dict[str, Any]]] = []
        routes = [self._compile_route(r, always_request) for r in self._served_routes]
        served = self._served_routes

        def route_at(index: int | None) -> Any:
            return served[index] if index is not None and index < len(served) else None

        helpers = {
            "schedule": _serve.make_schedule(loop),
            "fallback": returned_to_plain,
            "on_error": _serve.make_on_error(self),
            "make_request": _serve.make_request_factory(self, root_path, trust),
            "make_websocket": _serve.make_websocket_factory(self, root_path, trust),
            # Rust names the route by its index in the served routes.
            "body_error": lambda failures, index=None, request=None: _serve.body_error(
                failures, route_at(index), request
            ),
            "validation_error": lambda body, index=None, request=None: _serve.validation_error(
                body, route_at(index), request
            ),
            "access_log": _serve.access_log,
            "ws_deliver": deliver,
            "response_class": Response,
            "stream": _serve.make_stream(loop, self.thread_pool, self),
            "background": functools.partial(_plan.after_response, pool=self.thread_pool),
            "unhandled": functools.partial(_serve.unhandled, self),
            "router_answer": _serve.make_router_answer(
                python_mw, self.frontends, self._frontend_guards(), self._served_routes
            ),
        }
        self._compiled_routes = routes
        # With Python middleware or exception handlers, the router's own
        # answers (404, 405, redirects, 413, 422) go through them, as in
        # FastAPI; without, Rust answers them directly.
        self._serve_handler_routes(routes, dict(config), helpers, always_request, self._handles_validation_errors())
        return _api.build_server(
            routes,
            config,
            helpers,
            always_request,
            self._handles_validation_errors(),
            # Frontends answer what no route matched: the router's 404 goes to Python.
            forward_router_answers=always_request or bool(self.frontends),
        )

    def _frontend_guards(self) -> dict[int, Any]:
        """The compiled dependencies of each frontend that has some."""
        from ouroboros.api._frontend import compile_guard

        guards = {}
        for frontend in self.frontends:
            dependencies = [*self.app_dependencies, *frontend.dependencies]
            if dependencies:
                guards[id(frontend)] = compile_guard(self, dependencies)
        return guards

    def _handles_validation_errors(self) -> bool:
        """Whether an exception handler of the app catches `RequestValidationError`."""
        from ouroboros.api.exceptions import RequestValidationError

        return any(isinstance(c, type) and issubclass(RequestValidationError, c) for c in self.exception_handlers)

    # -- lifecycle ----------------------------------------------------------

    @contextlib.asynccontextmanager
    async def run_lifespan(self) -> AsyncIterator[None]:
        """Run startup hooks and the lifespan contexts (the app's, then its
        included routers'); shutdown on exit."""
        for hook in self.on_startup:
            result = hook()
            if inspect.isawaitable(result):
                await result
        async with contextlib.AsyncExitStack() as stack:
            merged: dict[str, Any] = {}
            for lifespan in [self.lifespan, *self.included_lifespans]:
                if lifespan is None:
                    continue
                state = await stack.enter_async_context(_lifespan_context(lifespan(self)))
                # An outer lifespan's keys win over an inner one's.
                for key, value in (state or {}).items():
                    merged.setdefault(key, value)
            self.lifespan_state = merged
            self.state.update(merged)
            try:
                yield
            finally:
                for hook in self.on_shutdown:
                    result = hook()
                    if inspect.isawaitable(result):
                        await result

    async def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        workers: int = 1,
        install_signal_handlers: bool = True,
        started: Callable[[Any, tuple[str, int]], None] | None = None,
        max_body_size: int = 1024 * 1024,
        max_upload_size: int | None = 1 << 30,
        max_header_size: int = 16 * 1024,
        header_read_timeout: float = 10.0,
        body_read_timeout: float = 30.0,
        graceful_timeout: float = 10.0,
        keep_alive: bool = True,
        access_log: bool | None = None,
        lifespan: bool = True,
        root_path: str | None = None,
        proxy_headers: bool = True,
        forwarded_allow_ips: str | list[str] | None = None,
    ) -> None:
        """Serve until SIGINT/SIGTERM (or ``server.shutdown()``).

        Args:
            host: Address to bind.
            port: Port to bind (0 picks a free one; see ``started``).
            workers: Processes sharing the port with ``SO_REUSEPORT``.
            install_signal_handlers: Stop gracefully on SIGINT/SIGTERM.
            started: Called with ``(server, (host, port))`` once listening.
            max_body_size: Larger bodies get 413.
            max_upload_size: The limit of a ``multipart/form-data`` body of a
                route with ``File``/``Form`` parameters (1 GiB; ``None``: no
                limit). Such bodies are parsed while they arrive and files past
                1 MiB are spooled to disk. A ``max_body_size=`` set on the route,
                its routers or the app wins over it.
            max_header_size: Larger request heads close the connection (431).
            header_read_timeout: Seconds a client may take to send its headers
                (also how long an idle keep-alive connection stays open).
            body_read_timeout: Seconds a client may take to send its body (408).
            graceful_timeout: Seconds in-flight requests get at shutdown.
            keep_alive: HTTP/1.1 keep-alive.
            access_log: Log each request on ``ouroboros.api.access`` (default:
                when that logger is enabled for INFO at startup).
            lifespan: Run the startup/shutdown hooks and the ``lifespan``
                context (`TestClient` turns it off outside ``with``, as
                Starlette's does).
            root_path: The path prefix a proxy serves the app under
                (``request.scope["root_path"]``, the first OpenAPI server);
                routes still match the paths the proxy forwards.
            proxy_headers: Believe ``X-Forwarded-Proto`` and
                ``X-Forwarded-For`` from the peers ``forwarded_allow_ips``
                names: ``request.url``, ``url_for``, ``base_url``, the
                scope's ``scheme`` and ``request.client`` follow them, as
                under uvicorn.
            forwarded_allow_ips: Those peers: addresses (a list, or one
                string separated by commas), ``"*"`` for any. Default: the
                ``FORWARDED_ALLOW_IPS`` environment variable, else
                ``127.0.0.1`` (uvicorn's).

        Raises:
            ouroboros.core.OuroborosIOError: The address cannot be bound.
        """
        if workers > 1:
            from ouroboros.api._workers import serve_workers

            await serve_workers(self, host, port, workers, locals())
            return
        loop = asyncio.get_running_loop()
        config = {
            "max_body_size": max_body_size,
            "max_upload_size": max_upload_size,
            "max_header_size": max_header_size,
            "header_read_timeout": header_read_timeout,
            "body_read_timeout": body_read_timeout,
            "graceful_timeout": graceful_timeout,
            "keep_alive": keep_alive,
            "access_log": _access_log_enabled(access_log),
            "root_path": root_path,
            "proxy_headers": proxy_headers,
            "forwarded_allow_ips": forwarded_allow_ips,
        }
        await self._serve_one(
            loop, host, port, config, install_signal_handlers, started, reuse_port=False, lifespan=lifespan
        )

    async def _serve_one(
        self,
        loop: asyncio.AbstractEventLoop,
        host: str,
        port: int,
        config: dict[str, Any],
        install_signal_handlers: bool,
        started: Callable[[Any, tuple[str, int]], None] | None,
        reuse_port: bool,
        lifespan: bool = True,
    ) -> None:
        server = self.build_server(**config)
        stopped: asyncio.Future[str | None] = loop.create_future()

        def on_stopped(error: str | None) -> None:
            if not stopped.done():
                stopped.set_result(error)

        async with self.run_lifespan() if lifespan else contextlib.nullcontext():
            loop.add_reader(server.wake_fd(), server.drain)
            gated = _serve.gate_loop(loop, server)
            try:
                address = server.listen(host, port, on_stopped, reuse_port=reuse_port)
            except BaseException:
                _serve.ungate_loop(loop, server, gated)
                loop.remove_reader(server.wake_fd())
                raise
            self._server = server
            signals = []
            if install_signal_handlers:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                        loop.add_signal_handler(sig, server.shutdown)
                        signals.append(sig)
            logger.info("ouroboros.api serving %s on http://%s:%d", self.title, address[0], address[1])
            try:
                if started is not None:
                    started(server, address)
                error = await stopped
            finally:
                server.shutdown()
                if not stopped.done():
                    with contextlib.suppress(BaseException):
                        await asyncio.shield(stopped)
                for sig in signals:
                    loop.remove_signal_handler(sig)
                _serve.ungate_loop(loop, server, gated)
                loop.remove_reader(server.wake_fd())
                server.join()
                self._server = None
            if error:
                logger.error("ouroboros.api server stopped: %s", error)

    # -- ASGI ---------------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """ASGI 3 entry point: ``uvicorn module:app`` serves the same routes."""
        if self._asgi is None:
            from ouroboros.api.asgi import ASGIAdapter

            self._asgi = ASGIAdapter(self)
        await self._asgi(scope, receive, send)

    # -- OpenAPI ------------------------------------------------------------

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document (built once, then cached until a route
        is added, to the app or to a router it includes)."""
        fingerprint = self._routes_fingerprint()
        if self._openapi_schema is None or fingerprint != self._openapi_fingerprint:
            from ouroboros.api.openapi import build_openapi

            self._openapi_schema = build_openapi(self)
            self._openapi_fingerprint = fingerprint
        return self._openapi_schema


def _proxy_trust(enabled: bool, allow: str | list[str] | None) -> ProxyTrust | None:
    """The peers whose forwarded headers are believed (None: nobody's)."""
    if not enabled:
        return None
    if allow is None:
        allow = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    return ProxyTrust(allow)


def _access_log_enabled(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return logging.getLogger("ouroboros.api.access").isEnabledFor(logging.INFO)


def _first_of_each(routes: list[APIRoute]) -> list[APIRoute]:
    """``routes`` without those an earlier route shadows (same path, each of
    its methods taken): as in Starlette, the first declared answers."""
    taken: set[tuple[str, str]] = set()
    kept = []
    for route in routes:
        keys = {(m, route.path) for m in route.methods}
        if keys and keys <= taken:
            continue
        taken |= keys
        kept.append(route)
    return kept


def _custom_handler(route: APIRoute) -> bool:
    """Whether the route's class overrides `APIRoute.get_route_handler`."""
    return type(route).get_route_handler is not APIRoute.get_route_handler


def _with_route(invoke: Callable[..., Any], request_index: int, route: APIRoute) -> Callable[..., Any]:
    """Give the request its route (``request.scope["route"]``, Starlette's)."""

    def with_route(*values: Any) -> Any:
        request = values[request_index]
        if request is not None:
            request.route = route
        return invoke(*values)

    return with_route


def _wrap_response_class(invoke: Callable[..., Any], cls: type, status: int | None) -> Callable[..., Any]:
    # Without a route status_code the class keeps its own default (307 for
    # RedirectResponse), as in FastAPI.
    extra = {} if status is None else {"status_code": status}

    async def with_class(*values: Any) -> Any:
        result = await invoke(*values)
        if isinstance(result, Response):
            return result
        return cls(result, **extra)

    return with_class


def _lifespan_context(context: Any) -> Any:
    """A lifespan's result as an async context manager: bare async or sync
    generators (functions that ``yield`` without a decorator) are wrapped,
    as Starlette accepts them."""
    if inspect.isasyncgen(context):
        return contextlib.asynccontextmanager(lambda: context)()
    if inspect.isgenerator(context):
        return _SyncLifespan(contextlib.contextmanager(lambda: context)())
    if not hasattr(context, "__aenter__") and hasattr(context, "__enter__"):
        return _SyncLifespan(context)
    return context


class _SyncLifespan:
    def __init__(self, cm: Any) -> None:
        self.cm = cm

    async def __aenter__(self) -> Any:
        return self.cm.__enter__()

    async def __aexit__(self, *exc: Any) -> Any:
        return self.cm.__exit__(*exc)
